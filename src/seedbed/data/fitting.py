"""Fitting one model to cells: design rows, folding into clusters, OLS, arm estimates.

Clustered models use CR1 inference (t on G - A df for cluster-parallel trials, A arms;
G - 1 for stepped-wedge trials, whose clusters cross over): through ``seedbed.stats.regression.ols_from_moments`` with
one moment block per cluster, or, above ``seedbed.data.moments.MAX_OBJECT_BLOCKS`` clusters,
through ``seedbed.data.cellols`` (the same estimator evaluated from the cells). Unclustered
models use classical OLS on the summed moments.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from seedbed.data import moments
from seedbed.data.cellols import CellSums, ols_cr1_cells, ols_cr1_pushed
from seedbed.data.cells import Cells
from seedbed.data.design import Design
from seedbed.data.modelfit import COV_CLASSICAL, COV_CR1, ModelFit
from seedbed.data.moments import cell_moments, fold, ols
from seedbed.data.results import Estimate
from seedbed.data.schema import TrialSchema
from seedbed.data.sql import cell_columns


@dataclass(frozen=True)
class ArmCoding:
    """Arm labels, their display order, the control and the treatment codes."""

    labels: list[str]
    order: list[int]
    control: int
    treatments: list[int]


def cluster_starts(cells: Cells, schema: TrialSchema) -> np.ndarray:
    """Indices where each cluster's run of (cluster-sorted) cells begins (none when the
    clusters stayed in the engine)."""
    codes = cells.keys[schema.cluster].codes if schema.cluster and cells.pushed is None \
        else np.zeros(0)
    if len(codes) == 0:
        return np.zeros(0, dtype=np.int64)
    # rows without a cluster label cannot be grouped: each such cell is its own block
    return np.flatnonzero(np.r_[True, (codes[1:] != codes[:-1]) | (codes[1:] < 0)])


def fit(
    *, cells: Cells, schema: TrialSchema, design: Design, stat: dict[str, str], alpha: float,
) -> ModelFit:
    """OLS of one model on the cells; ``stat`` names the cell columns (n, sy, syy, sx...)."""
    s = cells.stats
    if schema.cluster and cells.pushed is not None:
        pushed = cells.pushed
        sums = CellSums(
            design=design.rows, n=s[stat["n"]], sy=s[stat["sy"]], syy=s[stat["syy"]],
            x_col=design.x_col, sx=s.get(stat.get("sx", "")),
            sxx=s.get(stat.get("sxx", "")), sxy=s.get(stat.get("sxy", "")),
        )
        return ols_cr1_pushed(
            cells=sums, names=design.names, alpha=alpha,
            meat=lambda coef: pushed.meat(stat, design.rows, design.x_col, coef))
    if schema.cluster:
        starts = cluster_starts(cells, schema)
        if len(starts) > moments.MAX_OBJECT_BLOCKS:
            sums = CellSums(
                design=design.rows, n=s[stat["n"]], sy=s[stat["sy"]], syy=s[stat["syy"]],
                x_col=design.x_col, sx=s.get(stat.get("sx", "")),
                sxx=s.get(stat.get("sxx", "")), sxy=s.get(stat.get("sxy", "")),
            )
            return ols_cr1_cells(cells=sums, starts=starts, names=design.names, alpha=alpha,
                                 cluster_arms=None if schema.period
                                 else cells.keys[schema.arm].codes[starts])
    mom = cell_moments(
        design=design.rows, n=s[stat["n"]], sy=s[stat["sy"]], syy=s[stat["syy"]],
        x_col=design.x_col, sx=s.get(stat.get("sx", "")), sxx=s.get(stat.get("sxx", "")),
        sxy=s.get(stat.get("sxy", "")),
    )
    cov_type = COV_CR1 if schema.cluster else COV_CLASSICAL
    cluster_arms = None
    if schema.cluster:
        starts = cluster_starts(cells, schema)
        mom = fold(mom, starts)
        # stepped wedge: clusters cross over, so they have no arm (CR1 then has G - 1 df)
        cluster_arms = None if schema.period else cells.keys[schema.arm].codes[starts]
        keep = mom.n > 0
        if not keep.all():
            mom = type(mom)(n=mom.n[keep], xtx=mom.xtx[keep], xty=mom.xty[keep],
                            yty=mom.yty[keep])
            cluster_arms = None if cluster_arms is None else cluster_arms[keep]
    return ols(moments=mom, names=design.names, cov_type=cov_type, alpha=alpha,
               cluster_arms=cluster_arms)


def estimates(result: ModelFit, design: Design, arms: ArmCoding, method: str,
               arm_n: np.ndarray | None = None) -> tuple[Estimate, ...]:
    """The arm coefficients; NaN for an arm (or a control) without observations."""
    out = []
    nan = math.nan
    for t, col in zip(arms.treatments, design.arm_cols, strict=True):
        empty = arm_n is not None and (arm_n[t] == 0 or arm_n[arms.control] == 0)
        out.append(Estimate(
            arm=arms.labels[t], effect=nan if empty else result.coef[col],
            se=nan if empty else result.se[col], ci=(nan, nan) if empty else result.ci[col],
            p=nan if empty else result.p[col], df=result.df, n=result.n,
            n_clusters=result.n_clusters, cov_type=result.cov_type, method=method,
        ))
    return tuple(out)


def arm_n(cells: Cells, schema: TrialSchema, arms: ArmCoding, n_column: str) -> np.ndarray:
    codes = cells.keys[schema.arm].codes
    ok = codes >= 0
    return np.bincount(codes[ok], weights=cells.stats[n_column][ok], minlength=len(arms.labels))


def stat_names(schema: TrialSchema, index: int, adjusted: bool) -> dict[str, str]:
    c = cell_columns(schema=schema, index=index)
    if adjusted and schema.covariate:
        return {"n": c.nc, "sy": c.cy, "syy": c.cyy, "sx": c.cx, "sxx": c.cxx, "sxy": c.cxy}
    return {"n": c.n, "sy": c.sy, "syy": c.syy}
