"""Connected outcome data: the named database connections an administrator configures.

``SEEDBED_DATA_CONNECTIONS`` holds ``name=url`` pairs separated by semicolons, e.g.
``warehouse=postgresql://reader:secret@db.internal/warehouse;local=duckdb:///srv/data/outcomes.duckdb``.
It is read from Django settings when the settings define it, otherwise from the
environment. People only ever see and pick the names: a connection string is never typed
into, or shown on, a page. Only PostgreSQL and DuckDB URLs are accepted (the data engine's
database engines); any other entry is ignored.

Each connection reads only the tables and views an administrator lists for it
(``DataConnection.relations``, changed through ``connection_relations_set``, audited): a
connection with no list reads nothing. Seedbed's own database is never a connection target,
whatever its address is written as, unless ``SEEDBED_DATA_CONNECT_APP_DATABASE`` is true.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.db import connections as django_databases

from seedbed.core.models import AuditEntry
from seedbed.data.relations import ConnectionPolicy, database_identity
from seedbed.trials.models import DataConnection

SETTING = "SEEDBED_DATA_CONNECTIONS"
APP_DATABASE_SETTING = "SEEDBED_DATA_CONNECT_APP_DATABASE"
SCHEMES = ("postgres://", "postgresql://", "duckdb://")


def parse_connections(raw: str) -> dict[str, str]:
    """``name=url;name=url`` as a dict (names trimmed; unsupported URLs left out)."""
    out: dict[str, str] = {}
    for part in raw.split(";"):
        name, sep, url = part.partition("=")
        name, url = name.strip(), url.strip()
        if sep and name and url.startswith(SCHEMES):
            out[name] = url
    return out


def data_connections() -> dict[str, str]:
    """The configured connections by name (settings first, then the environment)."""
    raw = getattr(settings, SETTING, None)
    if raw is None:
        raw = os.environ.get(SETTING, "")
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items() if str(v).startswith(SCHEMES)}
    return parse_connections(str(raw))


def connection_relations() -> dict[str, tuple[str, ...]]:
    """Each configured connection's allowed tables and views, by name (empty when none)."""
    lists = {c.name: tuple(c.relations) for c in DataConnection.objects.filter(name__in=data_connections())}
    return {name: lists.get(name, ()) for name in sorted(data_connections())}


def _app_database_identity(config: dict[str, Any]) -> str | None:
    engine, name = str(config.get("ENGINE", "")), str(config.get("NAME") or "")
    if engine.endswith("postgresql"):
        host, port, user = config.get("HOST") or "", config.get("PORT") or "", config.get("USER") or ""
        return database_identity(f"postgresql://{user}@{host}{':' + str(port) if port else ''}/{name}")
    if name and not name.startswith(("file:", ":memory:")):
        return database_identity(name)
    return None


def app_database_identities() -> frozenset[str]:
    """Every database Seedbed itself uses (as configured, and as in use under tests)."""
    configs = [*settings.DATABASES.values(), *(django_databases[a].settings_dict for a in django_databases)]
    return frozenset(i for i in map(_app_database_identity, configs) if i)


def connection_policy(name: str) -> ConnectionPolicy:
    """What the connection ``name`` may read, and the databases it must never open."""
    if getattr(settings, APP_DATABASE_SETTING, False):
        return ConnectionPolicy(relations=frozenset(connection_relations().get(name, ())))
    return ConnectionPolicy(
        relations=frozenset(connection_relations().get(name, ())),
        refused_databases=app_database_identities(),
        refused_marker=AuditEntry._meta.db_table,
    )
