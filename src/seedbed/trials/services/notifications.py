"""The trials outbox: a message row written with the change, emailed after commit.

A message that cannot be emailed is never dropped silently: each attempt is counted, the
last failure is kept on the row (shown to the recipient in their safety workspace), and
``trial_notifications_deliver`` (run after each commit, and by ``manage.py
trials_notifications`` on a schedule) retries every unsent message until it goes.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from seedbed.accounts.models import User
from seedbed.trials.models import Notification, Trial

FAILURE_NO_ADDRESS = "The recipient has no email address on their account"
FAILURE_SEND = "The email could not be sent: {error}"
MAX_ATTEMPTS = 20


def site_link(path: str) -> str:
    """``path`` as a full address when ``SEEDBED_SITE_URL`` is set (for links in emails)."""
    base = str(getattr(settings, "SEEDBED_SITE_URL", "") or os.environ.get("SEEDBED_SITE_URL", ""))
    return base.strip().rstrip("/") + path


def trial_notify(*, recipient: User, trial: Trial, subject: str, body: str) -> Notification:
    """Queue a message for ``recipient`` (call inside the change's transaction).

    After commit every unsent message is tried (this one, and any earlier failure)."""
    note = Notification.objects.create(
        recipient=recipient, trial=trial, subject=subject[:200], body=body,
        created_at=timezone.now(),
    )
    transaction.on_commit(trial_notifications_deliver)
    return note


def trial_notifications_deliver(*, ids: list[int] | None = None) -> int:
    """Email every unsent message (or those in ``ids``); returns how many were sent.

    A row is claimed before sending (``emailed_at`` set only if still empty), so two runs
    never send it twice; a failure releases it with the reason and the attempt counted.
    """
    rows = Notification.objects.filter(emailed_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    sent = 0
    for note in rows.select_related("recipient"):
        now = timezone.now()
        if not Notification.objects.filter(pk=note.pk, emailed_at__isnull=True).update(
            emailed_at=now, attempts=F("attempts") + 1
        ):
            continue
        address = note.recipient.email
        failure = ""
        if not address:
            failure = FAILURE_NO_ADDRESS
        else:
            try:
                send_mail(note.subject, note.body, settings.DEFAULT_FROM_EMAIL, [address],
                          fail_silently=False)
            except Exception as exc:  # noqa: BLE001 - any backend error is recorded and retried
                failure = FAILURE_SEND.format(error=str(exc) or type(exc).__name__)[:300]
        if failure:
            Notification.objects.filter(pk=note.pk).update(emailed_at=None, failure=failure)
        else:
            Notification.objects.filter(pk=note.pk).update(failure="")
            sent += 1
    return sent
