"""Running an evaluation's registered analysis.

The analysis reads the latest data set and follows the plan as last frozen (registration or
its latest amendment): the design's columns and parameters (interrupted time series: the
start; synthetic control: the treated unit and the start; regression discontinuity: the
cutoff). It runs the same code as ``seedbed stats did|its|synth|rd`` and stores the result
tied to both. A new data set may be analysed again while the evaluation is analysed; the
result is replaced and the replacement audited. Once reported, the result is frozen.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from seedbed.accounts.models import User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.evaluations.models import (
    Design,
    Evaluation,
    EvaluationDataset,
    EvaluationResult,
    PlanVersion,
)
from seedbed.evaluations.rules import data_refusal, has_estimate
from seedbed.evaluations.uploads import analysis_payload, plan_labels
from seedbed.library.rules import engine_codes
from seedbed.stats import its, rd, synth
from seedbed.stats.did import staggered
from seedbed.stats.warnings import warning_text

ERROR_NO_DATA = "Add the evaluation's data before running the analysis"
ERROR_CHANGED = "The evaluation changed while the analysis ran: run it again"
ERROR_NOT_ESTIMABLE = (
    "Nothing could be estimated with the plan as it stands, so no result was stored: {reason} "
    "Amend the plan's {labels} to fit the data, then run the analysis again."
)

# The plan fields that decide whether the data can give each design's headline estimate (the
# first is where the refusal is shown).
AMEND_FIELDS: dict[str, tuple[str, ...]] = {
    Design.DID: ("first_treated_column",),
    Design.ITS: ("start",),
    Design.SYNTH: ("start", "treated_unit"),
    Design.RD: ("cutoff",),
}
# The engines' codes for "no estimate is possible with these data and parameters".
NOT_ESTIMABLE = (its.WARN_ITS_EXACT_FIT, its.WARN_ITS_NO_SEGMENT, rd.WARN_RD_NO_DATA_ON_A_SIDE,
                 rd.WARN_RD_TOO_FEW_FOR_BANDWIDTH, synth.WARN_SYNTH_NOT_ESTIMABLE,
                 staggered.WARN_NO_TREATED_GROUPS)
REASON_NO_ESTIMATE = "the data gave no estimate."
# Codes that point to another plan field than the design's parameter.
CODE_FIELDS = {its.WARN_ITS_EXACT_FIT: ("outcome_column",)}


def _latest(evaluation: Evaluation) -> tuple[EvaluationDataset | None, PlanVersion | None]:
    dataset = (EvaluationDataset.objects.filter(evaluation=evaluation)
               .order_by("-uploaded_at", "-id").first())
    version = PlanVersion.objects.filter(evaluation=evaluation).order_by("-number").first()
    return dataset, version


def _refuse_if_not_estimable(design: str, payload: Mapping[str, Any],
                             codes: list[str]) -> None:
    """Refuse an analysis that estimated nothing (the headline estimate is missing, or the
    engine says none is possible), naming the plan fields to amend: storing it would lock
    the plan, since only a registered plan may be amended."""
    blocking = [code for code in codes if code in NOT_ESTIMABLE]
    if has_estimate(design, payload) and not blocking:
        return
    fields = CODE_FIELDS.get(blocking[0], AMEND_FIELDS[design]) if blocking else AMEND_FIELDS[design]
    labels = plan_labels()
    reason = warning_text(blocking[0]) if blocking else REASON_NO_ESTIMATE
    raise ValidationProblem({fields[0]: ERROR_NOT_ESTIMABLE.format(
        reason=reason, labels=" or ".join(labels[name] for name in fields))})


def evaluation_analyse(*, actor: User, evaluation: Evaluation) -> EvaluationResult:
    """Run the registered analysis on the latest data set and store the result (replacing an
    earlier one); the evaluation becomes analysed.

    Refuses (``ValidationProblem``) before registration, once reported, without data, and
    when the data do not fit the plan (a treated unit missing from the data, too few periods
    before the start) or give no estimate (a start or cutoff outside the data): the message
    names the plan field. Nothing is stored on a refusal, so the plan can still be amended.
    """
    if refusal := data_refusal(evaluation.status):
        raise ValidationProblem({"__all__": refusal})
    dataset, version = _latest(evaluation)
    if dataset is None or version is None:
        raise ValidationProblem({"__all__": ERROR_NO_DATA})
    payload = analysis_payload(design=evaluation.design, parquet=bytes(dataset.parquet),
                               values=version.content, labels=plan_labels())
    warnings = engine_codes(payload)
    _refuse_if_not_estimable(evaluation.design, payload, warnings)
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
