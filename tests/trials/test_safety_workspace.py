"""The safety lead's pages through HTTP: a crossing is a red warning with nothing pre-chosen,
a labelled chart, a workspace of their trials, events to review and crossings, emails that
are never dropped silently, and interim efficacy looks as planned."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np
import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from seedbed.core.audit import audit_verify
from seedbed.core.models import MAX_DELIVERY_ATTEMPTS, AuditEntry, Notification
from seedbed.core.notifications import FAILURE_NO_ADDRESS, notifications_deliver
from seedbed.stats.monitoring import RECOMMEND_STOP_BENEFIT
from seedbed.trials.models import InterimLook, SafetyEvent, Trial
from seedbed.trials.services.allocation import allocation_draw
from seedbed.trials.services.monitoring import interim_look_run, safety_event_record
from seedbed.trials.services.results import outcome_upload
from tests.trials.helpers import draft_trial
from tests.trials.test_harm_monitoring import _individual, strong_seed

pytestmark = pytest.mark.django_db


def _client(world: dict[str, Any], who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(world["users"][who])
    return client


def test_a_crossing_is_a_red_warning_and_no_decision_is_chosen(
    trial_world, django_capture_on_commit_callbacks
) -> None:
    trial = _individual(trial_world, seed=1, risk_control=0.05, risk_arm=0.30)
    safety = _client(trial_world, "safety")
    url = reverse("trials:monitoring", args=[trial.pk])
    with django_capture_on_commit_callbacks(execute=True):
        page = safety.post(url, {"action": "look"}, follow=True).content.decode()
    assert "govuk-notification-banner--success" not in page and ">Success<" not in page
    assert 'class="govuk-error-summary" id="boundary-crossed"' in page
    assert "a stopping boundary was crossed" in page
    # Radios, none chosen; the stop reason is asked.
    assert re.findall(r'name="decision-decision"', page) and " checked" not in page
    assert 'name="decision-stop_reason"' in page
    # The chart names every line, has axis titles, and shows no efficacy boundary.
    assert "Harm boundary, Emergency placement: intervention against control" in page
    assert "Z, Emergency placement: intervention against control" in page
    assert "Information fraction" in page and "Z statistic" in page
    assert "Efficacy boundary" not in page
    refused = safety.post(url, {"action": "decision", "decision-reasons": "x"}).content.decode()
    assert "Choose whether to continue or stop" in refused
    no_reason = safety.post(url, {"action": "decision", "decision-decision": "stop",
                                  "decision-reasons": "Too many placements"}).content.decode()
    assert "Choose why the trial stops" in no_reason
    safety.post(url, {"action": "decision", "decision-decision": "stop", "decision-stop_reason": "harm",
                      "decision-reasons": "Placements are far more frequent"})
    trial.refresh_from_db()
    assert trial.status == Trial.Status.STOPPED and trial.stopped_for == "harm"
    assert AuditEntry.objects.filter(action="trials.safety_decision").exists() and audit_verify().ok


def test_workspace_lists_trials_serious_events_and_crossings(
    trial_world, django_capture_on_commit_callbacks
) -> None:
    users = trial_world["users"]
    users["safety"].email = "safety@example.org"
    users["safety"].save()
    trial = draft_trial(trial_world, register=True, seed=strong_seed("workspace"), strata="", interim_looks=3)
    for i in range(10):
        allocation_draw(actor=users["frontline"], trial=trial, unit_ref=f"W{i}")
    with django_capture_on_commit_callbacks(execute=True):
        event = safety_event_record(actor=users["frontline"], trial=trial, unit_ref="W1",
                                    harm_outcome=trial.harm_outcomes.get(), severity="serious",
                                    description="Admitted to hospital", occurred_on=timezone.localdate())
    # The safety lead is emailed at once, and the email does not reveal the arm.
    assert [m.to for m in mail.outbox] == [["safety@example.org"]]
    assert "Serious safety event" in mail.outbox[0].subject
    assert "intervention" not in mail.outbox[0].body and "control" not in mail.outbox[0].body
    page = _client(trial_world, "safety").get(reverse("trials:safety_workspace")).content.decode()
    assert trial.title in page and "Admitted to hospital" in page and "Mark reviewed" in page
    assert "Your trials" in page and "Looks due" in page
    response = _client(trial_world, "safety").post(reverse("trials:event_review", args=[event.pk]))
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.reviewed_by == users["safety"] and event.reviewed_at is not None
    assert AuditEntry.objects.filter(action="trials.safety_event_review").exists()
    after = _client(trial_world, "safety").get(reverse("trials:safety_workspace")).content.decode()
    assert "No serious events waiting for review" in after
    # A crossing awaiting a decision is listed, in red, with a link to decide.
    InterimLook.objects.create(trial=trial, number=1, information_rate=0.3, results=[],
                               decision_needed=True, taken_at=timezone.now(), taken_by=users["safety"])
    crossing = _client(trial_world, "safety").get(reverse("trials:safety_workspace")).content.decode()
    assert "your decision is needed" in crossing and f"/trials/{trial.pk}/monitoring/#decision" in crossing
    nav = _client(trial_world, "safety").get(reverse("core:home")).content.decode()
    assert reverse("trials:safety_workspace") in nav


@pytest.mark.parametrize("who", ["anonymous", "lead", "analyst", "frontline", "provider"])
def test_only_the_trials_safety_lead_reviews_an_event(trial_world, who) -> None:
    users = trial_world["users"]
    trial = draft_trial(trial_world, register=True, seed=strong_seed("review"), strata="")
    allocation_draw(actor=users["frontline"], trial=trial, unit_ref="R1")
    event = safety_event_record(actor=users["frontline"], trial=trial, unit_ref="R1",
                                harm_outcome=trial.harm_outcomes.get(), severity="serious",
                                description="Hurt", occurred_on=timezone.localdate())
    response = _client(trial_world, who).post(reverse("trials:event_review", args=[event.pk]))
    if who == "anonymous":
        assert response.status_code == 302 and "/sign-in/" in response["Location"]
    else:
        assert response.status_code == 403
    event.refresh_from_db()
    assert event.reviewed_at is None
    # Blinded and other roles cannot open the workspace either; nor a missing event id.
    workspace = _client(trial_world, who).get(reverse("trials:safety_workspace"))
    assert workspace.status_code in (302, 403)
    safety = _client(trial_world, "safety")
    assert safety.post(reverse("trials:event_review", args=[event.pk + 999])).status_code == 403
    assert safety.get(reverse("trials:event_review", args=[event.pk])).status_code == 405


def test_a_message_that_cannot_be_emailed_is_recorded_shown_and_retried(
    trial_world, django_capture_on_commit_callbacks, settings
) -> None:
    """Regression: the outbox used ``fail_silently=True`` and marked nothing as failed."""
    users = trial_world["users"]
    trial = draft_trial(trial_world, register=True, seed=strong_seed("outbox"), strata="")
    allocation_draw(actor=users["frontline"], trial=trial, unit_ref="M1")
    users["safety"].email = "safety@example.org"
    users["safety"].save()
    settings.EMAIL_BACKEND = "tests.trials.failing_mail.Backend"
    with django_capture_on_commit_callbacks(execute=True):
        safety_event_record(actor=users["frontline"], trial=trial, unit_ref="M1",
                            harm_outcome=trial.harm_outcomes.get(), severity="serious",
                            description="Hurt", occurred_on=timezone.localdate())
    note = Notification.objects.get(trial=trial)
    assert note.sent_at is None and note.attempts == 1 and "mail server down" in note.failure
    page = _client(trial_world, "safety").get(reverse("trials:safety_workspace")).content.decode()
    assert "could not be emailed yet" in page and "mail server down" in page
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications_deliver() == 1
    note.refresh_from_db()
    assert note.sent_at is not None and note.failure == "" and note.attempts == 2
    assert len(mail.outbox) == 1
    users["safety"].email = ""
    users["safety"].save()
    with django_capture_on_commit_callbacks(execute=True):
        safety_event_record(actor=users["frontline"], trial=trial, unit_ref="M1",
                            harm_outcome=trial.harm_outcomes.get(), severity="serious",
                            description="Hurt again", occurred_on=timezone.localdate())
    assert Notification.objects.filter(trial=trial, failure=FAILURE_NO_ADDRESS).count() == 1


# --- interim efficacy looks as planned ------------------------------------------------------


def _with_outcomes(world: dict[str, Any], *, efficacy_looks: bool, shift: float,
                   futility_looks: bool = False) -> tuple[Trial, dict[str, list[float]]]:
    users = world["users"]
    trial = draft_trial(world, register=True, seed=strong_seed(f"efficacy-{efficacy_looks}-{shift}"), strata="",
                        efficacy_looks=efficacy_looks, futility_looks=futility_looks)
    rng = np.random.default_rng(4)
    lines = ["unit,arm,outcome"]
    outcomes: dict[str, list[float]] = {"control": [], "intervention": []}
    for i in range(120):
        slot = allocation_draw(actor=users["frontline"], trial=trial, unit_ref=f"E{i}")
        y = round(50 + (shift if slot.arm == "intervention" else 0) + rng.normal(0, 10), 3)
        lines.append(f"E{i},{slot.arm},{y:.3f}")
        outcomes[slot.arm].append(y)
    outcome_upload(actor=users["analyst"], trial=trial, filename="interim.csv",
                   content=("\n".join(lines) + "\n").encode())
    return trial, outcomes


def test_planned_efficacy_look_analyses_the_primary_outcome(
    trial_world, django_capture_on_commit_callbacks
) -> None:
    stats = pytest.importorskip("scipy.stats")
    trial, outcomes = _with_outcomes(trial_world, efficacy_looks=True, shift=12.0)
    with django_capture_on_commit_callbacks(execute=True):
        look = interim_look_run(actor=trial_world["users"]["safety"], trial=trial)
    efficacy = look.efficacy
    assert efficacy["status"] == "tested" and efficacy["analysed"] == 120
    # The registered analysis (the result's own code) estimates the effect by regression on the
    # arm, which for an unstratified trial is Student's pooled t-test (scipy, independently).
    student = stats.ttest_ind(outcomes["intervention"], outcomes["control"], equal_var=True)
    assert efficacy["effect"] == pytest.approx(
        np.mean(outcomes["intervention"]) - np.mean(outcomes["control"]), rel=1e-9)
    assert efficacy["p"] == pytest.approx(student.pvalue, rel=1e-6)
    # The first-look O'Brien-Fleming-type Lan-DeMets boundary in closed form (two-sided 0.05:
    # 0.025 a side spent by t is 2 - 2 Phi(z_{1-0.0125} / sqrt(t))).
    t = efficacy["information_rate"]
    assert t == pytest.approx(120 / (trial.protocol.sample_size_per_arm * 2))
    spent = 2 - 2 * stats.norm.cdf(stats.norm.ppf(1 - 0.0125) / np.sqrt(t))
    assert efficacy["efficacy_boundary"] == pytest.approx(stats.norm.isf(spent), rel=1e-6)
    assert efficacy["recommendation"] == RECOMMEND_STOP_BENEFIT and look.decision_needed
    assert efficacy["z"] >= efficacy["efficacy_boundary"]
    assert efficacy["z"] == pytest.approx(stats.norm.isf(efficacy["p"] / 2), rel=1e-6)
    trial.refresh_from_db()
    assert trial.status == Trial.Status.RECRUITING  # benefit does not pause enrolment
    # The crossing can lead to a recorded, audited decision to stop for benefit.
    safety = _client(trial_world, "safety")
    page = safety.get(reverse("trials:monitoring", args=[trial.pk])).content.decode()
    assert "Efficacy boundary crossed" in page and 'id="boundary-crossed"' in page
    assert "Efficacy boundary (crossing above it" in page  # on its own chart
    safety.post(reverse("trials:monitoring", args=[trial.pk]), {
        "action": "decision", "decision-decision": "stop", "decision-stop_reason": "benefit",
        "decision-reasons": "The benefit is clear at the first look"})
    trial.refresh_from_db()
    assert trial.status == Trial.Status.STOPPED and trial.stopped_for == "benefit"
    decision = trial.decisions.get()
    assert decision.look == look and decision.stop_reason == "benefit"
    look.refresh_from_db()
    assert not look.decision_needed


def test_an_efficacy_look_is_not_taken_before_it_is_due(trial_world) -> None:
    """A second look straight after the first checks harm but does not use up efficacy look
    2 of 3: that is due at two thirds of the planned information, and the look says so."""
    from seedbed.trials.selectors import MESSAGE_NOT_DUE, STATUS_NOT_DUE

    trial, _ = _with_outcomes(trial_world, efficacy_looks=True, shift=0.0)
    safety = trial_world["users"]["safety"]
    first = interim_look_run(actor=safety, trial=trial)
    assert first.efficacy["status"] == "tested"
    rate = first.efficacy["information_rate"]
    assert 1 / 3 <= rate < 2 / 3
    second = interim_look_run(actor=safety, trial=trial)
    assert second.results and second.results[0]["harm_boundary"] is not None  # harm was judged
    assert second.efficacy["status"] == STATUS_NOT_DUE and not second.decision_needed
    assert second.efficacy["message"] == MESSAGE_NOT_DUE.format(look=2, looks=3, due=2 / 3, when="", now=rate)
    assert "due at 67% of the planned information" in second.efficacy["message"]
    page = _client(trial_world, "safety").get(reverse("trials:monitoring", args=[trial.pk])).content.decode()
    assert "Efficacy look 2 of 3 is not due yet" in page


def test_futility_look_recommends_considering_stopping(
    trial_world, django_capture_on_commit_callbacks
) -> None:
    trial, _ = _with_outcomes(trial_world, efficacy_looks=True, futility_looks=True, shift=-4.0)
    look = interim_look_run(actor=trial_world["users"]["safety"], trial=trial)
    assert look.efficacy["futility_boundary"] == 0.0 and look.efficacy["z"] < 0
    assert look.efficacy["recommendation"] == "consider_stopping_for_futility" and look.decision_needed


def test_without_planned_efficacy_looks_no_efficacy_test_is_done(trial_world) -> None:
    trial, _ = _with_outcomes(trial_world, efficacy_looks=False, shift=12.0)
    look = interim_look_run(actor=trial_world["users"]["safety"], trial=trial)
    assert look.efficacy == {} and not look.decision_needed


def test_roles_other_than_the_safety_lead_cannot_decide_or_enrol_elsewhere(trial_world) -> None:
    trial = _individual(trial_world, seed=1, risk_control=0.05, risk_arm=0.30)
    interim_look_run(actor=trial_world["users"]["safety"], trial=trial)
    url = reverse("trials:monitoring", args=[trial.pk])
    decision = {"action": "decision", "decision-decision": "continue", "decision-reasons": "x"}
    for who in ("lead", "analyst", "frontline", "provider"):
        assert _client(trial_world, who).post(url, decision).status_code == 403
        assert _client(trial_world, who).post(url, {"action": "look"}).status_code == 403
    assert _client(trial_world, "anonymous").post(url, decision).status_code == 302
    trial.refresh_from_db()
    assert trial.status == Trial.Status.PAUSED and not trial.decisions.exists()
    assert trial.looks.count() == 1


def test_efficacy_look_without_data_says_so(trial_world) -> None:
    users = trial_world["users"]
    trial = draft_trial(trial_world, register=True, seed=strong_seed("nodata"), strata="", efficacy_looks=True)
    allocation_draw(actor=users["frontline"], trial=trial, unit_ref="N1")
    look = interim_look_run(actor=users["safety"], trial=trial)
    assert look.efficacy["status"] == "no_data" and not look.decision_needed


def test_person_enrolment_in_a_cluster_by_http(trial_world) -> None:
    clusters = [f"Team {i}" for i in range(1, 5)]
    trial = draft_trial(trial_world, register=True, seed=strong_seed("people"), design="cluster", icc=0.05,
                        cluster_size=10, clusters="\n".join(clusters), strata="")
    frontline = _client(trial_world, "frontline")
    url = reverse("trials:enrol", args=[trial.pk])
    frontline.post(url, {"action": "unit", "cluster": "Team 1"})
    today = timezone.localdate()
    response = frontline.post(url, {"action": "person", "person-cluster": "Team 1",
                                    "person-unit_ref": "F-1", "person-enrolled_on": today.isoformat()})
    assert response.status_code == 302
    person = trial.participants.get()
    assert person.unit_ref == "F-1" and person.allocation.cluster == "Team 1"
    future = frontline.post(url, {"action": "person", "person-cluster": "Team 1", "person-unit_ref": "F-2",
                                  "person-enrolled_on": (today + dt.timedelta(days=3)).isoformat()})
    assert "cannot be in the future" in future.content.decode()
    not_enrolled = frontline.post(url, {"action": "person", "person-cluster": "Team 2",
                                        "person-unit_ref": "F-3", "person-enrolled_on": today.isoformat()})
    assert not_enrolled.status_code == 200 and not trial.participants.filter(unit_ref="F-3").exists()
    from seedbed.core.errors import ValidationProblem
    from seedbed.trials.services.allocation import ERROR_CLUSTER_NOT_ENROLLED, participant_enrol

    with pytest.raises(ValidationProblem, match=ERROR_CLUSTER_NOT_ENROLLED) as caught:
        participant_enrol(actor=trial_world["users"]["frontline"], trial=trial, cluster="Team 2",
                          unit_ref="F-3", enrolled_on=today)
    assert caught.value.problems["cluster"] == ERROR_CLUSTER_NOT_ENROLLED
    # The event form then takes the person's reference.
    frontline.post(reverse("trials:event_report", args=[trial.pk]), {
        "unit_ref": "F-1", "harm_outcome": trial.harm_outcomes.get().pk, "severity": "mild",
        "occurred_on": today.isoformat(), "description": "Minor injury"})
    assert SafetyEvent.objects.get(trial=trial).participant == person


def test_an_early_look_does_not_push_back_the_planned_look(trial_world) -> None:
    """A look taken early (at a few per cent of the information) does not use up the first
    planned look: it is still shown as due when half of the people are enrolled (before, the
    early look counted as look 1 and look 2 was only due at the end)."""
    from seedbed.trials.selectors import look_due

    users = trial_world["users"]
    trial = draft_trial(trial_world, register=True, seed=strong_seed("early-look"), strata="",
                        effect_size=0.9, interim_looks=2)
    planned = int(trial.protocol.sample_size_per_arm) * 2
    allocation_draw(actor=users["frontline"], trial=trial, unit_ref="L0")
    interim_look_run(actor=users["safety"], trial=trial)
    assert not look_due(trial)
    half = -(-planned // 2)
    for i in range(1, half - 1):
        allocation_draw(actor=users["frontline"], trial=trial, unit_ref=f"L{i}")
    assert not look_due(trial)  # one short of half
    allocation_draw(actor=users["frontline"], trial=trial, unit_ref="LAST")
    assert look_due(trial)
    assert trial in safety_workspace_due(users["safety"])


def safety_workspace_due(user) -> list[Trial]:
    from seedbed.trials.selectors import safety_workspace

    return safety_workspace(user)["due"]


def test_a_harm_alert_that_cannot_be_emailed_is_stored_shown_and_the_crossing_still_shows(
    trial_world, django_capture_on_commit_callbacks, settings
) -> None:
    """The boundary-crossing alert goes through the core outbox: when email fails, the alert
    is kept with the reason, the safety lead's workspace says it was not delivered and why,
    and the crossing itself is on the workspace whatever happened to the email."""
    users = trial_world["users"]
    users["safety"].email = "safety@example.org"
    users["safety"].save()
    trial = _individual(trial_world, seed=1, risk_control=0.05, risk_arm=0.30)
    settings.EMAIL_BACKEND = "tests.trials.failing_mail.Backend"
    with django_capture_on_commit_callbacks(execute=True):
        _client(trial_world, "safety").post(reverse("trials:monitoring", args=[trial.pk]), {"action": "look"})
    assert InterimLook.objects.get(trial=trial).decision_needed
    alert = Notification.objects.get(trial=trial, user=users["safety"])
    assert alert.app == "trials" and alert.sent_at is None and alert.attempts == 1
    assert "mail server down" in alert.failure and alert.retrying
    page = _client(trial_world, "safety").get(reverse("trials:safety_workspace")).content.decode()
    assert "Stopping boundaries crossed: your decision is needed" in page
    assert "could not be emailed yet" in page and "not delivered: The email could not be sent: mail server down" in page
    assert "it is retried automatically" in page
    monitoring = _client(trial_world, "safety").get(reverse("trials:monitoring", args=[trial.pk])).content.decode()
    assert "not delivered: The email could not be sent: mail server down" in monitoring
    # Once the attempts are used up the page says it is no longer retried; the crossing stays.
    Notification.objects.filter(pk=alert.pk).update(attempts=MAX_DELIVERY_ATTEMPTS)
    assert notifications_deliver() == 0
    page = _client(trial_world, "safety").get(reverse("trials:safety_workspace")).content.decode()
    assert "no longer retried" in page and "Stopping boundaries crossed" in page
