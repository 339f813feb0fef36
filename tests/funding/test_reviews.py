"""Reviewing: the conflict-of-interest gate, progress, outliers, and scores after the decision."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seedbed.core.errors import AccessDenied, ValidationProblem
from seedbed.core.models import AuditEntry
from seedbed.funding import selectors
from seedbed.funding.access import (
    DENIED_FUNDING_CONFLICT,
    DENIED_FUNDING_RECUSED,
    access_application_review,
)
from seedbed.funding.models import Review
from seedbed.funding.rules import weighted_score
from seedbed.funding.services import reviews as services_reviews
from seedbed.funding.services.reviews import (
    ERROR_CONFLICT_UNDECLARED,
    ERROR_REASON_AFTER_DECISION,
    conflict_decide,
    conflict_declare,
    decision_make,
    review_save,
)
from tests.funding.conftest import client_for, micro_call, submitted


@pytest.fixture
def reviewing(world):  # type: ignore[no-untyped-def]
    call = micro_call(world)
    application = submitted(call, world["users"]["provider"], org=world["provider_org"], title="Breakfast club")
    return {**world, "call": call, "application": application, "criteria": list(call.criteria.all())}


def test_reviewer_with_an_undeclared_conflict_cannot_open_the_application(reviewing) -> None:  # type: ignore[no-untyped-def]
    panel, application = reviewing["users"]["panel"], reviewing["application"]
    url = reverse("funding:review_score", args=[application.pk])
    client = client_for(panel)
    response = client.get(url)
    assert response.status_code == 403
    assert DENIED_FUNDING_CONFLICT in response.content.decode()
    assert "What will you try?" not in response.content.decode()
    with pytest.raises(AccessDenied, match=re.escape(DENIED_FUNDING_CONFLICT)):
        access_application_review(panel, application.pk)
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_CONFLICT_UNDECLARED)) as excinfo:
        review_save(application=application, actor=panel, scores={c.pk: 3 for c in reviewing["criteria"]})
    assert excinfo.value.problems == {"__all__": ERROR_CONFLICT_UNDECLARED}
    # Declaring a conflict still keeps it closed until the chair decides.
    client.post(reverse("funding:conflict_declare", args=[application.pk]), {"has_conflict": "yes", "detail": "I advise them."})
    assert client.get(url).status_code == 403
    # Waived with a reason: open. (Recusal is tested below.)
    conflict = application.conflicts.get(reviewer=panel)
    with pytest.raises(ValidationProblem, match=re.escape(services_reviews.ERROR_WAIVER_REASON)):
        conflict_decide(conflict=conflict, waive=True, reason="", actor=reviewing["users"]["lead"])
    conflict_decide(conflict=conflict, waive=True, reason="Advice ended two years ago.", actor=reviewing["users"]["lead"])
    response = client.get(url)
    assert response.status_code == 200 and "What will you try?" in response.content.decode()
    assert AuditEntry.objects.filter(action="funding.conflict_decide", object_id=str(conflict.pk)).exists()


def test_recused_and_unassigned_reviewers_cannot_open_it(reviewing) -> None:  # type: ignore[no-untyped-def]
    panel2, application, lead = reviewing["users"]["panel2"], reviewing["application"], reviewing["users"]["lead"]
    conflict = conflict_declare(application=application, actor=panel2, has_conflict=True, detail="My sister runs it.")
    chair = client_for(lead)
    response = chair.post(reverse("funding:conflict_decide", args=[reviewing["call"].pk, conflict.pk]),
                          {"conflict-decision": "recuse", "conflict-reason": ""})
    assert response.status_code == 302
    with pytest.raises(AccessDenied, match=re.escape(DENIED_FUNDING_RECUSED)) as excinfo:
        access_application_review(panel2, application.pk)
    assert excinfo.value.reason == DENIED_FUNDING_RECUSED
    assert client_for(reviewing["users"]["analyst"]).get(reverse("funding:review_score", args=[application.pk])).status_code == 403


def test_weighted_scores_progress_and_outliers(reviewing) -> None:  # type: ignore[no-untyped-def]
    call, application, users = reviewing["call"], reviewing["application"], reviewing["users"]
    need, learning = reviewing["criteria"]
    assert weighted_score(criteria=list(call.criteria.all()), values={need.pk: 5, learning.pk: 1}) == Decimal("80.00")  # (3·5 + 1·1) / (3·5 + 1·5)
    other = submitted(call, users["provider"], org=reviewing["provider_org"], title="Second")
    for reviewer, value in ((users["lead"], 4), (users["panel"], 4), (users["panel2"], 0)):
        conflict_declare(application=application, actor=reviewer, has_conflict=False)
        review_save(application=application, actor=reviewer, scores={need.pk: value, learning.pk: value})
    progress = {p.reviewer.username: (p.done, p.total) for p in selectors.reviewer_progress(call=call)}
    assert progress == {"lead": (1, 2), "panel": (1, 2), "panel2": (1, 2)}
    assert other.pk
    row = next(r for r in selectors.call_scores(call=call) if r.application.pk == application.pk)
    assert [r.reviewer.username for r in row.outliers] == ["panel2"]
    page = client_for(users["lead"]).get(reverse("funding:call_reviews", args=[call.pk])).content.decode()
    assert "1 of 2 done" in page and "Outlier score" in page


def test_changing_a_score_after_the_decision_needs_a_reason_and_is_audited(reviewing) -> None:  # type: ignore[no-untyped-def]
    application, users, criteria = reviewing["application"], reviewing["users"], reviewing["criteria"]
    panel = users["panel"]
    conflict_declare(application=application, actor=panel, has_conflict=False)
    review_save(application=application, actor=panel, scores={c.pk: 3 for c in criteria})
    decision_make(application=application, outcome="decline", public_reason="Not this time.", actor=users["lead"])
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_REASON_AFTER_DECISION)) as excinfo:
        review_save(application=application, actor=panel, scores={c.pk: 5 for c in criteria})
    assert excinfo.value.problems == {"reason": ERROR_REASON_AFTER_DECISION}
    assert {s.value for s in Review.objects.get(reviewer=panel).scores.all()} == {3}
    review_save(application=application, actor=panel, scores={c.pk: 5 for c in criteria}, reason="Misread the budget.")
    entry = AuditEntry.objects.get(action="funding.score_change_after_decision")
    assert entry.data["reason"] == "Misread the budget."


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(st.tuples(st.lists(st.integers(0, 5), min_size=2, max_size=2), st.booleans()), min_size=1, max_size=6))
def test_no_score_changes_after_a_decision_without_an_audit_entry(reviewing, changes) -> None:  # type: ignore[no-untyped-def]
    """Invariant: every change to a decided application's scores has its own audit entry."""
    from django.db import transaction

    application, users, criteria = reviewing["application"], reviewing["users"], reviewing["criteria"]
    panel = users["panel"]
    with transaction.atomic():
        conflict_declare(application=application, actor=panel, has_conflict=False)
        review_save(application=application, actor=panel, scores={c.pk: 2 for c in criteria})
        decision_make(application=application, outcome="decline", public_reason="No.", actor=users["lead"])
        before = AuditEntry.objects.filter(action="funding.score_change_after_decision").count()
        changed = 0
        current = [2, 2]
        for values, with_reason in changes:
            try:
                review_save(application=application, actor=panel, scores={c.pk: v for c, v in zip(criteria, values, strict=True)},
                            reason="Reason." if with_reason else "")
            except ValidationProblem:
                assert not with_reason and values != current
                continue
            if values != current:
                changed += 1
            current = values
        stored = [s.value for s in Review.objects.get(reviewer=panel).scores.order_by("criterion__position")]
        assert stored == current
        assert AuditEntry.objects.filter(action="funding.score_change_after_decision").count() - before == changed
        transaction.set_rollback(True)
