"""A reported evaluation for the library tests: registered through the services, its analysis
stored as a given engine payload (``tests/evaluations/analysed.py`` stores generated ones) and
its report published through the service."""

from __future__ import annotations

import hashlib
from typing import Any

from django.utils import timezone

PLAN = {
    "outcome": "Referrals to children's social care per 1,000 children, each quarter",
    "comparison": "Wards where hubs had not yet opened", "period": "2021 Q1 to 2025 Q4",
    "assumptions": "Parallel trends before opening",
    "success": "A fall of at least 5 referrals per 1,000 children",
    "outcome_column": "referrals", "unit_column": "ward", "time_column": "quarter",
    "first_treated_column": "hub_opened",
}
# What `seedbed stats did --json` printed: a fall, with the joint pre-trend test rejecting.
DID_PAYLOAD: dict[str, Any] = {
    "att": -3.2, "se": 1.0, "ci": [-5.2, -1.2], "p": 0.001, "pretrend_p": 0.012,
    "alpha": 0.05, "n_units": 48, "n_clusters": 48,
    "warnings": ["pretrend_test_failed", "unbalanced_panel_units_dropped"],
}


def reported_evaluation(world: dict[str, Any], *, title: str, organisation: Any,
                        payload: dict[str, Any] | None = None, report: bool = True) -> Any:
    """A difference-in-differences evaluation analysed on ``payload`` (found by title when it
    exists), reported unless ``report=False``."""
    from seedbed.evaluations.models import (
        Design,
        Evaluation,
        EvaluationDataset,
        EvaluationResult,
    )
    from seedbed.evaluations.services import evaluation_create, evaluation_register, plan_update
    from seedbed.evaluations.services.report import evaluation_report

    found = Evaluation.objects.filter(title=title).first()
    if found is not None:
        return found
    lead = world["users"]["lead"]
    evaluation = evaluation_create(actor=lead, organisation=organisation, title=title,
                                   design=Design.DID,
                                   question="Did opening family hubs reduce referrals?")
    plan_update(actor=lead, evaluation=evaluation, changes=PLAN)
    evaluation = evaluation_register(actor=lead, evaluation=evaluation)
    dataset = EvaluationDataset.objects.create(
        evaluation=evaluation, filename="hubs.csv", rows=960, parquet=b"",
        content_hash=hashlib.sha256(title.encode()).hexdigest(), uploaded_by=lead,
        uploaded_at=timezone.now())
    payload = payload or DID_PAYLOAD
    EvaluationResult.objects.create(
        evaluation=evaluation, dataset=dataset, plan_version=evaluation.versions.get(number=1),
        design=Design.DID, payload=payload, warnings=payload["warnings"], analysed_by=lead,
        analysed_at=timezone.now())
    Evaluation.objects.filter(pk=evaluation.pk).update(status=Evaluation.Status.ANALYSED)
    evaluation.refresh_from_db()
    if report:
        evaluation = evaluation_report(evaluation=evaluation, actor=lead)
    return evaluation
