"""Acceptance journeys for funding, as the demo personas in Chromium, axe-clean on every page:
a micro-grant call from publication to award letters through a live pitch panel, and a
participatory budget from projects to a counted result with the engine's explanations."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from seedbed.demo.personas import DEMO_PASSWORD
from tests.browser.conftest import axe_violations, describe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Persona:
    """One persona's own browser context, checking axe on every page it lands on."""

    def __init__(self, browser: Any, base: str, username: str | None) -> None:
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)
        self.base = base
        if username:
            sign_in(self.page, base, username, DEMO_PASSWORD)
            assert "/account/" in self.page.url, f"{username} could not sign in"

    def check(self) -> Any:
        violations = axe_violations(self.page)
        assert not violations, f"{self.page.url}\n{describe(violations)}"
        return self.page

    def go(self, path: str) -> Any:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        return self.check()

    def submit(self, button: str) -> Any:
        self.page.get_by_role("button", name=button).click()
        self.page.wait_for_load_state()
        return self.check()

    def close(self) -> None:
        self.context.close()


def test_micro_grant_from_publication_to_award_letters_through_a_live_pitch_panel(browser, live_server, demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.funding.models import Application, Call, PitchSlot

    base = live_server.url
    lead = Persona(browser, base, "lead")
    page = lead.go("/funding/")
    page.get_by_role("link", name="Create a call").click()
    lead.check()
    page.get_by_label("Kind of call").select_option("micro")
    page.get_by_label("Title").fill("Pop-up play micro-grants")
    page.get_by_label("Summary").fill("Up to £1,000 to try a pop-up play session.")
    page.get_by_label("Largest amount (£)").fill("1000")
    page.get_by_label("May individuals apply?").select_option("yes")
    page = lead.submit("Create the draft call")
    expect(page.get_by_role("heading", name="Manage Pop-up play micro-grants")).to_be_visible()
    page.get_by_label("Question").fill("What will you try?")
    page.get_by_label("Word limit").fill("400")
    page = lead.submit("Add the question")
    expect(page.get_by_text("at most 250 words").first).to_be_visible()  # the micro-grant's hard cap, shown in the error summary
    page.get_by_label("Word limit").fill("100")
    page = lead.submit("Add the question")
    page.get_by_label("Criterion").fill("Children will enjoy it")
    page = lead.submit("Add the criterion")
    page.get_by_label("Person").select_option(label="Demo panel member")
    page = lead.submit("Add to the panel")
    page.get_by_label("Person").select_option(label="Demo innovation lead")
    page.get_by_label("Chair of the panel?").select_option("yes")
    page = lead.submit("Add to the panel")
    page = lead.submit("Publish the call")
    expect(page.get_by_text("The call is published")).to_be_visible()
    call = Call.objects.get(title="Pop-up play micro-grants")

    # The provider applies for its organisation; a resident as an individual.
    for username, applying_as, title in (("provider", "Northfield Family Support CIC", "Play in the park"),
                                         ("resident", "Myself, as an individual", "Play on our street")):
        applicant = Persona(browser, base, username)
        page = applicant.go(f"/funding/calls/{call.pk}/")
        page.get_by_role("link", name="Start an application").click()
        applicant.check()
        page.get_by_label("Applying for").select_option(label=applying_as)
        page.get_by_label("Project title").fill(title)
        page.get_by_label("Amount requested (£)").fill("800")
        page = applicant.submit("Save and continue")
        page.get_by_label("What will you try?").fill("Two afternoons of free play with loose parts.")
        page = applicant.submit("Submit the application")
        expect(page.get_by_text("submitted").first).to_be_visible()
        applicant.close()
    apps = list(Application.objects.filter(call=call).order_by("pk"))
    assert [a.status for a in apps] == ["submitted", "submitted"]

    # The chair closes the call and sets the running order.
    page = lead.go(f"/funding/calls/{call.pk}/manage/")
    page = lead.submit("Close to new applications")
    page = lead.go(f"/funding/calls/{call.pk}/pitch/")
    page.get_by_label("Running order").fill(f"{apps[1].reference}, {apps[0].reference}")
    page = lead.submit("Set the running order")
    page = lead.submit("Start pitch 1")

    # Each panel member declares no conflict, then scores on their phone during the pitch.
    for username, score in (("panel", "5"), ("lead", "4")):
        member = lead if username == "lead" else Persona(browser, base, username)
        for application in apps:
            page = member.go(f"/funding/review/{application.pk}/declare/")
            page.get_by_label("Do you have a conflict of interest with this applicant?").select_option("no")
            page = member.submit("Record my declaration")
        for slot in PitchSlot.objects.filter(call=call):
            page = member.go(f"/funding/calls/{call.pk}/pitch/{slot.pk}/score/")
            assert page.get_by_text("Individual applicant").count() + page.get_by_text("Northfield Family Support CIC").count() >= 1
            page.get_by_label("Children will enjoy it (weight 1)").select_option(score)
            page = member.submit("Save my scores")
        if member is not lead:
            member.close()

    # Live totals for the chair, then decisions on the day and award letters at once.
    page = lead.go(f"/funding/calls/{call.pk}/pitch/")
    assert page.get_by_role("cell", name="2 of 2").count() == 2
    assert page.get_by_role("cell", name="90.00").count() == 2
    for application in apps:
        page.get_by_label(f"Reason for {application.reference} (published)").fill("Strong pitch; low cost to try.")
        page = lead.submit(f"Record the decision on {application.reference}")
    letters = page.get_by_role("link", name="award letter")
    assert letters.count() == 2
    letters.first.click()
    page.wait_for_load_state()
    lead.check()
    expect(page.get_by_role("heading", name="Award letter")).to_be_visible()
    expect(page.get_by_text("Strong pitch; low cost to try.")).to_be_visible()
    lead.close()
    # The provider reads its letter and accepts.
    provider = Persona(browser, base, "provider")
    award = apps[0].award
    page = provider.go(f"/funding/awards/{award.pk}/")
    page.get_by_label("Your answer").select_option("accept")
    page = provider.submit("Send my answer")
    expect(page.get_by_text("Accepted")).to_be_visible()
    provider.go(f"/funding/awards/{award.pk}/letter/")
    provider.close()


def test_participatory_budget_from_projects_to_a_counted_result_with_explanations(browser, live_server, demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.funding.models import PbRound

    base = live_server.url
    lead = Persona(browser, base, "lead")
    page = lead.go("/funding/pb/new/")
    page.get_by_label("Title").fill("Westside play budget")
    page.get_by_label("Summary").fill("Residents choose how £10,000 is spent.")
    page.get_by_label("Budget (£)").fill("10000")
    page.get_by_label("Most projects a voter chooses").fill("2")
    page = lead.submit("Create the round")
    pb_round = PbRound.objects.get(call__title="Westside play budget")
    for title, cost in (("Swings", "4000"), ("Skate ramp", "7000"), ("Mural", "3000"), ("Helipad", "9000")):
        page.get_by_label("Project", exact=True).fill(title)
        page.get_by_label("Description").fill(f"A {title.lower()} for Westside.")
        page.get_by_label("Cost (£)").fill(cost)
        page = lead.submit("Add the project")
    for title in ("Swings", "Skate ramp", "Mural", "Helipad"):
        page.get_by_label(f"Is “{title}” feasible?").select_option("no" if title == "Helipad" else "yes")
        page.get_by_label(f"What was checked for “{title}”").fill("Site visit and supplier quote.")
        page = lead.submit(f"Record the check on {title}")
    page.get_by_label("Counting rule (fixed from now on)").select_option("mes-add1-fill")
    page = lead.submit("Fix the rule and open voting")
    expect(page.get_by_text("The counting rule is now fixed")).to_be_visible()
    # The lead names the frontline worker ballot officer and issues the numbers for the papers.
    page.get_by_label("Person", exact=True).select_option(label="Demo frontline worker")
    page = lead.submit("Assign as ballot officer")
    expect(page.get_by_text("Ballot officer assigned")).to_be_visible()
    page = lead.go(f"/funding/pb/{pb_round.pk}/ballot-numbers/")
    page.get_by_label("How many ballot numbers to issue").fill("4")
    page = lead.submit("Issue ballot numbers")
    numbers = [str(n) for n in pb_round.ballot_numbers.order_by("pk")]
    expect(page.get_by_text(numbers[0])).to_be_visible()

    resident = Persona(browser, base, "resident")
    page = resident.go(f"/funding/pb/{pb_round.pk}/")
    page.get_by_role("link", name="Vote").click()
    resident.check()
    page.get_by_label("Swings (£4,000)").check()
    page.get_by_label("Mural (£3,000)").check()
    page = resident.submit("Cast my vote")
    expect(page.get_by_text("You have voted in this round")).to_be_visible()
    resident.go(f"/funding/pb/{pb_round.pk}/vote/")
    expect(resident.page.get_by_text("You have already voted")).to_be_visible()
    resident.close()

    frontline = Persona(browser, base, "frontline")
    for number, picks in enumerate((("Skate ramp",), ("Skate ramp", "Mural"), ("Swings",), ("Skate ramp",)), start=1):
        page = frontline.go(f"/funding/pb/{pb_round.pk}/paper/")
        page.get_by_label("Ballot number", exact=True).fill(numbers[number - 1].lower())
        page.get_by_label("Voter's register reference").fill(f"WS-{number}")
        for title in picks:
            page.get_by_label(title, exact=False).check()
        page = frontline.submit("Key in the ballot")
        expect(page.get_by_text("Paper ballot keyed in")).to_be_visible()
    # A number already keyed in (typed with a Unicode hyphen) is refused, on an accessible error page.
    page = frontline.go(f"/funding/pb/{pb_round.pk}/paper/")
    page.get_by_label("Ballot number", exact=True).fill(numbers[0][:5] + "\u2010" + numbers[0][6:])
    page.get_by_label("Voter's register reference").fill("WS-99")
    page.get_by_label("Mural", exact=False).check()
    page = frontline.submit("Key in the ballot")
    expect(page.get_by_role("alert")).to_contain_text("has already been keyed in")
    frontline.close()

    page = lead.go(f"/funding/pb/{pb_round.pk}/manage/")
    page = lead.submit("Close voting and count")
    expect(page.get_by_role("heading", name="Westside play budget")).to_be_visible()
    # A winning project is delivered and paid like a grant, against the fund's ledger.
    page = lead.go(f"/funding/pb/{pb_round.pk}/results/")
    page.locator("#pb-awards a").first.click()
    lead.check()
    expect(page.get_by_text("A project residents chose in the participatory budget.")).to_be_visible()
    page.get_by_label("Instalment amount (£)").fill("1000")
    page.get_by_label("Due on (optional)").fill("2026-10-01")
    page = lead.submit("Add the instalment")
    page.get_by_label("Amount paid (£)").fill("1000")
    page.get_by_label("Paid on").fill("2026-10-01")
    page = lead.submit("Record the payment")
    expect(page.get_by_role("table", name="Payments made")).to_contain_text("£1,000.00")
    lead.close()
    public = Persona(browser, base, None)
    page = public.go(f"/funding/pb/{pb_round.pk}/results/")
    expect(page.get_by_text("5 residents voted")).to_be_visible()
    result = pb_round.__class__.objects.get(pk=pb_round.pk).result
    table = page.get_by_role("table", name="Every project, and why it was or was not funded")
    for note in result.explanations.values():
        assert note["reason"] in table.inner_text()
    expect(page.get_by_role("link", name="Download the election as a Pabulib file (.pb)")).to_be_visible()
    public.close()
