"""Awards: made on a funding decision, accepted, paid by schedule, reported on, clawed back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.funding.models import Application, Award, Clawback, Instalment, Payment, Report
from seedbed.funding.services.funds import fund_clawback, fund_commit, fund_pay, fund_release

ERROR_NOT_OFFERED = "This award is not waiting for an answer"
ERROR_SCHEDULE = "The schedule would pay {total}, more than the award of {amount}"
ERROR_DUE = "Give a due date or a milestone"
ERROR_CLAWBACK_REASON = "Give the reason for the clawback"


def award_make(*, application: Application, amount: Decimal, conditions: str = "", actor: Any) -> Award:
    """Make the award and commit its money on the fund (locked; never over-committed)."""
    with transaction.atomic():
        award = Award.objects.create(
            application=application, fund=application.call.fund, amount=amount, conditions=conditions,
            awarded_at=timezone.now(),
        )
        fund_commit(fund_id=award.fund_id, amount=amount, award=award, note=f"Award {award.reference}", actor=actor)
        audit_append(action="funding.award_make", actor=actor, obj=award,
                     data={"application": application.pk, "amount": str(amount), "fund": award.fund_id})
    return award


def award_respond(*, award: Award, accept: bool, actor: Any) -> Award:
    """The recipient accepts the award and its conditions, or declines it (money released)."""
    with transaction.atomic():
        award = Award.objects.select_for_update().get(pk=award.pk)
        if award.status != Award.Status.OFFERED:
            raise ValidationProblem({"__all__": ERROR_NOT_OFFERED})
        if accept:
            award.status = Award.Status.ACCEPTED
            award.accepted_at = timezone.now()
            award.save(update_fields=["status", "accepted_at"])
        else:
            fund_release(fund_id=award.fund_id, amount=award.amount, award=award, note="Award declined", actor=actor)
            award.refresh_from_db()
            award.status = Award.Status.DECLINED
            award.save(update_fields=["status"])
        audit_append(action="funding.award_respond", actor=actor, obj=award, data={"accepted": accept})
    return award


def instalment_add(*, award: Award, amount: Decimal, due_on: dt.date | None = None, milestone: str = "",
                   actor: Any = None) -> Instalment:
    """Add a payment to the schedule, due by date or on a milestone."""
    if amount <= 0:
        raise ValidationProblem({"amount": "Enter an amount greater than zero"})
    if due_on is None and not milestone.strip():
        raise ValidationProblem({"due_on": ERROR_DUE})
    with transaction.atomic():
        award = Award.objects.select_for_update().get(pk=award.pk)
        scheduled = sum((i.amount for i in award.instalments.all()), Decimal(0))
        if scheduled + amount > award.amount:
            raise ValidationProblem({"amount": ERROR_SCHEDULE.format(total=scheduled + amount, amount=award.amount)})
        instalment = Instalment.objects.create(award=award, amount=amount, due_on=due_on, milestone=milestone.strip())
        audit_append(action="funding.instalment_add", actor=actor, obj=award,
                     data={"amount": str(amount), "due_on": due_on.isoformat() if due_on else None})
    return instalment


def payment_record(*, award: Award, amount: Decimal, paid_on: dt.date, actor: Any,
                   instalment: Instalment | None = None) -> Payment:
    """Record a payment made (never more than the award's unpaid commitment)."""
    with transaction.atomic():
        fund_pay(fund_id=award.fund_id, amount=amount, award=award, note=f"Payment on {award.reference}", actor=actor)
        payment = Payment.objects.create(award=award, amount=amount, paid_on=paid_on, instalment=instalment,
                                         recorded_by=actor)
        if instalment is not None:
            instalment.paid_at = timezone.now()
            instalment.save(update_fields=["paid_at"])
    return payment


def report_request(*, award: Award, kind: str, due_on: dt.date, actor: Any = None) -> Report:
    if kind not in Report.Kind.values:
        raise ValidationProblem({"kind": "Choose a progress or final report"})
    with transaction.atomic():
        report = Report.objects.create(award=award, kind=kind, due_on=due_on)
        audit_append(action="funding.report_request", actor=actor, obj=award, data={"kind": kind, "due_on": due_on.isoformat()})
    return report


def report_receive(*, report: Report, summary: str, actor: Any) -> Report:
    """Record a report received; a final report completes a fully paid award."""
    if not summary.strip():
        raise ValidationProblem({"summary": "Give a summary of the report"})
    with transaction.atomic():
        report.received_at = timezone.now()
        report.summary = summary.strip()
        report.save(update_fields=["received_at", "summary"])
        award = Award.objects.select_for_update().get(pk=report.award_id)
        if report.kind == Report.Kind.FINAL and award.paid == award.amount and award.status == Award.Status.ACCEPTED:
            award.status = Award.Status.COMPLETED
            award.save(update_fields=["status"])
        audit_append(action="funding.report_receive", actor=actor, obj=award, data={"kind": report.kind})
    return report


def clawback_record(*, award: Award, amount: Decimal, reason: str, actor: Any) -> Clawback:
    """Recover money paid on an award; it goes back to the fund."""
    if not reason.strip():
        raise ValidationProblem({"reason": ERROR_CLAWBACK_REASON})
    with transaction.atomic():
        fund_clawback(fund_id=award.fund_id, amount=amount, award=award, note=reason[:300], actor=actor)
        award = Award.objects.select_for_update().get(pk=award.pk)
        award.status = Award.Status.CLAWED_BACK
        award.save(update_fields=["status"])
        clawback = Clawback.objects.create(award=award, amount=amount, reason=reason.strip(), recorded_by=actor)
        audit_append(action="funding.clawback_record", actor=actor, obj=award, data={"amount": str(amount)})
    return clawback
