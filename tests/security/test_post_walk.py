"""Every URL that can change something, sent a change by every persona (and nobody signed in).

The persona who may not change a thing must be refused (403, 401, 404, 405 or sent to sign in)
and the database, the stored files and the outbox must be exactly as before. The persona who
may must get past the gate (checked inside a savepoint that is rolled back, so the walk's
world never changes). Who may do what comes from the access tables (see post_rules.py); a
URL with no rule fails the walk.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.core.access_table import (
    ACCESS_TABLE,
    NOT_WALKED_NAMESPACES,
    expected_status,
)
from tests.security.conftest import Unchanged, clear_caches
from tests.security.post_rules import (
    ANY_METHOD,
    API_BODIES,
    NOT_WALKED,
    POST_OVERRIDES,
    POST_RULES,
    READ_ONLY,
    ROLES,
    SLOW_ACTIONS,
)

# Every method a browser or API client could use to change something.
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
REFUSED = {401, 403, 404, 405}
# Statuses that show the gate let the persona through (a form error, a redirect after saving,
# a message back on the page, or a method this URL does not take).
WRONG_FOR_ALLOWED = {401, 403}


def url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: Any, prefix: str = "") -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                namespace = entry.namespace
                walk(entry.url_patterns, f"{prefix}{namespace}:" if namespace else prefix)
            elif isinstance(entry, URLPattern) and entry.name:
                names.add(prefix + entry.name)

    walk(get_resolver().url_patterns)
    return {n for n in names if n.split(":")[0] not in NOT_WALKED_NAMESPACES and n not in NOT_WALKED}


@dataclass(frozen=True)
class Target:
    name: str
    url: str
    allowed: frozenset[str]
    body: str | None = None  # JSON, for API actions


def _get_audience(name: str) -> frozenset[str]:
    if name in POST_OVERRIDES:
        return POST_OVERRIDES[name]
    audience = ACCESS_TABLE[name][0]
    return frozenset(r for r in ROLES if expected_status(audience, r) == 200)


def targets(world: dict[str, Any]) -> list[Target]:
    """Every walked URL with who may change things through it (built before any request)."""
    found = []
    for name in sorted(url_names()):
        if name in POST_RULES:
            allowed, kwargs = POST_RULES[name]
        elif name in ACCESS_TABLE:
            allowed, kwargs = _get_audience(name), ACCESS_TABLE[name][1]
        elif name in READ_ONLY:
            allowed, kwargs = frozenset(), READ_ONLY[name]
        else:
            continue
        body = None
        if name.startswith("api:"):
            body = json.dumps(API_BODIES[name](world) if name in API_BODIES else {})
        found.append(Target(name, reverse(name, kwargs=kwargs(world)), allowed, body))
    return found


def test_every_url_says_who_may_change_things() -> None:
    missing = sorted(
        n for n in url_names() if n not in POST_RULES and n not in ACCESS_TABLE and n not in READ_ONLY
    )
    assert not missing, (
        "URLs with no rule for who may change things: add them to tests/security/post_rules.py "
        f"(POST_RULES for actions, READ_ONLY for downloads): {missing}"
    )
    stale = sorted((set(POST_RULES) | set(READ_ONLY) | set(POST_OVERRIDES) | set(ANY_METHOD)) - url_names())
    assert not stale, f"rules for URLs that no longer exist: {stale}"
    both = sorted(set(POST_RULES) & set(ACCESS_TABLE))
    assert not both, f"in both POST_RULES and the GET access table (use POST_OVERRIDES): {both}"


def _send(client: Client, method: str, target: Target) -> Any:
    clear_caches()
    send = getattr(client, method.lower())
    if target.body is not None:
        return send(target.url, data=target.body, content_type="application/json")
    return send(target.url)


def _status(response: Any) -> str:
    location = response.get("Location")
    return f"{response.status_code} to {location}" if location else str(response.status_code)


def _refused(response: Any, role: str) -> bool:
    if response.status_code in REFUSED:
        return True
    return role == "anonymous" and response.status_code == 302 and "/sign-in/" in response["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_post_walk_as(role: str, world, signed_in) -> None:  # type: ignore[no-untyped-def]
    walk = targets(world)
    client = signed_in(role)
    unchanged = Unchanged()
    failures = []
    admitted = 0
    for target in walk:
        if role in target.allowed:
            if target.name in SLOW_ACTIONS:
                continue
            # Let through by the gate: no refusal and no server error (rolled back after).
            # Signing out is rolled back too: the session row returns, and the client gets its
            # cookie back.
            cookies = client.cookies.__class__(client.cookies)
            sid = transaction.savepoint()
            try:
                response = _send(client, "POST", target)
            finally:
                transaction.savepoint_rollback(sid)
                client.cookies = cookies
            if response.status_code in WRONG_FOR_ALLOWED or response.status_code >= 500 or (
                    response.status_code == 302 and "/sign-in/" in response["Location"]):
                failures.append(f"POST {target.name} ({target.url}): may change it, got {_status(response)}")
            elif response.status_code != 405:
                admitted += 1
            unchanged.after_rollback()
            continue
        response = _send(client, "POST", target)
        changed = unchanged.changes()
        if not _refused(response, role):
            failures.append(f"POST {target.name} ({target.url}): expected a refusal, got {_status(response)}")
        if changed:
            failures.append(f"POST {target.name} ({target.url}) changed things: {changed}")
            unchanged.reset()
    assert not failures, f"as {role}:\n" + "\n".join(failures)
    if role in ("lead", "admin"):
        assert admitted > 20, f"the walk let {role} change only {admitted} things: are the rules right?"


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SLOW_ACTIONS))
def test_slow_actions_let_their_audience_through(name: str, world, signed_in) -> None:  # type: ignore[no-untyped-def]
    target = next(t for t in targets(world) if t.name == name)
    assert target.allowed
    for role in sorted(target.allowed):
        response = _send(signed_in(role), "POST", target)
        assert response.status_code not in WRONG_FOR_ALLOWED and response.status_code < 500, (role, response)


def test_methods_nobody_declared_are_refused(world, signed_in) -> None:  # type: ignore[no-untyped-def]
    """PUT, PATCH and DELETE are taken by no URL: the administrator (who holds every role)
    gets 405 on each and nothing changes."""
    walk = targets(world)
    client = signed_in("admin")
    unchanged = Unchanged()
    failures = []
    for target in walk:
        for method in UNSAFE[1:]:
            response = _send(client, method, target)
            if target.name in ANY_METHOD and response.status_code < 500:
                continue
            if response.status_code != 405:
                failures.append(f"{method} {target.name}: expected 405, got {response.status_code}")
        if changed := unchanged.changes():
            failures.append(f"{target.name} changed things: {changed}")
            unchanged.reset()
    assert not failures, "\n".join(failures)


def test_read_only_urls_refuse_every_change(world, signed_in) -> None:  # type: ignore[no-untyped-def]
    """Downloads and JSON reads answer POST with 405 for everyone, signed in or not."""
    for role in ("anonymous", "admin"):
        client = signed_in(role)
        unchanged = Unchanged()
        for name, kwargs in READ_ONLY.items():
            target = Target(name, reverse(name, kwargs=kwargs(world)), frozenset())
            unchanged.reset()
            response = _send(client, "POST", target)
            assert response.status_code == 405, f"POST {name} as {role}: {response.status_code}"
            assert not unchanged.changes(), name


def test_a_post_without_the_csrf_token_is_refused(world, signed_in) -> None:  # type: ignore[no-untyped-def]
    """With CSRF checks on (as in a browser), every form and action refuses a POST that lacks
    the token, even from a persona who may use it, and nothing changes."""
    walk = targets(world)
    failures = []
    for role in ("admin", "frontline", "provider", "resident", "anonymous"):
        client = signed_in(role, enforce_csrf_checks=True)
        unchanged = Unchanged()
        for target in walk:
            if role not in target.allowed:
                continue
            response = _send(client, "POST", target)
            if response.status_code not in (403, 405) and not (
                    target.name.startswith("api:") and response.status_code == 401):
                failures.append(f"POST {target.name} as {role} without a CSRF token: {response.status_code}")
            if changed := unchanged.changes():
                failures.append(f"POST {target.name} as {role} without a CSRF token changed: {changed}")
                unchanged.reset()
    assert not failures, "\n".join(failures)


def test_a_read_only_api_token_changes_nothing(world, signed_in) -> None:  # type: ignore[no-untyped-def]
    """Every API action, sent by a persona allowed to use it but holding a read-only token,
    is refused and changes nothing; the same persona's write token gets past the gate."""
    from seedbed.accounts.models import ApiScope
    from seedbed.accounts.services import api_token_issue

    actions = [t for t in targets(world) if t.name.startswith("api:") and t.name in POST_RULES]
    assert actions, "no API action found"
    failures = []
    for target in actions:
        for role in sorted(target.allowed):
            user = world["users"][role]
            _, read = api_token_issue(user=user, name="walk read", scopes=[ApiScope.READ])
            _, write = api_token_issue(user=user, name="walk write", scopes=[ApiScope.READ, ApiScope.WRITE])
            unchanged = Unchanged()
            clear_caches()
            response = Client().post(target.url, data=target.body, content_type="application/json",
                                     HTTP_AUTHORIZATION=f"Bearer {read}")
            # Using a token records when it was last used; nothing else may change.
            changed = [c for c in unchanged.changes() if "accounts_apitoken" not in c]
            if response.status_code not in (401, 403) or changed:
                failures.append(f"{target.name} as {role} with a read-only token: {response.status_code} {changed}")
            sid = transaction.savepoint()
            try:
                clear_caches()
                response = Client().post(target.url, data=target.body, content_type="application/json",
                                         HTTP_AUTHORIZATION=f"Bearer {write}")
            finally:
                transaction.savepoint_rollback(sid)
            if response.status_code in WRONG_FOR_ALLOWED or response.status_code >= 500:
                failures.append(f"{target.name} as {role} with a write token: {response.status_code}")
    assert not failures, "\n".join(failures)
