"""The notification outbox: messages written with the change, delivered after commit.

Every app queues its messages with ``notification_queue`` inside the change's transaction.
After commit the delivery task (``notifications_deliver_task``, run by the task
queue) sends every unsent immediate message through GOV.UK Notify or Django's email
backend (``seedbed.core.delivery``). A message that cannot be sent is never dropped
silently: each attempt is counted, the last failure is kept on the row (shown to the
recipient where the app lists its messages, and in the admin), and it is tried again by the
next delivery run (a deferred retry when the task backend supports one, each later commit, and
``manage.py notifications_deliver`` on a schedule) until ``MAX_DELIVERY_ATTEMPTS``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from seedbed.core.audit import audit_append
from seedbed.core.delivery import DeliveryError, email_send
from seedbed.core.models import MAX_DELIVERY_ATTEMPTS, Notification
from seedbed.core.redact import redact_secrets

FAILURE_NO_ADDRESS = "The recipient has no email address on their account"
ERROR_NO_RECIPIENT = "A notification needs a user or an email address"
# After a failed delivery, try again this much later (when the task backend can defer).
RETRY_AFTER = dt.timedelta(minutes=5)


def notification_build(
    *, app: str, subject: str, body: str, user: Any = None, email: str = "",
    about: models.Model | None = None, immediate: bool = True,
) -> Notification:
    """An unsaved outbox row (for ``notifications_queue``); see ``notification_queue``."""
    if user is None and not email:
        raise ValueError(ERROR_NO_RECIPIENT)
    note = Notification(
        app=app, user=user, email=email, subject=subject[:200], body=body, immediate=immediate,
        created_at=timezone.now(),
    )
    if about is not None:
        note.about = about
    return note


def notifications_queue(*, notifications: Iterable[Notification]) -> list[Notification]:
    """Store these rows (call inside the change's transaction); if any is immediate, deliver
    after commit. Returns the stored rows."""
    rows = Notification.objects.bulk_create(list(notifications))
    if any(row.immediate for row in rows):
        transaction.on_commit(notifications_deliver_later)
    return rows


def notification_queue(
    *, app: str, subject: str, body: str, user: Any = None, email: str = "",
    about: models.Model | None = None, immediate: bool = True,
) -> Notification:
    """Queue one message to ``user`` (their account's address) or to ``email`` (a resident
    without an account), about ``about``, from ``app``. Call inside the change's transaction.

    An ``immediate`` message is sent after commit; otherwise it waits for the app's digest.
    """
    note = notification_build(app=app, subject=subject, body=body, user=user, email=email,
                              about=about, immediate=immediate)
    return notifications_queue(notifications=[note])[0]


def notifications_deliver_later() -> None:
    """Hand delivery to the task queue (run after commit)."""
    notifications_deliver_task.enqueue()


def notifications_claim(ids: Iterable[int]) -> list[int]:
    """Mark these rows as being sent and count the attempt; only rows nobody else claimed
    (and still unsent) come back, so two runs never send a row twice."""
    now = timezone.now()
    claimed = []
    for pk in ids:
        if Notification.objects.filter(pk=pk, sent_at__isnull=True).update(
            sent_at=now, attempts=F("attempts") + 1
        ):
            claimed.append(pk)
    return claimed


def notifications_send(rows: list[Notification], *, subject: str, body: str) -> bool:
    """Send one email to the (single) recipient of these claimed rows; True if it went.

    On failure the rows are released for the next run with the reason kept on each."""
    ids = [row.pk for row in rows]
    address = rows[0].address
    if not address:
        failure = FAILURE_NO_ADDRESS
    else:
        try:
            channel = email_send(to=address, subject=subject, body=body)
        except DeliveryError as exc:
            failure = str(exc)
        except Exception as exc:
            failure = f"The email could not be sent: {str(exc) or type(exc).__name__}"
        else:
            Notification.objects.filter(pk__in=ids).update(channel=channel, failure="")
            for row in rows:  # a sent link's secret is not kept: the email is its only copy
                kept = redact_secrets(row.body)
                if kept != row.body:
                    Notification.objects.filter(pk=row.pk).update(body=kept)
            return True
    Notification.objects.filter(pk__in=ids).update(sent_at=None, failure=failure[:300])
    return False


def notifications_deliver(*, ids: Iterable[int] | None = None) -> int:
    """Send every committed, unsent immediate message (or those in ``ids``) that still has
    attempts left; returns how many were sent."""
    rows = Notification.objects.filter(
        immediate=True, sent_at__isnull=True, attempts__lt=MAX_DELIVERY_ATTEMPTS
    )
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    claimed = notifications_claim(rows.order_by("created_at", "id").values_list("pk", flat=True))
    sent = 0
    for row in Notification.objects.filter(pk__in=claimed).select_related("user").order_by("created_at", "id"):
        sent += notifications_send([row], subject=row.subject, body=row.body)
    return sent


def notifications_waiting() -> int:
    """How many immediate messages are unsent after at least one failed attempt."""
    return Notification.objects.filter(immediate=True, sent_at__isnull=True).exclude(failure="").count()


def notifications_retry_due() -> bool:
    """Whether any immediate message failed and still has attempts left."""
    return (
        Notification.objects.filter(immediate=True, sent_at__isnull=True, attempts__lt=MAX_DELIVERY_ATTEMPTS)
        .exclude(failure="").exists()
    )


def notifications_resend(*, actor: Any, ids: Iterable[int]) -> int:
    """Try these unsent messages again now, with their attempts reset (a digest message is
    sent alone); audited; returns how many were sent."""
    with transaction.atomic():
        chosen = list(Notification.objects.filter(pk__in=list(ids), sent_at__isnull=True)
                      .values_list("pk", flat=True))
        Notification.objects.filter(pk__in=chosen).update(attempts=0, immediate=True)
        audit_append(action="core.notifications_resend", actor=actor, object_type="core.notification",
                     data={"ids": chosen})
    return notifications_deliver(ids=chosen)


@task()
def notifications_deliver_task() -> int:
    """Deliver the outbox; if messages are still failing, run again after ``RETRY_AFTER``.

    A backend that cannot defer (the immediate one used in tests and the demo) leaves the
    retry to the next commit's delivery and to ``manage.py notifications_deliver``."""
    sent = notifications_deliver()
    if notifications_retry_due() and notifications_deliver_task.get_backend().supports_defer:
        notifications_deliver_task.using(run_after=timezone.now() + RETRY_AFTER).enqueue()
    return sent
