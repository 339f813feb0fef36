"""Signing in and out: clear messages, argon2 hashing, brute-force lock-out by username+IP."""

from __future__ import annotations

import importlib

import pytest
from django.test import Client
from django.urls import reverse

from seedbed.accounts.forms import ERROR_SIGN_IN
from seedbed.demo.personas import DEMO_PASSWORD

LOGIN = "/sign-in/"


def _sign_in(client: Client, username: str, password: str, ip: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_production_hasher_is_argon2() -> None:
    settings_module = importlib.import_module("seedbed.config.settings")
    assert settings_module.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_argon2_hashes_a_password(db, settings) -> None:  # type: ignore[no-untyped-def]
    from seedbed.accounts.services import person_create

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = person_create(username="hashcheck", email="h@example.org", display_name="Hash check",
                         password="a-long-enough-passphrase")
    assert user.password.startswith("argon2$")
    assert user.check_password("a-long-enough-passphrase")


def test_persona_signs_in_and_out(demo_world) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    response = _sign_in(client, "lead", DEMO_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:account")
    page = client.get(reverse("accounts:account"))
    assert b"Innovation lead" in page.content
    out = client.post(reverse("accounts:logout"))
    assert out.status_code == 302
    assert client.get(reverse("accounts:account")).status_code == 302


def test_wrong_password_gets_a_clear_message(demo_world) -> None:  # type: ignore[no-untyped-def]
    response = _sign_in(Client(), "lead", "not-the-password")
    assert response.status_code == 200
    text = response.content.decode()
    assert "There is a problem" in text
    assert ERROR_SIGN_IN.split(".")[0] in text
    assert "Traceback" not in text


def test_sign_out_needs_post(demo_world, client_as) -> None:  # type: ignore[no-untyped-def]
    assert client_as("lead").get(reverse("accounts:logout")).status_code == 405


@pytest.mark.django_db
def test_repeated_failures_lock_that_username_from_that_address(demo_world, settings) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "analyst", "wrong-password", ip="10.9.9.9")
    locked = _sign_in(client, "analyst", DEMO_PASSWORD, ip="10.9.9.9")
    assert locked.status_code == 429
    assert "Signing in is paused" in locked.content.decode()
    # The same person from another address, and another person from the same one, still can.
    assert _sign_in(Client(), "analyst", DEMO_PASSWORD, ip="10.1.1.1").status_code == 302
    assert _sign_in(Client(), "panel", DEMO_PASSWORD, ip="10.9.9.9").status_code == 302


def test_api_token_created_once_and_works(demo_world, client_as) -> None:  # type: ignore[no-untyped-def]
    client = client_as("analyst")
    response = client.post(reverse("accounts:account"),
                           {"name": "laptop", "expires_in_days": "90", "scopes": ["read"],
                            "password": DEMO_PASSWORD})
    assert response.status_code == 200
    token = response.context["new_token"]
    assert token.startswith("sbd_")
    me = Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.status_code == 200
    assert me.json()["username"] == "analyst"
    # shown once only
    assert token not in client.get(reverse("accounts:account")).content.decode()


def test_api_token_form_names_the_field(demo_world, client_as) -> None:  # type: ignore[no-untyped-def]
    response = client_as("analyst").post(reverse("accounts:account"), {"name": ""})
    assert "Enter a name for the token" in response.content.decode()
