"""A trial and a probe from draft to published result through the UI, as the demo personas,
with axe (WCAG 2.2 AA) clean on every page visited."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from seedbed.demo.personas import DEMO_PASSWORD
from tests.browser.conftest import axe_violations, describe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Visit:
    """A persona's browser tab that checks axe on every page it lands on."""

    def __init__(self, browser: Any, base: str, username: str) -> None:
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)
        self.base = base
        self.scanned: list[str] = []
        sign_in(self.page, base, username, DEMO_PASSWORD)
        assert "/account/" in self.page.url, f"{username} could not sign in"

    def check(self) -> None:
        violations = axe_violations(self.page)
        assert not violations, f"{self.page.url}\n{describe(violations)}"
        self.scanned.append(self.page.url)

    def go(self, path: str) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, path
        self.check()

    def click(self, name: str) -> None:
        self.page.get_by_role("button", name=name, exact=True).click()
        self.page.wait_for_load_state()
        assert "There is a problem" not in self.page.content(), self.page.url
        self.check()

    def fill(self, values: dict[str, str]) -> None:
        for label, value in values.items():
            field = self.page.get_by_label(label, exact=True)
            if field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(label=value)
            else:
                field.fill(value)

    def close(self) -> None:
        self.context.close()


PROTOCOL = {
    "Question": "Does a welcome call within a week of referral improve engagement?",
    "Population and eligibility": "Families newly referred to early help",
    "Setting": "Early help, Northfield",
    "Intervention": "A welcome call from a named worker within seven days",
    "Comparator": "A letter, as now",
    "Primary outcome": "Engagement score at three months",
    "Strata": "",
    "Standardised effect size": "1.6",
    "Planned looks (interim and final)": "2",
    "Analysis plan": "Difference in means with a 95% confidence interval",
    "Safeguarding plan": "Concerns are referred at once under the usual procedure",
    "Ethics or DPIA reference": "DPIA-2026-020",
    "Data protection basis": "Public task",
}


def test_a_trial_from_draft_to_published_result(browser, live_server, demo_world) -> None:
    from seedbed.trials.models import Allocation, Trial

    base = live_server.url
    lead = Visit(browser, base, "lead")
    lead.go("/trials/work/new/")
    lead.fill({"Title": "Welcome calls", "Organisation running the trial": "Children's Services"})
    lead.click("Create the draft")
    trial = Trial.objects.get(title="Welcome calls")
    analyst = Visit(browser, base, "analyst")
    analyst.go(f"/trials/work/{trial.pk}/protocol/")
    analyst.fill(PROTOCOL)
    analyst.click("Save and calculate the sample size")
    assert "per arm to detect" in analyst.page.content()

    lead.go(f"/trials/work/{trial.pk}/")
    lead.fill({"Safety lead": "Demo safety lead"})
    lead.click("Name the safety lead")
    lead.fill({"Harm outcome": "Family disengages", "How the harm is defined and counted":
               "The family withdraws from early help"})
    lead.click("Add the harm outcome")
    lead.fill({"Stopping rule": "Pause if the harm boundary is crossed"})
    lead.click("Add the stopping rule")
    lead.page.get_by_text("Add a risk").click()
    lead.fill({"Risk": "Calls reach the wrong person", "Likelihood": "2 – low",
               "Impact": "3 – medium", "Owner": "Demo innovation lead", "Treatment": "Treat"})
    lead.click("Add the risk")
    lead.click("Register the trial")
    trial.refresh_from_db()
    assert trial.status == Trial.Status.RECRUITING

    public = Visit(browser, base, "resident")
    public.go(f"/trials/registry/{trial.pk}/")
    assert trial.seed_commitment in public.page.content()
    assert trial.seed not in public.page.content()

    frontline = Visit(browser, base, "frontline")
    frontline.go(f"/trials/{trial.pk}/enrol/")
    planned = trial.protocol.sample_size_per_arm * 2
    for i in range(planned):
        frontline.fill({"Unit reference": f"WC-{i}"})
        frontline.click("Enrol and reveal the arm")
        arm = Allocation.objects.get(trial=trial, unit_ref=f"WC-{i}").arm
        assert frontline.page.locator("#allocated-arm").inner_text() == arm
    frontline.go(f"/trials/{trial.pk}/safety-events/new/")
    frontline.fill({"Unit reference": "WC-0", "Which harm": "Family disengages",
                    "Severity": "Moderate", "What happened": "Stopped answering calls"})
    frontline.page.get_by_label("Date it happened").fill("2026-10-01")
    frontline.click("Report the event")

    safety = Visit(browser, base, "safety")
    safety.go(f"/trials/{trial.pk}/monitoring/")
    safety.click("Take the next interim look")
    assert "Look 1 taken" in safety.page.content()

    lead.go(f"/trials/work/{trial.pk}/")
    lead.click("Close recruitment")
    rows = "".join(f"{a.unit_ref},{a.arm},{60 + (i % 5)}\n" for i, a in enumerate(
        Allocation.objects.filter(trial=trial).exclude(unit_ref="")))
    analyst.go(f"/trials/work/{trial.pk}/data/")
    analyst.page.get_by_label("Outcome file").set_input_files(
        files=[{"name": "welcome.csv", "mimeType": "text/csv",
                "buffer": ("unit,arm,outcome\n" + rows).encode()}])
    analyst.click("Upload and check")
    analyst.go(f"/trials/work/{trial.pk}/analysis/")
    analyst.fill({"Number assessed for eligibility": str(planned + 10),
                  "Plain-language summary": "Welcome calls made little difference."})
    analyst.click("Run the analysis")
    assert "Participant flow" in analyst.page.content()
    lead.go(f"/trials/work/{trial.pk}/")
    lead.click("Publish the result")
    trial.refresh_from_db()
    assert trial.status == Trial.Status.PUBLISHED

    public.go(f"/trials/registry/{trial.pk}/result/")
    assert "Welcome calls made little difference." in public.page.content()
    expect(public.page.locator("#library-case-link")).to_have_text(trial.title)
    public.page.get_by_role("link", name="Read the full report (printable)").click()
    expect(public.page.get_by_role("heading", level=1)).to_have_text(f"{trial.title}: report")
    public.check()
    with public.page.expect_download() as download:
        public.page.get_by_role("link", name="Download the report (PDF)").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    public.go(f"/trials/registry/{trial.pk}/result/")
    public.page.locator("#library-case-link").click()
    expect(public.page.get_by_role("heading", level=1)).to_contain_text(trial.title)
    public.check()
    public.go(f"/trials/registry/{trial.pk}/")
    assert trial.seed in public.page.content()
    for visit in (lead, analyst, public, frontline, safety):
        visit.close()


def test_a_probe_from_draft_to_published_outcome(browser, live_server, demo_world) -> None:
    from seedbed.trials.models import Probe

    base = live_server.url
    lead = Visit(browser, base, "lead")
    lead.go("/trials/work/probes/new/")
    lead.fill({
        "Title": "Evening phone line", "Organisation running the probe": "Neighbourhoods",
        "Challenge": "Reports after hours", "Hypothesis": "An evening line catches urgent reports",
        "What we will monitor": "Calls per evening", "Signs of success": "Five calls an evening",
        "How we would amplify": "Staff it every weekday", "Signs of failure": "No calls",
        "How we would recover or dampen": "Close the line", "Cost cap (£)": "400",
    })
    lead.page.get_by_label("End date").fill("2027-02-01")
    lead.click("Save the draft probe")
    probe = Probe.objects.get(title="Evening phone line")
    lead.fill({"Safety lead": "Demo safety lead"})
    lead.click("Name the safety lead")
    lead.fill({"Stopping rule": "Stop if staff work alone after 9pm"})
    lead.click("Add the stopping rule")
    lead.click("Start the probe")
    lead.fill({"What happens next": "Amplify", "Why, and what was learned": "Busy every evening",
               "Amount spent (£)": "350"})
    lead.click("Record the outcome")
    lead.click("Publish the outcome")
    probe.refresh_from_db()
    assert probe.status == Probe.Status.PUBLISHED
    public = Visit(browser, base, "resident")
    public.go("/trials/")
    public.page.get_by_role("link", name="Evening phone line").click()
    public.check()
    assert "Outcome: Amplify" in public.page.content()
    public.page.locator("#library-case-link").click()
    expect(public.page.get_by_role("heading", level=1)).to_contain_text("Evening phone line")
    public.check()
    lead.close()
    public.close()
