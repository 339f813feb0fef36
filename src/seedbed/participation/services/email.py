"""Residents without an account: confirming by email, and seeing or deleting what they sent.

Someone who does not want an account gives an email address with their need or idea. It is
held (not public, not in themes or open data) until they follow the link Seedbed emails them;
status changes then reach that address. Links are signed tokens (``django.core.signing``,
salted per purpose) naming an ``EmailToken`` row and carrying a random secret whose SHA-256
is stored: a link works once, for ``TOKEN_MAX_AGE`` seconds, and a forged or altered link is
refused. Messages go through the Voices outbox like every other notification.
"""

from __future__ import annotations

import datetime as dt
import secrets
from functools import partial

from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from seedbed.accounts.models import User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.core.models import Notification
from seedbed.core.notifications import notification_queue
from seedbed.participation.models import Contribution, EmailToken, Kind
from seedbed.participation.rules import (
    ERROR_LINK_GONE,
    ERROR_LINK_USED,
    email_check,
    email_normalise,
    token_digest,
    token_salt,
)
from seedbed.participation.selectors import email_sent_anything, email_token_check
from seedbed.participation.services.notifications import APP
from seedbed.participation.services.themes import themes_refresh_soon

CONFIRM_SUBJECT = "Confirm your {kind} so that it can be published"
CONFIRM_BODY = (
    "Thank you for your {kind} '{title}' ({reference}).\n\n"
    "It will be published only when you confirm that this email address is yours. Follow this "
    "link within 24 hours to publish it:\n{confirm_url}\n\n"
    "To see everything you have sent from this address (and delete it if you want), follow "
    "this link:\n{access_url}\n\n"
    "We will email this address when its status changes. If you did not send this, ignore "
    "this email: nothing will be published."
)
ACCESS_SUBJECT = "See what you have sent to Voices"
ACCESS_BODY = (
    "Someone asked to see the needs and ideas sent from this email address. Follow this link "
    "within 24 hours to see them, download them or delete them:\n{access_url}\n\n"
    "If you did not ask for this, ignore this email."
)


def _issue(*, purpose: str, email: str, contribution: Contribution | None) -> str:
    """Create a link token (inside the caller's transaction); returns the signed string."""
    secret = secrets.token_urlsafe(24)
    row = EmailToken.objects.create(
        purpose=purpose, email=email, contribution=contribution, secret_hash=token_digest(secret),
        created_at=timezone.now(),
    )
    return signing.dumps({"t": row.pk, "s": secret}, salt=token_salt(purpose))


def _link(site_url: str, name: str, token: str) -> str:
    return site_url.rstrip("/") + reverse(name, kwargs={"token": token})


def _use(*, token: str, purpose: str) -> EmailToken:
    """Check the link and mark it used, once, even when two requests race."""
    row = email_token_check(token=token, purpose=purpose)
    if not EmailToken.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=timezone.now()):
        raise ValidationProblem({"token": ERROR_LINK_USED})
    row.refresh_from_db()
    return row


def _queue(*, email: str, contribution: Contribution | None, subject: str, body: str) -> None:
    notification_queue(app=APP, email=email, about=contribution, subject=subject, body=body)


def email_confirmation_send(*, contribution: Contribution, site_url: str, actor: User | None) -> None:
    """Queue the confirmation email for a held contribution (inside the caller's transaction).

    ``actor`` is None: the sender has no account (a signed-in person's need or idea is not held).

    The email holds two links: one to publish it, one to see what this address has sent.
    """
    email = contribution.submitter_email
    confirm = _issue(purpose=EmailToken.Purpose.CONFIRM, email=email, contribution=contribution)
    access = _issue(purpose=EmailToken.Purpose.ACCESS, email=email, contribution=None)
    kind = Kind(contribution.kind).label.lower()
    _queue(
        email=email, contribution=contribution, subject=CONFIRM_SUBJECT.format(kind=kind),
        body=CONFIRM_BODY.format(
            kind=kind, title=contribution.title, reference=contribution.reference,
            confirm_url=_link(site_url, "participation:email_confirm", confirm),
            access_url=_link(site_url, "participation:email_access", access),
        ),
    )


def email_confirm(*, token: str, actor: User | None) -> Contribution:
    """Follow a confirmation link: publish the held need or idea it names.

    ``actor`` is None: the emailed link, not an account, proves the address (so the audit
    entry names nobody, even when someone happens to be signed in).

    Single use; audited (without the address). A new need queues a themes refresh.
    Raises ``ValidationProblem`` for a forged, expired or used link.
    """
    with transaction.atomic():
        row = _use(token=token, purpose=EmailToken.Purpose.CONFIRM)
        contribution = (
            Contribution.objects.select_for_update().filter(pk=row.contribution_id).first()
            if row.contribution_id is not None else None
        )
        if contribution is None:
            raise ValidationProblem({"token": ERROR_LINK_GONE})
        if contribution.held:
            contribution.held = False
            contribution.updated_at = timezone.now()
            contribution.save(update_fields=["held", "updated_at"])
            audit_append(action="participation.email_confirm", actor=actor, obj=contribution,
                         data={"kind": contribution.kind})
    if contribution.kind == Kind.NEED:
        transaction.on_commit(partial(themes_refresh_soon, actor=None))
    return contribution


def email_access_request(*, email: str, site_url: str, actor: User | None) -> bool:
    """Email a link to see what ``email`` has sent, if it has sent anything.

    Returns whether a link was sent; pages must not reveal it (they say the same either way,
    so nobody can find out which addresses have sent something). Not audited: no decision.
    """
    email = email_check(email)
    if not email_sent_anything(email=email):
        return False
    with transaction.atomic():
        access = _issue(purpose=EmailToken.Purpose.ACCESS, email=email, contribution=None)
        _queue(email=email, contribution=None, subject=ACCESS_SUBJECT,
               body=ACCESS_BODY.format(access_url=_link(site_url, "participation:email_access", access)))
    return True


def email_access_use(*, token: str, actor: User | None) -> str:
    """Follow a link to see what was sent: single use; returns the address it proves."""
    with transaction.atomic():
        row = _use(token=token, purpose=EmailToken.Purpose.ACCESS)
    return row.email


def email_data_erase(*, email: str, actor: User | None) -> dict[str, int]:
    """Delete what Voices holds about an address that proved itself by an emailed link.

    Needs and ideas never confirmed are deleted (they were never public); the rest stay,
    without the address, like an erased account's. Messages and links for the address are
    deleted. Audited with counts only. Returns the counts.
    """
    email = email_normalise(email)
    with transaction.atomic():
        mine = Contribution.objects.filter(submitter_email=email)
        held_ids = list(mine.filter(held=True).values_list("pk", flat=True))
        # Confirmation links of held contributions cascade with them.
        Contribution.objects.filter(pk__in=held_ids).delete()
        kept = Contribution.objects.filter(submitter_email=email).update(submitter_email="")
        messages = Notification.objects.filter(email=email).delete()[0]
        EmailToken.objects.filter(Q(email=email)).delete()
        counts = {"deleted": len(held_ids), "kept_without_address": kept, "messages": messages}
        audit_append(action="participation.email_data_erase", actor=actor,
                     object_type="participation.email", object_id="", data=counts)
    return counts


UNCONFIRMED_KEEP_DAYS = 7


def email_unconfirmed_purge(*, actor: User | None, now: dt.datetime | None = None) -> int:
    """Delete needs and ideas never confirmed within ``UNCONFIRMED_KEEP_DAYS`` days.

    They were never public, and their links expired long ago; keeping them would keep an
    address nobody proved. Run daily (``manage.py voices_digest``). Audited with the count.
    Returns how many were deleted.
    """
    cutoff = (now or timezone.now()) - dt.timedelta(days=UNCONFIRMED_KEEP_DAYS)
    with transaction.atomic():
        stale = Contribution.objects.filter(held=True, submitter=None, created_at__lt=cutoff)
        count = stale.count()
        if count:
            stale.delete()
            audit_append(action="participation.email_unconfirmed_purge", actor=actor,
                         object_type="participation.contribution", object_id="",
                         data={"deleted": count, "days": UNCONFIRMED_KEEP_DAYS})
    return count
