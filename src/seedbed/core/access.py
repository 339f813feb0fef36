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

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse

from seedbed.accounts.models import STAFF_ROLES, Membership, Organisation, Role, User
from seedbed.core.audit import SENSITIVE_ACTIONS
from seedbed.core.errors import AccessDenied

DENIED_STAFF = "This page is for council staff and partners."
DENIED_ROLE = "This page is for people with the role: {roles}."
DENIED_ORGANISATION = "You are not a member of this organisation."

F = TypeVar("F", bound=Callable[..., HttpResponse])
M = TypeVar("M", bound=Model)


# Whose roles make someone council staff. The council, its services and partner bodies (such as
# a health partnership working in the council's programmes under a data-sharing agreement) act
# for the council; providers and community groups are external: a role held there (a provider's
# frontline worker) lets its holder act for that organisation only (apply for its money, enrol
# in the trials it delivers, see its own page), never see council-wide records. See
# docs/access.md.
COUNCIL_KINDS = frozenset({Organisation.Kind.COUNCIL, Organisation.Kind.SERVICE, Organisation.Kind.PARTNER})
EXTERNAL_KINDS = frozenset({Organisation.Kind.PROVIDER, Organisation.Kind.COMMUNITY})
_COUNCIL = "council"


def roles_of(user: Any, organisation: Organisation | None = None, *, council_only: bool = False) -> frozenset[str]:
    """The roles a person holds: in one organisation; in the council's own organisations
    (``council_only``: the council, its services and partner bodies); or anywhere."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cache_name = "_seedbed_roles"
    cache: dict[int | str | None, frozenset[str]] = getattr(user, cache_name, None) or {}
    key: int | str | None = organisation.pk if organisation is not None else (_COUNCIL if council_only else None)
    if key not in cache:
        memberships = Membership.objects.filter(user=user)
        if organisation is not None:
            memberships = memberships.filter(organisation=organisation)
        elif council_only:
            memberships = memberships.filter(organisation__kind__in=sorted(COUNCIL_KINDS))
        cache[key] = frozenset(memberships.values_list("role", flat=True))
        setattr(user, cache_name, cache)
    return cache[key]


def has_role(user: Any, *roles: str, organisation: Organisation | None = None) -> bool:
    """Whether a person holds one of ``roles`` in ``organisation`` or, when that is None, in
    one of the council's own organisations (a role held only in a provider or community group
    gives no council-wide right). Active superusers hold every role."""
    held = roles_of(user, organisation, council_only=organisation is None)
    return bool(held & set(roles)) or (
        getattr(user, "is_superuser", False) and getattr(user, "is_active", False)
    )


def is_council_staff(user: Any) -> bool:
    """Council staff: a staff role held in the council, one of its services or a partner body."""
    return has_role(user, *STAFF_ROLES)


# The older name, kept for callers: it means council staff (and partners), never providers.
is_staff_member = is_council_staff


def external_organisation_of(user: Any) -> Organisation | None:
    """The provider or community group a person acts for (the first by name), if any."""
    if user is None or not user.is_authenticated:
        return None
    return (
        Organisation.objects.filter(memberships__user=user, kind__in=sorted(EXTERNAL_KINDS))
        .order_by("name", "pk").first()
    )


def council_staff_users() -> Any:
    """Every active person holding a staff role in the council's own organisations (for lists
    of people a manager may name: ballot officers, reviewers)."""
    return User.objects.filter(
        is_active=True, memberships__role__in=sorted(STAFF_ROLES),
        memberships__organisation__kind__in=sorted(COUNCIL_KINDS),
    ).distinct()


def organisations_of(user: Any) -> frozenset[int]:
    if user is None or not user.is_authenticated:
        return frozenset()
    return frozenset(Membership.objects.filter(user=user).values_list("organisation_id", flat=True))


# --- gatekeepers ----------------------------------------------------------------------------


def fetch_or_deny(source: type[M] | QuerySet[M], pk: object, *, missing: str) -> M:
    """The one way a gatekeeper fetches the record it guards: the record with primary key
    ``pk`` from a model or a queryset, or ``AccessDenied(missing)``.

    A missing record and a malformed id (a foreign or forged id posted in a form: ``"abc"``,
    ``""``, ``None``, ``-1``, a number too large for the column) get the same refusal, so no
    input reaches the database as a bad parameter and nobody learns which records exist.
    """
    if isinstance(pk, bool):
        raise AccessDenied(missing)
    if isinstance(pk, str):
        pk = pk.strip()
        if not pk.isascii() or not pk.isdigit():
            raise AccessDenied(missing)
        pk = int(pk)
    if not isinstance(pk, int) or not 0 < pk < 2**63:
        raise AccessDenied(missing)
    queryset = source if isinstance(source, QuerySet) else source._default_manager.all()
    record = queryset.filter(pk=pk).first()
    if record is None:
        raise AccessDenied(missing)
    return record


def access_signed_in(user: Any) -> Any:
    if user is None or not user.is_authenticated:
        raise AccessDenied("Sign in to see this page.")
    return user


def access_staff_area(user: Any) -> Any:
    """Council staff and partners only: providers and community groups are refused."""
    access_signed_in(user)
    if not is_council_staff(user):
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
    """Council staff see every organisation's page; members see their own; others are refused."""
    access_signed_in(user)
    organisation = fetch_or_deny(Organisation, organisation_id, missing="There is no such organisation.")
    if is_council_staff(user) or organisation.pk in organisations_of(user):
        return organisation
    raise AccessDenied(DENIED_ORGANISATION)


DENIED_API_TOKEN = "There is no such API token among yours."  # noqa: S105 - a message, not a secret


def access_api_token(user: Any, token_id: int) -> Any:
    """A person's own API token; administrators reach anyone's. A missing token and someone
    else's get the same refusal, so nobody learns which tokens exist."""
    from seedbed.accounts.models import ApiToken

    access_signed_in(user)
    token = fetch_or_deny(ApiToken.objects.select_related("user"), token_id, missing=DENIED_API_TOKEN)
    if token.user_id != user.pk and not has_role(user, Role.ADMINISTRATOR):
        raise AccessDenied(DENIED_API_TOKEN)
    return token


def access_audit_log(user: Any) -> Any:
    return access_role(user, [Role.ADMINISTRATOR])


def access_data_connections_manage(user: Any) -> Any:
    """Who keeps the list of tables and views each data connection may read."""
    return access_role(user, [Role.ADMINISTRATOR])


# Who may read the payload of each sensitive audit action (``SENSITIVE_ACTIONS``), registered
# by the app that records it in its ``AppConfig.ready``: core sits below the domain apps.
AuditPayloadReader = Callable[[Any, int], bool]
_AUDIT_PAYLOAD_READERS: dict[str, AuditPayloadReader] = {}


def audit_payload_reader_register(action: str, readable: AuditPayloadReader) -> None:
    """Say who may read the payload of the sensitive audit ``action``: ``readable(user,
    record_id)`` is asked with the id the entry names (under its ``SENSITIVE_ACTIONS`` key)
    for a signed-in person. An action without a reader is readable by nobody."""
    _AUDIT_PAYLOAD_READERS[action] = readable


def audit_payload_readable(user: Any, entry: Any) -> bool:
    """Whether ``user`` may read this audit entry's payload. Payloads of sensitive actions
    (``seedbed.core.audit.SENSITIVE_ACTIONS``, e.g. an interim look's z-statistics) are for
    those the action's registered reader allows (the named trial's safety lead), never for
    administrators and superusers as such."""
    field = SENSITIVE_ACTIONS.get(entry.action)
    if field is None:
        return True
    if user is None or not user.is_authenticated:
        return False
    record_id = (entry.data or {}).get(field) if isinstance(entry.data, dict) else None
    readable = _AUDIT_PAYLOAD_READERS.get(entry.action)
    return readable(user, record_id) if readable is not None and isinstance(record_id, int) else False


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
