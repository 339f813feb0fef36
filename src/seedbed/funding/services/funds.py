"""Funds and the ledger. Every movement of money locks the fund row first.

Locking: ``select_for_update`` on the fund row on PostgreSQL; on SQLite every transaction is
opened with ``BEGIN IMMEDIATE`` (settings: ``transaction_mode``), which takes the database's
write lock at once, so two commitments can never read the same balance. The database check
``fund_never_overcommitted`` is the last line of defence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction

from seedbed.accounts.models import Organisation
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.funding.models import Award, Fund, LedgerEntry, PbRound, ProgrammeBudget

ERROR_OVERCOMMIT = "This would commit {amount} but only {remaining} is left in the fund"
ERROR_AMOUNT = "Enter an amount greater than zero"
ERROR_OVERPAY = "This would pay {amount} but only {unpaid} committed to it is unpaid"
ERROR_RELEASE = "This would release {amount} but only {unpaid} committed and unpaid can be released"
ERROR_PERIOD = "The period must end after it starts"
ERROR_SHARE = "Enter the ring-fence share as a fraction between 0 and 1 (0.03 is 3%)"
ERROR_CURRENCY = "Enter a three-letter currency code such as GBP"


def fund_create(
    *, owner: Organisation, name: str, total: Decimal, ring_fence_share: Decimal,
    period_start: dt.date, period_end: dt.date, currency: str = "GBP",
    programmes: Sequence[tuple[str, Decimal, Organisation | None]] = (), description: str = "",
    actor: Any = None,
) -> Fund:
    """Create a fund ring-fenced from programme budgets (name, amount, organisation)."""
    problems: dict[str, str] = {}
    if total <= 0:
        problems["total"] = ERROR_AMOUNT
    if not (Decimal(0) < ring_fence_share < Decimal(1)):
        problems["ring_fence_share"] = ERROR_SHARE
    if period_end <= period_start:
        problems["period_end"] = ERROR_PERIOD
    if len(currency) != 3 or not currency.isalpha():
        problems["currency"] = ERROR_CURRENCY
    if problems:
        raise ValidationProblem(problems)
    with transaction.atomic():
        fund = Fund.objects.create(
            owner=owner, name=name, total=total, ring_fence_share=ring_fence_share,
            period_start=period_start, period_end=period_end, currency=currency.upper(),
            description=description,
        )
        for prog_name, amount, organisation in programmes:
            ProgrammeBudget.objects.create(fund=fund, name=prog_name, amount=amount, organisation=organisation)
        audit_append(action="funding.fund_create", actor=actor, obj=fund,
                     data={"total": str(total), "share": str(ring_fence_share), "currency": fund.currency})
    return fund


def _locked(fund_id: int) -> Fund:
    return Fund.objects.select_for_update().get(pk=fund_id)


def _entry(fund: Fund, kind: str, amount: Decimal, *, award: Award | None, pb_round: PbRound | None,
           note: str, actor: Any) -> LedgerEntry:
    entry = LedgerEntry.objects.create(
        fund=fund, kind=kind, amount=amount, award=award, pb_round=pb_round, note=note[:300],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_append(action=f"funding.ledger_{kind}", actor=actor, obj=entry,
                 data={"fund": fund.pk, "amount": str(amount), "award": award.pk if award else None,
                       "pb_round": pb_round.pk if pb_round else None})
    return entry


def fund_commit(
    *, fund_id: int, amount: Decimal, award: Award | None = None, pb_round: PbRound | None = None,
    note: str = "", actor: Any = None,
) -> LedgerEntry:
    """Commit ``amount`` of the fund; refused if it would commit more than the total."""
    if amount <= 0:
        raise ValidationProblem({"amount": ERROR_AMOUNT})
    with transaction.atomic():
        fund = _locked(fund_id)
        if fund.committed + amount > fund.total:
            raise ValidationProblem({"amount": ERROR_OVERCOMMIT.format(amount=amount, remaining=fund.remaining)})
        fund.committed += amount
        fund.save(update_fields=["committed"])
        return _entry(fund, LedgerEntry.Kind.COMMIT, amount, award=award, pb_round=pb_round, note=note, actor=actor)


def fund_release(
    *, fund_id: int, amount: Decimal, award: Award | None = None, note: str = "", actor: Any = None,
) -> LedgerEntry:
    """Give back committed but unpaid money to the fund (an award declined or under-spent)."""
    if amount <= 0:
        raise ValidationProblem({"amount": ERROR_AMOUNT})
    with transaction.atomic():
        fund = _locked(fund_id)
        unpaid = fund.committed - fund.paid
        if award is not None:
            award = Award.objects.select_for_update().get(pk=award.pk)
            unpaid = min(unpaid, award.amount - award.paid)
        if amount > unpaid:
            raise ValidationProblem({"amount": ERROR_RELEASE.format(amount=amount, unpaid=unpaid)})
        fund.committed -= amount
        fund.save(update_fields=["committed"])
        if award is not None:
            award.amount -= amount
            award.save(update_fields=["amount"])
        return _entry(fund, LedgerEntry.Kind.RELEASE, amount, award=award, pb_round=None, note=note, actor=actor)


def fund_pay(*, fund_id: int, amount: Decimal, award: Award, note: str = "", actor: Any = None) -> LedgerEntry:
    """Record money paid out against an award's commitment."""
    if amount <= 0:
        raise ValidationProblem({"amount": ERROR_AMOUNT})
    with transaction.atomic():
        fund = _locked(fund_id)
        award = Award.objects.select_for_update().get(pk=award.pk)
        unpaid = award.amount - award.paid
        if amount > unpaid:
            raise ValidationProblem({"amount": ERROR_OVERPAY.format(amount=amount, unpaid=unpaid)})
        fund.paid += amount
        fund.save(update_fields=["paid"])
        award.paid += amount
        award.save(update_fields=["paid"])
        return _entry(fund, LedgerEntry.Kind.PAYMENT, amount, award=award, pb_round=None, note=note, actor=actor)


def fund_clawback(*, fund_id: int, amount: Decimal, award: Award, note: str = "", actor: Any = None) -> LedgerEntry:
    """Money recovered from a recipient: it leaves both paid and committed, back to the fund."""
    if amount <= 0:
        raise ValidationProblem({"amount": ERROR_AMOUNT})
    with transaction.atomic():
        fund = _locked(fund_id)
        award = Award.objects.select_for_update().get(pk=award.pk)
        if amount > award.paid:
            raise ValidationProblem({"amount": f"Only {award.paid} has been paid on this award"})
        fund.paid -= amount
        fund.committed -= amount
        fund.save(update_fields=["paid", "committed"])
        award.paid -= amount
        award.amount -= amount
        award.clawed_back += amount
        award.save(update_fields=["paid", "amount", "clawed_back"])
        return _entry(fund, LedgerEntry.Kind.CLAWBACK, amount, award=award, pb_round=None, note=note, actor=actor)
