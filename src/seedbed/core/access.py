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


def audit_payload_readable(user: Any, entry: Any) -> bool:
    """Whether ``user`` may read this audit entry's payload. Payloads of sensitive actions
    (``seedbed.core.audit.SENSITIVE_ACTIONS``, e.g. an interim look's z-statistics) are for the
    named trial's safety lead only, administrators and superusers included."""
    from seedbed.core.audit import SENSITIVE_ACTIONS
    from seedbed.trials.models import Trial

    field = SENSITIVE_ACTIONS.get(entry.action)
    if field is None:
        return True
    if user is None or not user.is_authenticated:
        return False
    trial_id = (entry.data or {}).get(field) if isinstance(entry.data, dict) else None
    return Trial.objects.filter(pk=trial_id, safety_lead_id=user.pk).exists() if isinstance(trial_id, int) else False


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


# --- trials ---
# Trials models are looked up through the app registry: core sits below the domain apps.

TRIAL_EDITORS = (Role.INNOVATION_LEAD, Role.ANALYST)
DENIED_TRIAL = "There is no such trial."
DENIED_PROBE = "There is no such probe."
DENIED_TRIAL_NOT_PUBLIC = "This test is not on the public registry yet."
DENIED_TRIAL_RESULT = "This result is not published yet."
DENIED_TRIAL_MONITORING = "Only the trial's named safety lead sees the unblinded monitoring."
DENIED_TRIAL_ENROLMENT = (
    "Only frontline staff of {organisation} enrol people and report events for this trial."
)


def _trials_model(name: str) -> Any:
    from django.apps import apps

    return apps.get_model("trials", name)


def access_trials_workspace(user: Any) -> Any:
    """Drafting and running tests: innovation leads and analysts."""
    return access_role(user, TRIAL_EDITORS)


def access_trial_edit(user: Any, trial_id: int) -> Any:
    access_trials_workspace(user)
    trial = _trials_model("Trial").objects.filter(pk=trial_id).first()
    if trial is None:
        raise AccessDenied(DENIED_TRIAL)
    return trial


def access_trial_registry(user: Any, trial_id: int) -> Any:
    """Registered trials are public; drafts are for innovation leads and analysts."""
    trial = _trials_model("Trial").objects.filter(pk=trial_id).first()
    if trial is None:
        raise AccessDenied(DENIED_TRIAL)
    if trial.is_draft and not has_role(user, *TRIAL_EDITORS):
        access_signed_in(user)
        raise AccessDenied(DENIED_TRIAL_NOT_PUBLIC)
    return trial


def access_trial_result(user: Any, trial_id: int) -> Any:
    """A published result is public; before that, editors and the safety lead preview it."""
    trial = access_trial_registry(user, trial_id)
    result = _trials_model("TrialResult").objects.filter(trial=trial).first()
    if result is not None and result.is_published:
        return trial
    access_signed_in(user)
    if has_role(user, *TRIAL_EDITORS) or trial.safety_lead_id == user.pk:
        return trial
    raise AccessDenied(DENIED_TRIAL_RESULT)


def access_trial_monitoring(user: Any, trial_id: int) -> Any:
    """Unblinded monitoring: only the trial's named safety lead."""
    access_signed_in(user)
    trial = _trials_model("Trial").objects.filter(pk=trial_id).first()
    if trial is None:
        raise AccessDenied(DENIED_TRIAL)
    if trial.safety_lead_id != user.pk or trial.is_draft:
        raise AccessDenied(DENIED_TRIAL_MONITORING)
    return trial


DENIED_SAFETY_EVENT = "There is no such safety event."


def access_safety_workspace(user: Any) -> Any:
    """The safety lead's own workspace (their trials, looks due, events to review)."""
    return access_role(user, [Role.SAFETY_LEAD])


def access_safety_event(user: Any, event_id: int) -> Any:
    """Reviewing a safety event: only the named safety lead of its trial (one message for
    missing and forbidden)."""
    access_signed_in(user)
    event = _trials_model("SafetyEvent").objects.select_related("trial").filter(pk=event_id).first()
    if event is None or event.trial.safety_lead_id != user.pk:
        raise AccessDenied(DENIED_SAFETY_EVENT)
    return event


def access_trial_enrolment(user: Any, trial_id: int) -> Any:
    """Enrolling and reporting safety events: frontline staff of the trial's organisation."""
    access_signed_in(user)
    trial = _trials_model("Trial").objects.select_related("organisation").filter(pk=trial_id).first()
    if trial is None or trial.is_draft:
        raise AccessDenied(DENIED_TRIAL)
    if Role.FRONTLINE not in roles_of(user, trial.organisation):
        raise AccessDenied(DENIED_TRIAL_ENROLMENT.format(organisation=trial.organisation.name))
    return trial


def access_probe_edit(user: Any, probe_id: int) -> Any:
    access_trials_workspace(user)
    probe = _trials_model("Probe").objects.filter(pk=probe_id).first()
    if probe is None:
        raise AccessDenied(DENIED_PROBE)
    return probe


def access_probe_registry(user: Any, probe_id: int) -> Any:
    """Running and finished probes are public; drafts are for innovation leads and analysts."""
    probe = _trials_model("Probe").objects.filter(pk=probe_id).first()
    if probe is None:
        raise AccessDenied(DENIED_PROBE)
    if probe.is_draft and not has_role(user, *TRIAL_EDITORS):
        access_signed_in(user)
        raise AccessDenied(DENIED_TRIAL_NOT_PUBLIC)
    return probe
