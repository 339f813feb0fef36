"""What apps above core register with it in ``AppConfig.ready``, so that apps on one layer
can share a capability without importing each other.

Connected tables: the trials app keeps the administrator's named database connections and
the tables and views each may read (``trials.uploads``, ``DataConnection``), with the checks
that keep Seedbed's own database out of reach. Evaluations sit beside trials (ADR 5) and may
not import them, so trials registers a ``TableSource`` here and evaluations read connected
tables through it, under the same checks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


class TableReader(Protocol):
    def __call__(self, *, actor: Any, connection: str, table: str, columns: Sequence[str],
                 order: Sequence[str], workdir: Path) -> Path: ...


@dataclass(frozen=True)
class TableSource:
    """Named connections and a reader for their tables.

    ``offered`` gives each connection's name and the tables and views it may read (names
    only: a connection string is never shown). ``read`` reads the named ``columns`` of a
    table, sorted by ``order``, as text into a Parquet file under ``workdir`` and returns its
    path; it raises ``core.errors.ValidationProblem`` naming "connection", "table" or
    "column_<name>" when the connection, table or a column cannot be used.
    """

    offered: Callable[[], dict[str, tuple[str, ...]]]
    read: TableReader


_table_sources: list[TableSource] = []


def table_source_register(source: TableSource) -> None:
    """Offer connected tables to the apps that read data (registering again replaces it)."""
    _table_sources[:] = [source]


def table_source() -> TableSource | None:
    """The registered connected tables, or None when no app offers any."""
    return _table_sources[0] if _table_sources else None
