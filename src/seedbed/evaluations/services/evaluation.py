"""Starting an evaluation and registering its plan.

Registration freezes the plan as version 1 (canonical JSON, SHA-256 content hash, timestamp,
audit entry), as a trial's protocol is frozen: from then on the plan is public and changes
only by amendment.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from seedbed.accounts.models import Organisation, User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.evaluations.models import Design, Evaluation, Plan, PlanVersion
from seedbed.evaluations.rules import (
    PLAN_FIELDS,
    content_hash,
    plan_content,
    plan_label,
    registration_problems,
)
from seedbed.portfolio.models import ServiceArea

ERROR_TITLE = "Enter a title for the evaluation"
ERROR_DESIGN = "Choose the evaluation's design"
ERROR_ALREADY_REGISTERED = "This evaluation is already registered: change it through an amendment"


def evaluation_create(
    *, actor: User, organisation: Organisation, title: str, design: str, question: str = "",
    service_area: ServiceArea | None = None,
) -> Evaluation:
    """Start a draft evaluation owned by ``organisation`` with its design and an empty plan
    (holding the question, if given)."""
    problems: dict[str, str] = {}
    if not title.strip():
        problems["title"] = ERROR_TITLE
    if design not in Design.values:
        problems["design"] = ERROR_DESIGN
    if problems:
        raise ValidationProblem(problems)
    with transaction.atomic():
        evaluation = Evaluation.objects.create(
            organisation=organisation, service_area=service_area, title=title.strip(),
            design=design, created_by=actor,
        )
        Plan.objects.create(evaluation=evaluation, question=question.strip())
        audit_append(action="evaluations.evaluation_create", actor=actor, obj=evaluation,
                     data={"organisation": organisation.pk, "design": design})
    return evaluation


def evaluation_register(*, actor: User, evaluation: Evaluation) -> Evaluation:
    """Freeze the plan as version 1 and make it public.

    Refuses (``ValidationProblem`` naming each field) while any field the design needs is
    empty, and once already registered.
    """
    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        if not evaluation.is_draft:
            raise ValidationProblem({"__all__": ERROR_ALREADY_REGISTERED})
        plan = evaluation.plan
        problems = registration_problems(
            design=evaluation.design,
            values={name: getattr(plan, name) for name in PLAN_FIELDS},
            labels={name: plan_label(name) for name in PLAN_FIELDS},
        )
        if problems:
            raise ValidationProblem(problems)
        content = plan_content(evaluation=evaluation, plan=plan)
        digest = content_hash(content)
        now = timezone.now()
        PlanVersion.objects.create(evaluation=evaluation, number=1, content=content,
                                   content_hash=digest, frozen_at=now, frozen_by=actor)
        evaluation.status = Evaluation.Status.REGISTERED
        evaluation.registered_at = now
        evaluation.save(update_fields=["status", "registered_at"])
        audit_append(action="evaluations.evaluation_register", actor=actor, obj=evaluation,
                     data={"plan_hash": digest, "version": 1, "design": evaluation.design})
    return evaluation
