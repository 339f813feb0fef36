"""Cluster-aware inference for cluster-randomised trials from per-cluster summaries.

Two analyses, both from each cluster's n, sum and sum of squares:

- Cluster-level analysis (Hayes & Moulton, *Cluster Randomised Trials*, 2nd ed. 2017,
  section 9.2): a two-sample t-test with pooled variance on the cluster means, each cluster
  weighted equally, df = G_c + G_t - 2. Valid with few clusters when cluster sizes are
  similar.
- Individual-level regression y = b0 + b1 arm with CR1 cluster-robust errors
  (``seedbed.stats.regression``, factor G/(G-1) (N-1)/(N-k)), referred to t with the
  small-sample "between-within" df = G - 2 (Li & Redden, Stat Med 2015;34:281-296), which
  keeps the type I error near nominal when there are few clusters. G - 2 (G - number of
  arms) is the one df rule for every cluster-parallel comparison in Seedbed: here, in the
  regression engine's CR1 with arms, in the data engine, and in the mixed model
  (``seedbed.stats.mixed``, between-within df).

Both warn when any arm has fewer than 20 clusters (CR1 errors are then anti-conservative,
Cameron & Miller 2015) and give NaN, not an error, with a single cluster per arm.
The intracluster correlation is estimated by one-way ANOVA (Donner & Koval, Biometrics
1980;36:19-25): ICC = (MSB - MSW) / (MSB + (m0 - 1) MSW), m0 = (N - sum n_i^2 / N) / (G - 1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from seedbed.stats.compare import finish
from seedbed.stats.regression import (
    WARN_FEW_CLUSTERS_PER_ARM,
    WARN_ONE_CLUSTER_PER_ARM,
    MomentBlock,
    ols_from_moments,
)
from seedbed.stats.summaries import Comparison, MeanSummary

__all__ = ["WARN_ONE_CLUSTER_PER_ARM", "compare_clusters", "icc_anova"]
WARN_EMPTY_CLUSTER = "empty_cluster"
"""A cluster with no observations was ignored."""

MIN_CLUSTERS_PER_ARM = 20
METHOD_CLUSTER_LEVEL = "cluster-level"
METHOD_CR1 = "CR1"


def _clean(clusters: Sequence[MeanSummary], warnings: list[str]) -> list[MeanSummary]:
    kept = [c for c in clusters if c.n > 0]
    if len(kept) < len(clusters):
        warnings.append(WARN_EMPTY_CLUSTER)
    return kept


def compare_clusters(
    *,
    control: Sequence[MeanSummary],
    treatment: Sequence[MeanSummary],
    method: str = METHOD_CLUSTER_LEVEL,
    alpha: float = 0.05,
) -> Comparison:
    """Difference in means for a cluster-randomised trial; one MeanSummary per cluster."""
    if method not in (METHOD_CLUSTER_LEVEL, METHOD_CR1):
        raise ValueError(f"method must be '{METHOD_CLUSTER_LEVEL}' or '{METHOD_CR1}'")
    warnings: list[str] = []
    c = _clean(control, warnings)
    t = _clean(treatment, warnings)
    gc, gt = len(c), len(t)
    if min(gc, gt) < MIN_CLUSTERS_PER_ARM:
        warnings.append(WARN_FEW_CLUSTERS_PER_ARM)
    if min(gc, gt) < 2:
        warnings.append(WARN_ONE_CLUSTER_PER_ARM)
    if method == METHOD_CLUSTER_LEVEL:
        return _cluster_level(c, t, alpha, warnings)
    return _cr1(c, t, alpha, warnings)


def _cluster_level(
    c: list[MeanSummary], t: list[MeanSummary], alpha: float, warnings: list[str]
) -> Comparison:
    mc = [x.mean for x in c]
    mt = [x.mean for x in t]
    gc, gt = len(mc), len(mt)
    avg_c = sum(mc) / gc if gc else math.nan
    avg_t = sum(mt) / gt if gt else math.nan
    df = gc + gt - 2
    if gc == 0 or gt == 0 or df <= 0:
        return finish(
            effect=avg_t - avg_c,
            se=math.nan,
            df=None,
            alpha=alpha,
            method="cluster-level t",
            control=avg_c,
            treatment=avg_t,
            warnings=warnings,
        )
    ss = sum((m - avg_c) ** 2 for m in mc) + sum((m - avg_t) ** 2 for m in mt)
    se = math.sqrt(ss / df * (1.0 / gc + 1.0 / gt))
    return finish(
        effect=avg_t - avg_c,
        se=se,
        df=float(df),
        alpha=alpha,
        method="cluster-level t",
        control=avg_c,
        treatment=avg_t,
        warnings=warnings,
    )


def _cr1(
    c: list[MeanSummary], t: list[MeanSummary], alpha: float, warnings: list[str]
) -> Comparison:
    blocks = []
    for arm, d in ((c, 0.0), (t, 1.0)):
        for x in arm:
            n = float(x.n)
            blocks.append(
                MomentBlock(x.n, ((n, d * n), (d * n, d * n)), (x.sum, d * x.sum), x.sum_squares)
            )
    nc, nt = sum(x.n for x in c), sum(x.n for x in t)
    mc = sum(x.sum for x in c) / nc if nc else math.nan
    mt = sum(x.sum for x in t) / nt if nt else math.nan
    if not c or not t:
        return finish(
            effect=mt - mc,
            se=math.nan,
            df=None,
            alpha=alpha,
            method="CR1",
            control=mc,
            treatment=mt,
            warnings=warnings,
        )
    res = ols_from_moments(blocks=blocks, names=["intercept", "treatment"], cov_type="CR1")
    df = len(blocks) - 2
    return finish(
        effect=res.coef[1],
        se=res.se[1],
        df=float(df) if df > 0 else math.nan,
        alpha=alpha,
        method="CR1 with between-within df",
        control=mc,
        treatment=mt,
        warnings=warnings + list(res.warnings),
    )


def icc_anova(*, clusters: Sequence[MeanSummary]) -> float:
    """One-way ANOVA estimate of the intracluster correlation (formula in module docstring).

    Returns NaN with fewer than 2 clusters or no within-cluster df; may be negative (by
    design of the estimator; truncate at 0 for planning).
    """
    cl = [c for c in clusters if c.n > 0]
    g = len(cl)
    n = sum(c.n for c in cl)
    if g < 2 or n - g <= 0:
        return math.nan
    grand = sum(c.sum for c in cl) / n
    ssb = sum(c.n * (c.mean - grand) ** 2 for c in cl)
    ssw = sum(c.sum_squares - c.sum * c.sum / c.n for c in cl)
    msb = ssb / (g - 1)
    msw = ssw / (n - g)
    m0 = (n - sum(c.n**2 for c in cl) / n) / (g - 1)
    denom = msb + (m0 - 1.0) * msw
    return (msb - msw) / denom if denom else math.nan
