"""Check an Excel (.xlsx/.xlsm) sheet's size and formula cells before any reader builds a grid.

Spreadsheet readers (python-calamine among them) turn a sheet into a dense grid spanning every
cell from the first to the last one holding a value, so a file of a few hundred bytes with one
cell at ``XFD1048576`` asks for 17 billion cells. ``scan_sheet`` streams the sheet's XML out of
the zip (nothing is held but a few counters) and refuses the sheet, naming it and the limit,
when its declared ``<dimension ref>`` or the extent of its cells exceeds ``max_cells``, and
before any of it is parsed when the sheet's XML would unpack to more than ``MAX_EXPANSION``
times its packed size and more than ``EXPANSION_FLOOR`` bytes (a zip bomb: a few hundred
kilobytes of repeated markup that would take minutes to stream). It also
lists formula cells that carry no saved value (a file written by a program that does not
calculate), which a reader would silently turn into empty cells.

OOXML facts used (ECMA-376 Part 1, 18.3.1): ``<row r>`` and ``<c r>`` are optional (a missing
``r`` means "the next row/column"); a cell's saved value is its ``<v>`` child (``<is>`` for an
inline string) and its formula the ``<f>`` child.
"""

from __future__ import annotations

import functools
import posixpath
import re
import xml.parsers.expat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from seedbed.data.errors import (
    KIND_SHEET_TOO_LARGE,
    MSG_SHEET_EXPANDS,
    MSG_SHEET_TOO_LARGE,
    DataError,
)

MAX_LISTED_FORMULAS = 200
"""Formula cells without a value beyond this many are counted, not listed."""

READ_BYTES = 1 << 16
MAX_EXPANSION = 100
"""Worksheet XML that unpacks to more than this many times its packed size is refused (when
also above ``EXPANSION_FLOOR``). Sheets of real data, even of repeated values, pack 5 to 30
times; the zip format allows over 1,000."""
EXPANSION_FLOOR = 16 << 20
"""Below this many unpacked bytes a sheet streams in seconds, however far it was packed."""
_CELL_REF = re.compile(r"\s*\$?([A-Za-z]{1,3})\$?(\d{1,7})\s*$")
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@dataclass(frozen=True)
class SheetScan:
    """What the scan found: the sheet's name, the bounding box of its cells holding a value or
    formula (0-based, inclusive; None if it has none) and the formula cells with no value."""

    sheet: str
    first: tuple[int, int] | None
    last: tuple[int, int] | None
    formulas_without_value: tuple[tuple[int, int], ...]
    formulas_without_value_count: int


def column_letters(index: int) -> str:
    """Spreadsheet column letters for a 0-based column index (0 -> A, 16383 -> XFD)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_name(row: int, col: int) -> str:
    """``C7`` for 0-based (6, 2)."""
    return f"{column_letters(col)}{row + 1}"


def parse_cell(ref: str) -> tuple[int, int] | None:
    """0-based (row, column) of a reference such as ``XFD1048576``; None if malformed."""
    match = _CELL_REF.match(ref)
    if not match:
        return None
    return int(match.group(2)) - 1, _column_index(match.group(1))


@functools.lru_cache(maxsize=4096)
def _column_index(letters: str) -> int:
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return col - 1


def is_ooxml(path: Path) -> bool:
    """True for a zip holding an Excel workbook (.xlsx, .xlsm); .xls and .ods are not."""
    try:
        with zipfile.ZipFile(path) as zf:
            return "xl/workbook.xml" in _names(zf)
    except (zipfile.BadZipFile, OSError):
        return False


def _names(zf: zipfile.ZipFile) -> set[str]:
    return set(zf.namelist())


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _small_xml(zf: zipfile.ZipFile, name: str) -> Iterator[tuple[str, dict[str, str]]]:
    """(tag without prefix, attributes) of each element of a small part, streamed."""
    events: list[tuple[str, dict[str, str]]] = []
    parser = _parser()
    parser.StartElementHandler = lambda tag, attrs: events.append((_local(tag), attrs))
    with zf.open(name) as fh:
        while chunk := fh.read(READ_BYTES):
            parser.Parse(chunk, False)
            yield from events
            events.clear()
    parser.Parse(b"", True)
    yield from events


def _parser() -> xml.parsers.expat.XMLParserType:
    parser = xml.parsers.expat.ParserCreate()

    def no_doctype(*_args: object) -> None:
        raise ValueError("a document type declaration is not allowed in a workbook")

    parser.StartDoctypeDeclHandler = no_doctype
    parser.EntityDeclHandler = no_doctype
    return parser


def _sheet_part(zf: zipfile.ZipFile, sheet: str | None) -> tuple[str, str]:
    """(sheet name, zip member) of the named sheet, or of the first sheet."""
    chosen: tuple[str, str] | None = None
    for tag, attrs in _small_xml(zf, "xl/workbook.xml"):
        if tag == "sheet" and (sheet is None or attrs.get("name") == sheet):
            rid = next((v for k, v in attrs.items() if _local(k) == "id"), "")
            chosen = (attrs.get("name", ""), rid)
            break
    if chosen is None:
        raise ValueError(f'no sheet named "{sheet}"' if sheet else "the workbook has no sheets")
    name, rid = chosen
    rels = "xl/_rels/workbook.xml.rels"
    for tag, attrs in _small_xml(zf, rels) if rels in _names(zf) else iter(()):
        if tag == "Relationship" and attrs.get("Id") == rid:
            target = attrs.get("Target", "")
            member = (target.lstrip("/") if target.startswith("/")
                      else posixpath.normpath(posixpath.join("xl", target)))
            return name, member
    raise ValueError(f'the workbook does not say where sheet "{name}" is stored')


class _Extent:
    """Running bounding box, position and formula bookkeeping while the sheet streams by.

    Called for every element of the sheet, so kept lean: the bounding box is four integers
    and is checked against the limit only when it grows.
    """

    def __init__(self, sheet: str, max_cells: int) -> None:
        self.sheet, self.max_cells = sheet, max_cells
        self.row, self.col = -1, -1
        self.in_cell = self.has_value = self.has_formula = False
        self.top = self.left = self.bottom = self.right = -1
        self.formulas: list[tuple[int, int]] = []
        self.formula_count = 0

    @property
    def first(self) -> list[int] | None:
        return None if self.top < 0 else [self.top, self.left]

    @property
    def last(self) -> list[int] | None:
        return None if self.top < 0 else [self.bottom, self.right]

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if ":" in tag:
            tag = tag.rpartition(":")[2]
        if tag == "c":
            ref = parse_cell(attrs["r"]) if "r" in attrs else None
            self.col = ref[1] if ref else self.col + 1
            self.in_cell, self.has_value, self.has_formula = True, False, False
        elif tag == "v" or tag == "is":
            self.has_value = True
        elif tag == "f":
            self.has_formula = True
        elif tag == "row":
            r = attrs.get("r", "")
            self.row = int(r) - 1 if r.isascii() and r.isdigit() and len(r) < 4000 else self.row + 1
            self.col = -1
        elif tag == "dimension":
            self.dimension(attrs.get("ref", ""))

    def end(self, tag: str) -> None:
        if not self.in_cell or (tag != "c" and not tag.endswith(":c")):
            return
        self.in_cell = False
        if not (self.has_value or self.has_formula):
            return
        row, col = self.row, self.col
        if self.has_formula and not self.has_value:
            self.formula_count += 1
            if len(self.formulas) < MAX_LISTED_FORMULAS:
                self.formulas.append((row, col))
        if self.top < 0:
            self.top = self.bottom = row
            self.left = self.right = col
        elif row > self.bottom or col > self.right or row < self.top or col < self.left:
            self.top, self.bottom = min(self.top, row), max(self.bottom, row)
            self.left, self.right = min(self.left, col), max(self.right, col)
            self.check([self.top, self.left], [self.bottom, self.right])

    def dimension(self, ref: str) -> None:
        ends = [parse_cell(part) for part in ref.split(":")]
        if ref and all(ends):
            a, b = ends[0], ends[-1]
            assert a is not None and b is not None
            self.check([min(a[0], b[0]), min(a[1], b[1])], [max(a[0], b[0]), max(a[1], b[1])])

    def check(self, first: list[int], last: list[int]) -> None:
        rows, columns = last[0] - first[0] + 1, last[1] - first[1] + 1
        if rows * columns > self.max_cells:
            ref = f"{cell_name(*first)}:{cell_name(*last)}"
            raise DataError.single(kind=KIND_SHEET_TOO_LARGE, message=MSG_SHEET_TOO_LARGE.format(
                sheet=self.sheet, ref=ref, rows=rows, columns=columns, cells=rows * columns,
                limit=self.max_cells))


def _refuse_bomb(info: zipfile.ZipInfo, sheet: str) -> None:
    """Refuse a worksheet part that unpacks too far (``MAX_EXPANSION``) before streaming it.
    The sizes come from the zip's directory; a part that unpacks to more than its declared
    size fails the zip's own check as it is read, so the declared size can be trusted."""
    packed, unpacked = max(info.compress_size, 1), info.file_size
    if unpacked > EXPANSION_FLOOR and unpacked > MAX_EXPANSION * packed:
        raise DataError.single(kind=KIND_SHEET_TOO_LARGE, message=MSG_SHEET_EXPANDS.format(
            sheet=sheet, packed=info.compress_size, unpacked=unpacked, ratio=MAX_EXPANSION))


def scan_sheet(*, path: Path, sheet: str | None, max_cells: int) -> SheetScan:
    """Stream the chosen sheet (the first when ``sheet`` is None) of an .xlsx/.xlsm file.

    Raises ``DataError`` (kind ``sheet_too_large``) as soon as the declared dimension or the
    cells seen so far span more than ``max_cells`` cells, and ``ValueError`` when the workbook
    is not well formed (the caller reports it as unreadable). Memory use is constant.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            name, member = _sheet_part(zf, sheet)
            _refuse_bomb(zf.getinfo(member), name)
            extent = _Extent(name, max_cells)
            parser = _parser()
            parser.StartElementHandler = extent.start
            parser.EndElementHandler = extent.end
            with zf.open(member) as fh:
                while chunk := fh.read(READ_BYTES):
                    parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except (KeyError, zipfile.BadZipFile, xml.parsers.expat.ExpatError) as exc:
        raise ValueError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    return SheetScan(
        sheet=name,
        first=(extent.first[0], extent.first[1]) if extent.first else None,
        last=(extent.last[0], extent.last[1]) if extent.last else None,
        formulas_without_value=tuple(extent.formulas),
        formulas_without_value_count=extent.formula_count,
    )
