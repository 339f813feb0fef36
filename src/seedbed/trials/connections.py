"""Named database connections for outcome data, configured by an administrator.

``SEEDBED_DATA_CONNECTIONS`` holds ``name=url`` pairs separated by semicolons, e.g.
``warehouse=postgresql://reader:secret@db.internal/warehouse;local=duckdb:///srv/data/outcomes.duckdb``.
It is read from Django settings when the settings define it, otherwise from the
environment. People only ever see and pick the names: a connection string is never typed
into, or shown on, a page. Only PostgreSQL and DuckDB URLs are accepted (the data engine's
database engines); any other entry is ignored.
"""

from __future__ import annotations

import os

from django.conf import settings

SETTING = "SEEDBED_DATA_CONNECTIONS"
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
