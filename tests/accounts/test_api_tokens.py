"""API token lifecycle: expiry, scopes, owner revocation, last use, and death with the password.

Each rule is tried as the person who must not get through: a stranger revoking someone
else's token, a read-only token writing, an expired or revoked token reading, a token kept
after its owner's password was changed or reset or the account closed.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from seedbed.accounts.forms import (
    ERROR_TOKEN_PASSWORD,
    ERROR_TOKEN_PASSWORD_MISSING,
    ERROR_TOKEN_SIGNIN_PAUSED,
)
from seedbed.accounts.models import ApiToken, Role
from seedbed.accounts.services import (
    ERROR_TOKEN_LIFETIME,
    ERROR_TOKEN_NO_SCOPE,
    LAST_USED_RESOLUTION,
    api_token_issue,
    api_token_revoke,
    membership_grant,
    organisation_create,
    person_create,
)
from seedbed.core.access import DENIED_API_TOKEN
from seedbed.core.api_auth import ERROR_TOKEN_EXPIRED, ERROR_TOKEN_REVOKED, ERROR_TOKEN_SCOPE
from seedbed.core.errors import AccessDenied, ValidationProblem
from seedbed.core.models import AuditEntry

PASSWORD = "an-old-long-passphrase-41"
NEW_PASSWORD = "a-new-long-passphrase-97"


@pytest.fixture
def people(db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    council = organisation_create(name="Tokenville Council", slug="tokenville", kind="council")
    made = {}
    for username in ("owner", "stranger", "administrator"):
        made[username] = person_create(username=username, email=f"{username}@example.org",
                                       display_name=username.title(), password=PASSWORD)
    membership_grant(user=made["owner"], organisation=council, role=Role.ANALYST)
    membership_grant(user=made["stranger"], organisation=council, role=Role.INNOVATION_LEAD)
    membership_grant(user=made["administrator"], organisation=council, role=Role.ADMINISTRATOR)
    made["superuser"] = person_create(username="root", email="root@example.org", display_name="Root",
                                      password=PASSWORD, is_staff=True, is_superuser=True)
    return made


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _me(token: str) -> Any:
    return Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}")


def _post_enrolment(token: str) -> Any:
    """A write (POST) to an endpoint that uses the shared API authentication."""
    return Client().post("/api/trials/999999/enrolments", {"unit_ref": "U-1"},
                         content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


def _issue(user: Any, **kwargs: Any) -> tuple[ApiToken, str]:
    kwargs.setdefault("scopes", ("read", "write"))
    return api_token_issue(user=user, name="integration", **kwargs)


def _token_id_from(page: str) -> int:
    return int(re.search(r"/account/tokens/(\d+)/revoke/", page).group(1))  # type: ignore[union-attr]


# --- expiry -------------------------------------------------------------------------------


def test_a_token_gets_the_expiry_chosen_at_creation(people) -> None:  # type: ignore[no-untyped-def]
    before = timezone.now()
    record, _ = _issue(people["owner"], expires_in_days=30)
    assert before + dt.timedelta(days=30) <= record.expires_at <= timezone.now() + dt.timedelta(days=30)
    default, _ = _issue(people["owner"])
    assert abs(default.expires_at - (timezone.now() + dt.timedelta(days=90))) < dt.timedelta(minutes=1)


def test_an_expired_token_is_refused_and_says_so(people) -> None:  # type: ignore[no-untyped-def]
    record, token = _issue(people["owner"], expires_in_days=7)
    assert _me(token).status_code == 200
    ApiToken.objects.filter(pk=record.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    refused = _me(token)
    assert refused.status_code == 401
    assert ERROR_TOKEN_EXPIRED.split("{")[0] in refused.json()["detail"]
    assert 'error="invalid_token"' in refused["WWW-Authenticate"]
    assert _post_enrolment(token).status_code == 401


def test_expiry_is_capped_by_the_setting(people, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SEEDBED_API_TOKEN_MAX_DAYS = 60
    with pytest.raises(ValidationProblem, match="A token can last from 1 to 60 days; 90 is not allowed") as raised:
        _issue(people["owner"], expires_in_days=90)
    assert raised.value.problems["expires_in_days"] == ERROR_TOKEN_LIFETIME.format(maximum=60, days=90)
    for bad in (0, -5):
        with pytest.raises(ValidationProblem, match=f"A token can last from 1 to 60 days; {bad} is not allowed"):
            _issue(people["owner"], expires_in_days=bad)
    # with no choice made, the default shrinks to the maximum
    record, _ = _issue(people["owner"])
    assert record.expires_at < timezone.now() + dt.timedelta(days=61)
    # and the account page offers nothing longer
    page = _client(people["owner"]).get(reverse("accounts:account")).content.decode()
    assert 'value="60"' in page and 'value="90"' not in page and 'value="365"' not in page
    refused = _client(people["owner"]).post(
        reverse("accounts:account"), {"name": "too long", "expires_in_days": "365", "scopes": ["read"]})
    assert "Choose how long the token lasts" in refused.content.decode()
    assert not ApiToken.objects.filter(name="too long").exists()


# --- scopes ---------------------------------------------------------------------------------


def test_a_read_token_cannot_write(people) -> None:  # type: ignore[no-untyped-def]
    _, token = _issue(people["owner"], scopes=("read",))
    assert _me(token).status_code == 200
    refused = _post_enrolment(token)
    assert refused.status_code == 403
    assert refused.json()["detail"] == ERROR_TOKEN_SCOPE.format(needed="write", method="POST", held="read")
    assert 'error="insufficient_scope"' in refused["WWW-Authenticate"]


def test_a_write_token_reaches_the_endpoint_and_cannot_read(people) -> None:  # type: ignore[no-untyped-def]
    _, token = _issue(people["owner"], scopes=("write",))
    passed = _post_enrolment(token)
    # past authentication: refused by the trial's gatekeeper, not for its scope
    assert passed.status_code == 403
    assert "scope" not in passed.json()["detail"]
    refused = _me(token)
    assert refused.status_code == 403
    assert refused.json()["detail"] == ERROR_TOKEN_SCOPE.format(needed="read", method="GET", held="write")


# Changing API routes that anyone may call without a token, each with the reason it is public.
# Empty today: every POST/PUT/PATCH/DELETE route needs a token with the 'write' scope.
PUBLIC_CHANGING_ROUTES: dict[tuple[str, str], str] = {}
CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _changing_operations(schema: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (method, path) in ``schema`` that changes something and needs a token; fails on
    any changing route without ``security`` that is not listed in PUBLIC_CHANGING_ROUTES."""
    secured, unlisted = [], []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method.upper() not in CHANGING_METHODS:
                continue
            if operation.get("security"):
                secured.append((method, path))
            elif (method.upper(), path) not in PUBLIC_CHANGING_ROUTES:
                unlisted.append(f"{method.upper()} {path}")
    assert not unlisted, ("changing API routes without authentication (add auth, or list them in "
                          f"PUBLIC_CHANGING_ROUTES with the reason): {', '.join(unlisted)}")
    return secured


def test_a_changing_route_without_authentication_fails_the_walk() -> None:
    """The walk below cannot pass over a POST route made with ``auth=None``."""
    from ninja import NinjaAPI

    from seedbed.core.api_auth import API_AUTH

    probe = NinjaAPI(urls_namespace="probe-unsecured-write", auth=API_AUTH)

    @probe.get("/things", auth=None)
    def things(request) -> dict[str, str]:  # type: ignore[no-untyped-def]
        return {}

    @probe.post("/things", auth=None)
    def thing_add(request) -> dict[str, str]:  # type: ignore[no-untyped-def]
        return {}

    @probe.delete("/things/{thing_id}")
    def thing_remove(request, thing_id: int) -> dict[str, str]:  # type: ignore[no-untyped-def]
        return {}

    schema = probe.get_openapi_schema(path_prefix="/probe/")
    with pytest.raises(AssertionError, match="POST /probe/things"):
        _changing_operations(schema)
    PUBLIC_CHANGING_ROUTES[("POST", "/probe/things")] = "a probe"
    try:
        assert [m.upper() for m, _ in _changing_operations(schema)] == ["DELETE"]
    finally:
        PUBLIC_CHANGING_ROUTES.clear()


def test_every_changing_endpoint_refuses_a_read_token(people) -> None:  # type: ignore[no-untyped-def]
    """Walk the OpenAPI schema: every authenticated POST/PUT/PATCH/DELETE says 403 to a read token."""
    from seedbed.api.api import api

    _, token = _issue(people["owner"], scopes=("read",))
    schema = api.get_openapi_schema()
    tried = []
    for method, path in _changing_operations(schema):
        url = re.sub(r"{[^}]+}", "1", path)
        response = Client().generic(method.upper(), url, "{}", content_type="application/json",
                                    HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 403, f"{method.upper()} {path}: {response.status_code}"
        assert "'write' scope" in response.json()["detail"], path
        tried.append(path)
    assert len(tried) >= 2  # enrolments and safety events at least


def test_scopes_are_required_and_checked(people) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationProblem, match="Choose what the token may do") as raised:
        _issue(people["owner"], scopes=())
    assert raised.value.problems["scopes"] == ERROR_TOKEN_NO_SCOPE
    with pytest.raises(ValidationProblem, match="'admin' is not an API scope") as raised:
        _issue(people["owner"], scopes=("admin",))
    assert "'admin' is not an API scope" in raised.value.problems["scopes"]
    page = _client(people["owner"]).post(reverse("accounts:account"), {"name": "none", "expires_in_days": "30",
                                                                       "password": PASSWORD})
    assert ERROR_TOKEN_NO_SCOPE in page.content.decode()
    assert not ApiToken.objects.filter(name="none").exists()


def test_the_account_page_creates_a_token_with_the_chosen_scopes_and_life(people) -> None:  # type: ignore[no-untyped-def]
    client = _client(people["owner"])
    response = client.post(reverse("accounts:account"),
                           {"name": "tablet", "expires_in_days": "30", "scopes": ["write"],
                            "password": PASSWORD})
    secret = response.context["new_token"]
    record = ApiToken.objects.get(name="tablet")
    assert record.scopes == ["write"] and record.user == people["owner"]
    assert record.expires_at < timezone.now() + dt.timedelta(days=30, minutes=1)
    assert _me(secret).status_code == 403  # write only
    assert secret not in client.get(reverse("accounts:account")).content.decode()


# --- revocation -----------------------------------------------------------------------------


def test_the_owner_sees_and_revokes_their_token(people) -> None:  # type: ignore[no-untyped-def]
    record, token = _issue(people["owner"], scopes=("read",), expires_in_days=30)
    _issue(people["stranger"])
    client = _client(people["owner"])
    page = client.get(reverse("accounts:account"))
    text = page.content.decode()
    assert "no-store" in page["Cache-Control"]
    assert record.prefix in text and "read" in text and "Never" in text and "Active" in text
    assert ApiToken.objects.filter(user=people["stranger"]).get().prefix not in text
    done = client.post(reverse("accounts:api_token_revoke", args=[_token_id_from(text)]))
    assert done.status_code == 302
    refused = _me(token)
    assert refused.status_code == 401
    assert refused.json()["detail"] == ERROR_TOKEN_REVOKED
    after = client.get(reverse("accounts:account")).content.decode()
    assert "Revoked" in after and "accounts/tokens" not in after.split(record.prefix)[1].split("</tr>")[0]
    entry = AuditEntry.objects.filter(action="accounts.api_token_revoke").get()
    assert entry.actor_id == people["owner"].pk
    assert entry.data["reason"] == "owner"


def test_nobody_else_can_revoke_a_token_and_cannot_tell_it_exists(people) -> None:  # type: ignore[no-untyped-def]
    record, token = _issue(people["owner"])
    url = reverse("accounts:api_token_revoke", args=[record.pk])
    missing = reverse("accounts:api_token_revoke", args=[record.pk + 1000])
    stranger = _client(people["stranger"])
    foreign, absent = stranger.post(url), stranger.post(missing)
    assert foreign.status_code == absent.status_code == 403
    assert DENIED_API_TOKEN in foreign.content.decode() and DENIED_API_TOKEN in absent.content.decode()
    anonymous = Client().post(url)
    assert anonymous.status_code == 302 and "/sign-in/" in anonymous["Location"]
    assert _client(people["owner"]).get(url).status_code == 405
    with pytest.raises(AccessDenied, match="Only the token's owner or an administrator can revoke it"):
        api_token_revoke(token=record, actor=people["stranger"])
    assert _me(token).status_code == 200
    assert not AuditEntry.objects.filter(action="accounts.api_token_revoke").exists()


def test_revoking_needs_the_csrf_token(people) -> None:  # type: ignore[no-untyped-def]
    record, token = _issue(people["owner"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["owner"])
    assert client.post(reverse("accounts:api_token_revoke", args=[record.pk])).status_code == 403
    assert _me(token).status_code == 200


def test_an_administrator_can_revoke_anyones_token(people) -> None:  # type: ignore[no-untyped-def]
    record, token = _issue(people["owner"])
    done = _client(people["administrator"]).post(reverse("accounts:api_token_revoke", args=[record.pk]))
    assert done.status_code == 302
    assert _me(token).status_code == 401
    entry = AuditEntry.objects.filter(action="accounts.api_token_revoke").get()
    assert entry.actor_id == people["administrator"].pk
    assert entry.data == {"user": people["owner"].pk, "prefix": record.prefix, "reason": "administrator"}


def test_an_administrator_can_revoke_from_the_django_admin(people) -> None:  # type: ignore[no-untyped-def]
    record, token = _issue(people["owner"])
    response = _client(people["superuser"]).post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke_tokens", "_selected_action": [str(record.pk)]})
    assert response.status_code == 302
    assert _me(token).status_code == 401
    assert AuditEntry.objects.filter(action="accounts.api_token_revoke", actor=people["superuser"]).exists()


# --- last used ------------------------------------------------------------------------------


def test_last_used_is_recorded_at_most_once_a_minute(people) -> None:  # type: ignore[no-untyped-def]
    record, token = _issue(people["owner"])
    assert record.last_used_at is None
    _me(token)
    first = ApiToken.objects.get(pk=record.pk).last_used_at
    assert first is not None and timezone.now() - first < dt.timedelta(seconds=30)
    _me(token)
    assert ApiToken.objects.get(pk=record.pk).last_used_at == first  # no second write
    earlier = timezone.now() - LAST_USED_RESOLUTION - dt.timedelta(seconds=1)
    ApiToken.objects.filter(pk=record.pk).update(last_used_at=earlier)
    _me(token)
    assert ApiToken.objects.get(pk=record.pk).last_used_at > earlier


def test_a_refused_use_is_not_recorded_as_use(people) -> None:  # type: ignore[no-untyped-def]
    record, token = _issue(people["owner"], scopes=("read",))
    _post_enrolment(token)
    assert ApiToken.objects.get(pk=record.pk).last_used_at is None


# --- password change, reset, deactivation ---------------------------------------------------


def _revoked_for(user: Any, reason: str) -> None:
    entry = AuditEntry.objects.filter(action="accounts.api_tokens_revoke_all").get()
    assert entry.object_id == str(user.pk)
    assert entry.data["reason"] == reason


def test_changing_the_password_revokes_every_token(people) -> None:  # type: ignore[no-untyped-def]
    _, first = _issue(people["owner"])
    _, second = _issue(people["owner"], scopes=("read",))
    _, strangers = _issue(people["stranger"])
    form = PasswordChangeForm(people["owner"], {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                                 "new_password2": NEW_PASSWORD})
    assert form.is_valid(), form.errors
    form.save()
    assert _me(first).status_code == 401 and _me(second).status_code == 401
    assert _me(strangers).status_code == 200
    _revoked_for(people["owner"], "password_changed")


def test_resetting_the_password_revokes_every_token(people) -> None:  # type: ignore[no-untyped-def]
    """Django's password-reset confirmation saves through SetPasswordForm."""
    _, token = _issue(people["owner"])
    form = SetPasswordForm(people["owner"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert form.is_valid(), form.errors
    form.save()
    assert _me(token).status_code == 401
    _revoked_for(people["owner"], "password_changed")


def test_an_administrator_setting_a_password_revokes_every_token(people) -> None:  # type: ignore[no-untyped-def]
    _, token = _issue(people["owner"])
    url = reverse("admin:auth_user_password_change", args=[people["owner"].pk])
    response = _client(people["superuser"]).post(
        url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert response.status_code == 302, response.content.decode()[:500]
    assert _me(token).status_code == 401
    _revoked_for(people["owner"], "password_changed")


def test_an_administrator_turning_password_sign_in_off_revokes_every_token(people) -> None:  # type: ignore[no-untyped-def]
    """``set_unusable_password`` does not mark the password as set; the stored hash does change."""
    _, token = _issue(people["owner"])
    url = reverse("admin:auth_user_password_change", args=[people["owner"].pk])
    response = _client(people["superuser"]).post(
        url, {"usable_password": "false", "password1": "", "password2": "", "unset-password": "1"})
    assert response.status_code == 302, response.content.decode()[:500]
    people["owner"].refresh_from_db()
    assert not people["owner"].has_usable_password()
    assert _me(token).status_code == 401
    _revoked_for(people["owner"], "password_changed")


def test_editing_someone_without_a_password_keeps_their_tokens(people) -> None:  # type: ignore[no-untyped-def]
    owner = people["owner"]
    owner.set_unusable_password()
    owner.save()
    _, token = _issue(owner)
    owner.display_name = "Renamed"
    owner.save()  # every column written, the (unusable) password unchanged
    assert _me(token).status_code == 200


def test_changepassword_command_revokes_every_token(people) -> None:  # type: ignore[no-untyped-def]
    _, token = _issue(people["owner"])
    with mock.patch("getpass.getpass", return_value=NEW_PASSWORD):
        call_command("changepassword", "owner", stdout=mock.MagicMock())
    assert _me(token).status_code == 401
    _revoked_for(people["owner"], "password_changed")


def test_deactivating_the_account_revokes_every_token(people) -> None:  # type: ignore[no-untyped-def]
    _, token = _issue(people["owner"])
    owner = people["owner"]
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    owner.is_active = True
    owner.save(update_fields=["is_active"])
    assert _me(token).status_code == 401  # reactivating does not bring the token back
    _revoked_for(owner, "account_deactivated")


def test_signing_in_does_not_revoke_tokens_even_when_the_hash_is_upgraded(people, settings) -> None:  # type: ignore[no-untyped-def]
    owner = people["owner"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    owner.set_password(PASSWORD)
    owner.save()  # a password change: revokes what existed before
    _, token = _issue(owner)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher",
                                 "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    client = Client()
    assert client.post("/sign-in/", {"username": "owner", "password": PASSWORD}).status_code == 302
    owner.refresh_from_db()
    assert owner.password.startswith("argon2$")  # re-hashed on sign-in
    assert _me(token).status_code == 200


# --- audit ----------------------------------------------------------------------------------


def test_creation_is_audited_without_the_secret(people) -> None:  # type: ignore[no-untyped-def]
    record, token = _issue(people["owner"], scopes=("read",), expires_in_days=30)
    entry = AuditEntry.objects.filter(action="accounts.api_token_issue").get()
    assert entry.object_id == str(record.pk) and entry.actor_id == people["owner"].pk
    assert entry.data["scopes"] == ["read"]
    assert entry.data["expires_at"] == record.expires_at.isoformat()
    assert token not in str(entry.data) and record.digest not in str(entry.data)


# --- your own password change page ----------------------------------------------------------


def test_changing_your_password_on_the_page_revokes_your_tokens(people) -> None:  # type: ignore[no-untyped-def]
    _, token = _issue(people["owner"])
    _, strangers = _issue(people["stranger"])
    client = _client(people["owner"])
    url = reverse("accounts:password_change")
    page = client.get(url)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert "revokes every API token" in page.content.decode()
    done = client.post(url, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                             "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("accounts:account")
    assert client.get(reverse("accounts:account")).status_code == 200  # still signed in
    assert _me(token).status_code == 401
    assert _me(strangers).status_code == 200
    _revoked_for(people["owner"], "password_changed")
    assert AuditEntry.objects.get(action="accounts.api_tokens_revoke_all").actor_id == people["owner"].pk
    assert AuditEntry.objects.filter(action="accounts.password_change", actor=people["owner"]).exists()
    people["owner"].refresh_from_db()
    assert people["owner"].check_password(NEW_PASSWORD)


def test_a_wrong_current_password_changes_nothing(people) -> None:  # type: ignore[no-untyped-def]
    from seedbed.accounts.forms import ERROR_OLD_PASSWORD, ERROR_PASSWORD_MISMATCH

    _, token = _issue(people["owner"])
    client = _client(people["owner"])
    url = reverse("accounts:password_change")
    wrong = client.post(url, {"old_password": "not-my-password", "new_password1": NEW_PASSWORD,
                              "new_password2": NEW_PASSWORD})
    assert wrong.status_code == 200 and ERROR_OLD_PASSWORD in wrong.content.decode()
    mismatch = client.post(url, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                 "new_password2": NEW_PASSWORD + "x"})
    assert ERROR_PASSWORD_MISMATCH in mismatch.content.decode()
    weak = client.post(url, {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"})
    assert "too short" in weak.content.decode()
    assert _me(token).status_code == 200
    people["owner"].refresh_from_db()
    assert people["owner"].check_password(PASSWORD)


def test_wrong_current_passwords_on_the_password_page_pause_it_like_sign_in(people, settings) -> None:  # type: ignore[no-untyped-def]
    """A borrowed session cannot guess the password through the password page without limit:
    wrong guesses count as failed sign-ins, and once paused even the right one changes nothing."""
    from axes.models import AccessAttempt

    from seedbed.accounts.forms import ERROR_PASSWORD_CHANGE_PAUSED

    client = _client(people["owner"])
    url = reverse("accounts:password_change")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        guess = client.post(url, {"old_password": "guess", "new_password1": NEW_PASSWORD,
                                  "new_password2": NEW_PASSWORD}, REMOTE_ADDR="203.0.113.9")
        # each is refused: with the field's error, or (once paused) with the pause page
        assert guess.status_code == 429 or guess.context["form"].errors["old_password"]
    assert AccessAttempt.objects.filter(username="owner").exists()
    paused = client.post(url, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                               "new_password2": NEW_PASSWORD}, REMOTE_ADDR="203.0.113.9")
    assert paused.status_code == 429 or (
        paused.context["form"].errors["old_password"] == [ERROR_PASSWORD_CHANGE_PAUSED])
    people["owner"].refresh_from_db()
    assert people["owner"].check_password(PASSWORD)


# --- creating a token needs the current password, and the owner is told -------------------


def _create_on_page(client: Client, password: str | None, name: str = "laptop") -> Any:
    data = {"name": name, "expires_in_days": "365", "scopes": ["read", "write"]}
    if password is not None:
        data["password"] = password
    return client.post(reverse("accounts:account"), data, REMOTE_ADDR="203.0.113.7")


def test_a_signed_in_session_without_the_password_cannot_create_a_token(people, mailoutbox) -> None:  # type: ignore[no-untyped-def]
    """Someone at an unattended browser (signed in, not knowing the password) mints nothing."""
    from axes.models import AccessAttempt

    client = _client(people["owner"])
    missing = _create_on_page(client, None)
    assert missing.status_code == 200
    assert missing.context["form"].errors["password"] == [ERROR_TOKEN_PASSWORD_MISSING]
    wrong = _create_on_page(client, "not-my-password")
    assert wrong.status_code == 200 and wrong.context["new_token"] is None
    assert wrong.context["form"].errors["password"] == [ERROR_TOKEN_PASSWORD]
    assert ERROR_TOKEN_PASSWORD in wrong.content.decode()
    assert not ApiToken.objects.exists()
    assert not AuditEntry.objects.filter(action="accounts.api_token_issue").exists()
    assert mailoutbox == []
    # the wrong password counts as a failed sign-in for the account
    assert AccessAttempt.objects.filter(username="owner").get().failures_since_start == 1


def test_wrong_passwords_at_token_creation_pause_it_like_sign_in(people, settings) -> None:  # type: ignore[no-untyped-def]
    """Guessing the password through the token form is paused by the sign-in limits, and
    then even the right password mints nothing until the pause ends."""
    client = _client(people["owner"])
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert _create_on_page(client, "guess").context["form"].errors["password"]
    paused = _create_on_page(client, PASSWORD)
    assert paused.context["form"].errors["password"] == [ERROR_TOKEN_SIGNIN_PAUSED]
    assert not ApiToken.objects.exists()
    assert AuditEntry.objects.filter(action="accounts.signin_paused").exists()
    refused = Client().post(reverse("accounts:login"), {"username": "owner", "password": PASSWORD},
                            REMOTE_ADDR="203.0.113.7")
    assert refused.status_code != 302  # sign-in from there is paused too


def test_the_right_password_creates_the_token_and_the_owner_is_emailed(  # type: ignore[no-untyped-def]
    people, mailoutbox, django_capture_on_commit_callbacks,
) -> None:
    client = _client(people["owner"])
    with django_capture_on_commit_callbacks(execute=True):
        made = _create_on_page(client, PASSWORD, name="finance export")
    secret = made.context["new_token"]
    record = ApiToken.objects.get(name="finance export")
    assert record.user == people["owner"] and secret.startswith("sbd_")
    assert AuditEntry.objects.filter(action="accounts.api_token_issue", actor=people["owner"]).exists()
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["owner@example.org"]
    text = message.subject + message.body
    assert "finance export" in text and "read, write" in text
    assert timezone.localtime(record.expires_at).strftime("%-d %B %Y") in text
    assert record.prefix in text
    assert secret not in text and record.digest not in text and secret[10:20] not in text
    from seedbed.core.models import Notification

    queued = Notification.objects.get(app="accounts")  # through the outbox, so a failure is retried
    assert queued.user == people["owner"] and queued.sent_at is not None


def test_a_token_issued_by_the_service_emails_its_owner_only(  # type: ignore[no-untyped-def]
    people, mailoutbox, django_capture_on_commit_callbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        record, token = _issue(people["stranger"], scopes=("read",), expires_in_days=7)
    assert [m.to for m in mailoutbox] == [["stranger@example.org"]]
    assert token not in mailoutbox[0].body and "read" in mailoutbox[0].body


def test_the_api_answers_head_and_options_with_405_as_the_docs_say(people) -> None:  # type: ignore[no-untyped-def]
    _, token = _issue(people["owner"], scopes=("read",))
    assert _me(token).status_code == 200
    for method in ("HEAD", "OPTIONS"):
        answer = Client().generic(method, "/api/me", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert answer.status_code == 405, method
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs/how-to/use-api-tokens.md").read_text()
    assert "GET, HEAD and OPTIONS" not in docs
