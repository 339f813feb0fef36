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

from seedbed.accounts.models import Organisation, User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.funding.models import Award, Fund, LedgerEntry, PbRound, ProgrammeBudget
from seedbed.funding.rules import ERROR_AMOUNT, Programme, fund_problems

ERROR_OVERCOMMIT = "This would commit {amount} but only {remaining} is left in the fund"
ERROR_OVERPAY = "This would pay {amount} but only {unpaid} committed to it is unpaid"
ERROR_RELEASE = "This would release {amount} but only {unpaid} committed and unpaid can be released"
ERROR_TOTAL_BELOW_COMMITTED = "The total cannot be less than the {committed} already committed"
ERROR_CURRENCY_LOCKED = "The currency cannot change once money has moved on the fund"


def _programmes_write(fund: Fund, programmes: Sequence[Programme]) -> None:
    fund.programmes.all().delete()
    for prog_name, amount, organisation in programmes:
        ProgrammeBudget.objects.create(fund=fund, name=prog_name.strip(), amount=amount or Decimal(0),
                                       organisation=organisation)


def _terms(fund: Fund) -> dict[str, Any]:
    """A fund's terms as plain data, for the audit entry."""
    return {
        "name": fund.name, "owner": fund.owner_id, "currency": fund.currency, "total": f"{fund.total:.2f}",
        "share": f"{fund.ring_fence_share:.4f}", "period": [fund.period_start.isoformat(), fund.period_end.isoformat()],
        "programmes": [[p.name, f"{p.amount:.2f}", p.organisation_id] for p in fund.programmes.order_by("pk")],
    }


def fund_create(
    *, owner: Organisation, name: str, total: Decimal, ring_fence_share: Decimal,
    period_start: dt.date, period_end: dt.date, currency: str = "GBP",
    programmes: Sequence[Programme] = (), description: str = "",
    actor: User,
) -> Fund:
    """Create a fund ring-fenced from programme budgets (name, amount, organisation).

    ``ring_fence_share`` is a fraction (0.03 is 3%); amounts are in the fund's currency.
    """
    problems = fund_problems(name=name, total=total, ring_fence_share=ring_fence_share, period_start=period_start,
                              period_end=period_end, currency=currency, programmes=programmes)
    if problems:
        raise ValidationProblem(problems)
    with transaction.atomic():
        fund = Fund.objects.create(
            owner=owner, name=name.strip(), total=total, ring_fence_share=ring_fence_share,
            period_start=period_start, period_end=period_end, currency=currency.upper(),
            description=description,
        )
        _programmes_write(fund, programmes)
        audit_append(action="funding.fund_create", actor=actor, obj=fund,
                     data={"total": str(total), "share": str(ring_fence_share), "currency": fund.currency})
    return fund


def fund_update(
    *, fund: Fund, owner: Organisation, name: str, total: Decimal, ring_fence_share: Decimal,
    period_start: dt.date, period_end: dt.date, currency: str, programmes: Sequence[Programme],
    description: str = "", actor: User,
) -> Fund:
    """Change a fund's terms and replace its programme budgets, under the fund's row lock.

    The total may not fall below what is already committed, and the currency is fixed once
    money has moved. The audit entry holds the terms before and after.
    """
    problems = fund_problems(name=name, total=total, ring_fence_share=ring_fence_share, period_start=period_start,
                              period_end=period_end, currency=currency, programmes=programmes)
    with transaction.atomic():
        locked = _locked(fund.pk)
        if "total" not in problems and total < locked.committed:
            problems["total"] = ERROR_TOTAL_BELOW_COMMITTED.format(committed=locked.committed)
        if currency.upper() != locked.currency and locked.ledger.exists():
            problems["currency"] = ERROR_CURRENCY_LOCKED
        if problems:
            raise ValidationProblem(problems)
        before = _terms(locked)
        locked.owner, locked.name, locked.total = owner, name.strip(), total
        locked.ring_fence_share, locked.currency, locked.description = ring_fence_share, currency.upper(), description
        locked.period_start, locked.period_end = period_start, period_end
        locked.save(update_fields=["owner", "name", "total", "ring_fence_share", "currency", "description",
                                   "period_start", "period_end"])
        _programmes_write(locked, programmes)
        audit_append(action="funding.fund_update", actor=actor, obj=locked,
                     data={"before": before, "after": _terms(locked)})
    return locked


def _locked(fund_id: int) -> Fund:
    return Fund.objects.select_for_update().get(pk=fund_id)


def _entry(fund: Fund, kind: str, amount: Decimal, *, award: Award | None, pb_round: PbRound | None,
           note: str, actor: User) -> LedgerEntry:
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
    note: str = "", actor: User,
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
    *, fund_id: int, amount: Decimal, award: Award | None = None, note: str = "", actor: User,
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


def fund_pay(*, fund_id: int, amount: Decimal, award: Award, note: str = "", actor: User) -> LedgerEntry:
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


def fund_clawback(*, fund_id: int, amount: Decimal, award: Award, note: str = "", actor: User) -> LedgerEntry:
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
