"""Portfolio pages in Chromium: error states and filtered views pass axe."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_forms_with_errors_and_filtered_views_pass_axe(as_persona, demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.portfolio.models import Innovation

    family = Innovation.objects.get(title__startswith="Family group")
    lead = as_persona("lead")
    page = lead.open("portfolio:gate_decide", family.pk, scan=False)
    page.get_by_label("Advance to the next stage").check()
    lead.submit("Record the decision", problem_expected=True)
    expect(page.get_by_text("There is a problem")).to_be_visible()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        re.compile(re.escape("needs evidence level 3") + "|" + re.escape("Give the reasons")))
    lead.open("portfolio:innovation_create", scan=False)
    lead.submit("Save the innovation", problem_expected=True)
    expect(page.get_by_text("There is a problem")).to_be_visible()
    lead.open("portfolio:risk_add", family.pk, scan=False)
    lead.submit("Add the risk", problem_expected=True)
    lead.go(reverse("portfolio:index") + "?service_area=adult-social-care&stage=mobilisation")
    expect(page.locator("#innovations-table").get_by_text("Peer support for unpaid carers")).to_be_visible()
