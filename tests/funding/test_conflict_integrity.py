"""Conflicts of interest under attack: declarations only tighten, withdrawals need another
funding manager with a reason, nobody rules on their own conflict, a conflicted chair cannot
decide, and chair actions on a missing record answer like a forbidden one."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from seedbed.core.errors import ValidationProblem
from seedbed.core.models import AuditEntry
from seedbed.funding.access import DENIED_FUNDING_RECORD, access_application_review
from seedbed.funding.models import Conflict, Decision
from seedbed.funding.services.reviews import (
    ERROR_CONFLICT_NO_TAKING_BACK,
    ERROR_CONFLICT_OWN,
    ERROR_CONFLICT_RULING,
    ERROR_WITHDRAW_MANAGER,
    ERROR_WITHDRAW_REASON,
    conflict_decide,
    conflict_declare,
    conflict_withdraw,
    decision_make,
    review_moderate,
    review_save,
)
from tests.funding.conftest import client_for, micro_call, submitted


def _manager(world: dict[str, Any], username: str = "lead2", role: str = "innovation_lead") -> Any:
    from seedbed.accounts.services import membership_grant, person_create

    user = person_create(username=username, email=f"{username}@example.org", display_name=username.title(),
                         password="a-long-test-password-1")
    membership_grant(user=user, organisation=world["council"], role=role)
    return user


@pytest.fixture
def panel(world):  # type: ignore[no-untyped-def]
    call = micro_call(world)
    application = submitted(call, world["users"]["provider"], org=world["provider_org"], title="Breakfast club")
    return {**world, "call": call, "application": application, "lead2": _manager(world)}


def test_a_declared_conflict_cannot_be_taken_back_by_declaring_no(panel) -> None:  # type: ignore[no-untyped-def]
    reviewer, application = panel["users"]["panel"], panel["application"]
    conflict_declare(application=application, actor=reviewer, has_conflict=True, detail="I advise them.")
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_CONFLICT_NO_TAKING_BACK)) as excinfo:
        conflict_declare(application=application, actor=reviewer, has_conflict=False)
    assert excinfo.value.problems == {"has_conflict": ERROR_CONFLICT_NO_TAKING_BACK}
    # Through the page too: the message is shown and the declaration stands.
    client = client_for(reviewer)
    response = client.post(reverse("funding:conflict_declare", args=[application.pk]), {"has_conflict": "no", "detail": ""})
    assert ERROR_CONFLICT_NO_TAKING_BACK.split(";")[0] in response.content.decode()
    conflict = Conflict.objects.get(application=application, reviewer=reviewer)
    assert conflict.status == Conflict.Status.DECLARED and conflict.detail == "I advise them."
    assert client.get(reverse("funding:review_score", args=[application.pk])).status_code == 403
    # "No" may become "yes" (tightening).
    other = panel["users"]["panel2"]
    conflict_declare(application=application, actor=other, has_conflict=False)
    assert conflict_declare(application=application, actor=other, has_conflict=True, detail="Cousin.").status == "declared"


def test_a_recused_or_waived_conflict_cannot_be_taken_back_either(panel) -> None:  # type: ignore[no-untyped-def]
    reviewer, application, lead = panel["users"]["panel"], panel["application"], panel["users"]["lead"]
    conflict = conflict_declare(application=application, actor=reviewer, has_conflict=True, detail="I advise them.")
    conflict_decide(conflict=conflict, waive=False, actor=lead)
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_CONFLICT_NO_TAKING_BACK)) as excinfo:
        conflict_declare(application=application, actor=reviewer, has_conflict=False)
    assert excinfo.value.problems == {"has_conflict": ERROR_CONFLICT_NO_TAKING_BACK}
    assert Conflict.objects.get(pk=conflict.pk).status == Conflict.Status.RECUSED


def test_nobody_rules_on_their_own_conflict(panel) -> None:  # type: ignore[no-untyped-def]
    lead, lead2, application, call = panel["users"]["lead"], panel["lead2"], panel["application"], panel["call"]
    conflict = conflict_declare(application=application, actor=lead, has_conflict=True, detail="My charity partners them.")
    for waive in (True, False):
        with pytest.raises(ValidationProblem, match=re.escape(ERROR_CONFLICT_OWN)) as excinfo:
            conflict_decide(conflict=conflict, waive=waive, reason="I am impartial.", actor=lead)
        assert excinfo.value.problems == {"__all__": ERROR_CONFLICT_OWN}
    # Through the chair's page: refused with the message, nothing changes, nothing audited.
    response = client_for(lead).post(reverse("funding:conflict_decide", args=[call.pk, conflict.pk]),
                                     {"conflict-decision": "waive", "conflict-reason": "I am impartial."}, follow=True)
    assert ERROR_CONFLICT_OWN in response.content.decode()
    assert Conflict.objects.get(pk=conflict.pk).status == Conflict.Status.DECLARED
    assert not AuditEntry.objects.filter(action="funding.conflict_decide", object_id=str(conflict.pk)).exists()
    # Another manager may rule on it.
    conflict_decide(conflict=conflict, waive=True, reason="The partnership ended in 2024.", actor=lead2)
    assert Conflict.objects.get(pk=conflict.pk).status == Conflict.Status.WAIVED


def test_a_chair_with_an_undecided_or_upheld_conflict_cannot_decide(panel) -> None:  # type: ignore[no-untyped-def]
    lead, lead2, application, call = panel["users"]["lead"], panel["lead2"], panel["application"], panel["call"]
    conflict = conflict_declare(application=application, actor=lead, has_conflict=True, detail="My charity partners them.")
    url = reverse("funding:decision_make", args=[call.pk, application.pk])
    form = {"decision-outcome": "fund", "decision-public_reason": "Strong case.", "decision-typology": "service"}
    # Undecided: refused in the service and on the page (the pitch board posts to the same action).
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_CONFLICT_RULING)) as excinfo:
        decision_make(application=application, outcome="fund", public_reason="Strong case.", actor=lead)
    assert excinfo.value.problems == {"__all__": ERROR_CONFLICT_RULING}
    for back in ("reviews", "pitch"):
        response = client_for(lead).post(url, {**form, "back": back}, follow=True)
        assert ERROR_CONFLICT_RULING in response.content.decode()
    assert not Decision.objects.filter(application=application).exists()
    # Nor may they rule on another reviewer's conflict on it, or moderate its scores.
    other = conflict_declare(application=application, actor=panel["users"]["panel"], has_conflict=True, detail="Friend.")
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_CONFLICT_RULING)) as excinfo:
        conflict_decide(conflict=other, waive=True, reason="Fine.", actor=lead)
    assert excinfo.value.problems == {"__all__": ERROR_CONFLICT_RULING}
    conflict_declare(application=application, actor=panel["users"]["panel2"], has_conflict=False)
    review = review_save(application=application, actor=panel["users"]["panel2"],
                         scores={c.pk: 1 for c in call.criteria.all()})
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_CONFLICT_RULING)) as excinfo:
        review_moderate(review=review, outcome="kept", reason="Fine.", actor=lead)
    assert excinfo.value.problems == {"__all__": ERROR_CONFLICT_RULING}
    # Upheld (recused): still refused.
    conflict_decide(conflict=conflict, waive=False, actor=lead2)
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_CONFLICT_RULING)) as excinfo:
        decision_make(application=application, outcome="fund", public_reason="Strong case.", actor=lead)
    assert excinfo.value.problems == {"__all__": ERROR_CONFLICT_RULING}
    # A manager without a conflict decides.
    decision = decision_make(application=application, outcome="decline", public_reason="Weak case.", actor=lead2)
    assert decision.decided_by == lead2


def test_a_withdrawal_needs_another_manager_and_a_reason(panel) -> None:  # type: ignore[no-untyped-def]
    users, lead2, application, call = panel["users"], panel["lead2"], panel["application"], panel["call"]
    lead = users["lead"]
    conflict = conflict_declare(application=application, actor=lead, has_conflict=True, detail="Wrong applicant.")
    # The declarer (a manager and the chair) may not withdraw their own.
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_WITHDRAW_MANAGER)) as excinfo:
        conflict_withdraw(conflict=conflict, reason="I misread the name.", actor=lead)
    assert excinfo.value.problems == {"__all__": ERROR_WITHDRAW_MANAGER}
    # Roles that are not funding managers may not withdraw anyone's.
    for name in ("panel", "panel2", "analyst", "provider", "resident"):
        with pytest.raises(ValidationProblem, match=re.escape(ERROR_WITHDRAW_MANAGER)) as excinfo:
            conflict_withdraw(conflict=conflict, reason="Error.", actor=users[name])
        assert excinfo.value.problems == {"__all__": ERROR_WITHDRAW_MANAGER}
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_WITHDRAW_REASON)) as excinfo:
        conflict_withdraw(conflict=conflict, reason="  ", actor=lead2)
    assert excinfo.value.problems == {"reason": ERROR_WITHDRAW_REASON}
    assert Conflict.objects.get(pk=conflict.pk).status == Conflict.Status.DECLARED
    # Another manager, with the reason, through the page: withdrawn and audited.
    response = client_for(lead2).post(reverse("funding:conflict_decide", args=[call.pk, conflict.pk]),
                                      {"conflict-decision": "withdraw", "conflict-reason": "Declared against the wrong applicant."})
    assert response.status_code == 302
    conflict.refresh_from_db()
    assert conflict.status == Conflict.Status.WITHDRAWN and conflict.decided_by == lead2
    entry = AuditEntry.objects.get(action="funding.conflict_withdraw", object_id=str(conflict.pk))
    assert entry.actor == lead2 and entry.data["reason"] == "Declared against the wrong applicant."
    assert access_application_review(lead, application.pk) == application
    # Re-declaring "no" keeps it withdrawn; "yes" tightens again.
    assert conflict_declare(application=application, actor=lead, has_conflict=False).status == Conflict.Status.WITHDRAWN
    assert conflict_declare(application=application, actor=lead, has_conflict=True, detail="Now I see.").status == "declared"


def test_the_declaration_history_stays_visible_to_managers_only(panel) -> None:  # type: ignore[no-untyped-def]
    users, lead2, application, call = panel["users"], panel["lead2"], panel["application"], panel["call"]
    conflict = conflict_declare(application=application, actor=users["panel"], has_conflict=True, detail="Friend.")
    conflict_withdraw(conflict=conflict, reason="Different person of the same name.", actor=lead2)
    url = reverse("funding:call_reviews", args=[call.pk])
    page = client_for(users["lead"]).get(url).content.decode()
    assert "History of conflict declarations" in page
    assert "Declared: declared" in page and "Withdrawn: withdrawn" in page
    assert "Different person of the same name." in page
    for name in ("panel", "panel2", "analyst", "provider", "resident"):
        assert client_for(users[name]).get(url).status_code == 403


@pytest.mark.parametrize("route", ["conflict_decide", "review_moderate", "decision_make", "pitch_slot_status"])
def test_chair_actions_on_a_missing_record_answer_like_a_forbidden_one(panel, route) -> None:  # type: ignore[no-untyped-def]
    call = panel["call"]
    other = micro_call(panel)
    foreign = submitted(other, panel["users"]["resident"], title="Elsewhere")
    for missing in (999_999, foreign.pk):
        response = client_for(panel["users"]["lead"]).post(reverse(f"funding:{route}", args=[call.pk, missing]), {})
        assert response.status_code == 403
        assert DENIED_FUNDING_RECORD in response.content.decode()
    # The same answer as for a call that does not exist.
    response = client_for(panel["users"]["lead"]).post(reverse(f"funding:{route}", args=[999_999, 1]), {})
    assert response.status_code == 403 and DENIED_FUNDING_RECORD in response.content.decode()
