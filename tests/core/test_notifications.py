"""The one notification outbox (``seedbed.core.notifications``): stored with the change,
sent once after commit, failures kept and retried (through the task queue when it can
defer), given up after ``MAX_DELIVERY_ATTEMPTS``, visible and resendable in the admin."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from seedbed.core.models import MAX_DELIVERY_ATTEMPTS, AuditEntry, Notification
from seedbed.core.notifications import (
    ERROR_NO_RECIPIENT,
    FAILURE_NO_ADDRESS,
    notification_queue,
    notifications_deliver,
)
from seedbed.core.tasks import RETRY_AFTER, notifications_deliver_task

pytestmark = pytest.mark.django_db

FAILING = "tests.trials.failing_mail.Backend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def test_a_message_needs_a_recipient() -> None:
    with pytest.raises(ValueError, match=ERROR_NO_RECIPIENT):
        notification_queue(app="tests", subject="S", body="B")


def test_queued_after_commit_sent_once(django_capture_on_commit_callbacks, settings) -> None:
    settings.EMAIL_BACKEND = LOCMEM
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        note = notification_queue(app="tests", email="a@example.org", subject="Hello", body="Body")
    assert len(mail.outbox) == 0 and len(callbacks) == 1  # nothing goes before the commit
    callbacks[0]()
    note.refresh_from_db()
    assert [m.to for m in mail.outbox] == [["a@example.org"]] and mail.outbox[0].subject == "Hello"
    assert note.sent_at is not None and note.channel == "email" and note.attempts == 1
    assert notifications_deliver() == 0 and len(mail.outbox) == 1  # never sent twice


def test_a_failure_is_kept_retried_and_given_up_after_the_limit(demo_world, settings) -> None:
    settings.EMAIL_BACKEND = FAILING
    Notification.objects.all().delete()  # only this test's messages
    lead = demo_world["users"]["lead"]
    note = Notification.objects.create(app="tests", user=lead, subject="S", body="B",
                                       created_at=note_time())
    no_address = Notification.objects.create(app="tests", user=demo_world["users"]["resident"],
                                             subject="S", body="B", created_at=note_time())
    type(no_address.user).objects.filter(pk=no_address.user_id).update(email="")
    assert notifications_deliver() == 0
    note.refresh_from_db()
    no_address.refresh_from_db()
    assert note.sent_at is None and note.attempts == 1 and "mail server down" in note.failure
    assert no_address.failure == FAILURE_NO_ADDRESS and no_address.sent_at is None
    for _ in range(MAX_DELIVERY_ATTEMPTS + 3):
        notifications_deliver()
    note.refresh_from_db()
    assert note.attempts == MAX_DELIVERY_ATTEMPTS and not note.retrying  # stopped at the limit
    settings.EMAIL_BACKEND = LOCMEM
    assert notifications_deliver() == 0  # given up: only a resend tries again


def test_a_failed_delivery_is_retried_later_through_the_task_queue(demo_world, settings) -> None:
    settings.EMAIL_BACKEND = FAILING
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    Notification.objects.all().delete()  # only this test's message
    Notification.objects.create(app="tests", user=demo_world["users"]["lead"], subject="S", body="B",
                                created_at=note_time())
    assert notifications_deliver_task.call() == 0
    deferred = notifications_deliver_task.get_backend().results  # type: ignore[attr-defined]
    assert len(deferred) == 1 and deferred[0].task.run_after is not None
    assert deferred[0].task.run_after - deferred[0].enqueued_at >= RETRY_AFTER - RETRY_AFTER / 10
    settings.EMAIL_BACKEND = LOCMEM
    assert notifications_deliver_task.call() == 1
    assert len(notifications_deliver_task.get_backend().results) == 1  # nothing failing: no retry


def test_the_admin_shows_failures_and_resends_them_audited(demo_world, settings) -> None:
    settings.EMAIL_BACKEND = FAILING
    note = Notification.objects.create(app="trials", user=demo_world["users"]["lead"],
                                       subject="Stopping boundary crossed", body="B", created_at=note_time())
    Notification.objects.filter(pk=note.pk).update(attempts=MAX_DELIVERY_ATTEMPTS, failure="The email could not be sent: down")
    admin = demo_world["users"]["analyst"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = Client()
    client.force_login(admin)
    listing = client.get(reverse("admin:core_notification_changelist")).content.decode()
    assert "Stopping boundary crossed" in listing and "The email could not be sent: down" in listing
    # A person who is not staff cannot see the outbox.
    other = Client()
    other.force_login(demo_world["users"]["lead"])
    assert other.get(reverse("admin:core_notification_changelist")).status_code == 302
    settings.EMAIL_BACKEND = LOCMEM
    client.post(reverse("admin:core_notification_changelist"),
                {"action": "resend", "_selected_action": [note.pk]})
    note.refresh_from_db()
    assert note.sent_at is not None and note.attempts == 1 and len(mail.outbox) == 1
    assert AuditEntry.objects.get(action="core.notifications_resend").data == {"ids": [note.pk]}


def note_time():  # type: ignore[no-untyped-def]
    from django.utils import timezone

    return timezone.now()


SECRET_LINK = "https://voices.example.gov.uk/voices/email/access/SECRET-TOKEN-123/"


def test_a_sent_link_is_not_kept_in_the_outbox(django_capture_on_commit_callbacks, settings) -> None:
    settings.EMAIL_BACKEND = LOCMEM
    with django_capture_on_commit_callbacks(execute=True):
        note = notification_queue(app="voices", email="a@example.org", subject="Your link",
                                  body=f"Open it: {SECRET_LINK}")
    assert "SECRET-TOKEN-123" in mail.outbox[0].body  # the email itself carries the link
    note.refresh_from_db()
    assert note.sent_at is not None and "SECRET-TOKEN-123" not in note.body
    assert "/voices/email/access/[redacted]/" in note.body


def test_the_admin_never_shows_a_link_secret_or_a_trial_message_body(demo_world, settings) -> None:
    settings.EMAIL_BACKEND = FAILING  # unsent: the rows still hold their bodies
    link = Notification.objects.create(app="voices", email="a@example.org", subject="Your link",
                                       body=f"Open it: {SECRET_LINK}", created_at=note_time())
    look = Notification.objects.create(app="trials", user=demo_world["users"]["safety"],
                                       subject="Enrolment paused", created_at=note_time(),
                                       body="Harm outcome crossed its boundary (Z = -3.04 at or below -1.90)")
    admin = demo_world["users"]["admin"]
    client = Client()
    client.force_login(admin)
    for note in (link, look):
        page = client.get(reverse("admin:core_notification_change", args=[note.pk]))
        assert page.status_code == 200
        text = page.content.decode()
        assert "SECRET-TOKEN-123" not in text and "-3.04" not in text
    assert "[redacted]" in client.get(reverse("admin:core_notification_change", args=[link.pk])).content.decode()
