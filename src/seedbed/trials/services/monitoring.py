"""Safety monitoring: events, interim looks against the registered harm boundaries, decisions.

At each look, for each harm outcome, the proportion of enrolled units with at least one
event is compared between each intervention arm and the control arm (the first arm):

    Z = (p_control - p_intervention) / sqrt(pbar (1 - pbar) (1/n_c + 1/n_i))

so that Z < 0 means more harm under the intervention (the engine's convention: Z > 0
favours the intervention). The Z statistics of every look so far are evaluated against the
harm outcome's one-sided alpha-spending boundary at the observed information fractions
(enrolled / planned) by ``seedbed.stats.monitoring.evaluate_looks``. A crossing pauses
enrolment at once, notifies the safety lead, and waits for their decision.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from seedbed.accounts.models import User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.stats.boundaries import group_sequential_design
from seedbed.stats.monitoring import RECOMMEND_STOP_HARM, evaluate_looks
from seedbed.trials.jsonsafe import json_safe
from seedbed.trials.models import (
    Allocation,
    Design,
    HarmOutcome,
    InterimLook,
    Notification,
    SafetyDecision,
    SafetyEvent,
    Severity,
    StopReason,
    Trial,
)

ERROR_NOT_ENROLLED = "No unit with this reference is enrolled in the trial"
ERROR_SEVERITY = "Choose the severity"
ERROR_DESCRIPTION = "Describe what happened"
ERROR_HARM = "Choose which harm outcome this event is"
ERROR_KEY_REUSED = "This idempotency key was already used for a different event"
ERROR_NOT_MONITORED = "Interim looks are taken while the trial is recruiting or paused"
ERROR_NO_ENROLMENT = "Nobody is enrolled yet: there is nothing to look at"
ERROR_ALL_LOOKS = "Every planned look ({looks}) has been taken"
ERROR_DECISION = "Choose whether to continue or stop"
ERROR_REASONS = "Give the reasons for the decision"
ERROR_STOP_REASON = "Choose why the trial stops (harm, benefit, futility or another reason)"
ERROR_NOT_PAUSED = "A decision is recorded when enrolment is paused for safety review"
MESSAGE_PAUSED = "Look {look}: {harm} crossed its harm boundary (Z = {z:.2f} at or below {bound:.2f})"


def safety_event_record(
    *, actor: User, trial: Trial, unit_ref: str, harm_outcome: HarmOutcome, severity: str,
    description: str, occurred_on: dt.date, idempotency_key: str = "",
) -> SafetyEvent:
    """Record a safety event about an enrolled unit (the reporter is not shown its arm).

    A repeated ``idempotency_key`` returns the event already recorded (``replayed`` True).
    """
    problems: dict[str, str] = {}
    if severity not in Severity.values:
        problems["severity"] = ERROR_SEVERITY
    if not description.strip():
        problems["description"] = ERROR_DESCRIPTION
    if harm_outcome.trial_id != trial.pk:
        problems["harm_outcome"] = ERROR_HARM
    allocation = Allocation.objects.filter(trial=trial, unit_ref=unit_ref.strip()).exclude(
        unit_ref=""
    ).first()
    if allocation is None:
        problems["unit_ref"] = ERROR_NOT_ENROLLED
    idempotency_key = idempotency_key.strip()
    with transaction.atomic():
        if idempotency_key:
            earlier = SafetyEvent.objects.filter(trial=trial, idempotency_key=idempotency_key).first()
            if earlier is not None:
                if earlier.allocation.unit_ref != unit_ref.strip():
                    raise ValidationProblem({"idempotency_key": ERROR_KEY_REUSED})
                earlier.replayed = True  # type: ignore[attr-defined]
                return earlier
        if problems:
            raise ValidationProblem(problems)
        event = SafetyEvent.objects.create(  # type: ignore[misc]
            trial=trial, allocation=allocation, harm_outcome=harm_outcome, severity=severity,
            description=description.strip(), occurred_on=occurred_on, reported_by=actor,
            reported_at=timezone.now(), idempotency_key=idempotency_key,
        )
        audit_append(action="trials.safety_event", actor=actor, obj=event,
                     data={"trial": trial.pk, "severity": severity, "harm": harm_outcome.pk})
    event.replayed = False  # type: ignore[attr-defined]
    return event


def _harm_z(counts: dict[str, tuple[int, int]], control: str, arm: str) -> float:
    n_c, e_c = counts.get(control, (0, 0))
    n_i, e_i = counts.get(arm, (0, 0))
    if n_c == 0 or n_i == 0:
        return math.nan
    pbar = (e_c + e_i) / (n_c + n_i)
    var = pbar * (1 - pbar) * (1 / n_c + 1 / n_i)
    if var <= 0:
        return 0.0
    return (e_c / n_c - e_i / n_i) / math.sqrt(var)


def harm_counts(trial: Trial, harm: HarmOutcome) -> dict[str, tuple[int, int]]:
    """Per arm: (units enrolled, units with at least one event of this harm outcome)."""
    enrolled = dict(
        Allocation.objects.filter(trial=trial).exclude(unit_ref="")
        .values_list("arm").annotate(n=Count("id")).values_list("arm", "n")
    )
    with_event = dict(
        Allocation.objects.filter(trial=trial, events__harm_outcome=harm)
        .values_list("arm").annotate(n=Count("id", distinct=True)).values_list("arm", "n")
    )
    return {arm: (n, with_event.get(arm, 0)) for arm, n in enrolled.items()}


def _planned_total(trial: Trial) -> int:
    protocol = trial.protocol
    if protocol.design in (Design.CLUSTER, Design.STEPPED_WEDGE):
        return max(len(protocol.cluster_list), 1)
    return max(int(protocol.sample_size_per_arm or 0) * len(protocol.arm_list), 1)


def _evaluate(trial: Trial, rate: float, previous: list[InterimLook]) -> list[dict[str, Any]]:
    protocol = trial.protocol
    arms = protocol.arm_list
    control = arms[0]
    looks = max(int(protocol.interim_looks or 1), 1)
    rates = [p.information_rate for p in previous] + [rate]
    for i in range(1, len(rates)):  # the engine needs strictly increasing fractions
        rates[i] = max(rates[i], rates[i - 1] + 1e-6)
    out: list[dict[str, Any]] = []
    for harm in trial.harm_outcomes.all():
        counts = harm_counts(trial, harm)
        design = group_sequential_design(
            looks=looks, alpha=protocol.alpha, sides=protocol.sides, spending=protocol.spending,
            harm_alpha=harm.boundary_alpha, harm_spending=harm.boundary_spending,
        )
        for arm in arms[1:]:
            history = [
                r["z"] for p in previous for r in p.results
                if r["harm_id"] == harm.pk and r["arm"] == arm
            ]
            z = _harm_z(counts, control, arm)
            zs = [v if v is not None else math.nan for v in history] + [z]
            decision = evaluate_looks(
                design=design, z_statistics=zs, observed_information_rates=[min(r, 1.0) for r in rates]
            )[-1]
            out.append({
                "harm_id": harm.pk, "harm": harm.name, "arm": arm, "control": control,
                "n_control": counts.get(control, (0, 0))[0], "events_control": counts.get(control, (0, 0))[1],
                "n_arm": counts.get(arm, (0, 0))[0], "events_arm": counts.get(arm, (0, 0))[1],
                "z": z if math.isfinite(z) else None,
                "harm_boundary": decision.harm_z, "efficacy_boundary": decision.efficacy_z,
                "recommendation": decision.recommendation,
            })
    return out


def _notify(*, recipient: User, trial: Trial, subject: str, body: str) -> Notification:
    note = Notification.objects.create(
        recipient=recipient, trial=trial, subject=subject, body=body, created_at=timezone.now()
    )

    def send() -> None:
        if recipient.email:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email],
                      fail_silently=True)
            Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())

    transaction.on_commit(send)
    return note


def interim_look_run(*, actor: User, trial: Trial) -> InterimLook:
    """Take the next interim look; a harm-boundary crossing pauses enrolment at once."""
    with transaction.atomic():
        trial = Trial.objects.select_for_update().get(pk=trial.pk)
        if trial.status not in (Trial.Status.RECRUITING, Trial.Status.PAUSED):
            raise ValidationProblem({"__all__": ERROR_NOT_MONITORED})
        previous = list(trial.looks.order_by("number"))
        planned = max(int(trial.protocol.interim_looks or 1), 1)
        if len(previous) >= planned:
            raise ValidationProblem({"__all__": ERROR_ALL_LOOKS.format(looks=planned)})
        enrolled = Allocation.objects.filter(trial=trial).exclude(unit_ref="").count()
        if enrolled == 0:
            raise ValidationProblem({"__all__": ERROR_NO_ENROLMENT})
        rate = min(enrolled / _planned_total(trial), 1.0)
        results = _evaluate(trial, rate, previous)
        crossed = [r for r in results if r["recommendation"] == RECOMMEND_STOP_HARM]
        look = InterimLook.objects.create(
            trial=trial, number=len(previous) + 1, information_rate=rate,
            results=json_safe(results),
            crossed_harm=bool(crossed), taken_at=timezone.now(), taken_by=actor,
        )
        audit_append(action="trials.interim_look", actor=actor, obj=look, data=json_safe({
            "trial": trial.pk, "look": look.number, "information_rate": round(rate, 6),
            "z": [r["z"] for r in results],
            "recommendations": [r["recommendation"] for r in results],
        }))
        if crossed and trial.status == Trial.Status.RECRUITING:
            first = crossed[0]
            reason = MESSAGE_PAUSED.format(look=look.number, harm=first["harm"],
                                           z=first["z"], bound=first["harm_boundary"])
            trial.status = Trial.Status.PAUSED
            trial.pause_reason = reason
            trial.save(update_fields=["status", "pause_reason"])
            audit_append(action="trials.enrolment_pause", actor=actor, obj=trial,
                         data={"look": look.number, "harm": first["harm_id"]})
            if trial.safety_lead is not None:
                _notify(
                    recipient=trial.safety_lead, trial=trial,
                    subject=f"Enrolment paused: {trial.title}",
                    body=f"{reason}. Enrolment is paused until you record a decision "
                         "(continue with reasons, or stop) on the monitoring page.",
                )
    return look


def safety_decision_record(
    *, actor: User, trial: Trial, decision: str, reasons: str, stop_reason: str = ""
) -> SafetyDecision:
    """The safety lead's decision after a pause: continue (with reasons) or stop.

    Stopping needs ``stop_reason`` (a ``StopReason`` value); the trial then records why and
    when it stopped, so that every page showing it can say "Stopped early for harm on <date>".
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
        if trial.status != Trial.Status.PAUSED:
            raise ValidationProblem({"__all__": ERROR_NOT_PAUSED})
        record = SafetyDecision.objects.create(
            trial=trial, look=trial.looks.order_by("-number").first(), decision=decision,
            stop_reason=stop_reason if stopping else "",
            reasons=reasons.strip(), decided_by=actor, decided_at=timezone.now(),
        )
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
                           "stop_reason": record.stop_reason})
    return record
