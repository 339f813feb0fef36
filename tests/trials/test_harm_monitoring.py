"""Harm monitoring counts people in every design: a real harm signal crosses the harm
boundary and pauses enrolment; simulated trials without a signal do not.

Data are simulated per person (seeded numpy) and go in through the services, as frontline
staff would enter them: enrolment (of people, or of clusters then people within them) and
safety events. Regression: before, stepped-wedge looks compared arms that did not exist
(allocations are labelled by crossover step), so the control count was zero and no look
ever fired; cluster looks counted clusters with an event, not people.

Without a signal a look still crosses with probability harm_alpha (here 5%, one-sided) by
design. That false-alarm rate is what is asserted, by simulation of the statistics, in
tests/stats/test_harm_false_alarm.py (this cluster scenario, one look and eight looks) and
tests/stats/test_stats_harm.py. The no-signal service tests here only check the plumbing on
fixed seeds (the cluster one on a single seed, the first of its former list); about one seed
in twenty crosses by chance, which the rate tests account for.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

import numpy as np
import pytest
from django.core import mail
from django.utils import timezone

from seedbed.core.models import Notification
from seedbed.stats.monitoring import RECOMMEND_STOP_BENEFIT, RECOMMEND_STOP_HARM
from seedbed.trials.models import Allocation, Trial
from seedbed.trials.services.allocation import allocation_draw, participant_enrol
from seedbed.trials.services.monitoring import interim_look_run, safety_event_record
from tests.trials.helpers import draft_trial

pytestmark = pytest.mark.django_db


def strong_seed(label: str) -> str:
    """A fixed 256-bit seed per label (registration refuses short seeds), so that each
    simulated trial allocates the same way on every run."""
    return hashlib.sha256(label.encode()).hexdigest()

CLUSTERS = [f"Team {i}" for i in range(1, 9)]


def _event(world: dict[str, Any], trial: Trial, ref: str, on: dt.date) -> None:
    safety_event_record(actor=world["users"]["frontline"], trial=trial, unit_ref=ref,
                        harm_outcome=trial.harm_outcomes.get(), severity="severe",
                        description="Emergency placement", occurred_on=on)


def _look(world: dict[str, Any], trial: Trial, capture: Any) -> tuple[Any, Trial]:
    with capture(execute=True):
        look = interim_look_run(actor=world["users"]["safety"], trial=trial)
    trial.refresh_from_db()
    return look, trial


# --- individually randomised ------------------------------------------------------------


def _individual(world: dict[str, Any], *, seed: int, risk_control: float, risk_arm: float) -> Trial:
    rng = np.random.default_rng(seed)
    trial = draft_trial(world, register=True, seed=strong_seed(f"individual-{seed}"), strata="")
    today = timezone.localdate()
    for i in range(120):
        allocation = allocation_draw(actor=world["users"]["frontline"], trial=trial, unit_ref=f"P{i}")
        risk = risk_control if allocation.arm == "control" else risk_arm
        if rng.random() < risk:
            _event(world, trial, f"P{i}", today)
            if rng.random() < 0.5:  # a second event for the same person counts once
                _event(world, trial, f"P{i}", today)
    return trial


def test_individual_harm_signal_pauses_enrolment(trial_world, django_capture_on_commit_callbacks) -> None:
    trial_world["users"]["safety"].email = "safety@example.org"
    trial_world["users"]["safety"].save()
    trial = _individual(trial_world, seed=1, risk_control=0.05, risk_arm=0.30)
    look, trial = _look(trial_world, trial, django_capture_on_commit_callbacks)
    row = look.results[0]
    people = Allocation.objects.filter(trial=trial).exclude(unit_ref="")
    assert row["n_control"] + row["n_arm"] == people.count() == 120
    assert row["events_arm"] <= row["n_arm"] and row["recommendation"] == RECOMMEND_STOP_HARM
    assert look.crossed_harm and look.decision_needed and trial.status == Trial.Status.PAUSED
    assert mail.outbox and mail.outbox[-1].to == ["safety@example.org"]


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_individual_without_signal_continues(trial_world, django_capture_on_commit_callbacks, seed) -> None:
    trial = _individual(trial_world, seed=seed, risk_control=0.10, risk_arm=0.10)
    look, trial = _look(trial_world, trial, django_capture_on_commit_callbacks)
    assert not look.crossed_harm and trial.status == Trial.Status.RECRUITING


def test_a_harm_outcome_is_never_recommended_stop_for_benefit(
    trial_world, django_capture_on_commit_callbacks
) -> None:
    """Regression: a harm outcome far rarer under the intervention once gave "stop for benefit"."""
    trial = _individual(trial_world, seed=5, risk_control=0.6, risk_arm=0.0)
    look, trial = _look(trial_world, trial, django_capture_on_commit_callbacks)
    row = look.results[0]
    assert row["z"] > 4 and row["recommendation"] == "continue"
    assert RECOMMEND_STOP_BENEFIT not in {r["recommendation"] for r in look.results}
    assert "efficacy_boundary" not in row and not look.decision_needed


# --- cluster randomised -----------------------------------------------------------------


def _cluster(world: dict[str, Any], *, seed: int, risk_control: float, risk_arm: float) -> Trial:
    rng = np.random.default_rng(seed)
    # blocks of 2 and 4 clusters (the default before random 4, 6, 8): the seeded data sets
    # these tests were written against, a signal for harm or none
    trial = draft_trial(world, register=True, seed=strong_seed(f"cluster-{seed}"), design="cluster", icc=0.05,
                        cluster_size=15, clusters="\n".join(CLUSTERS), strata="", title="Team huddles",
                        block_sizes="2, 4")
    today = timezone.localdate()
    for name in CLUSTERS:
        slot = allocation_draw(actor=world["users"]["frontline"], trial=trial, unit_ref="", cluster=name)
        # Clusters differ in their baseline risk (between-cluster variation on the log-odds).
        base = risk_control if slot.arm == "control" else risk_arm
        logit = np.log(base / (1 - base)) + rng.normal(0, 0.3)
        risk = 1 / (1 + np.exp(-logit))
        for j in range(int(rng.integers(10, 19))):
            ref = f"{name}/{j}"
            participant_enrol(actor=world["users"]["frontline"], trial=trial, cluster=name,
                              unit_ref=ref, enrolled_on=today - dt.timedelta(days=int(rng.integers(0, 60))))
            if rng.random() < risk:
                _event(world, trial, ref, today)
    return trial


def test_cluster_harm_signal_pauses_enrolment(trial_world, django_capture_on_commit_callbacks) -> None:
    trial = _cluster(trial_world, seed=2, risk_control=0.05, risk_arm=0.35)
    look, trial = _look(trial_world, trial, django_capture_on_commit_callbacks)
    row = look.results[0]
    assert row["clusters_control"] == row["clusters_arm"] == 4
    # People, not clusters: every one of the people enrolled within the clusters is counted.
    assert row["n_control"] + row["n_arm"] == trial.participants.count() > len(CLUSTERS)
    assert row["method"].startswith("per-cluster risk")
    assert row["recommendation"] == RECOMMEND_STOP_HARM and trial.status == Trial.Status.PAUSED
    assert Notification.objects.filter(trial=trial, user=trial_world["users"]["safety"]).exists()


def test_cluster_without_signal_continues(trial_world, django_capture_on_commit_callbacks) -> None:
    trial = _cluster(trial_world, seed=21, risk_control=0.12, risk_arm=0.12)
    look, trial = _look(trial_world, trial, django_capture_on_commit_callbacks)
    assert not look.crossed_harm and trial.status == Trial.Status.RECRUITING


def test_cluster_events_must_name_a_person(trial_world) -> None:
    from seedbed.core.errors import ValidationProblem
    from seedbed.trials.services.monitoring import ERROR_NOT_A_PERSON

    trial = draft_trial(trial_world, register=True, seed=strong_seed("c"), design="cluster", icc=0.05,
                        cluster_size=15, clusters="\n".join(CLUSTERS), strata="")
    allocation_draw(actor=trial_world["users"]["frontline"], trial=trial, unit_ref="", cluster=CLUSTERS[0])
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_NOT_A_PERSON)) as caught:
        _event(trial_world, trial, CLUSTERS[0], timezone.localdate())
    assert caught.value.problems["unit_ref"] == ERROR_NOT_A_PERSON


# --- stepped wedge ----------------------------------------------------------------------


def _wedge(world: dict[str, Any], *, seed: int, rate_ratio: float) -> Trial:
    """Eight clusters cross over in four steps of 30 days; people join throughout and each has
    a daily hazard of a first event of 0.002, times ``rate_ratio`` once their cluster is
    exposed, with a secular trend (+10% per period) and cluster differences."""
    rng = np.random.default_rng(seed)
    today = timezone.localdate()
    period_days, steps = 30, 4
    start = today - dt.timedelta(days=period_days * (steps + 1) - 1)
    trial = draft_trial(world, register=True, seed=strong_seed(f"wedge-{seed}"), design="stepped_wedge", icc=0.05,
                        cluster_size=20, steps=steps, clusters="\n".join(CLUSTERS), strata="",
                        first_period_start=start, period_days=period_days, title="Family hubs rollout")
    days = np.arange((today - start).days + 1)
    for name in CLUSTERS:
        slot = allocation_draw(actor=world["users"]["frontline"], trial=trial, unit_ref="", cluster=name)
        frailty = rng.gamma(8, 1 / 8)
        period = np.minimum(days // period_days, steps)
        hazard = 0.002 * frailty * (1 + 0.1 * period) * np.where(period >= slot.step, rate_ratio, 1.0)
        for j in range(20):
            joined = int(rng.integers(0, len(days) - 20))
            ref = f"{name}/{j}"
            participant_enrol(actor=world["users"]["frontline"], trial=trial, cluster=name,
                              unit_ref=ref, enrolled_on=start + dt.timedelta(days=joined))
            happened = np.nonzero(rng.random(len(days) - joined) < hazard[joined:])[0]
            if happened.size:
                _event(world, trial, ref, start + dt.timedelta(days=joined + int(happened[0])))
    return trial


def test_stepped_wedge_harm_signal_pauses_enrolment(trial_world, django_capture_on_commit_callbacks) -> None:
    trial = _wedge(trial_world, seed=3, rate_ratio=4.0)
    assert set(Allocation.objects.filter(trial=trial).values_list("arm", flat=True)) <= {
        f"crosses over at step {s}" for s in range(1, 5)}
    look, trial = _look(trial_world, trial, django_capture_on_commit_callbacks)
    row = look.results[0]
    assert row["arm"] == "exposed periods" and row["control"] == "unexposed periods"
    assert row["time_control"] > 0 and row["time_arm"] > 0
    assert row["n_control"] > 0  # before: the "control" arm never existed, so this was 0
    assert row["recommendation"] == RECOMMEND_STOP_HARM and trial.status == Trial.Status.PAUSED
    assert look.information_rate == pytest.approx(1.0)


@pytest.mark.parametrize("seed", [31, 32, 33])
def test_stepped_wedge_without_signal_continues(trial_world, django_capture_on_commit_callbacks, seed) -> None:
    trial = _wedge(trial_world, seed=seed, rate_ratio=1.0)
    look, trial = _look(trial_world, trial, django_capture_on_commit_callbacks)
    assert look.results[0]["z"] is not None
    assert not look.crossed_harm and trial.status == Trial.Status.RECRUITING


def test_person_enrolment_is_idempotent_and_once_per_person(trial_world) -> None:
    from seedbed.core.errors import ValidationProblem
    from seedbed.trials.services.allocation import (
        ERROR_NOT_CLUSTERED,
        ERROR_PERSON_ALREADY,
        ERROR_PERSON_KEY_REUSED,
    )

    users = trial_world["users"]
    trial = draft_trial(trial_world, register=True, seed=strong_seed("idem"), design="cluster",
                        icc=0.05, cluster_size=15, clusters="\n".join(CLUSTERS), strata="")
    allocation_draw(actor=users["frontline"], trial=trial, unit_ref="", cluster=CLUSTERS[0])
    today = timezone.localdate()
    first = participant_enrol(actor=users["frontline"], trial=trial, cluster=CLUSTERS[0],
                              unit_ref="K1", enrolled_on=today, idempotency_key="k-1")
    again = participant_enrol(actor=users["frontline"], trial=trial, cluster=CLUSTERS[0],
                              unit_ref="K1", enrolled_on=today, idempotency_key="k-1")
    assert again.pk == first.pk and again.replayed and not first.replayed
    with pytest.raises(ValidationProblem, match=ERROR_PERSON_KEY_REUSED) as caught:
        participant_enrol(actor=users["frontline"], trial=trial, cluster=CLUSTERS[0],
                          unit_ref="K2", enrolled_on=today, idempotency_key="k-1")
    assert caught.value.problems["idempotency_key"] == ERROR_PERSON_KEY_REUSED
    with pytest.raises(ValidationProblem, match=ERROR_PERSON_ALREADY) as caught:
        participant_enrol(actor=users["frontline"], trial=trial, cluster=CLUSTERS[0],
                          unit_ref="K1", enrolled_on=today)
    assert caught.value.problems["unit_ref"] == ERROR_PERSON_ALREADY
    individual = draft_trial(trial_world, register=True, seed=strong_seed("idem-i"), strata="",
                             title="Individual")
    with pytest.raises(ValidationProblem, match=ERROR_NOT_CLUSTERED) as caught:
        participant_enrol(actor=users["frontline"], trial=individual, cluster="", unit_ref="X",
                          enrolled_on=today)
    assert caught.value.problems["__all__"] == ERROR_NOT_CLUSTERED


def test_stepped_wedge_person_time_by_hand(trial_world) -> None:
    """Two periods of 10 days, looking on day 19. P1 joins on day 5 and has no event: 5 days
    in period 0 and 10 in period 1. P2 joins on day 0 and has a first event on day 12 (a later
    one does not count): 10 days in period 0 and 3 (days 10 to 12) in period 1, where the
    event falls. P3's cluster crosses over at step 2, which this look has not reached."""
    from seedbed.trials.selectors import stepped_wedge_cells

    users = trial_world["users"]
    today = timezone.localdate()
    start = today - dt.timedelta(days=19)
    trial = draft_trial(trial_world, register=True, seed=strong_seed("by-hand"), design="stepped_wedge",
                        icc=0.05, cluster_size=20, steps=2, clusters="\n".join(CLUSTERS[:4]), strata="",
                        first_period_start=start, period_days=10)
    slots = {}
    for name in CLUSTERS[:4]:
        slots[name] = allocation_draw(actor=users["frontline"], trial=trial, unit_ref="", cluster=name)
    first = next(n for n, s in slots.items() if s.step == 1)
    second = next(n for n, s in slots.items() if s.step == 2)
    for ref, cluster, joined in (("P1", first, 5), ("P2", first, 0), ("P3", second, 2)):
        participant_enrol(actor=users["frontline"], trial=trial, cluster=cluster, unit_ref=ref,
                          enrolled_on=start + dt.timedelta(days=joined))
    _event(trial_world, trial, "P2", start + dt.timedelta(days=12))
    _event(trial_world, trial, "P2", start + dt.timedelta(days=15))
    cells = stepped_wedge_cells(trial, trial.harm_outcomes.get(), as_of=today)
    assert cells is not None
    table = {(c, p): (x, y, t) for c, p, x, y, t in zip(
        cells["cluster"], cells["period"], cells["exposed"], cells["events"], cells["person_time"],
        strict=True)}
    a, b = str(slots[first].pk), str(slots[second].pk)
    assert table[(a, 0)] == (0, 0.0, 15.0)  # P1 5 days + P2 10 days, unexposed
    assert table[(a, 1)] == (1, 1.0, 13.0)  # P1 10 days + P2 3 days, exposed, P2's event
    assert table[(b, 0)] == (0, 0.0, 8.0)  # P3 days 2 to 9
    assert table[(b, 1)] == (0, 0.0, 10.0)  # still unexposed in period 1
    assert table[(b, 2)] == (1, 0.0, 0.0)  # period 2 has not started
    assert cells["people"] == {"exposed periods": 2, "unexposed periods": 3}
    assert cells["people_with_event"] == {"exposed periods": 1, "unexposed periods": 0}


def test_monitoring_pages_show_people_for_cluster_and_stepped_wedge_trials(
    trial_world, django_capture_on_commit_callbacks
) -> None:
    from django.test import Client
    from django.urls import reverse

    wedge = _wedge(trial_world, seed=3, rate_ratio=4.0)
    cluster = _cluster(trial_world, seed=2, risk_control=0.05, risk_arm=0.35)
    client = Client()
    client.force_login(trial_world["users"]["safety"])
    for trial in (wedge, cluster):
        _look(trial_world, trial, django_capture_on_commit_callbacks)
    page = client.get(reverse("trials:monitoring", args=[wedge.pk])).content.decode()
    assert "first events per person-time in exposed periods against unexposed periods" in page
    assert "person-days" in page and "exposed periods against unexposed periods" in page
    assert 'id="boundary-crossed"' in page
    page = client.get(reverse("trials:monitoring", args=[cluster.pk])).content.decode()
    assert "a cluster-level analysis" in page and "Clusters (comparator, arm)" in page
    assert "per-cluster risk of an event" in page
