"""Invariants of enrolment (Hypothesis): whatever the order units arrive in and whichever
strata they belong to, each stratum's enrolled units take its pre-generated sequence in
order, no slot is used twice, and every unit is allocated once."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seedbed.core.errors import ValidationProblem
from seedbed.stats.allocation import allocation_sequence
from seedbed.trials.models import Allocation
from seedbed.trials.services.allocation import allocation_draw
from tests.trials.helpers import draft_trial

pytestmark = pytest.mark.django_db

STRATA = ("under 5", "5 to 17")


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(arrivals=st.lists(st.tuples(st.integers(0, 11), st.sampled_from(STRATA)),
                         min_size=1, max_size=25))
def test_enrolment_follows_the_sequence_in_any_order(trial_world, arrivals) -> None:
    trial = draft_trial(trial_world, register=True, seed="invariant-seed-6c1f0a9e2d7b4853", title="Invariant")
    frontline = trial_world["users"]["frontline"]
    first_stratum: dict[int, str] = {}
    for unit, stratum in arrivals:
        try:
            allocation_draw(actor=frontline, trial=trial, unit_ref=f"U{unit}", stratum=stratum)
        except ValidationProblem as problem:
            assert unit in first_stratum and "unit_ref" in problem.problems
        else:
            assert unit not in first_stratum
            first_stratum[unit] = stratum
    expected = allocation_sequence(arms=["control", "intervention"], seed="invariant-seed-6c1f0a9e2d7b4853",
                                   length=4, strata=list(STRATA),
                                   block_sizes=trial.protocol.block_size_list)
    for stratum in STRATA:
        taken = list(Allocation.objects.filter(trial=trial, stratum=stratum)
                     .exclude(unit_ref="").order_by("position"))
        assert [a.position for a in taken] == list(range(1, len(taken) + 1))
        full = allocation_sequence(arms=["control", "intervention"], seed="invariant-seed-6c1f0a9e2d7b4853",
                                   length=max(len(taken), 1), strata=[stratum],
                                   block_sizes=trial.protocol.block_size_list)
        assert [a.arm for a in taken] == [e.arm for e in full.by_stratum[stratum][: len(taken)]]
        assert expected.by_stratum[stratum][0].arm == full.by_stratum[stratum][0].arm
    assert Allocation.objects.filter(trial=trial).exclude(unit_ref="").count() == len(first_stratum)
