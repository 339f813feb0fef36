"""The protocol page's power-curve charts in Chromium: visible, axe clean (WCAG 2.2 AA),
with a text alternative and the figures in a table."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from seedbed.trials.models import Trial
from seedbed.trials.services.protocols import protocol_update

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_stepped_wedge_power_chart_is_accessible(as_persona, demo_world) -> None:  # type: ignore[no-untyped-def]
    trial = Trial.objects.filter(status=Trial.Status.DRAFT).first()
    assert trial is not None
    protocol_update(actor=demo_world["users"]["analyst"], trial=trial, changes={
        "design": "stepped_wedge", "outcome_type": "continuous", "effect_size": 0.2, "icc": 0.05, "cluster_size": 10,
        "steps": 4, "clusters": "\n".join(f"School {i}" for i in range(44)),
        "interim_looks": 1,
    })
    analyst = as_persona("analyst")
    page = analyst.go(f"/trials/work/{trial.pk}/protocol/", scan=False)
    expect(page.get_by_role("img", name="Power against clusters")).to_be_visible()
    expect(page.locator("body")).to_contain_text("44 clusters")
    analyst.check()
    page.get_by_text("The figures in the charts").click()
    page.screenshot(path="/tmp/seedbed-power-chart.png", full_page=True)
    table = page.locator(".seedbed-power-charts table")
    expect(table).to_be_visible()
    expect(table.get_by_role("row").filter(has_text="(recommended)")).to_have_text(
        "44 (recommended) 81.8% 0.195", use_inner_text=True)
