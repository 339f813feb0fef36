"""Shared fixtures: the demo world and clients signed in as each persona."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT / ".." / "shared" / "data"

# Every role a test walks as; "anonymous" is nobody signed in.
ROLES = ("anonymous", "resident", "frontline", "lead", "panel", "analyst", "safety", "admin", "provider")


@pytest.fixture
def demo_world(db):  # type: ignore[no-untyped-def]
    """The Northfield demo (organisations and personas), built through the services.

    The services build it once per test process; later tests get the same rows copied back
    in (``tests/demo_snapshot.py``), which is what the services would have written.
    """
    from seedbed.accounts.models import Organisation, User
    from tests.demo_snapshot import demo_world_rows

    demo_world_rows()
    return {
        "users": {u.username: u for u in User.objects.all()},
        "organisations": {o.slug: o for o in Organisation.objects.all()},
    }


@pytest.fixture
def client_as(demo_world, client) -> Callable:  # type: ignore[no-untyped-def]
    """``client_as("lead")`` returns a test client signed in as that persona."""
    from django.test import Client

    def make(role: str) -> Client:
        if role == "anonymous":
            return Client()
        new = Client()
        new.force_login(demo_world["users"][role])
        return new

    return make


@pytest.fixture(scope="session", autouse=True)
def _audit_table_can_be_emptied_between_tests():  # type: ignore[no-untyped-def]
    """Django empties every table after a transactional test; the audit log refuses that
    unless in maintenance mode, which only test teardown uses."""
    from django.test import testcases

    from seedbed.core.audit import audit_maintenance

    original = testcases.TransactionTestCase._fixture_teardown

    def teardown(self):  # type: ignore[no-untyped-def]
        with audit_maintenance():
            return original(self)

    testcases.TransactionTestCase._fixture_teardown = teardown  # type: ignore[method-assign]
    yield
    testcases.TransactionTestCase._fixture_teardown = original  # type: ignore[method-assign]


# Fixtures through which a test reaches a database: pytest-django's (without one of them it
# refuses every query; ``django_db_blocker`` is left out as every test holds it, and a fixture
# that unblocks it also asks for ``django_db_setup``), and any fixture named for PostgreSQL
# (the data engine's scratch tables).
DATABASE_FIXTURES = frozenset({
    "db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback",
    "live_server", "django_db_setup",
})


def touches_a_database(item: pytest.Item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    return bool(
        names & DATABASE_FIXTURES
        or any("postgres" in name for name in names)
        or item.get_closest_marker("django_db")
        or item.get_closest_marker("postgres")
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark ``database_free`` every test that can reach no database, so the PostgreSQL leg
    (``make test-postgres``) leaves out what it would only repeat; SQLite runs them all."""
    for item in items:
        if not touches_a_database(item):
            item.add_marker(pytest.mark.database_free)

