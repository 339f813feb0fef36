"""The demo personas: one per role, with a known password (listed in the README)."""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "northfield-demo"  # noqa: S105 - demo data only, refused in production


@dataclass(frozen=True)
class Persona:
    username: str
    display_name: str
    role: str
    organisation_slug: str
    can: str


PERSONAS: tuple[Persona, ...] = (
    Persona("resident", "Demo resident", "resident", "northfield",
            "report needs, propose ideas, vote in participatory budgets, see public results"),
    Persona("frontline", "Demo frontline worker", "frontline", "childrens-services",
            "enrol people in trials and report safety events for Children's Services"),
    Persona("lead", "Demo innovation lead", "innovation_lead", "northfield",
            "run calls and probes, draft and register trials, manage the portfolio"),
    Persona("panel", "Demo panel member", "panel_member", "northfield",
            "declare conflicts, score applications and pitches"),
    Persona("analyst", "Demo analyst", "analyst", "northfield",
            "design trials, upload data and run the registered analysis"),
    Persona("safety", "Demo safety lead", "safety_lead", "childrens-services",
            "see unblinded monitoring, decide on harm-boundary crossings"),
    Persona("admin", "Demo administrator", "administrator", "northfield",
            "manage people, organisations and roles; read the audit log"),
    Persona("provider", "Demo provider worker", "frontline", "family-support-cic",
            "apply for funding and enrol people for a provider organisation"),
)
