"""Closing the loop: status changes, history, notifications and digests, merging."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from seedbed.core import delivery
from seedbed.core.models import AuditEntry, Notification
from seedbed.participation.models import Contribution, Status
from seedbed.participation.services import handling, notification_digest_send, notifications_deliver

pytestmark = pytest.mark.django_db


def _get(title: str) -> Contribution:
    return Contribution.objects.get(title=title)


def test_staff_take_a_need_forward_and_everyone_hears(client_as, demo_world) -> None:  # type: ignore[no-untyped-def]
    need = _get("Home care visits are rushed and late")  # the resident's; frontline etc. support it
    client_as("panel").post(reverse("participation:follow", args=[need.pk]))
    url = reverse("participation:status_set", args=[need.pk])
    # Only handlers may change a status.
    assert client_as("resident").post(url, {"status": "taken_forward"}).status_code == 403
    lead = client_as("lead")
    missing = lead.post(url, {"status": "taken_forward", "outcome_label": ""})
    assert handling.ERROR_OUTCOME_NEEDED in missing.content.decode()
    offsite = lead.post(url, {"status": "taken_forward", "outcome_label": "X", "outcome_url": "https://evil.example/"})
    assert handling.ERROR_OUTCOME_URL in offsite.content.decode()
    no_reason = lead.post(url, {"status": "not_taken_forward"})
    assert handling.ERROR_REASON_NEEDED in no_reason.content.decode()
    assert _get("Home care visits are rushed and late").status == Status.UNDER_CONSIDERATION
    mail.outbox.clear()
    with pytest.MonkeyPatch.context():
        response = lead.post(url, {"status": "taken_forward", "outcome_label": "Home care trial",
                                   "outcome_url": "/trials/"})
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == Status.TAKEN_FORWARD and need.outcome_label == "Home care trial"
    assert [h.to_status for h in need.history.all()][-2:] == [Status.UNDER_CONSIDERATION, Status.TAKEN_FORWARD]
    assert AuditEntry.objects.filter(action="participation.status_set", object_id=str(need.pk)).exists()
    page = client_as("anonymous").get(reverse("participation:detail", args=[need.pk])).content.decode()
    assert 'href="/trials/">Home care trial</a>' in page
    # The submitter's message is immediate; the follower's waits for the digest.
    submitter_note = Notification.objects.get(user__username="resident", contribution=need, immediate=True,
                                              subject__contains="taken forward")
    follower_note = Notification.objects.get(user__username="panel", contribution=need, immediate=False,
                                             subject__contains="taken forward")
    assert follower_note.sent_at is None
    notifications_deliver()  # the task that on_commit runs in production
    submitter_note.refresh_from_db()
    assert submitter_note.sent_at is not None and submitter_note.channel == "email"
    assert any("Home care trial" in m.body and m.to == ["resident@example.org"] for m in mail.outbox)
    assert "taken forward" in client_as("resident").get(reverse("participation:notifications")).content.decode()


def test_followers_get_one_digest_not_a_flood(demo_world) -> None:  # type: ignore[no-untyped-def]
    users = demo_world["users"]
    from seedbed.participation.services import follow_add

    titles = ["No break for unpaid carers", "Bring back the youth club", "Early help waiting lists are too long"]
    for title in titles:
        follow_add(contribution=_get(title), actor=users["analyst"])
    handling.contribution_status_set(contribution=_get(titles[0]), status=Status.TAKEN_FORWARD,
                                     actor=users["lead"], outcome_label="Carers' breaks challenge")
    handling.contribution_status_set(contribution=_get(titles[1]), status=Status.UNDER_CONSIDERATION,
                                     actor=users["lead"])
    handling.contribution_status_set(contribution=_get(titles[2]), status=Status.UNDER_CONSIDERATION,
                                     actor=users["lead"])
    handling.contribution_status_set(contribution=_get(titles[2]), status=Status.NOT_TAKEN_FORWARD,
                                     actor=users["lead"], reason="Already part of the family hubs plan.")
    mail.outbox.clear()
    assert notification_digest_send(actor=None, now=timezone.now() - dt.timedelta(hours=1)) == 0  # nothing that old
    digests = notification_digest_send(actor=None)
    to_analyst = [m for m in mail.outbox if m.to == ["analyst@example.org"]]
    assert len(to_analyst) == 1, "one digest, not one email per change"
    body = to_analyst[0].body
    assert "Carers' breaks challenge" in body and "family hubs plan" in body
    assert "Updates on 3 needs" in to_analyst[0].subject
    assert digests >= 1
    assert not Notification.objects.filter(user=users["analyst"], sent_at__isnull=True).exists()
    assert notification_digest_send(actor=None) == 0  # nothing sent twice
    call_command("voices_digest")


def test_merging_carries_supports_and_followers_over(client_as, demo_world) -> None:  # type: ignore[no-untyped-def]
    users = demo_world["users"]
    duplicate = _get("Mum's carers are rushed and arrive late")
    target = _get("Home care visits are rushed and late")
    from seedbed.participation.services import follow_add, support_add

    support_add(contribution=duplicate, actor=users["analyst"])
    support_add(contribution=duplicate, actor=users["frontline"])  # already supports the target
    follow_add(contribution=duplicate, actor=users["analyst"])
    before = target.supports.count()
    url = reverse("participation:merge", args=[duplicate.pk])
    assert client_as("frontline").post(url, {"into": target.pk}).status_code == 403
    assert handling.ERROR_MERGE_SELF in client_as("lead").post(url, {"into": duplicate.pk}).content.decode()
    idea = Contribution.objects.filter(kind="idea").first()
    assert handling.ERROR_MERGE_KIND in client_as("lead").post(url, {"into": idea.pk}).content.decode()
    response = client_as("lead").post(url, {"into": target.pk})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == Status.MERGED and duplicate.merged_into == target
    assert target.supports.count() == before + 1  # the analyst; the frontline worker counted once
    assert target.follows.filter(user=users["analyst"]).exists()
    assert target.follows.filter(user=duplicate.submitter).exists()
    entry = AuditEntry.objects.get(action="participation.merge", object_id=str(duplicate.pk))
    assert entry.data["supports_carried"] == 1
    page = client_as("resident").get(reverse("participation:detail", args=[duplicate.pk])).content.decode()
    assert "merged into it" in page
    support = client_as("resident").post(reverse("participation:support", args=[duplicate.pk]), follow=True)
    assert "support or follow that instead" in support.content.decode()


def test_notify_client_speaks_the_notify_api_without_the_network(settings) -> None:  # type: ignore[no-untyped-def]
    service_id, secret = "26785a09-ab16-4eb0-8407-a37497a57506", "3d844edf-8d35-48ac-975b-e847b4f122b0"
    seen = {}

    class Response:
        def __enter__(self):  # type: ignore[no-untyped-def]
            return self

        def __exit__(self, *exc):  # type: ignore[no-untyped-def]
            return False

        def read(self) -> bytes:
            return b'{"id": "740e5834-3a29-46b4-9a6f-16142fde533a"}'

    def opener(request, timeout):  # type: ignore[no-untyped-def]
        seen["url"], seen["headers"], seen["data"] = request.full_url, dict(request.header_items()), request.data
        return Response()

    client = delivery.NotifyClient(f"seedbed_test-{service_id}-{secret}", opener=opener)
    result = client.send_email(email_address="a@example.org", template_id="t-1",
                               personalisation={"subject": "S", "body": "B"})
    assert result["id"].startswith("740e")
    assert seen["url"] == "https://api.notifications.service.gov.uk/v2/notifications/email"
    token = seen["headers"]["Authorization"].removeprefix("Bearer ")
    header, claims, signature = token.split(".")
    import base64
    import hashlib
    import hmac
    import json

    padded = claims + "=" * (-len(claims) % 4)
    assert json.loads(base64.urlsafe_b64decode(padded))["iss"] == service_id
    expected = hmac.new(secret.encode(), f"{header}.{claims}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64encode(expected).rstrip(b"=").decode() == signature
    assert json.loads(seen["data"])["personalisation"] == {"subject": "S", "body": "B"}
    with pytest.raises(delivery.DeliveryError, match=re.escape(delivery.ERROR_NOTIFY_KEY)):
        delivery.NotifyClient("not-a-key")
    # With a key configured, email_send goes through Notify (the network stubbed out).
    settings.SEEDBED_NOTIFY_API_KEY = f"seedbed_test-{service_id}-{secret}"
    settings.SEEDBED_NOTIFY_EMAIL_TEMPLATE_ID = "t-2"
    original = delivery._urlopen
    delivery._urlopen = opener  # type: ignore[assignment]
    try:
        assert delivery.email_send(to="b@example.org", subject="S", body="B") == "notify"
    finally:
        delivery._urlopen = original  # type: ignore[assignment]
    assert json.loads(seen["data"])["template_id"] == "t-2"


def test_a_message_that_could_not_be_emailed_says_so_on_the_notifications_page(  # type: ignore[no-untyped-def]
    client_as, demo_world, settings, django_capture_on_commit_callbacks
) -> None:
    settings.EMAIL_BACKEND = "tests.trials.failing_mail.Backend"
    need = _get("Home care visits are rushed and late")  # the resident's
    with django_capture_on_commit_callbacks(execute=True):
        handling.contribution_status_set(contribution=need, status=Status.TAKEN_FORWARD,
                                         actor=demo_world["users"]["lead"], outcome_label="Home care review")
    note = Notification.objects.get(contribution=need, user__username="resident", immediate=True,
                                    subject__contains="taken forward")
    assert note.sent_at is None and "mail server down" in note.failure
    page = client_as("resident").get(reverse("participation:notifications")).content.decode()
    assert "not emailed yet, we will try again" in page
    assert "mail server down" not in page  # the technical reason is for administrators
