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


@dataclass(frozen=True)
class CellsQuery:
    """The SQL text and the statistic columns it does not select because another selected
    column holds the same expression (``copies``: alias -> alias actually selected)."""

    sql: str
    copies: tuple[tuple[str, str], ...]


def cells_query(
    *, schema: TrialSchema, relation: str, dialect: Dialect,
    not_null: frozenset[str] = frozenset(),
) -> CellsQuery:
    """The cell aggregation: one row per combination of the schema's key columns.

    For each outcome y (and covariate x, cost c when declared) the row holds
    n = #{y not null}, sum y, sum y^2; over complete cases (y and x not null) n, sum x,
    sum x^2, sum y, sum y^2, sum x*y; over rows with y and c not null n, sum c, sum c^2.
    Complete cases are selected by null propagation: ``x + 0 * y`` is null exactly when x or y
    is, so ``SUM(x + 0 * y)`` sums x over complete cases (cheaper than CASE in every engine).
    Columns in ``not_null`` are known to hold no nulls (e.g. from Parquet statistics), so
    their guards are dropped and repeated expressions are computed once.
    Keys are returned in their own type (``seedbed.data.cells`` compares them typed).
    """
    d = dialect
    keys = [d.ident(c) for c in schema.key_columns]
    items: list[tuple[str, str]] = [(key_alias(i), k) for i, k in enumerate(keys)]
    items.append(("n_rows", "COUNT(*)"))
    arm_missing = "0" if schema.arm in not_null else f"COUNT(*) - COUNT({d.ident(schema.arm)})"
    items.append(("n_arm_missing", arm_missing))

    def count(*cols: str) -> str:
        guarded = [c for c in cols if c not in not_null]
        return "COUNT(*)" if not guarded else f"COUNT({' + '.join(_num(d, c) for c in guarded)})"

    def total(expr: str, *guards: str) -> str:
        extra = "".join(f" + 0 * {_num(d, g)}" for g in guards if g not in not_null)
        return f"SUM({expr}{extra})"

    for i, outcome in enumerate(schema.outcomes):
        cols = cell_columns(schema=schema, index=i)
        y = _num(d, outcome)
        items += [(cols.n, count(outcome)), (cols.sy, total(y)), (cols.syy, total(f"{y} * {y}"))]
        if schema.covariate:
            cv = schema.covariate
            x = _num(d, cv)
            items += [
                (cols.nc, count(cv, outcome)),
                (cols.cx, total(x, outcome)),
                (cols.cxx, total(f"{x} * {x}", outcome)),
                (cols.cy, total(y, cv)),
                (cols.cyy, total(f"{y} * {y}", cv)),
                (cols.cxy, total(f"{x} * {y}")),
            ]
        if schema.cost:
            c = _num(d, schema.cost)
            items += [
                (cols.ncost, count(schema.cost, outcome)),
                (cols.scost, total(c, outcome)),
                (cols.scost2, total(f"{c} * {c}", outcome)),
            ]
    selected: dict[str, str] = {}
    copies: list[tuple[str, str]] = []
    select: list[str] = []
    for alias, expr in items:
        if expr in selected and not alias.startswith("k"):
            copies.append((alias, selected[expr]))
            continue
        selected.setdefault(expr, alias)
        select.append(f"{expr} AS {alias}")
    sql = (
        "SELECT " + ", ".join(select) + f" FROM {relation} GROUP BY "  # noqa: S608
        + ", ".join(keys)
    )
    return CellsQuery(sql=sql, copies=tuple(copies))


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
