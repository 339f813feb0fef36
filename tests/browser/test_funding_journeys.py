"""Acceptance journeys for funding, as the demo personas in Chromium, axe-clean on every page:
a micro-grant call from publication to award letters through a live pitch panel, and a
participatory budget from projects to a counted result with the engine's explanations."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_micro_grant_from_publication_to_award_letters_through_a_live_pitch_panel(as_persona, demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.funding.models import Application, Call, PitchSlot

    lead = as_persona("lead")
    page = lead.go("/funding/")
    lead.follow("Create a call")
    page.get_by_label("Kind of call").select_option("micro")
    page.get_by_label("Title").fill("Pop-up play micro-grants")
    page.get_by_label("Summary").fill("Up to £1,000 to try a pop-up play session.")
    page.get_by_label("Largest amount (£)").fill("1000")
    page.get_by_label("May individuals apply?").select_option("yes")
    page = lead.submit("Create the draft call")
    expect(page.get_by_role("heading", name="Manage Pop-up play micro-grants")).to_be_visible()
    page.get_by_label("Question").fill("What will you try?")
    page.get_by_label("Word limit").fill("400")
    page = lead.submit("Add the question", problem_expected=True)
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
        applicant = as_persona(username)
        page = applicant.go(f"/funding/calls/{call.pk}/")
        applicant.follow("Start an application")
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
        member = lead if username == "lead" else as_persona(username)
        for application in apps:
            page = member.go(f"/funding/review/{application.pk}/declare/")
            page.get_by_label("Do you have a conflict of interest with this applicant?").select_option("no")
            page = member.submit("Record my declaration")
        slots = list(PitchSlot.objects.filter(call=call))
        assert slots
        for slot in slots:
            page = member.go(f"/funding/calls/{call.pk}/pitch/{slot.pk}/score/")
            expect(page.get_by_text("Individual applicant").or_(
                page.get_by_text("Northfield Family Support CIC")).first).to_be_attached()
            page.get_by_label("Children will enjoy it (weight 1)").select_option(score)
            page = member.submit("Save my scores")
        if member is not lead:
            member.close()

    # Live totals for the chair, then decisions on the day and award letters at once.
    page = lead.go(f"/funding/calls/{call.pk}/pitch/")
    expect(page.get_by_role("cell", name="2 of 2")).to_have_count(2)
    expect(page.get_by_role("cell", name="90.00")).to_have_count(2)
    for application in apps:
        page.get_by_label(f"Reason for {application.reference} (published)").fill("Strong pitch; low cost to try.")
        page = lead.submit(f"Record the decision on {application.reference}")
    letters = page.get_by_role("link", name="award letter")
    expect(letters).to_have_count(2)
    lead.follow(letters.first)
    expect(page.get_by_role("heading", name="Award letter")).to_be_visible()
    expect(page.get_by_text("Strong pitch; low cost to try.")).to_be_visible()
    # The provider reads its letter and accepts.
    provider = as_persona("provider")
    award = apps[0].award
    page = provider.go(f"/funding/awards/{award.pk}/")
    page.get_by_label("Your answer").select_option("accept")
    page = provider.submit("Send my answer")
    expect(page.get_by_text("Accepted")).to_be_visible()
    provider.go(f"/funding/awards/{award.pk}/letter/")


def test_participatory_budget_from_projects_to_a_counted_result_with_explanations(as_persona, demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.funding.models import PbRound

    lead = as_persona("lead")
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

    resident = as_persona("resident")
    page = resident.go(f"/funding/pb/{pb_round.pk}/")
    resident.follow("Vote")
    page.get_by_label("Swings (£4,000)").check()
    page.get_by_label("Mural (£3,000)").check()
    page = resident.submit("Cast my vote")
    expect(page.get_by_text("You have voted in this round")).to_be_visible()
    resident.go(f"/funding/pb/{pb_round.pk}/vote/")
    expect(resident.page.get_by_text("You have already voted")).to_be_visible()
    resident.close()

    frontline = as_persona("frontline")
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
    page = frontline.submit("Key in the ballot", problem_expected=True)
    expect(page.get_by_role("alert")).to_contain_text("has already been keyed in")
    frontline.close()

    page = lead.go(f"/funding/pb/{pb_round.pk}/manage/")
    page = lead.submit("Close voting and count")
    expect(page.get_by_role("heading", name="Westside play budget")).to_be_visible()
    # A winning project is delivered and paid like a grant, against the fund's ledger.
    page = lead.go(f"/funding/pb/{pb_round.pk}/results/")
    lead.follow(page.locator("#pb-awards a").first)
    expect(page.get_by_text("A project residents chose in the participatory budget.")).to_be_visible()
    page.get_by_label("Instalment amount (£)").fill("1000")
    page.get_by_label("Due on (optional)").fill("2026-10-01")
    page = lead.submit("Add the instalment")
    page.get_by_label("Amount paid (£)").fill("1000")
    page.get_by_label("Paid on").fill("2026-10-01")
    page = lead.submit("Record the payment")
    expect(page.get_by_role("table", name="Payments made")).to_contain_text("£1,000.00")
    lead.close()
    public = as_persona("anonymous")
    page = public.go(f"/funding/pb/{pb_round.pk}/results/")
    expect(page.get_by_text("5 residents voted")).to_be_visible()
    result = pb_round.__class__.objects.get(pk=pb_round.pk).result
    table = page.get_by_role("table", name="Every project, and why it was or was not funded")
    assert result.explanations
    for note in result.explanations.values():
        expect(table).to_contain_text(note["reason"])
    expect(page.get_by_role("link", name="Download the election as a Pabulib file (.pb)")).to_be_visible()
