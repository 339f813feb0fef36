"""What a database connection may read: a list of tables and views, and databases never opened.

A connection that other people use (rather than a database URL typed by its own owner on the
command line) carries a ``ConnectionPolicy``:

* ``relations``: the only tables or views it may read, each ``name`` or ``schema.name``
  (letters, digits and underscores). A requested relation must match one of them exactly, as
  written, and is refused before any connection is made otherwise. The engines quote each part
  of the name, so a listed name cannot be widened into other SQL.
* ``refused_databases``: identities (``database_identity``) of databases that must never be
  opened, such as the application's own database.
* ``refused_marker``: a table whose presence shows that the database is one that must not be
  read whatever its address (a copy of the application's database, or its address under
  another host name); checked in the system catalogue right after connecting.

Messages name only what the person supplied (the relation they typed), never what the
database holds. ``redacted_report`` rewrites a validation report so that no problem echoes a
cell value read from the database: each problem keeps its row, column and kind.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from seedbed.data.errors import (
    KIND_ARM_CASE,
    KIND_CLUSTER_IN_SEVERAL_ARMS,
    KIND_DUPLICATE_UNIT,
    KIND_EMPTY_ARM,
    KIND_MISSING_ARM,
    KIND_MISSING_COLUMN,
    KIND_MISSING_UNIT,
    KIND_NOT_A_NUMBER,
    KIND_NOT_ALLOCATED,
    KIND_UNKNOWN_ARM,
    KIND_WRONG_ARM,
    MSG_ROW_PREFIX,
    DataError,
    Problem,
    ValidationReport,
)

KIND_RELATION_NAME = "relation_name"
KIND_RELATION_NOT_OFFERED = "relation_not_offered"
KIND_DATABASE_REFUSED = "database_refused"

MSG_RELATION_NAME = (
    '"{relation}" is not a table or view name: use name or schema.name (letters, digits and '
    "underscores, not starting with a digit)"
)
MSG_RELATION_NOT_OFFERED = 'the connection does not offer "{relation}"'
MSG_DATABASE_REFUSED = "the connection points at a database that may not be read"

RELATION_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?")
MAX_RELATION_LENGTH = 127

LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0"})  # noqa: S104 - compared, not bound
"""Host names that all reach the local server (a Unix socket directory counts too)."""

POSTGRES_SCHEMES = ("postgres://", "postgresql://", "postgresql+psycopg://")
DEFAULT_POSTGRES_PORT = 5432

# Value-free descriptions of each problem kind, for data read from a connected database.
REDACTED_MESSAGES = {
    KIND_MISSING_ARM: "missing arm",
    KIND_UNKNOWN_ARM: "not one of the trial's arm labels",
    KIND_NOT_A_NUMBER: "not a number",
    KIND_MISSING_UNIT: "missing unit id",
    KIND_DUPLICATE_UNIT: "the unit id appears in more than one row",
    KIND_NOT_ALLOCATED: "the unit is not in the allocation list",
    KIND_WRONG_ARM: "the arm does not match the allocation",
    KIND_CLUSTER_IN_SEVERAL_ARMS: "the cluster appears in more than one arm",
    KIND_ARM_CASE: "an arm label differs from another only in case",
    KIND_EMPTY_ARM: "an arm has no rows",
    KIND_MISSING_COLUMN: "the column is missing",
}
MSG_REDACTED_OTHER = "this value cannot be used ({kind})"
MSG_REDACTED_COLUMN = 'column "{column}": {text}'
MSG_REDACTED_ROW = "row {row}: {text}"


@dataclass(frozen=True)
class ConnectionPolicy:
    """What a shared connection may read (see the module docstring)."""

    relations: frozenset[str]
    refused_databases: frozenset[str] = frozenset()
    refused_marker: str | None = None


def relation_error(kind: str, message: str) -> DataError:
    return DataError.single(kind=kind, message=message)


def relation_name(text: str) -> str:
    """``text`` trimmed, if it is a plain ``name`` or ``schema.name``; ``DataError`` otherwise."""
    name = text.strip()
    if len(name) > MAX_RELATION_LENGTH or not RELATION_PATTERN.fullmatch(name):
        shown = name[:60] + ("..." if len(name) > 60 else "")
        raise relation_error(KIND_RELATION_NAME, MSG_RELATION_NAME.format(relation=shown))
    return name


def relation_list(items: Iterable[str]) -> tuple[str, ...]:
    """Checked relation names, without blanks or repeats, in the order given."""
    out: list[str] = []
    for item in items:
        if item.strip() and (name := relation_name(item)) not in out:
            out.append(name)
    return tuple(out)


def relation_allowed(relation: str, policy: ConnectionPolicy) -> str:
    """The relation, if ``policy`` lists it exactly as written; ``DataError`` otherwise.

    Exact matching is deliberate: PostgreSQL treats quoted names case-sensitively and
    resolves an unqualified name through the search path, so ``Outcomes``, ``outcomes`` and
    ``public.outcomes`` are offered only when each is listed.
    """
    name = relation_name(relation)
    if name not in policy.relations:
        raise relation_error(KIND_RELATION_NOT_OFFERED, MSG_RELATION_NOT_OFFERED.format(relation=name))
    return name


def database_identity(location: str) -> str:
    """A comparable identity for a database URL or file path.

    PostgreSQL: ``postgresql://HOST:PORT/DBNAME``, with every local address (``localhost``,
    loopback, a socket directory, none) as ``local`` and the default port and database name
    filled in as libpq would. Anything else is a file: ``file:`` and its resolved path.
    """
    if location.startswith(POSTGRES_SCHEMES):
        parts = urlsplit(location)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        host = unquote(query.get("host") or parts.hostname or "").lower()
        host = "local" if host in LOCAL_HOSTS or host.startswith("/") else host
        try:
            port = int(query.get("port") or parts.port or DEFAULT_POSTGRES_PORT)
        except ValueError:
            port = DEFAULT_POSTGRES_PORT
        user = unquote(query.get("user") or parts.username or "")
        dbname = unquote(query.get("dbname") or parts.path.lstrip("/") or user)
        return f"postgresql://{host}:{port}/{dbname}"
    path = location.removeprefix("duckdb://").removeprefix("sqlite://")
    return "file:" + os.path.realpath(path)


def check_location(location: str, policy: ConnectionPolicy) -> None:
    """``DataError`` if ``location`` is one of the policy's refused databases."""
    if database_identity(location) in policy.refused_databases:
        raise relation_error(KIND_DATABASE_REFUSED, MSG_DATABASE_REFUSED)


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def holds_table(engine: Any, name: str) -> bool:
    """True when the engine's database has a table or view called ``name`` in any schema.

    PostgreSQL is asked through ``pg_class``, which lists relations whatever the connecting
    role may read; other engines through ``information_schema.tables``.
    """
    literal = _sql_string(name)
    if engine.dialect.name == "postgres":
        sql = f"SELECT 1 AS found FROM pg_catalog.pg_class WHERE relname = {literal} LIMIT 1"  # noqa: S608
    else:
        sql = f"SELECT 1 AS found FROM information_schema.tables WHERE table_name = {literal} LIMIT 1"  # noqa: S608
    found = engine.fetch(sql)
    return len(next(iter(found.values()), ())) > 0


def check_database(engine: Any, policy: ConnectionPolicy) -> None:
    """``DataError`` if the opened database holds the policy's marker table."""
    if policy.refused_marker and holds_table(engine, policy.refused_marker):
        raise relation_error(KIND_DATABASE_REFUSED, MSG_DATABASE_REFUSED)


def redacted_report(report: ValidationReport) -> ValidationReport:
    """The report with every message rebuilt from its row, column and kind alone, so that no
    cell value read from a connected database is echoed back."""
    problems = []
    for p in report.problems:
        text = REDACTED_MESSAGES.get(p.kind) or MSG_REDACTED_OTHER.format(kind=p.kind)
        if p.row is not None and p.column:
            message = MSG_ROW_PREFIX.format(row=p.row, column=p.column) + text
        elif p.row is not None:
            message = MSG_REDACTED_ROW.format(row=p.row, text=text)
        elif p.column:
            message = MSG_REDACTED_COLUMN.format(column=p.column, text=text)
        else:
            message = text
        problems.append(Problem(p.row, p.column, p.kind, message))
    return ValidationReport(problems=tuple(problems), counts=report.counts)
