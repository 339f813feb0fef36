"""A database table's columns read by name for an evaluation: which hold text, how to read
them as numbers or labels in SQL, and checks that name the column instead of failing inside
the database.

A council's table may keep numbers as text (a first-treated period left empty for "never", an
outcome typed as "n/a"). PostgreSQL then stops the whole query at the first bad value with a
message that names neither the column nor the row ("invalid input syntax for type double
precision"). So, before pushing a panel down, the columns meant to hold numbers are looked
up: those of a text type are read as ``CAST(NULLIF(TRIM(col), '') AS DOUBLE)`` (empty text
is missing, as in a file), and any other value that is not a plain number is refused first,
naming the column, the value and the unit whose row holds it (a table has no row numbers).

Every SQL text here is dialect-neutral except the type probe and the number test, which are
given for DuckDB, PostgreSQL and Spark SQL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from seedbed.data.errors import (
    KIND_NOT_A_NUMBER,
    MAX_LISTED_PROBLEMS,
    DataError,
    Problem,
    build_report,
)
from seedbed.data.panel import KIND_MISSING_VALUE, _plain
from seedbed.data.sources import MSG_ENGINE_FAILED, _first_line, source_error

MSG_MISSING_ROWS = 'column "{column}": {count} row{s} with no value; every row needs one'
MSG_NOT_FINITE_ROWS = 'column "{column}": {count} row{s} with NaN or infinity, which is not a number'
MSG_UNIT_NOT_A_NUMBER = 'column "{column}": "{value}" is not a number (in a row of unit "{unit}")'
NUMBER_PATTERN = "[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?"
"""A plain decimal number, as every engine reads it (no NaN, no Infinity, no separators)."""

_TYPE_OF = {"postgres": "CAST(pg_typeof({col}) AS TEXT)", "duckdb": "typeof({col})",
            "spark": "typeof({col})"}
_IS_NUMBER = {"postgres": "{v} ~ '^" + NUMBER_PATTERN + "$'",
              "duckdb": "regexp_full_match({v}, '" + NUMBER_PATTERN + "')",
              "spark": "{v} RLIKE '^" + NUMBER_PATTERN + "$'"}


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


def text_columns(engine: Any, names: Sequence[str]) -> frozenset[str]:
    """The columns of ``engine``'s table, among ``names``, whose type is text (read from its
    first row; an empty table has none)."""
    d = engine.dialect
    probe = _TYPE_OF.get(d.name)
    if probe is None or not names:
        return frozenset()
    cols = ", ".join(f"{probe.format(col=d.ident(c))} AS t{i}" for i, c in enumerate(names))
    got = fetch(engine, f"SELECT {cols} FROM {engine.relation} LIMIT 1")  # noqa: S608
    out = set()
    for i, c in enumerate(names):
        values = list(got[f"t{i}"])
        kind = str(values[0]).lower() if values else ""
        if "char" in kind or "text" in kind or kind == "string":
            out.add(c)
    return frozenset(out)


def label_sql(dialect: Any, column: str) -> str:
    """A column read as a trimmed label; empty text is NULL (missing)."""
    return f"NULLIF(TRIM(CAST({dialect.ident(column)} AS {dialect.text_type})), '')"


def number_sql(dialect: Any, column: str, *, text: bool) -> str:
    """A column read as a double; a text column's empty values are NULL (missing)."""
    col = dialect.ident(column)
    if text:
        col = f"NULLIF(TRIM({col}), '')"
    return f"CAST({col} AS {dialect.double_type})"


def check_numbers(engine: Any, *, columns: Sequence[str], unit: str) -> None:
    """Refuse values of the text ``columns`` that are not numbers (``DataError`` naming the
    column, the value and the unit of the row, at most ``MAX_LISTED_PROBLEMS`` in all, with
    the full count by kind)."""
    d = engine.dialect
    problems: list[Problem] = []
    counts: Counter[str] = Counter()
    for column in columns:
        v = f"NULLIF(TRIM(CAST({d.ident(column)} AS {d.text_type})), '')"
        test = _IS_NUMBER[d.name].format(v="v")
        got = fetch(
            engine, f"SELECT su, v, COUNT(*) OVER () AS n FROM (SELECT {label_sql(d, unit)} AS su, "  # noqa: S608
            f"{v} AS v FROM {engine.relation}) x WHERE v IS NOT NULL AND NOT ({test}) "
            f"ORDER BY su LIMIT {MAX_LISTED_PROBLEMS}")
        values, units = list(got["v"]), list(got["su"])
        if values:
            counts[KIND_NOT_A_NUMBER] += int(list(got["n"])[0])
        problems += [Problem(None, column, KIND_NOT_A_NUMBER, MSG_UNIT_NOT_A_NUMBER.format(
            column=column, value=value, unit="" if u is None else u))
            for value, u in zip(values, units, strict=True)]
    if problems:
        raise DataError(build_report(problems, counts))


def missing_problem(column: str, count: int) -> Problem:
    """The problem of ``count`` rows with no value in ``column`` (a table has no row
    numbers to list)."""
    return Problem(None, column, KIND_MISSING_VALUE, MSG_MISSING_ROWS.format(
        column=column, count=f"{count:,}", s="" if count == 1 else "s"))


def not_finite_problem(column: str, count: int) -> Problem:
    """The problem of ``count`` rows whose number in ``column`` is NaN or infinite."""
    return Problem(None, column, KIND_NOT_A_NUMBER, MSG_NOT_FINITE_ROWS.format(
        column=column, count=f"{count:,}", s="" if count == 1 else "s"))
