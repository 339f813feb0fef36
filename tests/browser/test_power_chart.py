"""The protocol page's power-curve charts in Chromium: visible, axe clean (WCAG 2.2 AA),
with a text alternative and the figures in a table."""

from __future__ import annotations

import pytest

from seedbed.demo.personas import DEMO_PASSWORD
from seedbed.trials.models import Trial
from seedbed.trials.services.protocols import protocol_update
from tests.browser.conftest import axe_violations, describe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_stepped_wedge_power_chart_is_accessible(page, live_server, demo_world) -> None:  # type: ignore[no-untyped-def]
    trial = Trial.objects.filter(status=Trial.Status.DRAFT).first()
    assert trial is not None
    protocol_update(actor=demo_world["users"]["analyst"], trial=trial, changes={
        "design": "stepped_wedge", "outcome_type": "continuous", "effect_size": 0.2, "icc": 0.05, "cluster_size": 10,
        "steps": 4, "clusters": "\n".join(f"School {i}" for i in range(44)),
        "interim_looks": 1,
    })
    sign_in(page, live_server.url, "analyst", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/trials/work/{trial.pk}/protocol/")
    chart = page.get_by_role("img", name="Power against clusters")
    assert chart.is_visible()
    assert "44 clusters" in page.content()
    violations = axe_violations(page)
    assert not violations, describe(violations)
    page.get_by_text("The figures in the charts").click()
    page.screenshot(path="/tmp/seedbed-power-chart.png", full_page=True)
    table = page.locator(".seedbed-power-charts table")
    assert table.is_visible()
    cells = table.get_by_role("row").filter(has_text="(recommended)").inner_text().split()
    assert cells == ["44", "(recommended)", "81.8%", "0.195"]
