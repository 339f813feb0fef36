"""The notification outbox: rows written with the change, delivered after commit.

The submitter of a need or idea hears of each change at once; followers get one daily
digest that groups everything that changed for them, instead of a message per change.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from seedbed.participation.delivery import DeliveryError, email_send, site_url
from seedbed.participation.models import Contribution, Follow, Notification

DIGEST_SUBJECT = "Updates on {count} needs and ideas you follow"
DIGEST_INTRO = "Here is what changed on the needs and ideas you follow:"


def notify_change(*, contribution: Contribution, subject: str, body: str, actor: Any = None) -> int:
    """Queue a message about ``contribution`` for its submitter and followers.

    Call inside the change's transaction. The submitter's message is ``immediate`` (to their
    account, or to the address a resident without an account confirmed); followers' messages
    wait for the digest. Returns the number of messages queued.
    """
    now = timezone.now()
    base = site_url()
    if base:
        # People (above all those without an account) can go straight to the page.
        body = f"{body}\nSee it: {base}{reverse('participation:detail', args=[contribution.pk])}"
    rows: list[Notification] = []
    submitter_id = contribution.submitter_id
    if submitter_id is not None and contribution.submitter.is_active:  # type: ignore[union-attr]
        rows.append(Notification(user_id=submitter_id, contribution=contribution, subject=subject,
                                 body=body, immediate=True, created_at=now))
    elif submitter_id is None and contribution.submitter_email and not contribution.held:
        rows.append(Notification(email=contribution.submitter_email, contribution=contribution,
                                 subject=subject, body=body, immediate=True, created_at=now))
    followers = (
        Follow.objects.filter(contribution=contribution, user__is_active=True)  # type: ignore[misc]
        .exclude(user_id=submitter_id).values_list("user_id", flat=True)
    )
    rows += [Notification(user_id=uid, contribution=contribution, subject=subject, body=body,
                          immediate=False, created_at=now) for uid in followers]
    Notification.objects.bulk_create(rows)
    if any(row.immediate for row in rows):
        transaction.on_commit(notifications_deliver_task.enqueue)
    return len(rows)


def _claim(ids: list[int]) -> list[int]:
    """Mark these rows as being sent; only rows nobody else claimed come back."""
    now = timezone.now()
    claimed = []
    for pk in ids:
        if Notification.objects.filter(pk=pk, sent_at__isnull=True).update(sent_at=now):
            claimed.append(pk)
    return claimed


def _deliver(rows: list[Notification], *, subject: str, body: str) -> None:
    address = rows[0].address
    try:
        channel = email_send(to=address, subject=subject, body=body) if address else "none"
    except DeliveryError as exc:
        # Release the rows for the next run and record why.
        Notification.objects.filter(pk__in=[r.pk for r in rows]).update(
            sent_at=None, failure=str(exc)[:300]
        )
        return
    Notification.objects.filter(pk__in=[r.pk for r in rows]).update(channel=channel, failure="")


def notifications_deliver() -> int:
    """Send every committed, unsent immediate message; returns how many were sent."""
    ids = list(
        Notification.objects.filter(immediate=True, sent_at__isnull=True).values_list("pk", flat=True)
    )
    sent = 0
    for row in Notification.objects.filter(pk__in=_claim(ids)).select_related("user"):
        _deliver([row], subject=row.subject, body=row.body)
        sent += 1
    return sent


@task()
def notifications_deliver_task() -> int:
    """``notifications_deliver`` in the background (queued after the change commits)."""
    return notifications_deliver()


def notification_digest_send(*, now: dt.datetime | None = None) -> int:
    """Send each follower one digest of their waiting messages; returns digests sent.

    Run daily (``manage.py voices_digest``). Messages created after ``now`` wait for the
    next run.
    """
    cutoff = now or timezone.now()
    waiting = list(
        Notification.objects.filter(immediate=False, sent_at__isnull=True, created_at__lte=cutoff)
        .values_list("pk", "user_id")
    )
    by_user: dict[int, list[int]] = defaultdict(list)
    for pk, user_id in waiting:
        by_user[user_id].append(pk)
    digests = 0
    for ids in by_user.values():
        rows = list(
            Notification.objects.filter(pk__in=_claim(ids)).select_related("user", "contribution")
            .order_by("created_at", "id")
        )
        if not rows:
            continue
        items = "\n".join(f"- {row.body}" for row in rows)
        topics = {row.contribution_id for row in rows}
        _deliver(rows, subject=DIGEST_SUBJECT.format(count=len(topics)),
                 body=f"{DIGEST_INTRO}\n\n{items}\n")
        digests += 1
    return digests
