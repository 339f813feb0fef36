"""Browser tests: Playwright driving Debian's Chromium, with an axe scan of each page."""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from seedbed.demo.personas import DEMO_PASSWORD

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
# expect() waits as long as a page action may: on two shared cores a page can take seconds.
expect.set_options(timeout=15000)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


# Pages already scanned clean in this test process, by a digest of their HTML with what changes
# on every request (CSRF tokens, CSP nonces) and who is signed in taken out: the same page
# reached again, as another persona or by another test, is not scanned twice.
_SCANNED_CLEAN: set[str] = set()
_VOLATILE = re.compile(r'(nonce|value|content)="[A-Za-z0-9+/=_-]{16,}"')


def _page_digest(page: Any) -> str:
    html = _VOLATILE.sub(r'\1=""', page.content())
    signed_in = page.evaluate(
        "() => Array.from(document.querySelectorAll('.seedbed-header__who'), e => e.textContent)"
    )
    for name in signed_in:
        html = html.replace(name, "")
    return hashlib.sha256(f"{page.url.split('?')[0]}\n{html}".encode()).hexdigest()


@functools.cache
def _axe_source() -> str:
    return AXE.read_text()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.2 AA tags) on the current page and return its violations."""
    digest = _page_digest(page)
    if digest in _SCANNED_CLEAN:
        return []
    page.evaluate(_axe_source())
    # Only violations are read: axe then keeps one example node of each passing, incomplete or
    # inapplicable rule instead of building every node's report (a third of the time per page).
    # Every rule still runs, and every violating node is still reported.
    result = page.evaluate(
        "async (tags) => await axe.run(document,"
        " {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    violations = list(result["violations"])
    if not violations:
        _SCANNED_CLEAN.add(digest)
    return violations


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = ", ".join(str(n["target"]) for n in v["nodes"][:3])
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} at {targets}")
    return "\n".join(lines)


def expect_not_in_page(page: Any, text: str) -> None:
    """Fail unless ``text`` is absent from the page's text and from every attribute value."""
    expect(page.locator("html")).not_to_contain_text(text)
    quoted = "concat('" + "', \"'\", '".join(text.split("'")) + "', '')"
    expect(page.locator(f"xpath=//*[@*[contains(., {quoted})]]")).to_have_count(0)


class Persona:
    """One demo persona in its own browser context; every page it lands on is scanned with axe.

    ``username`` is a demo persona's username (``lead``, ``resident``, ``provider`` …);
    ``"anonymous"`` is a visitor who has not signed in. ``submit`` and ``follow`` click and wait
    for the next page to load; ``submit`` fails when that page shows a GOV.UK error summary
    unless ``problem_expected``.
    """

    def __init__(self, browser: Any, base: str, username: str, *, timeout_ms: int = 15000,
                 signed_in: bool = True) -> None:
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.page.set_default_timeout(timeout_ms)
        self.base, self.username, self.closed = base, username, False
        if signed_in and username != "anonymous":
            self.sign_in()
            expect(self.page, f"{username} could not sign in").to_have_url(re.compile("/account/"))

    def sign_in(self, *, password: str = DEMO_PASSWORD) -> Any:
        """Send the sign-in form with this persona's username; the page is not scanned."""
        self.page.goto(f"{self.base}/sign-in/")
        self.page.get_by_label("Username").fill(self.username)
        self.page.get_by_label("Password").fill(password)
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Sign in").click()
        return self.page

    def check(self) -> Any:
        violations = axe_violations(self.page)
        assert not violations, f"{self.username} on {self.page.url}\n{describe(violations)}"
        return self.page

    def load(self, path: str, *, status: int = 200) -> Any:
        """Open ``path`` and return the response, failing on any other status."""
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == status, f"{path}: {response and response.status}"
        return response

    def go(self, path: str, *, status: int = 200, scan: bool = True) -> Any:
        self.load(path, status=status)
        return self.check() if scan else self.page

    def open(self, url_name: str, *args: Any, scan: bool = True, **kwargs: Any) -> Any:
        """``go`` to a named URL: ``lead.open("trials:detail", trial.pk)``."""
        return self.go(reverse(url_name, args=args or None, kwargs=kwargs or None), scan=scan)

    def follow(self, link: str | re.Pattern[str] | Any, *, scan: bool = True) -> Any:
        """Click a link (by its name, or a locator) and scan the page it leads to."""
        target = self.page.get_by_role("link", name=link) if isinstance(link, str | re.Pattern) else link
        with self.page.expect_navigation():
            target.click()
        return self.check() if scan else self.page

    def submit(self, button: str | re.Pattern[str] | Any, *, problem_expected: bool = False,
               scan: bool = True) -> Any:
        """Click a button (by its exact name, or a locator), wait for the answer and scan it."""
        if isinstance(button, str | re.Pattern):
            button = self.page.get_by_role("button", name=button, exact=True)
        with self.page.expect_navigation():
            button.click()
        if not problem_expected:
            expect(self.page.locator("html"), f"{self.page.url}: {button}").not_to_contain_text(
                "There is a problem")
        return self.check() if scan else self.page

    def fill(self, values: dict[str, str]) -> None:
        """Fill fields by exact label; a select is chosen by its option's text."""
        for label, value in values.items():
            field = self.page.get_by_label(label, exact=True)
            if field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(label=value)
            else:
                field.fill(value)

    def close(self) -> None:
        if not self.closed:
            self.context.close()
            self.closed = True


@pytest.fixture
def as_persona(browser, live_server) -> Iterator[Callable[..., Persona]]:  # type: ignore[no-untyped-def]
    """``as_persona("lead")`` returns that demo persona signed in, in a browser context of its
    own; ``as_persona("anonymous")`` a visitor. Every context is closed after the test."""
    opened: list[Persona] = []

    def make(username: str, *, timeout_ms: int = 15000, signed_in: bool = True) -> Persona:
        persona = Persona(browser, live_server.url, username, timeout_ms=timeout_ms, signed_in=signed_in)
        opened.append(persona)
        return persona

    yield make
    for persona in opened:
        persona.close()
