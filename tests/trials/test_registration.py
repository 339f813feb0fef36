"""Registration: refusals naming the field, the frozen protocol, the concealed sequence."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from seedbed.core.audit import audit_verify
from seedbed.core.errors import ValidationProblem
from seedbed.core.models import AuditEntry
from seedbed.stats.allocation import allocation_sequence
from seedbed.stats.randomisation import commitment_hash
from seedbed.trials.models import Allocation, HarmOutcome, StoppingRule, Trial
from seedbed.trials.rules import content_hash
from seedbed.trials.selectors import protocol_content
from seedbed.trials.services import protocols
from seedbed.trials.services.protocols import protocol_amend, trial_create, trial_register
from tests.trials.helpers import draft_trial

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("remove", "field", "message"),
    [
        ("safety_lead", "safety_lead", protocols.ERROR_NO_SAFETY_LEAD),
        ("harm", "harm_outcomes", protocols.ERROR_NO_HARM),
        ("rule", "stopping_rules", protocols.ERROR_NO_STOPPING_RULE),
    ],
)
def test_registration_refused_without_a_safeguard(trial_world, remove, field, message) -> None:
    trial = draft_trial(trial_world)
    if remove == "safety_lead":
        Trial.objects.filter(pk=trial.pk).update(safety_lead=None)
    elif remove == "harm":
        HarmOutcome.objects.filter(trial=trial).delete()
    else:
        StoppingRule.objects.filter(trial=trial).delete()
    trial.refresh_from_db()
    with pytest.raises(ValidationProblem, match=re.escape(message)) as caught:
        trial_register(actor=trial_world["users"]["lead"], trial=trial)
    assert caught.value.problems == {field: message}
    trial.refresh_from_db()
    assert trial.is_draft and not Allocation.objects.filter(trial=trial).exists()


def test_an_empty_protocol_names_every_missing_field(trial_world) -> None:
    trial = trial_create(actor=trial_world["users"]["lead"],
                         organisation=trial_world["organisations"]["childrens-services"], title="T")
    with pytest.raises(ValidationProblem, match=protocols.ERROR_NO_SAFETY_LEAD) as caught:
        trial_register(actor=trial_world["users"]["lead"], trial=trial)
    for name in (*protocols.REQUIRED_FIELDS, "effect_size", "safety_lead", "harm_outcomes",
                 "stopping_rules"):
        assert name in caught.value.problems


def test_registration_freezes_commits_and_generates_the_sequence(trial_world) -> None:
    trial = draft_trial(trial_world, register=True, seed="test-seed-5a0e8c2f6d4b1973")
    version = trial.versions.get()
    assert version.number == 1
    assert version.content == protocol_content(trial)
    assert version.content_hash == content_hash(version.content)
    assert trial.seed_commitment == commitment_hash(seed="test-seed-5a0e8c2f6d4b1973", protocol_hash=version.content_hash)
    assert trial.status == Trial.Status.RECRUITING
    protocol = trial.protocol
    expected = allocation_sequence(arms=protocol.arm_list, seed="test-seed-5a0e8c2f6d4b1973",
                                   length=protocol.sample_size_per_arm * 2,
                                   strata=protocol.strata_list,
                                   block_sizes=protocol.block_size_list)
    assert expected.by_stratum
    for stratum, entries in expected.by_stratum.items():
        stored = list(Allocation.objects.filter(trial=trial, stratum=stratum)
                      .order_by("position").values_list("arm", flat=True))
        assert stored == [e.arm for e in entries]
    entry = AuditEntry.objects.get(action="trials.trial_register", object_id=str(trial.pk))
    assert entry.data["protocol_hash"] == version.content_hash
    assert audit_verify().ok


def test_amendments_are_new_versions_and_the_sequence_is_frozen(trial_world) -> None:
    trial = draft_trial(trial_world, register=True)
    analyst = trial_world["users"]["analyst"]
    with pytest.raises(ValidationProblem, match="fixes the allocation sequence and cannot be amended") as caught:
        protocol_amend(actor=analyst, trial=trial, changes={"arms": "a, b, c"}, reason="more arms")
    assert "arms" in caught.value.problems
    with pytest.raises(ValidationProblem, match=protocols.ERROR_REASON) as caught:
        protocol_amend(actor=analyst, trial=trial, changes={"setting": "Also Eastside"}, reason="")
    assert caught.value.problems == {"reason": protocols.ERROR_REASON}
    version = protocol_amend(actor=analyst, trial=trial, changes={"setting": "Also Eastside"},
                             reason="A second team joined")
    assert version.number == 2
    first = trial.versions.get(number=1)
    assert first.content["protocol"]["setting"] != "Also Eastside"
    assert version.content["protocol"]["setting"] == "Also Eastside"
    assert version.content_hash != first.content_hash
    with pytest.raises(ValidationProblem, match=protocols.ERROR_NO_CHANGE):
        protocol_amend(actor=analyst, trial=trial, changes={"setting": "Also Eastside"}, reason="x")


def test_cluster_and_stepped_wedge_schedules(trial_world) -> None:
    clusters = "\n".join(f"School {i}" for i in range(1, 9))
    cluster = draft_trial(trial_world, register=True, seed="registration-seed-7e2c9a4f1d6b0358", design="cluster", icc=0.05,
                          cluster_size=20, clusters=clusters, strata="")
    slots = Allocation.objects.filter(trial=cluster)
    assert slots.count() == 8
    assert sorted(slots.values_list("arm", flat=True)) == ["control"] * 4 + ["intervention"] * 4
    wedge = draft_trial(trial_world, register=True, seed="registration-seed-7e2c9a4f1d6b0358", design="stepped_wedge", icc=0.05,
                        cluster_size=20, steps=4, clusters=clusters, strata="",
                        first_period_start=dt.date(2026, 1, 5), period_days=30,
                        title="Stepped rollout")
    steps = sorted(Allocation.objects.filter(trial=wedge).values_list("step", flat=True))
    assert steps == [1, 1, 2, 2, 3, 3, 4, 4]


def test_stepped_wedge_without_period_schedule_is_refused(trial_world) -> None:
    """Regression: a stepped wedge registered without its period schedule had its harm
    monitoring silently off (no look could ever cross). Registration names both fields, and
    an amendment cannot remove the schedule afterwards."""
    from seedbed.trials.services.protocols import ERROR_SW_PERIOD_DAYS, ERROR_SW_PERIOD_START

    clusters = "\n".join(f"School {i}" for i in range(1, 9))
    design = dict(design="stepped_wedge", icc=0.05, cluster_size=20, steps=4, clusters=clusters,
                  strata="", title="Stepped rollout without a schedule")
    trial = draft_trial(trial_world, **design)
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_SW_PERIOD_DAYS)) as caught:
        trial_register(actor=trial_world["users"]["lead"], trial=trial)
    assert caught.value.problems["first_period_start"] == ERROR_SW_PERIOD_START
    assert caught.value.problems["period_days"] == ERROR_SW_PERIOD_DAYS
    assert Trial.objects.get(pk=trial.pk).is_draft
    half = draft_trial(trial_world, **design, period_days=30)
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_SW_PERIOD_START)) as caught:
        trial_register(actor=trial_world["users"]["lead"], trial=half)
    assert set(caught.value.problems) == {"first_period_start"}
    whole = draft_trial(trial_world, **design, first_period_start=dt.date(2026, 1, 5), period_days=30,
                        register=True, seed="registration-seed-5d1f8b3e7a2c9046")
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_SW_PERIOD_DAYS)) as caught:
        protocol_amend(actor=trial_world["users"]["lead"], trial=whole,
                       changes={"period_days": None}, reason="Dropping the schedule")
    assert caught.value.problems["period_days"] == ERROR_SW_PERIOD_DAYS
