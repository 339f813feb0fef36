"""Acceptance: a resident reports a need, sees similar needs while typing, supports one
instead, follows it and is notified when staff take it forward — axe clean on every page."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TARGET = "Dumped rubbish and mattresses in the alleyways"  # sent by the frontline persona


@pytest.fixture
def voices_world(request, monkeypatch):  # type: ignore[no-untyped-def]
    from django.core.cache import cache

    from seedbed.demo import build

    monkeypatch.setattr(build, "CAPABILITY_STEPS", ("participation",))
    cache.clear()
    world = request.getfixturevalue("demo_world")
    # Load the text model before the clock of any browser action starts.
    from seedbed.participation.selectors import contribution_similar

    contribution_similar(text="warm up the text model")
    yield world
    cache.clear()


def test_resident_supports_a_similar_need_instead_and_hears_it_taken_forward(as_persona, voices_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.core.models import Notification
    from seedbed.participation.models import Contribution
    from seedbed.participation.services import notification_digest_send

    before = Contribution.objects.count()
    resident = as_persona("resident", timeout_ms=30_000)
    page = resident.go("/voices/")
    resident.follow("Report a need")
    page.get_by_label("Title").fill("Mattresses dumped in the alleys")
    page.get_by_label("What is the problem?").press_sequentially(
        "People keep dumping mattresses, sofas and rubbish bags in the alleyways on our estate", delay=5
    )
    live = page.locator("#voices-similar-live")
    expect(live).to_have_attribute("aria-live", "polite")
    item = live.locator("li", has_text=TARGET)
    expect(item).to_be_visible(timeout=90_000)  # the first query may load the text model
    resident.check()
    resident.follow(item.get_by_role("link", name=re.compile("Support this instead")))
    expect(page).to_have_url(re.compile(r"/voices/\d+/#support$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TARGET)
    resident.submit("Support this need")
    expect(page.get_by_text(re.compile(r"^You support N-\d+\."))).to_be_visible()
    resident.submit("Follow this need")
    expect(page.get_by_text(re.compile(r"^You are following N-\d+\."))).to_be_visible()
    need = Contribution.objects.get(title=TARGET)
    assert need.supports.filter(user__username="resident").exists()
    assert need.follows.filter(user__username="resident").exists()
    assert Contribution.objects.count() == before, "supported instead of sending a duplicate"

    # Staff take it forward.
    lead = as_persona("lead", timeout_ms=30_000)
    staff = lead.go(f"/voices/{need.pk}/")
    staff.get_by_label("New status").select_option("taken_forward")
    staff.get_by_label("Taken forward as").fill("Clean alleys challenge")
    lead.submit("Change status")
    expect(staff.get_by_text("The status is now 'Taken forward'")).to_be_visible()
    lead.close()

    # The resident is notified: on their notifications page, and in the daily digest email.
    resident.go("/voices/notifications/")
    expect(page.get_by_text(f"{need.reference} is now taken forward").first).to_be_visible()
    assert Notification.objects.filter(user__username="resident", contribution=need).exists()
    mail.outbox.clear()
    notification_digest_send(actor=None)
    to_resident = [m for m in mail.outbox if m.to == ["resident@example.org"]]
    assert len(to_resident) == 1 and "Clean alleys challenge" in to_resident[0].body
    resident.go(f"/voices/{need.pk}/")
    expect(page.get_by_text("Taken forward as: Clean alleys challenge")).to_be_visible()


def test_the_check_step_shows_similar_needs_from_the_server(as_persona, voices_world) -> None:  # type: ignore[no-untyped-def]
    """The no-JavaScript path: "Check for similar needs" lists them from the server."""
    resident = as_persona("resident", timeout_ms=30_000)
    page = resident.go("/voices/needs/new/", scan=False)
    resident.submit("Send need", problem_expected=True)
    expect(page.get_by_text("There is a problem").first).to_be_visible()
    page.get_by_label("Title").fill("No break from caring")
    page.get_by_label("What is the problem?").fill("I care for my dad and never get respite care or a short break")
    page.get_by_role("button", name="Check for similar needs").click()
    expect(page.get_by_role("heading", name="Similar needs already sent")).to_be_visible(timeout=90_000)
    expect(page.locator(".voices-similar--checked").get_by_role(
        "link", name=re.compile("Support this instead")).first).to_be_attached()
    resident.check()
    resident.submit("Send need")
    expect(page.get_by_text(re.compile("Your need has been received"))).to_be_visible()


def test_staff_and_resident_pages_pass_axe_with_content_and_errors(as_persona, voices_world) -> None:  # type: ignore[no-untyped-def]
    """Pages the journey does not visit, in states the access-walk scan does not reach:
    themes worked out, an open report in the queue, forms showing errors."""
    from seedbed.participation.services import themes_refresh

    themes_refresh(actor=None, backend="tfidf")
    lead = as_persona("lead", timeout_ms=30_000)
    page = lead.page
    for path in ("/voices/themes/", "/voices/moderation/", "/voices/open-data/", "/voices/your-data/"):
        lead.go(path)
    expect(page.get_by_text("Turn into a challenge")).to_have_count(0)  # on your-data now
    lead.go("/voices/themes/", scan=False)
    expect(page.get_by_role("link", name=re.compile("Turn into a challenge")).nth(4)).to_be_attached()
    lead.go("/voices/moderation/", scan=False)
    expect(page.get_by_role("button", name=re.compile("^Hide")).first).to_be_attached()
    lead.go("/voices/ideas/new/")
    page.get_by_label("Title").fill("x" * 10)
    lead.submit("Send idea", problem_expected=True)
    expect(page.get_by_text("Describe your idea").first).to_be_visible()
    lead.go("/voices/your-data/", scan=False)
    lead.submit("Close my account", problem_expected=True)
    expect(page.get_by_text("Confirm that you want to close your account").first).to_be_visible()
