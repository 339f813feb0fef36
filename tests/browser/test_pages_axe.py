"""Sign in as each persona in Chromium and scan every page they can reach with axe."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from seedbed.demo.personas import DEMO_PASSWORD
from tests.browser.conftest import axe_violations, describe, sign_in
from tests.conftest import ROLES
from tests.core.access_table import ACCESS_TABLE, APP_RULES, expected_status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# JSON endpoints and third-party pages are not HTML pages of ours to scan.
NOT_HTML = {"healthz", "core:security_txt", "api:health", "api:me", "api:organisations", "api:openapi-json", "api:openapi-view", "admin:index", "api-home"}
# Each app lists its JSON endpoints and downloads as ``NOT_HTML`` in its access rules.
for _rules in APP_RULES:
    NOT_HTML |= set(_rules.NOT_HTML)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_passes_axe(role: str, page, live_server, demo_world) -> None:  # type: ignore[no-untyped-def]
    if role != "anonymous":
        sign_in(page, live_server.url, role, DEMO_PASSWORD)
        assert "/account/" in page.url, f"{role} could not sign in"
    failures = []
    scanned = 0
    for name, (audience, kwargs_for) in sorted(ACCESS_TABLE.items()):
        if name in NOT_HTML or expected_status(audience, role) not in (200,):
            continue
        url = live_server.url + reverse(name, kwargs=kwargs_for(demo_world))
        response = page.goto(url)
        assert response is not None and response.status == 200, f"{url}: {response and response.status}"
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        violations = axe_violations(page)
        scanned += 1
        if violations:
            failures.append(f"{url}\n{describe(violations)}")
    assert scanned > 0
    assert not failures, "\n\n".join(failures)


def test_error_pages_pass_axe(page, live_server, demo_world) -> None:  # type: ignore[no-untyped-def]
    pages = {"/no-such-page/": 404}
    sign_in(page, live_server.url, "resident", DEMO_PASSWORD)
    pages[reverse("core:audit")] = 403
    failures = []
    for path, status in pages.items():
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == status
        violations = axe_violations(page)
        if violations:
            failures.append(f"{path}\n{describe(violations)}")
    assert not failures, "\n\n".join(failures)


def test_sign_in_errors_and_lockout_pages_pass_axe(page, live_server, demo_world) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server.url, "lead", "wrong-password")
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert not axe_violations(page), describe(axe_violations(page))
    for _ in range(5):
        sign_in(page, live_server.url, "lead", "wrong-password")
    expect(page.get_by_role("heading", name="Signing in is paused")).to_be_visible()
    assert not axe_violations(page), describe(axe_violations(page))
