"""Problems found in trial data, the user-facing message templates, and the error raised.

Rows are numbered as a spreadsheet user sees them: in CSV and Excel files the header is row 1
and the first data row is row 2; in Parquet files (which have no header row) the first record
is row 1. Every template below is a module constant so that tests and callers can match them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

# -- problem kinds -----------------------------------------------------------------------------
KIND_MISSING_ARM = "missing_arm"
KIND_UNKNOWN_ARM = "unknown_arm"
KIND_NOT_A_NUMBER = "not_a_number"
KIND_MISSING_UNIT = "missing_unit"
KIND_DUPLICATE_UNIT = "duplicate_unit"
KIND_NOT_ALLOCATED = "not_allocated"
KIND_WRONG_ARM = "arm_differs_from_allocation"
KIND_EMPTY_ARM = "arm_without_rows"
KIND_CLUSTER_IN_SEVERAL_ARMS = "cluster_in_several_arms"
KIND_MISSING_COLUMN = "missing_column"
KIND_BAD_HEADER = "bad_header"
KIND_BAD_ROW = "malformed_row"
KIND_EMPTY_FILE = "empty_file"
KIND_UNREADABLE = "unreadable_file"
KIND_BAD_ENCODING = "bad_encoding"
KIND_ARM_CASE = "arm_labels_differ_in_case"

# -- message templates (str.format) ------------------------------------------------------------
MSG_ROW_PREFIX = 'row {row}, column "{column}": '
MSG_MISSING_ARM = MSG_ROW_PREFIX + "missing arm"
MSG_UNKNOWN_ARM = MSG_ROW_PREFIX + 'unknown arm label "{value}" (expected one of: {expected})'
MSG_NOT_A_NUMBER = MSG_ROW_PREFIX + '"{value}" is not a number'
MSG_MISSING_UNIT = MSG_ROW_PREFIX + "missing unit id"
MSG_DUPLICATE_UNIT = MSG_ROW_PREFIX + 'duplicate unit id "{value}" (first seen in row {first})'
MSG_NOT_ALLOCATED = MSG_ROW_PREFIX + 'unit "{value}" is not in the allocation list'
MSG_WRONG_ARM = MSG_ROW_PREFIX + 'arm "{value}" differs from the allocated arm "{expected}"'
MSG_EMPTY_ARM = 'column "{column}": arm "{value}" has no rows'
MSG_CLUSTER_IN_SEVERAL_ARMS = (
    'row {row}, column "{column}": cluster "{value}" is in arm "{arm}" but was first seen in '
    'arm "{first_arm}" (row {first}); a cluster must sit in one arm'
)
MSG_MISSING_COLUMN = 'column "{column}" is not in the header (found: {found})'
MSG_MISSING_COLUMN_DELIMITER_HINT = (
    'column "{column}" is not in the header (found: {found}); is the file delimited by '
    '"{delimiter}" rather than "{expected}"?'
)
MSG_EMPTY_HEADER_CELL = (
    'row {row}, column {position}: the header cell is empty (merged or blank header cells '
    "are not supported; give every column its own name)"
)
MSG_DUPLICATE_HEADER = 'row {row}: column name "{value}" appears more than once in the header'
MSG_MERGED_HEADER = (
    "row {row}: header cells {cells} are merged; give every column its own name in one "
    "header row"
)
MSG_BAD_ROW = "row {row}: expected {expected} fields, found {found}"
MSG_EMPTY_FILE = "the file is empty"
MSG_NO_DATA_ROWS = "the file has a header but no data rows"
MSG_UNREADABLE = "could not read the file as {format}: {detail}"
MSG_BAD_ENCODING = (
    'row {row}, column "{column}": byte {byte} (at byte offset {offset:,} of the file) is not '
    "{encoding} text{hint}"
)
MSG_BAD_ENCODING_CP1252 = (
    '; it reads as "{char}" in Windows-1252, so the file was probably saved by Excel or another '
    "Windows program: choose the encoding cp1252 (or save the file as CSV UTF-8)"
)
MSG_BAD_ENCODING_OTHER = (
    "; choose the encoding the file was saved in (for example cp1252 or latin-1), or save the "
    "file as CSV UTF-8"
)
MSG_UNKNOWN_ENCODING = 'unknown encoding "{encoding}": use for example utf-8, cp1252 or latin-1'
MSG_ARM_CASE = (
    'row {row}, column "{column}": arm label "{value}" differs only in case from "{first}" '
    "(first seen in row {first_row}); use one spelling, so that no arm is split in two"
)
MSG_UNKNOWN_FORMAT = 'cannot tell the format of "{path}": use a .csv, .xlsx, .xls or .parquet file'
MSG_SUMMARY = "{count} problem{s} found; the data were rejected and nothing was stored"
MSG_MORE = "... and {count} more problem{s} not listed"

MAX_LISTED_PROBLEMS = 200
"""At most this many problems are listed; counts by kind cover the rest."""


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in the data, with the row (None for file-level problems) and column."""

    row: int | None
    column: str | None
    kind: str
    message: str


@dataclass(frozen=True)
class ValidationReport:
    """A capped list of problems (sorted by row) plus the full count of each kind."""

    problems: tuple[Problem, ...]
    counts: tuple[tuple[str, int], ...]

    @property
    def total(self) -> int:
        return sum(c for _, c in self.counts)

    @property
    def ok(self) -> bool:
        return self.total == 0

    def lines(self) -> list[str]:
        """User-facing lines: a summary, the listed problems, and a note on the rest."""
        if self.ok:
            return []
        total = self.total
        out = [MSG_SUMMARY.format(count=f"{total:,}", s="" if total == 1 else "s")]
        by_kind = ", ".join(f"{kind}: {count:,}" for kind, count in self.counts)
        out.append(f"counts by kind: {by_kind}")
        out.extend(p.message for p in self.problems)
        rest = total - len(self.problems)
        if rest > 0:
            out.append(MSG_MORE.format(count=f"{rest:,}", s="" if rest == 1 else "s"))
        return out


def build_report(
    problems: list[Problem], counts: Counter[str], cap: int = MAX_LISTED_PROBLEMS
) -> ValidationReport:
    """Sort problems (file-level first, then by row) and keep the first ``cap``."""
    ordered = sorted(problems, key=lambda p: (p.row is not None, p.row or 0, p.column or ""))
    return ValidationReport(
        problems=tuple(ordered[:cap]),
        counts=tuple(sorted((k, int(v)) for k, v in counts.items() if v)),
    )


def merge_reports(*reports: ValidationReport, cap: int = MAX_LISTED_PROBLEMS) -> ValidationReport:
    """One report from several: problems re-sorted and re-capped, counts added."""
    counts: Counter[str] = Counter()
    problems: list[Problem] = []
    for r in reports:
        problems.extend(r.problems)
        counts.update(dict(r.counts))
    return build_report(problems, counts, cap)


class DataError(Exception):
    """Trial data could not be used; ``report`` lists every problem found (capped)."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        super().__init__("\n".join(report.lines()))

    @classmethod
    def single(cls, *, kind: str, message: str, row: int | None = None,
               column: str | None = None) -> DataError:
        """A DataError carrying one file-level problem."""
        return cls(build_report([Problem(row, column, kind, message)], Counter({kind: 1})))

MSG_UNKNOWN_ARM_ROWS = (
    'column "{column}": unknown arm label "{value}" in {count} rows (expected one of: {expected})'
)
MSG_MISSING_ARM_ROWS = 'column "{column}": {count} rows have no arm'
MSG_CLUSTER_ARMS = 'column "{column}": cluster "{value}" has rows in more than one arm ({arms})'
MSG_NO_CONTROL = 'control arm "{value}" is not among the arms found ({arms})'
MSG_ONE_ARM = "only one arm has rows ({arms}); an analysis needs a control and a treatment arm"

# -- spreadsheets that cannot be read safely ---------------------------------------------------
KIND_SHEET_TOO_LARGE = "sheet_too_large"
KIND_FORMULA_WITHOUT_VALUE = "formula_without_value"
MSG_SHEET_EXPANDS = (
    'sheet "{sheet}" unpacks from {packed:,} bytes to {unpacked:,} bytes, more than {ratio} '
    "times over; a real sheet of that size does not compress so far, so Seedbed does not read "
    "it: save the data again as a new workbook, or as CSV"
)
MSG_SHEET_TOO_LARGE = (
    'sheet "{sheet}" spans {ref} ({rows:,} rows by {columns:,} columns, {cells:,} cells); '
    "Seedbed reads sheets of at most {limit:,} cells: delete stray cells far from the data "
    "(or copy the data to a new sheet) and save again"
)
MSG_FORMULA_WITHOUT_VALUE = (
    'row {row}, column "{column}": {sheet}!{cell} holds a formula with no saved value: open '
    "and save the file in Excel, or paste values"
)
MSG_PARSE_FAILED = (
    "could not read the file as Excel: the reader stopped ({detail}); the file may be damaged "
    "or built to exhaust the server (reading is limited to {memory} MB of memory), and nothing "
    "was stored"
)
MSG_PARSE_TIMEOUT = (
    "could not read the file as Excel within {seconds} seconds; the file may be damaged or "
    "built to exhaust the server, and nothing was stored"
)
