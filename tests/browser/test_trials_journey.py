"""A trial and a probe from draft to published result through the UI, as the demo personas,
with axe (WCAG 2.2 AA) clean on every page visited."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import expect_not_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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


def test_a_trial_from_draft_to_published_result(as_persona, demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.trials.models import Allocation, Trial

    lead = as_persona("lead")
    lead.go("/trials/work/new/")
    lead.fill({"Title": "Welcome calls", "Organisation running the trial": "Children's Services"})
    lead.submit("Create the draft")
    trial = Trial.objects.get(title="Welcome calls")
    analyst = as_persona("analyst")
    analyst.go(f"/trials/work/{trial.pk}/protocol/")
    analyst.fill(PROTOCOL)
    analyst.submit("Save and calculate the sample size")
    expect(analyst.page.locator("body")).to_contain_text("per arm to detect")

    lead.go(f"/trials/work/{trial.pk}/")
    lead.fill({"Safety lead": "Demo safety lead"})
    lead.submit("Name the safety lead")
    lead.fill({"Harm outcome": "Family disengages", "How the harm is defined and counted":
               "The family withdraws from early help"})
    lead.submit("Add the harm outcome")
    lead.fill({"Stopping rule": "Pause if the harm boundary is crossed"})
    lead.submit("Add the stopping rule")
    lead.page.get_by_text("Add a risk").click()
    lead.fill({"Risk": "Calls reach the wrong person", "Likelihood": "2 – low",
               "Impact": "3 – medium", "Owner": "Demo innovation lead", "Treatment": "Treat"})
    lead.submit("Add the risk")
    lead.submit("Register the trial")
    trial.refresh_from_db()
    assert trial.status == Trial.Status.RECRUITING

    public = as_persona("resident")
    public.go(f"/trials/registry/{trial.pk}/")
    expect(public.page.locator("body")).to_contain_text(trial.seed_commitment)
    expect_not_in_page(public.page, trial.seed)

    frontline = as_persona("frontline")
    frontline.go(f"/trials/{trial.pk}/enrol/")
    planned = trial.protocol.sample_size_per_arm * 2
    for i in range(planned):
        frontline.fill({"Unit reference": f"WC-{i}"})
        frontline.submit("Enrol and reveal the arm")
        arm = Allocation.objects.get(trial=trial, unit_ref=f"WC-{i}").arm
        expect(frontline.page.locator("#allocated-arm")).to_have_text(arm)
    frontline.go(f"/trials/{trial.pk}/safety-events/new/")
    frontline.fill({"Unit reference": "WC-0", "Which harm": "Family disengages",
                    "Severity": "Moderate", "What happened": "Stopped answering calls"})
    frontline.page.get_by_label("Date it happened").fill("2026-10-01")
    frontline.submit("Report the event")

    safety = as_persona("safety")
    safety.go(f"/trials/{trial.pk}/monitoring/")
    safety.submit("Take the next interim look")
    expect(safety.page.locator("body")).to_contain_text("Look 1 taken")

    lead.go(f"/trials/work/{trial.pk}/")
    lead.submit("Close recruitment")
    allocations = list(Allocation.objects.filter(trial=trial).exclude(unit_ref=""))
    assert allocations
    rows = "".join(f"{a.unit_ref},{a.arm},{60 + (i % 5)}\n" for i, a in enumerate(allocations))
    analyst.go(f"/trials/work/{trial.pk}/data/")
    analyst.page.get_by_label("Outcome file").set_input_files(
        files=[{"name": "welcome.csv", "mimeType": "text/csv",
                "buffer": ("unit,arm,outcome\n" + rows).encode()}])
    analyst.submit("Upload and check")
    analyst.go(f"/trials/work/{trial.pk}/analysis/")
    analyst.fill({"Number assessed for eligibility": str(planned + 10),
                  "Plain-language summary": "Welcome calls made little difference."})
    analyst.submit("Run the analysis")
    expect(analyst.page.locator("body")).to_contain_text("Participant flow")
    lead.go(f"/trials/work/{trial.pk}/")
    lead.submit("Publish the result")
    trial.refresh_from_db()
    assert trial.status == Trial.Status.PUBLISHED

    public.go(f"/trials/registry/{trial.pk}/result/")
    expect(public.page.locator("body")).to_contain_text("Welcome calls made little difference.")
    expect(public.page.locator("#library-case-link")).to_have_text(trial.title)
    public.follow("Read the full report (printable)")
    expect(public.page.get_by_role("heading", level=1)).to_have_text(f"{trial.title}: report")
    with public.page.expect_download() as download:
        public.page.get_by_role("link", name="Download the report (PDF)").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    public.go(f"/trials/registry/{trial.pk}/result/")
    public.follow(public.page.locator("#library-case-link"))
    expect(public.page.get_by_role("heading", level=1)).to_contain_text(trial.title)
    public.go(f"/trials/registry/{trial.pk}/")
    expect(public.page.locator("body")).to_contain_text(trial.seed)


def test_a_probe_from_draft_to_published_outcome(as_persona, demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.trials.models import Probe

    lead = as_persona("lead")
    lead.go("/trials/work/probes/new/")
    lead.fill({
        "Title": "Evening phone line", "Organisation running the probe": "Neighbourhoods",
        "Challenge": "Reports after hours", "Hypothesis": "An evening line catches urgent reports",
        "What we will monitor": "Calls per evening", "Signs of success": "Five calls an evening",
        "How we would amplify": "Staff it every weekday", "Signs of failure": "No calls",
        "How we would recover or dampen": "Close the line", "Cost cap (£)": "400",
    })
    lead.page.get_by_label("End date").fill("2027-02-01")
    lead.submit("Save the draft probe")
    probe = Probe.objects.get(title="Evening phone line")
    lead.fill({"Safety lead": "Demo safety lead"})
    lead.submit("Name the safety lead")
    lead.fill({"Stopping rule": "Stop if staff work alone after 9pm"})
    lead.submit("Add the stopping rule")
    lead.submit("Start the probe")
    lead.fill({"What happens next": "Amplify", "Why, and what was learned": "Busy every evening",
               "Amount spent (£)": "350"})
    lead.submit("Record the outcome")
    lead.submit("Publish the outcome")
    probe.refresh_from_db()
    assert probe.status == Probe.Status.PUBLISHED
    public = as_persona("resident")
    public.go("/trials/")
    public.follow("Evening phone line")
    expect(public.page.locator("body")).to_contain_text("Outcome: Amplify")
    public.follow(public.page.locator("#library-case-link"))
    expect(public.page.get_by_role("heading", level=1)).to_contain_text("Evening phone line")
