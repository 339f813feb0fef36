"""An evaluation's data: checking a file (or a connected table) against the registered plan,
and running the plan's analysis on the stored data.

A file is read by the data engine (``seedbed.data.panel``) with the columns the plan names:
every row with text in a number column, an empty unit or period, a unit with two rows for one
period, or a unit whose first-treated period changes is listed by row and column, and a column
the plan names but the file lacks is named with the plan field that names it. Only a file
with no problem is kept, as typed Parquet holding just the plan's columns; a rejected file
leaves nothing behind. Limits on periods and units keep any one analysis small enough to run
inside a web request whatever the file.

The analysis runs the design's payload function (``seedbed.data.quasi``, the same code as
``seedbed stats did|its|synth|rd``) on the stored Parquet with the plan's parameters.
"""

from __future__ import annotations

import dataclasses
import io
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from seedbed.core.errors import ValidationProblem
from seedbed.data import DataError, SourceSpec, ValidationReport
from seedbed.data.errors import KIND_EMPTY_FILE, KIND_MISSING_COLUMN, MSG_NO_DATA_ROWS
from seedbed.data.panel import Table, check_panel, read_table
from seedbed.data.quasi import (
    ParameterError,
    did_payload,
    its_payload,
    json_safe,
    rd_payload,
    synth_payload,
)
from seedbed.evaluations.models import Control, Design, Evaluation
from seedbed.evaluations.rules import PLAN_FIELDS, DataColumns, data_columns, plan_label

ERROR_REJECTED = "The file was rejected and nothing was stored: {summary}"
MSG_AND_MORE = " (and {count:,} more problem{s})"
MSG_PLAN_COLUMN = "{message}; the plan names it as the {label}"
MSG_TOO_MANY_PERIODS = (
    'column "{column}" holds {count:,} different periods; an evaluation can use at most '
    "{limit:,}"
)
MSG_TOO_MANY_UNITS = (
    'column "{column}" holds {count:,} different units; a synthetic control can weigh at most '
    "{limit:,}"
)
MSG_TREATED_MISSING = (
    'column "{column}" has no rows for "{unit}", the plan\'s treated unit'
)
MSG_NO_DONORS = (
    'column "{column}" holds no unit other than "{unit}", the plan\'s treated unit, to '
    "compare it with"
)
KIND_TOO_MANY = "too_many_values"
KIND_TREATED = "treated_unit"
# Problems this module finds itself: they name the plan's values, never a cell's.
PLAN_KINDS = frozenset({KIND_TOO_MANY, KIND_TREATED})
ERROR_ANALYSIS_DATA = "The analysis could not use the stored data: {detail}"
ERROR_ANALYSIS_FIELD = "The plan's {label} does not fit the data: {detail}"
ERROR_ANALYSIS = "The analysis could not be run: {detail}"

MAX_PERIODS = 1_000
"""Different periods an evaluation's data may hold (years, quarters, months or weeks of a
service's history fit many times over; the event-study and series payloads grow with it)."""
MAX_SYNTH_UNITS = 500
"""Units a synthetic control may weigh: each placebo refits the donor weights, so the work
grows with the square of the units (500 take a few seconds)."""

# The plan field behind each payload-function parameter, for messages naming the field.
PARAMETER_FIELDS = {"treated": "treated_unit", "start": "start", "cutoff": "cutoff"}


class DataRejected(ValidationProblem):
    """A data set with problems; ``report`` lists them by row and column."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        super().__init__({"file": ERROR_REJECTED.format(summary=rejection_summary(report))})


def rejection_summary(report: ValidationReport) -> str:
    """The headline of a rejected file: its first problem (naming the row and column), and
    how many more there are."""
    if not report.problems:
        return ""
    first, rest = report.problems[0].message, report.total - 1
    return first + (MSG_AND_MORE.format(count=rest, s="" if rest == 1 else "s") if rest > 0 else "")


def plan_values(evaluation: Evaluation) -> dict[str, Any]:
    """The evaluation's current plan fields (the registered plan as last amended)."""
    plan = evaluation.plan
    return {name: getattr(plan, name) for name in PLAN_FIELDS}


def plan_labels() -> dict[str, str]:
    return {name: plan_label(name) for name in PLAN_FIELDS}


def plan_data_columns(evaluation: Evaluation) -> DataColumns:
    """The columns the evaluation's data need, as its plan names them."""
    return data_columns(design=evaluation.design, values=plan_values(evaluation),
                        labels=plan_labels())


def treated_unit(evaluation: Evaluation) -> str | None:
    """The plan's treated unit for a synthetic control (None for other designs)."""
    if evaluation.design != Design.SYNTH:
        return None
    return str(evaluation.plan.treated_unit or "").strip()


def _reject(kind: str, message: str, column: str | None = None) -> DataRejected:
    return DataRejected(DataError.single(kind=kind, message=message, column=column).report)


def _explained(report: ValidationReport, columns: DataColumns, replace: Mapping[str, str]
               ) -> ValidationReport:
    """The report with each missing column named by its plan field, and temporary paths
    replaced by the file's name."""
    problems = []
    for p in report.problems:
        message = p.message
        for old, new in replace.items():
            message = message.replace(old, new)
        if p.kind == KIND_MISSING_COLUMN and p.column in columns.labels:
            message = MSG_PLAN_COLUMN.format(message=message, label=columns.labels[p.column])
        problems.append(dataclasses.replace(p, message=message))
    return dataclasses.replace(report, problems=tuple(problems))


def _check_limits(table: Table, columns: DataColumns, treated: str | None) -> None:
    if columns.time is not None:
        periods = len(np.unique(table.columns[columns.time]))
        if periods > MAX_PERIODS:
            raise _reject(KIND_TOO_MANY, MSG_TOO_MANY_PERIODS.format(
                column=columns.time, count=periods, limit=MAX_PERIODS), columns.time)
    if treated is not None and columns.unit is not None:
        units = {str(u) for u in table.columns[columns.unit].tolist()}
        if len(units) > MAX_SYNTH_UNITS:
            raise _reject(KIND_TOO_MANY, MSG_TOO_MANY_UNITS.format(
                column=columns.unit, count=len(units), limit=MAX_SYNTH_UNITS), columns.unit)
        if treated not in units:
            raise _reject(KIND_TREATED, MSG_TREATED_MISSING.format(
                column=columns.unit, unit=treated), columns.unit)
        if units == {treated}:
            raise _reject(KIND_TREATED, MSG_NO_DONORS.format(
                column=columns.unit, unit=treated), columns.unit)


def _parquet(table: Table, columns: DataColumns) -> bytes:
    """The plan's columns as Parquet: numbers as doubles (empty as null), labels as text."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays: dict[str, Any] = {}
    for name in dict.fromkeys([*columns.text, *columns.numeric]):
        values = table.columns[name]
        if name in columns.numeric:
            arrays[name] = pa.array(np.asarray(values, dtype=float), from_pandas=True)
        else:
            arrays[name] = pa.array([None if v is None else str(v) for v in values.tolist()],
                                    type=pa.string())
    buffer = io.BytesIO()
    pq.write_table(pa.table(arrays), buffer)
    return buffer.getvalue()


def validated_parquet(*, source: Path, filename: str, columns: DataColumns,
                      treated: str | None = None, encoding: str = "utf-8",
                      table: str | None = None) -> tuple[bytes, int]:
    """Check ``source`` (a CSV, Excel or Parquet file, or a database URL with ``table``)
    against the plan's ``columns``; the typed Parquet bytes and the row count, or
    ``DataRejected`` listing every problem by row and column. ``treated`` (synthetic control)
    must be one of the units, with at least one other to compare it with."""
    spec = SourceSpec(location=str(source), table=table, encoding=encoding)
    try:
        data = read_table(spec=spec, text=columns.text, numeric=columns.numeric,
                          required=columns.required)
        if columns.time is not None:
            check_panel(table=data, unit=columns.unit, time=columns.time,
                        per_unit=columns.per_unit)
    except DataError as exc:
        replace = {str(source): filename, str(source.parent): "the upload"}
        raise DataRejected(_explained(exc.report, columns, replace)) from None
    if len(data.rows) == 0:
        raise _reject(KIND_EMPTY_FILE, MSG_NO_DATA_ROWS)
    _check_limits(data, columns, treated)
    return _parquet(data, columns), len(data.rows)


def analysis_payload(*, design: str, parquet: bytes, values: Mapping[str, Any],
                     labels: Mapping[str, str]) -> dict[str, Any]:
    """The design's analysis of stored data with the plan's columns and parameters
    (``values``: plan field -> value), JSON-safe. A parameter the data contradict, or data
    the engine cannot use, raise ``ValidationProblem`` with a message naming the plan
    field (``labels``: plan field -> label)."""
    with tempfile.TemporaryDirectory(prefix="seedbed-evaluation-") as tmp:
        path = Path(tmp) / "data.parquet"
        path.write_bytes(parquet)
        spec = SourceSpec(location=str(path))
        try:
            payload = _run(design, spec, values)
        except ParameterError as exc:
            field = PARAMETER_FIELDS.get(exc.field, exc.field)
            raise ValidationProblem({field: ERROR_ANALYSIS_FIELD.format(
                label=labels.get(field, field), detail=exc)}) from None
        except DataError as exc:
            lines = exc.report.lines()
            detail = "; ".join(lines[2:5] or lines[:1]).replace(str(path), "the stored data")
            raise ValidationProblem({"__all__": ERROR_ANALYSIS_DATA.format(detail=detail)}
                                    ) from None
        except ValueError as exc:
            raise ValidationProblem({"__all__": ERROR_ANALYSIS.format(detail=exc)}) from None
    return json_safe(payload)


def _optional(values: Mapping[str, Any], name: str) -> str | None:
    """An optional plan column, None when the plan leaves it empty (or predates it)."""
    return str(values.get(name) or "").strip() or None


def _run(design: str, spec: SourceSpec, values: Mapping[str, Any]) -> dict[str, Any]:
    outcome = str(values["outcome_column"])
    if design == Design.DID:
        return did_payload(spec=spec, unit=values["unit_column"], time=values["time_column"],
                           outcome=outcome, first_treated=values["first_treated_column"],
                           control=str(values.get("control") or Control.NEVER),
                           cluster=_optional(values, "cluster_column"))
    if design == Design.ITS:
        return its_payload(spec=spec, time=values["time_column"], outcome=outcome,
                           start=float(values["start"]),
                           comparison=_optional(values, "comparison_column"),
                           season=_optional(values, "season_column"))
    if design == Design.SYNTH:
        return synth_payload(spec=spec, unit=values["unit_column"], time=values["time_column"],
                             outcome=outcome, treated=str(values["treated_unit"]),
                             start=float(values["start"]))
    return rd_payload(spec=spec, running=values["running_column"], outcome=outcome,
                      cutoff=float(values["cutoff"]))
