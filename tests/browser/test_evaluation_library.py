"""A reported evaluation becomes a library case in Chromium: the lead sees the levels it will
carry and why, answers which way is better, and the public case page gives the Maryland SMS
and Nesta levels with each downgrade's reason; axe (WCAG 2.2 AA) clean on every page."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.evaluations.reported import reported_evaluation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_lead_adds_a_reported_evaluation_to_the_library(as_persona, demo_world) -> None:  # type: ignore[no-untyped-def]
    evaluation = reported_evaluation(demo_world, title="Family hubs: referrals where hubs opened",
                                     organisation=demo_world["organisations"]["northfield"])
    lead = as_persona("lead")
    lead.open("evaluations:evaluation_detail", evaluation.pk)
    page = lead.follow(lead.page.locator("#evaluation-add-to-library"))
    expect(page.locator("#case-levels")).to_contain_text("Level 2 of 5")
    expect(page.locator("#case-reasons")).to_contain_text("SMS level 3 down to 2: Before the change")
    lead.submit("Add to the library", problem_expected=True)
    expect(page.get_by_text("There is a problem")).to_be_visible()
    page.get_by_label("Summary in plain language").fill(
        "Referrals fell where hubs opened, but the wards were already diverging.")
    page.get_by_label("Lower is better").check()
    lead.submit("Add to the library")
    expect(page).to_have_url(re.compile(r"/library/"))
    expect(page.locator("#case-sms")).to_have_text("Maryland SMS level 2")
    expect(page.locator("#case-level")).to_have_text("Evidence level 2")
    expect(page.locator("#case-sms-level")).to_contain_text("Maryland Scientific Methods Scale, level 2 of 5")
    expect(page.get_by_text(re.compile(r"joint pre-trend test p = 0\.012, below 0\.05"))).to_be_visible()
    case_path = urlsplit(page.url).path

    public = as_persona("anonymous")
    page = public.go(case_path)
    expect(page.locator("#case-direction")).to_have_text("Positive")
    expect(page.get_by_text("Difference-in-differences", exact=True)).to_be_visible()
