"""Cost-effectiveness: cost per outcome, ICER with bootstrap interval, net monetary benefit.

Methods (Glick, Doshi, Sonnad & Polsky, *Economic Evaluation in Clinical Trials*, 2nd ed.,
OUP 2014, chapters 7-8; Briggs, Wonderling & Mooney, Health Econ 1997;6:327-340):

    incremental cost    dC = mean cost_t - mean cost_c
    incremental effect  dE = mean outcome_t - mean outcome_c
    ICER                = dC / dE
    net monetary benefit NMB = lambda dE - dC at willingness-to-pay lambda

Uncertainty comes from the non-parametric bootstrap, resampling units with replacement
within each arm (keeping each unit's cost and outcome together). The ICER's percentile
interval is reported only when every replicate's dE has the same sign; otherwise a ratio
interval is not meaningful and the function says so (use NMB and the probability of being
cost-effective, P(NMB > 0), which are always defined). Replicates come from the
reproducible generator of ``seedbed.stats.randomisation.seed_generator``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from seedbed.stats.randomisation import seed_generator

WARN_ICER_UNDEFINED = "icer_interval_undefined"
"""The bootstrap incremental effect changes sign: the ICER interval is not reported."""
WARN_ZERO_EFFECT = "zero_incremental_effect"
"""No difference in outcome: the ICER is undefined."""
WARN_SMALL_ARM = "arm_with_fewer_than_two_units"
"""An arm has fewer than two units: no bootstrap interval."""
WARN_ZERO_OUTCOMES = "no_outcomes"
"""No outcomes achieved: the cost per outcome is undefined."""

CHUNK = 250


@dataclass(frozen=True)
class CostEffectiveness:
    """Incremental analysis of treatment versus control."""

    cost_per_outcome_control: float
    cost_per_outcome_treatment: float
    incremental_cost: float
    incremental_effect: float
    icer: float
    icer_ci: tuple[float, float]
    willingness_to_pay: float
    net_monetary_benefit: float
    nmb_ci: tuple[float, float]
    probability_cost_effective: float
    replicates: int
    warnings: tuple[str, ...] = ()


def cost_per_outcome(*, total_cost: float, outcomes: float) -> float:
    """Total cost divided by the number (or total amount) of outcomes; NaN if none."""
    return total_cost / outcomes if outcomes else math.nan


def _boot_means(
    rng: np.random.Generator, cost: np.ndarray, outcome: np.ndarray, replicates: int
) -> tuple[np.ndarray, np.ndarray]:
    n = cost.size
    mc = np.empty(replicates)
    me = np.empty(replicates)
    for start in range(0, replicates, CHUNK):
        b = min(CHUNK, replicates - start)
        idx = rng.integers(0, n, size=(b, n))
        mc[start : start + b] = cost[idx].mean(axis=1)
        me[start : start + b] = outcome[idx].mean(axis=1)
    return mc, me


def cost_effectiveness(
    *,
    control_costs: np.ndarray,
    control_outcomes: np.ndarray,
    treatment_costs: np.ndarray,
    treatment_outcomes: np.ndarray,
    willingness_to_pay: float,
    replicates: int = 2000,
    alpha: float = 0.05,
    seed: str = "seedbed-cost-effectiveness",
) -> CostEffectiveness:
    """Unit-level costs and outcomes per arm to ICER, NMB and bootstrap intervals."""
    cc, ce = np.asarray(control_costs, float), np.asarray(control_outcomes, float)
    tc, te = np.asarray(treatment_costs, float), np.asarray(treatment_outcomes, float)
    if cc.shape != ce.shape or tc.shape != te.shape:
        raise ValueError("give one cost and one outcome per unit in each arm")
    warnings: list[str] = []
    nan = math.nan
    d_cost = float(tc.mean() - cc.mean()) if cc.size and tc.size else nan
    d_eff = float(te.mean() - ce.mean()) if ce.size and te.size else nan
    cpo_c = cost_per_outcome(total_cost=float(cc.sum()), outcomes=float(ce.sum()))
    cpo_t = cost_per_outcome(total_cost=float(tc.sum()), outcomes=float(te.sum()))
    if math.isnan(cpo_c) or math.isnan(cpo_t):
        warnings.append(WARN_ZERO_OUTCOMES)
    icer = d_cost / d_eff if d_eff else nan
    if d_eff == 0:
        warnings.append(WARN_ZERO_EFFECT)
    nmb = willingness_to_pay * d_eff - d_cost
    if min(cc.size, tc.size) < 2:
        warnings.append(WARN_SMALL_ARM)
        return CostEffectiveness(
            cpo_c,
            cpo_t,
            d_cost,
            d_eff,
            icer,
            (nan, nan),
            willingness_to_pay,
            nmb,
            (nan, nan),
            nan,
            0,
            tuple(warnings),
        )
    rng = seed_generator(seed)
    bc_c, bc_e = _boot_means(rng, cc, ce, replicates)
    bt_c, bt_e = _boot_means(rng, tc, te, replicates)
    b_cost, b_eff = bt_c - bc_c, bt_e - bc_e
    b_nmb = willingness_to_pay * b_eff - b_cost
    q = [100 * alpha / 2, 100 * (1 - alpha / 2)]
    nmb_ci = tuple(float(v) for v in np.percentile(b_nmb, q))
    if np.all(b_eff > 0) or np.all(b_eff < 0):
        icer_ci = tuple(float(v) for v in np.percentile(b_cost / b_eff, q))
    else:
        icer_ci = (nan, nan)
        warnings.append(WARN_ICER_UNDEFINED)
    return CostEffectiveness(
        cost_per_outcome_control=cpo_c,
        cost_per_outcome_treatment=cpo_t,
        incremental_cost=d_cost,
        incremental_effect=d_eff,
        icer=icer,
        icer_ci=(icer_ci[0], icer_ci[1]),
        willingness_to_pay=willingness_to_pay,
        net_monetary_benefit=nmb,
        nmb_ci=(nmb_ci[0], nmb_ci[1]),
        probability_cost_effective=float(np.mean(b_nmb > 0)),
        replicates=replicates,
        warnings=tuple(warnings),
    )
