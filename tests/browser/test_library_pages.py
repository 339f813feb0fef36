"""Library pages in Chromium: searching by meaning and by facet, and error states, pass axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_searches_the_library(as_persona, demo_world) -> None:  # type: ignore[no-untyped-def]
    visitor = as_persona("anonymous", timeout_ms=60000)  # the first search may load the text model
    page = visitor.open("library:index", scan=False)
    page.get_by_label("What are you looking for?").fill("what has been tried on school absence?")
    visitor.submit("Search")
    expect(page).to_have_url(re.compile(r"q="))
    results = page.locator("#case-results")
    expect(results).to_contain_text("Attendance mentors in eight primary schools")
    expect(results).not_to_contain_text("Text reminders for bulky waste")
    page.get_by_text("Filter by facet").click()
    page.get_by_label("Result").select_option("negative")
    visitor.submit("Search", scan=False)
    expect(page.locator("#results-heading")).to_have_text(re.compile(r"^\s*1 case"))
    visitor.follow("Warning letters to parents about school absence")
    expect(page.locator("#case-level")).to_have_text("Evidence level 3")


def test_case_forms_with_errors_pass_axe(as_persona, demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.library.models import Case

    case = Case.objects.get(title__startswith="Attendance mentors")
    analyst = as_persona("analyst")
    for args, button in (
        (("library:case_create",), "Save as a draft"),
        (("library:case_override", case.pk), "Change the level"),
        (("library:attachment_add", case.pk), "Attach the file"),
    ):
        page = analyst.open(*args, scan=False)
        analyst.submit(button, problem_expected=True)
        expect(page.get_by_text("There is a problem"), page.url).to_be_visible()
