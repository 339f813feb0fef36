"""Publishing an evaluation's report.

Publishing moves an analysed evaluation to reported: its report becomes public and is frozen,
since from then on neither the plan (amendable only while registered), nor the data, nor the
analysis (``rules.data_refusal``) can change. The audit entry records what the report shows by
hash: the plan version analysed, the data set and the result's payload.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from seedbed.accounts.models import User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.evaluations.models import Evaluation, EvaluationResult
from seedbed.evaluations.rules import content_hash
from seedbed.evaluations.selectors import newer_data

ERROR_NOT_ANALYSED = "Only an analysed evaluation's report can be published: run the analysis first"
ERROR_ALREADY_REPORTED = "This evaluation's report is already published"
ERROR_NEWER_DATA = (
    "Newer data have been added since the analysis ran: analyse the new data first, then "
    "publish the report"
)


def evaluation_report(*, evaluation: Evaluation, actor: User) -> Evaluation:
    """Publish the report of an analysed evaluation (analysed -> reported) and return it.

    Refuses (``ValidationProblem``) unless the evaluation is analysed with a stored result,
    and while data added since are not analysed (the frozen report would describe old data).
    The audit entry holds the plan version and its hash, the data set's hash and the SHA-256
    of the result's payload (canonical JSON, as plan versions are hashed)."""
    with transaction.atomic():
        locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        if locked.status == Evaluation.Status.REPORTED:
            raise ValidationProblem({"__all__": ERROR_ALREADY_REPORTED})
        result = (EvaluationResult.objects.select_related("dataset", "plan_version")
                  .defer("dataset__parquet").filter(evaluation=locked).first())
        if locked.status != Evaluation.Status.ANALYSED or result is None:
            raise ValidationProblem({"__all__": ERROR_NOT_ANALYSED})
        if newer_data(result=result):
            raise ValidationProblem({"__all__": ERROR_NEWER_DATA})
        locked.status = Evaluation.Status.REPORTED
        locked.reported_at = timezone.now()
        locked.save(update_fields=["status", "reported_at"])
        audit_append(action="evaluations.evaluation_report", actor=actor, obj=locked, data={
            "plan_version": result.plan_version.number,
            "plan_hash": result.plan_version.content_hash,
            "dataset": result.dataset_id, "dataset_hash": result.dataset.content_hash,
            "result_hash": content_hash(result.payload), "warnings": list(result.warnings),
        })
    evaluation.status, evaluation.reported_at = locked.status, locked.reported_at
    return evaluation
