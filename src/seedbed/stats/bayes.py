"""Bayesian reading of an effect estimate: normal prior, normal likelihood, normal posterior.

Method: the conjugate normal-normal model (Spiegelhalter, Abrams & Myles, *Bayesian
Approaches to Clinical Trials and Health-Care Evaluation*, Wiley 2004, section 3.6). With
prior N(m0, s0^2) for the true effect and estimate e with standard error se,

    posterior precision = 1/s0^2 + 1/se^2
    posterior mean      = (m0/s0^2 + e/se^2) / posterior precision

P(benefit) = P(effect > minimal benefit) and P(harm) = P(effect < -harm threshold) for
outcomes where higher is better (mirror them when lower is better). A flat prior
(prior_sd=None) gives the posterior N(e, se^2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats as sps

WARN_NO_STANDARD_ERROR = "standard_error_missing"
"""The estimate has no finite positive standard error: the posterior is the prior."""


@dataclass(frozen=True)
class Posterior:
    """Posterior for the true effect, with probabilities of benefit and of harm."""

    mean: float
    sd: float
    credible_interval: tuple[float, float]
    p_benefit: float
    p_harm: float
    warnings: tuple[str, ...] = ()


def normal_posterior(
    *,
    effect: float,
    se: float,
    prior_mean: float = 0.0,
    prior_sd: float | None = None,
    minimal_benefit: float = 0.0,
    harm_threshold: float = 0.0,
    higher_is_better: bool = True,
    credibility: float = 0.95,
) -> Posterior:
    """Normal-prior posterior for an effect (formula in the module docstring)."""
    warnings: list[str] = []
    prior_prec = 0.0 if prior_sd is None or not math.isfinite(prior_sd) else 1.0 / prior_sd**2
    if math.isfinite(se) and se > 0 and math.isfinite(effect):
        data_prec = 1.0 / se**2
    else:
        warnings.append(WARN_NO_STANDARD_ERROR)
        data_prec, effect = 0.0, 0.0
    prec = prior_prec + data_prec
    if prec == 0.0:
        nan = math.nan
        return Posterior(nan, nan, (nan, nan), nan, nan, tuple(warnings))
    mean = (prior_mean * prior_prec + effect * data_prec) / prec
    sd = math.sqrt(1.0 / prec)
    post = sps.norm(mean, sd)
    q = (1.0 - credibility) / 2.0
    if higher_is_better:
        p_benefit = float(post.sf(minimal_benefit))
        p_harm = float(post.cdf(-harm_threshold))
    else:
        p_benefit = float(post.cdf(-minimal_benefit))
        p_harm = float(post.sf(harm_threshold))
    return Posterior(
        mean=float(mean),
        sd=float(sd),
        credible_interval=(float(post.ppf(q)), float(post.ppf(1.0 - q))),
        p_benefit=p_benefit,
        p_harm=p_harm,
        warnings=tuple(warnings),
    )
