"""Two-group, two-period difference-in-differences with cluster-robust (CR1) errors.

The regression y = b0 + b1 G + b2 P + b3 G P on row-level data, G = 1 for the treated group,
P = 1 after the change; b3 is the difference-in-differences estimate (the treated group's
change minus the comparison group's change). Errors are CR1 cluster-robust
(``seedbed.stats.regression``: Cameron & Miller 2015, factor G/(G-1) (N-1)/(N-k), as
statsmodels' ``cov_type="cluster"``), clustered by unit or by a coarser cluster; t has
G - 2 df when every cluster lies in one group (Seedbed's between-within rule for two
groups of clusters), G - 1 otherwise. Without clusters the errors are classical.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from seedbed.stats.regression import moment_block, moment_blocks_by_cluster, ols_from_moments

WARN_EMPTY_DID_CELL = "empty_did_cell"
"""One of the four group-period cells has no rows, so the difference cannot be formed."""

NAMES = ("intercept", "treated", "post", "treated_x_post")
ERR_LENGTHS = "outcome, treated, post and cluster must have the same length"

ASSUMPTIONS_TWO_BY_TWO: tuple[str, ...] = (
    "Parallel trends: had it not been treated, the treated group's average outcome would "
    "have changed by as much as the comparison group's did.",
    "No anticipation: the treated group did not change its outcome before the change began.",
    "No spillovers: the change did not affect the comparison group.",
    "The groups' make-up did not change between the two periods in ways linked to the outcome.",
    "Clusters are independent of each other and numerous enough for the interval to be "
    "trusted.",
)


@dataclass(frozen=True)
class TwoByTwoResult:
    """The DiD estimate (b3) with its CR1 error, the four cell means, and warnings."""

    att: float
    se: float
    ci: tuple[float, float]
    p: float
    df: float
    means: dict[str, float]  # "treated_pre", "treated_post", "comparison_pre", "comparison_post"
    n: int
    n_clusters: int | None
    cov_type: str
    assumptions: tuple[str, ...]
    warnings: tuple[str, ...]


def did_two_by_two(
    *,
    outcome: Sequence[float] | np.ndarray,
    treated: Sequence[float] | np.ndarray,
    post: Sequence[float] | np.ndarray,
    cluster: Sequence[object] | np.ndarray | None = None,
    alpha: float = 0.05,
) -> TwoByTwoResult:
    """Two-by-two DiD by OLS with CR1 errors clustered on ``cluster`` (classical without).

    ``treated`` and ``post`` are 0/1 per row. Rows with a missing outcome are dropped.
    """
    y = np.asarray(outcome, dtype=float)
    g = np.asarray(treated, dtype=float)
    p = np.asarray(post, dtype=float)
    if not (len(y) == len(g) == len(p)) or (cluster is not None and len(cluster) != len(y)):
        raise ValueError(ERR_LENGTHS)
    keep = np.isfinite(y) & np.isfinite(g) & np.isfinite(p)
    y, g, p = y[keep], (g[keep] != 0).astype(float), (p[keep] != 0).astype(float)
    x = np.column_stack([np.ones_like(y), g, p, g * p])
    means: dict[str, float] = {}
    warnings: list[str] = []
    for name, gv, pv in (("treated_pre", 1, 0), ("treated_post", 1, 1),
                         ("comparison_pre", 0, 0), ("comparison_post", 0, 1)):
        sel = (g == gv) & (p == pv)
        means[name] = float(y[sel].mean()) if sel.any() else math.nan
        if not sel.any():
            warnings.append(WARN_EMPTY_DID_CELL)
    if cluster is None:
        res = ols_from_moments(blocks=[moment_block(x=x, y=y)], names=NAMES, alpha=alpha)
    else:
        labels = np.asarray(cluster, dtype=object)[keep].astype(str)
        blocks = moment_blocks_by_cluster(x=x, y=y, clusters=labels)
        order = list(dict.fromkeys(labels.tolist()))
        arm_of: dict[str, set[float]] = {}
        for lab, gv in zip(labels.tolist(), g.tolist(), strict=True):
            arm_of.setdefault(lab, set()).add(gv)
        arms = (["treated" if 1.0 in arm_of[k] else "comparison" for k in order]
                if all(len(v) == 1 for v in arm_of.values()) else None)
        res = ols_from_moments(blocks=blocks, names=NAMES, cov_type="CR1", alpha=alpha,
                               cluster_arms=arms)
    return TwoByTwoResult(
        att=res.coef[3], se=res.se[3], ci=res.ci[3], p=res.p[3], df=res.df, means=means,
        n=res.n, n_clusters=res.n_clusters, cov_type=res.cov_type,
        assumptions=ASSUMPTIONS_TWO_BY_TWO,
        warnings=tuple(dict.fromkeys(warnings + list(res.warnings))),
    )
