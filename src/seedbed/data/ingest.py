"""Ingestion: a CSV, Excel or Parquet file with a declared schema, validated and stored whole.

``ingest`` streams the file into a staging area, runs every check (``seedbed.data.validation``)
and only when there is no problem writes the declared columns, typed, to the destination
Parquet file (written under a temporary name and renamed, so nothing partial is ever stored).
A file with problems is rejected whole with the full, capped list (``DataError``).
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seedbed.data.errors import (
    KIND_UNREADABLE,
    MSG_UNKNOWN_FORMAT,
    MSG_UNREADABLE,
    DataError,
    ValidationReport,
    build_report,
    merge_reports,
)
from seedbed.data.schema import DEFAULT_ENCODING, TrialSchema
from seedbed.data.staging import check_header, remove_quietly, stage_csv, stage_excel
from seedbed.data.validation import (
    _lit,
    _q,
    _text,
    parquet_relation,
    staged_relation,
    validate_relation,
)

FORMAT_CSV = "csv"
FORMAT_EXCEL = "excel"
FORMAT_PARQUET = "parquet"
_SUFFIXES = {
    ".csv": FORMAT_CSV, ".txt": FORMAT_CSV, ".tsv": FORMAT_CSV, ".xlsx": FORMAT_EXCEL,
    ".xls": FORMAT_EXCEL, ".xlsm": FORMAT_EXCEL, ".ods": FORMAT_EXCEL,
    ".parquet": FORMAT_PARQUET, ".pq": FORMAT_PARQUET,
}


@dataclass(frozen=True)
class Dataset:
    """A validated trial data set stored as typed Parquet."""

    path: Path
    rows: int
    schema: TrialSchema


def detect_format(path: Path) -> str:
    """The file format from the suffix (csv, excel or parquet)."""
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise DataError.single(kind=KIND_UNREADABLE, message=MSG_UNKNOWN_FORMAT.format(path=path))
    return fmt


MEMORY_LIMIT = "1GB"
"""DuckDB's working memory during validation; beyond it, sorts and windows spill to disk."""


def _connect(workdir: Path) -> Any:
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET memory_limit = {_lit(MEMORY_LIMIT)}")
    con.execute(f"SET temp_directory = {_lit(str(workdir / 'spill'))}")
    return con


def _allocation_view(con: Any, allocation: Path, schema: TrialSchema) -> str:
    rel = f"read_csv({_lit(str(allocation))}, all_varchar = true, header = true)"
    names = [d[0] for d in con.execute(f"SELECT * FROM {rel} LIMIT 0").description]  # noqa: S608
    unit: str = schema.unit if schema.unit and schema.unit in names else names[0]
    arm = schema.arm if schema.arm in names else ("arm" if "arm" in names else None)
    arm_sql = f"NULLIF(TRIM({_q(arm)}), '')" if arm else "CAST(NULL AS VARCHAR)"
    con.execute(
        f"CREATE TEMP VIEW seedbed_allocation AS SELECT NULLIF(TRIM({_q(unit)}), '') AS unit, "  # noqa: S608
        f"{arm_sql} AS arm FROM {rel}"
    )
    return "(SELECT unit, ANY_VALUE(arm) AS arm FROM seedbed_allocation GROUP BY unit)"


def _stage(path: Path, schema: TrialSchema, workdir: Path, delimiter: str,
           sheet: str | None, encoding: str) -> tuple[str, ValidationReport]:
    """A DuckDB relation with ``_row`` for the file (staging CSV and Excel first)."""
    fmt = detect_format(path)
    if fmt == FORMAT_PARQUET:
        return parquet_relation(path), build_report([], Counter())
    staged = workdir / "staged.parquet"
    if fmt == FORMAT_CSV:
        report = stage_csv(path=path, schema=schema, out=staged, delimiter=delimiter,
                           encoding=encoding)
    else:
        stage_excel(path=path, schema=schema, out=staged, sheet=sheet)
        report = build_report([], Counter())
    return staged_relation(staged), report


def _check_parquet_header(con: Any, relation: str, schema: TrialSchema) -> None:
    names = [d[0] for d in con.execute(f"SELECT * FROM {relation} LIMIT 0").description]  # noqa: S608
    check_header(header=[n for n in names if n != "_row"], schema=schema)


def _validate(con: Any, path: Path, schema: TrialSchema, workdir: Path, delimiter: str,
              sheet: str | None, allocation: Path | None,
              encoding: str) -> tuple[str, ValidationReport]:
    try:
        relation, staged = _stage(path, schema, workdir, delimiter, sheet, encoding)
        if relation.startswith("(SELECT file_row_number"):
            _check_parquet_header(con, relation, schema)
        alloc = _allocation_view(con, allocation, schema) if allocation else None
        report = validate_relation(con=con, relation=relation, schema=schema, allocation=alloc)
        return relation, merge_reports(staged, report)
    except DataError:
        raise
    except Exception as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError.single(kind=KIND_UNREADABLE, message=MSG_UNREADABLE.format(
            format=path.suffix.lstrip(".") or "data", detail=detail)) from None


def validate_file(
    *, path: Path, schema: TrialSchema, delimiter: str = ",", sheet: str | None = None,
    allocation: Path | None = None, encoding: str = DEFAULT_ENCODING,
) -> ValidationReport:
    """Every problem in the file (capped list plus counts); raises DataError if unreadable.

    ``encoding`` applies to CSV files (any Python codec name, e.g. "cp1252").
    """
    with tempfile.TemporaryDirectory(prefix="seedbed-") as tmp:
        con = _connect(Path(tmp))
        try:
            _, report = _validate(con, Path(path), schema, Path(tmp), delimiter, sheet,
                                  allocation, encoding)
        finally:
            con.close()
    return report


def _typed_select(relation: str, schema: TrialSchema) -> str:
    cols = []
    for c in schema.columns:
        if c in schema.numeric_columns:
            cols.append(f"CAST({_text(c)} AS DOUBLE) AS {_q(c)}")
        else:
            cols.append(f"{_text(c)} AS {_q(c)}")
    # DuckDB keeps the input order (preserve_insertion_order), so no sort is needed
    return f"SELECT {', '.join(cols)} FROM {relation}"  # noqa: S608


def ingest(
    *, path: Path, schema: TrialSchema, out: Path, delimiter: str = ",",
    sheet: str | None = None, allocation: Path | None = None, encoding: str = DEFAULT_ENCODING,
) -> Dataset:
    """Validate ``path`` and store its declared columns, typed, at ``out`` (Parquet).

    ``encoding`` is the text encoding of a CSV file (UTF-8 by default; e.g. "cp1252").

    Raises ``DataError`` with every problem found (capped list plus counts by kind) and stores
    nothing if there is any problem.
    """
    path, out = Path(path), Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    try:
        with tempfile.TemporaryDirectory(prefix="seedbed-") as tmp:
            con = _connect(Path(tmp))
            try:
                relation, report = _validate(con, path, schema, Path(tmp), delimiter, sheet,
                                             allocation, encoding)
                if not report.ok:
                    raise DataError(report)
                con.execute(f"COPY ({_typed_select(relation, schema)}) TO "
                            f"{_lit(str(partial))} (FORMAT parquet)")
                rows = int(con.execute(
                    f"SELECT COUNT(*) FROM read_parquet({_lit(str(partial))})"  # noqa: S608
                ).fetchone()[0])
            finally:
                con.close()
        os.replace(partial, out)
    finally:
        remove_quietly(partial)
    return Dataset(path=out, rows=rows, schema=schema)
