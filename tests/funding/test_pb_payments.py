"""Winning participatory-budget projects are paid like grants: each gets an award with a
payment schedule, and payments recorded against the fund's ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Sum
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seedbed.core.models import AuditEntry
from seedbed.funding.models import Award, LedgerEntry
from seedbed.funding.services import awards as awards_service
from seedbed.funding.services import pb
from seedbed.funding.services.funds import ERROR_OVERPAY
from tests.funding.conftest import client_for
from tests.funding.test_pb import big_world, make_round, paper_ballots  # noqa: F401  (fixture)


def _counted(world):  # type: ignore[no-untyped-def]
    pb_round, projects = make_round(world)
    lead = world["users"]["lead"]
    paper_ballots(pb_round, projects, [(0, 3), (0, 1), (1, 3), (0,), (3,)], officer=world["users"]["panel"], manager=lead)
    return pb_round, pb.pb_count(pb_round=pb_round, actor=lead)


def test_each_winning_project_gets_an_award_holding_its_commitment(big_world) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    pb_round, result = _counted(big_world)
    awards = list(Award.objects.filter(pb_project__round=pb_round).order_by("pk"))
    assert [a.pb_project.code for a in awards] == result.selected and len(awards) >= 2
    assert all(a.status == Award.Status.ACCEPTED and a.application_id is None for a in awards)
    assert sum(a.amount for a in awards) == result.cost
    fund = big_world["fund"]
    fund.refresh_from_db()
    assert fund.committed == result.cost  # committed once at voting, the unspent released, nothing twice
    assert not LedgerEntry.objects.filter(award__in=awards).exists()
    assert AuditEntry.objects.filter(action="funding.pb_award_make").count() == len(awards)


def test_a_pb_project_is_scheduled_and_paid_through_the_award_page(big_world) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    pb_round, result = _counted(big_world)
    award = Award.objects.filter(pb_project__round=pb_round).order_by("pk").first()
    lead = client_for(big_world["users"]["lead"])
    page = lead.get(reverse("funding:award_detail", args=[award.pk])).content.decode()
    assert award.pb_project.title in page and "Delivered by Testshire Council" in page and "Award letter" not in page
    half = (award.amount / 2).quantize(Decimal("0.01"))
    response = lead.post(reverse("funding:award_instalment", args=[award.pk]),
                         {"instalment-amount": str(half), "instalment-due_on": "2026-09-01", "instalment-milestone": ""})
    assert response.status_code == 302 and award.instalments.count() == 1
    response = lead.post(reverse("funding:award_payment", args=[award.pk]),
                         {"payment-amount": str(half), "payment-paid_on": "2026-09-01"})
    assert response.status_code == 302
    award.refresh_from_db()
    fund = big_world["fund"]
    fund.refresh_from_db()
    assert award.paid == half and fund.paid == half and fund.committed == result.cost
    entry = LedgerEntry.objects.get(award=award)
    assert (entry.kind, entry.amount) == (LedgerEntry.Kind.PAYMENT, half)
    assert award.payments.get().paid_on == dt.date(2026, 9, 1)
    # Never more than the project's award.
    response = lead.post(reverse("funding:award_payment", args=[award.pk]),
                         {"payment-amount": str(award.amount), "payment-paid_on": "2026-10-01"}, follow=True)
    assert ERROR_OVERPAY.format(amount=f"{award.amount}", unpaid=award.amount - half).replace("'", "&#x27;") in \
        response.content.decode()
    assert LedgerEntry.objects.filter(kind="payment").aggregate(t=Sum("amount"))["t"] == half
    ledger = lead.get(reverse("funding:fund_detail", args=[fund.pk])).content.decode()
    assert f">{award.reference}</a>" in ledger


def test_results_list_the_project_awards_for_staff_only(big_world) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    pb_round, _ = _counted(big_world)
    award = Award.objects.filter(pb_project__round=pb_round).order_by("pk").first()
    url = reverse("funding:pb_results", args=[pb_round.pk])
    staff_page = client_for(big_world["users"]["lead"]).get(url).content.decode()
    assert "awards and payments" in staff_page and reverse("funding:award_detail", args=[award.pk]) in staff_page
    public_page = client_for(big_world["users"]["resident"]).get(url).content.decode()
    assert "awards and payments" not in public_page
    resident = client_for(big_world["users"]["resident"])
    assert resident.get(reverse("funding:award_detail", args=[award.pk])).status_code == 403
    assert client_for(big_world["users"]["lead"]).get(reverse("funding:award_letter", args=[award.pk])).status_code == 404


def test_pb_awards_are_not_published_as_grants(big_world) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    from seedbed.funding import opendata, selectors

    _counted(big_world)
    assert opendata.grants_json(selectors.award_list(published_only=True)) == {"grants": []}


BALLOTS = st.lists(st.sets(st.integers(min_value=0, max_value=3), min_size=1, max_size=3), min_size=1, max_size=12)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ballots=BALLOTS, rule=st.sampled_from(["greedy", "mes-add1", "mes-add1-fill", "phragmen"]))
def test_whatever_the_ballots_the_project_awards_hold_exactly_the_counted_cost(big_world, ballots, rule) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    """Any ballots, any rule: one award per funded project, their amounts add up to the
    count's cost, the fund has exactly that committed, and paying them all in full pays it."""
    from django.db import transaction

    lead = big_world["users"]["lead"]
    with transaction.atomic():
        pb_round, projects = make_round(big_world, rule=rule)
        paper_ballots(pb_round, projects, [tuple(picks) for picks in ballots], officer=big_world["users"]["panel"],
                      manager=lead)
        result = pb.pb_count(pb_round=pb_round, actor=lead)
        awards = list(Award.objects.filter(pb_project__round=pb_round))
        assert sorted(a.pb_project.code for a in awards) == sorted(result.selected)
        assert sum((a.amount for a in awards), Decimal(0)) == result.cost
        fund = big_world["fund"]
        fund.refresh_from_db()
        assert fund.committed == result.cost <= pb_round.budget
        for award in awards:
            awards_service.payment_record(award=award, amount=award.amount, paid_on=dt.date(2026, 10, 1), actor=lead)
        fund.refresh_from_db()
        assert fund.paid == fund.committed == result.cost
        transaction.set_rollback(True)
