"""Drafting and amending an evaluation's plan.

A draft plan is edited freely (only the fields its design uses). Once registered, the plan
changes only through an amendment: a new frozen version with its reason, in the audit log.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from seedbed.accounts.models import User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.evaluations.models import Evaluation, Plan, PlanVersion
from seedbed.evaluations.rules import (
    AMENDABLE_STATUSES,
    ERROR_REQUIRED,
    content_hash,
    plan_changes,
    plan_content,
    plan_fields,
    plan_label,
    required_fields,
)

ERROR_NOT_DRAFT = "This evaluation is registered: change its plan through an amendment"
ERROR_NOT_AMENDABLE = "Only a registered evaluation's plan can be amended"
ERROR_REASON = "Give the reason for the amendment"
ERROR_NO_CHANGE = "The amendment changes nothing in the plan"


def _check_fields(evaluation: Evaluation, changes: dict[str, Any]) -> None:
    allowed = set(plan_fields(evaluation.design))
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise ValueError(f"not a plan field for this design: {', '.join(unknown)}")


def plan_update(*, actor: User, evaluation: Evaluation, changes: dict[str, Any]) -> Plan:
    """Edit a draft plan. ``changes`` holds only fields the evaluation's design uses
    (``rules.plan_fields``); text is trimmed. Refuses once the plan is registered."""
    _check_fields(evaluation, changes)
    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        if not evaluation.is_draft:
            raise ValidationProblem({"__all__": ERROR_NOT_DRAFT})
        plan = evaluation.plan
        changed = plan_changes(current={n: getattr(plan, n) for n in changes}, proposed=changes)
        for name, value in changed.items():
            setattr(plan, name, value)
        plan.save()
        audit_append(action="evaluations.plan_update", actor=actor, obj=evaluation,
                     data={"fields": sorted(changed)})
    return plan


def plan_amend(
    *, actor: User, evaluation: Evaluation, changes: dict[str, Any], reason: str
) -> PlanVersion:
    """Amend a registered plan: apply ``changes`` and freeze them as the next version with
    ``reason``. A field the design needs cannot be emptied (its optional choices can); an
    amendment must change something."""
    _check_fields(evaluation, changes)
    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        if evaluation.status not in AMENDABLE_STATUSES:
            raise ValidationProblem({"__all__": ERROR_NOT_AMENDABLE})
        plan = evaluation.plan
        changed = plan_changes(current={n: getattr(plan, n) for n in changes}, proposed=changes)
        problems: dict[str, str] = {}
        if not reason.strip():
            problems["reason"] = ERROR_REASON
        needed = set(required_fields(evaluation.design))
        for name, value in changed.items():
            if name in needed and (value is None or value == ""):
                problems[name] = ERROR_REQUIRED.format(label=plan_label(name))
        if not changed and not problems:
            problems["__all__"] = ERROR_NO_CHANGE
        if problems:
            raise ValidationProblem(problems)
        for name, value in changed.items():
            setattr(plan, name, value)
        plan.save()
        content = plan_content(evaluation=evaluation, plan=plan)
        digest = content_hash(content)
        number = evaluation.versions.count() + 1
        version = PlanVersion.objects.create(
            evaluation=evaluation, number=number, content=content, content_hash=digest,
            reason=reason.strip(), frozen_at=timezone.now(), frozen_by=actor,
        )
        audit_append(action="evaluations.plan_amend", actor=actor, obj=evaluation,
                     data={"version": number, "plan_hash": digest, "fields": sorted(changed)})
    return version
