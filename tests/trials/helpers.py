"""Build trials and probes for tests, through the services (as the demo personas)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from seedbed.trials.models import Probe, Trial
from seedbed.trials.services.probes import probe_create
from seedbed.trials.services.protocols import (
    harm_outcome_add,
    protocol_update,
    trial_create,
    trial_register,
)
from seedbed.trials.services.safeguards import risk_item_add, safety_lead_set, stopping_rule_add

PROTOCOL_TEXT = {
    "question": "Does a weekly family-support call reduce repeat referrals?",
    "population": "Families referred to early help, aged 0-17; excluded: open child protection plan",
    "setting": "Children's Services early help, Northfield",
    "intervention": "A weekly call from a family-support worker for twelve weeks",
    "comparator": "Usual early-help support",
    "primary_outcome": "Family wellbeing score at 6 months (0-100)",
    "analysis_plan": "Difference in means, adjusted for strata; intention to treat",
    "safeguarding_plan": "Safeguarding concerns follow the usual procedure at once",
    "ethics_reference": "DPIA-2026-014",
    "data_protection_basis": "Public task (UK GDPR 6(1)(e))",
}


def draft_trial(world: dict[str, Any], *, register: bool = False, seed: str | None = None,
                **design: Any) -> Trial:
    """A complete draft (or registered) trial owned by Children's Services."""
    users = world["users"]
    lead = users["lead"]
    trial = trial_create(actor=lead, organisation=world["organisations"]["childrens-services"],
                         title=design.pop("title", "Weekly family-support calls"))
    changes = {**PROTOCOL_TEXT, "effect_size": 0.3, "strata": "under 5, 5 to 17"} | design
    protocol_update(actor=users["analyst"], trial=trial, changes=changes)
    safety_lead_set(actor=lead, trial=trial, safety_lead=users["safety"])
    harm_outcome_add(actor=lead, trial=trial, name="Emergency placement",
                     definition="Child placed in emergency care during the trial",
                     boundary_alpha=0.05)
    stopping_rule_add(actor=lead, trial=trial, rule="Stop if the harm boundary is crossed")
    risk_item_add(actor=lead, trial=trial, description="Calls missed during staff sickness",
                  likelihood=3, impact=2, owner=lead, treatment="treat",
                  treatment_plan="Cover rota")
    trial.refresh_from_db()
    if register:
        trial = trial_register(actor=lead, trial=trial, seed=seed)
    return trial


def draft_probe(world: dict[str, Any]) -> Probe:
    return probe_create(
        actor=world["users"]["lead"], organisation=world["organisations"]["childrens-services"],
        title="Text reminders before home visits", challenge="Missed home visits",
        hypothesis="A reminder the day before halves missed visits",
        monitored="Visits missed per week", success_signs="Fewer missed visits",
        amplify_plan="Roll out to all teams", failure_signs="No change or complaints",
        recover_plan="Stop the texts", unintended_consequences="Families feel watched",
        cost_cap=Decimal("500.00"), end_date=dt.date(2027, 1, 31),
    )
