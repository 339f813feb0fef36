"""Cluster-robust sums computed where the data live, for trials with very many clusters.

With hundreds of thousands of clusters, fetching one cell per cluster and summing the CR1
scores in Python costs more than the scan itself. Here the cells stay in the engine, in a
temporary table T (one row per arm x cluster, the cell query of ``seedbed.data.sql``), and
only a few numbers leave it, in three small queries over T:

1. per-arm totals of every cell statistic, the number of cells per arm and how many of them
   have a cluster label; and the number of cells in excess of one per cluster (non-zero when
   a cluster is in two arms, or has rows without an arm). The totals give X'X and X'y, hence
   b, in Python.
2. for every model at once (one scan), with the fitted value f_a = d_a'b of arm a and b_x
   the covariate's coefficient, each cluster's score is s_g = d_a u_g + e v_g (Cameron & Miller, J Human
   Resources 2015;50:317-372; see ``seedbed.data.cellols``) with

       u_g = Sy - n f_a - Sx b_x,        v_g = Sxy - Sx f_a - Sxx b_x,

   so  meat = sum_g s_g s_g' = sum_a [d_a d_a' U_a + (d_a e' + e d_a') W_a + e e' V_a]
   where U_a, W_a, V_a are the sums of u^2, u v and v^2 over arm a's clusters. The engine
   returns U_a, W_a, V_a and the number of clusters with observations per arm. The models
   (unadjusted, adjusted, cost; per outcome) are fitted from the per-arm totals beforehand
   (``saturated_fit``: an arm's fitted value does not depend on which arm is the control);
   when a fit of the analysis differs from that by more than 1e-9 relative, its sums are
   fetched again with its own coefficients.

The residual-like u and v are formed per cluster before any squaring (the two-pass route),
so nothing cancels as an expansion of the squares into raw moment sums would with an
uncentred covariate; the result equals the Python path's up to the order of summation.

This route is taken only when every cluster sits in one arm, has a label, and the design has
no strata or subgroups (so design rows depend on the arm alone), and when there are more
than ``MIN_PUSHED_CELLS`` cells; otherwise the cells are fetched from T and analysed in
Python as before (and the usual row- and column-level errors are raised from there).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
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
            and not schema.period and schema.cluster != schema.arm
            and hasattr(engine, "materialise"))


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


@dataclass(frozen=True)
class ScoreModel:
    """One model's statistic columns, fitted value per arm (in ``labels`` order) and b_x."""

    stat: dict[str, str]
    fitted: list[float]
    bx: float | None


def scores_query(
    *, table: str, dialect: Dialect, arm: str, labels: list[Any], models: list[ScoreModel],
) -> str:
    """Per arm and model m: sums of u^2, u v, v^2 over its clusters (uu{m}, uv{m}, vv{m})
    and the clusters with n > 0 (g{m}); one scan of the cell table for every model."""
    d = dialect
    fitted, inner, outer = [], [], []
    for m, model in enumerate(models):
        def col(key: str, stat: dict[str, str] = model.stat) -> str:
            return f"COALESCE({stat[key]}, 0)"

        fitted.append("CASE " + " ".join(
            f"WHEN {arm} = {_literal(lab)} THEN {_double(d, fv)}"
            for lab, fv in zip(labels, model.fitted, strict=True)) + f" END AS f{m}")
        u = f"{col('sy')} - {col('n')} * f{m}"
        v = "0"
        if model.bx is not None:
            b = _double(d, model.bx)
            u += f" - {col('sx')} * {b}"
            v = f"{col('sxy')} - {col('sx')} * f{m} - {col('sxx')} * {b}"
        inner += [f"{u} AS u{m}", f"{v} AS v{m}", f"{col('n')} AS n{m}"]
        outer += [f"SUM(u{m} * u{m}) AS uu{m}", f"SUM(u{m} * v{m}) AS uv{m}",
                  f"SUM(v{m} * v{m}) AS vv{m}", f"SUM(CASE WHEN n{m} > 0 THEN 1 ELSE 0 END) AS g{m}"]
    rows = (f"SELECT {arm} AS a, {', '.join(inner)} FROM "  # noqa: S608
            f"(SELECT *, {', '.join(fitted)} FROM {table}) AS c")
    return f"SELECT a AS k0, {', '.join(outer)} FROM ({rows}) AS s GROUP BY a"  # noqa: S608


def saturated_fit(stats: dict[str, np.ndarray], stat: dict[str, str]) -> ScoreModel | None:
    """Fitted value per arm and b_x of y ~ arm (+ x) from per-arm totals (None if not
    estimable). With an intercept and arm indicators the fitted value of each arm does not
    depend on which arm is the control, so these equal the analysis's own fits (to rounding):
    b_x = sum_a (Sxy - Sx Sy / n) / sum_a (Sxx - Sx^2 / n), f_a = (Sy - b_x Sx) / n."""
    n, sy = stats[stat["n"]], stats[stat["sy"]]
    if not (n > 0).all():
        return None
    bx = None
    if "sx" in stat:
        sx, sxx, sxy = stats[stat["sx"]], stats[stat["sxx"]], stats[stat["sxy"]]
        within = float(np.sum(sxx - sx * sx / n))
        if not within > 0:
            return None
        bx = float(np.sum(sxy - sx * sy / n)) / within
        fitted = (sy - bx * sx) / n
    else:
        fitted = sy / n
    return ScoreModel(stat=stat, fitted=[float(v) for v in fitted], bx=bx)


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

    def stored(stat: dict[str, str]) -> dict[str, str]:
        return {key: copied.get(name, name) for key, name in stat.items()}

    def run(models: list[ScoreModel]) -> list[tuple[np.ndarray, ...]]:
        """Per model: (uu, uv, vv, g) per arm in ``level_values`` order."""
        out = engine.fetch(scores_query(table=table, dialect=engine.dialect, arm=arm,
                                        labels=level_values, models=models))
        rows = {_value(v): i for i, v in enumerate(_labels(out["k0"]))}
        result = []
        for m in range(len(models)):
            sums = np.zeros((4, len(level_values)))
            for a, label in enumerate(level_values):
                if label in rows:
                    sums[:, a] = [float(_value(out[f"{c}{m}"][rows[label]]) or 0.0)
                                  for c in ("uu", "uv", "vv", "g")]
            result.append(tuple(sums))
        return result

    # the analysis's models (per outcome: unadjusted, adjusted, cost), all in one scan
    planned: dict[tuple[tuple[str, str], ...], tuple[ScoreModel, tuple[np.ndarray, ...]]] = {}
    if len(cells.keys[schema.arm].codes) == len(level_values):
        fits = [saturated_fit(cells.stats, stat) for stat in _planned_stats(schema)]
        models = [f for f in fits if f is not None]
        if models:
            for model, sums in zip(models, run([dataclasses.replace(m, stat=stored(m.stat))
                                                for m in models]), strict=True):
                planned[tuple(sorted(model.stat.items()))] = (model, sums)

    def meat(stat: dict[str, str], design: np.ndarray, x_col: int | None,
             coef: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = len(coef)
        fitted = design @ coef
        bx = float(coef[x_col]) if x_col is not None else None
        model = ScoreModel(stat=stat, fitted=[float(v) for v in fitted], bx=bx)
        hit = planned.get(tuple(sorted(stat.items())))
        if hit is not None and _same_fit(hit[0], model):
            uu, uv, vv, g = hit[1]
        else:
            uu, uv, vv, g = run([dataclasses.replace(model, stat=stored(stat))])[0]
        e = np.zeros(k)
        if x_col is not None:
            e[x_col] = 1.0
        total = np.zeros((k, k))
        for a in range(len(level_values)):
            dr = design[a]
            total += uu[a] * np.outer(dr, dr) + uv[a] * (np.outer(dr, e) + np.outer(e, dr)) \
                + vv[a] * np.outer(e, e)
        return total, g

    return Cells(keys=cells.keys, stats=cells.stats,
                 pushed=PushedClusters(clusters_per_arm=per_arm, meat=meat))


def _planned_stats(schema: TrialSchema) -> list[dict[str, str]]:
    """The statistic names of the models ``seedbed.data.analysis`` fits without strata or
    subgroups (as ``seedbed.data.fitting.stat_names`` and the cost model name them)."""
    out = []
    for i in range(len(schema.outcomes)):
        c = cell_columns(schema=schema, index=i)
        out.append({"n": c.n, "sy": c.sy, "syy": c.syy})
        if schema.covariate:
            out.append({"n": c.nc, "sy": c.cy, "syy": c.cyy, "sx": c.cx, "sxx": c.cxx,
                        "sxy": c.cxy})
        if schema.cost:
            out.append({"n": c.ncost, "sy": c.scost, "syy": c.scost2})
    return out


def _same_fit(a: ScoreModel, b: ScoreModel, rel: float = 1e-9) -> bool:
    """Whether two fits agree to ``rel`` (then the meat of one stands for the other's)."""
    if (a.bx is None) != (b.bx is None) or len(a.fitted) != len(b.fitted):
        return False
    pairs = list(zip(a.fitted, b.fitted, strict=True))
    if a.bx is not None and b.bx is not None:
        pairs.append((a.bx, b.bx))
    return all(abs(x - y) <= rel * max(abs(x), abs(y), 1e-300) for x, y in pairs)


def _labels(values: Any) -> list[Any]:
    """The key values of a small result column, in row order."""
    if isinstance(values, Encoded):
        levels = values.levels.to_pylist()
        return [levels[c] if c >= 0 else None for c in values.codes]
    return list(values)

