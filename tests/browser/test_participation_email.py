"""Acceptance: a resident without an account sends a need with their email address, follows
the emailed link to publish it, and sees what they sent — axe clean on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ADDRESS = "alex@example.net"
TITLE = "Bus shelter on Hill Street has no roof"
LINK = re.compile(r"https?://[^\s]+(/voices/email/(?:confirm|access)/[^/\s]+/)")


@pytest.fixture
def voices_world(request, monkeypatch):  # type: ignore[no-untyped-def]
    from django.core.cache import cache

    from seedbed.demo import build

    monkeypatch.setattr(build, "CAPABILITY_STEPS", ("participation",))
    cache.clear()
    yield request.getfixturevalue("demo_world")
    cache.clear()


def _link(kind: str) -> str:
    from django.core import mail

    from seedbed.core.models import Notification

    # The link is read from the email sent (the outbox drops a sent link's secret).
    sent = [m.body for m in reversed(mail.outbox) if ADDRESS in m.to]
    for body in sent + [row.body for row in Notification.objects.filter(email=ADDRESS).order_by("-created_at", "-id")]:
        for path in LINK.findall(body):
            if f"/email/{kind}/" in path:
                return str(path)
    raise AssertionError(f"no {kind} link was emailed to {ADDRESS}")


def test_a_resident_without_an_account_sends_confirms_and_sees_a_need(as_persona, voices_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.participation.models import Contribution

    # Publishing a need refreshes the themes at once in tests, which may load the text model.
    visitor = as_persona("anonymous", timeout_ms=90_000)
    page = visitor.go("/voices/", scan=False)
    visitor.follow("Report a need")
    expect(page.get_by_label("Your email address")).to_be_visible()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("What is the problem?").fill("The shelter roof blew off in the winter and people wait in the rain.")
    page.get_by_label("Your email address").fill("alex at example")
    visitor.submit("Send need", problem_expected=True)
    expect(page.get_by_role("link", name=re.compile("Enter an email address in the correct format"))).to_be_visible()
    page.get_by_label("Your email address").fill(ADDRESS)
    visitor.submit("Send need")
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    expect(page.get_by_text(ADDRESS)).to_be_visible()
    need = Contribution.objects.get(title=TITLE)
    assert need.held

    # The emailed confirmation link: a page to confirm, then the need is published.
    confirm = _link("confirm")
    visitor.go(confirm)
    expect(page.get_by_role("heading", name="Publish your need")).to_be_visible()
    visitor.submit("Confirm and publish")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_text(re.compile(r"Your need N-\d+ is now published"))).to_be_visible()
    need.refresh_from_db()
    assert not need.held

    # The link works once.
    visitor.go(confirm, status=400)
    expect(page.get_by_text("This link has already been used")).to_be_visible()

    # The second link in the email: what this address has sent.
    visitor.go(_link("access"))
    expect(page.get_by_role("heading", name="See what you have sent")).to_be_visible()
    visitor.submit("Continue")
    expect(page.get_by_role("heading", name="What you have sent without an account")).to_be_visible()
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    visitor.submit("Delete my data", problem_expected=True)
    expect(page.get_by_role("link", name="Confirm that you want to delete your data")).to_be_visible()
