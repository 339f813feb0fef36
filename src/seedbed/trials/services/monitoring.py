"""Safety monitoring: events, interim looks against the registered boundaries, decisions.

At each look, for each harm outcome, harm is measured in PEOPLE for the trial's design
(``seedbed.trials.selectors``; statistics and sources in ``seedbed.stats.harm``):

- individually randomised: people with at least one event / people enrolled, per arm,
  pooled two-proportion score test (Agresti 2013, section 3.1.3);
- cluster randomised: each cluster's risk (its people with an event / its people enrolled)
  compared between arms by the cluster-level t-test (Hayes & Moulton 2017, section 9.2.1),
  the t turned into the normal Z with the same tail probability;
- stepped wedge: first events per person-time in exposed against unexposed periods (a
  cluster is unexposed before its crossover step), by the score test of a Poisson model with
  cluster and period fixed effects (McCullagh & Nelder 1989; checked against statsmodels).

Z < 0 means more harm under the intervention. The Z of every look so far is judged against
the harm outcome's own one-sided alpha-spending boundary at the observed information
fractions (``seedbed.stats.monitoring.evaluate_harm_looks``, Lan & DeMets 1983): a harm
outcome is only ever tested for harm, never recommended "stop for benefit". A crossing
pauses enrolment at once, emails the safety lead, and waits for their decision.

When the protocol plans efficacy looks, the primary outcome is also analysed at each look
against the efficacy boundary and, if planned, the non-binding futility boundary
(``seedbed.trials.selectors.efficacy_look``); a benefit or futility recommendation waits for the
safety lead's decision (continue, or stop with the reason), like a harm crossing.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from seedbed.accounts.models import User
from seedbed.core.audit import audit_append
from seedbed.core.delivery import site_url
from seedbed.core.errors import ValidationProblem
from seedbed.core.models import Notification
from seedbed.core.notifications import notification_queue
from seedbed.stats.monitoring import RECOMMEND_STOP_HARM, evaluate_harm_looks
from seedbed.trials.models import (
    NOTIFICATION_APP,
    Allocation,
    Design,
    HarmOutcome,
    InterimLook,
    Participant,
    SafetyDecision,
    SafetyEvent,
    Severity,
    StopReason,
    Trial,
)
from seedbed.trials.rules import json_safe
from seedbed.trials.selectors import (
    NEEDS_DECISION,
    decision_awaited,
    efficacy_look,
    harm_comparisons,
    information_rate,
    people_enrolled,
)

ERROR_NOT_ENROLLED = "No unit with this reference is enrolled in the trial"
ERROR_NOT_A_PERSON = (
    "No person with this reference is enrolled in a cluster of this trial: enrol them in "
    "their cluster first"
)
ERROR_SEVERITY = "Choose the severity"
ERROR_DESCRIPTION = "Describe what happened"
ERROR_HARM = "Choose which harm outcome this event is"
ERROR_KEY_REUSED = "This idempotency key was already used for a different event"
ERROR_NOT_MONITORED = "Interim looks are taken while the trial is recruiting or paused"
ERROR_NO_ENROLMENT = "Nobody is enrolled yet: there is nothing to look at"
ERROR_ALL_LOOKS = (
    "{looks} looks have been taken, the most the harm boundaries can be computed for: "
    "harm is judged at the final analysis"
)
MAX_LOOKS = 50
"""Harm looks are not limited by the planned (efficacy) looks: the harm boundary spends the
harm alpha up to each look's observed information fraction (Lan & DeMets 1983), so any
number of looks keeps the harm alpha. Only the engine's limit on looks remains."""
ERROR_DECISION = "Choose whether to continue or stop"
ERROR_REASONS = "Give the reasons for the decision"
ERROR_STOP_REASON = "Choose why the trial stops (harm, benefit, futility or another reason)"
ERROR_NOT_PAUSED = (
    "A decision is recorded when a boundary has been crossed: enrolment is paused, or a look "
    "awaits a decision"
)
ERROR_NOT_SAFETY_LEAD = "Only the trial's safety lead reviews its safety events"
ERROR_ALREADY_REVIEWED = "This event has already been reviewed"
MESSAGE_PAUSED = "Look {look}: {harm} crossed its harm boundary (Z = {z:.2f} at or below {bound:.2f})"
MESSAGE_PRIMARY_HARM = (
    "Look {look}: the primary outcome is significantly worse under the intervention "
    "(Z = {z:.2f} at or below {bound:.2f})"
)
MESSAGE_EFFICACY = {
    "stop_for_benefit": "Look {look}: the primary outcome crossed the efficacy boundary "
                        "(Z = {z:.2f} at or above {bound:.2f})",
    "consider_stopping_for_futility": "Look {look}: the primary outcome is below the "
                                      "non-binding futility boundary (Z = {z:.2f})",
}
SUBJECT_SERIOUS = "Serious safety event reported: {trial}"
SUBJECT_PAUSED = "Enrolment paused: {trial}"
SUBJECT_CROSSING = "A stopping boundary was crossed: {trial}"


def _safety_link() -> str:
    return _site_link(reverse("trials:safety_workspace"))


def _person(trial: Trial, unit_ref: str) -> tuple[Allocation | None, Participant | None]:
    """The enrolled unit an event is about: a person (within a cluster in cluster designs)."""
    if trial.protocol.design == Design.INDIVIDUAL:
        allocation = Allocation.objects.filter(trial=trial, unit_ref=unit_ref).exclude(unit_ref="").first()
        return allocation, None
    participant = Participant.objects.select_related("allocation").filter(
        trial=trial, unit_ref=unit_ref).first()
    return (participant.allocation if participant else None), participant


def safety_event_record(
    *, actor: User, trial: Trial, unit_ref: str, harm_outcome: HarmOutcome, severity: str,
    description: str, occurred_on: dt.date, idempotency_key: str = "",
) -> SafetyEvent:
    """Record a safety event about an enrolled person (the reporter is not shown its arm).

    In cluster and stepped-wedge trials ``unit_ref`` is a person enrolled within a cluster
    (``participant_enrol``). A serious event emails the trial's safety lead at once (after
    commit, through the trials outbox). A repeated ``idempotency_key`` from the same reporter
    returns the event already recorded (``replayed`` True); from anyone else it is refused.
    """
    unit_ref = unit_ref.strip()
    problems: dict[str, str] = {}
    if severity not in Severity.values:
        problems["severity"] = ERROR_SEVERITY
    if not description.strip():
        problems["description"] = ERROR_DESCRIPTION
    if harm_outcome.trial_id != trial.pk:
        problems["harm_outcome"] = ERROR_HARM
    allocation, participant = _person(trial, unit_ref) if unit_ref else (None, None)
    if allocation is None:
        clustered = trial.protocol.design != Design.INDIVIDUAL
        problems["unit_ref"] = ERROR_NOT_A_PERSON if clustered else ERROR_NOT_ENROLLED
    idempotency_key = idempotency_key.strip()
    with transaction.atomic():
        if idempotency_key:
            earlier = SafetyEvent.objects.filter(trial=trial, idempotency_key=idempotency_key).first()
            if earlier is not None:
                earlier_ref = (earlier.participant.unit_ref if earlier.participant is not None
                               else earlier.allocation.unit_ref)
                if earlier_ref != unit_ref or earlier.reported_by_id != actor.pk:
                    # the replay is for its reporter only: nobody else reads another's report
                    raise ValidationProblem({"idempotency_key": ERROR_KEY_REUSED})
                earlier.replayed = True  # type: ignore[attr-defined]
                return earlier
        if problems:
            raise ValidationProblem(problems)
        event = SafetyEvent.objects.create(  # type: ignore[misc]
            trial=trial, allocation=allocation, participant=participant,
            harm_outcome=harm_outcome, severity=severity,
            description=description.strip(), occurred_on=occurred_on, reported_by=actor,
            reported_at=timezone.now(), idempotency_key=idempotency_key,
        )
        audit_append(action="trials.safety_event", actor=actor, obj=event,
                     data={"trial": trial.pk, "severity": severity, "harm": harm_outcome.pk})
        if severity == Severity.SERIOUS and trial.safety_lead is not None:
            _trial_notify(
                recipient=trial.safety_lead, trial=trial,
                subject=SUBJECT_SERIOUS.format(trial=trial.title),
                body=(f"A serious safety event ({harm_outcome.name}, on {occurred_on:%d %B %Y}) "
                      f"was reported in the trial {trial.title}. Review it in your safety "
                      f"workspace: {_safety_link()}"),
            )
    event.replayed = False  # type: ignore[attr-defined]
    return event


def safety_event_review(*, actor: User, event: SafetyEvent) -> SafetyEvent:
    """The safety lead marks an event reviewed (audited; once only)."""
    with transaction.atomic():
        event = SafetyEvent.objects.select_for_update().select_related("trial").get(pk=event.pk)
        if event.trial.safety_lead_id != actor.pk:
            raise ValidationProblem({"__all__": ERROR_NOT_SAFETY_LEAD})
        if event.reviewed_at is not None:
            raise ValidationProblem({"__all__": ERROR_ALREADY_REVIEWED})
        event.reviewed_at = timezone.now()
        event.reviewed_by = actor
        event.save(update_fields=["reviewed_at", "reviewed_by"])
        audit_append(action="trials.safety_event_review", actor=actor, obj=event,
                     data={"trial": event.trial_id})
    return event


def _harm_results(trial: Trial, rate: float, previous: list[InterimLook],
                  as_of: dt.date) -> list[dict[str, Any]]:
    """Each harm outcome x comparison at this look, judged against its harm boundary only."""
    rates = [p.information_rate for p in previous] + [rate]
    out: list[dict[str, Any]] = []
    for harm in trial.harm_outcomes.all():
        for row in harm_comparisons(trial, harm, as_of=as_of):
            history = [
                r["z"] for p in previous for r in p.results
                if r["harm_id"] == harm.pk and r["arm"] == row["arm"]
            ]
            zs = [v if v is not None else math.nan for v in history]
            zs = [math.nan] * (len(previous) - len(zs)) + zs + [row["z"]]
            decision = evaluate_harm_looks(
                harm_alpha=harm.boundary_alpha, harm_spending=harm.boundary_spending,
                z_statistics=zs, information_rates=rates,
            )[-1]
            out.append({
                "harm_id": harm.pk, "harm": harm.name, **row,
                "z": row["z"] if math.isfinite(row["z"]) else None,
                "harm_boundary": decision.harm_z, "recommendation": decision.recommendation,
                "warnings": [*row["warnings"], *decision.warnings],
            })
    return out


def interim_look_run(*, actor: User, trial: Trial) -> InterimLook:
    """Take the next interim look; a harm-boundary crossing pauses enrolment at once.

    Harm is checked at every look, however many (up to ``MAX_LOOKS``): the planned number
    of looks is the efficacy schedule, and the primary outcome is tested only when its next
    efficacy look is due (``selectors.efficacy_look`` records when it will be otherwise).

    Any crossing (harm; or, with efficacy looks planned, benefit or futility on the primary
    outcome) marks the look as awaiting the safety lead's decision and emails them.
    """
    with transaction.atomic():
        trial = Trial.objects.select_for_update(of=("self",)).select_related("protocol", "safety_lead").get(pk=trial.pk)
        if trial.status not in (Trial.Status.RECRUITING, Trial.Status.PAUSED):
            raise ValidationProblem({"__all__": ERROR_NOT_MONITORED})
        previous = list(trial.looks.order_by("number"))
        if len(previous) >= MAX_LOOKS:
            raise ValidationProblem({"__all__": ERROR_ALL_LOOKS.format(looks=MAX_LOOKS)})
        if people_enrolled(trial) == 0:
            raise ValidationProblem({"__all__": ERROR_NO_ENROLMENT})
        as_of = timezone.localdate()
        rate = information_rate(trial, as_of=as_of)
        results = _harm_results(trial, rate, previous, as_of)
        efficacy = efficacy_look(trial=trial, rate=rate, previous=previous, as_of=as_of)
        crossed = [r for r in results if r["recommendation"] == RECOMMEND_STOP_HARM]
        efficacy_rec = efficacy.get("recommendation", "")
        number = len(previous) + 1
        reasons = [MESSAGE_PAUSED.format(look=number, harm=r["harm"], z=r["z"], bound=r["harm_boundary"])
                   for r in crossed]
        if efficacy_rec == RECOMMEND_STOP_HARM:
            reasons.append(MESSAGE_PRIMARY_HARM.format(look=number, z=efficacy["z"],
                                                       bound=-efficacy["efficacy_boundary"]))
        elif efficacy_rec in MESSAGE_EFFICACY:
            reasons.append(MESSAGE_EFFICACY[efficacy_rec].format(
                look=number, z=efficacy["z"], bound=efficacy["efficacy_boundary"]))
        look = InterimLook.objects.create(
            trial=trial, number=number, information_rate=rate, results=json_safe(results),
            efficacy=json_safe(efficacy), crossed_harm=bool(crossed),
            decision_needed=bool(crossed) or efficacy_rec in NEEDS_DECISION,
            taken_at=timezone.now(), taken_by=actor,
        )
        audit_append(action="trials.interim_look", actor=actor, obj=look, data=json_safe({
            "trial": trial.pk, "look": look.number, "information_rate": round(rate, 6),
            "z": [r["z"] for r in results],
            "recommendations": [r["recommendation"] for r in results],
            "efficacy": {k: efficacy.get(k) for k in ("status", "z", "recommendation")} if efficacy else {},
        }))
        pause = bool(crossed) or efficacy_rec == RECOMMEND_STOP_HARM
        if pause and trial.status == Trial.Status.RECRUITING:
            trial.status = Trial.Status.PAUSED
            trial.pause_reason = reasons[0]
            trial.save(update_fields=["status", "pause_reason"])
            audit_append(action="trials.enrolment_pause", actor=actor, obj=trial,
                         data={"look": look.number, "harm": crossed[0]["harm_id"] if crossed else None})
        if look.decision_needed and trial.safety_lead is not None:
            paused = trial.status == Trial.Status.PAUSED
            _trial_notify(
                recipient=trial.safety_lead, trial=trial,
                subject=(SUBJECT_PAUSED if paused else SUBJECT_CROSSING).format(trial=trial.title),
                body="\n".join(reasons) + "\n\n" + (
                    "Enrolment is paused until you record a decision (continue with reasons, or "
                    "stop with the reason) on the monitoring page." if paused else
                    "Record your decision (continue with reasons, or stop with the reason) on the "
                    "monitoring page.") + f" Your safety workspace: {_safety_link()}",
            )
    return look


def safety_decision_record(
    *, actor: User, trial: Trial, decision: str, reasons: str, stop_reason: str = ""
) -> SafetyDecision:
    """The safety lead's decision after a crossing: continue (with reasons) or stop.

    Allowed while enrolment is paused for safety, or while a look awaits a decision (a
    benefit or futility recommendation on the primary outcome). Stopping needs
    ``stop_reason`` (a ``StopReason`` value); the trial then records why and when it
    stopped, so that every page showing it can say "Stopped early for harm on <date>".
    Continuing reopens enrolment. Every decision is audited.
    """
    problems: dict[str, str] = {}
    if decision not in SafetyDecision.Decision.values:
        problems["decision"] = ERROR_DECISION
    stopping = decision == SafetyDecision.Decision.STOP
    if stopping and stop_reason not in StopReason.values:
        problems["stop_reason"] = ERROR_STOP_REASON
    if not reasons.strip():
        problems["reasons"] = ERROR_REASONS
    if problems:
        raise ValidationProblem(problems)
    with transaction.atomic():
        trial = Trial.objects.select_for_update().get(pk=trial.pk)
        awaiting = decision_awaited(trial)
        paused = trial.status == Trial.Status.PAUSED
        if not paused and not (awaiting is not None and trial.status == Trial.Status.RECRUITING):
            raise ValidationProblem({"__all__": ERROR_NOT_PAUSED})
        record = SafetyDecision.objects.create(
            trial=trial, look=awaiting or trial.looks.order_by("-number").first(),
            decision=decision, stop_reason=stop_reason if stopping else "",
            reasons=reasons.strip(), decided_by=actor, decided_at=timezone.now(),
        )
        trial.looks.filter(decision_needed=True).update(decision_needed=False)
        trial.pause_reason = ""
        if stopping:
            trial.status = Trial.Status.STOPPED
            trial.stopped_for = stop_reason
            trial.stopped_at = record.decided_at
        else:
            trial.status = Trial.Status.RECRUITING
        trial.save(update_fields=["status", "pause_reason", "stopped_for", "stopped_at"])
        audit_append(action="trials.safety_decision", actor=actor, obj=record,
                     data={"trial": trial.pk, "decision": decision,
                           "stop_reason": record.stop_reason,
                           "look": record.look.number if record.look else None})
    return record


# Trial messages (serious events, boundary crossings) go through the core outbox: the message
# is stored with the change and delivered after commit (``seedbed.core.notifications``), which
# counts attempts, keeps the last failure (shown to the recipient in their safety workspace and
# on the monitoring page) and retries until it goes.


def _site_link(path: str) -> str:
    """``path`` as a full address when ``SEEDBED_SITE_URL`` is set (for links in emails)."""
    return site_url() + path


def _trial_notify(*, recipient: User, trial: Trial, subject: str, body: str) -> Notification:
    """Queue a message for ``recipient`` about ``trial`` (call inside the change's
    transaction); it is emailed after commit, with any earlier message still unsent."""
    return notification_queue(app=NOTIFICATION_APP, user=recipient, about=trial, subject=subject, body=body)
