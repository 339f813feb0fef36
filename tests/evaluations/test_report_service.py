"""Publishing an evaluation's report: only from analysed, audited with what it shows, and
frozen afterwards (no new data, analysis or amendment)."""

from __future__ import annotations

from typing import Any

import pytest

from seedbed.core.audit import audit_verify
from seedbed.core.errors import ValidationProblem
from seedbed.core.models import AuditEntry
from seedbed.evaluations.models import Evaluation
from seedbed.evaluations.rules import content_hash
from seedbed.evaluations.selectors import analysis_summary
from seedbed.evaluations.services import (
    dataset_upload,
    evaluation_analyse,
    evaluation_report,
    plan_amend,
)
from seedbed.evaluations.services.report import (
    ERROR_ALREADY_REPORTED,
    ERROR_NEWER_DATA,
    ERROR_NOT_ANALYSED,
)
from tests.evaluations.analysed import analysed_evaluation
from tests.evaluations.payloads import csv_bytes


def test_publishing_freezes_the_plan_the_data_and_the_result(trial_world: dict[str, Any]) -> None:
    evaluation = analysed_evaluation(trial_world, "rd")
    lead = trial_world["users"]["lead"]
    result = evaluation.result
    reported = evaluation_report(evaluation=evaluation, actor=lead)
    assert reported.status == Evaluation.Status.REPORTED and reported.reported_at
    entry = AuditEntry.objects.get(action="evaluations.evaluation_report")
    assert entry.data["result_hash"] == content_hash(result.payload)
    assert entry.data["plan_hash"] == result.plan_version.content_hash
    assert audit_verify().ok

    with pytest.raises(ValidationProblem):
        dataset_upload(actor=lead, evaluation=reported, filename="rd.csv", content=csv_bytes("rd"))
    with pytest.raises(ValidationProblem):
        evaluation_analyse(actor=lead, evaluation=reported)
    with pytest.raises(ValidationProblem):
        plan_amend(actor=lead, evaluation=reported, changes={"cutoff": 55.0}, reason="Later")
    with pytest.raises(ValidationProblem) as again:
        evaluation_report(evaluation=reported, actor=lead)
    assert again.value.problems["__all__"] == ERROR_ALREADY_REPORTED
    reported.refresh_from_db()
    assert reported.result.payload == result.payload


def test_an_evaluation_not_analysed_cannot_be_reported(trial_world: dict[str, Any]) -> None:
    from tests.evaluations.datasets import registered

    evaluation = registered(trial_world, "its")
    with pytest.raises(ValidationProblem) as refused:
        evaluation_report(evaluation=evaluation, actor=trial_world["users"]["lead"])
    assert refused.value.problems["__all__"] == ERROR_NOT_ANALYSED
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.REGISTERED
    assert not AuditEntry.objects.filter(action="evaluations.evaluation_report").exists()


def test_a_report_is_not_published_while_newer_data_are_not_analysed(
        trial_world: dict[str, Any]) -> None:
    evaluation = analysed_evaluation(trial_world, "rd")
    lead = trial_world["users"]["lead"]
    dataset_upload(actor=lead, evaluation=evaluation, filename="new.csv", content=csv_bytes("rd"))
    assert analysis_summary(result=evaluation.result)["newer_data"]
    with pytest.raises(ValidationProblem) as refused:
        evaluation_report(evaluation=evaluation, actor=lead)
    assert refused.value.problems["__all__"] == ERROR_NEWER_DATA
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.ANALYSED
    assert not AuditEntry.objects.filter(action="evaluations.evaluation_report").exists()

    result = evaluation_analyse(actor=lead, evaluation=evaluation)
    assert result.dataset.filename == "new.csv"
    assert not analysis_summary(result=result)["newer_data"]
    assert evaluation_report(evaluation=evaluation, actor=lead).status == Evaluation.Status.REPORTED
