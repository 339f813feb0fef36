"""Creating and editing a fund through the pages: terms, programme budgets, validation by
field and row, audit entries, and the ledger page it leads to."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.urls import reverse

from seedbed.core.models import AuditEntry
from seedbed.funding.forms import ERROR_SHARE_PERCENT
from seedbed.funding.models import Fund
from seedbed.funding.rules import ERROR_PERIOD, ERROR_PROGRAMME_AMOUNT, ERROR_PROGRAMME_NAME
from seedbed.funding.services.funds import (
    ERROR_CURRENCY_LOCKED,
    ERROR_TOTAL_BELOW_COMMITTED,
    fund_commit,
)
from tests.funding.conftest import client_for


def _post(world: dict[str, Any], **changes: str) -> dict[str, str]:
    data = {
        "name": "Innovation fund 2027/28", "owner": str(world["council"].pk), "description": "For trying things.",
        "currency": "gbp", "total": "60000", "ring_fence_share": "2.5", "period_start": "2027-04-01",
        "period_end": "2028-03-31",
        "programme_1_name": "Children's services", "programme_1_amount": "1500000",
        "programme_1_organisation": str(world["council"].pk),
        "programme_2_name": "Housing", "programme_2_amount": "900000", "programme_2_organisation": "",
        "programme_3_name": "", "programme_3_amount": "", "programme_3_organisation": "",
    }
    data.update(changes)
    return data


def test_a_lead_creates_a_fund_and_lands_on_its_ledger(world) -> None:  # type: ignore[no-untyped-def]
    lead = client_for(world["users"]["lead"])
    assert lead.get(reverse("funding:fund_create")).status_code == 200
    response = lead.post(reverse("funding:fund_create"), _post(world))
    fund = Fund.objects.get(name="Innovation fund 2027/28")
    assert response.status_code == 302 and response["Location"] == reverse("funding:fund_detail", args=[fund.pk])
    assert (fund.currency, fund.total, fund.ring_fence_share) == ("GBP", Decimal("60000.00"), Decimal("0.0250"))
    assert [(p.name, p.amount, p.organisation) for p in fund.programmes.order_by("pk")] == [
        ("Children's services", Decimal("1500000.00"), world["council"]), ("Housing", Decimal("900000.00"), None)]
    assert AuditEntry.objects.filter(action="funding.fund_create", object_id=str(fund.pk)).exists()
    page = lead.get(response["Location"]).content.decode()
    # Target 2.5% of £2.4m = £60,000; the fund total is exactly that share.
    assert "GBP 60,000.00 of GBP 2,400,000.00" in page and "0.0250 against a target of 0.0250" not in page
    assert "Edit the fund" in page


def test_fund_problems_are_named_by_field_and_row_and_nothing_is_saved(world) -> None:  # type: ignore[no-untyped-def]
    lead = client_for(world["users"]["lead"])
    response = lead.post(reverse("funding:fund_create"), _post(
        world, name="", period_end="2027-03-01", ring_fence_share="0", programme_2_amount="",
        programme_3_amount="5000"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "Error: Create a fund" in page
    for message in (ERROR_PERIOD, ERROR_SHARE_PERCENT, ERROR_PROGRAMME_AMOUNT.format(row=2),
                    ERROR_PROGRAMME_NAME.format(row=3)):
        assert message.replace("'", "&#x27;") in page, message
    assert 'href="#id_programme_3_name"' in page and 'value="5000"' in page  # what was typed is kept
    assert not Fund.objects.filter(name="").exists() and Fund.objects.count() == 1


def test_editing_a_fund_replaces_its_programmes_and_audits_before_and_after(world) -> None:  # type: ignore[no-untyped-def]
    fund = world["fund"]
    lead = client_for(world["users"]["lead"])
    form = lead.get(reverse("funding:fund_edit", args=[fund.pk])).content.decode()
    assert 'value="Test fund"' in form and 'value="5"' in form and 'value="Services"' in form
    assert 'value="2026-04-01"' in form and 'value="2027-03-31"' in form  # what a date input can show
    response = lead.post(reverse("funding:fund_edit", args=[fund.pk]), _post(
        world, name="Test fund (extended)", total="12000", ring_fence_share="5", currency="GBP",
        period_start="2026-04-01", period_end="2027-09-30", programme_2_name="", programme_2_amount=""))
    assert response.status_code == 302
    fund.refresh_from_db()
    assert (fund.name, fund.total, fund.period_end) == ("Test fund (extended)", Decimal("12000.00"), dt.date(2027, 9, 30))
    assert [p.name for p in fund.programmes.all()] == ["Children's services"]
    entry = AuditEntry.objects.get(action="funding.fund_update", object_id=str(fund.pk))
    assert entry.data["before"]["total"] == "10000.00" and entry.data["after"]["total"] == "12000.00"
    assert entry.data["before"]["programmes"] == [["Services", "200000.00", None]]


def test_a_fund_cannot_shrink_below_its_commitments_or_change_currency_once_used(world) -> None:  # type: ignore[no-untyped-def]
    fund = world["fund"]
    fund_commit(fund_id=fund.pk, amount=Decimal("4000"), note="A test commitment", actor=world["users"]["lead"])
    lead = client_for(world["users"]["lead"])
    response = lead.post(reverse("funding:fund_edit", args=[fund.pk]), _post(world, total="3000", currency="EUR"))
    assert response.status_code == 400
    page = response.content.decode()
    assert ERROR_TOTAL_BELOW_COMMITTED.format(committed="4000.00") in page and ERROR_CURRENCY_LOCKED in page
    fund.refresh_from_db()
    assert (fund.total, fund.currency, fund.name) == (Decimal("10000.00"), "GBP", "Test fund")


def test_only_funding_managers_create_or_edit_funds(world) -> None:  # type: ignore[no-untyped-def]
    for username in ("analyst", "panel", "resident"):
        client = client_for(world["users"][username])
        assert client.post(reverse("funding:fund_create"), _post(world)).status_code == 403
        assert client.post(reverse("funding:fund_edit", args=[world["fund"].pk]), _post(world)).status_code == 403
    assert Fund.objects.count() == 1
