"""Connected outcome data: the named database connections an administrator configures.

``SEEDBED_DATA_CONNECTIONS`` holds ``name=url`` pairs separated by semicolons, e.g.
``warehouse=postgresql://reader:secret@db.internal/warehouse;local=duckdb:///srv/data/outcomes.duckdb``.
It is read from Django settings when the settings define it, otherwise from the
environment. People only ever see and pick the names: a connection string is never typed
into, or shown on, a page. Only PostgreSQL and DuckDB URLs are accepted (the data engine's
database engines); any other entry is ignored.

Each connection reads only the tables and views an administrator lists for it
(``DataConnection.relations``, changed through ``connection_relations_set``, audited): a
connection with no list reads nothing. Seedbed's own database is never a connection target,
whatever its address is written as, unless ``SEEDBED_DATA_CONNECT_APP_DATABASE`` is true.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections as django_databases

from seedbed.core.errors import ValidationProblem
from seedbed.core.models import AuditEntry
from seedbed.data import (
    AnalysisOptions,
    DataError,
    SourceSpec,
    TrialSchema,
    analyse_source,
    ingest,
    validate_file,
)
from seedbed.data.errors import (
    KIND_NOT_ALLOCATED,
    KIND_WRONG_ARM,
    Problem,
    ValidationReport,
    build_report,
    merge_reports,
)
from seedbed.data.relations import ConnectionPolicy, database_identity
from seedbed.stats.stepped_wedge import stepped_wedge_effect
from seedbed.trials.models import Allocation, DataConnection, Design, OutcomeDataset, Trial
from seedbed.trials.rules import factor_column, json_safe, minimisation_factors

SETTING = "SEEDBED_DATA_CONNECTIONS"
APP_DATABASE_SETTING = "SEEDBED_DATA_CONNECT_APP_DATABASE"
SCHEMES = ("postgres://", "postgresql://", "duckdb://")


def parse_connections(raw: str) -> dict[str, str]:
    """``name=url;name=url`` as a dict (names trimmed; unsupported URLs left out)."""
    out: dict[str, str] = {}
    for part in raw.split(";"):
        name, sep, url = part.partition("=")
        name, url = name.strip(), url.strip()
        if sep and name and url.startswith(SCHEMES):
            out[name] = url
    return out


def data_connections() -> dict[str, str]:
    """The configured connections by name (settings first, then the environment)."""
    raw = getattr(settings, SETTING, None)
    if raw is None:
        raw = os.environ.get(SETTING, "")
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items() if str(v).startswith(SCHEMES)}
    return parse_connections(str(raw))


def connection_relations() -> dict[str, tuple[str, ...]]:
    """Each configured connection's allowed tables and views, by name (empty when none)."""
    lists = {c.name: tuple(c.relations) for c in DataConnection.objects.filter(name__in=data_connections())}
    return {name: lists.get(name, ()) for name in sorted(data_connections())}


def _app_database_identity(config: dict[str, Any]) -> str | None:
    engine, name = str(config.get("ENGINE", "")), str(config.get("NAME") or "")
    if engine.endswith("postgresql"):
        host, port, user = config.get("HOST") or "", config.get("PORT") or "", config.get("USER") or ""
        return database_identity(f"postgresql://{user}@{host}{':' + str(port) if port else ''}/{name}")
    if name and not name.startswith(("file:", ":memory:")):
        return database_identity(name)
    return None


def app_database_identities() -> frozenset[str]:
    """Every database Seedbed itself uses (as configured, and as in use under tests)."""
    configs = [*settings.DATABASES.values(), *(django_databases[a].settings_dict for a in django_databases)]
    return frozenset(i for i in map(_app_database_identity, configs) if i)


def connection_policy(name: str) -> ConnectionPolicy:
    """What the connection ``name`` may read, and the databases it must never open."""
    if getattr(settings, APP_DATABASE_SETTING, False):
        return ConnectionPolicy(relations=frozenset(connection_relations().get(name, ())))
    return ConnectionPolicy(
        relations=frozenset(connection_relations().get(name, ())),
        refused_databases=app_database_identities(),
        refused_marker=AuditEntry._meta.db_table,
    )


# --- outcome data: the trial's columns, validation against the allocation list, analysis ---

ERROR_REJECTED = "The file was rejected and nothing was stored: {summary}"
ERROR_ANALYSIS = "The analysis could not be run: {detail}"
ERROR_SW_MISSING = 'row {row}, column "{column}": enter the {column}'
ERROR_SW_CLUSTER = 'row {row}, column "{column}": "{value}" is not one of the registered clusters'
KIND_SW_MISSING = "missing_value"
KIND_SW_CLUSTER = "unknown_cluster"
SW_CLUSTER, SW_PERIOD, SW_TREATED = "cluster", "period", "treated"
SW_ARMS = ("0", "1")
SW_ARM_NAMES = {"0": "control", "1": "intervention"}
ERROR_ALLOCATION_MISMATCH = (
    "{count} row{s} of the latest outcome data do not match the allocation list (a unit that "
    "was not enrolled, or an arm that differs from the allocated one). The data were stored "
    "while the trial was blinded, when the rows could not be listed: upload them again to see "
    "each row"
)
ALLOCATION_KINDS = (KIND_NOT_ALLOCATED, KIND_WRONG_ARM)


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
    A trial allocated by minimisation has a column per factor (``rules.factor_column``), and
    its primary analysis adjusts for them (Kahan & Morris, BMJ 2012;345:e5840: analyse with
    the factors the allocation balanced on).
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
        strata=(tuple(factor_column(name) for name, _ in minimisation_factors(protocol))
                or (("stratum",) if protocol.strata_list and not cluster_design else ())),
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


def validated_parquet(
    *, trial: Trial, source: Path, workdir: Path,
    schema: TrialSchema | None = None, rename: dict[str, str] | None = None,
    encoding: str = "utf-8", check_allocation: bool = True,
) -> tuple[bytes, int]:
    """Validate ``source`` (CSV, Excel or Parquet) with the data engine; the typed Parquet
    bytes (columns named as in ``trial_schema``) and its row count, or ``DataRejected``.

    ``schema`` names the columns as they are in the source and ``rename`` maps them to the
    trial's column names (a connected table); by default both are the trial's own.
    ``check_allocation`` False leaves out the check against the allocation list (for a
    blinded uploader: the answer then depends on the file alone, never on an allocation).
    """
    import pyarrow.parquet as pq

    allocation = None
    if trial.protocol.design == Design.INDIVIDUAL and check_allocation:
        allocation = workdir / "allocation.csv"
        _allocation_csv(trial, allocation)
    out = workdir / "outcomes.parquet"
    schema = schema or trial_schema(trial)
    stepped = trial.protocol.design == Design.STEPPED_WEDGE
    try:
        dataset = ingest(path=source, schema=schema, out=out, allocation=allocation,
                         encoding=encoding)
    except DataError as exc:
        extra = (_stepped_wedge_report(trial, source, schema, rename, workdir, encoding)
                 if stepped else None)
        raise DataRejected(merge_reports(exc.report, extra) if extra else exc.report) from None
    if stepped:
        extra = _stepped_wedge_report(trial, source, schema, rename, workdir, encoding)
        if extra is not None:
            raise DataRejected(extra)
    if rename:
        table = pq.read_table(out)
        pq.write_table(table.rename_columns([rename.get(c, c) for c in table.column_names]), out)
    return out.read_bytes(), dataset.rows


def _stepped_wedge_report(trial: Trial, source: Path, schema: TrialSchema,
                          rename: dict[str, str] | None, workdir: Path,
                          encoding: str = "utf-8") -> ValidationReport | None:
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
                stage_csv(path=source, schema=schema, out=staged, encoding=encoding)
            else:
                stage_excel(path=source, schema=schema, out=staged)
            data = pq.read_table(staged, columns=[cluster, period, "_row"]).to_pydict()
            numbers = [int(n) for n in data["_row"]]
    except Exception:
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


def allocation_mismatches(trial: Trial, dataset: OutcomeDataset) -> int:
    """Rows of a stored data set whose unit was not enrolled or whose arm differs from the
    allocated one (0 unless individually randomised, where units are checked).

    Data stored by a blinded uploader were not checked against the allocation list; this is
    the check, for those entitled to its answer: the safety lead's interim looks, and the
    registered analysis once recruitment is over. Only a count, since rows of the stored
    data are numbered differently from the file's; uploading the file again lists them.
    """
    if trial.protocol.design != Design.INDIVIDUAL:
        return 0
    with tempfile.TemporaryDirectory(prefix="seedbed-trial-") as tmp:
        stored = Path(tmp) / "stored.parquet"
        stored.write_bytes(bytes(dataset.parquet))
        allocation = Path(tmp) / "allocation.csv"
        _allocation_csv(trial, allocation)
        try:
            report = validate_file(path=stored, schema=trial_schema(trial), allocation=allocation)
        except DataError as exc:
            report = exc.report
    counts = dict(report.counts)
    return sum(counts.get(kind, 0) for kind in ALLOCATION_KINDS)


def allocation_mismatch_message(count: int) -> str:
    return ERROR_ALLOCATION_MISMATCH.format(count=f"{count:,}", s="" if count == 1 else "s")


def _arm_rows(parquet: Path, column: str = "arm") -> dict[str, int]:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(parquet, columns=[column])
    counts = pc.value_counts(table.column(column)).to_pylist()
    return {str(c["values"]): int(c["counts"]) for c in counts if c["values"] is not None}


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
    return json_safe(asdict(estimate))


def dataset_analyse(*, trial: Trial, dataset: OutcomeDataset) -> tuple[dict[str, Any], Any, dict[str, int], Any]:
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


def column_roles(trial: Trial) -> list[str]:
    """The trial's columns that a table must supply (as on the upload page)."""
    return list(trial_schema(trial).columns)
