"""The registered analysis of a stepped-wedge trial from its outcome data (framework-free).

Each row is one observation: its cluster, its period, whether the cluster was under the
intervention in that period (``treated`` 0/1) and the outcome. The statistics engine has no
mixed-model analysis for stepped-wedge designs, so the effect is estimated by the mean
model of Hussey & Hughes (Contemp Clin Trials 2007;28:182-191) fitted by ordinary least
squares, with cluster-robust errors instead of a random cluster effect:

    y_ijt = b0 + theta * treated_it + sum_{t>0} gamma_t [period = t] + e_ijt

theta is the effect of the intervention (intervention periods against control periods,
adjusted for secular trend through the period fixed effects). Standard errors are CR1
cluster-robust by cluster, with t on G - 1 degrees of freedom, computed from per-cluster
moments by ``seedbed.stats.regression.ols_from_moments`` (the same figures as statsmodels'
``OLS(...).fit(cov_type="cluster", use_t=True)``). With fewer than about 20 clusters CR1
errors may be anti-conservative; the engine's warnings are passed on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from seedbed.stats.regression import COV_CR1, moment_blocks_by_cluster, ols_from_moments

METHOD = (
    "Stepped-wedge analysis: linear regression of the outcome on the intervention indicator "
    "with a fixed effect for each period (the Hussey and Hughes mean model), with CR1 "
    "cluster-robust standard errors by cluster and t on G - 1 degrees of freedom. The "
    "statistics engine has no mixed-model analysis for stepped-wedge designs, so this "
    "cluster-robust regression through its regression module is used instead."
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
    """theta, its CR1 standard error, (1 - alpha) interval and p (see the module docstring).

    Periods are categorical (ordered numerically when they are numbers); the first period
    is the reference. Rows must have no missing values (validated at upload).
    """
    y = np.asarray(outcome, dtype=float)
    t = np.asarray(treated, dtype=float)
    labels = [str(p) for p in periods]
    order = _period_order(set(labels))
    index = {label: i for i, label in enumerate(order)}
    codes = np.array([index[label] for label in labels], dtype=int)
    x = np.zeros((len(y), 2 + max(len(order) - 1, 0)))
    x[:, 0] = 1.0
    x[:, 1] = t
    for j in range(1, len(order)):
        x[:, 1 + j] = codes == j
    names = ["intercept", "treated", *[f"period {p}" for p in order[1:]]]
    blocks = moment_blocks_by_cluster(x=x, y=y, clusters=list(clusters))
    fit = ols_from_moments(blocks=blocks, names=names, cov_type=COV_CR1, alpha=alpha)
    warnings = list(fit.warnings)
    if len(blocks) < MIN_CLUSTERS:
        warnings.append(WARN_FEW_CLUSTERS)
    if t.size == 0 or t.min() == t.max():
        warnings.append(WARN_NO_CONTRAST)
    return SteppedWedgeEstimate(
        outcome=outcome_name, effect=fit.coef[1], se=fit.se[1], ci=fit.ci[1], p=fit.p[1],
        df=fit.df, n=fit.n, n_clusters=len(blocks), n_periods=len(order),
        period_effects=tuple((p, fit.coef[1 + j]) for j, p in enumerate(order[1:], start=1)),
        method=METHOD, warnings=tuple(dict.fromkeys(warnings)),
    )
