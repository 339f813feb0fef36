"""The pitch panel (running order, scoring on the day, live totals, decisions, award letters)
and the award's life: acceptance, schedule, payments, reports, clawback."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from seedbed.core.errors import ValidationProblem
from seedbed.core.models import AuditEntry
from seedbed.funding.models import Award, PitchSlot
from seedbed.funding.services import awards, reviews
from seedbed.funding.services.reviews import conflict_declare, decision_make
from tests.funding.conftest import client_for, micro_call, submitted


def test_pitch_day_from_running_order_to_award_letters(world) -> None:  # type: ignore[no-untyped-def]
    users = world["users"]
    call = micro_call(world)
    first = submitted(call, users["provider"], org=world["provider_org"], title="Breakfast club", amount="1200")
    second = submitted(call, users["resident"], title="Play street", amount="400")
    chair = client_for(users["lead"])
    board = reverse("funding:pitch_board", args=[call.pk])
    chair.post(reverse("funding:pitch_order", args=[call.pk]), {"order-order": f"{second.reference}, {first.reference}"})
    slots = list(PitchSlot.objects.filter(call=call))
    assert [s.application_id for s in slots] == [second.pk, first.pk]
    chair.post(reverse("funding:pitch_slot_status", args=[call.pk, slots[0].pk]), {"status": "pitching"})
    criteria = list(call.criteria.all())
    for username, value in (("panel", "5"), ("panel2", "4"), ("lead", "3")):
        member = users[username]
        conflict_declare(application=second, actor=member, has_conflict=False)
        phone = client_for(member)
        url = reverse("funding:pitch_score", args=[call.pk, slots[0].pk])
        assert phone.get(url).status_code == 200
        response = phone.post(url, {f"criterion_{c.pk}": value for c in criteria})
        assert response.status_code == 302
    totals = chair.get(board + "?fragment=totals").content.decode()
    assert "3 of 3" in totals and "80.00" in totals  # mean of 100, 80, 60
    page = chair.get(board).content.decode()
    assert "<script nonce" not in page.split("pitch-board.js")[0].split("</header>")[-1]  # no inline script on the page
    response = chair.post(reverse("funding:decision_make", args=[call.pk, second.pk]), {
        "back": "pitch", "decision-outcome": "fund", "decision-amount": "", "decision-conditions": "Photos of the day.",
        "decision-public_reason": "The panel loved it."})
    assert response.status_code == 302 and response["Location"] == board
    award = Award.objects.get(application=second)
    assert award.amount == Decimal("400.00") and award.conditions == "Photos of the day."
    letter = client_for(users["resident"]).get(reverse("funding:award_letter", args=[award.pk]))
    assert letter.status_code == 200 and "£400" in letter.content.decode() and "The panel loved it." in letter.content.decode()
    # Not the panel's or the public's business to decide.
    assert client_for(users["panel"]).post(reverse("funding:decision_make", args=[call.pk, first.pk]), {}).status_code == 403


def test_decision_needs_a_public_reason(world) -> None:  # type: ignore[no-untyped-def]
    call = micro_call(world)
    application = submitted(call, world["users"]["provider"], org=world["provider_org"])
    with pytest.raises(ValidationProblem, match=re.escape(reviews.ERROR_PUBLIC_REASON)) as excinfo:
        decision_make(application=application, outcome="fund", public_reason=" ", actor=world["users"]["lead"])
    assert "public_reason" in excinfo.value.problems


def test_award_acceptance_schedule_payments_reports_and_clawback(world) -> None:  # type: ignore[no-untyped-def]
    users = world["users"]
    call = micro_call(world)
    application = submitted(call, users["provider"], org=world["provider_org"], amount="2000")
    decision_make(application=application, outcome="fund", public_reason="Good.", actor=users["lead"])
    award = Award.objects.get()
    recipient = client_for(users["provider"])
    recipient.post(reverse("funding:award_respond", args=[award.pk]), {"respond-response": "accept"})
    award.refresh_from_db()
    assert award.status == "accepted"
    lead = client_for(users["lead"])
    lead.post(reverse("funding:award_instalment", args=[award.pk]), {"instalment-amount": "1500", "instalment-due_on": "2026-07-01"})
    lead.post(reverse("funding:award_instalment", args=[award.pk]), {"instalment-amount": "500", "instalment-milestone": "Final report"})
    with pytest.raises(ValidationProblem, match=re.escape(awards.ERROR_SCHEDULE.format(total=Decimal("2001.00"), amount=Decimal("2000.00")))):
        awards.instalment_add(award=award, amount=Decimal("1"), milestone="Too much", actor=users["lead"])
    lead.post(reverse("funding:award_payment", args=[award.pk]), {"payment-amount": "1500", "payment-paid_on": "2026-07-01"})
    response = lead.post(reverse("funding:award_payment", args=[award.pk]), {"payment-amount": "600", "payment-paid_on": "2026-07-02"}, follow=True)
    assert "only 500.00 committed to it is unpaid" in response.content.decode()
    lead.post(reverse("funding:award_report", args=[award.pk]), {"report-kind": "progress", "report-due_on": "2026-09-30"})
    report = award.reports.get()
    lead.post(reverse("funding:report_receive", args=[award.pk, report.pk]), {"receive-summary": "Going well."})
    report.refresh_from_db()
    assert report.received_at is not None
    lead.post(reverse("funding:award_clawback", args=[award.pk]), {"clawback-amount": "300", "clawback-reason": "Sessions cancelled."})
    award.refresh_from_db()
    fund = award.fund
    fund.refresh_from_db()
    assert (award.paid, award.clawed_back, award.status) == (Decimal("1200.00"), Decimal("300.00"), "clawed_back")
    assert (fund.committed, fund.paid) == (Decimal("1700.00"), Decimal("1200.00"))
    assert AuditEntry.objects.filter(action="funding.clawback_record", object_id=str(award.pk)).exists()
    # Only managers move money; the recipient cannot pay themselves.
    assert recipient.post(reverse("funding:award_payment", args=[award.pk]), {"payment-amount": "1", "payment-paid_on": "2026-07-02"}).status_code == 403
    assert client_for(users["resident"]).get(reverse("funding:award_detail", args=[award.pk])).status_code == 403


def test_declining_an_award_gives_the_money_back(world) -> None:  # type: ignore[no-untyped-def]
    users = world["users"]
    application = submitted(micro_call(world), users["provider"], org=world["provider_org"], amount="2000")
    decision_make(application=application, outcome="fund", public_reason="Good.", actor=users["lead"])
    award = awards.award_respond(award=Award.objects.get(), accept=False, actor=users["provider"])
    award.fund.refresh_from_db()
    assert award.status == "declined" and award.fund.committed == 0
    assert dt.date.today()
