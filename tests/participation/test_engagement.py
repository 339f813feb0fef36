"""Supports, follows, threaded comments, reports, moderation and rate limits."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse

from seedbed.core.models import AuditEntry
from seedbed.participation.models import Comment, Contribution, Report
from seedbed.participation.services import engagement
from seedbed.participation.views import rate_limits as limits

pytestmark = pytest.mark.django_db
NEED = "Children crossing a busy road to get to school"


def test_support_and_follow_count_once_and_can_be_undone(client_as) -> None:  # type: ignore[no-untyped-def]
    need = Contribution.objects.get(title=NEED)
    client = client_as("analyst")
    for _ in range(2):  # a double-click counts once
        client.post(reverse("participation:support", args=[need.pk]))
        client.post(reverse("participation:follow", args=[need.pk]))
    assert need.supports.filter(user__username="analyst").count() == 1
    assert need.follows.filter(user__username="analyst").count() == 1
    page = client.get(reverse("participation:detail", args=[need.pk])).content.decode()
    assert "Remove your support" in page and "Stop following" in page
    client.post(reverse("participation:support", args=[need.pk]), {"action": "remove"})
    client.post(reverse("participation:follow", args=[need.pk]), {"action": "remove"})
    assert not need.supports.filter(user__username="analyst").exists()
    assert not need.follows.filter(user__username="analyst").exists()
    anonymous = client_as("anonymous").post(reverse("participation:support", args=[need.pk]))
    assert anonymous.status_code == 302 and "/sign-in/" in anonymous["Location"]


def test_comments_thread_three_deep_and_no_deeper(client_as) -> None:  # type: ignore[no-untyped-def]
    need = Contribution.objects.get(title=NEED)
    client = client_as("resident")
    url = reverse("participation:comment", args=[need.pk])
    assert client.post(url, {"text": "Top level"}).status_code == 302
    parent = Comment.objects.get(body="Top level")
    for depth in (2, 3):
        client.post(url, {"text": f"Depth {depth}", "parent": parent.pk})
        parent = Comment.objects.get(body=f"Depth {depth}")
        assert parent.depth == depth
    too_deep = client.post(url, {"text": "Depth 4", "parent": parent.pk})
    assert too_deep.status_code == 200
    assert "3 levels deep" in too_deep.content.decode()
    assert not Comment.objects.filter(body="Depth 4").exists()
    empty = client.post(url, {"text": "  "})
    assert "Enter a comment" in empty.content.decode()
    long = client.post(url, {"text": "x" * 2001})
    assert "2000 characters or fewer" in long.content.decode()
    script = client.post(url, {"text": "<script>alert(1)</script>"})
    assert script.status_code == 302
    page = client.get(reverse("participation:detail", args=[need.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.index("Top level") < page.index("Depth 2") < page.index("Depth 3")


def test_report_then_hide_with_a_reason_from_the_queue(client_as) -> None:  # type: ignore[no-untyped-def]
    need = Contribution.objects.get(title=NEED)
    resident = client_as("resident")
    resident.post(reverse("participation:comment", args=[need.pk]), {"text": "Rude words here"})
    comment = Comment.objects.get(body="Rude words here")
    assert "Tell us what is wrong" in resident.post(
        reverse("participation:report", args=[need.pk]), {"report_reason": ""}).content.decode()
    client_as("frontline").post(reverse("participation:report", args=[need.pk]),
                                {"report_reason": "Abusive", "report_comment": comment.pk})
    client_as("provider").post(reverse("participation:report", args=[need.pk]), {"report_reason": "Not a real need"})
    lead = client_as("lead")
    queue = lead.get(reverse("participation:moderation")).content.decode()
    assert "Abusive" in queue and "Not a real need" in queue
    assert client_as("resident").get(reverse("participation:moderation")).status_code == 403
    no_reason = lead.post(reverse("participation:hide", args=[need.pk]), {"hide_comment": comment.pk, "hide_reason": ""})
    assert "Give the reason for hiding it" in no_reason.content.decode()
    lead.post(reverse("participation:hide", args=[need.pk]),
              {"hide_comment": comment.pk, "hide_reason": "Abusive language", "next": "moderation"})
    comment.refresh_from_db()
    assert comment.hidden and comment.hidden_reason == "Abusive language"
    page = client_as("anonymous").get(reverse("participation:detail", args=[need.pk])).content.decode()
    assert "Rude words here" not in page and "hidden by a moderator: Abusive language" in page
    other = Report.objects.get(reason="Not a real need")
    lead.post(reverse("participation:report_dismiss", args=[other.pk]))
    other.refresh_from_db()
    assert other.outcome == Report.Outcome.DISMISSED
    # Hiding the need itself: gone for the public, still there for its submitter.
    lead.post(reverse("participation:hide", args=[need.pk]), {"hide_reason": "Duplicate spam"})
    assert client_as("anonymous").get(reverse("participation:detail", args=[need.pk])).status_code == 302
    assert client_as("panel").get(reverse("participation:detail", args=[need.pk])).status_code == 403
    assert client_as(need.submitter.username).get(reverse("participation:detail", args=[need.pk])).status_code == 200
    assert NEED not in client_as("anonymous").get(reverse("participation:index")).content.decode()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"participation.hide", "participation.comment_hide", "participation.report_dismiss"} <= actions


def test_a_flood_from_one_address_gets_429_with_a_clear_page(client_as, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(limits.RATE_LIMITS, "submit:address", (3, 600))
    client = client_as("resident")
    statuses = []
    for i in range(5):
        statuses.append(client.post(reverse("participation:need_new"), {
            "title": f"Flood {i}", "body": "Same again", "idempotency_key": str(uuid.uuid4()),
            "action": "submit"}).status_code)
    assert statuses == [302, 302, 302, 429, 429]
    page = client.post(reverse("participation:need_new"), {"title": "x"})
    assert page.status_code == 429 and "Too many requests" in page.content.decode()
    assert "try again in 10 minutes" in page.content.decode()
    assert page["Retry-After"] == "600"
    assert Contribution.objects.filter(title__startswith="Flood").count() == 3
    # Reading is never limited.
    assert client.get(reverse("participation:need_new")).status_code == 200
    # Another address is not affected.
    other = client_as("frontline")
    ok = other.post(reverse("participation:need_new"), {"title": "Elsewhere", "body": "b",
                    "idempotency_key": str(uuid.uuid4()), "action": "submit"}, REMOTE_ADDR="10.0.0.9")
    assert ok.status_code == 302


def test_services_refuse_closed_accounts(demo_world) -> None:  # type: ignore[no-untyped-def]
    user = demo_world["users"]["panel"]
    user.is_active = False
    need = Contribution.objects.get(title=NEED)
    from seedbed.core.errors import ValidationProblem

    with pytest.raises(ValidationProblem, match=re.escape(engagement.ERROR_INACTIVE)):
        engagement.support_add(contribution=need, actor=user)
