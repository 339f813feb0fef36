"""Adding a reported evaluation to the library.

The library writes the case (``seedbed.library.services.case_create_from_evaluation``): its
Maryland Scientific Methods Scale and Nesta levels, each downgrade's reason and the finding
come from the analysis the report published. This service checks the evaluation may be added,
hands the library plain values from the frozen plan version and the result, and records the
addition in the audit log, all in one transaction.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse

from seedbed.accounts.models import User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.evaluations.models import Evaluation, EvaluationResult
from seedbed.evaluations.rules import case_refusal, has_estimate
from seedbed.library.models import Case
from seedbed.library.selectors import case_for_record
from seedbed.library.services import EvaluationFinding, case_create_from_evaluation


def evaluation_case_create(
    *, actor: User, evaluation: Evaluation, summary: str, what_was_done: str,
    higher_is_better: bool, lessons_worked: str = "", lessons_did_not: str = "",
    lessons_differently: str = "",
) -> Case:
    """Add a reported evaluation to the library as a published case, and return the case.

    ``summary`` and ``what_was_done`` are the case's plain-language summary and what was
    changed; ``higher_is_better`` says which way the outcome is good (the plan does not say),
    which sets whether the finding is positive or negative. The problem and the outcome come
    from the plan version the analysis followed. Refuses (``ValidationProblem``) unless the
    report is published, and once the evaluation has a case (one per evaluation: the row is
    locked, and the library's unique source constraint backs it).
    """
    with transaction.atomic():
        locked = (Evaluation.objects.select_for_update(of=("self",))
                  .select_related("organisation", "service_area").get(pk=evaluation.pk))
        result = (EvaluationResult.objects.select_related("plan_version")
                  .filter(evaluation=locked).first())
        refusal = case_refusal(
            status=locked.status, has_result=result is not None,
            has_case=case_for_record(record=locked) is not None,
            has_estimate=result is not None and has_estimate(result.design, result.payload))
        if refusal or result is None:
            raise ValidationProblem({"__all__": refusal})
        plan = result.plan_version.content
        case = case_create_from_evaluation(actor=actor, finding=EvaluationFinding(
            record=locked, title=locked.title, question=str(plan.get("question") or ""),
            what_was_done=what_was_done, summary=summary, design=result.design,
            outcome=str(plan.get("outcome") or ""), payload=result.payload,
            warnings=tuple(str(w) for w in result.warnings or ()),
            higher_is_better=higher_is_better,
            year=(locked.reported_at or result.analysed_at).year,
            organisation=locked.organisation, service_area=locked.service_area,
            registry_url=reverse("evaluations:evaluation_detail", args=[locked.pk]),
            lessons_worked=lessons_worked.strip(), lessons_did_not=lessons_did_not.strip(),
            lessons_differently=lessons_differently.strip(),
        ))
        audit_append(action="evaluations.evaluation_case_create", actor=actor, obj=locked, data={
            "case": case.pk, "design": case.design, "sms_level": case.sms_level,
            "evidence_level": case.evidence_level, "direction": case.direction,
            "higher_is_better": higher_is_better, "plan_version": result.plan_version.number,
        })
    return case
