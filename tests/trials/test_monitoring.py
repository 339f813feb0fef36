"""A harmful arm crosses the harm boundary at an interim look: enrolment pauses at once, the
safety lead is notified and decides; all of it in the audit chain."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from seedbed.core.audit import audit_verify
from seedbed.core.errors import ValidationProblem
from seedbed.core.models import AuditEntry, Notification
from seedbed.trials.models import Allocation, SafetyDecision, Trial
from seedbed.trials.services.allocation import allocation_draw
from seedbed.trials.services.monitoring import (
    ERROR_NO_ENROLMENT,
    ERROR_REASONS,
    ERROR_STOP_REASON,
    interim_look_run,
    safety_decision_record,
    safety_event_record,
)
from tests.trials.helpers import draft_trial

pytestmark = pytest.mark.django_db


def test_a_harmful_arm_crosses_the_boundary_and_enrolment_pauses(
    trial_world, django_capture_on_commit_callbacks
) -> None:
    users = trial_world["users"]
    users["safety"].email = "safety@example.org"
    users["safety"].save()
    trial = draft_trial(trial_world, register=True, seed="harm-seed-2f8c4a6e0d9b1735", strata="")
    harm = trial.harm_outcomes.get()
    for i in range(60):
        allocation_draw(actor=users["frontline"], trial=trial, unit_ref=f"H{i}")
    # A harmful intervention: a third of its units have the harm event, few under control.
    harmed = list(Allocation.objects.filter(trial=trial, arm="intervention").exclude(unit_ref="")
                  [:12]) + list(Allocation.objects.filter(trial=trial, arm="control")
                                .exclude(unit_ref="")[:1])
    for allocation in harmed:
        safety_event_record(actor=users["frontline"], trial=trial, unit_ref=allocation.unit_ref,
                            harm_outcome=harm, severity="serious", description="Placed in care",
                            occurred_on=dt.date(2026, 10, 1))
    with django_capture_on_commit_callbacks(execute=True):
        look = interim_look_run(actor=users["safety"], trial=trial)
    result = look.results[0]
    assert look.crossed_harm and result["recommendation"] == "stop_for_harm"
    assert result["z"] <= result["harm_boundary"] < 0
    trial.refresh_from_db()
    assert trial.status == Trial.Status.PAUSED and "harm boundary" in trial.pause_reason
    with pytest.raises(ValidationProblem, match="Enrolment is not open for this trial"):
        allocation_draw(actor=users["frontline"], trial=trial, unit_ref="LATE-1")
    note = Notification.objects.get(trial=trial, subject__startswith="Enrolment paused")
    assert note.user == users["safety"]
    # Every message goes to the safety lead: the pause, and the serious-event alerts queued
    # before it (whose after-commit delivery this test did not run) are retried with it.
    assert {tuple(m.to) for m in mail.outbox} == {("safety@example.org",)}
    assert sum(m.subject.startswith("Enrolment paused") for m in mail.outbox) == 1
    with pytest.raises(ValidationProblem, match=ERROR_REASONS) as caught:
        safety_decision_record(actor=users["safety"], trial=trial, decision="continue", reasons=" ")
    assert "reasons" in caught.value.problems
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_STOP_REASON)) as caught:
        safety_decision_record(actor=users["safety"], trial=trial, decision="stop",
                               reasons="Too many placements")
    assert "stop_reason" in caught.value.problems
    safety_decision_record(actor=users["safety"], trial=trial, decision="stop", stop_reason="harm",
                           reasons="The excess of placements is too large to continue")
    trial.refresh_from_db()
    assert trial.status == Trial.Status.STOPPED
    assert trial.stopped_for == "harm" and trial.stopped_at is not None
    assert SafetyDecision.objects.get(trial=trial).look == look
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"trials.interim_look", "trials.enrolment_pause", "trials.safety_decision",
            "trials.allocation", "trials.safety_event"} <= actions
    assert audit_verify().ok


def test_harm_looks_are_not_capped_by_the_planned_looks(trial_world) -> None:
    """One planned look does not mean one harm look: harm that appears later, after the
    planned look was used, still crosses the harm boundary and pauses enrolment."""
    users = trial_world["users"]
    trial = draft_trial(trial_world, register=True, seed="safe-seed-9b3d7f1a5c0e8246", strata="",
                        interim_looks=1)
    with pytest.raises(ValidationProblem, match=ERROR_NO_ENROLMENT):
        interim_look_run(actor=users["safety"], trial=trial)  # nobody enrolled yet
    for i in range(20):
        allocation_draw(actor=users["frontline"], trial=trial, unit_ref=f"S{i}")
    first = interim_look_run(actor=users["safety"], trial=trial)
    assert not first.crossed_harm and first.results[0]["recommendation"] == "continue"
    for i in range(20, 80):
        allocation_draw(actor=users["frontline"], trial=trial, unit_ref=f"S{i}")
    harm = trial.harm_outcomes.get()
    for allocation in Allocation.objects.filter(trial=trial, arm="intervention").exclude(unit_ref="")[:14]:
        safety_event_record(actor=users["frontline"], trial=trial, unit_ref=allocation.unit_ref,
                            harm_outcome=harm, severity="moderate", description="Placed in care",
                            occurred_on=dt.date(2026, 10, 1))
    second = interim_look_run(actor=users["safety"], trial=trial)
    result = second.results[0]
    assert second.number == 2 and second.information_rate > first.information_rate
    assert result["recommendation"] == "stop_for_harm" and result["z"] <= result["harm_boundary"]
    trial.refresh_from_db()
    assert trial.status == Trial.Status.PAUSED
    # Harm looks go on while enrolment goes on (here a third, after the safety lead continues).
    safety_decision_record(actor=users["safety"], trial=trial, decision="continue",
                           reasons="Reviewed the placements: unrelated to the service")
    assert interim_look_run(actor=users["safety"], trial=trial).number == 3


def test_at_most_max_looks_then_a_clear_message(trial_world) -> None:
    from seedbed.trials.models import InterimLook
    from seedbed.trials.services.monitoring import ERROR_ALL_LOOKS, MAX_LOOKS

    users = trial_world["users"]
    trial = draft_trial(trial_world, register=True, seed="safe-seed-9b3d7f1a5c0e8246", strata="")
    allocation_draw(actor=users["frontline"], trial=trial, unit_ref="S1")
    InterimLook.objects.bulk_create([
        InterimLook(trial=trial, number=k + 1, information_rate=(k + 1) / 1000, results=[],
                    efficacy={}, taken_at=timezone.now(), taken_by=users["safety"])
        for k in range(MAX_LOOKS)])
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_ALL_LOOKS.format(looks=MAX_LOOKS))) as caught:
        interim_look_run(actor=users["safety"], trial=trial)
    assert caught.value.problems["__all__"] == ERROR_ALL_LOOKS.format(looks=MAX_LOOKS)
