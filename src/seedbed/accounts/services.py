"""Writing people, organisations, roles and API tokens. The only code that writes them."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from seedbed.accounts.models import ApiToken, Membership, Organisation, Role, User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem

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


def api_token_issue(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue a new API token; returns the record and the token text, shown only once."""
    token = "sbd_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        record = ApiToken.objects.create(
            user=user, name=name, prefix=token[:10], digest=token_digest(token)
        )
        audit_append(action="accounts.api_token_issue", actor=user, obj=record)
    return record, token


def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_append(action="accounts.api_token_revoke", actor=actor, obj=token)
    return token
