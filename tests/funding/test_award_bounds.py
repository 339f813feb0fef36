"""Award amounts are bounded by the amount asked for and the call's maximum; an exception needs
a second funding manager (not the one making the award) and a reason, and is audited."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from seedbed.core.errors import ValidationProblem
from seedbed.core.models import AuditEntry
from seedbed.funding.models import Award, AwardException, Call, Decision, Fund
from seedbed.funding.rules import (
    ERROR_AWARD_EXCEPTION_OWN,
    ERROR_AWARD_OVER_MAXIMUM,
    ERROR_AWARD_OVER_REQUEST,
)
from seedbed.funding.services.reviews import (
    ERROR_EXCEPTION_AMOUNT,
    ERROR_EXCEPTION_MANAGER,
    ERROR_EXCEPTION_REASON,
    award_exception_approve,
    decision_make,
)
from tests.funding.conftest import client_for, micro_call, submitted


def _manager(world: dict[str, Any], username: str = "lead2") -> Any:
    from seedbed.accounts.services import membership_grant, person_create

    user = person_create(username=username, email=f"{username}@example.org", display_name=username.title(),
                         password="a-long-test-password-1")
    membership_grant(user=user, organisation=world["council"], role="innovation_lead")
    return user


@pytest.fixture
def deciding(world):  # type: ignore[no-untyped-def]
    call = micro_call(world)
    application = submitted(call, world["users"]["provider"], org=world["provider_org"], title="Breakfast club",
                            amount="4000")
    return {**world, "call": call, "application": application, "lead2": _manager(world)}


def _nothing_awarded(application: Any, fund: Any) -> None:
    assert not Decision.objects.filter(application=application).exists()
    assert not Award.objects.filter(application=application).exists()
    assert Fund.objects.get(pk=fund.pk).committed == fund.committed


def test_an_award_above_the_request_is_refused_naming_the_amount(deciding) -> None:  # type: ignore[no-untyped-def]
    lead, application, call, fund = deciding["users"]["lead"], deciding["application"], deciding["call"], deciding["fund"]
    fund.refresh_from_db()
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_AWARD_OVER_REQUEST.format(amount=Decimal("150000"), limit=Decimal("4000")))) as excinfo:
        decision_make(application=application, outcome="fund", public_reason="Good.", amount=Decimal("150000"), actor=lead)
    expected = ERROR_AWARD_OVER_REQUEST.format(amount=Decimal("150000"), limit=Decimal("4000"))
    assert excinfo.value.problems == {"amount": expected}
    assert "£150,000.00" in expected and "£4,000.00" in expected
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_AWARD_OVER_REQUEST.format(amount=Decimal("4000.01"), limit=Decimal("4000")))):
        decision_make(application=application, outcome="fund", public_reason="Good.", amount=Decimal("4000.01"), actor=lead)
    # Through the chair's page: the message is shown, nothing is decided or committed.
    response = client_for(lead).post(reverse("funding:decision_make", args=[call.pk, application.pk]), {
        "decision-outcome": "fund", "decision-amount": "150000", "decision-public_reason": "Good.",
        "decision-typology": "service"}, follow=True)
    assert "Amount awarded: £150,000.00 is more than the £4,000.00 asked for" in response.content.decode()
    _nothing_awarded(application, fund)
    # Up to the request is fine.
    decision = decision_make(application=application, outcome="fund", public_reason="Good.", amount=Decimal("4000"), actor=lead)
    assert decision.amount == Decimal("4000") and application.award.amount == Decimal("4000")


def test_an_award_above_the_calls_maximum_is_refused(deciding) -> None:  # type: ignore[no-untyped-def]
    lead, application, call = deciding["users"]["lead"], deciding["application"], deciding["call"]
    Call.objects.filter(pk=call.pk).update(max_amount=Decimal("3000"))  # the maximum lowered after submission
    application.refresh_from_db()
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_AWARD_OVER_MAXIMUM.format(amount=Decimal("4000"), limit=Decimal("3000")))) as excinfo:
        decision_make(application=application, outcome="fund", public_reason="Good.", actor=lead)  # the request: 4000
    assert excinfo.value.problems == {"amount": ERROR_AWARD_OVER_MAXIMUM.format(amount=Decimal("4000"), limit=Decimal("3000"))}
    assert decision_make(application=application, outcome="fund", public_reason="Good.", amount=Decimal("3000"),
                         actor=lead).amount == Decimal("3000")


def test_an_exception_needs_a_second_manager_and_a_reason(deciding) -> None:  # type: ignore[no-untyped-def]
    users, lead2, application, call = deciding["users"], deciding["lead2"], deciding["application"], deciding["call"]
    lead = users["lead"]
    # Roles that are not funding managers may not approve one.
    for name in ("panel", "panel2", "analyst", "provider", "resident"):
        with pytest.raises(ValidationProblem, match=re.escape(ERROR_EXCEPTION_MANAGER)) as excinfo:
            award_exception_approve(application=application, amount=Decimal("6000"), reason="Costs rose.", actor=users[name])
        assert excinfo.value.problems == {"__all__": ERROR_EXCEPTION_MANAGER}
    for name in ("panel", "analyst", "provider", "resident"):  # and the page refuses them outright
        response = client_for(users[name]).post(reverse("funding:award_exception", args=[call.pk, application.pk]),
                                                {"exception-amount": "6000", "exception-reason": "Costs rose."})
        assert response.status_code in (302, 403) and not AwardException.objects.exists()
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_EXCEPTION_AMOUNT.format(limit=Decimal("4000")))) as excinfo:
        award_exception_approve(application=application, amount=Decimal("4000"), reason="", actor=lead2)
    assert excinfo.value.problems == {"amount": ERROR_EXCEPTION_AMOUNT.format(limit=Decimal("4000")),
                                      "reason": ERROR_EXCEPTION_REASON}
    # The manager who approved it may not make the award on it.
    response = client_for(lead2).post(reverse("funding:award_exception", args=[call.pk, application.pk]),
                                      {"exception-amount": "6000", "exception-reason": "Venue costs rose after the bid."})
    assert response.status_code == 302
    exception = AwardException.objects.get(application=application)
    assert exception.approved_by == lead2 and exception.amount == Decimal("6000")
    entry = AuditEntry.objects.get(action="funding.award_exception_approve", object_id=str(exception.pk))
    assert entry.actor == lead2 and entry.data["reason"] == "Venue costs rose after the bid."
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_AWARD_EXCEPTION_OWN)) as excinfo:
        decision_make(application=application, outcome="fund", public_reason="Good.", amount=Decimal("6000"), actor=lead2)
    assert excinfo.value.problems == {"amount": ERROR_AWARD_EXCEPTION_OWN}
    # Nor above what was approved.
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_AWARD_OVER_REQUEST.format(amount=Decimal("6000.01"), limit=Decimal("4000")))) as excinfo:
        decision_make(application=application, outcome="fund", public_reason="Good.", amount=Decimal("6000.01"), actor=lead)
    assert list(excinfo.value.problems) == ["amount"]
    # Another manager makes it: the decision's audit entry names the exception.
    decision = decision_make(application=application, outcome="fund", public_reason="Good.", amount=Decimal("6000"), actor=lead)
    assert application.award.amount == Decimal("6000")
    entry = AuditEntry.objects.get(action="funding.decision_make", object_id=str(decision.pk))
    assert entry.data["exception"] == exception.pk and entry.data["approved_by"] == lead2.pk
    page = client_for(lead).get(reverse("funding:call_reviews", args=[call.pk])).content.decode()
    assert "Venue costs rose after the bid." in page


def test_the_exception_page_refuses_a_missing_application(deciding) -> None:  # type: ignore[no-untyped-def]
    from seedbed.funding.access import DENIED_FUNDING_RECORD

    response = client_for(deciding["lead2"]).post(
        reverse("funding:award_exception", args=[deciding["call"].pk, 999_999]),
        {"exception-amount": "6000", "exception-reason": "Costs rose."})
    assert response.status_code == 403 and DENIED_FUNDING_RECORD in response.content.decode()
