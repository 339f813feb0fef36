"""Private responses carry ``Cache-Control: no-store`` (and ``Pragma: no-cache``) so that no
browser history or shared cache keeps them; public pages for anonymous visitors do not."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _no_store(response) -> bool:  # type: ignore[no-untyped-def]
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return "no-store" in directives and "private" in directives and response.get("Pragma") == "no-cache"


PUBLIC = ["/", "/voices/", "/library/", "/voices/open-data/voices.json"]


def test_public_pages_for_anonymous_visitors_stay_cacheable(demo_world) -> None:  # type: ignore[no-untyped-def]
    for path in PUBLIC:
        response = Client().get(path)
        assert response.status_code == 200
        assert "no-store" not in response.get("Cache-Control", "") and "Pragma" not in response, path


def test_every_page_for_a_signed_in_person_is_no_store(client_as) -> None:  # type: ignore[no-untyped-def]
    for role in ("resident", "frontline", "lead", "panel", "analyst", "safety", "admin", "provider"):
        client = client_as(role)
        for path in PUBLIC:
            response = client.get(path)
            assert _no_store(response), (role, path, response.get("Cache-Control"))


def test_staff_and_account_pages_are_no_store(client_as) -> None:  # type: ignore[no-untyped-def]
    for role, name in [("lead", "funding:fund_list"), ("admin", "core:audit"), ("analyst", "trials:workspace"),
                       ("resident", "accounts:account"), ("resident", "funding:fund_list")]:  # a 403 page too
        response = client_as(role).get(reverse(name))
        assert response.status_code in (200, 403)
        assert _no_store(response), (role, name)


@pytest.mark.parametrize("path", ["/sign-in/", "/admin/login/", "/voices/email/access/not-a-real-token/",
                                  "/voices/email/your-data/", "/account/"])
def test_private_paths_are_no_store_even_for_anonymous_visitors(db, path: str) -> None:  # type: ignore[no-untyped-def]
    response = Client().get(path)
    assert _no_store(response), (path, response.status_code, response.get("Cache-Control"))


def test_api_answers_to_a_token_are_no_store(demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.accounts.services import api_token_issue

    token = api_token_issue(user=demo_world["users"]["analyst"], name="cache test")[1]
    response = Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200 and _no_store(response)
    refused = Client().get("/api/me", HTTP_AUTHORIZATION="Bearer sbd_not-a-token")
    assert refused.status_code == 401 and _no_store(refused)


def test_the_page_after_signing_in_is_no_store(demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.demo.personas import DEMO_PASSWORD

    response = Client().post("/sign-in/", {"username": "lead", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and _no_store(response)
