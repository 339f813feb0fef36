"""A database table's columns read by name for an evaluation: how to read them as numbers
or labels in SQL, and problems that name the column instead of failing inside the database.

A label (unit, cluster) is trimmed and empty text is missing, as in a file; a table has no
row numbers, so rows with a missing value are counted by column. Every SQL text here is
dialect-neutral (DuckDB, PostgreSQL, Spark SQL).
"""

from __future__ import annotations

from typing import Any

from seedbed.data.errors import DataError, Problem
from seedbed.data.panel import KIND_MISSING_VALUE, _plain
from seedbed.data.sources import MSG_ENGINE_FAILED, _first_line, source_error

MSG_MISSING_ROWS = 'column "{column}": {count} row{s} with no value; every row needs one'


def fetch(engine: Any, sql: str) -> dict[str, Any]:
    """Run ``sql``; columns as plain arrays, an engine failure as a ``DataError``."""
    try:
        cols = engine.fetch(sql)
    except DataError:
        raise
    except Exception as exc:
        raise source_error(MSG_ENGINE_FAILED.format(engine=engine.dialect.name,
                                                    detail=_first_line(exc))) from None
    return {k: _plain(v) for k, v in cols.items()}


def label_sql(dialect: Any, column: str) -> str:
    """A column read as a trimmed label; empty text is NULL (missing)."""
    return f"NULLIF(TRIM(CAST({dialect.ident(column)} AS {dialect.text_type})), '')"


def number_sql(dialect: Any, column: str, *, text: bool) -> str:
    """A column read as a double; a text column's empty values are NULL (missing)."""
    col = dialect.ident(column)
    if text:
        col = f"NULLIF(TRIM({col}), '')"
    return f"CAST({col} AS {dialect.double_type})"


def missing_problem(column: str, count: int) -> Problem:
    """The problem of ``count`` rows with no value in ``column`` (a table has no row
    numbers to list)."""
    return Problem(None, column, KIND_MISSING_VALUE, MSG_MISSING_ROWS.format(
        column=column, count=f"{count:,}", s="" if count == 1 else "s"))
