"""One demo world per test module, and a check that a request changed nothing.

Building the Northfield demo takes a couple of seconds; the security walks send thousands of
requests against it, so each module builds it once inside an outer transaction that is rolled
back when the module ends. Each test still runs in its own savepoint (the ``db`` fixture), so
what one test writes never reaches the next.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import caches
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.test import Client


def _volatile_tables() -> tuple[str, ...]:
    """Tables a refused request may legitimately touch: sessions, sign-in attempt records,
    and any database cache (rate-limit counters)."""
    caches_in_db = tuple(
        str(options["LOCATION"]) for options in settings.CACHES.values()
        if str(options.get("BACKEND", "")).endswith("DatabaseCache")
    )
    return ("django_session", "axes_", *caches_in_db)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """The demo world, built once per module and rolled back at its end."""
    from seedbed.accounts.models import Organisation, User
    from tests.demo_snapshot import demo_world_rows

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        # Django's test cases open their own atomic blocks inside this one; marking it as a
        # test-case block lets services that ask for a durable transaction still run.
        connection.atomic_blocks[-1]._from_testcase = True  # type: ignore[attr-defined]
        try:
            demo_world_rows()
            yield {
                "users": {u.username: u for u in User.objects.all()},
                "organisations": {o.slug: o for o in Organisation.objects.all()},
            }
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def signed_in(world, db) -> Callable[[str], Client]:  # type: ignore[no-untyped-def]
    """``signed_in("lead")``: a test client signed in as that persona (anonymous: nobody)."""

    def make(role: str, **options: Any) -> Client:
        client = Client(**options)
        if role != "anonymous":
            client.force_login(world["users"][role])
        return client

    return make


def clear_caches() -> None:
    """Forget rate-limit counters, so a walk of many requests is not throttled."""
    for cache in caches.all():
        cache.clear()


def _write_counter() -> int | None:
    """Rows written on this connection so far (SQLite), or None where unknown."""
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT total_changes()")
        return int(cursor.fetchone()[0])


def table_digests() -> dict[str, str]:
    """A digest of every row of every table (volatile tables left out)."""
    digests = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            if table.startswith(_volatile_tables()):
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows = sorted(repr(row) for row in cursor.fetchall())
            digests[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return digests


def _stored_files() -> frozenset[str]:
    found: set[str] = set()

    def walk(path: str) -> None:
        try:
            folders, files = default_storage.listdir(path)
        except (FileNotFoundError, NotADirectoryError):
            return
        found.update(f"{path}/{name}" for name in files)
        for folder in folders:
            walk(f"{path}/{folder}" if path else folder)

    walk("")
    return frozenset(found)


class Unchanged:
    """Remembers the database, stored files and sent mail, and says what changed since.

    On SQLite a write counter tells at once whether anything was written; only then are the
    tables compared row by row (elsewhere they are compared every time).
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.digests = table_digests()
        self.files = _stored_files()
        self.mail = len(mail.outbox)
        self.counter = _write_counter()

    def after_rollback(self) -> None:
        """After a savepoint was rolled back: the tables are as remembered; files and mail
        (which no rollback undoes) are taken as they are now."""
        self.files = _stored_files()
        self.mail = len(mail.outbox)
        self.counter = _write_counter()

    def changes(self) -> list[str]:
        found = []
        if len(mail.outbox) != self.mail:
            found.append(f"{len(mail.outbox) - self.mail} email(s) sent")
        if _stored_files() != self.files:
            found.append(f"stored files changed: {sorted(_stored_files() ^ self.files)}")
        counter = _write_counter()
        if counter is None or counter != self.counter:
            now = table_digests()
            found += [f"table {t} changed" for t in sorted(set(now) | set(self.digests))
                      if now.get(t) != self.digests.get(t)]
            self.counter = counter
        return found


@pytest.fixture
def unchanged(world, db) -> Unchanged:  # type: ignore[no-untyped-def]
    return Unchanged()
