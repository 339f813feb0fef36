"""Cluster-robust sums computed where the data live, for trials with very many clusters.

With hundreds of thousands of clusters, fetching one cell per cluster and summing the CR1
scores in Python costs more than the scan itself. Here the cells stay in the engine, in a
temporary table T (one row per arm x cluster, the cell query of ``seedbed.data.sql``), and
only a few numbers leave it, in three small queries over T:

1. per-arm totals of every cell statistic, the number of cells per arm and how many of them
   have a cluster label; and the number of cells in excess of one per cluster (non-zero when
   a cluster is in two arms, or has rows without an arm). The totals give X'X and X'y, hence
   b, in Python.
2. for each model, with the fitted value f_a = d_a'b of arm a and b_x the covariate's
   coefficient, each cluster's score is s_g = d_a u_g + e v_g (Cameron & Miller, J Human
   Resources 2015;50:317-372; see ``seedbed.data.cellols``) with

       u_g = Sy - n f_a - Sx b_x,        v_g = Sxy - Sx f_a - Sxx b_x,

   so  meat = sum_g s_g s_g' = sum_a [d_a d_a' U_a + (d_a e' + e d_a') W_a + e e' V_a]
   where U_a, W_a, V_a are the sums of u^2, u v and v^2 over arm a's clusters. The engine
   returns U_a, W_a, V_a and the number of clusters with observations per arm.

The residual-like u and v are formed per cluster before any squaring (the two-pass route),
so nothing cancels as an expansion of the squares into raw moment sums would with an
uncentred covariate; the result equals the Python path's up to the order of summation.

This route is taken only when every cluster sits in one arm, has a label, and the design has
no strata or subgroups (so design rows depend on the arm alone), and when there are more
than ``MIN_PUSHED_CELLS`` cells; otherwise the cells are fetched from T and analysed in
Python as before (and the usual row- and column-level errors are raised from there).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from seedbed.data.cells import Cells, PushedClusters, cells_from_columns
from seedbed.data.engines import Encoded, Engine, ProgressCallback
from seedbed.data.moments import MAX_OBJECT_BLOCKS
from seedbed.data.schema import TrialSchema
from seedbed.data.sql import CellsQuery, Dialect, cell_columns, cells_query, key_alias

MIN_PUSHED_CELLS = MAX_OBJECT_BLOCKS
"""Above this many cells the CR1 sums are computed in the engine."""

CELLS_TABLE = "seedbed_cells"


def pushdown_applies(*, engine: Engine, schema: TrialSchema) -> bool:
    """Whether the design allows the in-engine CR1 sums and the engine can keep a table."""
    return (bool(schema.cluster) and not schema.strata and not schema.subgroups
            and schema.cluster != schema.arm and hasattr(engine, "materialise"))


def _stat_aliases(schema: TrialSchema, query: CellsQuery) -> list[str]:
    """The statistic columns the cell query actually selects."""
    names = ["n_rows", "n_arm_missing"]
    for i in range(len(schema.outcomes)):
        names += [v for v in vars(cell_columns(schema=schema, index=i)).values() if v]
    copied = dict(query.copies)
    return [n for n in dict.fromkeys(names) if n not in copied]


def totals_query(*, table: str, stats: list[str], arm: str, cluster: str) -> str:
    """Per-arm totals of the cell statistics, with cells and labelled cells per arm."""
    sums = ", ".join(f"SUM({s}) AS {s}" for s in stats)
    return (f"SELECT {arm} AS k0, COUNT(*) AS n_cells, COUNT({cluster}) AS n_labelled, "  # noqa: S608
            f"{sums} FROM {table} GROUP BY {arm}")


def split_clusters_query(*, table: str, cluster: str) -> str:
    """Cells in excess of one per cluster (0 when no cluster has two cells; a cell without a
    cluster label counts as excess, and such cells send the analysis to the Python path)."""
    return f"SELECT COUNT(*) - COUNT(DISTINCT {cluster}) AS n FROM {table}"  # noqa: S608


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(int(value))


def _double(d: Dialect, value: float) -> str:
    return f"CAST({value!r} AS {d.double_type})"


def scores_query(
    *, table: str, dialect: Dialect, arm: str, labels: list[Any], fitted: list[float],
    stat: dict[str, str], bx: float | None,
) -> str:
    """Per arm: sums of u^2, u v, v^2 over its clusters and the clusters with n > 0."""
    d = dialect

    def col(key: str) -> str:
        return f"COALESCE({stat[key]}, 0)"

    f = "CASE " + " ".join(f"WHEN {arm} = {_literal(lab)} THEN {_double(d, fv)}"
                           for lab, fv in zip(labels, fitted, strict=True)) + " END"
    u = f"{col('sy')} - {col('n')} * f"
    v = "0"
    if bx is not None:
        b = _double(d, bx)
        u += f" - {col('sx')} * {b}"
        v = f"{col('sxy')} - {col('sx')} * f - {col('sxx')} * {b}"
    inner = (f"SELECT {arm} AS a, {u} AS u, {v} AS v, {col('n')} AS n FROM "  # noqa: S608
             f"(SELECT *, {f} AS f FROM {table}) AS c")
    return ("SELECT a AS k0, SUM(u * u) AS uu, SUM(u * v) AS uv, SUM(v * v) AS vv, "  # noqa: S608
            f"SUM(CASE WHEN n > 0 THEN 1 ELSE 0 END) AS g FROM ({inner}) AS s GROUP BY a")


def _value(v: Any) -> Any:
    for method in ("as_py", "item"):
        if hasattr(v, method):
            return getattr(v, method)()
    return v


def fetch_pushed(
    *, engine: Any, schema: TrialSchema, progress: ProgressCallback | None = None
) -> Cells:
    """Per-arm cells whose CR1 sums are computed in ``engine`` (see the module docstring), or
    all the cells, fetched from the engine's temporary table, when the route does not apply."""
    query = cells_query(schema=schema, relation=engine.relation, dialect=engine.dialect,
                        not_null=getattr(engine, "not_null", frozenset()))
    table = engine.materialise(query.sql, name=CELLS_TABLE, progress=progress)
    keys = schema.key_columns
    arm = key_alias(keys.index(schema.arm))
    cluster = key_alias(keys.index(str(schema.cluster)))
    stats = _stat_aliases(schema, query)
    columns = engine.fetch(totals_query(table=table, stats=stats, arm=arm, cluster=cluster))
    n_cells = np.asarray(columns.pop("n_cells"), dtype=float)
    labelled = np.asarray(columns.pop("n_labelled"), dtype=float)
    split = int(_value(engine.fetch(split_clusters_query(table=table, cluster=cluster))["n"][0]))
    arm_only = TrialSchema(arm=schema.arm, outcomes=schema.outcomes,
                           covariate=schema.covariate, cost=schema.cost)
    for alias, source in query.copies:
        columns[alias] = columns[source]
    cells = cells_from_columns(columns=columns, schema=arm_only)
    level_values = [_value(v) for v in cells.keys[schema.arm].levels]
    if (n_cells.sum() <= MIN_PUSHED_CELLS or split or (labelled < n_cells).any()
            or not all(isinstance(v, str | int) and not isinstance(v, bool)
                       for v in level_values)):
        every = engine.fetch(f"SELECT * FROM {table}", progress=None)  # noqa: S608
        for alias, source in query.copies:
            every[alias] = every[source]
        return cells_from_columns(columns=every, schema=schema)
    copied = dict(query.copies)
    per_arm = np.zeros(len(level_values))
    by_label = {v: float(c) for v, c in zip(
        [_value(v) for v in _labels(columns["k0"])], n_cells, strict=True)}
    per_arm[:] = [by_label[v] for v in level_values]

    def meat(stat: dict[str, str], design: np.ndarray, x_col: int | None,
             coef: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = len(coef)
        fitted = design @ coef
        bx = float(coef[x_col]) if x_col is not None else None
        stored = {key: copied.get(name, name) for key, name in stat.items()}
        sql = scores_query(table=table, dialect=engine.dialect, arm=arm, labels=level_values,
                           fitted=[float(v) for v in fitted], stat=stored, bx=bx)
        out = engine.fetch(sql)
        rows = {_value(v): i for i, v in enumerate(_labels(out["k0"]))}
        e = np.zeros(k)
        if x_col is not None:
            e[x_col] = 1.0
        total = np.zeros((k, k))
        clusters = np.zeros(len(level_values))
        for a, label in enumerate(level_values):
            if label not in rows:
                continue
            i = rows[label]
            uu, uv, vv, g = (float(_value(out[c][i]) or 0.0) for c in ("uu", "uv", "vv", "g"))
            dr = design[a]
            total += uu * np.outer(dr, dr) + uv * (np.outer(dr, e) + np.outer(e, dr)) \
                + vv * np.outer(e, e)
            clusters[a] = g
        return total, clusters

    return Cells(keys=cells.keys, stats=cells.stats,
                 pushed=PushedClusters(clusters_per_arm=per_arm, meat=meat))


def _labels(values: Any) -> list[Any]:
    """The key values of a small result column, in row order."""
    if isinstance(values, Encoded):
        levels = values.levels.to_pylist()
        return [levels[c] if c >= 0 else None for c in values.codes]
    return list(values)

