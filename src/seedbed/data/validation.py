"""Row-level validation of trial data by SQL queries that find the bad rows.

Each check is one DuckDB query over the staged Parquet (or the original Parquet file) that
returns the first ``MAX_LISTED_PROBLEMS`` offending rows in row order together with the total
count, so a file of any size is checked without being read into memory, and a file with
100,000 bad rows produces a capped list plus exact counts.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from seedbed.data.errors import (
    KIND_ARM_CASE,
    KIND_CLUSTER_IN_SEVERAL_ARMS,
    KIND_DUPLICATE_UNIT,
    KIND_EMPTY_ARM,
    KIND_MISSING_ARM,
    KIND_MISSING_UNIT,
    KIND_NOT_A_NUMBER,
    KIND_NOT_ALLOCATED,
    KIND_UNKNOWN_ARM,
    KIND_WRONG_ARM,
    MAX_LISTED_PROBLEMS,
    MSG_ARM_CASE,
    MSG_CLUSTER_IN_SEVERAL_ARMS,
    MSG_DUPLICATE_UNIT,
    MSG_EMPTY_ARM,
    MSG_MISSING_ARM,
    MSG_MISSING_UNIT,
    MSG_NOT_A_NUMBER,
    MSG_NOT_ALLOCATED,
    MSG_UNKNOWN_ARM,
    MSG_WRONG_ARM,
    Problem,
    ValidationReport,
    build_report,
)
from seedbed.data.schema import TrialSchema
from seedbed.data.sql import DUCKDB

ROW = "_row"


def _q(name: str) -> str:
    return DUCKDB.ident(name)


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _text(col: str) -> str:
    return f"NULLIF(TRIM(CAST({_q(col)} AS VARCHAR)), '')"


def staged_relation(path: Path) -> str:
    """The relation of a staged file (text columns and ``_row``)."""
    return f"read_parquet({_lit(str(path))})"


def parquet_relation(path: Path) -> str:
    """A Parquet file with 1-based record numbers as ``_row``."""
    return (
        f"(SELECT file_row_number + 1 AS {ROW}, * EXCLUDE (file_row_number) "  # noqa: S608
        f"FROM read_parquet({_lit(str(path))}, file_row_number = true))"
    )


def _run(con: Any, sql: str, cap: int) -> tuple[int, list[tuple[Any, ...]]]:
    """Rows of ``sql`` (which must select _row first) in row order, capped, and the count."""
    wrapped = (
        f"SELECT *, COUNT(*) OVER () AS total FROM ({sql}) ORDER BY {ROW} LIMIT {int(cap)}"  # noqa: S608
    )
    rows = con.execute(wrapped).fetchall()
    return (int(rows[0][-1]) if rows else 0), [r[:-1] for r in rows]


def validate_relation(
    *, con: Any, relation: str, schema: TrialSchema, allocation: str | None = None,
    cap: int = MAX_LISTED_PROBLEMS,
) -> ValidationReport:
    """Run every check on ``relation`` (a DuckDB relation with ``_row``); report problems."""
    problems: list[Problem] = []
    counts: Counter[str] = Counter()

    def add(kind: str, total: int, items: list[Problem]) -> None:
        counts[kind] += total
        problems.extend(items)

    arm = _text(schema.arm)
    total, rows = _run(con, f"SELECT {ROW} FROM {relation} WHERE {arm} IS NULL", cap)  # noqa: S608
    add(KIND_MISSING_ARM, total, [
        Problem(r[0], schema.arm, KIND_MISSING_ARM, MSG_MISSING_ARM.format(row=r[0],
                                                                          column=schema.arm))
        for r in rows])
    _check_arm_case(con, relation, schema, cap, add)
    if schema.arms:
        allowed = ", ".join(_lit(a) for a in schema.arms)
        expected = ", ".join(schema.arms)
        total, rows = _run(con, f"SELECT {ROW}, {arm} FROM {relation} "  # noqa: S608
                                f"WHERE {arm} IS NOT NULL AND {arm} NOT IN ({allowed})", cap)
        add(KIND_UNKNOWN_ARM, total, [
            Problem(r[0], schema.arm, KIND_UNKNOWN_ARM, MSG_UNKNOWN_ARM.format(
                row=r[0], column=schema.arm, value=r[1], expected=expected)) for r in rows])
        present = {r[0] for r in con.execute(
            f"SELECT DISTINCT {arm} FROM {relation} WHERE {arm} IS NOT NULL").fetchall()}  # noqa: S608
        for label in schema.arms:
            if label not in present:
                add(KIND_EMPTY_ARM, 1, [Problem(None, schema.arm, KIND_EMPTY_ARM,
                                                MSG_EMPTY_ARM.format(column=schema.arm,
                                                                     value=label))])
    for col in schema.numeric_columns:
        v = _text(col)
        total, rows = _run(con, f"SELECT {ROW}, {v} FROM {relation} WHERE {v} IS NOT NULL "  # noqa: S608
                                f"AND NOT COALESCE(isfinite(TRY_CAST({v} AS DOUBLE)), false)", cap)
        add(KIND_NOT_A_NUMBER, total, [
            Problem(r[0], col, KIND_NOT_A_NUMBER, MSG_NOT_A_NUMBER.format(
                row=r[0], column=col, value=r[1])) for r in rows])
    if schema.unit:
        _check_units(con, relation, schema, allocation, cap, add)
    if schema.cluster and not schema.period:  # stepped-wedge clusters cross over
        cl = _text(schema.cluster)
        sql = (
            f"SELECT {ROW}, c, a, first_arm, first_row FROM (SELECT {ROW}, {cl} AS c, {arm} AS a, "  # noqa: S608
            f"arg_min({arm}, {ROW}) OVER w AS first_arm, MIN({ROW}) OVER w AS first_row "
            f"FROM {relation} WHERE {cl} IS NOT NULL AND {arm} IS NOT NULL "
            f"WINDOW w AS (PARTITION BY {cl})) WHERE a <> first_arm"
        )
        total, rows = _run(con, sql, cap)
        add(KIND_CLUSTER_IN_SEVERAL_ARMS, total, [
            Problem(r[0], schema.cluster, KIND_CLUSTER_IN_SEVERAL_ARMS,
                    MSG_CLUSTER_IN_SEVERAL_ARMS.format(row=r[0], column=schema.cluster,
                                                       value=r[1], arm=r[2], first_arm=r[3],
                                                       first=r[4])) for r in rows])
    return build_report(problems, counts, cap)


def _check_arm_case(con: Any, relation: str, schema: TrialSchema, cap: int, add: Any) -> None:
    """Arm labels that differ only in case ("Treatment", "treatment"): each later spelling,
    at its first row, against the first spelling seen. Nothing is merged or split silently."""
    arm = _text(schema.arm)
    sql = (
        f"SELECT first_row AS {ROW}, a, arg_min(a, first_row) OVER w AS first, "  # noqa: S608
        f"MIN(first_row) OVER w AS first_first FROM (SELECT {arm} AS a, MIN({ROW}) AS first_row "
        f"FROM {relation} WHERE {arm} IS NOT NULL GROUP BY 1) "
        f"WINDOW w AS (PARTITION BY lower(a)) QUALIFY first_row > first_first"
    )
    total, rows = _run(con, sql, cap)
    add(KIND_ARM_CASE, total, [
        Problem(r[0], schema.arm, KIND_ARM_CASE, MSG_ARM_CASE.format(
            row=r[0], column=schema.arm, value=r[1], first=r[2], first_row=r[3]))
        for r in rows])


def _check_units(con: Any, relation: str, schema: TrialSchema, allocation: str | None,
                 cap: int, add: Any) -> None:
    assert schema.unit is not None
    unit = _text(schema.unit)
    total, rows = _run(con, f"SELECT {ROW} FROM {relation} WHERE {unit} IS NULL", cap)  # noqa: S608
    add(KIND_MISSING_UNIT, total, [
        Problem(r[0], schema.unit, KIND_MISSING_UNIT, MSG_MISSING_UNIT.format(
            row=r[0], column=schema.unit)) for r in rows])
    sql = (
        f"SELECT {ROW}, u, first_row FROM (SELECT {ROW}, {unit} AS u, "  # noqa: S608
        f"MIN({ROW}) OVER (PARTITION BY {unit}) AS first_row FROM {relation} "
        f"WHERE {unit} IS NOT NULL) WHERE {ROW} > first_row"
    )
    total, rows = _run(con, sql, cap)
    add(KIND_DUPLICATE_UNIT, total, [
        Problem(r[0], schema.unit, KIND_DUPLICATE_UNIT, MSG_DUPLICATE_UNIT.format(
            row=r[0], column=schema.unit, value=r[1], first=r[2])) for r in rows])
    if allocation is None:
        return
    arm = _text(schema.arm)
    sql = (
        f"SELECT t.{ROW}, t.u, t.a, al.arm, al.unit AS au FROM (SELECT {ROW}, {unit} AS u, {arm} AS a "  # noqa: S608
        f"FROM {relation} WHERE {unit} IS NOT NULL) t LEFT JOIN {allocation} al ON t.u = al.unit"
    )
    total, rows = _run(con, f"SELECT * FROM ({sql}) WHERE au IS NULL", cap)  # noqa: S608
    add(KIND_NOT_ALLOCATED, total, [
        Problem(r[0], schema.unit, KIND_NOT_ALLOCATED, MSG_NOT_ALLOCATED.format(
            row=r[0], column=schema.unit, value=r[1])) for r in rows])
    total, rows = _run(con, f"SELECT * FROM ({sql}) WHERE arm IS NOT NULL "  # noqa: S608
                            "AND a IS NOT NULL AND a <> arm", cap)
    add(KIND_WRONG_ARM, total, [
        Problem(r[0], schema.arm, KIND_WRONG_ARM, MSG_WRONG_ARM.format(
            row=r[0], column=schema.arm, value=r[2], expected=r[3])) for r in rows])
