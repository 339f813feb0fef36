"""Streaming CSV and Excel files into a staged Parquet file of text columns with row numbers.

Nothing is read whole: CSV is parsed in blocks by pyarrow's streaming reader and Excel rows are
read one at a time, and each block is appended to a Parquet file. Every declared column is kept
as text so that validation (``seedbed.data.validation``) can name the exact value that is not
a number. The ``_row`` column holds the spreadsheet row number (header = row 1).

CSV and Excel read the same: cells are trimmed, and empty cells and the texts in
``seedbed.data.schema.MISSING_VALUE_MARKERS`` become missing, in one place (``_blank_to_null``).
CSV text is decoded in the chosen encoding (UTF-8 by default, a byte-order mark skipped); a
byte that does not decode is reported with its row, column and offset, and with the
Windows-1252 reading of the byte when it has one, by a streaming scan that runs only when
reading fails.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import os
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from seedbed.data.errors import (
    KIND_BAD_ENCODING,
    KIND_BAD_HEADER,
    KIND_BAD_ROW,
    KIND_EMPTY_FILE,
    KIND_FORMULA_WITHOUT_VALUE,
    KIND_MISSING_COLUMN,
    KIND_UNREADABLE,
    MAX_LISTED_PROBLEMS,
    MSG_BAD_ENCODING,
    MSG_BAD_ENCODING_CP1252,
    MSG_BAD_ENCODING_OTHER,
    MSG_BAD_ROW,
    MSG_DUPLICATE_HEADER,
    MSG_EMPTY_FILE,
    MSG_EMPTY_HEADER_CELL,
    MSG_FORMULA_WITHOUT_VALUE,
    MSG_MERGED_HEADER,
    MSG_MISSING_COLUMN,
    MSG_MISSING_COLUMN_DELIMITER_HINT,
    MSG_NO_DATA_ROWS,
    MSG_UNKNOWN_ENCODING,
    MSG_UNREADABLE,
    DataError,
    Problem,
    ValidationReport,
    build_report,
)
from seedbed.data.sandbox import ParseLimits, stage_excel_isolated
from seedbed.data.schema import DEFAULT_ENCODING, MISSING_VALUE_MARKERS, TrialSchema
from seedbed.data.sheetscan import SheetScan, cell_name, is_ooxml, scan_sheet

ROW = "_row"
BOM = "\ufeff"
HEADER_BYTES = 1 << 20
SCAN_BYTES = 1 << 20
MAX_LINE_CHARS = 1 << 20
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
    if names:
        names[0] = names[0].removeprefix(BOM).strip()
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


def resolve_encoding(encoding: str) -> str:
    """Python's name for ``encoding`` (e.g. "windows-1252" -> "cp1252"), or a DataError."""
    try:
        return codecs.lookup(encoding).name
    except (LookupError, TypeError):
        raise DataError.single(kind=KIND_UNREADABLE, message=MSG_UNKNOWN_ENCODING.format(
            encoding=encoding)) from None


@dataclass(frozen=True)
class BadByte:
    """A byte sequence that does not decode: its line (1 = header), file offset, the bytes,
    and the text of its line before it (for the column)."""

    line: int
    offset: int
    data: bytes
    before: str


def undecodable_bytes(path: Path, encoding: str) -> Iterator[BadByte]:
    """Every byte sequence of ``path`` that is not ``encoding`` text, streamed in blocks.

    Lines are counted by newlines, so ``line`` is the spreadsheet row unless a quoted cell
    above it spans several lines.
    """
    factory = codecs.getincrementaldecoder(encoding)
    line, before, offset, carry, flag = 1, "", 0, b"", 0
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(SCAN_BYTES)
            data, final = carry + chunk, not chunk
            while True:
                decoder = factory(errors="strict")
                decoder.setstate((b"", flag))
                try:
                    text = decoder.decode(data, final=final)
                except UnicodeDecodeError as exc:
                    clean = factory(errors="replace")
                    clean.setstate((b"", flag))
                    text = clean.decode(data[: exc.start])
                    flag = clean.getstate()[1]
                    line, before = _advance(line, before, text)
                    yield BadByte(line, offset + exc.start, data[exc.start : exc.end], before)
                    offset += exc.end
                    data = data[exc.end :]
                    before += "\ufffd"
                    continue
                carry, flag = decoder.getstate()
                offset += len(data) - len(carry)
                line, before = _advance(line, before, text)
                break
            if final:
                return


def _advance(line: int, before: str, text: str) -> tuple[int, str]:
    newlines = text.count("\n")
    if newlines:
        before = text[text.rindex("\n") + 1 :]
    else:
        before += text
    return line + newlines, before[-MAX_LINE_CHARS:]


def _bad_encoding(path: Path, encoding: str, delimiter: str, header: list[str] | None,
                  wanted: set[str] | None = None) -> DataError | None:
    """A DataError naming the first undecodable byte (in a wanted column or the header)."""
    first: tuple[BadByte, str] | None = None
    for bad in undecodable_bytes(path, encoding):
        fields = next(csv.reader([bad.before], delimiter=delimiter), [""]) if bad.before else [""]
        index = len(fields) - 1
        column = header[index] if header and index < len(header) else _column_letter(index)
        if first is None:
            first = (bad, column)
        if wanted is not None and not wanted:
            break
        if wanted is None or bad.line == 1 or column in wanted:
            first = (bad, column)
            break
    if first is None:
        return None
    bad, column = first
    byte = " ".join(f"0x{b:02X}" for b in bad.data[:4])
    try:
        char = bad.data[:1].decode("cp1252")
    except UnicodeDecodeError:
        char = ""
    hint = (MSG_BAD_ENCODING_CP1252.format(char=char)
            if char and codecs.lookup(encoding).name != "cp1252" else MSG_BAD_ENCODING_OTHER)
    message = MSG_BAD_ENCODING.format(row=bad.line, column=column, byte=byte, offset=bad.offset,
                                      encoding=encoding, hint=hint)
    return DataError.single(kind=KIND_BAD_ENCODING, message=message, row=bad.line,
                            column=column)


def _read_csv_header(path: Path, delimiter: str, encoding: str) -> list[str]:
    """The header row, from at most the first MiB; a UTF-8 byte-order mark is skipped."""
    with open(path, "rb") as fh:
        raw = fh.read(HEADER_BYTES)
    if not raw.strip():
        raise DataError.single(kind=KIND_EMPTY_FILE, message=MSG_EMPTY_FILE)
    codec = "utf-8-sig" if encoding == "utf-8" else encoding
    head = codecs.getincrementaldecoder(codec)(errors="replace").decode(
        raw, final=len(raw) < HEADER_BYTES)
    if not head.strip():
        raise DataError.single(kind=KIND_EMPTY_FILE, message=MSG_EMPTY_FILE)
    reader = csv.reader(io.StringIO(head.removeprefix(BOM)), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise DataError.single(kind=KIND_UNREADABLE, message=MSG_UNREADABLE.format(
            format="CSV", detail=str(exc))) from None
    if any("\ufffd" in h for h in header):
        error = _bad_encoding(path, encoding, delimiter, None, set())
        if error is not None and error.report.problems[0].row == 1:
            raise error
    return header


def stage_csv(*, path: Path, schema: TrialSchema, out: Path, delimiter: str = ",",
              encoding: str = DEFAULT_ENCODING) -> ValidationReport:
    """Stream a CSV file into ``out`` (Parquet, text columns plus ``_row``).

    Rows with the wrong number of fields are left out of ``out`` and returned as problems.
    ``encoding`` is any Python codec name; a byte that does not decode in a declared column
    is a DataError naming its row, column and offset.
    """
    import pyarrow.csv as pacsv

    encoding = resolve_encoding(encoding)
    header = _read_csv_header(path, delimiter, encoding)
    check_header(header=header, schema=schema, delimiter=delimiter)
    names = [h.strip() for h in header]
    names[0] = names[0].removeprefix(BOM).strip()
    bad: list[int] = []
    problems: list[Problem] = []

    def on_invalid(row: Any) -> str:
        bad.append(int(row.number))
        if len(problems) < MAX_LISTED_PROBLEMS:
            problems.append(Problem(int(row.number), None, KIND_BAD_ROW, MSG_BAD_ROW.format(
                row=row.number, expected=row.expected_columns, found=row.actual_columns)))
        return "skip"

    wanted = list(schema.columns)
    undecodable_row: list[bool] = []
    try:
        with _invalid_row_decoding(on_invalid, undecodable_row):
            reader = pacsv.open_csv(
            path,
                read_options=pacsv.ReadOptions(use_threads=False, block_size=BLOCK_BYTES,
                                               column_names=names, skip_rows=1,
                                               encoding=encoding),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                                  invalid_row_handler=on_invalid),
                convert_options=pacsv.ConvertOptions(
                    column_types={n: pa.string() for n in names}, include_columns=wanted,
                    null_values=[""], strings_can_be_null=True,
                    quoted_strings_can_be_null=True),
            )
            rows = _write_batches(out, wanted, _csv_batches(reader, bad))
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if isinstance(exc, UnicodeDecodeError) or undecodable_row or "UTF8" in detail:
            error = _bad_encoding(path, encoding, delimiter, names, set(wanted))
            if error is not None:
                raise error from None
        raise DataError.single(kind=KIND_UNREADABLE, message=MSG_UNREADABLE.format(
            format="CSV", detail=detail)) from None
    if rows == 0 and not bad:
        raise DataError.single(kind=KIND_EMPTY_FILE, message=MSG_NO_DATA_ROWS)
    return build_report(problems, Counter({KIND_BAD_ROW: len(bad)}))


@contextmanager
def _invalid_row_decoding(handler: Any, seen: list[bool]) -> Iterator[None]:
    """pyarrow decodes a malformed row's text before calling ``handler`` and, when the row is
    not UTF-8, prints the error to stderr and stops the read. Note it instead (the bad byte is
    then reported with its row); every other unraisable error goes to the usual hook."""
    previous = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        if unraisable.object is handler and isinstance(unraisable.exc_value, UnicodeDecodeError):
            seen.append(True)
            return
        previous(unraisable)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = previous


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


_MISSING = pa.array(["", *MISSING_VALUE_MARKERS], pa.string())


def _blank_to_null(col: pa.Array) -> pa.Array:
    """Trimmed text; empty cells and missing-value markers become null (CSV and Excel)."""
    import pyarrow.compute as pc

    trimmed = pc.utf8_trim_whitespace(col)
    missing = pc.is_in(trimmed, value_set=_MISSING)
    return pc.if_else(missing, pa.scalar(None, pa.string()), trimmed)


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


def stage_excel(*, path: Path, schema: TrialSchema, out: Path, sheet: str | None = None,
                limits: ParseLimits | None = None) -> int:
    """Stage an Excel sheet into ``out`` (text columns plus ``_row``); return data rows.

    The file is read in a child process with memory and time limits (``seedbed.data.sandbox``;
    ``limits`` defaults to the environment's), so a crafted file cannot bring this process
    down: every failure is a ``DataError``.
    """
    return stage_excel_isolated(path=path, schema=schema, out=out, sheet=sheet,
                                limits=limits or ParseLimits.from_environ())


def stage_excel_here(*, path: Path, schema: TrialSchema, out: Path, sheet: str | None,
                     max_cells: int) -> int:
    """Read an Excel sheet row by row (python-calamine) into ``out``; return data rows.

    In this process, without memory limits: call it only in the sandbox child. An .xlsx/.xlsm
    sheet is first scanned (``seedbed.data.sheetscan``) so that one spanning more than
    ``max_cells`` cells is refused before the reader builds its grid, and formula cells with no
    saved value in a declared column are named rather than read as empty.
    """
    from python_calamine import CalamineWorkbook

    scan: SheetScan | None = None
    try:
        if is_ooxml(path):
            scan = scan_sheet(path=path, sheet=sheet, max_cells=max_cells)
        book = CalamineWorkbook.from_path(str(path))
        ws = book.get_sheet_by_name(sheet) if sheet else book.get_sheet_by_index(0)
        merged = ws.merged_cell_ranges or []
    except DataError:
        raise
    except Exception as exc:
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
    if scan is not None and scan.formulas_without_value:
        _refuse_formulas(scan, dict(zip(positions, wanted, strict=True)), ws.start or (0, 0))

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


def _refuse_formulas(scan: SheetScan, columns: dict[int, str], start: tuple[int, int]) -> None:
    """A DataError naming each formula cell without a saved value in a declared column."""
    problems = [
        Problem(row + 1, columns[col - start[1]], KIND_FORMULA_WITHOUT_VALUE,
                MSG_FORMULA_WITHOUT_VALUE.format(
                    row=row + 1, column=columns[col - start[1]], sheet=scan.sheet,
                    cell=cell_name(row, col)))
        for row, col in scan.formulas_without_value
        if row >= start[0] and col - start[1] in columns
    ]
    if problems:
        raise DataError(build_report(problems, Counter({KIND_FORMULA_WITHOUT_VALUE: len(problems)})))


def _batch(names: list[str], buf: list[list[str | None]]) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays([pa.array(b, pa.string()) for b in buf], names=names)


def remove_quietly(path: Path) -> None:
    """Delete ``path`` if it exists."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
