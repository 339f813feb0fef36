"""The golden thread in Chromium, as the demo personas, with axe on every page visited.

``test_golden_thread_end_to_end`` walks the whole journey; a step whose capability has not
landed is marked ``xfail`` with the precise step, never faked. ``test_portfolio_to_library
_to_gate`` walks the part of the thread that the portfolio and library own, using the
library's imported-evidence form as the source of the evidence.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest
from django.urls import NoReverseMatch, reverse

from seedbed.demo.personas import DEMO_PASSWORD
from tests.browser.conftest import axe_violations, describe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Journey:
    """Visits pages as one persona at a time and checks every page with axe."""

    def __init__(self, page: Any, base: str) -> None:
        self.page, self.base, self.failures = page, base, []

    def as_(self, username: str) -> None:
        self.page.context.clear_cookies()
        sign_in(self.page, self.base, username, DEMO_PASSWORD)
        assert "/account/" in self.page.url, f"{username} could not sign in"

    def check(self) -> None:
        violations = axe_violations(self.page)
        if violations:
            self.failures.append(f"{self.page.url}\n{describe(violations)}")

    def go(self, path: str) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        self.check()

    def submit(self, name: str) -> None:
        # Some steps embed text (similarity, search) and can take a while on a busy machine.
        self.page.get_by_role("button", name=name).click(timeout=60000)
        self.page.wait_for_load_state(timeout=60000)
        self.check()


def _ready(url_name: str, module: str) -> bool:
    try:
        reverse(url_name)
        importlib.import_module(module)
    except (NoReverseMatch, ImportError):
        return False
    return True


def test_golden_thread_end_to_end(page, live_server, demo_world) -> None:  # type: ignore[no-untyped-def]
    trip = Journey(page, live_server.url)
    # 1. A resident reports a need.
    trip.as_("resident")
    trip.go(reverse("participation:need_new"))
    page.get_by_label("Title").fill("Pupils on our estate keep missing school")
    page.get_by_label("What is the problem?").fill(
        "Children on the Eastside estate miss many school days because nobody walks them to school.")
    trip.submit("Send need")
    assert "Pupils on our estate keep missing school" in page.content()
    # 2. Staff see it in a theme.
    trip.as_("lead")
    trip.go(reverse("participation:themes"))
    trip.submit("Refresh themes now")
    trip.go(reverse("participation:themes"))
    assert not trip.failures, "\n\n".join(trip.failures)
    if "Pupils on our estate keep missing school" not in page.content():
        pytest.xfail("step 2 (staff see it in a theme): after a theme refresh the new need is not "
                     "shown in any theme on the themes page")
    # 3. A challenge is opened, 4. a provider applies, 5. a pitch panel awards.
    if not _ready("funding:index", "seedbed.funding.models"):
        pytest.xfail("step 3 (a challenge is opened): the funding app has not landed in this checkout")
    pytest.xfail(
        "steps 3-10 (challenge, application, pitch panel award, innovation from the award, probe "
        "that says amplify, trial registered/randomised/monitored/reported, library case from the "
        "trial's publish step, gate to mainstreaming) are not yet wired: funding and trials were not "
        "committed when this test was written; see test_portfolio_to_library_to_gate for steps 6, 9, 10"
    )


def test_portfolio_to_library_to_gate(page, live_server, demo_world) -> None:  # type: ignore[no-untyped-def]
    """An innovation appears in the portfolio, evidence becomes a library case with its
    evidence level, and the gate decision moves the innovation to mainstreaming."""
    from seedbed.portfolio.models import Innovation

    trip = Journey(page, live_server.url)
    trip.as_("lead")
    trip.go(reverse("portfolio:innovation_create"))
    page.get_by_label("Title").fill("Walking buses to school")
    page.get_by_label("Problem").fill("Children on the Eastside estate miss school days.")
    page.get_by_label("Delivery").check()
    page.get_by_label("New resources").check()
    page.get_by_label("Service area").select_option(label="Children's Services")
    page.get_by_label("Lead organisation").select_option(label="Children's Services")
    page.get_by_label("Budget (£)").fill("15000")
    trip.submit("Save the innovation")
    innovation = Innovation.objects.get(title="Walking buses to school")
    assert page.locator("#innovation-stage").inner_text() == "Latent"
    trip.go(reverse("portfolio:index"))
    assert "Walking buses to school" in page.locator("#innovations-table").inner_text()

    def gate(reviewer: str, exception: str = "") -> None:
        trip.go(reverse("portfolio:gate_decide", args=[innovation.pk]))
        page.get_by_label("Advance to the next stage").check()
        page.get_by_label("Reasons").fill("The stage's work is done.")
        for box in page.locator("input[name=checklist_done]").all():
            box.check()
        page.get_by_label(reviewer).check()
        if exception:
            page.get_by_label(re.compile("^Exception")).fill(exception)
        trip.submit("Record the decision")

    gate("Demo panel member")
    gate("Demo panel member")
    assert page.locator("#innovation-stage").inner_text() == "Mobilisation"
    # Without causal evidence the gate to mainstreaming refuses.
    gate("Demo analyst")
    assert "needs evidence level 3" in page.locator(".govuk-error-summary").inner_text()

    trip.as_("analyst")
    trip.go(reverse("library:case_create"))
    fields = {
        "Title": "Walking buses and attendance", "Summary in plain language": "Attendance rose.",
        "Problem": "Missed school days.", "What was done": "Volunteers walked children to school.",
        "Year": "2026", "Outcome measured": "Attendance (%)", "Effect": "2.5",
        "95% interval: lower limit": "0.8", "95% interval: upper limit": "4.2",
    }
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Design").select_option("rct")
    page.get_by_label("Innovation in our portfolio").select_option(label="Walking buses to school")
    trip.submit("Save as a draft")
    trip.submit("Publish the case")
    assert page.locator("#case-level").inner_text() == "Evidence level 3"
    trip.go(reverse("library:index") + "?q=walking+children+to+school")
    assert "Walking buses and attendance" in page.locator("#case-results").inner_text()

    trip.as_("lead")
    gate("Demo analyst")
    assert page.locator("#innovation-stage").inner_text() == "Mainstreaming"
    assert "Level 3 (positive)" in page.locator("#innovation-evidence").inner_text()
    assert not trip.failures, "\n\n".join(trip.failures)
