"""Sign-in is paused for an account after too many failures from all addresses together, the
same way for an unknown username; the pause is audited and ends with time or a new password."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.test import Client

from seedbed.accounts.forms import ERROR_SIGN_IN
from seedbed.accounts.lockout import AUDIT_CLEARED, AUDIT_LOCKED, username_digest
from seedbed.core.models import AuditEntry
from seedbed.demo.personas import DEMO_PASSWORD

LOGIN = "/sign-in/"


def _sign_in(username: str, password: str, ip: str):  # type: ignore[no-untyped-def]
    return Client().post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _fail_from_many_addresses(username: str, times: int) -> None:
    """``times`` wrong passwords, each from a new address (never the per-address limit)."""
    for i in range(times):
        response = _sign_in(username, "wrong-password", f"10.20.{i // 250}.{i % 250 + 1}")
        assert response.status_code in (200, 429)


def _paused_text(response) -> str:  # type: ignore[no-untyped-def]
    """What the page says: its main part without the form's fields (CSRF token, username)."""
    main = re.search(r"<main.*?</main>", response.content.decode(), re.S)
    assert main is not None
    return re.sub(r"<input[^>]*>", "", main.group(0))


@pytest.mark.django_db
def test_failures_from_many_addresses_pause_the_account_everywhere(demo_world, settings) -> None:  # type: ignore[no-untyped-def]
    limit = settings.SEEDBED_SIGNIN_ACCOUNT_FAILURE_LIMIT
    assert limit > settings.AXES_FAILURE_LIMIT
    _fail_from_many_addresses("analyst", limit - 1)
    assert _sign_in("analyst", DEMO_PASSWORD, "10.99.0.1").status_code == 302  # not yet: success resets
    _fail_from_many_addresses("analyst", limit)
    paused = _sign_in("analyst", DEMO_PASSWORD, "192.0.2.77")  # the right password, a fresh address
    assert paused.status_code == 429 and "Signing in is paused" in paused.content.decode()
    # Other people are not affected.
    assert _sign_in("panel", DEMO_PASSWORD, "192.0.2.77").status_code == 302
    entries = AuditEntry.objects.filter(action=AUDIT_LOCKED)
    assert entries.count() == 1
    entry = entries.get()
    assert entry.object_id == str(demo_world["users"]["analyst"].pk)
    assert entry.data["scope"] == "account" and entry.data["username_sha256"] == username_digest("analyst")
    assert "analyst" not in str(entry.data)


@pytest.mark.django_db
def test_an_unknown_username_is_paused_the_same_way(demo_world, settings) -> None:  # type: ignore[no-untyped-def]
    limit = settings.SEEDBED_SIGNIN_ACCOUNT_FAILURE_LIMIT
    first_unknown = _sign_in("nobody-by-this-name", "wrong-password", "10.30.0.1")
    first_known = _sign_in("analyst", "wrong-password", "10.30.0.1")
    assert ERROR_SIGN_IN.split(".")[0] in first_unknown.content.decode()
    assert _paused_text(first_unknown) == _paused_text(first_known)
    _fail_from_many_addresses("nobody-by-this-name", limit)
    _fail_from_many_addresses("analyst", limit)
    unknown = _sign_in("nobody-by-this-name", "any-password", "192.0.2.8")
    known = _sign_in("analyst", DEMO_PASSWORD, "192.0.2.8")
    assert unknown.status_code == known.status_code == 429
    assert _paused_text(unknown) == _paused_text(known)
    assert AuditEntry.objects.filter(action=AUDIT_LOCKED, data__username_sha256=username_digest("nobody-by-this-name")).exists()


@pytest.mark.django_db
def test_the_pause_ends_when_the_failures_are_older_than_the_cool_off(demo_world, settings) -> None:  # type: ignore[no-untyped-def]
    _fail_from_many_addresses("analyst", settings.SEEDBED_SIGNIN_ACCOUNT_FAILURE_LIMIT)
    assert _sign_in("analyst", DEMO_PASSWORD, "192.0.2.9").status_code == 429
    AccessAttempt.objects.filter(username="analyst").update(
        attempt_time=dt.datetime.now(dt.UTC) - settings.AXES_COOLOFF_TIME - dt.timedelta(minutes=1))
    assert _sign_in("analyst", DEMO_PASSWORD, "192.0.2.9").status_code == 302


@pytest.mark.django_db
def test_a_new_password_ends_the_pause(demo_world, settings) -> None:  # type: ignore[no-untyped-def]
    from seedbed.accounts.services import password_change

    _fail_from_many_addresses("analyst", settings.SEEDBED_SIGNIN_ACCOUNT_FAILURE_LIMIT)
    assert _sign_in("analyst", DEMO_PASSWORD, "192.0.2.10").status_code == 429
    admin = demo_world["users"]["admin"]
    password_change(user=demo_world["users"]["analyst"], new_password="a-brand-new-passphrase-9", actor=admin)
    assert _sign_in("analyst", "a-brand-new-passphrase-9", "192.0.2.10").status_code == 302
    assert AuditEntry.objects.filter(action=AUDIT_CLEARED, data__username_sha256=username_digest("analyst")).exists()
