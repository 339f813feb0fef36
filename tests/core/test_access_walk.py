"""Walk every URL as every role and check who may see what (see access_table.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import ROLES
from tests.core import foreign_ids
from tests.core.access_table import ACCESS_TABLE, NOT_WALKED, NOT_WALKED_NAMESPACES, expected_status


def _all_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, prefix: str = "") -> None:  # type: ignore[no-untyped-def]
        for entry in patterns:
            if isinstance(entry, URLResolver):
                namespace = entry.namespace
                walk(entry.url_patterns, f"{prefix}{namespace}:" if namespace else prefix)
            elif isinstance(entry, URLPattern) and entry.name:
                names.add(prefix + entry.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_url_is_in_the_access_table() -> None:
    missing = {
        name
        for name in _all_url_names()
        if name not in ACCESS_TABLE
        and name not in NOT_WALKED
        and name.split(":")[0] not in NOT_WALKED_NAMESPACES
    }
    assert not missing, f"URLs with no access rule in tests/core/access_table.py: {sorted(missing)}"


@pytest.mark.parametrize("role", ROLES)
def test_walk_every_url_as(role: str, client_as, demo_world) -> None:  # type: ignore[no-untyped-def]
    client = client_as(role)
    failures = []
    for name, (audience, kwargs_for) in sorted(ACCESS_TABLE.items()):
        url = reverse(name, kwargs=kwargs_for(demo_world))
        response = client.get(url)
        expected = expected_status(audience, role)
        if expected == "login":
            ok = response.status_code == 302 and "/sign-in/" in response["Location"]
        elif expected == "admin_login":
            ok = response.status_code == 302 and "/admin/login/" in response["Location"]
        else:
            ok = response.status_code == expected
        if not ok:
            failures.append(f"{name} ({url}): expected {expected}, got {response.status_code}")
    assert not failures, f"as {role}:\n" + "\n".join(failures)


def test_members_see_their_own_organisation_and_not_others(demo_world, client_as) -> None:  # type: ignore[no-untyped-def]
    resident = client_as("resident")
    own = demo_world["organisations"]["northfield"]
    other = demo_world["organisations"]["family-support-cic"]
    assert resident.get(reverse("accounts:organisation_detail", args=[own.pk])).status_code == 200
    assert resident.get(reverse("accounts:organisation_detail", args=[other.pk])).status_code == 403


# --- ids from elsewhere ---------------------------------------------------------------------
# Every action (each form on each page, each one-click action, the API's writes), sent by a
# persona allowed to use it with an id it must not act on, is refused (403/404) or answered
# with a problem (200/302/400/422), never a server error, and changes nothing. See
# tests/core/foreign_ids.py.


def test_every_action_is_sent_with_ids_from_elsewhere(demo_world, client_as) -> None:  # type: ignore[no-untyped-def]
    from tests.security.post_rules import POST_RULES

    found = {action.name for action in foreign_ids.actions(demo_world, client_as)}
    missing = sorted(set(POST_RULES) - found - foreign_ids.SKIPPED)
    assert not missing, f"actions the foreign-id walk never sends: {missing}"
    nested = [a for a in foreign_ids.actions(demo_world, client_as) if len(a.kwargs) > 1]
    assert nested and all(foreign_ids.url_model(a, k) for a in nested for k in a.kwargs), (
        "a nested URL's ids need their models in ID_MODELS (tests/<app>/access_rules.py)")


def test_foreign_ids_in_urls_are_refused(demo_world, client_as) -> None:  # type: ignore[no-untyped-def]
    walk = [a for a in foreign_ids.actions(demo_world, client_as)
            if any(isinstance(value, int) for value in a.kwargs.values())]
    assert walk
    clients: dict[str, Any] = {}
    failures, foreign_sent = [], 0
    for action in walk:
        client = clients.setdefault(action.role, client_as(action.role))
        cases = [(f"{name} that does not exist", {**action.kwargs, name: value})
                 for name in action.kwargs if isinstance(action.kwargs[name], int)
                 for value in (foreign_ids.MISSING_ID, foreign_ids.TOO_LARGE)]
        foreign = foreign_ids.foreign_url_ids(action)
        foreign_sent += len(foreign)
        for what, kwargs in cases + foreign:
            sent = foreign_ids.send(client, action, kwargs, action.data)
            if not sent.answered or sent.changed:
                failures.append(f"{action.name} as {action.role} with {what} {kwargs}: {sent.status} {sent.changed}")
    assert foreign_sent, "no nested URL was sent another parent's record"
    assert not failures, "\n".join(failures)


def test_foreign_ids_in_forms_are_refused(demo_world, client_as) -> None:  # type: ignore[no-untyped-def]
    walk = [a for a in foreign_ids.actions(demo_world, client_as) if foreign_ids.id_fields(a)]
    assert any(a.is_api for a in walk), "no API action with an id in its body was found"
    clients: dict[str, Any] = {}
    failures = []
    for action in walk:
        client = clients.setdefault(action.role, client_as(action.role))
        for name in foreign_ids.id_fields(action):
            values: list[Any] = [*foreign_ids.MALFORMED, str(foreign_ids.MISSING_ID)]
            if (other := foreign_ids.foreign_field_id(action, name)) is not None:
                values.append(str(other))
            if action.is_api:  # JSON carries numbers too
                values += [-1, foreign_ids.MISSING_ID, int(foreign_ids.TOO_LARGE)] + ([other] if other else [])
            for value in values:
                if value in action.offered.get(name, []):
                    continue
                sent = foreign_ids.send(client, action, action.kwargs, {**action.data, name: value})
                if not sent.answered or sent.changed:
                    failures.append(f"{action.name} as {action.role} with {name}={value!r}: {sent.status} {sent.changed}")
    assert not failures, "\n".join(failures)
