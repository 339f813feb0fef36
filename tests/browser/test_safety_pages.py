"""The safety lead in Chromium: a serious event and a boundary crossing reach their workspace,
the monitoring page warns in red with nothing pre-chosen, and the decision is recorded;
every page passes axe."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import expect_not_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("SEEDBED_SCREENSHOTS", "")


def test_safety_lead_sees_a_crossing_and_stops_the_trial(as_persona, demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.trials.models import Allocation, Trial
    from seedbed.trials.services.monitoring import safety_event_record

    trial = Trial.objects.get(title="Weekly family-support calls")
    frontline = demo_world["users"]["frontline"]
    harm = trial.harm_outcomes.get()
    harmed = list(Allocation.objects.filter(trial=trial, arm="intervention").exclude(unit_ref="")[:14])
    assert harmed
    for i, slot in enumerate(harmed):
        safety_event_record(actor=frontline, trial=trial, unit_ref=slot.unit_ref, harm_outcome=harm,
                            severity="serious" if i == 0 else "severe",
                            description="Placed in emergency care", occurred_on=dt.date(2026, 10, 1))
    safety = as_persona("safety")
    page = safety.go("/")
    safety.follow(page.get_by_role("link", name="Safety", exact=True).first)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your safety workspace")
    expect(page.get_by_text("Placed in emergency care").first).to_be_visible()
    safety.go(f"/trials/{trial.pk}/monitoring/")
    safety.submit("Take the next interim look")
    expect_not_in_page(page, "Success")
    expect(page.locator("body")).to_contain_text("Enrolment is paused")
    expect(page.locator("#boundary-crossed")).to_be_visible()
    expect(page.locator("input[type=radio]:checked")).to_have_count(0)
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/monitoring.png", full_page=True)
    page.get_by_label("Stop the trial").check()
    page.get_by_label("Stopped early for harm").check()
    page.get_by_label("Reasons").fill("Emergency placements are far more frequent")
    safety.submit("Record the decision")
    trial.refresh_from_db()
    assert trial.status == Trial.Status.STOPPED and trial.stopped_for == "harm"
    safety.go("/trials/safety/")
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/workspace.png", full_page=True)
