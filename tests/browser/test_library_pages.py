"""Library pages in Chromium: searching by meaning and by facet, and error states, pass axe."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from seedbed.demo.personas import DEMO_PASSWORD
from tests.browser.conftest import axe_violations, describe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_searches_the_library(page, live_server, demo_world) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + reverse("library:index"))
    page.get_by_label("What are you looking for?").fill("what has been tried on school absence?")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**q=*")
    results = page.locator("#case-results").inner_text()
    assert "Attendance mentors in eight primary schools" in results
    assert "Text reminders for bulky waste" not in results
    assert not axe_violations(page), describe(axe_violations(page))
    page.get_by_text("Filter by facet").click()
    page.get_by_label("Result").select_option("negative")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results-heading")).to_have_text(re.compile(r"^\s*1 case"))
    page.get_by_role("link", name="Warning letters to parents about school absence").click()
    expect(page.locator("#case-level")).to_have_text("Evidence level 3")
    assert not axe_violations(page), describe(axe_violations(page))


def test_case_forms_with_errors_pass_axe(page, live_server, demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.library.models import Case

    case = Case.objects.get(title__startswith="Attendance mentors")
    sign_in(page, live_server.url, "analyst", DEMO_PASSWORD)
    for url, button in ((reverse("library:case_create"), "Save as a draft"),
                        (reverse("library:case_override", args=[case.pk]), "Change the level"),
                        (reverse("library:attachment_add", args=[case.pk]), "Attach the file")):
        page.goto(live_server.url + url)
        page.get_by_role("button", name=button).click()
        expect(page.get_by_text("There is a problem"), url).to_be_visible()
        assert not axe_violations(page), f"{url}\n{describe(axe_violations(page))}"
