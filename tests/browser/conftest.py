"""Browser tests: Playwright driving Debian's Chromium, with an axe scan of each page."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    context = browser.new_context(bypass_csp=False)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


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


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.2 AA tags) on the current page and return its violations."""
    digest = _page_digest(page)
    if digest in _SCANNED_CLEAN:
        return []
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
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


def sign_in(page: Any, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


class Persona:
    """One persona's own browser context; every page it lands on is scanned with axe.

    ``username=None`` is a visitor who has not signed in. ``submit`` clicks a button and,
    unless ``problem_expected``, fails when the page shows a GOV.UK error summary.
    """

    def __init__(self, browser: Any, base: str, username: str | None, *, timeout_ms: int = 15000) -> None:
        from seedbed.demo.personas import DEMO_PASSWORD

        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.page.set_default_timeout(timeout_ms)
        self.base, self.username = base, username or "visitor"
        if username:
            sign_in(self.page, base, username, DEMO_PASSWORD)
            assert "/account/" in self.page.url, f"{username} could not sign in"

    def check(self) -> Any:
        violations = axe_violations(self.page)
        assert not violations, f"{self.username} on {self.page.url}\n{describe(violations)}"
        return self.page

    def go(self, path: str) -> Any:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        return self.check()

    def submit(self, name: str, *, problem_expected: bool = False) -> Any:
        self.page.get_by_role("button", name=name, exact=True).click()
        self.page.wait_for_load_state()
        if not problem_expected:
            assert "There is a problem" not in self.page.content(), f"{self.page.url}: {name}"
        return self.check()

    def fill(self, values: dict[str, str]) -> None:
        """Fill fields by exact label; a select is chosen by its option's text."""
        for label, value in values.items():
            field = self.page.get_by_label(label, exact=True)
            if field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(label=value)
            else:
                field.fill(value)

    def close(self) -> None:
        self.context.close()
