"""Acceptance: a resident reports a need, sees similar needs while typing, supports one
instead, follows it and is notified when staff take it forward — axe clean on every page."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from seedbed.demo.personas import DEMO_PASSWORD
from tests.browser.conftest import axe_violations, describe, sign_in

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


def _clean(page) -> None:  # type: ignore[no-untyped-def]
    violations = axe_violations(page)
    assert not violations, f"{page.url}\n{describe(violations)}"


def test_resident_supports_a_similar_need_instead_and_hears_it_taken_forward(
    page, browser, live_server, voices_world
) -> None:  # type: ignore[no-untyped-def]
    from seedbed.core.models import Notification
    from seedbed.participation.models import Contribution
    from seedbed.participation.services import notification_digest_send

    before = Contribution.objects.count()
    page.set_default_timeout(30_000)
    sign_in(page, live_server.url, "resident", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/voices/")
    _clean(page)
    page.get_by_role("link", name="Report a need").click()
    _clean(page)
    page.get_by_label("Title").fill("Mattresses dumped in the alleys")
    page.get_by_label("What is the problem?").press_sequentially(
        "People keep dumping mattresses, sofas and rubbish bags in the alleyways on our estate", delay=5
    )
    live = page.locator("#voices-similar-live")
    assert live.get_attribute("aria-live") == "polite"
    item = live.locator("li", has_text=TARGET)
    item.wait_for(timeout=90_000)  # the first query may load the text model
    _clean(page)
    item.get_by_role("link", name=re.compile("Support this instead")).click()
    page.wait_for_url(re.compile(r"/voices/\d+/#support$"))
    assert page.get_by_role("heading", level=1).inner_text() == TARGET
    _clean(page)
    page.get_by_role("button", name="Support this need").click()
    expect(page.get_by_text(re.compile(r"^You support N-\d+\."))).to_be_visible()
    _clean(page)
    page.get_by_role("button", name="Follow this need").click()
    expect(page.get_by_text(re.compile(r"^You are following N-\d+\."))).to_be_visible()
    _clean(page)
    need = Contribution.objects.get(title=TARGET)
    assert need.supports.filter(user__username="resident").exists()
    assert need.follows.filter(user__username="resident").exists()
    assert Contribution.objects.count() == before, "supported instead of sending a duplicate"

    # Staff take it forward.
    staff_context = browser.new_context()
    staff = staff_context.new_page()
    staff.set_default_timeout(30_000)
    sign_in(staff, live_server.url, "lead", DEMO_PASSWORD)
    staff.goto(f"{live_server.url}/voices/{need.pk}/")
    _clean(staff)
    staff.get_by_label("New status").select_option("taken_forward")
    staff.get_by_label("Taken forward as").fill("Clean alleys challenge")
    staff.get_by_role("button", name="Change status").click()
    expect(staff.get_by_text("The status is now 'Taken forward'")).to_be_visible()
    _clean(staff)
    staff_context.close()

    # The resident is notified: on their notifications page, and in the daily digest email.
    page.goto(f"{live_server.url}/voices/notifications/")
    expect(page.get_by_text(f"{need.reference} is now taken forward").first).to_be_visible()
    _clean(page)
    assert Notification.objects.filter(user__username="resident", contribution=need).exists()
    mail.outbox.clear()
    notification_digest_send(actor=None)
    to_resident = [m for m in mail.outbox if m.to == ["resident@example.org"]]
    assert len(to_resident) == 1 and "Clean alleys challenge" in to_resident[0].body
    page.goto(f"{live_server.url}/voices/{need.pk}/")
    expect(page.get_by_text("Taken forward as: Clean alleys challenge")).to_be_visible()
    _clean(page)


def test_the_check_step_shows_similar_needs_from_the_server(page, live_server, voices_world) -> None:  # type: ignore[no-untyped-def]
    """The no-JavaScript path: "Check for similar needs" lists them from the server."""
    page.set_default_timeout(30_000)
    sign_in(page, live_server.url, "resident", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/voices/needs/new/")
    page.get_by_role("button", name="Send need").click()
    expect(page.get_by_text("There is a problem").first).to_be_visible()
    _clean(page)
    page.get_by_label("Title").fill("No break from caring")
    page.get_by_label("What is the problem?").fill("I care for my dad and never get respite care or a short break")
    page.get_by_role("button", name="Check for similar needs").click()
    page.get_by_role("heading", name="Similar needs already sent").wait_for(timeout=90_000)
    assert page.locator(".voices-similar--checked").get_by_role("link", name=re.compile("Support this instead")).count() >= 1
    _clean(page)
    page.get_by_role("button", name="Send need").click()
    expect(page.get_by_text(re.compile("Your need has been received"))).to_be_visible()
    _clean(page)


def test_staff_and_resident_pages_pass_axe_with_content_and_errors(page, live_server, voices_world) -> None:  # type: ignore[no-untyped-def]
    """Pages the journey does not visit, in states the access-walk scan does not reach:
    themes worked out, an open report in the queue, forms showing errors."""
    from seedbed.participation.services import themes_refresh

    themes_refresh(actor=None, backend="tfidf")
    page.set_default_timeout(30_000)
    sign_in(page, live_server.url, "lead", DEMO_PASSWORD)
    for path in ("/voices/themes/", "/voices/moderation/", "/voices/open-data/", "/voices/your-data/"):
        page.goto(live_server.url + path)
        _clean(page)
    assert page.get_by_text("Turn into a challenge").count() == 0  # on your-data now
    page.goto(live_server.url + "/voices/themes/")
    assert page.get_by_role("link", name=re.compile("Turn into a challenge")).count() >= 5
    page.goto(live_server.url + "/voices/moderation/")
    assert page.get_by_role("button", name=re.compile("^Hide")).count() >= 1
    page.goto(live_server.url + "/voices/ideas/new/")
    _clean(page)
    page.get_by_label("Title").fill("x" * 10)
    page.get_by_role("button", name="Send idea").click()
    expect(page.get_by_text("Describe your idea").first).to_be_visible()
    _clean(page)
    page.goto(live_server.url + "/voices/your-data/")
    page.get_by_role("button", name="Close my account").click()
    expect(page.get_by_text("Confirm that you want to close your account").first).to_be_visible()
    _clean(page)
