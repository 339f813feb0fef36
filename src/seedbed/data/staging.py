"""Streaming CSV and Excel files into a staged Parquet file of text columns with row numbers.

Nothing is read whole: CSV is parsed in blocks by pyarrow's streaming reader and Excel rows are
read one at a time, and each block is appended to a Parquet file. Every declared column is kept
as text so that validation (``seedbed.data.validation``) can name the exact value that is not
a number. The ``_row`` column holds the spreadsheet row number (header = row 1).
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from seedbed.data.errors import (
    KIND_BAD_HEADER,
    KIND_BAD_ROW,
    KIND_EMPTY_FILE,
    KIND_MISSING_COLUMN,
    KIND_UNREADABLE,
    MAX_LISTED_PROBLEMS,
    MSG_BAD_ROW,
    MSG_DUPLICATE_HEADER,
    MSG_EMPTY_FILE,
    MSG_EMPTY_HEADER_CELL,
    MSG_MERGED_HEADER,
    MSG_MISSING_COLUMN,
    MSG_MISSING_COLUMN_DELIMITER_HINT,
    MSG_NO_DATA_ROWS,
    MSG_UNREADABLE,
    DataError,
    Problem,
    ValidationReport,
    build_report,
)
from seedbed.data.schema import TrialSchema

ROW = "_row"
BLOCK_BYTES = 8 << 20
EXCEL_BATCH_ROWS = 50_000
CANDIDATE_DELIMITERS = (",", ";", "\t", "|")


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def check_header(*, header: list[str], schema: TrialSchema, delimiter: str | None = None) -> None:
    """Raise a DataError naming blank, repeated and missing header cells."""
    problems: list[Problem] = []
    kinds: Counter[str] = Counter()
    names = [h.strip() for h in header]
    for i, name in enumerate(names):
        if not name and any(names[i + 1 :]):
            problems.append(Problem(1, None, KIND_BAD_HEADER, MSG_EMPTY_HEADER_CELL.format(
                row=1, position=_column_letter(i))))
            kinds[KIND_BAD_HEADER] += 1
    for name, count in Counter(n for n in names if n).items():
        if count > 1:
            problems.append(Problem(1, name, KIND_BAD_HEADER,
                                    MSG_DUPLICATE_HEADER.format(row=1, value=name)))
            kinds[KIND_BAD_HEADER] += 1
    found = ", ".join(f'"{n}"' for n in names if n) or "nothing"
    joined = delimiter.join(header) if delimiter else ""
    hint = next((d for d in CANDIDATE_DELIMITERS if d != delimiter and d in joined), None)
    for col in schema.columns:
        if col not in names:
            if delimiter and hint:
                msg = MSG_MISSING_COLUMN_DELIMITER_HINT.format(
                    column=col, found=found, delimiter=hint.replace("\t", "\\t"),
                    expected=delimiter.replace("\t", "\\t"))
            else:
                msg = MSG_MISSING_COLUMN.format(column=col, found=found)
            problems.append(Problem(None, col, KIND_MISSING_COLUMN, msg))
            kinds[KIND_MISSING_COLUMN] += 1
    if problems:
        raise DataError(build_report(problems, kinds))


def _read_csv_header(path: Path, delimiter: str, encoding: str) -> list[str]:
    with open(path, encoding=encoding, errors="strict", newline="") as fh:
        head = fh.read(1 << 20)
    if not head.strip():
        raise DataError.single(kind=KIND_EMPTY_FILE, message=MSG_EMPTY_FILE)
    reader = csv.reader(io.StringIO(head), delimiter=delimiter)
    try:
        return next(reader)
    except (StopIteration, csv.Error) as exc:
        raise DataError.single(kind=KIND_UNREADABLE, message=MSG_UNREADABLE.format(
            format="CSV", detail=str(exc))) from None


def stage_csv(*, path: Path, schema: TrialSchema, out: Path, delimiter: str = ",",
              encoding: str = "utf-8") -> ValidationReport:
    """Stream a CSV file into ``out`` (Parquet, text columns plus ``_row``).

    Rows with the wrong number of fields are left out of ``out`` and returned as problems.
    """
    import pyarrow.csv as pacsv

    try:
        header = _read_csv_header(path, delimiter, encoding)
    except UnicodeDecodeError as exc:
        raise DataError.single(kind=KIND_UNREADABLE, message=MSG_UNREADABLE.format(
            format="CSV", detail=f"the file is not {encoding} text ({exc.reason})")) from None
    check_header(header=header, schema=schema, delimiter=delimiter)
    names = [h.strip() for h in header]
    bad: list[int] = []
    problems: list[Problem] = []

    def on_invalid(row: Any) -> str:
        bad.append(int(row.number))
        if len(problems) < MAX_LISTED_PROBLEMS:
            problems.append(Problem(int(row.number), None, KIND_BAD_ROW, MSG_BAD_ROW.format(
                row=row.number, expected=row.expected_columns, found=row.actual_columns)))
        return "skip"

    wanted = list(schema.columns)
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(use_threads=False, block_size=BLOCK_BYTES,
                                           column_names=names, skip_rows=1, encoding=encoding),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                              invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, include_columns=wanted,
                strings_can_be_null=True, quoted_strings_can_be_null=True),
        )
        rows = _write_batches(out, wanted, _csv_batches(reader, bad))
    except pa.ArrowInvalid as exc:
        raise DataError.single(kind=KIND_UNREADABLE, message=MSG_UNREADABLE.format(
            format="CSV", detail=str(exc).splitlines()[0])) from None
    if rows == 0 and not bad:
        raise DataError.single(kind=KIND_EMPTY_FILE, message=MSG_NO_DATA_ROWS)
    return build_report(problems, Counter({KIND_BAD_ROW: len(bad)}))


def _csv_batches(reader: Any, bad: list[int]) -> Iterator[tuple[pa.RecordBatch, np.ndarray]]:
    done = 0
    for batch in reader:
        index = np.arange(done, done + batch.num_rows)
        shifted = np.asarray(bad, dtype=np.int64) - np.arange(len(bad)) - 2
        record = index + 2 + np.searchsorted(shifted, index, side="right")
        done += batch.num_rows
        yield batch, record


def _write_batches(out: Path, wanted: list[str],
                   batches: Iterator[tuple[pa.RecordBatch, np.ndarray]]) -> int:
    schema = pa.schema([(ROW, pa.int64())] + [(c, pa.string()) for c in wanted])
    rows = 0
    with pq.ParquetWriter(out, schema) as writer:
        for batch, record in batches:
            cols = [pa.array(record, pa.int64())] + [
                _blank_to_null(batch.column(batch.schema.get_field_index(c))) for c in wanted
            ]
            writer.write_batch(pa.RecordBatch.from_arrays(cols, schema=schema))
            rows += batch.num_rows
    return rows


def _blank_to_null(col: pa.Array) -> pa.Array:
    import pyarrow.compute as pc

    trimmed = pc.utf8_trim_whitespace(col)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def _excel_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    text = str(value).strip()
    return text or None


def stage_excel(*, path: Path, schema: TrialSchema, out: Path, sheet: str | None = None) -> int:
    """Read an Excel sheet row by row (python-calamine) into ``out``; return data rows."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        ws = book.get_sheet_by_name(sheet) if sheet else book.get_sheet_by_index(0)
        merged = ws.merged_cell_ranges or []
    except Exception as exc:  # noqa: BLE001 - calamine raises several error types
        raise DataError.single(kind=KIND_UNREADABLE, message=MSG_UNREADABLE.format(
            format="Excel", detail=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        ) from None
    header_merges = [m for m in merged if m[0][0] == 0 or m[1][0] == 0]
    if header_merges:
        cells = "; ".join(
            f"{_column_letter(a[1])}{a[0] + 1}:{_column_letter(b[1])}{b[0] + 1}"
            for a, b in header_merges
        )
        raise DataError.single(kind=KIND_BAD_HEADER, row=1,
                               message=MSG_MERGED_HEADER.format(row=1, cells=cells))
    rows_iter = iter(ws.iter_rows())
    try:
        first = next(rows_iter)
    except StopIteration:
        raise DataError.single(kind=KIND_EMPTY_FILE, message=MSG_EMPTY_FILE) from None
    header = [_excel_text(v) or "" for v in first]
    while header and not header[-1]:
        header.pop()
    if not header:
        raise DataError.single(kind=KIND_EMPTY_FILE, message=MSG_EMPTY_FILE)
    check_header(header=header, schema=schema)
    wanted = list(schema.columns)
    positions = [header.index(c) for c in wanted]
    start_row = ws.start[0] if ws.start else 0

    def batches() -> Iterator[tuple[pa.RecordBatch, np.ndarray]]:
        buf: list[list[str | None]] = [[] for _ in wanted]
        recs: list[int] = []
        for i, row in enumerate(rows_iter):
            values = [_excel_text(row[p]) if p < len(row) else None for p in positions]
            if all(v is None for v in values):
                continue
            for b, v in zip(buf, values, strict=True):
                b.append(v)
            recs.append(start_row + i + 2)
            if len(recs) >= EXCEL_BATCH_ROWS:
                yield _batch(wanted, buf), np.asarray(recs)
                buf, recs = [[] for _ in wanted], []
        if recs:
            yield _batch(wanted, buf), np.asarray(recs)

    rows = _write_batches(out, wanted, batches())
    if rows == 0:
        raise DataError.single(kind=KIND_EMPTY_FILE, message=MSG_NO_DATA_ROWS)
    return rows


def _batch(names: list[str], buf: list[list[str | None]]) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays([pa.array(b, pa.string()) for b in buf], names=names)


def remove_quietly(path: Path) -> None:
    """Delete ``path`` if it exists."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
