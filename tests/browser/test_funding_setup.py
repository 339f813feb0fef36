"""Setting funding up in Chromium, as the demo's innovation lead, axe-clean on every page:
a fund created (with a mistake corrected) and edited, landing on its ledger; and a Voices
theme turned into a published challenge in one step."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_lead_creates_and_edits_a_fund_and_reads_its_ledger(as_persona, demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.funding.models import Fund

    lead = as_persona("lead")
    page = lead.go("/funding/funds/")
    lead.follow("Create a fund")
    page.get_by_label("Owner organisation").select_option(label="Northfield Council")
    page.get_by_label("Total of the fund").fill("90000")
    page.get_by_label("Ring-fence target (% of programme budgets)").fill("2")
    page.get_by_label("Period starts on").fill("2027-04-01")
    page.get_by_label("Period ends on").fill("2028-03-31")
    page.get_by_label("Programme 1: name").fill("Neighbourhood services")
    page.get_by_label("Programme 1: budget").fill("4500000")
    page.get_by_label("Programme 2: budget").fill("100000")
    page = lead.submit("Create the fund", problem_expected=True)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the name of the fund")
    expect(summary).to_contain_text("Programme budget 2: enter the programme's name")
    page.get_by_label("Name of the fund").fill("Northfield Experimentation Fund 2027/28")
    page.get_by_label("Programme 2: name").fill("Libraries")
    page = lead.submit("Create the fund")
    expect(page.get_by_role("heading", name="Northfield Experimentation Fund 2027/28")).to_be_visible()
    expect(page.get_by_text("of GBP 4,600,000.00")).to_be_visible()
    lead.follow(re.compile("^Edit the fund"))
    page.get_by_label("Total of the fund").fill("92000")
    page = lead.submit("Save the fund")
    expect(page.get_by_text("The fund is saved.")).to_be_visible()
    assert Fund.objects.get(name="Northfield Experimentation Fund 2027/28").total == 92000


def test_a_lead_turns_a_voices_theme_into_a_published_challenge(as_persona, demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.funding.models import Call
    from seedbed.participation.services.themes import themes_refresh

    run = themes_refresh(actor=None, backend="tfidf")
    theme = run.themes.order_by("position").first()
    assert theme is not None, "the demo's needs make at least one theme"
    lead = as_persona("lead")
    page = lead.go("/voices/themes/")
    lead.follow(page.locator(f'a[href="/funding/?theme={theme.pk}"]'))
    expect(page.get_by_role("heading", name="Turn a theme into a challenge")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value(f"Challenge: {theme.label}")
    page.get_by_label("Largest amount (£)").fill("10000")
    page = lead.submit("Create the challenge")
    expect(page.get_by_text("The call is published")).to_be_visible()
    call = Call.objects.get(theme=theme)
    assert call.status == Call.Status.OPEN and call.needs.count() == theme.members.filter(kind="need").count()
