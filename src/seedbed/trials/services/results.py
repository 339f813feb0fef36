"""Outcome data, the registered analysis, and publishing the result.

Outcome files (CSV or Excel) go through the data engine (``seedbed.data.ingest``), which
validates every row against the trial's schema and allocation list and either accepts the
whole file or rejects it with every problem by row and column; only an accepted file is
stored (as typed Parquet), so nothing from a rejected file is ever kept.
"""

from __future__ import annotations

import csv
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from seedbed.accounts.models import User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.data import AnalysisOptions, DataError, SourceSpec, TrialSchema, analyse_source, ingest
from seedbed.data.errors import ValidationReport
from seedbed.stats.evidence import COMPARISON_RANDOMISED, evidence_level
from seedbed.trials.jsonsafe import json_safe
from seedbed.trials.models import Allocation, Design, OutcomeDataset, Trial, TrialResult

ERROR_FILE_TYPE = "The file must be a CSV or Excel file (.csv, .xlsx)"
ERROR_FILE_EMPTY = "The selected file is empty"
ERROR_REJECTED = "The file was rejected and nothing was stored: {summary}"
ERROR_NOT_ANALYSABLE = "The analysis is run once recruitment has closed or the trial has stopped"
ERROR_NO_DATA = "Upload the outcome data first"
ERROR_ASSESSED = "Enter how many were assessed for eligibility (at least the number randomised, {n})"
ERROR_SUMMARY = "Write a plain-language summary of what the trial found"
ERROR_NO_RESULT = "Run the analysis before publishing"
ERROR_PUBLISHED = "The result is already published"
ERROR_ANALYSIS = "The analysis could not be run: {detail}"
ALLOWED_SUFFIXES = (".csv", ".xlsx", ".xls")
ANALYSABLE = (Trial.Status.CLOSED, Trial.Status.STOPPED)


class DataRejected(ValidationProblem):
    """An outcome file with problems; ``report`` lists them by row and column."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        lines = report.lines()
        super().__init__({"file": ERROR_REJECTED.format(summary=lines[0] if lines else "")})


def trial_schema(trial: Trial) -> TrialSchema:
    """The columns an outcome file of this trial must have (see the upload page)."""
    protocol = trial.protocol
    cluster_design = protocol.design in (Design.CLUSTER, Design.STEPPED_WEDGE)
    arms = ("control", "intervention") if protocol.design == Design.STEPPED_WEDGE else tuple(protocol.arm_list)
    return TrialSchema(
        arm="arm",
        outcomes=(protocol.outcome_column or "outcome",),
        unit="unit",
        cluster="cluster" if cluster_design else None,
        strata=("stratum",) if protocol.strata_list and not cluster_design else (),
        subgroups=tuple(protocol.subgroup_list),
        cost=protocol.cost_column or None,
        arms=arms,
        control=arms[0],
    )


def _allocation_csv(trial: Trial, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unit", "arm"])
        for unit, arm in Allocation.objects.filter(trial=trial).exclude(unit_ref="").values_list(
            "unit_ref", "arm"
        ):
            writer.writerow([unit, arm])


def outcome_upload(*, actor: User, trial: Trial, filename: str, content: bytes) -> OutcomeDataset:
    """Validate an outcome file and store it whole, or raise ``DataRejected`` (nothing stored).

    Individually randomised trials are checked against the allocation list: every unit must
    have been enrolled, in the arm it was allocated.
    """
    suffix = Path(filename).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ValidationProblem({"file": ERROR_FILE_TYPE})
    if not content:
        raise ValidationProblem({"file": ERROR_FILE_EMPTY})
    schema = trial_schema(trial)
    with tempfile.TemporaryDirectory(prefix="seedbed-trial-") as tmp:
        source = Path(tmp) / f"upload{suffix}"
        source.write_bytes(content)
        allocation = None
        if trial.protocol.design == Design.INDIVIDUAL:
            allocation = Path(tmp) / "allocation.csv"
            _allocation_csv(trial, allocation)
        out = Path(tmp) / "outcomes.parquet"
        try:
            dataset = ingest(path=source, schema=schema, out=out, allocation=allocation)
        except DataError as exc:
            raise DataRejected(exc.report) from None
        parquet = out.read_bytes()
    with transaction.atomic():
        record = OutcomeDataset.objects.create(
            trial=trial, filename=Path(filename).name[:200], rows=dataset.rows, parquet=parquet,
            uploaded_by=actor, uploaded_at=timezone.now(),
        )
        audit_append(action="trials.outcome_upload", actor=actor, obj=record,
                     data={"trial": trial.pk, "rows": dataset.rows})
    return record


def _arm_rows(parquet: Path) -> dict[str, int]:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(parquet, columns=["arm"])
    counts = pc.value_counts(table.column("arm")).to_pylist()
    return {str(c["values"]): int(c["counts"]) for c in counts if c["values"] is not None}


def _consort(trial: Trial, assessed: int, followed: dict[str, int], analysed: dict[str, int]) -> dict[str, Any]:
    protocol = trial.protocol
    arms = ("control", "intervention") if protocol.design == Design.STEPPED_WEDGE else protocol.arm_list
    enrolled = Allocation.objects.filter(trial=trial).exclude(unit_ref="")
    allocated = {arm: enrolled.filter(arm=arm).count() for arm in protocol.arm_list}
    return {
        "assessed": assessed,
        "randomised": enrolled.count(),
        "unit": "clusters" if protocol.design != Design.INDIVIDUAL else protocol.randomisation_unit,
        "arms": [
            {"arm": arm, "allocated": allocated.get(arm), "followed_up": followed.get(arm, 0),
             "analysed": analysed.get(arm, 0)}
            for arm in arms
        ],
    }


def analysis_run(
    *, actor: User, trial: Trial, assessed: int, plain_summary: str, lessons: str = ""
) -> TrialResult:
    """Run the registered analysis on the latest accepted outcome data (unpublished result).

    Primary effect: the covariate/strata-adjusted estimate when there is one, else the
    difference in means, of the first intervention arm against control. Direction and the
    Nesta evidence level come from ``seedbed.stats.evidence.evidence_level`` (a randomised
    comparison). Running again replaces an unpublished result.
    """
    if trial.status not in ANALYSABLE:
        raise ValidationProblem({"__all__": ERROR_NOT_ANALYSABLE})
    dataset = trial.datasets.order_by("-uploaded_at", "-id").first()
    if dataset is None:
        raise ValidationProblem({"__all__": ERROR_NO_DATA})
    randomised = Allocation.objects.filter(trial=trial).exclude(unit_ref="").count()
    problems: dict[str, str] = {}
    if assessed < randomised:
        problems["assessed"] = ERROR_ASSESSED.format(n=randomised)
    if not plain_summary.strip():
        problems["plain_summary"] = ERROR_SUMMARY
    if problems:
        raise ValidationProblem(problems)
    existing = TrialResult.objects.filter(trial=trial).first()
    if existing is not None and existing.is_published:
        raise ValidationProblem({"__all__": ERROR_PUBLISHED})
    protocol = trial.protocol
    schema = trial_schema(trial)
    with tempfile.TemporaryDirectory(prefix="seedbed-trial-") as tmp:
        parquet = Path(tmp) / "outcomes.parquet"
        parquet.write_bytes(bytes(dataset.parquet))
        try:
            run = analyse_source(
                spec=SourceSpec(location=str(parquet)), schema=schema,
                options=AnalysisOptions(control=schema.control, alpha=protocol.alpha,
                                        suppress_below=1),
            )
        except DataError as exc:
            raise ValidationProblem({"__all__": ERROR_ANALYSIS.format(
                detail="; ".join(exc.report.lines()[:3]))}) from None
        followed = _arm_rows(parquet)
    result = run.result
    primary = result.outcomes[0]
    estimate = (primary.adjusted or primary.unadjusted)[0]
    analysed = {s.arm: int(s.n or 0) for s in primary.summaries}
    cost = primary.cost[0].cost_per_outcome_gained if primary.cost else None
    level = evidence_level(
        theory_of_change=True, measured_change=True, comparison=COMPARISON_RANDOMISED,
        effect=estimate.effect, ci=tuple(estimate.ci), higher_is_better=protocol.higher_is_better,  # type: ignore[arg-type]
    )
    values = {
        "dataset": dataset, "analysis": json_safe(asdict(result)),
        "consort": _consort(trial, assessed, followed, analysed), "assessed": assessed,
        "effect": json_safe(estimate.effect), "ci_low": json_safe(estimate.ci[0]),
        "ci_high": json_safe(estimate.ci[1]), "p_value": json_safe(estimate.p),
        "direction": level.direction, "cost_per_outcome": json_safe(cost),
        "evidence_level": level.level, "plain_summary": plain_summary.strip(),
        "lessons": lessons.strip(), "run_by": actor, "run_at": timezone.now(),
    }
    with transaction.atomic():
        record, _ = TrialResult.objects.update_or_create(trial=trial, defaults=values)
        audit_append(action="trials.analysis_run", actor=actor, obj=record, data={
            "trial": trial.pk, "dataset": dataset.pk, "effect": values["effect"],
            "ci": [values["ci_low"], values["ci_high"]], "direction": level.direction,
        })
    return record


def result_publish(*, actor: User, trial: Trial) -> TrialResult:
    """Publish the result (positive, null or negative alike) and reveal the seed.

    With the seed anyone can regenerate the allocation sequence and check it against the
    commitment hash published at registration.
    """
    with transaction.atomic():
        trial = Trial.objects.select_for_update().get(pk=trial.pk)
        result = TrialResult.objects.filter(trial=trial).first()
        if result is None:
            raise ValidationProblem({"__all__": ERROR_NO_RESULT})
        if result.is_published:
            raise ValidationProblem({"__all__": ERROR_PUBLISHED})
        now = timezone.now()
        result.published_at = now
        result.save(update_fields=["published_at"])
        trial.status = Trial.Status.PUBLISHED
        trial.seed_revealed_at = now
        trial.save(update_fields=["status", "seed_revealed_at"])
        audit_append(action="trials.result_publish", actor=actor, obj=result, data={
            "trial": trial.pk, "direction": result.direction, "seed": trial.seed,
            "seed_commitment": trial.seed_commitment,
        })
    return result
