"""Reading people, organisations and roles."""

from __future__ import annotations

from django.db.models import QuerySet

from seedbed.accounts.models import ApiToken, Membership, Organisation, Role, User
from seedbed.accounts.services import token_digest


def membership_list(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organisation")


def organisation_list() -> QuerySet[Organisation]:
    return Organisation.objects.select_related("parent").order_by("name")


def organisation_members(*, organisation: Organisation, include_residents: bool = True) -> QuerySet[Membership]:
    """The people holding roles in an organisation. Residents' names are personal data: with
    ``include_residents=False`` (anyone but council staff) the resident role is left out."""
    rows = organisation.memberships.select_related("user").order_by("user__display_name", "role")
    return rows if include_residents else rows.exclude(role=Role.RESIDENT)


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """Every token ``user`` holds, newest first, live, expired and revoked alike."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def api_token_find(*, token: str) -> ApiToken | None:
    """The token record (in any state) whose digest matches ``token``, with its person."""
    return ApiToken.objects.select_related("user").filter(digest=token_digest(token)).first()

