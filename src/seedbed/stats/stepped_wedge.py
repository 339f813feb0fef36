"""The registered analysis of a stepped-wedge trial from its outcome data (framework-free).

Each row is one observation: its cluster, its period, whether the cluster was under the
intervention in that period (``treated`` 0/1) and the outcome. The effect is estimated with
the model the design was planned under (Hussey & Hughes, Contemp Clin Trials
2007;28:182-191), a linear mixed model with a random cluster intercept:

    y_ijt = b0 + theta * treated_it + sum_{t>0} gamma_t [period = t] + u_i + e_ijt,
    u_i ~ N(0, tau2),  e_ijt ~ N(0, sigma2)

fitted by REML from the cluster x period cell counts, sums and sums of squares
(``seedbed.stats.mixed``), with Satterthwaite degrees of freedom for the intervention effect
(suited to few clusters; formula and sources in ``seedbed.stats.mixed``). theta compares
intervention with control periods, adjusted for secular trend through the period effects.
Degenerate data (one cluster, no treated/untreated contrast, no variance) give NaN with a
warning code, never a small p-value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from seedbed.stats.mixed import DF_SATTERTHWAITE, fit_random_intercept, moments_from_cells

METHOD = (
    "Stepped-wedge analysis: linear mixed model of the outcome on the intervention indicator "
    "with a fixed effect for each period and a random intercept for each cluster (the "
    "Hussey and Hughes model the trial was planned with), fitted by restricted maximum "
    "likelihood, with Satterthwaite degrees of freedom for the intervention effect."
)
WARN_FEW_CLUSTERS = "fewer_than_20_clusters"
WARN_NO_CONTRAST = "no_treated_and_untreated_periods"
MIN_CLUSTERS = 20


@dataclass(frozen=True)
class SteppedWedgeEstimate:
    """The intervention effect of a stepped-wedge trial, adjusted for period."""

    outcome: str
    effect: float
    se: float
    ci: tuple[float, float]
    p: float
    df: float
    n: int
    n_clusters: int
    n_periods: int
    period_effects: tuple[tuple[str, float], ...]
    method: str
    warnings: tuple[str, ...]
    cluster_variance: float = float("nan")
    residual_variance: float = float("nan")
    icc: float = float("nan")


def _period_order(levels: set[str]) -> list[str]:
    def key(label: str) -> tuple[int, float, str]:
        try:
            return (0, float(label), label)
        except ValueError:
            return (1, 0.0, label)

    return sorted(levels, key=key)


def stepped_wedge_effect(
    *, clusters: Sequence[str], periods: Sequence[str], treated: Sequence[float],
    outcome: Sequence[float], outcome_name: str = "outcome", alpha: float = 0.05,
) -> SteppedWedgeEstimate:
    """theta, its standard error, (1 - alpha) interval and p (see the module docstring).

    Periods are categorical (ordered numerically when they are numbers); the first period
    is the reference. Rows must have no missing values (validated at upload).
    """
    y = np.asarray(outcome, dtype=float)
    t = np.asarray(treated, dtype=float)
    labels = [str(p) for p in periods]
    order = _period_order(set(labels))
    index = {label: i for i, label in enumerate(order)}
    period_codes = np.array([index[label] for label in labels], dtype=np.int64)
    cluster_labels = sorted({str(c) for c in clusters})
    cluster_index = {label: i for i, label in enumerate(cluster_labels)}
    cluster_codes = np.array([cluster_index[str(c)] for c in clusters], dtype=np.int64)
    treated_codes = (t != 0).astype(np.int64)
    # cells: cluster x period x treated, sorted by cluster so each cluster is one run
    key = (cluster_codes * max(len(order), 1) + period_codes) * 2 + treated_codes
    cells, inverse = np.unique(key, return_inverse=True)
    n = np.bincount(inverse, minlength=len(cells)).astype(float)
    sy = np.bincount(inverse, weights=y, minlength=len(cells))
    syy = np.bincount(inverse, weights=y * y, minlength=len(cells))
    cell_treated = (cells % 2).astype(float)
    cell_period = (cells // 2) % max(len(order), 1)
    cell_cluster = (cells // 2) // max(len(order), 1)
    design = np.zeros((len(cells), 2 + max(len(order) - 1, 0)))
    design[:, 0] = 1.0
    design[:, 1] = cell_treated
    for j in range(1, len(order)):
        design[:, 1 + j] = cell_period == j
    names = ["intercept", "treated", *[f"period {p}" for p in order[1:]]]
    starts = np.flatnonzero(np.r_[True, cell_cluster[1:] != cell_cluster[:-1]]) \
        if len(cells) else np.zeros(0, dtype=np.int64)
    moments = moments_from_cells(design=design, n=n, sy=sy, syy=syy, starts=starts)
    fit = fit_random_intercept(moments=moments, names=names, df_method=DF_SATTERTHWAITE,
                               alpha=alpha)
    warnings = list(fit.warnings)
    if len(cluster_labels) < MIN_CLUSTERS:
        warnings.append(WARN_FEW_CLUSTERS)
    if t.size == 0 or t.min() == t.max():
        warnings.append(WARN_NO_CONTRAST)
    return SteppedWedgeEstimate(
        outcome=outcome_name, effect=fit.coef[1], se=fit.se[1], ci=fit.ci[1], p=fit.p[1],
        df=fit.df[1], n=fit.n, n_clusters=len(cluster_labels), n_periods=len(order),
        period_effects=tuple((p, fit.coef[1 + j]) for j, p in enumerate(order[1:], start=1)),
        method=METHOD, warnings=tuple(dict.fromkeys(warnings)),
        cluster_variance=fit.cluster_variance, residual_variance=fit.residual_variance,
        icc=fit.icc,
    )
