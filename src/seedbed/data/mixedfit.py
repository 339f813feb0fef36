"""Mixed-model estimates of cluster-parallel and stepped-wedge trials, from the cells.

The analysis a cluster or stepped-wedge trial is planned under is a linear mixed model with
a random cluster intercept (``seedbed.stats.mixed``; for stepped-wedge trials with period
fixed effects, Hussey & Hughes 2007). Its REML likelihood needs, per cluster, only the
moments of its cells (count, sum, sum of squares, with design rows constant in a cell), so
the cells the engine already returns are enough: nothing at row level leaves the database.

- Cluster-parallel (``cluster`` without ``period``): y ~ arm + (1 | cluster), t on the
  between-within df G - A (A arms; G - 2 for two arms), the same df rule as the CR1 and
  cluster-level analyses. An arm with one cluster gives NaN and ``one_cluster_per_arm``.
- Stepped-wedge (``cluster`` and ``period``): y ~ arm + period + (1 | cluster), with
  Satterthwaite df (the treatment varies within clusters).

When the clusters stayed in the engine (``seedbed.data.pushdown``, above 20,000 cells) the
mixed model is not fitted (``WARN_MIXED_NOT_FITTED``); the CR1 estimates stand, and with
that many clusters they are valid on their own.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from seedbed.data.cells import Cells
from seedbed.data.design import build_design
from seedbed.data.fitting import ArmCoding, stat_names
from seedbed.data.modelfit import WARN_ONE_CLUSTER_PER_ARM
from seedbed.data.results import Estimate
from seedbed.data.schema import TrialSchema
from seedbed.stats.mixed import (
    DF_BETWEEN_WITHIN,
    DF_SATTERTHWAITE,
    fit_random_intercept,
    moments_from_cells,
)

COV_MIXED = "mixed (REML)"
METHOD_MIXED_PARALLEL = ("linear mixed model: arm fixed effects, random cluster intercept, "
                         "REML, between-within df (clusters - arms)")
METHOD_MIXED_STEPPED = ("linear mixed model: intervention and period fixed effects, random "
                        "cluster intercept (Hussey & Hughes), REML, Satterthwaite df")
WARN_MIXED_NOT_FITTED = "mixed_model_not_fitted_clusters_in_engine"
"""The clusters stayed in the engine (very many clusters): only CR1 estimates are given."""


def clusters_per_arm(cells: Cells, schema: TrialSchema, n_arms: int) -> np.ndarray | None:
    """Distinct labelled clusters with rows in each arm (by arm code); None without clusters."""
    if not schema.cluster:
        return None
    if cells.pushed is not None:
        return np.asarray(cells.pushed.clusters_per_arm, dtype=float)
    cl = cells.keys[schema.cluster].codes
    arm = cells.keys[schema.arm].codes
    ok = (cl >= 0) & (arm >= 0) & (cells.stats["n_rows"] > 0)
    pairs = np.unique(cl[ok] * max(n_arms, 1) + arm[ok])
    return np.bincount(pairs % max(n_arms, 1), minlength=n_arms).astype(float)


def without_inference(est: Estimate) -> Estimate:
    """The estimate with its uncertainty (and so p) removed: NaN, never false certainty."""
    nan = math.nan
    return dataclasses.replace(est, se=nan, ci=(nan, nan), p=nan, df=nan)


def guard_one_cluster(estimates: tuple[Estimate, ...], per_arm: np.ndarray | None,
                      arms: ArmCoding, schema: TrialSchema,
                      warnings: list[str]) -> tuple[Estimate, ...]:
    """In a cluster-parallel trial an arm (or a control) with a single cluster has no
    between-cluster variance to estimate: NaN inference and ``one_cluster_per_arm``."""
    if per_arm is None or schema.period:
        return estimates
    out = []
    for t, est in zip(arms.treatments, estimates, strict=True):
        if min(per_arm[t], per_arm[arms.control]) < 2:
            warnings.append(WARN_ONE_CLUSTER_PER_ARM)
            est = without_inference(est)
        out.append(est)
    return tuple(out)


def mixed_estimates(
    *, cells: Cells, schema: TrialSchema, arms: ArmCoding, index: int, alpha: float,
    warnings: list[str],
) -> tuple[Estimate, ...]:
    """Each treatment arm against control from the mixed model (module docstring)."""
    if not schema.cluster:
        return ()
    if cells.pushed is not None:
        warnings.append(WARN_MIXED_NOT_FITTED)
        return ()
    labelled = cells.take(cells.keys[schema.cluster].codes >= 0)
    if labelled.size == 0:
        return ()
    stat = stat_names(schema, index, False)
    design = build_design(cells=labelled, arm=schema.arm, treatment_codes=arms.treatments,
                          arm_labels=arms.labels,
                          strata=(schema.period,) if schema.period else ())
    codes = labelled.keys[schema.cluster].codes
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    s = labelled.stats
    moments = moments_from_cells(design=design.rows, n=s[stat["n"]], sy=s[stat["sy"]],
                                 syy=s[stat["syy"]], starts=starts)
    stepped = bool(schema.period)
    fit = fit_random_intercept(moments=moments, names=design.names,
                               df_method=DF_SATTERTHWAITE if stepped else DF_BETWEEN_WITHIN,
                               alpha=alpha)
    warnings.extend(fit.warnings)
    method = METHOD_MIXED_STEPPED if stepped else METHOD_MIXED_PARALLEL
    out = tuple(
        Estimate(arm=arms.labels[t], effect=fit.coef[col], se=fit.se[col], ci=fit.ci[col],
                 p=fit.p[col], df=fit.df[col], n=fit.n, n_clusters=fit.n_clusters,
                 cov_type=COV_MIXED, method=method)
        for t, col in zip(arms.treatments, design.arm_cols, strict=True)
    )
    per_arm = clusters_per_arm(labelled, schema, len(arms.labels))
    return guard_one_cluster(out, per_arm, arms, schema, warnings)
