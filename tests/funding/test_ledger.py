"""The fund ledger: never over-committed, totals always equal the ledger (Hypothesis), and
over-commitment impossible under concurrent requests (threads; SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import re
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seedbed.core.errors import ValidationProblem
from seedbed.core.models import AuditEntry
from seedbed.funding.models import Award, Fund, LedgerEntry
from seedbed.funding.rules import ERROR_PERIOD
from seedbed.funding.selectors import fund_summary
from seedbed.funding.services.funds import (
    ERROR_OVERCOMMIT,
    fund_clawback,
    fund_commit,
    fund_create,
    fund_pay,
    fund_release,
)
from tests.funding.conftest import build_world, micro_call, submitted


def _sum(fund: Fund, kind: str) -> Decimal:
    return fund.ledger.filter(kind=kind).aggregate(s=Sum("amount"))["s"] or Decimal(0)


def assert_ledger_consistent(fund: Fund) -> None:
    fund.refresh_from_db()
    assert Decimal(0) <= fund.paid <= fund.committed <= fund.total
    assert fund.committed == _sum(fund, "commit") - _sum(fund, "release") - _sum(fund, "clawback")
    assert fund.paid == _sum(fund, "payment") - _sum(fund, "clawback")


def test_commit_refused_beyond_the_total(world) -> None:  # type: ignore[no-untyped-def]
    fund = world["fund"]
    fund_commit(fund_id=fund.pk, amount=Decimal("9000"), actor=world["users"]["lead"])
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_OVERCOMMIT.format(amount=Decimal("1000.01"), remaining=Decimal("1000.00")))) as excinfo:
        fund_commit(fund_id=fund.pk, amount=Decimal("1000.01"), actor=world["users"]["lead"])
    assert excinfo.value.problems["amount"] == ERROR_OVERCOMMIT.format(amount=Decimal("1000.01"), remaining=Decimal("1000.00"))
    fund_commit(fund_id=fund.pk, amount=Decimal("1000"), actor=world["users"]["lead"])
    fund.refresh_from_db()
    assert fund.remaining == 0
    assert_ledger_consistent(fund)


def test_summary_shows_the_share_of_programme_spend_against_the_target(world) -> None:  # type: ignore[no-untyped-def]
    fund = world["fund"]
    fund_commit(fund_id=fund.pk, amount=Decimal("5000"), actor=world["users"]["lead"])
    fund.refresh_from_db()
    summary = fund_summary(fund=fund)
    assert summary.programme_total == Decimal("200000")
    assert summary.target_amount == Decimal("10000.00")
    assert summary.committed_share == Decimal("0.0250")
    assert summary.ring_fenced_share == Decimal("0.0500")
    assert summary.target_share == Decimal("0.05")


def test_fund_create_validates(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_PERIOD)) as excinfo:
        fund_create(owner=world["council"], name="Bad", total=Decimal("-1"), ring_fence_share=Decimal("2"),
                    period_start=dt.date(2026, 1, 1), period_end=dt.date(2025, 1, 1), currency="pounds", actor=world["users"]["lead"])
    assert set(excinfo.value.problems) == {"total", "ring_fence_share", "period_end", "currency"}


def test_awards_are_in_the_audit_chain_with_their_commitment(world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.funding.services.reviews import decision_make

    call = micro_call(world)
    application = submitted(call, world["users"]["provider"], org=world["provider_org"])
    decision_make(application=application, outcome="fund", public_reason="Good.", actor=world["users"]["lead"])
    award = Award.objects.get()
    assert AuditEntry.objects.filter(action="funding.award_make", object_id=str(award.pk)).exists()
    assert AuditEntry.objects.filter(action="funding.ledger_commit", data__award=award.pk).exists()


def test_an_award_beyond_the_fund_is_refused_and_nothing_is_saved(world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.funding.services.reviews import decision_make

    call = micro_call(world, max_amount="20000")
    application = submitted(call, world["users"]["provider"], org=world["provider_org"], amount="12000")
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_OVERCOMMIT.format(amount=Decimal("12000.00"), remaining=Decimal("10000.00")))):
        decision_make(application=application, outcome="fund", public_reason="Good.", actor=world["users"]["lead"])
    application.refresh_from_db()
    assert application.status == "submitted"
    assert not Award.objects.exists()
    assert not hasattr(application, "decision") or application.decision is None


OPS = st.lists(
    st.tuples(st.sampled_from(["commit", "release", "pay", "clawback"]),
              st.decimals(min_value=Decimal("0.01"), max_value=Decimal("6000"), places=2)),
    min_size=1, max_size=25,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_ledger_invariants_hold_for_any_sequence_of_operations(world, ops) -> None:  # type: ignore[no-untyped-def]
    """Whatever is asked, in whatever order: committed never exceeds the total, paid never
    exceeds committed, and the running totals equal the ledger."""
    from django.db import transaction

    if "application" not in world:
        world["application"] = submitted(micro_call(world), world["users"]["provider"], org=world["provider_org"])
    application = world["application"]
    with transaction.atomic():
        fund = fund_create(owner=world["council"], name="Example fund", total=Decimal("10000"),
                           ring_fence_share=Decimal("0.05"), period_start=dt.date(2026, 4, 1),
                           period_end=dt.date(2027, 3, 31), actor=world["users"]["lead"])
        award = Award.objects.create(application=application, fund=fund, amount=Decimal(0), awarded_at=application.submitted_at)
        for op, amount in ops:
            try:
                if op == "commit":
                    fund_commit(fund_id=fund.pk, amount=amount, award=award, actor=world["users"]["lead"])
                    Award.objects.filter(pk=award.pk).update(amount=award.amount + amount)
                elif op == "release":
                    fund_release(fund_id=fund.pk, amount=amount, award=award, actor=world["users"]["lead"])
                elif op == "pay":
                    fund_pay(fund_id=fund.pk, amount=amount, award=award, actor=world["users"]["lead"])
                else:
                    fund_clawback(fund_id=fund.pk, amount=amount, award=award, actor=world["users"]["lead"])
            except ValidationProblem:
                pass
            award.refresh_from_db()
            assert Decimal(0) <= award.paid <= award.amount
            assert_ledger_consistent(fund)
        transaction.set_rollback(True)


def _race(target, n: int) -> list[BaseException | object]:  # type: ignore[no-untyped-def]
    results: list[BaseException | object] = []
    barrier = threading.Barrier(n)

    def run() -> None:
        try:
            barrier.wait()
            results.append(target())
        except BaseException as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_over_commitment_is_impossible_under_concurrent_requests() -> None:
    """Eight requests at once each commit 3,000 of a 10,000 fund: exactly three succeed."""
    world = build_world()
    fund = world["fund"]
    results = _race(lambda: fund_commit(fund_id=fund.pk, amount=Decimal("3000"), actor=world["users"]["lead"]), 8)
    succeeded = [r for r in results if isinstance(r, LedgerEntry)]
    refused = [r for r in results if isinstance(r, ValidationProblem)]
    assert len(succeeded) == 3, results
    assert len(refused) == 5, results
    fund.refresh_from_db()
    assert fund.committed == Decimal("9000")
    assert_ledger_consistent(fund)
