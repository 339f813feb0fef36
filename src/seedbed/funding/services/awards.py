"""Awards: made on a funding decision, accepted, paid by schedule, reported on, clawed back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from seedbed.accounts.models import Organisation, User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.funding import selectors
from seedbed.funding.models import (
    Application,
    Award,
    Clawback,
    Instalment,
    Payment,
    Report,
)
from seedbed.funding.services.funds import fund_clawback, fund_commit, fund_pay, fund_release
from seedbed.portfolio.models import ServiceArea
from seedbed.portfolio.selectors import innovation_for_record
from seedbed.portfolio.services import (
    innovation_budget_add,
    innovation_create_from_award,
    innovation_link_add,
)

ERROR_NOT_OFFERED = "This award is not waiting for an answer"
ERROR_SCHEDULE = "The schedule would pay {total}, more than the award of {amount}"
ERROR_DUE = "Give a due date or a milestone"
ERROR_CLAWBACK_REASON = "Give the reason for the clawback"

def award_make(
    *, application: Application, amount: Decimal, conditions: str = "", actor: User,
    service_area: Any = None, typology: str = "service",
) -> Award:
    """Make the award, commit its money on the fund (locked; never over-committed) and put
    what it funds on the golden thread, all in one transaction.

    If the need or idea the application answers (or one the call answers) is already linked
    to an innovation, the award is linked to that innovation; otherwise the portfolio creates
    an innovation from the award, in ``service_area`` (a ``portfolio.ServiceArea``) or, when
    none is given, the service area of the organisation nearest the work (see
    ``_service_area_for``). With no service area at all the award stands alone until the
    portfolio takes it in.

    The amount is bounded by what was asked for and the call's maximum unless another funding
    manager approved an exception (``reviews.award_exception_approve``).
    """
    with transaction.atomic():
        selectors.award_exception_for(application=application, amount=amount, actor=actor)
        award = Award.objects.create(
            application=application, fund=application.call.fund, amount=amount, conditions=conditions,
            awarded_at=timezone.now(),
        )
        fund_commit(fund_id=award.fund_id, amount=amount, award=award, note=f"Award {award.reference}", actor=actor)
        audit_append(action="funding.award_make", actor=actor, obj=award,
                     data={"application": application.pk, "amount": str(amount), "fund": award.fund_id})
        _innovation_thread(award, actor=actor, service_area=service_area, typology=typology)
    return award


def _answered(application: Application) -> list[Any]:
    """The Voices needs and ideas behind an application: its own, then its call's."""
    own = application.answers_contribution
    records = [own] if own is not None else []
    records += list(application.call.needs.order_by("pk"))
    return list({r.pk: r for r in records}.values())


def _service_area_for(award: Award, answered: list[Any]) -> Any:
    """The portfolio service area of the organisation nearest the work: the answered needs'
    organisations, then the fund's owner, then its programme budgets, largest first."""
    organisations: list[Organisation | None] = [r.organisation for r in answered]
    organisations.append(award.fund.owner)
    organisations += [p.organisation for p in award.fund.programmes.order_by("-amount", "pk")]
    for organisation in organisations:
        if organisation is not None:
            area = ServiceArea.objects.filter(organisation=organisation).order_by("name", "pk").first()
            if area is not None:
                return area
    return None


def _innovation_thread(award: Award, *, actor: User, service_area: Any, typology: str) -> Any:
    """Link the award to the innovation it funds, creating the innovation when there is none."""
    if not getattr(actor, "is_authenticated", False):
        return None  # an innovation needs a person who owns it
    answered = _answered(award.application)  # type: ignore[arg-type]
    for record in answered:
        innovation = innovation_for_record(record)
        if innovation is not None:
            innovation_link_add(innovation=innovation, kind="award", target=award, actor=actor,
                                label=f"{award.reference}: £{award.amount:,.0f} from {award.fund.name}",
                                url=reverse("funding:award_detail", args=[award.pk]))
            innovation_budget_add(innovation=innovation, amount=award.amount, actor=actor,
                                  reason=f"Award {award.reference} from {award.fund.name}")
            return innovation
    area = service_area or _service_area_for(award, answered)
    if area is None:
        return None
    innovation = innovation_create_from_award(award=award, service_area=area, typology=typology, actor=actor)
    for record in answered:
        innovation_link_add(innovation=innovation, kind="need" if record.kind == "need" else "idea", target=record,
                            label=record.title, url=reverse("participation:detail", args=[record.pk]), actor=actor)
    return innovation


def award_respond(*, award: Award, accept: bool, actor: User) -> Award:
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
                   actor: User) -> Instalment:
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


def payment_record(*, award: Award, amount: Decimal, paid_on: dt.date, actor: User,
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


def report_request(*, award: Award, kind: str, due_on: dt.date, actor: User) -> Report:
    if kind not in Report.Kind.values:
        raise ValidationProblem({"kind": "Choose a progress or final report"})
    with transaction.atomic():
        report = Report.objects.create(award=award, kind=kind, due_on=due_on)
        audit_append(action="funding.report_request", actor=actor, obj=award, data={"kind": kind, "due_on": due_on.isoformat()})
    return report


def report_receive(*, report: Report, summary: str, actor: User) -> Report:
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


def clawback_record(*, award: Award, amount: Decimal, reason: str, actor: User) -> Clawback:
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
