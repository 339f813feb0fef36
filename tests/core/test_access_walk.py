"""Walk every URL as every role and check who may see what (see access_table.py)."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import ROLES
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
