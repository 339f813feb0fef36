"""Evaluation data read by column: a file (CSV, Excel, Parquet) or a database table.

Trials have their own schema and push-down (``seedbed.data.analysis``); evaluations without
randomisation (difference-in-differences, interrupted time series) read a few named columns
with the same validation: CSV and Excel files are staged with row numbers, so a value that
is not a number, a missing value in a required column, or a panel inconsistency names its
row and column (``DataError``, as for trials). Rows are numbered as in ``seedbed.data.errors``:
the header is row 1 in CSV and Excel, the first record is row 1 in Parquet; rows of a
database table are numbered in the order the database returns them; a table's numbers kept
as text are parsed here (empty text is missing), so a bad one is named by column and row.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from seedbed.data.errors import (
    KIND_NOT_A_NUMBER,
    KIND_UNREADABLE,
    MSG_NOT_A_NUMBER,
    MSG_ROW_PREFIX,
    MSG_UNREADABLE,
    DataError,
    Problem,
    build_report,
)
from seedbed.data.schema import TrialSchema
from seedbed.data.sources import (
    MSG_ENGINE_FAILED,
    SourceSpec,
    _first_line,
    open_engine,
    source_error,
)

KIND_MISSING_VALUE = "missing_value"
KIND_DUPLICATE_PERIOD = "duplicate_unit_period"
KIND_VARYING_WITHIN_UNIT = "varies_within_unit"
MSG_MISSING_VALUE = MSG_ROW_PREFIX + "missing value"
MSG_DUPLICATE_PERIOD = (
    MSG_ROW_PREFIX + 'unit "{unit}" already has a row for period {period} (row {first})'
)
MSG_DUPLICATE_TIME = MSG_ROW_PREFIX + "period {period} already has a row (row {first})"
MSG_VARYING_WITHIN_UNIT = (
    MSG_ROW_PREFIX + 'unit "{unit}" has "{value}" here but "{first_value}" in row {first}; it '
    "must be the same in every row of a unit"
)
ROW = "_row"


@dataclass(frozen=True)
class Table:
    """Named columns (float arrays for numeric columns, object arrays of text otherwise) and
    the row number of each record."""

    columns: dict[str, np.ndarray]
    rows: np.ndarray


def read_table(*, spec: SourceSpec, text: Sequence[str], numeric: Sequence[str],
               required: Sequence[str] = ()) -> Table:
    """Read the named columns of ``spec``; ``DataError`` names every bad row and column.

    ``numeric`` columns must hold numbers (or be empty); ``required`` columns must not be
    empty. Text values are trimmed; empty text and missing-value markers read as None.
    """
    names = list(dict.fromkeys([*text, *numeric]))
    if spec.is_file:
        return _read_file(spec, names, list(numeric), list(required))
    return _read_database(spec, names, list(numeric), list(required))


def _schema(names: list[str], numeric: list[str]) -> TrialSchema:
    """A schema used only to choose the columns to stage (staging needs one)."""
    return TrialSchema(arm=names[0], outcomes=tuple(numeric),
                       strata=tuple(n for n in names[1:] if n not in numeric))


def _read_file(spec: SourceSpec, names: list[str], numeric: list[str],
               required: list[str]) -> Table:
    import duckdb

    from seedbed.data.validation import _q

    with tempfile.TemporaryDirectory(prefix="seedbed-") as tmp:
        typed = typed_file(spec=spec, text=[n for n in names if n not in numeric],
                           numeric=numeric, required=required, workdir=Path(tmp))
        con = duckdb.connect()
        try:
            cols = ", ".join(_q(c) for c in names)
            result = con.execute(f"SELECT {ROW}, {cols} FROM {typed.relation} "  # noqa: S608
                                 f"ORDER BY {ROW}").fetchnumpy()
        finally:
            con.close()
    return _table(result, names, numeric, np.asarray(result[ROW], dtype=np.int64))


@dataclass(frozen=True)
class TypedFile:
    """A checked file source as Parquet with numeric columns typed, and a DuckDB relation
    over it that carries each record's row number as ``_row``."""

    path: Path
    relation: str


def typed_file(*, spec: SourceSpec, text: Sequence[str], numeric: Sequence[str],
               required: Sequence[str], workdir: Path) -> TypedFile:
    """Stage a file source and check it (``DataError`` naming rows and columns).

    A Parquet file whose numeric columns already hold numbers (and no NaN) is used as it is;
    anything else is staged and written typed (numbers as doubles, text trimmed) with
    ``_row`` to a Parquet file under ``workdir``.
    """
    import duckdb

    from seedbed.data.ingest import FORMAT_CSV, FORMAT_PARQUET, detect_format
    from seedbed.data.sources import _parquet_is_typed
    from seedbed.data.staging import check_header, stage_csv, stage_excel
    from seedbed.data.validation import _lit, _q, _text, parquet_relation, staged_relation

    names = list(dict.fromkeys([*text, *numeric]))
    numeric = list(numeric)
    path = Path(spec.location)
    if not path.is_file():
        from seedbed.data.sources import MSG_SOURCE_NOT_FOUND

        raise source_error(MSG_SOURCE_NOT_FOUND.format(location=spec.location))
    schema = _schema(names, numeric)
    fmt = detect_format(path)
    con = duckdb.connect()
    try:
        staged = workdir / "staged.parquet"
        if fmt == FORMAT_PARQUET:
            relation = parquet_relation(path)
            try:
                header = [d[0] for d in con.execute(
                    f"SELECT * FROM {relation} LIMIT 0").description]  # noqa: S608
            except duckdb.Error as exc:
                raise DataError.single(kind=KIND_UNREADABLE, message=MSG_UNREADABLE.format(
                    format="Parquet", detail=_first_line(exc))) from None
            check_header(header=[h for h in header if h != ROW], schema=schema)
            if _parquet_is_typed(path, schema) and not _has_nan(con, relation, numeric):
                types = dict(zip(header, (str(d[1]) for d in con.execute(
                    f"SELECT * FROM {relation} LIMIT 0").description), strict=True))  # noqa: S608

                def missing(c: str) -> str:  # a number is missing only when NULL
                    return _text(c) if types.get(c) in ("STRING", "VARCHAR") else _q(c)

                _check(con, relation, [], list(required), missing, _q)
                return TypedFile(path=path, relation=relation)
        elif fmt == FORMAT_CSV:
            report = stage_csv(path=path, schema=schema, out=staged,
                               delimiter=spec.delimiter, encoding=spec.encoding)
            if not report.ok:
                raise DataError(report)
            relation = staged_relation(staged)
        else:
            stage_excel(path=path, schema=schema, out=staged, sheet=spec.sheet)
            relation = staged_relation(staged)
        _check(con, relation, numeric, list(required), _text, _q)
        cols = ", ".join(
            f"TRY_CAST({_text(c)} AS DOUBLE) AS {_q(c)}" if c in numeric
            else f"{_text(c)} AS {_q(c)}" for c in names)
        out = workdir / "typed.parquet"
        con.execute(f"COPY (SELECT {ROW}, {cols} FROM {relation} ORDER BY {ROW}) "  # noqa: S608
                    f"TO {_lit(str(out))} (FORMAT parquet)")
    finally:
        con.close()
    return TypedFile(path=out, relation=staged_relation(out))


def _has_nan(con: Any, relation: str, numeric: list[str]) -> bool:
    from seedbed.data.validation import _q

    if not numeric:
        return False
    tests = " OR ".join(f"isnan(CAST({_q(c)} AS DOUBLE))" for c in numeric)
    return bool(con.execute(f"SELECT COUNT(*) FROM {relation} WHERE {tests}"  # noqa: S608
                            ).fetchone()[0])


def _check(con: Any, relation: str, numeric: list[str], required: list[str], text: Any,
           q: Any) -> None:
    from seedbed.data.errors import MAX_LISTED_PROBLEMS

    problems: list[Problem] = []
    counts: Counter[str] = Counter()
    for col in numeric:
        v = text(col)
        rows = con.execute(
            f"SELECT {ROW}, {v} FROM {relation} WHERE {v} IS NOT NULL AND NOT "  # noqa: S608
            f"COALESCE(isfinite(TRY_CAST({v} AS DOUBLE)), false) ORDER BY {ROW}").fetchall()
        counts[KIND_NOT_A_NUMBER] += len(rows)
        problems += [Problem(r[0], col, KIND_NOT_A_NUMBER, MSG_NOT_A_NUMBER.format(
            row=r[0], column=col, value=r[1])) for r in rows[:MAX_LISTED_PROBLEMS]]
    for col in required:
        rows = con.execute(f"SELECT {ROW} FROM {relation} WHERE {text(col)} IS NULL "  # noqa: S608
                           f"ORDER BY {ROW}").fetchall()
        counts[KIND_MISSING_VALUE] += len(rows)
        problems += [Problem(r[0], col, KIND_MISSING_VALUE, MSG_MISSING_VALUE.format(
            row=r[0], column=col)) for r in rows[:MAX_LISTED_PROBLEMS]]
    if problems:
        raise DataError(build_report(problems, counts))


def _read_database(spec: SourceSpec, names: list[str], numeric: list[str],
                   required: list[str]) -> Table:
    from seedbed.data.tablecheck import text_columns

    schema = _schema(names, numeric)
    with tempfile.TemporaryDirectory(prefix="seedbed-") as tmp:
        with open_engine(spec=spec, schema=schema, workdir=Path(tmp)) as engine:
            d = engine.dialect
            texts = text_columns(engine, numeric)  # numbers kept as text: parsed below
            cols = ", ".join(
                f"CAST({d.ident(c)} AS {'DOUBLE PRECISION' if d.name == 'postgres' else 'DOUBLE'})"
                f" AS {d.ident(c)}" if c in numeric and c not in texts
                else f"CAST({d.ident(c)} AS {d.text_type}) AS {d.ident(c)}" for c in names)
            try:
                result = engine.fetch(f"SELECT {cols} FROM {engine.relation}")  # noqa: S608
            except Exception as exc:
                raise source_error(MSG_ENGINE_FAILED.format(
                    engine=d.name, detail=_first_line(exc))) from None
    plain = {c: _plain(result[c]) for c in names}
    n = len(plain[names[0]]) if names else 0
    rows = np.arange(1, n + 1)
    problems: list[Problem] = []
    counts: Counter[str] = Counter()
    for c in sorted(texts):
        plain[c], bad = _numbers_from_text(plain[c])
        counts[KIND_NOT_A_NUMBER] += len(bad)
        problems += [Problem(int(rows[i]), c, KIND_NOT_A_NUMBER, MSG_NOT_A_NUMBER.format(
            row=int(rows[i]), column=c, value=v)) for i, v in bad]
    for c in required:
        missing = np.flatnonzero(_is_missing(plain[c]))
        counts[KIND_MISSING_VALUE] += len(missing)
        problems += [Problem(int(rows[i]), c, KIND_MISSING_VALUE,
                             MSG_MISSING_VALUE.format(row=int(rows[i]), column=c))
                     for i in missing]
    if problems:
        raise DataError(build_report(problems, counts))
    return _table(plain, names, numeric, rows)


def _numbers_from_text(values: np.ndarray) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """Text read as numbers (empty is missing, NaN); the positions and values of text that
    is not a finite number."""
    out = np.full(len(values), np.nan)
    bad: list[tuple[int, str]] = []
    for i, v in enumerate(values.tolist()):
        text = "" if v is None else str(v).strip()
        if not text:
            continue
        try:
            out[i] = float(text)
        except ValueError:
            out[i] = np.nan
        if not np.isfinite(out[i]):
            bad.append((i, text))
    return out, bad


def _plain(values: Any) -> np.ndarray:
    from seedbed.data.engines import Encoded

    if isinstance(values, Encoded):
        levels = values.levels.to_pylist()
        return np.array([levels[c] if c >= 0 else None for c in values.codes], dtype=object)
    if isinstance(values, np.ma.MaskedArray):
        mask = np.ma.getmaskarray(values)
        if values.dtype.kind in "fiu":
            return np.where(mask, np.nan, np.asarray(values.data, dtype=float))
        out = np.asarray(values.data, dtype=object).copy()
        out[mask] = None
        return out
    return np.asarray(values)


def _is_missing(values: np.ndarray) -> np.ndarray:
    if values.dtype.kind == "f":
        return ~np.isfinite(values)
    return np.array([v is None or (isinstance(v, str) and not v.strip()) for v in values])


def _table(result: Any, names: list[str], numeric: list[str], rows: np.ndarray) -> Table:
    columns: dict[str, np.ndarray] = {}
    for c in names:
        values = _plain(result[c])
        if c in numeric:
            columns[c] = np.asarray(np.ma.filled(np.ma.asarray(values, dtype=float), np.nan))
        else:
            out = np.empty(len(values), dtype=object)
            out[:] = [None if v is None or (isinstance(v, str) and not v.strip()) else str(v)
                      for v in values]
            columns[c] = out
    return Table(columns=columns, rows=rows)


def check_panel(*, table: Table, unit: str | None, time: str,
                per_unit: Sequence[str] = ()) -> None:
    """One row per unit and period (per period without ``unit``), and the ``per_unit``
    columns constant within a unit: ``DataError`` naming each offending row otherwise."""
    from seedbed.data.errors import MAX_LISTED_PROBLEMS

    rows = table.rows
    times = table.columns[time]
    units = table.columns[unit] if unit else np.full(len(rows), "")
    problems: list[Problem] = []
    counts: Counter[str] = Counter()
    first: dict[tuple[object, float], int] = {}
    for i, key in enumerate(zip(units.tolist(), times.tolist(), strict=True)):
        if key in first:
            counts[KIND_DUPLICATE_PERIOD] += 1
            msg = (MSG_DUPLICATE_PERIOD.format(row=rows[i], column=time, unit=key[0],
                                               period=_num(key[1]), first=first[key])
                   if unit else MSG_DUPLICATE_TIME.format(row=rows[i], column=time,
                                                          period=_num(key[1]),
                                                          first=first[key]))
            if len(problems) < MAX_LISTED_PROBLEMS:
                problems.append(Problem(int(rows[i]), time, KIND_DUPLICATE_PERIOD, msg))
        else:
            first[key] = int(rows[i])
    for col in per_unit if unit else ():
        seen: dict[object, tuple[str, int]] = {}
        for i, (u, v) in enumerate(zip(units.tolist(), table.columns[col].tolist(),
                                       strict=True)):
            shown = _show(v)
            if u not in seen:
                seen[u] = (shown, int(rows[i]))
            elif seen[u][0] != shown:
                counts[KIND_VARYING_WITHIN_UNIT] += 1
                if len(problems) < MAX_LISTED_PROBLEMS:
                    problems.append(Problem(int(rows[i]), col, KIND_VARYING_WITHIN_UNIT,
                                            MSG_VARYING_WITHIN_UNIT.format(
                                                row=rows[i], column=col, unit=u, value=shown,
                                                first_value=seen[u][0], first=seen[u][1])))
    if problems:
        raise DataError(build_report(problems, counts))


def _show(value: object) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return ""
    if isinstance(value, float):
        return _num(value)
    return str(value)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
