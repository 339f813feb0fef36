"""Two-arm comparisons from summary statistics: means, proportions, relative lift, ratios.

- Difference in means: Welch's t (Welch, Biometrika 1947;34:28-35). With sample variances
  s_c^2, s_t^2: se = sqrt(s_t^2/n_t + s_c^2/n_c), df (Welch-Satterthwaite)
  = se^4 / [(s_t^2/n_t)^2/(n_t-1) + (s_c^2/n_c)^2/(n_c-1)], interval effect +- t_{1-a/2,df} se.
- Difference in proportions: the Wald interval and test with unpooled variance p(1-p)/n
  (Agresti, *Categorical Data Analysis*, 3rd ed. 2013, section 3.1.2).
- Relative lift m_t/m_c - 1: delta method (Casella & Berger, *Statistical Inference*,
  2nd ed. 2002, section 5.5.4): var = v_t/(n_t m_c^2) + m_t^2 v_c/(n_c m_c^4). For means the
  interval and p use t with the same Welch-Satterthwaite df as the absolute difference (so
  the two never disagree on how much information the arms hold); for proportions and
  ratios, whose absolute differences are normal, the relative ones are normal too.
- Ratio metrics R = sum(y)/sum(x) per arm (e.g. cost per visit): delta method on the ratio of
  means, var(R) = [s_y^2 - 2 R s_xy + R^2 s_x^2] / (n m_x^2) (Deng, Knoblich & Lu, "Applying
  the delta method in metric analytics", KDD 2018); the difference or relative difference
  of the two ratios with a normal interval.
"""

from __future__ import annotations

import math

from scipy.special import ndtr, ndtri, stdtr, stdtrit

from seedbed.stats.summaries import (
    WARN_EMPTY_ARM,
    WARN_SMALL_SAMPLE,
    WARN_ZERO_VARIANCE,
    Comparison,
    MeanSummary,
    PairedSummary,
    ProportionSummary,
)

DIFFERENCE_ABSOLUTE = "absolute"
DIFFERENCE_RELATIVE = "relative"

WARN_ZERO_CONTROL = "control_mean_zero"
"""The control mean (or ratio denominator) is zero: a relative effect is undefined."""
WARN_ZERO_EVENTS = "zero_events"
"""An arm has no events (or only events): the Wald interval is unreliable; see Fisher's test."""
WARN_SMALL_COUNTS = "small_expected_counts"
"""An expected cell count is below 5: prefer Fisher's exact test."""

ERR_DIFFERENCE = "difference must be 'absolute' or 'relative'"
ERR_ALPHA = "alpha must lie strictly between 0 and 1, got {alpha!r}"


def _check(difference: str, alpha: float) -> None:
    if difference not in (DIFFERENCE_ABSOLUTE, DIFFERENCE_RELATIVE):
        raise ValueError(ERR_DIFFERENCE)
    if not (isinstance(alpha, int | float) and 0.0 < alpha < 1.0):
        raise ValueError(ERR_ALPHA.format(alpha=alpha))


def finish(
    *,
    effect: float,
    se: float,
    df: float | None,
    alpha: float,
    method: str,
    control: float,
    treatment: float,
    warnings: list[str],
) -> Comparison:
    """Interval effect +- q se and two-sided p (t with df, or normal when df is None)."""
    if df is not None and not (math.isfinite(df) and df > 0):
        df = math.nan
    if math.isfinite(se) and se == 0.0 and math.isfinite(effect):
        warnings.append(WARN_ZERO_VARIANCE)
        p = math.nan if effect == 0 else 0.0
        ci = (effect, effect)
    elif not (math.isfinite(se) and math.isfinite(effect)) or (df is not None and math.isnan(df)):
        p, ci = math.nan, (math.nan, math.nan)
    else:
        # scipy.special rather than frozen distributions: microseconds instead of milliseconds
        stat = abs(effect) / se
        if df is None:
            q, p = float(ndtri(1.0 - alpha / 2.0)), float(2.0 * ndtr(-stat))
        else:
            q, p = float(stdtrit(df, 1.0 - alpha / 2.0)), float(2.0 * stdtr(df, -stat))
        ci = (effect - q * se, effect + q * se)
    return Comparison(
        effect=float(effect),
        se=float(se),
        ci=(float(ci[0]), float(ci[1])),
        p=float(p),
        method=method,
        control_estimate=float(control),
        treatment_estimate=float(treatment),
        df=None if df is None else float(df),
        warnings=tuple(dict.fromkeys(warnings)),
    )


def _mean_warnings(*arms: MeanSummary) -> list[str]:
    out: list[str] = []
    for a in arms:
        if a.n <= 0:
            out.append(WARN_EMPTY_ARM)
        elif a.n < 2:
            out.append(WARN_SMALL_SAMPLE)
    return out


def compare_means(
    *,
    control: MeanSummary,
    treatment: MeanSummary,
    difference: str = DIFFERENCE_ABSOLUTE,
    alpha: float = 0.05,
) -> Comparison:
    """Welch t comparison (absolute) or delta-method relative lift of two means."""
    _check(difference, alpha)
    warnings = _mean_warnings(control, treatment)
    mc, mt = control.mean, treatment.mean
    vc, vt = control.variance, treatment.variance
    nc, nt = max(control.n, 0), max(treatment.n, 0)
    if warnings and (WARN_EMPTY_ARM in warnings or WARN_SMALL_SAMPLE in warnings):
        se = math.nan
        return finish(
            effect=(mt - mc) if difference == DIFFERENCE_ABSOLUTE else _lift(mt, mc, warnings),
            se=se,
            df=None,
            alpha=alpha,
            method=_name("welch", difference),
            control=mc,
            treatment=mt,
            warnings=warnings,
        )
    a, b = vt / nt, vc / nc
    df = (a + b) ** 2 / (a * a / (nt - 1) + b * b / (nc - 1)) if a + b > 0 else math.inf
    if difference == DIFFERENCE_RELATIVE:
        effect = _lift(mt, mc, warnings)
        se = _lift_se(mt, mc, a, b) if mc != 0 else math.nan
        return finish(
            effect=effect,
            se=se,
            df=df if math.isfinite(df) else None,
            alpha=alpha,
            method=_name("welch", difference),
            control=mc,
            treatment=mt,
            warnings=warnings,
        )
    se = math.sqrt(a + b)
    return finish(
        effect=mt - mc,
        se=se,
        df=df if math.isfinite(df) else None,
        alpha=alpha,
        method="welch t",
        control=mc,
        treatment=mt,
        warnings=warnings,
    )


def _name(base: str, difference: str) -> str:
    return f"{base} t" if difference == DIFFERENCE_ABSOLUTE else \
        f"delta-method relative lift ({base} df)"


def _lift(mt: float, mc: float, warnings: list[str]) -> float:
    if mc == 0 or not math.isfinite(mc):
        warnings.append(WARN_ZERO_CONTROL)
        return math.nan
    return mt / mc - 1.0


def _lift_se(mt: float, mc: float, var_mt: float, var_mc: float) -> float:
    """Delta-method se of m_t/m_c given the variances of the two means."""
    return math.sqrt(var_mt / mc**2 + mt**2 * var_mc / mc**4)


def compare_proportions(
    *,
    control: ProportionSummary,
    treatment: ProportionSummary,
    difference: str = DIFFERENCE_ABSOLUTE,
    alpha: float = 0.05,
) -> Comparison:
    """Wald difference in proportions, or delta-method relative lift (variance p(1-p))."""
    _check(difference, alpha)
    warnings: list[str] = []
    for arm in (control, treatment):
        if arm.n <= 0:
            warnings.append(WARN_EMPTY_ARM)
        elif arm.successes in (0, arm.n):
            warnings.append(WARN_ZERO_EVENTS)
    pc, pt = control.proportion, treatment.proportion
    if WARN_EMPTY_ARM not in warnings:
        pooled = (control.successes + treatment.successes) / (control.n + treatment.n)
        small = min(control.n, treatment.n) * min(pooled, 1 - pooled)
        if small < 5:
            warnings.append(WARN_SMALL_COUNTS)
        var_t, var_c = treatment.variance / treatment.n, control.variance / control.n
    else:
        var_t = var_c = math.nan
    if difference == DIFFERENCE_RELATIVE:
        effect = _lift(pt, pc, warnings)
        se = _lift_se(pt, pc, var_t, var_c) if math.isfinite(effect) else math.nan
        method = "delta-method relative lift"
    else:
        effect, se, method = pt - pc, math.sqrt(var_t + var_c), "wald difference in proportions"
    return finish(
        effect=effect,
        se=se,
        df=None,
        alpha=alpha,
        method=method,
        control=pc,
        treatment=pt,
        warnings=warnings,
    )


def _ratio(arm: PairedSummary, warnings: list[str]) -> tuple[float, float]:
    """Ratio of means and its delta-method variance (sample moments, divisor n - 1)."""
    n = arm.n
    if n < 2:
        warnings.append(WARN_SMALL_SAMPLE if n > 0 else WARN_EMPTY_ARM)
        return (arm.sum_y / arm.sum_x if n > 0 and arm.sum_x else math.nan), math.nan
    mx, my = arm.sum_x / n, arm.sum_y / n
    if mx == 0:
        warnings.append(WARN_ZERO_CONTROL)
        return math.nan, math.nan
    sxx = (arm.sum_x2 - n * mx * mx) / (n - 1)
    syy = (arm.sum_y2 - n * my * my) / (n - 1)
    sxy = (arm.sum_xy - n * mx * my) / (n - 1)
    r = my / mx
    var = max(syy - 2 * r * sxy + r * r * sxx, 0.0) / (n * mx * mx)
    return r, var


def compare_ratios(
    *,
    control: PairedSummary,
    treatment: PairedSummary,
    difference: str = DIFFERENCE_ABSOLUTE,
    alpha: float = 0.05,
) -> Comparison:
    """Difference (or relative difference) of two ratio metrics sum(y)/sum(x), delta method."""
    _check(difference, alpha)
    warnings: list[str] = []
    rc, vc = _ratio(control, warnings)
    rt, vt = _ratio(treatment, warnings)
    if difference == DIFFERENCE_RELATIVE:
        effect = _lift(rt, rc, warnings)
        se = _lift_se(rt, rc, vt, vc) if math.isfinite(effect) else math.nan
    else:
        effect, se = rt - rc, math.sqrt(vt + vc)
    return finish(
        effect=effect,
        se=se,
        df=None,
        alpha=alpha,
        method=f"delta-method ratio ({difference})",
        control=rc,
        treatment=rt,
        warnings=warnings,
    )
