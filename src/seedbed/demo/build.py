"""Build the Northfield Council demo: organisations and personas, through the services.

Deterministic and idempotent: running it twice changes nothing. Refused unless
``SEEDBED_ALLOW_DEMO_DATA`` is on (it is off by default in production).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from seedbed.accounts.models import Organisation, User
from seedbed.accounts.services import membership_grant, organisation_create, person_create
from seedbed.demo import evaluations, funding, library, participation, portfolio, trials
from seedbed.demo.personas import DEMO_PASSWORD, PERSONAS

ERROR_DEMO_REFUSED = (
    "Demo data is refused here: SEEDBED_ALLOW_DEMO_DATA is off (it is off by default when "
    "DJANGO_DEBUG is false, i.e. in production)"
)

ORGANISATIONS: tuple[tuple[str, str, str, str | None, str], ...] = (
    # slug, name, kind, parent slug, org-id
    ("northfield", "Northfield Council", "council", None, "GB-LAE-NFD"),
    ("childrens-services", "Children's Services", "service", "northfield", ""),
    ("adult-social-care", "Adult Social Care", "service", "northfield", ""),
    ("neighbourhoods", "Neighbourhoods", "service", "northfield", ""),
    ("northfield-health", "Northfield Health Partnership", "partner", None, ""),
    ("family-support-cic", "Northfield Family Support CIC", "provider", None, "GB-CHC-1234567"),
    ("eastside-residents", "Eastside Residents' Association", "community", None, ""),
)


# Each domain app's demo data: ``build(context)`` in ``seedbed/demo/<app>.py``, run in this
# order after organisations and personas. Tests may build only some of them.
CAPABILITY_STEPS = ("participation", "funding", "portfolio", "trials", "evaluations", "library")
_BUILDERS: dict[str, Callable[[dict[str, Any]], None]] = {
    "participation": participation.build,
    "funding": funding.build,
    "portfolio": portfolio.build,
    "trials": trials.build,
    "evaluations": evaluations.build,
    "library": library.build,
}


class DemoRefused(Exception):
    pass


@dataclass(frozen=True)
class DemoSummary:
    created: bool
    organisations: int
    people: int


def demo_load() -> DemoSummary:
    """Create the demo council, services, partners and personas (once)."""
    if not settings.SEEDBED_ALLOW_DEMO_DATA:
        raise DemoRefused(ERROR_DEMO_REFUSED)
    if Organisation.objects.filter(slug="northfield").exists():
        return DemoSummary(False, Organisation.objects.count(), User.objects.count())
    with transaction.atomic():
        by_slug: dict[str, Organisation] = {}
        for slug, name, kind, parent, org_id in ORGANISATIONS:
            by_slug[slug] = organisation_create(
                name=name, slug=slug, kind=kind, parent=by_slug.get(parent or ""), org_id=org_id
            )
        for persona in PERSONAS:
            is_admin = persona.role == "administrator"
            user = person_create(
                username=persona.username,
                email=f"{persona.username}@example.org",
                display_name=persona.display_name,
                password=DEMO_PASSWORD,
                is_staff=is_admin,
                is_superuser=is_admin,
            )
            membership_grant(user=user, organisation=by_slug[persona.organisation_slug], role=persona.role)
        context: dict[str, Any] = {
            "organisations": by_slug,
            "users": {u.username: u for u in User.objects.all()},
        }
        for name in CAPABILITY_STEPS:
            _BUILDERS[name](context)
    return DemoSummary(True, Organisation.objects.count(), User.objects.count())
