"""Hand-built spreadsheets for upload tests: the smallest valid .xlsx around a sheet's XML.

Built with zipfile and literal XML (no spreadsheet library), so that a test can write exactly
what an attacker would: a single cell at XFD1048576, a lying ``<dimension>``, cells without
``r`` attributes, formulas without saved values.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def xlsx_bytes(sheet_data: str, *, dimension: str | None = None, sheet: str = "Sheet1") -> bytes:
    """An .xlsx whose only sheet holds ``sheet_data`` (the inside of ``<sheetData>``)."""
    types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
    root_rels = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}">'
                 f'<Relationship Id="rId1" Type="{_DOC}/officeDocument" '
                 'Target="xl/workbook.xml"/></Relationships>')
    workbook = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" '
                f'xmlns:r="{_DOC}"><sheets><sheet name="{escape(sheet)}" sheetId="1" '
                'r:id="rId1"/></sheets></workbook>')
    book_rels = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}">'
                 f'<Relationship Id="rId1" Type="{_DOC}/worksheet" '
                 'Target="worksheets/sheet1.xml"/></Relationships>')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    worksheet = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}">{dim}'
                 f"<sheetData>{sheet_data}</sheetData></worksheet>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", types)
        zf.writestr("_rels/.rels", root_rels)
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", book_rels)
        zf.writestr("xl/worksheets/sheet1.xml", worksheet)
    return buffer.getvalue()


def text_cell(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'


def number_cell(ref: str, value: float) -> str:
    return f'<c r="{ref}"><v>{value}</v></c>'


def formula_cell(ref: str, formula: str, value: float | None = None) -> str:
    """A formula cell; with ``value=None`` it has no saved value (no ``<v>``)."""
    saved = "" if value is None else f"<v>{value}</v>"
    return f'<c r="{ref}"><f>{escape(formula)}</f>{saved}</c>'


def table_rows(rows: list[list[str | float]]) -> str:
    """``<row>`` elements for a table starting at A1 (text as inline strings)."""
    out = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(
            text_cell(f"{chr(65 + c)}{r}", v) if isinstance(v, str) else number_cell(
                f"{chr(65 + c)}{r}", v)
            for c, v in enumerate(row))
        out.append(f'<row r="{r}">{cells}</row>')
    return "".join(out)


def far_cell_bomb(header: list[str]) -> bytes:
    """A header row plus one number at XFD1048576: about 1.5 KB that a reader expands to a
    1,048,576 x 16,384 grid (512 GiB in python-calamine)."""
    return xlsx_bytes(table_rows([list(header)]) + '<row r="1048576">'
                      + number_cell("XFD1048576", 1) + "</row>")
