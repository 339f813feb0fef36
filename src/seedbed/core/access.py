"""Access gatekeepers: every view and API endpoint reaches records through these.

Each gatekeeper takes the person (possibly anonymous) and what they ask for, and either
returns the record or raises ``AccessDenied``. They are tested once, exhaustively, by walking
every URL as every role (``tests/core/test_access_walk.py``); later capabilities add their
gatekeepers here and their URLs to that table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse

from seedbed.accounts.models import STAFF_ROLES, Membership, Organisation, Role
from seedbed.core.errors import AccessDenied

DENIED_STAFF = "This page is for council staff and partners."
DENIED_ROLE = "This page is for people with the role: {roles}."
DENIED_ORGANISATION = "You are not a member of this organisation."

F = TypeVar("F", bound=Callable[..., HttpResponse])


def roles_of(user: Any, organisation: Organisation | None = None) -> frozenset[str]:
    """The roles a person holds (in one organisation, or anywhere when None)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cache_name = "_seedbed_roles"
    cache: dict[int | None, frozenset[str]] = getattr(user, cache_name, None) or {}
    key = organisation.pk if organisation is not None else None
    if key not in cache:
        memberships = Membership.objects.filter(user=user)
        if organisation is not None:
            memberships = memberships.filter(organisation=organisation)
        cache[key] = frozenset(memberships.values_list("role", flat=True))
        setattr(user, cache_name, cache)
    return cache[key]


def has_role(user: Any, *roles: str, organisation: Organisation | None = None) -> bool:
    held = roles_of(user, organisation)
    return bool(held & set(roles)) or (
        getattr(user, "is_superuser", False) and getattr(user, "is_active", False)
    )


def is_staff_member(user: Any) -> bool:
    return has_role(user, *STAFF_ROLES)


def organisations_of(user: Any) -> frozenset[int]:
    if user is None or not user.is_authenticated:
        return frozenset()
    return frozenset(Membership.objects.filter(user=user).values_list("organisation_id", flat=True))


# --- gatekeepers ----------------------------------------------------------------------------


def access_signed_in(user: Any) -> Any:
    if user is None or not user.is_authenticated:
        raise AccessDenied("Sign in to see this page.")
    return user


def access_staff_area(user: Any) -> Any:
    access_signed_in(user)
    if not is_staff_member(user):
        raise AccessDenied(DENIED_STAFF)
    return user


def access_role(user: Any, roles: Iterable[str]) -> Any:
    access_signed_in(user)
    wanted = tuple(roles)
    if not has_role(user, *wanted):
        labels = ", ".join(Role(r).label.lower() for r in wanted)
        raise AccessDenied(DENIED_ROLE.format(roles=labels))
    return user


def access_organisation(user: Any, organisation_id: int) -> Organisation:
    """Staff see every organisation's page; members see their own; others are refused."""
    access_signed_in(user)
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise AccessDenied("There is no such organisation.")
    if is_staff_member(user) or organisation.pk in organisations_of(user):
        return organisation
    raise AccessDenied(DENIED_ORGANISATION)


def access_audit_log(user: Any) -> Any:
    return access_role(user, [Role.ADMINISTRATOR])


# --- view decorator -------------------------------------------------------------------------


def gatekeeper(check: Callable[[Any], Any]) -> Callable[[F], F]:
    """Run ``check(request.user)`` before the view; ``AccessDenied`` becomes a 403/sign-in."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            check(request.user)
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


# --- portfolio ---


def access_portfolio(user: Any) -> Any:
    """The portfolio is for council staff and partners."""
    return access_staff_area(user)


def access_portfolio_manage(user: Any) -> Any:
    """Recording innovations, gate decisions and risks: innovation leads and administrators."""
    return access_role(user, [Role.INNOVATION_LEAD, Role.ADMINISTRATOR])


def access_innovation(user: Any, innovation_id: int) -> Any:
    from seedbed.portfolio.models import Innovation

    access_staff_area(user)
    innovation = Innovation.objects.filter(pk=innovation_id).first()
    if innovation is None:
        raise AccessDenied("There is no such innovation.")
    return innovation


# --- library ---


def access_library_manage(user: Any) -> Any:
    """Writing cases: innovation leads, analysts and administrators."""
    return access_role(user, [Role.INNOVATION_LEAD, Role.ANALYST, Role.ADMINISTRATOR])


def access_case(user: Any, case_id: int) -> Any:
    """Published cases are public; drafts are for staff only."""
    from seedbed.library.models import Case

    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        raise AccessDenied("There is no such case.")
    if case.status == Case.Status.PUBLISHED:
        return case
    access_staff_area(user)
    return case
