"""Sign in as each persona in Chromium and scan every page they can reach with axe."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, describe
from tests.conftest import ROLES
from tests.core.access_table import ACCESS_TABLE, APP_RULES, expected_status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# JSON endpoints and third-party pages are not HTML pages of ours to scan.
NOT_HTML = {"healthz", "core:security_txt", "api:health", "api:me", "api:organisations", "api:openapi-json", "api:openapi-view", "admin:index", "api-home"}
# Each app lists its JSON endpoints and downloads as ``NOT_HTML`` in its access rules.
for _rules in APP_RULES:
    NOT_HTML |= set(_rules.NOT_HTML)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_passes_axe(role: str, as_persona, demo_world) -> None:  # type: ignore[no-untyped-def]
    persona = as_persona(role)
    failures = []
    scanned = 0
    for name, (audience, kwargs_for) in sorted(ACCESS_TABLE.items()):
        if name in NOT_HTML or expected_status(audience, role) not in (200,):
            continue
        path = reverse(name, kwargs=kwargs_for(demo_world))
        response = persona.load(path)
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        violations = axe_violations(persona.page)
        scanned += 1
        if violations:
            failures.append(f"{path}\n{describe(violations)}")
    assert scanned > 0
    assert not failures, "\n\n".join(failures)


def test_error_pages_pass_axe(as_persona, demo_world) -> None:  # type: ignore[no-untyped-def]
    resident = as_persona("resident")
    failures = []
    for path, status in (("/no-such-page/", 404), (reverse("core:audit"), 403)):
        resident.load(path, status=status)
        violations = axe_violations(resident.page)
        if violations:
            failures.append(f"{path}\n{describe(violations)}")
    assert not failures, "\n\n".join(failures)


def test_sign_in_errors_and_lockout_pages_pass_axe(as_persona, demo_world) -> None:  # type: ignore[no-untyped-def]
    lead = as_persona("lead", signed_in=False)
    page = lead.sign_in(password="wrong-password")
    expect(page.get_by_text("There is a problem")).to_be_visible()
    lead.check()
    for _ in range(5):
        lead.sign_in(password="wrong-password")
    expect(page.get_by_role("heading", name="Signing in is paused")).to_be_visible()
    lead.check()
