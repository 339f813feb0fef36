"""The push-down aggregation, written once as dialect-neutral SQL.

Every engine (DuckDB, PostgreSQL, Spark SQL) receives the same query text; a dialect only
decides how identifiers are quoted and how the text and double types are spelt. The query uses
nothing but ``CAST``, ``CASE``, ``SUM``, ``COUNT``, ``MIN``, ``MAX``, ``FLOOR`` and
``GROUP BY``, which the three engines implement identically. Only sufficient statistics leave
the engine: one row per arm x stratum x cluster x subgroup cell with counts, sums, sums of
squares and cross-products, all accumulated in double precision inside the engine.

Identifiers are always quoted through ``Dialect.ident`` and numbers are written with ``repr``,
so no user text reaches the SQL unquoted (hence the ``noqa: S608`` markers below).
"""

from __future__ import annotations

from dataclasses import dataclass

from seedbed.data.schema import TrialSchema


@dataclass(frozen=True)
class Dialect:
    """How one engine spells identifiers and types; nothing else differs."""

    name: str
    quote: str
    text_type: str
    double_type: str

    def ident(self, name: str) -> str:
        """Quote an identifier, doubling any embedded quote character."""
        return f"{self.quote}{name.replace(self.quote, self.quote * 2)}{self.quote}"


DUCKDB = Dialect(name="duckdb", quote='"', text_type="VARCHAR", double_type="DOUBLE")
POSTGRES = Dialect(name="postgres", quote='"', text_type="TEXT", double_type="DOUBLE PRECISION")
SPARK = Dialect(name="spark", quote="`", text_type="STRING", double_type="DOUBLE")


def key_alias(i: int) -> str:
    return f"k{i}"


@dataclass(frozen=True)
class CellColumns:
    """Names of the statistic columns the cell query returns, per outcome."""

    n: str
    sy: str
    syy: str
    nc: str = ""
    cx: str = ""
    cxx: str = ""
    cy: str = ""
    cyy: str = ""
    cxy: str = ""
    ncost: str = ""
    scost: str = ""
    scost2: str = ""


def cell_columns(*, schema: TrialSchema, index: int) -> CellColumns:
    """Column names for outcome number ``index`` (adjusted and cost names only when declared)."""
    p = f"o{index}_"
    adj = schema.covariate is not None
    cost = schema.cost is not None
    return CellColumns(
        n=p + "n",
        sy=p + "sy",
        syy=p + "syy",
        nc=p + "nc" if adj else "",
        cx=p + "cx" if adj else "",
        cxx=p + "cxx" if adj else "",
        cy=p + "cy" if adj else "",
        cyy=p + "cyy" if adj else "",
        cxy=p + "cxy" if adj else "",
        ncost=p + "ncost" if cost else "",
        scost=p + "scost" if cost else "",
        scost2=p + "scost2" if cost else "",
    )


def _num(d: Dialect, column: str) -> str:
    return f"CAST({d.ident(column)} AS {d.double_type})"


def cells_query(*, schema: TrialSchema, relation: str, dialect: Dialect) -> str:
    """The cell aggregation: one row per combination of the schema's key columns.

    For each outcome y (and covariate x, cost c when declared) the row holds
    n = #{y not null}, sum y, sum y^2; over complete cases (y and x not null) n, sum x,
    sum x^2, sum y, sum y^2, sum x*y; over rows with y and c not null n, sum c, sum c^2.
    Complete cases are selected by null propagation: ``x + 0 * y`` is null exactly when x or y
    is, so ``SUM(x + 0 * y)`` sums x over complete cases (cheaper than CASE in every engine).
    Keys are returned in their own type (``seedbed.data.cells`` compares them typed).
    """
    d = dialect
    keys = [d.ident(c) for c in schema.key_columns]
    select = [f"{k} AS {key_alias(i)}" for i, k in enumerate(keys)]
    select.append("COUNT(*) AS n_rows")
    select.append(f"COUNT(*) - COUNT({d.ident(schema.arm)}) AS n_arm_missing")
    x = _num(d, schema.covariate) if schema.covariate else ""
    cost = _num(d, schema.cost) if schema.cost else ""
    for i, outcome in enumerate(schema.outcomes):
        cols = cell_columns(schema=schema, index=i)
        y = _num(d, outcome)
        select += [
            f"COUNT({y}) AS {cols.n}",
            f"SUM({y}) AS {cols.sy}",
            f"SUM({y} * {y}) AS {cols.syy}",
        ]
        if schema.covariate:
            select += [
                f"COUNT({x} + {y}) AS {cols.nc}",
                f"SUM({x} + 0 * {y}) AS {cols.cx}",
                f"SUM({x} * {x} + 0 * {y}) AS {cols.cxx}",
                f"SUM({y} + 0 * {x}) AS {cols.cy}",
                f"SUM({y} * {y} + 0 * {x}) AS {cols.cyy}",
                f"SUM({x} * {y}) AS {cols.cxy}",
            ]
        if schema.cost:
            select += [
                f"COUNT({cost} + {y}) AS {cols.ncost}",
                f"SUM({cost} + 0 * {y}) AS {cols.scost}",
                f"SUM({cost} * {cost} + 0 * {y}) AS {cols.scost2}",
            ]
    return (
        "SELECT " + ", ".join(select) + f" FROM {relation} GROUP BY "  # noqa: S608
        + ", ".join(keys)
    )


def range_query(*, schema: TrialSchema, relation: str, dialect: Dialect) -> str:
    """Per-arm minimum and maximum of each outcome (to lay out histogram bins)."""
    d = dialect
    arm = f"CAST({d.ident(schema.arm)} AS {d.text_type})"
    select = [f"{arm} AS k0"]
    for i, outcome in enumerate(schema.outcomes):
        y = _num(d, outcome)
        select += [f"MIN({y}) AS o{i}_min", f"MAX({y}) AS o{i}_max"]
    return "SELECT " + ", ".join(select) + f" FROM {relation} GROUP BY {arm}"  # noqa: S608


def histogram_query(
    *, schema: TrialSchema, relation: str, dialect: Dialect, outcome: str, low: float,
    width: float, bins: int,
) -> str:
    """Counts of ``outcome`` per arm in ``bins`` equal bins starting at ``low``."""
    d = dialect
    arm = f"CAST({d.ident(schema.arm)} AS {d.text_type})"
    y = _num(d, outcome)
    raw = f"FLOOR(({y} - ({low!r})) / ({width!r}))"
    b = f"CASE WHEN {raw} >= {bins - 1} THEN {bins - 1} WHEN {raw} < 0 THEN 0 ELSE {raw} END"
    b = f"CAST({b} AS {d.double_type})"
    return (
        f"SELECT {arm} AS k0, {b} AS bin, COUNT(*) AS n FROM {relation} "  # noqa: S608
        f"WHERE {d.ident(outcome)} IS NOT NULL GROUP BY {arm}, {b}"
    )
