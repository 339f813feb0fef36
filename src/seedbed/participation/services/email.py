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
import hashlib
import hmac
import secrets

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.core.models import Notification
from seedbed.core.notifications import notification_queue
from seedbed.participation.models import Contribution, EmailToken, Kind
from seedbed.participation.services.notifications import APP
from seedbed.participation.services.themes import themes_refresh_soon

TOKEN_MAX_AGE = 24 * 60 * 60
EMAIL_MAX = 254
ERROR_EMAIL_EMPTY = "Enter your email address, or sign in"
ERROR_EMAIL_INVALID = "Enter an email address in the correct format, like name@example.com"
ERROR_LINK_FORGED = (
    "This link is not valid. Check that you copied the whole link from the email, or send "
    "what you wanted to say again."
)
ERROR_LINK_EXPIRED = (
    "This link has expired: links work for 24 hours. Nothing has been published. Send your "
    "need or idea again, or ask for a new link to see what you sent."
)
ERROR_LINK_USED = "This link has already been used. Each link works once."
ERROR_LINK_GONE = "What this link was for has been deleted."

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


def email_normalise(email: str) -> str:
    """The address as stored: trimmed, lower case (so one person is one address)."""
    return email.strip().lower()


def email_check(email: str, field: str = "email") -> str:
    """A normalised valid address, or ``ValidationProblem`` naming ``field``."""
    email = email_normalise(email)
    if not email:
        raise ValidationProblem({field: ERROR_EMAIL_EMPTY})
    try:
        if len(email) > EMAIL_MAX:
            raise ValidationError(ERROR_EMAIL_INVALID)
        validate_email(email)
    except ValidationError:
        raise ValidationProblem({field: ERROR_EMAIL_INVALID}) from None
    return email


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _salt(purpose: str) -> str:
    return f"seedbed.voices.email.{purpose}"


def _issue(*, purpose: str, email: str, contribution: Contribution | None) -> str:
    """Create a link token (inside the caller's transaction); returns the signed string."""
    secret = secrets.token_urlsafe(24)
    row = EmailToken.objects.create(
        purpose=purpose, email=email, contribution=contribution, secret_hash=_digest(secret),
        created_at=timezone.now(),
    )
    return signing.dumps({"t": row.pk, "s": secret}, salt=_salt(purpose))


def _link(site_url: str, name: str, token: str) -> str:
    return site_url.rstrip("/") + reverse(name, kwargs={"token": token})


def email_token_check(*, token: str, purpose: str, now: dt.datetime | None = None) -> EmailToken:
    """The ``EmailToken`` a link names, if the link is genuine, unused and in time.

    Reads only. Raises ``ValidationProblem`` with ``ERROR_LINK_FORGED`` (bad signature, wrong
    purpose, unknown row or secret), ``ERROR_LINK_EXPIRED`` or ``ERROR_LINK_USED``.
    """
    try:
        payload = signing.loads(token, salt=_salt(purpose), max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationProblem({"token": ERROR_LINK_EXPIRED}) from None
    except signing.BadSignature:
        raise ValidationProblem({"token": ERROR_LINK_FORGED}) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("t"), int) \
            or not isinstance(payload.get("s"), str):
        raise ValidationProblem({"token": ERROR_LINK_FORGED})
    row = EmailToken.objects.filter(pk=payload["t"], purpose=purpose).first()
    if row is None:
        # A signed token whose row is gone: its contribution or the address's data was deleted.
        raise ValidationProblem({"token": ERROR_LINK_GONE})
    if not hmac.compare_digest(row.secret_hash, _digest(payload["s"])):
        raise ValidationProblem({"token": ERROR_LINK_FORGED})
    if row.used_at is not None:
        raise ValidationProblem({"token": ERROR_LINK_USED})
    if (now or timezone.now()) - row.created_at > dt.timedelta(seconds=TOKEN_MAX_AGE):
        raise ValidationProblem({"token": ERROR_LINK_EXPIRED})
    return row


def _use(*, token: str, purpose: str) -> EmailToken:
    """Check the link and mark it used, once, even when two requests race."""
    row = email_token_check(token=token, purpose=purpose)
    if not EmailToken.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=timezone.now()):
        raise ValidationProblem({"token": ERROR_LINK_USED})
    row.refresh_from_db()
    return row


def _queue(*, email: str, contribution: Contribution | None, subject: str, body: str) -> None:
    notification_queue(app=APP, email=email, about=contribution, subject=subject, body=body)


def email_confirmation_send(*, contribution: Contribution, site_url: str) -> None:
    """Queue the confirmation email for a held contribution (inside the caller's transaction).

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


def email_confirm(*, token: str) -> Contribution:
    """Follow a confirmation link: publish the held need or idea it names.

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
            audit_append(action="participation.email_confirm", actor=None, obj=contribution,
                         data={"kind": contribution.kind})
    if contribution.kind == Kind.NEED:
        transaction.on_commit(themes_refresh_soon)
    return contribution


def email_access_request(*, email: str, site_url: str) -> bool:
    """Email a link to see what ``email`` has sent, if it has sent anything.

    Returns whether a link was sent; pages must not reveal it (they say the same either way,
    so nobody can find out which addresses have sent something). Not audited: no decision.
    """
    email = email_check(email)
    if not Contribution.objects.filter(submitter_email=email).exists():
        return False
    with transaction.atomic():
        access = _issue(purpose=EmailToken.Purpose.ACCESS, email=email, contribution=None)
        _queue(email=email, contribution=None, subject=ACCESS_SUBJECT,
               body=ACCESS_BODY.format(access_url=_link(site_url, "participation:email_access", access)))
    return True


def email_access_use(*, token: str) -> str:
    """Follow a link to see what was sent: single use; returns the address it proves."""
    with transaction.atomic():
        row = _use(token=token, purpose=EmailToken.Purpose.ACCESS)
    return row.email


def email_data_erase(*, email: str) -> dict[str, int]:
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
        audit_append(action="participation.email_data_erase", actor=None,
                     object_type="participation.email", object_id="", data=counts)
    return counts


UNCONFIRMED_KEEP_DAYS = 7


def email_unconfirmed_purge(*, now: dt.datetime | None = None) -> int:
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
            audit_append(action="participation.email_unconfirmed_purge", actor=None,
                         object_type="participation.contribution", object_id="",
                         data={"deleted": count, "days": UNCONFIRMED_KEEP_DAYS})
    return count
