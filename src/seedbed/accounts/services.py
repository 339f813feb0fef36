"""Writing people, organisations, roles and API tokens. The only code that writes them."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from seedbed.accounts.models import ApiScope, ApiToken, Membership, Organisation, Role, User
from seedbed.core.access import has_role
from seedbed.core.audit import audit_append
from seedbed.core.errors import AccessDenied, ValidationProblem
from seedbed.core.notifications import notification_queue

ERROR_DUPLICATE_USERNAME = "A person with the username {username!r} already exists"
ERROR_UNKNOWN_ROLE = "{role!r} is not a role (expected one of: {roles})"


def organisation_create(
    *, name: str, slug: str, kind: str, parent: Organisation | None = None, org_id: str = "",
    actor: Any = None,
) -> Organisation:
    """Create an organisation (council, service, partner, provider or community group)."""
    with transaction.atomic():
        organisation = Organisation(name=name, slug=slug, kind=kind, parent=parent, org_id=org_id)
        organisation.full_clean()
        organisation.save()
        audit_append(action="accounts.organisation_create", actor=actor, obj=organisation,
                     data={"kind": kind, "parent": parent.pk if parent else None})
    return organisation


def person_create(
    *, username: str, email: str, display_name: str, password: str | None,
    is_staff: bool = False, is_superuser: bool = False, actor: Any = None,
) -> User:
    """Create a person who can sign in. ``password=None`` creates one who cannot yet."""
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationProblem({"username": ERROR_DUPLICATE_USERNAME.format(username=username)})
        user = User(username=username, email=email, display_name=display_name,
                    is_staff=is_staff, is_superuser=is_superuser)
        if password is None:
            user.set_unusable_password()
        else:
            try:
                validate_password(password, user)
            except DjangoValidationError as exc:
                raise ValidationProblem({"password": " ".join(exc.messages)}) from None
            user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save()
        audit_append(action="accounts.person_create", actor=actor, obj=user)
    return user


def password_change(*, user: User, new_password: str, actor: User) -> User:
    """Set ``user``'s new password (already validated by the form) and revoke every API token
    they hold, in one transaction. Audited (never the password)."""
    with transaction.atomic():
        api_token_revoke_all(user=user, reason=TokenRevokeReason.PASSWORD_CHANGED, actor=actor)
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit_append(action="accounts.password_change", actor=actor, obj=user, object_type="accounts.user")
    return user


def membership_grant(
    *, user: User, organisation: Organisation, role: str, actor: Any = None
) -> Membership:
    """Give ``user`` a role in ``organisation`` (idempotent)."""
    if role not in Role.values:
        raise ValidationProblem(
            {"role": ERROR_UNKNOWN_ROLE.format(role=role, roles=", ".join(Role.values))}
        )
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=organisation, role=role
        )
        if created:
            audit_append(action="accounts.membership_grant", actor=actor, obj=membership,
                         data={"user": user.pk, "organisation": organisation.pk, "role": role})
    return membership


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- API tokens ---------------------------------------------------------------------------

ERROR_TOKEN_NAME = "Enter a name for the token"  # noqa: S105 - a message, not a secret
ERROR_TOKEN_NO_SCOPE = "Choose what the token may do: read, write or both"  # noqa: S105 - a message, not a secret
ERROR_TOKEN_UNKNOWN_SCOPE = "{scope!r} is not an API scope (expected one of: {scopes})"  # noqa: S105 - a message, not a secret
ERROR_TOKEN_LIFETIME = "A token can last from 1 to {maximum} days; {days!r} is not allowed"  # noqa: S105 - a message, not a secret
DENIED_TOKEN_REVOKE = "Only the token's owner or an administrator can revoke it."  # noqa: S105 - a message, not a secret

TOKEN_NOTICE_SUBJECT = "A new API token was created for your Seedbed account"  # noqa: S105 - a message, not a secret
TOKEN_NOTICE_BODY = (
    "An API token was created for your Seedbed account ({username}).\n\n"  # noqa: S105 - a message, not a secret
    "Name: {name}\nFirst characters: {prefix}\nWhat it may do: {scopes}\nExpires: {expires}\n\n"
    "It can be used without signing in until it expires or is revoked. If you did not create it, "
    "revoke it on your account page{link} and change your password at once."
)

DEFAULT_TOKEN_DAYS = 90
TOKEN_DAY_CHOICES = (7, 30, 90, 365)
# ``last_used_at`` is a "roughly when" for the owner, not a log: a token is written at most once
# per LAST_USED_RESOLUTION, so a busy integration costs one UPDATE a minute, not one a request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenRevokeReason(StrEnum):
    OWNER = "owner"
    ADMINISTRATOR = "administrator"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a message, not a secret
    ACCOUNT_DEACTIVATED = "account_deactivated"


def api_token_max_days() -> int:
    """The longest life a new token may have (``SEEDBED_API_TOKEN_MAX_DAYS``, default 365)."""
    return int(getattr(settings, "SEEDBED_API_TOKEN_MAX_DAYS", 365))


def api_token_day_choices() -> list[int]:
    """The lives offered on the account page: the usual ones up to the maximum, and the maximum."""
    maximum = api_token_max_days()
    return sorted({days for days in TOKEN_DAY_CHOICES if days <= maximum} | {maximum})


def api_token_default_days() -> int:
    return min(DEFAULT_TOKEN_DAYS, api_token_max_days())


def api_token_issue(
    *, user: User, name: str, scopes: Iterable[str] = (ApiScope.READ,),
    expires_in_days: int | None = None, actor: Any = None,
) -> tuple[ApiToken, str]:
    """Issue a new API token for ``user``; returns the record and the token text, which is
    shown once and never stored (only its SHA-256 digest is).

    ``scopes``: ``read`` (GET), ``write`` (POST/PUT/PATCH/DELETE) or both; read only by
    default. ``expires_in_days``: 1 to ``SEEDBED_API_TOKEN_MAX_DAYS``, default 90 (or the
    maximum when that is lower). Audited (name, prefix, scopes and expiry; never the token).
    """
    chosen = [str(scope) for scope in scopes]
    problems: dict[str, str] = {}
    if not name.strip():
        problems["name"] = ERROR_TOKEN_NAME
    unknown = [scope for scope in chosen if scope not in ApiScope.values]
    if unknown:
        problems["scopes"] = ERROR_TOKEN_UNKNOWN_SCOPE.format(scope=unknown[0], scopes=", ".join(ApiScope.values))
    elif not chosen:
        problems["scopes"] = ERROR_TOKEN_NO_SCOPE
    days = api_token_default_days() if expires_in_days is None else expires_in_days
    maximum = api_token_max_days()
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= maximum:
        problems["expires_in_days"] = ERROR_TOKEN_LIFETIME.format(maximum=maximum, days=days)
    if problems:
        raise ValidationProblem(problems)
    token = "sbd_" + secrets.token_urlsafe(32)
    ordered = [scope for scope in ApiScope.values if scope in chosen]
    with transaction.atomic():
        record = ApiToken.objects.create(
            user=user, name=name.strip(), prefix=token[:10], digest=token_digest(token),
            scopes=ordered, expires_at=timezone.now() + timedelta(days=days),
        )
        audit_append(action="accounts.api_token_issue", actor=actor or user, obj=record,
                     data={"user": user.pk, "prefix": record.prefix, "scopes": ordered,
                           "expires_at": record.expires_at.isoformat()})
        subject, body = api_token_notice(token=record)
        notification_queue(app="accounts", user=user, subject=subject, body=body, about=record)
    return record, token


def api_token_notice(*, token: ApiToken) -> tuple[str, str]:
    """The subject and body of the email telling a token's owner it was created: its name,
    first characters, scopes and expiry (never the token itself)."""
    base = str(getattr(settings, "SEEDBED_SITE_URL", "") or "").strip().rstrip("/")
    expires = timezone.localtime(token.expires_at).strftime("%-d %B %Y at %H:%M %Z")
    body = TOKEN_NOTICE_BODY.format(
        username=token.user.get_username(), name=token.name, prefix=token.prefix,
        scopes=", ".join(token.scopes), expires=expires, link=f" ({base}/account/)" if base else "",
    )
    return TOKEN_NOTICE_SUBJECT, body


def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke one token at once. Only its owner or an administrator may (``AccessDenied``
    otherwise). Revoking a revoked token changes nothing and is not audited again."""
    owner = actor.is_authenticated and actor.pk == token.user_id
    if not owner and not has_role(actor, Role.ADMINISTRATOR):
        raise AccessDenied(DENIED_TOKEN_REVOKE)
    reason = TokenRevokeReason.OWNER if owner else TokenRevokeReason.ADMINISTRATOR
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is not None:
            return locked
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit_append(action="accounts.api_token_revoke", actor=actor, obj=locked,
                     data={"user": locked.user_id, "prefix": locked.prefix, "reason": reason.value})
    token.revoked_at = locked.revoked_at
    return locked


def api_token_revoke_all(*, user: User, reason: TokenRevokeReason, actor: Any = None) -> int:
    """Revoke every live token ``user`` holds (after a password change or reset, or when the
    account is deactivated). Returns how many were revoked; one audit entry when any were."""
    with transaction.atomic():
        live = ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
        ids = sorted(live.values_list("pk", flat=True))
        if not ids:
            return 0
        ApiToken.objects.filter(pk__in=ids).update(revoked_at=timezone.now())
        audit_append(action="accounts.api_tokens_revoke_all", actor=actor, obj=user,
                     object_type="accounts.user", data={"reason": reason.value, "tokens": ids})
    return len(ids)


def api_token_mark_used(*, token: ApiToken, at: datetime) -> bool:
    """Record that ``token`` was used at ``at``, unless that was already recorded within
    ``LAST_USED_RESOLUTION``. One conditional UPDATE, so concurrent requests write once.
    Not audited (it is a convenience for the owner, not a decision)."""
    if token.last_used_at is not None and at - token.last_used_at < LAST_USED_RESOLUTION:
        return False
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=at - LAST_USED_RESOLUTION)
    written = ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=at)
    if written:
        token.last_used_at = at
    return bool(written)
