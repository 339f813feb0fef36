"""An analysed evaluation's analysis and report in Chromium: the lead reads the analysis (the
chart's figures behind "The figures in the chart"), previews the report, publishes it, and a
visitor then reads the analysis and the frozen report; axe (WCAG 2.2 AA) clean on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from seedbed.evaluations.views.report import MESSAGE_PUBLISHED
from seedbed.stats.warnings import warning_text
from tests.evaluations.analysed import analysed_evaluation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_lead_reads_the_analysis_and_publishes_the_report(as_persona, demo_world) -> None:  # type: ignore[no-untyped-def]
    evaluation = analysed_evaluation(demo_world, "synth", title="Youth outreach: antisocial behaviour",
                                     organisation=demo_world["organisations"]["northfield"])
    visitor = as_persona("anonymous")
    visitor.load(f"/evaluations/{evaluation.pk}/report/", status=200)  # sent to sign in
    expect(visitor.page).to_have_url(re.compile("/sign-in/"))

    lead = as_persona("lead")
    page = lead.open("evaluations:evaluation_detail", evaluation.pk)
    page = lead.follow("See the analysis")
    expect(page.get_by_role("img", name=re.compile("Northfield against its synthetic control"))).to_be_visible()
    expect(page.get_by_text(warning_text(evaluation.result.warnings[0]))).to_be_visible()
    figures = page.get_by_text("The figures in the chart").first
    figures.click()
    expect(page.locator("#synth-chart-table-0")).to_be_visible()
    lead.check()

    page = lead.follow(re.compile("Preview the report"))
    expect(page.locator("#report-preview")).to_be_visible()
    lead.submit("Publish the report")
    expect(page.get_by_text(MESSAGE_PUBLISHED)).to_be_visible()
    expect(page.locator("#report-published")).to_be_visible()
    expect(page.get_by_role("button", name="Publish the report")).to_have_count(0)

    page = visitor.open("evaluations:report", evaluation.pk)
    expect(page.locator("#report-success")).to_have_text("A fall of at least 2 in the outcome")
    page = visitor.open("evaluations:analysis", evaluation.pk)
    expect(page.get_by_text("Preview for council staff")).to_have_count(0)
