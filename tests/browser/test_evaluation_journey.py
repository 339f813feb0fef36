"""An evaluation of each quasi-experimental design from plan to library case in Chromium, as
the demo personas, with axe (WCAG 2.2 AA) clean on every page visited.

For each design an innovation lead starts the evaluation, writes its plan and registers it;
an analyst uploads a generated file with a known effect and runs the analysis,
reads the estimate in words and the chart, and sees a file lacking one of the plan's columns
refused by name with nothing changed; the lead publishes the report and adds the evaluation to
the library, and a visitor reads the case with its Maryland SMS and Nesta levels in words.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pytest
from playwright.sync_api import expect

from seedbed.evaluations.uploads import ERROR_REJECTED
from seedbed.stats.warnings import UNKNOWN_WARNING, WARNING_TEXT
from tests.browser.conftest import Persona

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Rows = tuple[tuple[str, ...], list[tuple[Any, ...]]]

COMMON_PLAN = {
    "Question": "Did the change lower the outcome it was meant to lower?",
    "Outcome": "The outcome each period, from the service's own records",
    "Comparison": "Teams, periods, wards or households the change did not reach",
    "Period": "Two years before the change and two after",
    "Assumptions": "Nothing else that moves the outcome changed at the same time",
    "What would count as success": "A fall whose interval excludes no change",
}


def _did_rows(rng: np.random.Generator) -> Rows:
    """60 teams over 8 quarters; half never change, half start in quarter 5 or 6, after which
    re-referrals fall by 3 (a common upward trend, team levels and noise around it)."""
    rows = []
    for unit in range(60):
        started = (5, 6)[unit // 2 % 2] if unit % 2 else 0
        level = rng.normal(20, 2)
        for quarter in range(1, 9):
            effect = -3.0 if started and quarter >= started else 0.0
            rows.append((f"Team {unit:02d}", quarter,
                         round(level + 0.5 * quarter + effect + rng.normal(0, 0.5), 3), started))
    return ("team", "quarter", "rereferrals", "started"), rows


def _its_rows(rng: np.random.Generator) -> Rows:
    """48 months of delays on a rising trend that drop by 8 from month 25."""
    return ("month", "delays"), [
        (month, round(60 + 0.3 * month - 8.0 * (month >= 25) + rng.normal(0, 1.0), 3))
        for month in range(1, 49)]


def _synth_rows(rng: np.random.Generator) -> Rows:
    """25 wards over 24 months driven by two shared factors; Ward 0 is a mix of three others
    and falls by 4 from month 17."""
    periods, donors = 24, 24
    factors = np.cumsum(rng.normal(0, 1, (periods, 2)), axis=0)
    loadings = rng.uniform(0, 1, (donors + 1, 2))
    loadings[0] = 0.5 * loadings[1] + 0.3 * loadings[2] + 0.2 * loadings[3]
    reports = 30 + factors @ loadings.T + rng.normal(0, 0.2, (periods, donors + 1))
    reports[16:, 0] -= 4.0
    return ("ward", "month", "reports"), [
        (f"Ward {ward}", month + 1, round(reports[month, ward], 3))
        for ward in range(donors + 1) for month in range(periods)]


def _rd_rows(rng: np.random.Generator) -> Rows:
    """1,000 households with a need score; arrears fall by 120 at a score of 50 or more."""
    score = rng.uniform(0, 100, 1000)
    arrears = 600 - 4 * score - 120.0 * (score >= 50) + rng.normal(0, 40, score.size)
    return ("score", "arrears"), [(round(s, 3), round(a, 3)) for s, a in zip(score, arrears, strict=True)]


@dataclass(frozen=True)
class Journey:
    design: str
    name: str  # the design as the form offers it
    title: str
    plan: dict[str, str]  # the design's columns and parameters, by label
    rows: Callable[[np.random.Generator], Rows]
    effect: float  # the true effect built into the rows
    tolerance: float
    estimate_label: str  # the first estimate's words on the analysis page
    missing: str  # the plan column left out of the rejected file
    sms: int
    nesta: int


JOURNEYS = {j.design: j for j in (
    Journey("did", "Difference-in-differences", "Family group conferences and re-referrals",
            {"Outcome column": "rereferrals", "Unit column": "team", "Time column": "quarter",
             "First-treated column": "started"},
            _did_rows, -3.0, 0.5, "Average effect on rereferrals after treatment (ATT)",
            "started", sms=3, nesta=3),
    Journey("its", "Interrupted time series", "Online booking and assessment delays",
            {"Outcome column": "delays", "Time column": "month", "First period of the change": "25"},
            _its_rows, -8.0, 1.5, "Immediate change in delays when the change started (level)",
            "delays", sms=2, nesta=2),
    Journey("synth", "Synthetic control", "A ward warden and anti-social behaviour reports",
            {"Outcome column": "reports", "Unit column": "ward", "Time column": "month",
             "Treated unit": "Ward 0", "First period of the change": "17"},
            _synth_rows, -4.0, 0.5,
            "Average gap in reports after the change (Ward 0 minus its synthetic control)",
            "ward", sms=3, nesta=3),
    Journey("rd", "Regression discontinuity", "Hardship grants above a need score and arrears",
            {"Outcome column": "arrears", "Running variable (score) column": "score",
             "Cutoff": "50"},
            _rd_rows, -120.0, 40.0, "Jump in arrears at the cutoff", "score", sms=4, nesta=3),
)}


def _write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _data_files(journey: Journey, folder: Path) -> tuple[Path, Path]:
    """The journey's file with a clear true effect, and the same file without one plan column."""
    header, rows = journey.rows(np.random.default_rng(2026))
    good = _write_csv(folder / f"{journey.design}.csv", header, rows)
    keep = [i for i, column in enumerate(header) if column != journey.missing]
    bad = _write_csv(folder / f"{journey.design}-missing-{journey.missing}.csv",
                     [header[i] for i in keep], [[row[i] for i in keep] for row in rows])
    return good, bad


def _upload(persona: Persona, path: Path, *, problem_expected: bool = False) -> Any:
    persona.page.get_by_label("Data file").set_input_files(str(path))
    return persona.submit("Upload and check", problem_expected=problem_expected)


def _expect_no_warning_code(page: Any, codes: Sequence[str]) -> None:
    """No warning is shown as its code: every code the result holds (and any code of the
    catalogue) is absent from the page's text, which has no "unknown warning" sentence."""
    text = page.locator("main").inner_text()
    assert UNKNOWN_WARNING.split("{")[0] not in text
    shown = [code for code in {*codes, *WARNING_TEXT} if "_" in code and code in text]
    assert not shown, f"warning codes shown raw: {shown}"


@pytest.fixture
def people_world(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The demo's organisations and personas without the other capabilities' records, which
    these journeys do not read (building them is most of a lone run's time)."""
    from seedbed.demo import build

    monkeypatch.setattr(build, "CAPABILITY_STEPS", ())
    return request.getfixturevalue("demo_world")


@pytest.mark.parametrize("design", list(JOURNEYS))
def test_an_evaluation_from_plan_to_library_case(
    design: str, as_persona: Callable[..., Persona], people_world: dict[str, Any], tmp_path: Path,
) -> None:
    from seedbed.evaluations.models import Evaluation, EvaluationDataset

    journey = JOURNEYS[design]
    good_file, bad_file = _data_files(journey, tmp_path)

    # The innovation lead starts the evaluation, writes its plan (what every plan states, then
    # the design's columns and parameters) and registers it, which freezes it.
    lead = as_persona("lead")
    lead.open("evaluations:index")
    lead.follow("Start an evaluation")
    lead.fill({"Title": journey.title, "Design": journey.name,
               "Organisation": "Children's Services"})
    lead.submit("Start the evaluation")
    evaluation = Evaluation.objects.get(title=journey.title)
    assert evaluation.design == design
    lead.fill({**COMMON_PLAN, **journey.plan})
    lead.submit("Save the plan")
    lead.follow("Register the plan")
    lead.submit("Register and freeze the plan")
    expect(lead.page.locator("[data-status]")).to_have_text("Plan registered")

    # The analyst adds the data and runs the registered analysis.
    analyst = as_persona("analyst")
    analyst.open("evaluations:evaluation_detail", evaluation.pk)
    analyst.follow("Add data")
    _upload(analyst, good_file)
    analyst.submit("Run the analysis")
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.ANALYSED
    result = evaluation.result

    # The analysis page states the estimate in words, draws the chart and shows no raw code.
    page = analyst.follow("See the analysis")
    estimate = page.locator("#findings + .govuk-summary-list .govuk-summary-list__row").first
    expect(estimate.locator("dt")).to_have_text(journey.estimate_label)
    figure = float(estimate.locator("[data-estimate] p").first.inner_text().replace(",", ""))
    assert abs(figure - journey.effect) < journey.tolerance, (figure, journey.effect)
    if design != "synth":
        expect(estimate.locator("[data-estimate]")).to_contain_text(
            "The interval does not include zero")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    _expect_no_warning_code(page, [str(code) for code in result.warnings])

    # A file without one of the plan's columns is refused by name; nothing changes.
    analyst.follow("Back to the evaluation")
    analyst.follow("Add data")
    _upload(analyst, bad_file, problem_expected=True)
    summary = analyst.page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(ERROR_REJECTED.format(summary=""))
    expect(summary).to_contain_text(f'"{journey.missing}"')  # the headline names the column
    plan_field = next(label for label, value in journey.plan.items() if value == journey.missing)
    expect(analyst.page.locator("#problems")).to_contain_text(re.compile(
        f'"{journey.missing}" is not in the header.*the plan names it as the '
        f"{re.escape(plan_field.lower())}"))
    expect(analyst.page.locator("main")).to_contain_text(f"{good_file.name}: ")
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.ANALYSED
    assert EvaluationDataset.objects.filter(evaluation=evaluation).count() == 1
    assert evaluation.result.pk == result.pk and evaluation.result.dataset_id == result.dataset_id

    # The lead publishes the report and adds the evaluation to the library.
    lead.open("evaluations:evaluation_detail", evaluation.pk)
    lead.follow("preview its report")
    lead.submit("Publish the report")
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.REPORTED
    lead.open("evaluations:evaluation_detail", evaluation.pk)
    lead.follow("Add to the library")
    levels = lead.page.locator("#case-levels .govuk-summary-list__value")
    expect(levels).to_have_text([f"Level {journey.sms} of 5", f"Level {journey.nesta} of 5"])
    lead.fill({"Summary in plain language": f"{journey.title}: the outcome fell."})
    lead.page.get_by_label("Lower is better").check()
    lead.submit("Add to the library")
    case_path = urlsplit(lead.page.url).path

    # A visitor reads the published case with its levels in words.
    visitor = as_persona("anonymous")
    page = visitor.go(case_path)
    expect(page.get_by_role("heading", level=1)).to_have_text(journey.title)
    body = page.locator("main")
    expect(body).to_contain_text(f"Nesta Standards of Evidence, level {journey.nesta} of 5.")
    expect(body).to_contain_text(f"Maryland Scientific Methods Scale, level {journey.sms} of 5")
