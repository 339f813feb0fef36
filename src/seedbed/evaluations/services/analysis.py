"""Running an evaluation's registered analysis.

The analysis reads the latest data set and follows the plan as last frozen (registration or
its latest amendment): the design's columns and parameters (interrupted time series: the
start; synthetic control: the treated unit and the start; regression discontinuity: the
cutoff). It runs the same code as ``seedbed stats did|its|synth|rd`` and stores the result
tied to both. A new data set may be analysed again while the evaluation is analysed; the
result is replaced and the replacement audited. Once reported, the result is frozen.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from seedbed.accounts.models import User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.evaluations.models import (
    Evaluation,
    EvaluationDataset,
    EvaluationResult,
    PlanVersion,
)
from seedbed.evaluations.rules import data_refusal
from seedbed.evaluations.uploads import analysis_payload, plan_labels

ERROR_NO_DATA = "Add the evaluation's data before running the analysis"
ERROR_CHANGED = "The evaluation changed while the analysis ran: run it again"


def _latest(evaluation: Evaluation) -> tuple[EvaluationDataset | None, PlanVersion | None]:
    dataset = (EvaluationDataset.objects.filter(evaluation=evaluation)
               .order_by("-uploaded_at", "-id").first())
    version = PlanVersion.objects.filter(evaluation=evaluation).order_by("-number").first()
    return dataset, version


def evaluation_analyse(*, actor: User, evaluation: Evaluation) -> EvaluationResult:
    """Run the registered analysis on the latest data set and store the result (replacing an
    earlier one); the evaluation becomes analysed.

    Refuses (``ValidationProblem``) before registration, once reported, without data, and
    when the data do not fit the plan (a treated unit missing from the data, too few periods
    before the start): the message names the plan field. Nothing is stored on a refusal.
    """
    if refusal := data_refusal(evaluation.status):
        raise ValidationProblem({"__all__": refusal})
    dataset, version = _latest(evaluation)
    if dataset is None or version is None:
        raise ValidationProblem({"__all__": ERROR_NO_DATA})
    payload = analysis_payload(design=evaluation.design, parquet=bytes(dataset.parquet),
                               values=version.content, labels=plan_labels())
    warnings = [str(code) for code in payload.get("warnings", [])]
    with transaction.atomic():
        locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        if refusal := data_refusal(locked.status):
            raise ValidationProblem({"__all__": refusal})
        if _latest(locked) != (dataset, version):
            raise ValidationProblem({"__all__": ERROR_CHANGED})
        previous = EvaluationResult.objects.filter(evaluation=locked).first()
        fields = {"dataset": dataset, "plan_version": version, "design": locked.design,
                  "payload": payload, "warnings": warnings, "analysed_by": actor,
                  "analysed_at": timezone.now()}
        result, _ = EvaluationResult.objects.update_or_create(evaluation=locked,
                                                              defaults=fields)
        locked.status = Evaluation.Status.ANALYSED
        locked.save(update_fields=["status"])
        audit_append(action="evaluations.evaluation_analyse", actor=actor, obj=locked, data={
            "dataset": dataset.pk, "dataset_hash": dataset.content_hash,
            "plan_version": version.number, "plan_hash": version.content_hash,
            "design": locked.design, "warnings": warnings,
            "replaced_dataset": previous.dataset_id if previous else None,
        })
    evaluation.status = locked.status
    return result
