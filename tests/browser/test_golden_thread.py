"""The golden thread in Chromium, as the demo personas, with axe on every page visited.

``test_golden_thread_end_to_end`` walks the whole journey of ../shared/ARCHITECTURE.md: a
resident's need → a theme → a challenge → a provider's application → a pitch-panel award →
an innovation → a probe that says amplify → a registered, randomised, monitored, reported
trial → a library case with its evidence level → the gate into mainstreaming.
``test_portfolio_to_library_to_gate`` walks the part the portfolio and library own with
imported evidence (the library's own form) as the source of the evidence.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import expect_not_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


NEED = "Pupils on our estate keep missing school"
CHALLENGE = "Safe walks to school"
PROJECT = "Walking buses for Eastside pupils"
PROTOCOL = {
    "Question": "Do walking buses raise attendance among pupils on the Eastside estate?",
    "Population and eligibility": "Pupils at the estate's two primary schools who missed 10% of sessions",
    "Setting": "Eastside estate, Northfield",
    "Intervention": "A volunteer-led walking bus every school morning",
    "Comparator": "Usual attendance support",
    "Primary outcome": "Attendance (% of sessions) over the term",
    "Strata": "",
    "Standardised effect size": "1.6",
    "Planned looks (interim and final)": "2",
    "Analysis plan": "Difference in mean attendance with a 95% confidence interval",
    "Safeguarding plan": "Volunteers are checked; concerns are referred at once",
    "Ethics or DPIA reference": "DPIA-2026-031",
    "Data protection basis": "Public task",
}


def test_golden_thread_end_to_end(as_persona, demo_world) -> None:  # type: ignore[no-untyped-def]
    """A resident's need becomes a theme, a challenge, an award, an innovation, a probe that
    says amplify, a registered randomised monitored trial with a published result, a library
    case with its evidence level, and the gate decision that mainstreams it."""
    from seedbed.funding.models import Application, Call, PitchSlot
    from seedbed.library.models import Case
    from seedbed.participation.models import Contribution
    from seedbed.portfolio.models import Innovation
    from seedbed.trials.models import Allocation, Probe, Trial

    # 1. A resident reports a need.
    resident = as_persona("resident", timeout_ms=60000)
    page = resident.open("participation:need_new")
    page.get_by_label("Title").fill(NEED)
    page.get_by_label("What is the problem?").fill(
        "Children on the Eastside estate miss many school days because nobody walks them to school.")
    page = resident.submit("Send need")
    expect(page.locator("body")).to_contain_text(NEED)
    need = Contribution.objects.get(title=NEED)

    # 2. Staff see it in a theme.
    lead = as_persona("lead", timeout_ms=60000)
    lead.open("participation:themes")
    page = lead.submit("Refresh themes now")
    page = lead.open("participation:themes")
    theme_section = page.locator("section").filter(has_text=NEED)
    expect(theme_section).to_have_count(1)
    theme_label = theme_section.get_by_role("heading", level=2).inner_text().split("\n")[0].strip()

    # 3. A challenge is opened on that theme and need.
    page = lead.go("/funding/")
    lead.follow("Create a call")
    page.get_by_label("Kind of call").select_option("challenge")
    page.get_by_label("Title").fill(CHALLENGE)
    page.get_by_label("Summary").fill("Ideas to get pupils on the Eastside estate to school safely.")
    page.get_by_label("Largest amount (£)").fill("12000")
    page.get_by_label("May individuals apply?").select_option("no")
    page.get_by_label("Voices needs or ideas this call answers (optional)").select_option(label=NEED)
    theme_select = page.get_by_label("Voices theme this call answers (optional)")
    theme_select.select_option(label=theme_select.locator("option").filter(
        has_text=re.compile(re.escape(theme_label), re.I)).first.inner_text())
    page = lead.submit("Create the draft call")
    page.get_by_label("Question").fill("What will you do, and for whom?")
    page.get_by_label("Word limit").fill("200")
    page = lead.submit("Add the question")
    page.get_by_label("Criterion").fill("Likely to get pupils to school")
    page = lead.submit("Add the criterion")
    page.get_by_label("Person").select_option(label="Demo panel member")
    page = lead.submit("Add to the panel")
    page.get_by_label("Person").select_option(label="Demo innovation lead")
    page.get_by_label("Chair of the panel?").select_option("yes")
    page = lead.submit("Add to the panel")
    page = lead.submit("Publish the call")
    expect(page.get_by_text("The call is published")).to_be_visible()
    call = Call.objects.get(title=CHALLENGE)
    need.refresh_from_db()
    assert need.status == "taken_forward"  # the resident sees what became of the need
    page = resident.open("participation:detail", need.pk)
    expect(page.get_by_text(CHALLENGE).first).to_be_visible()

    # 4. A provider applies.
    provider = as_persona("provider", timeout_ms=60000)
    page = provider.go(f"/funding/calls/{call.pk}/")
    provider.follow("Start an application")
    page.get_by_label("Applying for").select_option(label="Northfield Family Support CIC")
    page.get_by_label("Project title").fill(PROJECT)
    page.get_by_label("Amount requested (£)").fill("9000")
    page = provider.submit("Save and continue")
    page.get_by_label("What will you do, and for whom?").fill(
        "Volunteer walking buses every school morning from the estate's two blocks.")
    page = provider.submit("Submit the application")
    application = Application.objects.get(call=call, title=PROJECT)
    assert application.status == "submitted"

    # 5. A pitch panel awards it on the day.
    page = lead.go(f"/funding/calls/{call.pk}/manage/")
    page = lead.submit("Close to new applications")
    page = lead.go(f"/funding/calls/{call.pk}/pitch/")
    page.get_by_label("Running order").fill(application.reference)
    page = lead.submit("Set the running order")
    page = lead.submit("Start pitch 1")
    panel = as_persona("panel", timeout_ms=60000)
    for member, score in ((panel, "5"), (lead, "4")):
        page = member.go(f"/funding/review/{application.pk}/declare/")
        page.get_by_label("Do you have a conflict of interest with this applicant?").select_option("no")
        page = member.submit("Record my declaration")
        slot = PitchSlot.objects.get(call=call)
        page = member.go(f"/funding/calls/{call.pk}/pitch/{slot.pk}/score/")
        page.get_by_label("Likely to get pupils to school (weight 1)").select_option(score)
        page = member.submit("Save my scores")
    page = lead.go(f"/funding/calls/{call.pk}/pitch/")
    page.get_by_label(f"Reason for {application.reference} (published)").fill("Cheap to run; the panel was convinced.")
    page = lead.submit(f"Record the decision on {application.reference}")
    award = Application.objects.get(pk=application.pk).award
    page = provider.go(f"/funding/awards/{award.pk}/")
    page.get_by_label("Your answer").select_option("accept")
    page = provider.submit("Send my answer")

    # 6. An innovation appears in the portfolio, linked to the award.
    innovation = Innovation.objects.get(awards=award)
    page = lead.open("portfolio:index")
    expect(page.locator("#innovations-table").get_by_text(innovation.title)).to_be_visible()
    page = lead.open("portfolio:innovation_detail", innovation.pk)
    expect(page.locator("#innovation-stage")).to_have_text("Latent")

    def link(record_label: str) -> None:
        lead.open("portfolio:link_add", innovation.pk)
        select = lead.page.get_by_label("Record to link")
        select.select_option(label=select.locator("option").filter(has_text=record_label).first.inner_text())
        lead.submit("Link the record")

    def gate(reviewer: str) -> Any:
        page = lead.open("portfolio:gate_decide", innovation.pk)
        page.get_by_label("Advance to the next stage").check()
        page.get_by_label("Reasons").fill("The stage's work is done and its evidence is in.")
        boxes = page.locator("input[name=checklist_done]").all()
        assert boxes
        for box in boxes:
            box.check()
        page.get_by_label(reviewer).check()
        return lead.submit("Record the decision")

    gate("Demo panel member")  # into design & discovery

    # 7. A probe runs and says amplify.
    page = lead.go("/trials/work/probes/new/")
    lead.fill({
        "Title": "One walking bus for a month", "Organisation running the probe": "Children's Services",
        "Challenge": "Pupils on the estate miss school", "Hypothesis": "A walking bus gets pupils in on time",
        "What we will monitor": "Pupils walking each morning", "Signs of success": "Ten pupils a morning",
        "How we would amplify": "A bus from each block", "Signs of failure": "Fewer than three pupils",
        "How we would recover or dampen": "Stop the bus", "Cost cap (£)": "500",
    })
    page.get_by_label("End date").fill("2027-02-01")
    lead.submit("Save the draft probe")
    probe = Probe.objects.get(title="One walking bus for a month")
    link("One walking bus for a month")
    lead.go(f"/trials/work/probes/{probe.pk}/")
    lead.fill({"Safety lead": "Demo safety lead"})
    lead.submit("Name the safety lead")
    lead.fill({"Stopping rule": "Stop if a volunteer is not checked"})
    lead.submit("Add the stopping rule")
    lead.submit("Start the probe")
    lead.fill({"What happens next": "Amplify", "Why, and what was learned": "Twelve pupils most mornings",
               "Amount spent (£)": "420"})
    lead.submit("Record the outcome")
    lead.submit("Publish the outcome")
    probe.refresh_from_db()
    assert probe.status == Probe.Status.PUBLISHED and probe.outcome == "amplify"
    gate("Demo panel member")  # into mobilisation

    # 8. A trial is registered, randomised, monitored and reported.
    lead.go("/trials/work/new/")
    lead.fill({"Title": "Walking buses and attendance", "Organisation running the trial": "Children's Services"})
    lead.submit("Create the draft")
    trial = Trial.objects.get(title="Walking buses and attendance")
    link("Walking buses and attendance")
    analyst = as_persona("analyst", timeout_ms=60000)
    analyst.go(f"/trials/work/{trial.pk}/protocol/")
    analyst.fill(PROTOCOL)
    analyst.submit("Save and calculate the sample size")
    lead.go(f"/trials/work/{trial.pk}/")
    lead.fill({"Safety lead": "Demo safety lead"})
    lead.submit("Name the safety lead")
    lead.fill({"Harm outcome": "Pupil hurt on the way", "How the harm is defined and counted":
               "Any injury on the walk reported by a parent or school"})
    lead.submit("Add the harm outcome")
    lead.fill({"Stopping rule": "Pause if the harm boundary is crossed"})
    lead.submit("Add the stopping rule")
    lead.submit("Register the trial")
    trial.refresh_from_db()
    assert trial.status == Trial.Status.RECRUITING
    page = resident.go(f"/trials/registry/{trial.pk}/")
    expect(page.locator("body")).to_contain_text(trial.seed_commitment)
    expect_not_in_page(page, trial.seed)

    frontline = as_persona("frontline", timeout_ms=60000)
    planned = trial.protocol.sample_size_per_arm * 2
    frontline.go(f"/trials/{trial.pk}/enrol/")
    for i in range(planned):
        frontline.fill({"Unit reference": f"WB-{i}"})
        frontline.submit("Enrol and reveal the arm")
        arm = Allocation.objects.get(trial=trial, unit_ref=f"WB-{i}").arm
        expect(frontline.page.locator("#allocated-arm")).to_have_text(arm)
    safety = as_persona("safety", timeout_ms=60000)
    safety.go(f"/trials/{trial.pk}/monitoring/")
    page = safety.submit("Take the next interim look")
    expect(page.locator("body")).to_contain_text("Look 1 taken")
    lead.go(f"/trials/work/{trial.pk}/")
    lead.submit("Close recruitment")
    control = trial.protocol.arm_list[0]  # the comparator arm comes first ("control, intervention")
    allocations = list(Allocation.objects.filter(trial=trial).exclude(unit_ref="").order_by("pk"))
    assert allocations
    rows = "".join(f"{a.unit_ref},{a.arm},{(78 if a.arm != control else 70) + (i % 5)}\n"
                   for i, a in enumerate(allocations))
    analyst.go(f"/trials/work/{trial.pk}/data/")
    analyst.page.get_by_label("Outcome file").set_input_files(
        files=[{"name": "attendance.csv", "mimeType": "text/csv", "buffer": ("unit,arm,outcome\n" + rows).encode()}])
    analyst.submit("Upload and check")
    analyst.go(f"/trials/work/{trial.pk}/analysis/")
    analyst.fill({"Number assessed for eligibility": str(planned + 6),
                  "Plain-language summary": "Pupils with a walking bus attended more school."})
    page = analyst.submit("Run the analysis")
    expect(page.locator("body")).to_contain_text("Participant flow")
    lead.go(f"/trials/work/{trial.pk}/")
    lead.submit("Publish the result")
    trial.refresh_from_db()
    assert trial.status == Trial.Status.PUBLISHED

    # 9. A library case appears with its evidence level.
    case = Case.objects.get(trial=trial)
    assert case.is_published and case.innovation_id == innovation.pk
    assert Case.objects.get(probe=probe).level == 1
    page = resident.go(reverse("library:index") + "?q=walking+buses+school+attendance")
    resident.follow(page.locator("#case-results").get_by_role("link", name="Walking buses and attendance"))
    expect(page.locator("#case-level")).to_have_text("Evidence level 3")

    # 10. The gate decision moves the innovation to mainstreaming.
    page = gate("Demo analyst")
    expect(page.locator("#innovation-stage")).to_have_text("Mainstreaming")
    expect(page.locator("#innovation-evidence")).to_contain_text("Level 3 (positive)")


def test_portfolio_to_library_to_gate(as_persona, demo_world) -> None:  # type: ignore[no-untyped-def]
    """An innovation appears in the portfolio, evidence becomes a library case with its
    evidence level, and the gate decision moves the innovation to mainstreaming."""
    from seedbed.portfolio.models import Innovation

    lead = as_persona("lead", timeout_ms=60000)
    page = lead.open("portfolio:innovation_create")
    page.get_by_label("Title").fill("Walking buses to school")
    page.get_by_label("Problem").fill("Children on the Eastside estate miss school days.")
    page.get_by_label("Delivery").check()
    page.get_by_label("New resources").check()
    page.get_by_label("Service area").select_option(label="Children's Services")
    page.get_by_label("Lead organisation").select_option(label="Children's Services")
    page.get_by_label("Budget (£)").fill("15000")
    lead.submit("Save the innovation")
    innovation = Innovation.objects.get(title="Walking buses to school")
    expect(page.locator("#innovation-stage")).to_have_text("Latent")
    lead.open("portfolio:index")
    expect(page.locator("#innovations-table")).to_contain_text("Walking buses to school")

    def gate(reviewer: str, exception: str = "", refused: bool = False) -> None:
        lead.open("portfolio:gate_decide", innovation.pk)
        page.get_by_label("Advance to the next stage").check()
        page.get_by_label("Reasons").fill("The stage's work is done.")
        boxes = page.locator("input[name=checklist_done]").all()
        assert boxes
        for box in boxes:
            box.check()
        page.get_by_label(reviewer).check()
        if exception:
            page.get_by_label(re.compile("^Exception")).fill(exception)
        lead.submit("Record the decision", problem_expected=refused)

    gate("Demo panel member")
    gate("Demo panel member")
    expect(page.locator("#innovation-stage")).to_have_text("Mobilisation")
    # Without causal evidence the gate to mainstreaming refuses.
    gate("Demo analyst", refused=True)
    expect(page.locator(".govuk-error-summary")).to_contain_text("needs evidence level 3")

    analyst = as_persona("analyst", timeout_ms=60000)
    page = analyst.open("library:case_create")
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
    analyst.submit("Save as a draft")
    analyst.submit("Publish the case")
    expect(page.locator("#case-level")).to_have_text("Evidence level 3")
    analyst.go(reverse("library:index") + "?q=walking+children+to+school")
    expect(page.locator("#case-results")).to_contain_text("Walking buses and attendance")

    page = lead.page
    gate("Demo analyst")
    expect(page.locator("#innovation-stage")).to_have_text("Mainstreaming")
    expect(page.locator("#innovation-evidence")).to_contain_text("Level 3 (positive)")
