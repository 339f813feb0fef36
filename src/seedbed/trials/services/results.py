"""Outcome data, the registered analysis, and publishing the result.

Outcome files (CSV or Excel) go through the data engine (``seedbed.data.ingest``), which
validates every row against the trial's schema and allocation list and either accepts the
whole file or rejects it with every problem by row and column; only an accepted file is
stored (as typed Parquet), so nothing from a rejected file is ever kept.
"""

from __future__ import annotations

import csv
import tempfile
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from seedbed.accounts.models import User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.data import AnalysisOptions, DataError, SourceSpec, TrialSchema, analyse_source, ingest
from seedbed.data.errors import Problem, ValidationReport, build_report, merge_reports
from seedbed.library.services import case_create_from_trial
from seedbed.stats.evidence import COMPARISON_RANDOMISED, evidence_level
from seedbed.trials.jsonsafe import json_safe
from seedbed.trials.models import Allocation, Design, OutcomeDataset, Trial, TrialResult
from seedbed.trials.stepped_wedge import stepped_wedge_effect

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
ERROR_SW_MISSING = 'row {row}, column "{column}": enter the {column}'
ERROR_SW_CLUSTER = 'row {row}, column "{column}": "{value}" is not one of the registered clusters'
KIND_SW_MISSING = "missing_value"
KIND_SW_CLUSTER = "unknown_cluster"
ALLOWED_SUFFIXES = (".csv", ".xlsx", ".xls")
SW_CLUSTER, SW_PERIOD, SW_TREATED = "cluster", "period", "treated"
SW_ARMS = ("0", "1")
SW_ARM_NAMES = {"0": "control", "1": "intervention"}
ANALYSABLE = (Trial.Status.CLOSED, Trial.Status.STOPPED)


class DataRejected(ValidationProblem):
    """An outcome file with problems; ``report`` lists them by row and column."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        lines = report.lines()
        super().__init__({"file": ERROR_REJECTED.format(summary=lines[0] if lines else "")})


def trial_schema(trial: Trial) -> TrialSchema:
    """The columns an outcome file of this trial must have (see the upload page).

    A stepped-wedge trial has one row per observation: ``cluster``, ``period``, ``treated``
    (1 when the cluster was under the intervention in that period, else 0) and the outcome.
    """
    protocol = trial.protocol
    if protocol.design == Design.STEPPED_WEDGE:
        return TrialSchema(
            arm=SW_TREATED, outcomes=(protocol.outcome_column or "outcome",),
            strata=(SW_CLUSTER, SW_PERIOD), cost=protocol.cost_column or None,
            arms=SW_ARMS, control=SW_ARMS[0],
        )
    cluster_design = protocol.design == Design.CLUSTER
    arms = tuple(protocol.arm_list)
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
    with tempfile.TemporaryDirectory(prefix="seedbed-trial-") as tmp:
        source = Path(tmp) / f"upload{suffix}"
        source.write_bytes(content)
        parquet, rows = validated_parquet(trial=trial, source=source, workdir=Path(tmp))
    return dataset_store(actor=actor, trial=trial, filename=Path(filename).name[:200],
                         rows=rows, parquet=parquet, action="trials.outcome_upload")


def validated_parquet(
    *, trial: Trial, source: Path, workdir: Path,
    schema: TrialSchema | None = None, rename: dict[str, str] | None = None,
) -> tuple[bytes, int]:
    """Validate ``source`` (CSV, Excel or Parquet) with the data engine; the typed Parquet
    bytes (columns named as in ``trial_schema``) and its row count, or ``DataRejected``.

    ``schema`` names the columns as they are in the source and ``rename`` maps them to the
    trial's column names (a connected table); by default both are the trial's own.
    """
    import pyarrow.parquet as pq

    allocation = None
    if trial.protocol.design == Design.INDIVIDUAL:
        allocation = workdir / "allocation.csv"
        _allocation_csv(trial, allocation)
    out = workdir / "outcomes.parquet"
    schema = schema or trial_schema(trial)
    stepped = trial.protocol.design == Design.STEPPED_WEDGE
    try:
        dataset = ingest(path=source, schema=schema, out=out, allocation=allocation)
    except DataError as exc:
        extra = _stepped_wedge_report(trial, source, schema, rename, workdir) if stepped else None
        raise DataRejected(merge_reports(exc.report, extra) if extra else exc.report) from None
    if stepped:
        extra = _stepped_wedge_report(trial, source, schema, rename, workdir)
        if extra is not None:
            raise DataRejected(extra)
    if rename:
        table = pq.read_table(out)
        pq.write_table(table.rename_columns([rename.get(c, c) for c in table.column_names]), out)
    return out.read_bytes(), dataset.rows


def _stepped_wedge_report(trial: Trial, source: Path, schema: TrialSchema,
                          rename: dict[str, str] | None, workdir: Path) -> ValidationReport | None:
    """Rows without a cluster or period, or with an unregistered cluster (None if none).

    The source is read as text with its row numbers (spreadsheet rows for CSV and Excel,
    record numbers from 1 for Parquet), as the data engine numbers them.
    """
    import pyarrow.parquet as pq

    from seedbed.data.staging import stage_csv, stage_excel

    names = {role: column for column, role in (rename or {}).items()}
    cluster, period = names.get(SW_CLUSTER, SW_CLUSTER), names.get(SW_PERIOD, SW_PERIOD)
    try:
        if source.suffix.lower() == ".parquet":
            data = pq.read_table(source, columns=[cluster, period]).to_pydict()
            numbers = list(range(1, len(data[cluster]) + 1))
        else:
            staged = workdir / "stepped-wedge-check.parquet"
            if source.suffix.lower() == ".csv":
                stage_csv(path=source, schema=schema, out=staged)
            else:
                stage_excel(path=source, schema=schema, out=staged)
            data = pq.read_table(staged, columns=[cluster, period, "_row"]).to_pydict()
            numbers = [int(n) for n in data["_row"]]
    except Exception:  # noqa: BLE001 - an unreadable source is already reported by ingest
        return None
    registered = set(trial.protocol.cluster_list)
    problems: list[Problem] = []
    counts: Counter[str] = Counter()
    for row, c, t in zip(numbers, data[cluster], data[period], strict=True):
        for column, value in ((cluster, c), (period, t)):
            if value is None or not str(value).strip():
                counts[KIND_SW_MISSING] += 1
                problems.append(Problem(row, column, KIND_SW_MISSING,
                                        ERROR_SW_MISSING.format(row=row, column=column)))
        if c is not None and str(c).strip() and registered and str(c).strip() not in registered:
            counts[KIND_SW_CLUSTER] += 1
            problems.append(Problem(row, cluster, KIND_SW_CLUSTER,
                                    ERROR_SW_CLUSTER.format(row=row, column=cluster, value=c)))
    return build_report(problems, counts) if problems else None


def dataset_store(
    *, actor: User, trial: Trial, filename: str, rows: int, parquet: bytes, action: str,
    source: dict[str, Any] | None = None,
) -> OutcomeDataset:
    """Store validated outcome data (only ever called after validation passed)."""
    with transaction.atomic():
        record = OutcomeDataset.objects.create(
            trial=trial, filename=filename, rows=rows, parquet=parquet, source=source or {},
            uploaded_by=actor, uploaded_at=timezone.now(),
        )
        audit_append(action=action, actor=actor, obj=record,
                     data={"trial": trial.pk, "rows": rows, **(source or {})})
    return record


def _arm_rows(parquet: Path, column: str = "arm") -> dict[str, int]:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(parquet, columns=[column])
    counts = pc.value_counts(table.column(column)).to_pylist()
    return {str(c["values"]): int(c["counts"]) for c in counts if c["values"] is not None}


def _consort(trial: Trial, assessed: int, followed: dict[str, int], analysed: dict[str, int]) -> dict[str, Any]:
    """The CONSORT flow. In a stepped wedge every enrolled cluster is allocated to both
    conditions (control periods, then intervention periods); observations are followed up
    and analysed in each."""
    protocol = trial.protocol
    enrolled = Allocation.objects.filter(trial=trial).exclude(unit_ref="")
    if protocol.design == Design.STEPPED_WEDGE:
        arms: list[str] = list(SW_ARM_NAMES.values())
        allocated = dict.fromkeys(arms, enrolled.count())
    else:
        arms = protocol.arm_list
        allocated = {arm: enrolled.filter(arm=arm).count() for arm in arms}
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


def _relabel(value: Any, names: dict[str, str]) -> Any:
    """The analysis with stepped-wedge arm codes 0/1 named control/intervention."""
    if isinstance(value, dict):
        return {k: (names.get(v, v) if k in ("arm", "control") and isinstance(v, str)
                    else _relabel(v, names)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [names.get(v, v) if isinstance(v, str) else _relabel(v, names) for v in value]
    return value


def _stepped_wedge(trial: Trial, parquet: Path) -> dict[str, Any]:
    import pyarrow.parquet as pq

    schema = trial_schema(trial)
    outcome = schema.outcomes[0]
    columns = pq.read_table(parquet, columns=[SW_CLUSTER, SW_PERIOD, SW_TREATED, outcome]).to_pydict()
    estimate = stepped_wedge_effect(
        clusters=columns[SW_CLUSTER], periods=columns[SW_PERIOD],
        treated=[float(v) for v in columns[SW_TREATED]], outcome=columns[outcome],
        outcome_name=outcome, alpha=trial.protocol.alpha,
    )
    return json_safe(asdict(estimate))  # type: ignore[no-any-return]


def _analyse(trial: Trial, dataset: OutcomeDataset) -> tuple[dict[str, Any], Any, dict[str, int], Any]:
    """The analysis JSON, the primary estimate (effect, ci, p), rows per arm, and the cost
    analysis of the primary outcome (None without a cost column)."""
    protocol = trial.protocol
    schema = trial_schema(trial)
    stepped = protocol.design == Design.STEPPED_WEDGE
    if stepped:  # summaries by condition; the effect comes from the period-adjusted model
        schema = TrialSchema(arm=SW_TREATED, outcomes=schema.outcomes, cost=schema.cost,
                             arms=SW_ARMS, control=SW_ARMS[0])
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
        followed = _arm_rows(parquet, SW_TREATED if stepped else "arm")
        analysis = json_safe(asdict(run.result))
        primary = run.result.outcomes[0]
        # cluster trials: the mixed model they are planned under (seedbed.data.mixedfit)
        estimate: Any = (primary.mixed or primary.adjusted or primary.unadjusted)[0]
        if stepped:
            analysis = _relabel(analysis, SW_ARM_NAMES)
            followed = {SW_ARM_NAMES.get(k, k): v for k, v in followed.items()}
            analysis["stepped_wedge"] = _stepped_wedge(trial, parquet)
            estimate = analysis["stepped_wedge"]
    return analysis, estimate, followed, primary.cost[0] if primary.cost else None


def analysis_run(
    *, actor: User, trial: Trial, assessed: int, plain_summary: str, lessons: str = ""
) -> TrialResult:
    """Run the registered analysis on the latest accepted outcome data (unpublished result).

    Primary effect: for a cluster trial the mixed-model estimate (random cluster intercept,
    G - 2 df); otherwise the covariate/strata-adjusted estimate when there is one, else the
    difference in means, of the first intervention arm against control; for a stepped-wedge
    trial, the period-adjusted mixed-model estimate of ``seedbed.trials.stepped_wedge``
    (intervention against control periods). Direction and the Nesta evidence level come from ``seedbed.stats.evidence.evidence_level`` (a randomised
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
    analysis, estimate, followed, cost_analysis = _analyse(trial, dataset)
    primary = analysis["outcomes"][0]
    if isinstance(estimate, dict):
        effect, ci, p = estimate["effect"], tuple(estimate["ci"]), estimate["p"]
    else:
        effect, ci, p = estimate.effect, tuple(estimate.ci), estimate.p
    analysed = {s["arm"]: int(s["n"] or 0) for s in primary["summaries"]}
    cost = cost_analysis.cost_per_outcome_gained if cost_analysis else None
    level = evidence_level(
        theory_of_change=True, measured_change=True, comparison=COMPARISON_RANDOMISED,
        effect=effect, ci=ci, higher_is_better=protocol.higher_is_better,  # type: ignore[arg-type]
    )
    values = {
        "dataset": dataset, "analysis": analysis,
        "consort": _consort(trial, assessed, followed, analysed), "assessed": assessed,
        "effect": json_safe(effect), "ci_low": json_safe(ci[0]),
        "ci_high": json_safe(ci[1]), "p_value": json_safe(p),
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
    """Publish the result (positive, null or negative alike), reveal the seed and create the
    published library case, all in one transaction.

    With the seed anyone can regenerate the allocation sequence and check it against the
    commitment hash published at registration. The case comes from
    ``seedbed.library.services.case_create_from_trial``; if it cannot be written, nothing is
    published.
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
        case_create_from_trial(trial=trial, actor=actor)
    return result
