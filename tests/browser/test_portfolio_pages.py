"""Portfolio pages in Chromium: error states and filtered views pass axe."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from seedbed.demo.personas import DEMO_PASSWORD
from tests.browser.conftest import axe_violations, describe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_forms_with_errors_and_filtered_views_pass_axe(page, live_server, demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.portfolio.models import Innovation

    family = Innovation.objects.get(title__startswith="Family group")
    sign_in(page, live_server.url, "lead", DEMO_PASSWORD)
    failures = []

    def scan() -> None:
        violations = axe_violations(page)
        if violations:
            failures.append(f"{page.url}\n{describe(violations)}")

    page.goto(live_server.url + reverse("portfolio:gate_decide", args=[family.pk]))
    page.get_by_label("Advance to the next stage").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert "needs evidence level 3" in page.locator(".govuk-error-summary").inner_text() or \
        "Give the reasons" in page.locator(".govuk-error-summary").inner_text()
    scan()
    page.goto(live_server.url + reverse("portfolio:innovation_create"))
    page.get_by_role("button", name="Save the innovation").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    scan()
    page.goto(live_server.url + reverse("portfolio:risk_add", args=[family.pk]))
    page.get_by_role("button", name="Add the risk").click()
    scan()
    page.goto(live_server.url + reverse("portfolio:index") + "?service_area=adult-social-care&stage=mobilisation")
    expect(page.locator("#innovations-table").get_by_text("Peer support for unpaid carers")).to_be_visible()
    scan()
    assert not failures, "\n\n".join(failures)
