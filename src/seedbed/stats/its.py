"""Interrupted time series: segmented regression with Newey-West errors.

Method (Bernal JL, Cummins S, Gasparrini A. Interrupted time series regression for the
evaluation of public health interventions: a tutorial. Int J Epidemiol 2017;46:348-355):

    y_t = b0 + b1 t + b2 D_t + b3 (t - t0) D_t [+ season dummies] + e_t,   D_t = 1[t >= start]

t0 is the first observed period on or after ``start``, so b2 (the level change) is the jump
at t0 and b3 (the slope change) the change in the trend per unit of time after it. With a
comparison series (a controlled interrupted time series) the same model is fitted to the
difference treated - comparison at each period: b2 and b3 are then the differences in level
change and in slope change (the fully interacted model on both series gives the same
estimates). Seasonality: one dummy for each season level but the first.

Errors: Newey & West (Econometrica 1987;55:703-708) heteroskedasticity- and
autocorrelation-consistent covariance with the Bartlett kernel,

    S = sum_t u_t u_t' + sum_{l=1}^{L} (1 - l/(L+1)) sum_t (u_t u_{t-l}' + u_{t-l} u_t'),
    V = n/(n-k) (X'X)^-1 S (X'X)^-1,          u_t = x_t e_t,

with the small-sample factor n/(n-k) (as Stata's ``newey``; statsmodels' ``cov_type="HAC"``
with ``use_correction=True``). Intervals and p-values do not use t on n - k df, which covers
only 75-87% in council-length series: the t-statistic's distribution for this design and lag
is simulated under AR(1) errors (``seedbed.stats.its_reference``), and the result states
it. The lag L is given, or by the rule
L = floor(4 (n/100)^(2/9)) (Newey & West, Rev Econ Stud 1994;61:631-653), stated in the
result. Autocorrelation check: the Breusch-Godfrey LM test with L lags (at least 1) on the
residuals, lagged residuals before the series start set to zero (Greene, Econometric
Analysis, 12.7.1): n R^2 of the auxiliary regression, chi-squared on L df.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from seedbed.stats.its_reference import reference_label, reference_rho, simulated_abs_t

WARN_ITS_AUTOCORRELATION = "its_autocorrelation"
"""The residuals are autocorrelated (Breusch-Godfrey p below alpha)."""
WARN_ITS_FEW_POINTS = "its_fewer_than_8_points_per_segment"
"""Fewer than MIN_POINTS periods before or after the start."""
WARN_ITS_NO_SEGMENT = "its_no_periods_before_or_after"
"""No period before, or none on or after, the start (or too few to fit): nothing estimated."""
WARN_ITS_AUTOCORRELATION_UNCHECKED = "its_autocorrelation_not_checked"
"""The Breusch-Godfrey check could not run (too many lags for the number of periods)."""
WARN_ITS_MISSING_ROWS = "its_missing_rows_dropped"
# The outcome lies exactly on the fitted lines (a constant outcome, say): no residual variation,
# so any "change" is rounding noise and no uncertainty can be measured.
WARN_ITS_EXACT_FIT = "its_exact_fit"
EXACT_FIT_TOL = 1e-9
"""Periods with a missing outcome (or comparison) were left out."""

MIN_POINTS = 8
LAG_RULE = "floor(4 * (n / 100) ** (2 / 9)) (Newey & West 1994)"
ERR_DUPLICATE_TIME = "period {time} appears more than once; give one row per period"
ERR_LENGTHS = "time, outcome, comparison and season must have the same length"
ERR_LAGS = "lags must be a whole number of at least 0"
ERR_UNEVEN_SPACING = (
    "periods must be evenly spaced: {before} is followed by {after}, a gap of {gap} where "
    "the usual gap is {step}; add the missing periods (with an empty outcome) or number the "
    "periods 1, 2, 3, ... in order (a month coded YYYYMM jumps from 12 to 101)"
)
ERR_LAGS_TOO_MANY = "lags ({lags}) must be fewer than the {n} periods with data"

ASSUMPTIONS_ITS: tuple[str, ...] = (
    "Without the change, the outcome would have continued on the trend it followed "
    "beforehand (straight line in time, after allowing for seasons).",
    "Nothing else that affects the outcome changed at the same time as the change.",
    "The way the outcome is measured and the population it covers did not change at the "
    "start.",
    "Any correlation between nearby periods fades within the lag used for the errors.",
)
ASSUMPTION_COMPARISON = (
    "The comparison series was not affected by the change and would have moved like the "
    "treated series without it."
)


@dataclass(frozen=True)
class SeriesPoint:
    """Plot data: observed outcome, fitted value and the counterfactual (no-change) trend;
    with a comparison series, its observed value (NaN without one)."""

    time: float
    observed: float
    fitted: float
    counterfactual: float
    post: bool
    comparison: float = math.nan


@dataclass(frozen=True)
class ITSResult:
    """Level and slope change with Newey-West errors, the lag used, the autocorrelation check."""

    level_change: float
    slope_change: float
    se_level: float
    se_slope: float
    ci_level: tuple[float, float]
    ci_slope: tuple[float, float]
    p_level: float
    p_slope: float
    baseline_level: float
    baseline_slope: float
    first_post_time: float
    lag: int
    lag_rule: str
    autocorrelation_test: str
    autocorrelation_p: float
    df: float
    critical_level: float
    critical_slope: float
    reference: str
    reference_rho: float
    n: int
    n_pre: int
    n_post: int
    comparison: bool
    names: tuple[str, ...]
    coef: tuple[float, ...]
    se: tuple[float, ...]
    series: tuple[SeriesPoint, ...]
    assumptions: tuple[str, ...]
    warnings: tuple[str, ...]


def newey_west_lag(n: int) -> int:
    """The lag rule of thumb floor(4 (n/100)^(2/9))."""
    return int(math.floor(4.0 * (n / 100.0) ** (2.0 / 9.0))) if n > 0 else 0


def hac_covariance(x: np.ndarray, resid: np.ndarray, lag: int) -> np.ndarray:
    """Newey-West (Bartlett) covariance of OLS coefficients with the n/(n-k) factor."""
    n, k = x.shape
    u = x * resid[:, None]
    s = u.T @ u
    for lag_l in range(1, lag + 1):
        w = 1.0 - lag_l / (lag + 1.0)
        g = u[lag_l:].T @ u[:-lag_l]
        s += w * (g + g.T)
    bread = np.linalg.pinv(x.T @ x)
    return np.asarray(bread @ s @ bread * (n / (n - k)))


def breusch_godfrey(x: np.ndarray, resid: np.ndarray, lags: int) -> float:
    """Breusch-Godfrey LM test p-value for autocorrelation up to ``lags`` (module docstring)."""
    n = len(resid)
    lagged = np.column_stack([np.concatenate([np.zeros(j), resid[: n - j]])
                              for j in range(1, lags + 1)])
    z = np.column_stack([lagged, x])
    if n <= np.linalg.matrix_rank(z):
        return math.nan
    fit = z @ np.linalg.lstsq(z, resid, rcond=None)[0]
    tss = float(((resid - resid.mean()) ** 2).sum())
    if tss <= 0:
        return math.nan
    r2 = 1.0 - float(((resid - fit) ** 2).sum()) / tss
    return float(sps.chi2.sf(n * r2, lags))


def _season_columns(season: np.ndarray) -> tuple[np.ndarray, list[str]]:
    levels = list(dict.fromkeys(season.tolist()))
    order = sorted(levels, key=str)
    cols = [(season == lev).astype(float) for lev in order[1:]]
    names = [f"season[{lev}]" for lev in order[1:]]
    return (np.column_stack(cols) if cols else np.empty((len(season), 0))), names


def its_segmented(
    *,
    time: Sequence[float] | np.ndarray,
    outcome: Sequence[float] | np.ndarray,
    start: float,
    comparison: Sequence[float] | np.ndarray | None = None,
    season: Sequence[object] | np.ndarray | None = None,
    lags: int | None = None,
    alpha: float = 0.05,
) -> ITSResult:
    """Segmented regression of one series (or treated minus comparison) on time, the change
    indicator and time since the change, with Newey-West errors (module docstring).

    One row per period; rows with a missing outcome (or comparison) are dropped with a
    warning. ``lags`` overrides the lag rule. Degenerate series (no period before or after
    the start, fewer periods than coefficients) give NaN with a warning, not an error.
    """
    t = np.asarray(time, dtype=float)
    y = np.asarray(outcome, dtype=float)
    comp = None if comparison is None else np.asarray(comparison, dtype=float)
    seas = None if season is None else np.asarray(season, dtype=object).astype(str)
    if len(t) != len(y) or (comp is not None and len(comp) != len(y)) or (
        seas is not None and len(seas) != len(y)
    ):
        raise ValueError(ERR_LENGTHS)
    if lags is not None and (lags < 0 or int(lags) != lags):
        raise ValueError(ERR_LAGS)
    _check_spacing(t)
    warnings: list[str] = []
    yy = y if comp is None else y - comp
    keep = np.isfinite(yy) & np.isfinite(t)
    if not keep.all():
        warnings.append(WARN_ITS_MISSING_ROWS)
    order = np.argsort(t[keep], kind="stable")
    t, yy = t[keep][order], yy[keep][order]
    obs = y[keep][order]
    if seas is not None:
        seas = seas[keep][order]
    dup = np.flatnonzero(np.diff(t) == 0)
    if dup.size:
        raise ValueError(ERR_DUPLICATE_TIME.format(time=_num(t[dup[0]])))
    post = t >= start
    n, n_post = len(t), int(post.sum())
    n_pre = n - n_post
    t0 = float(t[post][0]) if n_post else math.nan
    cols = [np.ones(n), t, post.astype(float), np.where(post, t - t0, 0.0)]
    names = ["intercept", "time", "level_change", "slope_change"]
    if seas is not None:
        extra, extra_names = _season_columns(seas)
        cols += list(extra.T)
        names += extra_names
    x = np.column_stack(cols)
    k = x.shape[1]
    lag = newey_west_lag(n) if lags is None else int(lags)
    if lags is not None and n > 0 and lag >= n:
        raise ValueError(ERR_LAGS_TOO_MANY.format(lags=lag, n=n))
    assumptions = ASSUMPTIONS_ITS + ((ASSUMPTION_COMPARISON,) if comp is not None else ())
    if n_pre < 2 or n_post < 1 or n <= k or np.linalg.matrix_rank(x) < k:
        warnings.append(WARN_ITS_NO_SEGMENT)
        return _empty(n, n_pre, n_post, t0, lag, "given" if lags is not None else LAG_RULE,
                      comp is not None, tuple(names), assumptions, warnings)
    if min(n_pre, n_post) < MIN_POINTS:
        warnings.append(WARN_ITS_FEW_POINTS)
    coef = np.linalg.solve(x.T @ x, x.T @ yy)
    resid = yy - x @ coef
    if np.max(np.abs(resid)) <= EXACT_FIT_TOL * max(1.0, float(np.max(np.abs(yy)))):
        warnings.append(WARN_ITS_EXACT_FIT)
        return _empty(n, n_pre, n_post, t0, lag, "given" if lags is not None else LAG_RULE,
                      comp is not None, tuple(names), assumptions, warnings)
    cov = hac_covariance(x, resid, lag)
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    df = float(n - k)
    rho = reference_rho(x, resid)
    (q, p_level), (q_slope, p_slope) = _reference(x, lag, rho, coef, se, alpha)
    bg = breusch_godfrey(x, resid, max(lag, 1))
    if math.isfinite(bg) and bg < alpha:
        warnings.append(WARN_ITS_AUTOCORRELATION)
    elif not math.isfinite(bg):
        warnings.append(WARN_ITS_AUTOCORRELATION_UNCHECKED)
    fitted = x @ coef
    counter = fitted - coef[2] * x[:, 2] - coef[3] * x[:, 3]
    base = obs - yy  # the comparison series (zero without one)
    series = tuple(
        SeriesPoint(float(a), float(b), float(c + d), float(e + d), bool(f),
                    float(d) if comp is not None else math.nan)
        for a, b, c, d, e, f in zip(t, obs, fitted, base, counter, post, strict=True)
    )

    def ci(j: int, crit: float) -> tuple[float, float]:
        return float(coef[j] - crit * se[j]), float(coef[j] + crit * se[j])

    return ITSResult(
        level_change=float(coef[2]), slope_change=float(coef[3]), se_level=float(se[2]),
        se_slope=float(se[3]), ci_level=ci(2, q), ci_slope=ci(3, q_slope), p_level=p_level,
        p_slope=p_slope, baseline_level=float(coef[0]), baseline_slope=float(coef[1]),
        first_post_time=t0, lag=lag, lag_rule="given" if lags is not None else LAG_RULE,
        autocorrelation_test=f"Breusch-Godfrey, {max(lag, 1)} lag(s)", autocorrelation_p=bg,
        df=df, critical_level=q, critical_slope=q_slope,
        reference=reference_label(rho), reference_rho=rho,
        n=n, n_pre=n_pre, n_post=n_post, comparison=comp is not None,
        names=tuple(names), coef=tuple(float(v) for v in coef),
        se=tuple(float(v) for v in se), series=series, assumptions=assumptions,
        warnings=tuple(dict.fromkeys(warnings)),
    )


def _reference(x: np.ndarray, lag: int, rho: float, coef: np.ndarray, se: np.ndarray,
               alpha: float) -> list[tuple[float, float]]:
    """(critical value, p-value) of the level and the slope change from the simulated
    distribution of |t| (``seedbed.stats.its_reference``)."""
    sims = simulated_abs_t(x, lag, rho, (2, 3))
    out = []
    for col, j in enumerate((2, 3)):
        crit = float(np.quantile(sims[:, col], 1 - alpha))
        with np.errstate(divide="ignore", invalid="ignore"):
            stat = float(np.abs(coef[j] / se[j]))
        p = (float((1 + np.sum(sims[:, col] >= stat)) / (1 + len(sims)))
             if math.isfinite(stat) else math.nan)
        out.append((crit, p))
    return out


def _check_spacing(time: np.ndarray) -> None:
    """Refuse periods that are not evenly spaced (the trend and the Newey-West lags assume
    one step per row), naming the first uneven gap."""
    t = np.unique(time[np.isfinite(time)])
    if t.size < 3:
        return
    gaps = np.diff(t)
    values, counts = np.unique(np.round(gaps, 9), return_counts=True)
    step = float(values[np.argmax(counts)])
    bad = np.flatnonzero(np.abs(gaps - step) > 1e-9 * max(1.0, abs(step)))
    if bad.size:
        i = int(bad[0])
        raise ValueError(ERR_UNEVEN_SPACING.format(before=_num(t[i]), after=_num(t[i + 1]),
                                                   gap=_num(gaps[i]), step=_num(step)))


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _empty(n: int, n_pre: int, n_post: int, t0: float, lag: int, rule: str, comparison: bool,
           names: tuple[str, ...], assumptions: tuple[str, ...], warnings: list[str]
           ) -> ITSResult:
    nan = math.nan
    return ITSResult(
        level_change=nan, slope_change=nan, se_level=nan, se_slope=nan, ci_level=(nan, nan),
        ci_slope=(nan, nan), p_level=nan, p_slope=nan, baseline_level=nan, baseline_slope=nan,
        first_post_time=t0, lag=lag, lag_rule=rule, autocorrelation_test="",
        autocorrelation_p=nan, df=nan, critical_level=nan, critical_slope=nan,
        reference="", reference_rho=nan,
        n=n, n_pre=n_pre, n_post=n_post, comparison=comparison,
        names=names, coef=(nan,) * len(names), se=(nan,) * len(names), series=(),
        assumptions=assumptions, warnings=tuple(dict.fromkeys(warnings)),
    )
