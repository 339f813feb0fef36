"""Quasi-experimental evaluations from a data source to a result payload.

One function per design — ``did_payload``, ``its_payload``, ``synth_payload`` and
``rd_payload`` — reads the named columns of a file (CSV, Excel, Parquet) or a database table
with the same validation as trial data, runs the engine (``seedbed.stats``) and returns the
result as a plain dict: the JSON that ``seedbed stats did|its|synth|rd --json`` prints and an
evaluation stores. ``json_safe`` turns it into strict JSON values (NaN and infinities become
None; numpy numbers become Python numbers).

Bad data raise ``DataError`` naming every offending row and column. A parameter that cannot
be used, or that the data contradict (a treated unit that is not in the data), raises
``ParameterError``, a ``ValueError`` whose ``field`` names the parameter; other engine
refusals raise ``ValueError`` with a plain-English message. Difference-in-differences pushes
the work down (``seedbed.data.did``): only cohort moments leave the engine holding the rows.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from seedbed.data.errors import DataError
from seedbed.data.panel import Table, check_panel, read_table
from seedbed.data.sources import SourceSpec

MSG_ALPHA = "must lie strictly between 0 and 1"
MSG_NOT_FINITE = "must be a finite number"
MSG_LAGS_NEGATIVE = "must be 0 or more"
MSG_BANDWIDTH = "must be a number greater than 0"
MSG_TREATED_NOT_FOUND = 'unit "{unit}" is not in column "{column}"'
MSG_ONE_UNIT = 'column "{column}" holds no unit other than "{unit}" to compare with'

__all__ = [
    "DataError",
    "ParameterError",
    "did_payload",
    "its_payload",
    "json_safe",
    "rd_payload",
    "synth_payload",
]


class ParameterError(ValueError):
    """A parameter that cannot be used with these data; ``field`` names it (e.g. "treated")."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _num(value: float) -> float | int:
    """A whole number as an int (periods 2019, not 2019.0); anything else unchanged."""
    return int(value) if math.isfinite(value) and float(value).is_integer() else value


def _est(e: Any) -> dict[str, Any] | None:
    if e is None:
        return None
    return {"att": e.estimate, "se": e.se, "ci": list(e.ci), "p": e.p}


def _check_alpha(alpha: float) -> None:
    if not 0.0 < alpha < 1.0:
        raise ParameterError("alpha", MSG_ALPHA)


def _check_finite(field: str, value: float) -> None:
    if not math.isfinite(value):
        raise ParameterError(field, MSG_NOT_FINITE)


def _panel(spec: SourceSpec, *, text: list[str], numeric: list[str], required: list[str],
           unit: str | None, time: str) -> Table:
    """The named columns, one row per unit and period (``DataError`` naming rows)."""
    data = read_table(spec=spec, text=text, numeric=numeric, required=required)
    check_panel(table=data, unit=unit, time=time, per_unit=[])
    return data


def did_payload(*, spec: SourceSpec, unit: str, time: str, outcome: str, first_treated: str,
                control: str = "never", cluster: str | None = None,
                base_period: str = "varying", alpha: float = 0.05) -> dict[str, Any]:
    """Difference-in-differences with staggered adoption (Callaway & Sant'Anna 2021).

    ``first_treated`` holds the period each unit was first treated (0 or empty: never);
    ``control`` is "never" or "not-yet"; ``base_period`` "varying" (R did's default) or
    "universal". Gives the overall ATT, effects by group, period and event time, and the joint
    pre-trend test; a panel of two periods and one treated group also gives the two-by-two
    regression with CR1 errors, on its rows.
    """
    from seedbed.data.did import did_moments_source
    from seedbed.stats.did import did_staggered_moments, did_two_by_two

    _check_alpha(alpha)
    moments = did_moments_source(spec=spec, unit=unit, time=time, outcome=outcome,
                                 first_treated=first_treated, cluster=cluster)
    res = did_staggered_moments(moments=moments, control=control, base_period=base_period,
                                alpha=alpha)
    payload: dict[str, Any] = {
        "att": res.att, "se": res.se, "ci": list(res.ci), "p": res.p,
        "method": res.method,
        "by_group": [{"group": _num(b.label), "att": b.estimate, "se": b.se, "ci": list(b.ci),
                      "p": b.p} for b in res.by_group],
        "event_study": [{"e": _num(e.label), "att": e.estimate, "se": e.se, "ci": list(e.ci),
                         "p": e.p} for e in res.event_study],
        "by_time": [{"time": _num(b.label), "att": b.estimate, "se": b.se, "ci": list(b.ci),
                     "p": b.p} for b in res.by_time],
        "simple": _est(res.simple), "dynamic": _est(res.dynamic),
        "calendar": _est(res.calendar),
        "pretrend_p": res.pretrend_p,
        "pretrend_statistic": res.pretrend.statistic if res.pretrend else None,
        "pretrend_df": res.pretrend.df if res.pretrend else None,
        "group_time": [{"group": _num(c.group), "time": _num(c.time), "base": _num(c.base),
                        "e": _num(c.event_time), "att": c.att, "se": c.se}
                       for c in res.group_time],
        "n_units": res.n_units, "n_clusters": res.n_clusters,
        "periods": [_num(t) for t in res.periods], "groups": [_num(g) for g in res.groups],
        "control": res.control, "base_period": res.base_period, "alpha": alpha,
    }
    if len(res.periods) == 2 and len(res.groups) == 1:  # a small panel: read its rows
        text = [unit] + ([cluster] if cluster else [])
        data = _panel(spec, text=text, numeric=[time, outcome, first_treated],
                      required=[*text, time], unit=unit, time=time)
        payload["two_by_two"] = _two_by_two(did_two_by_two, data.columns, unit, time, outcome,
                                            first_treated, cluster, res, alpha)
    payload["assumptions"] = list(res.assumptions)
    payload["warnings"] = list(res.warnings)
    return payload


def _two_by_two(fn: Any, cols: dict[str, Any], unit: str, time: str, outcome: str,
                first_treated: str, cluster: str | None, res: Any, alpha: float
                ) -> dict[str, Any]:
    """The regression 2x2 on the units Callaway & Sant'Anna use: the treated cohort and the
    comparison units (never treated, or treated after the second period), each with an
    outcome in both periods; units already treated in the first period and units missing a
    period are left out, with the same warnings."""
    from seedbed.stats.did.grouptime import WARN_TREATED_IN_FIRST_PERIOD
    from seedbed.stats.did.moments import WARN_UNBALANCED_PANEL
    from seedbed.stats.did.staggered import MIN_CLUSTERS, WARN_DID_FEW_CLUSTERS

    first, second = res.periods
    g = np.asarray(cols[first_treated], dtype=float)
    g = np.where(np.isfinite(g), g, 0.0)
    y = np.asarray(cols[outcome], dtype=float)
    t = np.asarray(cols[time], dtype=float)
    units = np.asarray(cols[unit], dtype=object).astype(str)
    treated = g == res.groups[0]
    eligible = treated | (g == 0) | (g > second)
    rows = np.isin(t, res.periods) & eligible
    complete = rows & np.isfinite(y)
    counts: dict[str, int] = {}
    for u in units[complete].tolist():
        counts[u] = counts.get(u, 0) + 1
    balanced = np.array([counts.get(u, 0) == 2 for u in units.tolist()], dtype=bool)
    keep = complete & balanced
    warnings = []
    if (np.isin(t, res.periods) & ~eligible).any():
        warnings.append(WARN_TREATED_IN_FIRST_PERIOD)
    if (rows & ~keep).any():
        warnings.append(WARN_UNBALANCED_PANEL)
    labels = np.asarray(cols[cluster or unit], dtype=object)[keep].astype(str)
    if min(len(set(labels[treated[keep]].tolist())),
           len(set(labels[~treated[keep]].tolist()))) < MIN_CLUSTERS:
        warnings.append(WARN_DID_FEW_CLUSTERS)
    two = fn(outcome=y[keep], treated=treated[keep], post=(t == second)[keep],
             cluster=labels, alpha=alpha)
    return {"att": two.att, "se": two.se, "ci": list(two.ci), "p": two.p, "df": two.df,
            "cov_type": two.cov_type, "means": two.means, "n": two.n,
            "n_clusters": two.n_clusters, "warnings": [*warnings, *two.warnings]}


def its_payload(*, spec: SourceSpec, time: str, outcome: str, start: float,
                comparison: str | None = None, season: str | None = None,
                lags: int | None = None, alpha: float = 0.05) -> dict[str, Any]:
    """Interrupted time series: segmented regression with Newey-West errors.

    As in Bernal, Cummins & Gasparrini (2017): level and slope change at ``start`` (the first
    period on or after it is the first one changed), an autocorrelation check, an optional
    ``comparison`` series and seasonal dummies from ``season``; ``lags`` None uses the rule
    floor(4 (n/100)^(2/9)). Each point of ``series`` carries the comparison series' observed
    value (None without one) beside the treated series' observed, fitted and counterfactual.
    """
    from seedbed.stats.its import its_segmented

    _check_alpha(alpha)
    _check_finite("start", start)
    if lags is not None and lags < 0:
        raise ParameterError("lags", MSG_LAGS_NEGATIVE)
    numeric = [time, outcome] + ([comparison] if comparison else [])
    seasons = [season] if season else []  # a period with no season would be a season "None"
    data = _panel(spec, text=seasons, numeric=numeric, required=[time, *seasons],
                  unit=None, time=time)
    cols = data.columns
    try:
        res = its_segmented(time=cols[time], outcome=cols[outcome], start=start,
                            comparison=cols[comparison] if comparison else None,
                            season=cols[season] if season else None, lags=lags, alpha=alpha)
    except ValueError as exc:
        if lags is not None and str(exc).startswith("lags"):
            raise ParameterError("lags", str(exc)) from exc
        raise
    return {
        "level_change": res.level_change, "slope_change": res.slope_change,
        "se_level": res.se_level, "se_slope": res.se_slope,
        "ci_level": list(res.ci_level), "ci_slope": list(res.ci_slope),
        "p_level": res.p_level, "p_slope": res.p_slope,
        "baseline_level": res.baseline_level, "baseline_slope": res.baseline_slope,
        "first_post_time": _num(res.first_post_time), "lag": res.lag,
        "lag_rule": res.lag_rule, "autocorrelation_test": res.autocorrelation_test,
        "autocorrelation_p": res.autocorrelation_p, "df": res.df,
        "reference_distribution": res.reference, "reference_rho": res.reference_rho,
        "critical_value_level": res.critical_level,
        "critical_value_slope": res.critical_slope, "n": res.n,
        "n_pre": res.n_pre, "n_post": res.n_post, "comparison": res.comparison,
        "series": [{"time": _num(s.time), "observed": s.observed, "fitted": s.fitted,
                    "counterfactual": s.counterfactual, "post": s.post,
                    "comparison": s.comparison if res.comparison else None}
                   for s in res.series],
        "alpha": alpha, "assumptions": list(res.assumptions), "warnings": list(res.warnings),
    }


def synth_payload(*, spec: SourceSpec, unit: str, time: str, outcome: str, treated: str,
                  start: float, covariates: Sequence[str] = (),
                  placebos: bool = True) -> dict[str, Any]:
    """Synthetic control (Abadie, Diamond & Hainmueller 2010): donor weights, effect, placebos.

    The donors are every unit other than ``treated``. Gives the weights, the average effect
    from ``start`` on (ATT), the pre-period fit (RMSPE), the in-space placebo p-value and the
    series to plot.
    """
    from seedbed.stats.synth import synth_estimate

    _check_finite("start", start)
    names = list(dict.fromkeys(covariates))
    data = _panel(spec, text=[unit], numeric=[time, outcome, *names], required=[unit, time],
                  unit=unit, time=time)
    cols = data.columns
    labels = [str(u) for u in cols[unit]]
    if treated not in labels:
        raise ParameterError("treated", MSG_TREATED_NOT_FOUND.format(unit=treated, column=unit))
    if set(labels) == {treated}:
        raise ParameterError("treated", MSG_ONE_UNIT.format(unit=treated, column=unit))
    res = synth_estimate(units=labels, times=cols[time], outcomes=cols[outcome],
                         treated=treated, start=start,
                         covariates={c: cols[c] for c in names}, placebos=placebos)
    return {
        "treated": res.treated, "start": _num(start),
        "weights": res.weights, "predictor_weights": res.predictor_weights,
        "att": res.att, "pre_rmspe": res.pre_rmspe, "post_rmspe": res.post_rmspe,
        "ratio": res.ratio, "placebo_p": res.placebo_p,
        "min_attainable_p": res.min_attainable_p, "n_pre": res.n_pre, "n_post": res.n_post,
        "method": res.method,
        "series": [{"time": _num(s.time), "treated": s.treated, "synthetic": s.synthetic,
                    "gap": s.gap, "post": s.post} for s in res.series],
        "placebos": [{"unit": p.unit, "pre_rmspe": p.pre_rmspe, "post_rmspe": p.post_rmspe,
                      "ratio": p.ratio, "gaps": list(p.gaps)} for p in res.placebos],
        "assumptions": list(res.assumptions), "warnings": list(res.warnings),
    }


def rd_payload(*, spec: SourceSpec, running: str, outcome: str, cutoff: float,
               bandwidth: float | None = None, treatment: str | None = None,
               alpha: float = 0.05) -> dict[str, Any]:
    """Regression discontinuity as rdrobust by default (Calonico, Cattaneo & Titiunik 2014).

    Local linear jump at ``cutoff`` (a score at or above it means treated) with a triangular
    kernel, MSE-optimal bandwidth unless ``bandwidth`` is given, robust bias-corrected
    interval and p-value; McCrary's density test and the binned scatter to plot, with the two
    local linear fits of the outcome (``fit``: each side's value at the cutoff and slope per
    unit of the running variable, to draw over cutoff +- bandwidth; None without an estimate).
    With ``treatment`` (0/1 take-up), a fuzzy design: the ratio of the jumps in outcome and
    take-up; ``fit`` is then still the outcome's, so its gap is the outcome's jump, not the
    estimate. Many rows may share a score, so there is no panel check.
    """
    from seedbed.stats.rd import rd_estimate

    _check_alpha(alpha)
    _check_finite("cutoff", cutoff)
    if bandwidth is not None and not (math.isfinite(bandwidth) and bandwidth > 0):
        raise ParameterError("bandwidth", MSG_BANDWIDTH)
    numeric = list(dict.fromkeys([running, outcome] + ([treatment] if treatment else [])))
    data = read_table(spec=spec, text=[], numeric=numeric, required=[running])
    cols = data.columns
    res = rd_estimate(running=cols[running], outcome=cols[outcome], cutoff=cutoff,
                      alpha=alpha, bandwidth=bandwidth,
                      treatment=cols[treatment] if treatment else None)
    fs = res.first_stage
    d = res.density
    return {
        "estimate": res.estimate, "se_robust": res.se_robust, "ci_robust": list(res.ci_robust),
        "p_robust": res.p_robust, "bandwidth": res.bandwidth, "n_left": res.n_left,
        "n_right": res.n_right, "density_p": d.p,
        "estimate_bias_corrected": res.estimate_bias_corrected,
        "se_conventional": res.se_conventional, "bandwidth_bias": res.bandwidth_bias,
        "n_total_left": res.n_total_left, "n_total_right": res.n_total_right,
        "cutoff": _num(cutoff), "alpha": alpha, "design": res.design, "method": res.method,
        "first_stage": None if fs is None else {
            "estimate": fs.estimate, "estimate_bias_corrected": fs.estimate_bias_corrected,
            "se_conventional": fs.se_conventional, "se_robust": fs.se_robust,
            "ci_robust": list(fs.ci_robust)},
        "density": {"method": d.method, "log_difference": d.log_difference, "se": d.se,
                    "z": d.z, "p": d.p, "bin_width": d.bin_width, "bandwidth": d.bandwidth,
                    "warnings": list(d.warnings)},
        "bins": [{"side": b.side, "lower": b.lower, "upper": b.upper, "x_mean": b.x_mean,
                  "y_mean": b.y_mean, "n": b.n} for b in res.bins],
        "fit": None if res.fit is None else {
            side: {"intercept": line.intercept, "slope": line.slope}
            for side, line in (("left", res.fit.left), ("right", res.fit.right))},
        "assumptions": list(res.assumptions),
        "warnings": list(dict.fromkeys([*res.warnings, *d.warnings])),
    }


def _default(value: Any) -> Any:
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def json_safe(payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` as strict JSON values: numpy numbers as Python numbers, NaN and
    infinities as None (what ``--json`` prints, ready for a JSON field)."""
    plain: dict[str, Any] = _finite(json.loads(json.dumps(payload, default=_default)))
    return plain
