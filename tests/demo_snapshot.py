"""Build the demo through the services once per test process, then copy its rows back.

Building the Northfield demo runs every capability's services (a few seconds); hundreds of
tests start from it. The first test in a process builds it and keeps what the build added:
the new rows of every table and the emails it sent. Each later test that starts from the
same empty database gets those rows inserted directly (foreign keys are checked at commit on
both SQLite and PostgreSQL, so the order does not matter) and the same emails in its outbox.

A test that has already written rows before asking for the demo gets a real build, as before:
the copy is used only when every table holds exactly what the migrations left. Set
``SEEDBED_TEST_DEMO_SNAPSHOT=0`` to build the demo in every test.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from typing import Any

from django.core import mail
from django.core.management.color import no_style
from django.db import connection, transaction


@dataclass
class _Snapshot:
    baseline: dict[str, int]  # table -> how many rows the migrations left
    baseline_rows: dict[str, set[str]] = field(default_factory=dict)  # those rows (as repr)
    baseline_data: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = field(default_factory=dict)
    rows: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = field(default_factory=dict)
    emails: list[Any] = field(default_factory=list)


# One per database vendor and demo recipe (some tests build only part of the demo by setting
# ``seedbed.demo.build.CAPABILITY_STEPS``).
_snapshot: dict[tuple[str, tuple[str, ...]], _Snapshot] = {}


def _tables() -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True))


def _counts(tables: list[str]) -> dict[str, int]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


# Tables Django empties and fills again (with new ids) when a transactional test flushes.
FLUSH_RECREATES = ("django_content_type", "auth_permission")
JSON_TYPES = frozenset({114, 3802})  # PostgreSQL's json and jsonb type oids


def _json(value: Any) -> Any:
    """A JSON value read back, to insert again unchanged. Django has psycopg hand JSON columns
    over as their text (its JSONField decodes them), so that text goes back as it is."""
    from psycopg.types.json import Jsonb

    if isinstance(value, str):
        return Jsonb(value, dumps=lambda text: text)
    return Jsonb(value)


def _read(table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The table's columns and rows; on PostgreSQL, JSON values wrapped to go back as JSON."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
        columns = [column[0] for column in cursor.description]
        json_at = [i for i, column in enumerate(cursor.description) if column[1] in JSON_TYPES]
        rows = [tuple(row) for row in cursor.fetchall()]
    if connection.vendor == "postgresql" and json_at:
        rows = [tuple(_json(v) if i in json_at and v is not None else v for i, v in enumerate(row))
                for row in rows]
    return columns, rows


def _baseline_rows(counts: dict[str, int]) -> dict[str, set[str]]:
    return {table: {repr(row) for row in _read(table)[1]} for table, n in counts.items() if n}


def _build(tables: list[str], baseline: dict[str, int]) -> _Snapshot:
    from seedbed.demo.build import demo_load

    before = _baseline_rows(baseline)
    sent = len(mail.outbox) if hasattr(mail, "outbox") else 0
    demo_load()
    snapshot = _Snapshot(baseline=baseline, baseline_rows=before,
                         baseline_data={table: _read(table) for table in FLUSH_RECREATES})
    for table in tables:
        columns, rows = _read(table)
        old = before.get(table, set())
        added = [row for row in rows if repr(row) not in old]
        if added:
            snapshot.rows[table] = (columns, added)
    if hasattr(mail, "outbox"):
        snapshot.emails = copy.deepcopy(mail.outbox[sent:])
    return snapshot


def _restore(snapshot: _Snapshot, *, content_types_too: bool = False) -> None:
    quote = connection.ops.quote_name
    # One transaction, so foreign keys are checked once all rows are in (transactional tests
    # run without a surrounding transaction).
    with transaction.atomic(), connection.cursor() as cursor:
        items = list(snapshot.rows.items())
        if content_types_too:
            for table in reversed(FLUSH_RECREATES):
                cursor.execute(f"DELETE FROM {quote(table)}")
            items = list(snapshot.baseline_data.items()) + items
        for table, (columns, rows) in items:
            names = ", ".join(quote(column) for column in columns)
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})",
                rows,
            )
        if connection.vendor == "postgresql":
            from django.apps import apps

            for statement in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
                cursor.execute(statement)
    if content_types_too:
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()
    if hasattr(mail, "outbox"):
        mail.outbox.extend(copy.deepcopy(snapshot.emails))


def demo_world_rows() -> None:
    """Make the demo exist in the test database, as ``demo_load()`` would."""
    from seedbed.demo import build
    from seedbed.demo.build import demo_load

    if os.environ.get("SEEDBED_TEST_DEMO_SNAPSHOT", "1") == "0":
        demo_load()
        return
    tables = _tables()
    counts = _counts(tables)
    key = (connection.vendor, tuple(build.CAPABILITY_STEPS))
    kept = _snapshot.get(key)
    if kept is None:
        _snapshot[key] = _build(tables, counts)
        return
    if counts != kept.baseline:
        demo_load()  # the test wrote rows of its own first: build through the services
        return
    now = _baseline_rows(counts)
    changed = {table for table in now if now[table] != kept.baseline_rows.get(table)}
    if changed and not changed <= set(FLUSH_RECREATES):
        demo_load()
        return
    # After a transactional test's flush, Django recreates the content types and permissions,
    # with new ids: put back the ones the demo's rows refer to.
    _restore(kept, content_types_too=bool(changed))
