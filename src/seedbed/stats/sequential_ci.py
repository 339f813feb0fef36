"""Always-valid inference: asymptotic confidence sequences for an effect estimate.

Method: Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas, "Time-uniform central limit theory and
asymptotic confidence sequences" (Annals of Statistics, 2024; arXiv:2103.06476), Theorem 2.2,
with the normal-mixture boundary. After t units, for an estimate with per-unit variance
sigma^2 (here sigma^2 = t se^2, so the result applies to any asymptotically normal estimate
such as a difference in means or proportions),

    radius_t = sqrt( 2 (t sigma^2 rho^2 + 1) / (t^2 rho^2) * log( sqrt(t sigma^2 rho^2 + 1) / alpha ) )

covers the effect at every t simultaneously with probability about 1 - alpha, so the trial may
look as often as it likes. The tuning parameter N* is the sample size at which the sequence is
tightest: rho^2 = (-2 log alpha + log(-2 log alpha + 1)) / N* (the same paper, section 3.5).
The always-valid p-value is the smallest alpha whose sequence excludes 0:

    p_t = min(1, sqrt(V + 1) exp(-effect^2 t^2 rho^2 / (2 (V + 1)))),  V = t sigma^2 rho^2,

with rho held at the value chosen for the design alpha.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TypeVar

import numpy as np

from seedbed.stats.summaries import Comparison

ArrayOrFloat = TypeVar("ArrayOrFloat", float, np.ndarray)

WARN_BAD_TUNING = "tuning_parameter_not_positive"
"""N* must be positive; the current sample size was used instead."""


def mixture_rho(*, alpha: float, tuning: float) -> float:
    """rho for the normal-mixture boundary tightest at N* = tuning (Waudby-Smith et al.)."""
    la = -2.0 * math.log(alpha)
    return math.sqrt((la + math.log(la + 1.0)) / tuning)


def confidence_sequence_radius(
    *, t: ArrayOrFloat, sigma2: ArrayOrFloat, alpha: float, rho: float
) -> ArrayOrFloat:
    """Half-width of the asymptotic confidence sequence after t units (formula in module).

    Accepts floats or numpy arrays (element-wise).
    """
    v = t * sigma2 * rho * rho
    return np.sqrt(2.0 * (v + 1.0) / (t * t * rho * rho) * np.log(np.sqrt(v + 1.0) / alpha))


def sequential_comparison(
    *, comparison: Comparison, n: int, tuning: float, alpha: float = 0.05
) -> Comparison:
    """Replace a comparison's interval and p-value by always-valid ones after n units in all."""
    warnings = list(comparison.warnings)
    if not tuning > 0:
        warnings.append(WARN_BAD_TUNING)
        tuning = float(max(n, 1))
    effect, se = comparison.effect, comparison.se
    if n <= 0 or not (math.isfinite(se) and math.isfinite(effect)) or se <= 0:
        return replace(
            comparison,
            warnings=tuple(dict.fromkeys(warnings)),
            method=comparison.method + ", always-valid",
        )
    rho = mixture_rho(alpha=alpha, tuning=tuning)
    sigma2 = n * se * se
    radius = float(confidence_sequence_radius(t=float(n), sigma2=sigma2, alpha=alpha, rho=rho))
    v = n * sigma2 * rho * rho
    p = min(
        1.0, math.sqrt(v + 1.0) * math.exp(-(effect**2) * n * n * rho * rho / (2.0 * (v + 1.0)))
    )
    return replace(
        comparison,
        ci=(effect - radius, effect + radius),
        p=p,
        df=None,
        method=comparison.method + ", always-valid confidence sequence",
        warnings=tuple(dict.fromkeys(warnings)),
    )
