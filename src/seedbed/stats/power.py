"""Power, sample size and minimum detectable effect for two-arm individually randomised trials.

Continuous outcomes: the two-sample t-test with equal variances. With standardised effect
d = difference / SD, n1 per arm and n2 = ratio * n1, df = n1 + n2 - 2 and noncentrality
lambda = d sqrt(n1 n2 / (n1 + n2)),

    power = P(T'(df, lambda) > t_{1-alpha/s, df}) [+ P(T' < -t_{1-alpha/2, df}) if s = 2]

(Cohen, *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed. 1988, ch. 2;
the same definition as statsmodels ``TTestIndPower``, which counts both tails). Sample size
and MDE are found by solving this equation numerically.

Binary outcomes: the pooled-variance normal approximation (Fleiss, Levin & Paik,
*Statistical Methods for Rates and Proportions*, 3rd ed. 2003, eq. 4.14, without continuity
correction), equal arms:

    n = [z_{1-alpha/s} sqrt(2 pbar qbar) + z_{power} sqrt(p0 q0 + p1 q1)]^2 / (p1 - p0)^2

with pbar = (p0 + p1) / 2; e.g. 0.50 vs 0.65 needs 169.3 per arm (Sedgwick, BMJ 2013;346:f2839).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats as sps
from scipy.optimize import brentq
from scipy.special import nctdtr, ndtr, ndtri, stdtrit

from seedbed.stats.arguments import finite, positive

WARN_ZERO_EFFECT = "zero_effect"
"""The effect is zero: no finite sample size reaches the power; n is infinite."""
WARN_TINY_SAMPLE = "sample_size_below_two_per_arm"
"""Fewer than 2 per arm: a t-test has no degrees of freedom; n was raised to 2."""
WARN_POWER_UNREACHABLE = "power_unreachable"
"""The requested power cannot be reached at this sample size; MDE is NaN."""

ERR_ALPHA = "alpha must lie strictly between 0 and 1"
ERR_POWER = "power must lie strictly between 0 and 1"
ERR_SIDES = "sides must be 1 or 2"
ERR_PROPORTION = "proportions must lie strictly between 0 and 1"
ERR_RATIO = "the allocation ratio must be positive"
ERR_EFFECT_MISSING = "give effect_size, or difference and sd"


@dataclass(frozen=True)
class SampleSize:
    """Sample size per arm (unrounded and rounded up) for a two-arm comparison."""

    n_per_arm: float
    n_per_arm_rounded: int | None
    n_total: int | None
    method: str
    warnings: tuple[str, ...] = ()


def _check(alpha: float, power: float | None, sides: int) -> None:
    # NaN fails every comparison, so these also refuse NaN and infinities
    if not 0.0 < alpha < 1.0:
        raise ValueError(ERR_ALPHA)
    if power is not None and not 0.0 < power < 1.0:
        raise ValueError(ERR_POWER)
    if sides not in (1, 2):
        raise ValueError(ERR_SIDES)


def _check_ratio(ratio: float) -> float:
    if not (isinstance(ratio, int | float) and math.isfinite(ratio) and ratio > 0):
        raise ValueError(ERR_RATIO)
    return float(ratio)


def _rounded(n: float, ratio: float, method: str, warnings: list[str]) -> SampleSize:
    if not math.isfinite(n):
        return SampleSize(n, None, None, method, tuple(warnings))
    n1 = math.ceil(n - 1e-9)
    n2 = math.ceil(n * ratio - 1e-9)
    return SampleSize(float(n), n1, n1 + n2, method, tuple(warnings))


def power_continuous(
    *, n_per_arm: float, effect_size: float, alpha: float = 0.05, sides: int = 2, ratio: float = 1.0
) -> float:
    """Power of the two-sample t-test (module docstring) for standardised effect d.

    NaN when n per arm leaves no degrees of freedom; refuses non-finite or negative input.
    """
    _check(alpha, None, sides)
    n1 = positive("n_per_arm", n_per_arm)
    effect_size = finite("effect_size", effect_size)
    n2 = n1 * _check_ratio(ratio)
    df = n1 + n2 - 2.0
    if df <= 0:
        return math.nan
    nc = abs(effect_size) * math.sqrt(n1 * n2 / (n1 + n2))
    # scipy.special directly: the scipy.stats wrappers cost more than the maths here
    crit = float(stdtrit(df, 1.0 - alpha / sides))
    upper = 1.0 - float(nctdtr(df, nc, crit))
    lower = float(nctdtr(df, nc, -crit)) if sides == 2 else 0.0
    # the noncentral t can return NaN far in the lower tail, where the mass is ~0
    if not math.isfinite(upper):
        upper = float(sps.nct.sf(crit, df, nc))
    return upper + (lower if math.isfinite(lower) else 0.0)


def sample_size_continuous(
    *,
    effect_size: float | None = None,
    difference: float | None = None,
    sd: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    sides: int = 2,
    ratio: float = 1.0,
) -> SampleSize:
    """n per arm (control arm when ratio != 1) for a t-test; d = difference / sd if raw.

    Solves power_continuous(n) = power for n (t-based, Cohen 1988). Source in module docstring.
    """
    _check(alpha, power, sides)
    ratio = _check_ratio(ratio)
    warnings: list[str] = []
    if effect_size is None:
        if difference is None or sd is None:
            raise ValueError(ERR_EFFECT_MISSING)
        effect_size = finite("difference", difference) / positive("sd", sd)
    d = abs(finite("effect_size", effect_size))
    if d == 0.0:
        warnings.append(WARN_ZERO_EFFECT)
        return _rounded(math.inf, ratio, "t-test", warnings)

    def gap(n: float) -> float:
        return (
            power_continuous(n_per_arm=n, effect_size=d, alpha=alpha, sides=sides, ratio=ratio)
            - power
        )

    lo = 1.0 + 1.0 / (1.0 + ratio) + 1e-9  # df just above zero
    if gap(max(lo, 2.0)) >= 0:
        warnings.append(WARN_TINY_SAMPLE)
        return _rounded(2.0, ratio, "t-test", warnings)
    # the normal-approximation n is a lower bound for the t-test n; z^2 more is an upper bound
    za = float(sps.norm.ppf(1.0 - alpha / sides))
    normal_n = (1.0 + 1.0 / ratio) * ((za + float(sps.norm.ppf(power))) / d) ** 2
    lower = max(lo, 2.0, normal_n)
    upper = max(lower + 1.0, normal_n + za * za + 4.0)
    while gap(upper) < 0:
        upper *= 2.0
    n = brentq(gap, lower, upper, xtol=1e-9, rtol=1e-12) if gap(lower) < 0 else lower
    return _rounded(float(n), ratio, "t-test", warnings)


def mde_continuous(
    *, n_per_arm: float, alpha: float = 0.05, power: float = 0.8, sides: int = 2, ratio: float = 1.0
) -> float:
    """Minimum detectable standardised effect d for n per arm (solves the t-test power)."""
    _check(alpha, power, sides)
    n_per_arm = positive("n_per_arm", n_per_arm)
    ratio = _check_ratio(ratio)
    if n_per_arm * (1 + ratio) - 2 <= 0:
        return math.nan

    def gap(d: float) -> float:
        pw = power_continuous(
            n_per_arm=n_per_arm, effect_size=d, alpha=alpha, sides=sides, ratio=ratio
        )
        return pw - power

    z_sum = sps.norm.ppf(1.0 - alpha / sides) + sps.norm.ppf(power)
    hi = 2.0 * z_sum * math.sqrt(1.0 / n_per_arm + 1.0 / (ratio * n_per_arm)) + 1.0
    while gap(hi) < 0:
        hi *= 2.0
        if hi > 1e4:
            return math.nan
    return float(brentq(gap, 1e-9, hi, xtol=1e-12))


def _check_p(*ps: float) -> None:
    for p in ps:
        if not (isinstance(p, int | float) and 0.0 < p < 1.0):
            raise ValueError(ERR_PROPORTION)


def _binary_sds(p0: float, p1: float, ratio: float) -> tuple[float, float]:
    """sqrt of n_c x variance of p1 - p0 under H0 (pooled) and under H1, n_t = ratio n_c."""
    pbar = (p0 + ratio * p1) / (1.0 + ratio)
    null = math.sqrt(pbar * (1 - pbar) * (1.0 + 1.0 / ratio))
    alt = math.sqrt(p0 * (1 - p0) + p1 * (1 - p1) / ratio)
    return null, alt


def sample_size_binary(
    *,
    p_control: float,
    p_treatment: float,
    alpha: float = 0.05,
    power: float = 0.8,
    sides: int = 2,
    ratio: float = 1.0,
) -> SampleSize:
    """n per arm (control arm when ratio != 1) to compare two proportions (Fleiss 2003).

    With n_t = ratio n_c and pbar = (p_c + ratio p_t) / (1 + ratio):
    n_c = [z_{1-a/s} sqrt(pbar qbar (1 + 1/ratio)) + z_power sqrt(p_c q_c + p_t q_t / ratio)]^2
          / (p_t - p_c)^2, which is the module-docstring formula when ratio = 1.
    """
    _check(alpha, power, sides)
    _check_p(p_control, p_treatment)
    ratio = _check_ratio(ratio)
    if p_control == p_treatment:
        return _rounded(math.inf, ratio, "pooled normal", [WARN_ZERO_EFFECT])
    null, alt = _binary_sds(p_control, p_treatment, ratio)
    za = float(ndtri(1.0 - alpha / sides))
    zb = float(ndtri(power))
    n = (za * null + zb * alt) ** 2 / (p_treatment - p_control) ** 2
    return _rounded(float(n), ratio, "pooled normal", [])


def power_binary(
    *,
    n_per_arm: float,
    p_control: float,
    p_treatment: float,
    alpha: float = 0.05,
    sides: int = 2,
    ratio: float = 1.0,
) -> float:
    """Power of the pooled-variance comparison of two proportions (n_c = n_per_arm)."""
    _check(alpha, None, sides)
    _check_p(p_control, p_treatment)
    n_per_arm = positive("n_per_arm", n_per_arm)
    ratio = _check_ratio(ratio)
    null, alt = _binary_sds(p_control, p_treatment, ratio)
    za = float(ndtri(1.0 - alpha / sides))
    z = abs(p_treatment - p_control) * math.sqrt(n_per_arm) - za * null
    return float(ndtr(z / alt))


def mde_binary(
    *,
    n_per_arm: float,
    p_control: float,
    alpha: float = 0.05,
    power: float = 0.8,
    sides: int = 2,
    ratio: float = 1.0,
) -> float:
    """Smallest increase p_treatment - p_control detectable with n per arm (pooled formula).

    Returns NaN when even p_treatment close to 1 does not reach the power.
    """
    _check(alpha, power, sides)
    _check_p(p_control)
    n_per_arm = positive("n_per_arm", n_per_arm)
    ratio = _check_ratio(ratio)

    def gap(p1: float) -> float:
        return (
            power_binary(
                n_per_arm=n_per_arm,
                p_control=p_control,
                p_treatment=p1,
                alpha=alpha,
                sides=sides,
                ratio=ratio,
            )
            - power
        )

    hi = 1.0 - 1e-9
    if gap(hi) < 0:
        return math.nan
    return float(brentq(gap, p_control + 1e-12, hi, xtol=1e-12) - p_control)
