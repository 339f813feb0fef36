"""Acceptance: a person creates an API token, sees it once, uses it, revokes it, and changes
their password; every state of the account page (errors, new token, the token table) and the
password page pass axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from seedbed.demo.personas import DEMO_PASSWORD
from tests.browser.conftest import expect_not_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_use_and_revoke_a_token(as_persona, live_server, demo_world) -> None:  # type: ignore[no-untyped-def]
    analyst = as_persona("analyst")
    page = analyst.go("/account/")

    # nothing named, nothing ticked: both problems named, and the page still passes axe
    page.get_by_role("checkbox", name=re.compile("^Read")).uncheck()
    analyst.submit("Create a token", problem_expected=True)
    expect(page.get_by_role("link", name="Enter a name for the token")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Choose what the token may do"))).to_be_visible()
    expect(page.get_by_role("link", name="Enter your current password to create a token")).to_be_visible()

    # a wrong password mints nothing and says which field is wrong
    page.get_by_label("Token name").fill("enrolment tablet")
    page.get_by_role("checkbox", name=re.compile("^Read")).check()
    page.get_by_label("Your current password").fill("not-my-password")
    analyst.submit("Create a token", problem_expected=True)
    expect(page.get_by_role("link", name=re.compile("Your current password is not right"))).to_be_visible()
    expect(page.locator("code.seedbed-token")).to_have_count(0)

    page.get_by_label("Token name").fill("enrolment tablet")
    page.get_by_role("radio", name="30 days").check()
    page.get_by_role("checkbox", name=re.compile("^Read")).check()
    page.get_by_label("Your current password").fill(DEMO_PASSWORD)
    analyst.submit("Create a token")
    expect(page.locator("code.seedbed-token")).to_have_text(re.compile(r"^\s*sbd_"))
    token = page.locator("code.seedbed-token").inner_text().strip()
    row = page.get_by_role("row", name=re.compile("enrolment tablet"))
    expect(row).to_contain_text("Active")
    expect(row).to_contain_text("Never")

    me = page.request.get(f"{live_server.url}/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status == 200
    write = page.request.post(f"{live_server.url}/api/trials/1/enrolments", data={"unit_ref": "U-1"},
                              headers={"Authorization": f"Bearer {token}"})
    assert write.status == 403 and "'write' scope" in write.json()["detail"]

    analyst.go("/account/")  # shown once: the secret is gone, the last use is shown
    expect_not_in_page(page, token)
    expect(row).not_to_contain_text("Never")
    analyst.submit(row.get_by_role("button", name=re.compile("^Revoke")))
    expect(page.get_by_role("row", name=re.compile("enrolment tablet"))).to_contain_text("Revoked")
    gone = page.request.get(f"{live_server.url}/api/me", headers={"Authorization": f"Bearer {token}"})
    assert gone.status == 401 and "revoked" in gone.json()["detail"]

    analyst.go("/account/password/")
    page.get_by_label("Old password").fill("not-my-password")
    analyst.submit("Change password", problem_expected=True)
    expect(page.get_by_text("There is a problem")).to_be_visible()
