"""Reading evaluations: the only way views reach records beyond the one their gatekeeper
returns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from seedbed.accounts.models import Organisation
from seedbed.core.access import COUNCIL_KINDS, is_council_staff
from seedbed.evaluations import charts, rules
from seedbed.evaluations.models import (
    Design,
    Evaluation,
    EvaluationDataset,
    EvaluationResult,
    PlanVersion,
)
from seedbed.library.models import Case
from seedbed.library.rules import QuasiEvidence, evaluation_evidence
from seedbed.library.selectors import case_for_record
from seedbed.portfolio.models import ServiceArea
from seedbed.stats.warnings import warning_texts


def evaluation_list(*, for_user: Any) -> QuerySet[Evaluation]:
    """Evaluations ``for_user`` may see, newest first: every one for council staff, the
    registered ones (and later) for everyone else."""
    evaluations = Evaluation.objects.select_related("organisation", "service_area", "plan")
    if not is_council_staff(for_user):
        evaluations = evaluations.exclude(status=Evaluation.Status.DRAFT)
    return evaluations


def plan_versions(*, evaluation: Evaluation) -> QuerySet[PlanVersion]:
    """The plan's frozen versions, first (registration) to latest amendment."""
    return evaluation.versions.select_related("frozen_by").order_by("number")


def first_data_at(*, evaluation: Evaluation) -> datetime | None:
    """When the evaluation's first data set was added (None before any): an amendment frozen
    after it was made with the data at hand."""
    return (evaluation.datasets.order_by("uploaded_at", "id")
            .values_list("uploaded_at", flat=True).first())


def organisation_choices() -> QuerySet[Organisation]:
    """Organisations an evaluation may belong to: the council's own (council, services,
    partners)."""
    return Organisation.objects.filter(kind__in=sorted(COUNCIL_KINDS)).order_by("name")


def service_area_choices() -> QuerySet[ServiceArea]:
    return ServiceArea.objects.order_by("name")


def dataset_list(*, evaluation: Evaluation) -> QuerySet[EvaluationDataset]:
    """The evaluation's data sets, newest first (the analysis reads the newest), without
    their contents."""
    return (evaluation.datasets.select_related("uploaded_by").defer("parquet")
            .order_by("-uploaded_at", "-id"))


def evaluation_result(*, evaluation: Evaluation) -> EvaluationResult | None:
    """The evaluation's stored analysis, if it has been run."""
    return (EvaluationResult.objects.select_related("dataset", "plan_version")
            .defer("dataset__parquet").filter(evaluation=evaluation).first())


def _words(column: object, default: str) -> str:
    """A column name as words for a chart or a sentence ("months_at_home": "months at home")."""
    return " ".join(str(column or "").replace("_", " ").split()) or default


def newer_data(*, result: EvaluationResult) -> bool:
    """Whether data have been added since ``result`` was analysed (its data set is not the
    evaluation's latest), so the result no longer describes the evaluation's data."""
    latest = (EvaluationDataset.objects.filter(evaluation_id=result.evaluation_id)
              .order_by("-uploaded_at", "-id").values_list("pk", flat=True).first())
    return latest is not None and latest != result.dataset_id


def analysis_summary(*, result: EvaluationResult) -> dict[str, Any]:
    """What the analysis page and the report show of a result: the estimates and the checks
    in plain words, the design's charts with their tables, the assumptions, every warning as
    its sentence from the catalogue (never a code), the plan version analysed, the data set
    (file, rows, hash), whether newer data have been added since, the plan's optional
    choices in words and what the plan said would count as success."""
    content = result.plan_version.content
    outcome = _words(content.get("outcome_column"), "the outcome")
    payload = result.payload
    return {
        "result": result,
        "estimates": rules.result_estimates(result.design, payload, outcome=outcome),
        "checks": rules.result_checks(result.design, payload),
        "charts": charts.design_charts(result.design, payload, outcome=outcome,
                                       running=_words(content.get("running_column"), "score")),
        "assumptions": [str(text) for text in payload.get("assumptions") or []],
        "warnings": warning_texts(result.warnings),
        "method": str(payload.get("method") or ""),
        "donor_weights": rules.donor_weights(payload) if result.design == Design.SYNTH else [],
        "plan_version": result.plan_version,
        "dataset": result.dataset,
        "newer_data": newer_data(result=result),
        "success": str(content.get("success") or ""),
        "plan_choices": [
            (rules.plan_label(name),
             rules.plan_value_text(name, content.get(name), design=result.design) or "Not used")
            for name in rules.OPTIONAL_FIELDS[Design(result.design)]],
    }


def evaluation_case(*, evaluation: Evaluation) -> Case | None:
    """The evaluation's library case, if it has been added to the library."""
    return case_for_record(record=evaluation)


def case_preview(*, evaluation: Evaluation, higher_is_better: bool = True) -> QuasiEvidence | None:
    """The levels, and each downgrade's reason, the evaluation's library case would carry
    (``seedbed.library.rules.evaluation_evidence`` on its stored analysis); None before it is
    analysed. The levels do not depend on ``higher_is_better``, only the finding's direction."""
    result = evaluation_result(evaluation=evaluation)
    if result is None:
        return None
    return evaluation_evidence(design=result.design, payload=result.payload,
                               warnings=[str(w) for w in result.warnings or ()],
                               higher_is_better=higher_is_better)


def connected_tables() -> dict[str, tuple[str, ...]]:
    """The tables and views each named database connection offers (none when no app
    registers connections, see ``core.registry``)."""
    from seedbed.core.registry import table_source

    source = table_source()
    return {name: tables for name, tables in source.offered().items() if tables} if source else {}
