"""Risk items, stopping rules and safety leads: the safeguards on every probe and trial."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from seedbed.accounts.models import Membership, Role, User
from seedbed.core.access import COUNCIL_KINDS
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.trials.models import Probe, RiskItem, StoppingRule, Trial

ERROR_NOT_SAFETY_LEAD = "Choose a person who holds the safety lead role in the council or a partner body"
ERROR_NOT_DRAFT = "This test is registered: change it through an amendment"
ERROR_EMPTY = "Enter the {what}"
ERROR_LEVEL = "Choose a level from 1 to 5"
ERROR_TREATMENT = "Choose tolerate, treat, transfer or terminate"


def _parent(trial: Trial | None, probe: Probe | None) -> dict[str, Any]:
    if (trial is None) == (probe is None):
        raise ValueError("give exactly one of trial or probe")
    return {"trial": trial} if trial is not None else {"probe": probe}


def _require_draft(test: Trial | Probe) -> None:
    if not test.is_draft:
        raise ValidationProblem({"__all__": ERROR_NOT_DRAFT})


def safety_lead_set(
    *, actor: User, safety_lead: User, trial: Trial | None = None, probe: Probe | None = None
) -> Trial | Probe:
    """Name the test's safety lead: a person with the safety lead role in the council, one of
    its services or a partner body. The role held in a provider or community group does not
    count (the safety lead sees unblinded monitoring, which a delivering provider must not)."""
    test = trial or probe
    assert test is not None
    _parent(trial, probe)
    _require_draft(test)
    if not Membership.objects.filter(user=safety_lead, role=Role.SAFETY_LEAD,
                                     organisation__kind__in=sorted(COUNCIL_KINDS)).exists():
        raise ValidationProblem({"safety_lead": ERROR_NOT_SAFETY_LEAD})
    with transaction.atomic():
        test.safety_lead = safety_lead
        test.save(update_fields=["safety_lead"])
        audit_append(action="trials.safety_lead_set", actor=actor, obj=test,
                     data={"safety_lead": safety_lead.pk})
    return test


def risk_item_add(
    *, actor: User, description: str, likelihood: int, impact: int, owner: User,
    treatment: str, treatment_plan: str = "", trial: Trial | None = None,
    probe: Probe | None = None,
) -> RiskItem:
    """Add a line to the risk register (likelihood and impact 1-5; score = their product)."""
    parent = _parent(trial, probe)
    problems: dict[str, str] = {}
    if not description.strip():
        problems["description"] = ERROR_EMPTY.format(what="risk")
    for name, value in (("likelihood", likelihood), ("impact", impact)):
        if value not in range(1, 6):
            problems[name] = ERROR_LEVEL
    if treatment not in RiskItem.Treatment.values:
        problems["treatment"] = ERROR_TREATMENT
    if problems:
        raise ValidationProblem(problems)
    with transaction.atomic():
        risk = RiskItem.objects.create(
            description=description.strip(), likelihood=likelihood, impact=impact, owner=owner,
            treatment=treatment, treatment_plan=treatment_plan.strip(), **parent,
        )
        audit_append(action="trials.risk_add", actor=actor, obj=risk,
                     data={"score": risk.score, "treatment": treatment,
                           "test": (trial or probe).pk})  # type: ignore[union-attr]
    return risk


def stopping_rule_add(
    *, actor: User, rule: str, trial: Trial | None = None, probe: Probe | None = None
) -> StoppingRule:
    """Add a stopping rule to a draft test."""
    parent = _parent(trial, probe)
    test = trial or probe
    assert test is not None
    _require_draft(test)
    if not rule.strip():
        raise ValidationProblem({"rule": ERROR_EMPTY.format(what="stopping rule")})
    with transaction.atomic():
        item = StoppingRule.objects.create(rule=rule.strip(), **parent)
        audit_append(action="trials.stopping_rule_add", actor=actor, obj=item,
                     data={"test": test.pk})
    return item
