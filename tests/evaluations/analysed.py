"""Analysed evaluations for the tests: planned, registered and analysed on the generated data
of ``tests/evaluations/payloads.py``, as a lead would through the services."""

from __future__ import annotations

import hashlib
from typing import Any

from django.utils import timezone

from tests.evaluations.payloads import COLUMNS, csv_bytes, payload

COMMON = {
    "outcome": "The outcome, as the data set records it",
    "comparison": "Units, periods or people without the change",
    "period": "The periods in the data set",
    "assumptions": "Those the design relies on",
    "success": "A fall of at least 2 in the outcome",
}


def analysed_evaluation(world: dict[str, Any], design: str, *, title: str = "",
                        organisation: Any = None) -> Any:
    """An evaluation of ``design`` with its plan registered and its analysis stored (found by
    title when it exists, so page walks may ask for it many times)."""
    from seedbed.evaluations.models import Evaluation, EvaluationDataset, EvaluationResult
    from seedbed.evaluations.services import evaluation_create, evaluation_register, plan_update

    title = title or f"Analysed {design} evaluation"
    found = Evaluation.objects.filter(title=title).first()
    if found is not None:
        return found
    lead = world["users"]["lead"]
    organisation = organisation or next(iter(world["organisations"].values()))
    evaluation = evaluation_create(actor=lead, organisation=organisation, title=title,
                                   design=design, question=f"Did the change work? ({design})")
    plan_update(actor=lead, evaluation=evaluation, changes={**COMMON, **COLUMNS[design]})
    evaluation = evaluation_register(actor=lead, evaluation=evaluation)
    data = csv_bytes(design)
    dataset = EvaluationDataset.objects.create(
        evaluation=evaluation, filename=f"{design}.csv", rows=data.count(b"\n") - 1,
        parquet=b"", content_hash=hashlib.sha256(data).hexdigest(), uploaded_by=lead,
        uploaded_at=timezone.now())
    result_payload = payload(design)
    EvaluationResult.objects.create(
        evaluation=evaluation, dataset=dataset, plan_version=evaluation.versions.get(number=1),
        design=design, payload=result_payload, warnings=result_payload["warnings"],
        analysed_by=lead, analysed_at=timezone.now())
    Evaluation.objects.filter(pk=evaluation.pk).update(status=Evaluation.Status.ANALYSED)
    evaluation.refresh_from_db()
    return evaluation
