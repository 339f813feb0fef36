"""Voices' messages through the core outbox: news for submitters now, followers daily.

The submitter of a need or idea hears of each change at once; followers get one daily
digest that groups everything that changed for them, instead of a message per change.
Storage, delivery, retries and failures are the core outbox's (``seedbed.core.notifications``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.urls import reverse
from django.utils import timezone

from seedbed.accounts.models import User
from seedbed.core.delivery import site_url
from seedbed.core.models import Notification
from seedbed.core.notifications import (
    notification_build,
    notifications_claim,
    notifications_deliver,
    notifications_queue,
    notifications_send,
)
from seedbed.participation.models import OUTBOX_APP, Contribution, Follow

APP = OUTBOX_APP
DIGEST_SUBJECT = "Updates on {count} needs and ideas you follow"
DIGEST_INTRO = "Here is what changed on the needs and ideas you follow:"

__all__ = ["APP", "notification_digest_send", "notifications_deliver", "notify_change"]


def notify_change(*, contribution: Contribution, subject: str, body: str, actor: User | None) -> int:
    """Queue a message about ``actor``'s change to ``contribution`` for its submitter and
    followers (``actor`` is None when the system made the change).

    Call inside the change's transaction. The submitter's message is ``immediate`` (to their
    account, or to the address a resident without an account confirmed); followers' messages
    wait for the digest. Returns the number of messages queued.
    """
    base = site_url()
    if base:
        # People (above all those without an account) can go straight to the page.
        body = f"{body}\nSee it: {base}{reverse('participation:detail', args=[contribution.pk])}"
    rows: list[Notification] = []
    submitter_id = contribution.submitter_id
    if submitter_id is not None and contribution.submitter.is_active:  # type: ignore[union-attr]
        rows.append(notification_build(app=APP, user=contribution.submitter, about=contribution,
                                       subject=subject, body=body, immediate=True))
    elif submitter_id is None and contribution.submitter_email and not contribution.held:
        rows.append(notification_build(app=APP, email=contribution.submitter_email, about=contribution,
                                       subject=subject, body=body, immediate=True))
    followers = (
        Follow.objects.filter(contribution=contribution, user__is_active=True)  # type: ignore[misc]
        .exclude(user_id=submitter_id).select_related("user")
    )
    rows += [notification_build(app=APP, user=follow.user, about=contribution, subject=subject,
                                body=body, immediate=False) for follow in followers]
    notifications_queue(notifications=rows)
    return len(rows)


def notification_digest_send(*, actor: User | None, now: dt.datetime | None = None) -> int:
    """Send each follower one digest of their waiting messages; returns digests sent.

    The system sends digests: ``actor`` is None from the daily job.

    Run daily (``manage.py voices_digest``). Messages created after ``now`` wait for the
    next run; a digest that could not be sent stays waiting, with the reason, for the next.
    """
    cutoff = now or timezone.now()
    waiting = list(
        Notification.objects.filter(app=APP, immediate=False, sent_at__isnull=True, created_at__lte=cutoff)
        .values_list("pk", "user_id")
    )
    by_user: dict[int, list[int]] = defaultdict(list)
    for pk, user_id in waiting:
        by_user[user_id].append(pk)
    digests = 0
    for ids in by_user.values():
        rows = list(
            Notification.objects.filter(pk__in=notifications_claim(ids)).select_related("user")
            .order_by("created_at", "id")
        )
        if not rows:
            continue
        items = "\n".join(f"- {row.body}" for row in rows)
        topics = {row.about_id for row in rows}
        notifications_send(rows, subject=DIGEST_SUBJECT.format(count=len(topics)),
                           body=f"{DIGEST_INTRO}\n\n{items}\n")
        digests += 1
    return digests
