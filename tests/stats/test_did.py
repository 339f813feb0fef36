"""Difference-in-differences (seedbed.stats.did) against independent implementations.

Staggered adoption: the ``csdid`` package (a port of R's ``did``: ``att_gt`` with
``est_method="reg"``, analytic errors, then ``aggte``) on generated panels; point estimates
to 1e-6 and standard errors to 2% (they agree to rounding). Two-by-two: statsmodels OLS with
``cov_type="cluster"``. Plus degenerate input and a coverage simulation.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seedbed.stats.did import did_staggered, did_two_by_two
from seedbed.stats.did.grouptime import WARN_NO_NEVER_TREATED, WARN_TREATED_IN_FIRST_PERIOD
from seedbed.stats.did.moments import (
    ERR_DUPLICATE_UNIT_TIME,
    ERR_FIRST_TREATED_VARIES,
    WARN_UNBALANCED_PANEL,
)
from seedbed.stats.did.staggered import (
    WARN_DID_FEW_CLUSTERS,
    WARN_DID_UNEVEN_PERIODS,
    WARN_NO_TREATED_GROUPS,
    WARN_PRETREND_FAILED,
)
from seedbed.stats.warnings import WARNING_TEXT

EST_TOL = 1e-6
SE_REL_TOL = 0.02


def panel(seed: int, *, n: int = 240, periods: int = 7, cohorts: tuple[int, ...] = (0, 3, 5, 6),
          effect: float = 1.0, pre_trend: float = 0.0) -> pd.DataFrame:
    """A balanced panel: unit effects, a common trend, cohort-specific trends, dynamic effects."""
    rng = np.random.default_rng(seed)
    g = rng.choice(cohorts, size=n)
    unit_effect = rng.normal(0, 1, n)
    rows = []
    for i in range(n):
        for t in range(1, periods + 1):
            treated = g[i] > 0 and t >= g[i]
            y = (3 + unit_effect[i] + 0.3 * t + pre_trend * (g[i] > 0) * t
                 + (effect + 0.2 * (t - g[i]) if treated else 0.0) + rng.normal(0, 1))
            rows.append((f"u{i}", t, y, g[i], f"c{i % 30}"))
    return pd.DataFrame(rows, columns=["unit", "t", "y", "g", "cl"])


def _oracle(df: pd.DataFrame, control: str, cluster: bool) -> object:
    csdid = pytest.importorskip("csdid.att_gt")
    data = df.assign(id=df.unit.str[1:].astype(int))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return csdid.ATTgt(
            yname="y", tname="t", idname="id", gname="g", data=data,
            control_group="nevertreated" if control == "never" else "notyettreated",
            clustervar="cl" if cluster else None,
        ).fit(est_method="reg", bstrap=False)


def _agg(model: object, kind: str) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = model.aggte(typec=kind, na_rm=True)  # type: ignore[attr-defined]
    return out.atte if hasattr(out, "atte") else out


def _close(ours: list[float], theirs: list[float], ours_se: list[float],
           theirs_se: list[float]) -> None:
    """Estimates to EST_TOL and standard errors to SE_REL_TOL, a NaN on either side only
    where the other is NaN too (never silently skipped)."""
    a, b = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float).ravel()
    s, r = np.asarray(ours_se, dtype=float), np.asarray(theirs_se, dtype=float).ravel()
    assert a.shape == b.shape and s.shape == r.shape
    assert np.array_equal(np.isnan(a), np.isnan(b)) and np.array_equal(np.isnan(s), np.isnan(r)), (
        "a NaN on one side only")
    assert np.all(np.abs(a - b)[~np.isnan(a)] < EST_TOL)
    assert np.all(np.abs(s / r - 1)[~np.isnan(s)] < SE_REL_TOL)


CASES = [
    pytest.param(1, "never", False, {}, id="never-treated controls"),
    pytest.param(2, "not-yet", False, {}, id="not-yet-treated controls"),
    pytest.param(3, "never", True, {}, id="clustered above the unit"),
    pytest.param(4, "not-yet", False, {"cohorts": (3, 5, 6)}, id="no never-treated units"),
    pytest.param(5, "never", False, {"cohorts": (0, 1, 4), "pre_trend": 0.5},
                 id="treated in the first period, diverging trends"),
]


@pytest.mark.parametrize(("seed", "control", "cluster", "shape"), CASES)
def test_staggered_matches_csdid(seed: int, control: str, cluster: bool, shape: dict) -> None:
    df = panel(seed, **shape)
    ours = did_staggered(unit=df.unit, time=df.t, outcome=df.y, first_treated=df.g,
                         cluster=df.cl if cluster else None, control=control)
    model = _oracle(df, control, cluster)
    res = model.results  # type: ignore[attr-defined]
    _close([c.att for c in ours.group_time], res["att"], [c.se for c in ours.group_time],
           res["se"])
    assert [c.group for c in ours.group_time] == [float(g) for g in res["group"]]
    assert [c.time for c in ours.group_time] == [float(t) for t in res["year"]]
    simple = _agg(model, "simple")
    assert ours.simple is not None
    _close([ours.simple.estimate], [simple["overall_att"]], [ours.simple.se],
           [simple["overall_se"]])
    group = _agg(model, "group")
    _close([ours.att], [group["overall_att"]], [ours.se], [group["overall_se"]])
    _close([b.estimate for b in ours.by_group], group["att_egt"],
           [b.se for b in ours.by_group], group["se_egt"])
    dynamic = _agg(model, "dynamic")
    assert ours.dynamic is not None
    _close([ours.dynamic.estimate], [dynamic["overall_att"]], [ours.dynamic.se],
           [dynamic["overall_se"]])
    assert [e.label for e in ours.event_study] == [float(e) for e in dynamic["egt"]]
    _close([e.estimate for e in ours.event_study], dynamic["att_egt"],
           [e.se for e in ours.event_study], dynamic["se_egt"])
    calendar = _agg(model, "calendar")
    assert ours.calendar is not None
    _close([ours.calendar.estimate], [calendar["overall_att"]], [ours.calendar.se],
           [calendar["overall_se"]])
    _close([e.estimate for e in ours.by_time], calendar["att_egt"],
           [e.se for e in ours.by_time], calendar["se_egt"])
    wald_p = model.MP["Wpval"]  # type: ignore[attr-defined]
    assert ours.pretrend is not None and wald_p is not None
    assert ours.pretrend.p == pytest.approx(wald_p, abs=1e-5)  # did rounds to 5 places
    if shape.get("pre_trend"):
        assert WARN_PRETREND_FAILED in ours.warnings
    if 1 in shape.get("cohorts", ()):
        assert WARN_TREATED_IN_FIRST_PERIOD in ours.warnings
    if 0 not in shape.get("cohorts", (0,)):
        assert WARN_NO_NEVER_TREATED in ours.warnings


def test_warnings_and_assumptions_have_plain_words() -> None:
    df = panel(6, n=30)
    res = did_staggered(unit=df.unit, time=df.t, outcome=df.y, first_treated=df.g)
    assert WARN_DID_FEW_CLUSTERS in res.warnings
    assert all(code in WARNING_TEXT for code in res.warnings)
    assert any("Parallel trends" in a for a in res.assumptions)


def test_unbalanced_units_are_dropped_with_a_warning() -> None:
    df = panel(7, n=60)
    full = did_staggered(unit=df.unit, time=df.t, outcome=df.y, first_treated=df.g)
    gappy = df.copy()
    gappy.loc[gappy.index[:3], "y"] = np.nan  # unit u0 loses three periods
    res = did_staggered(unit=gappy.unit, time=gappy.t, outcome=gappy.y, first_treated=gappy.g)
    assert WARN_UNBALANCED_PANEL in res.warnings
    assert res.n_units == full.n_units - 1


def test_bad_panels_name_the_unit() -> None:
    df = panel(8, n=20)
    varying = df.copy()
    varying.loc[1, "g"] = 99
    with pytest.raises(ValueError, match="has more than one first-treated period") as err:
        did_staggered(unit=varying.unit, time=varying.t, outcome=varying.y,
                      first_treated=varying.g)
    assert str(err.value).startswith(ERR_FIRST_TREATED_VARIES.split("{")[0])
    assert '"u0"' in str(err.value)
    dup = pd.concat([df, df.iloc[[0]]])
    with pytest.raises(ValueError, match=ERR_DUPLICATE_UNIT_TIME.split("{")[0]):
        did_staggered(unit=dup.unit, time=dup.t, outcome=dup.y, first_treated=dup.g)


def test_nobody_treated_gives_nan_and_a_warning_not_an_error() -> None:
    df = panel(9, n=40, cohorts=(0,))
    res = did_staggered(unit=df.unit, time=df.t, outcome=df.y, first_treated=df.g)
    assert math.isnan(res.att) and WARN_NO_TREATED_GROUPS in res.warnings


def test_empty_first_treated_means_never_treated() -> None:
    df = panel(10, n=80)
    blank = df.g.astype(object).where(df.g != 0, "")
    a = did_staggered(unit=df.unit, time=df.t, outcome=df.y, first_treated=df.g)
    b = did_staggered(unit=df.unit, time=df.t, outcome=df.y, first_treated=list(blank))
    assert a.att == pytest.approx(b.att, abs=1e-12)


def _two_by_two_data(seed: int, clusters: int = 24) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(clusters):
        treated = k % 2
        shock = rng.normal(0, 0.7)
        for _ in range(int(rng.integers(5, 15))):
            for post in (0, 1):
                y = 2 + 0.5 * treated + 0.8 * post + 1.5 * treated * post + shock + rng.normal()
                rows.append((y, treated, post, f"k{k}"))
    return pd.DataFrame(rows, columns=["y", "g", "post", "k"])


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_two_by_two_matches_statsmodels_cluster(seed: int) -> None:
    sm = pytest.importorskip("statsmodels.formula.api")
    df = _two_by_two_data(seed)
    ours = did_two_by_two(outcome=df.y, treated=df.g, post=df.post, cluster=df.k)
    fit = sm.ols("y ~ g * post", data=df).fit(cov_type="cluster",
                                              cov_kwds={"groups": df.k.astype("category").cat.codes})
    assert ours.att == pytest.approx(fit.params["g:post"], abs=EST_TOL)
    assert ours.se == pytest.approx(fit.bse["g:post"], rel=SE_REL_TOL)
    assert ours.df == 22  # G - 2: every cluster lies in one group
    means = df.groupby(["g", "post"]).y.mean()
    assert ours.att == pytest.approx(means[1, 1] - means[1, 0] - means[0, 1] + means[0, 0])


def test_two_by_two_is_the_staggered_estimate_with_two_periods() -> None:
    df = panel(14, n=120, periods=2, cohorts=(0, 2))
    stag = did_staggered(unit=df.unit, time=df.t, outcome=df.y, first_treated=df.g)
    two = did_two_by_two(outcome=df.y, treated=df.g > 0, post=df.t == 2, cluster=df.unit)
    assert stag.att == pytest.approx(two.att, abs=1e-10)


def test_staggered_intervals_cover_the_true_effect() -> None:
    """200 simulated panels with a constant effect of 1: the 95% interval of the overall
    effect should cover 1 about 95% of the time (binomial bounds 0.90 to 0.99)."""
    rng = np.random.default_rng(2026)
    hits = 0
    reps = 200
    n, periods = 150, 5
    t = np.tile(np.arange(1, periods + 1), n)
    unit = np.repeat(np.arange(n), periods)
    for _ in range(reps):
        g = rng.choice([0, 3, 4], size=n)
        gi = g[unit]
        y = (rng.normal(0, 1, n)[unit] + 0.3 * t + ((gi > 0) & (t >= gi)) * 1.0
             + rng.normal(0, 1, n * periods))
        res = did_staggered(unit=unit, time=t, outcome=y, first_treated=gi)
        hits += res.ci[0] <= 1.0 <= res.ci[1]
    assert 0.90 <= hits / reps <= 0.99


@given(seed=st.integers(0, 10_000), shift=st.floats(-1e3, 1e3))
@settings(max_examples=25, deadline=None)
def test_unit_and_period_shifts_and_row_order_change_nothing(seed: int, shift: float) -> None:
    """Differences in differences remove anything constant within a unit or a period."""
    df = panel(seed % 50, n=40, periods=5, cohorts=(0, 3, 4))
    rng = np.random.default_rng(seed)
    units = df.unit.str[1:].astype(int)
    moved = df.y + shift * rng.normal(size=40)[units] + rng.normal(size=6)[df.t] * shift
    order = rng.permutation(len(df))
    a = did_staggered(unit=df.unit, time=df.t, outcome=df.y, first_treated=df.g)
    b = did_staggered(unit=df.unit.iloc[order], time=df.t.iloc[order],
                      outcome=moved.iloc[order], first_treated=df.g.iloc[order])
    tol = 1e-8 * max(1.0, abs(shift))
    assert b.att == pytest.approx(a.att, abs=tol)
    assert b.se == pytest.approx(a.se, rel=1e-6, abs=tol)
    assert [e.estimate for e in b.event_study] == pytest.approx(
        [e.estimate for e in a.event_study], abs=tol)


def test_the_oracle_comparison_does_not_skip_a_nan() -> None:
    with pytest.raises(AssertionError, match="a NaN on one side only"):
        _close([1.0, 2.0], [1.0, 2.0], [0.1, math.nan], [0.1, 0.2])
    with pytest.raises(AssertionError, match="a NaN on one side only"):
        _close([1.0, math.nan], [1.0, 2.0], [0.1, 0.2], [0.1, 0.2])
    _close([1.0, 2.0], [1.0, 2.0], [0.1, math.nan], [0.1, math.nan])


@pytest.mark.parametrize("recode", ["tenths", "yyyymm"])
def test_event_time_counts_periods_not_their_numbers(recode: str) -> None:
    """Periods coded 2000.1, 2000.2, ... or as YYYYMM months give the same event study as
    1, 2, 3, ... (whose agreement with csdid is checked above): e = 0, 1, 2 ..."""
    df = panel(201, n=150, cohorts=(0, 3, 5))
    code = ({t: 2000 + 0.1 * t for t in range(1, 8)} if recode == "tenths"
            else {t: 202109 + t if t <= 3 else 202200 + t - 3 for t in range(1, 8)})
    a = did_staggered(unit=df.unit, time=df.t, outcome=df.y, first_treated=df.g)
    b = did_staggered(unit=df.unit, time=df.t.map(code), outcome=df.y,
                      first_treated=df.g.map(lambda g: code.get(g, 0)))
    assert [e.label for e in b.event_study] == [e.label for e in a.event_study]
    assert [e.estimate for e in b.event_study] == pytest.approx(
        [e.estimate for e in a.event_study], abs=1e-12)
    assert a.dynamic is not None and b.dynamic is not None
    assert b.dynamic.estimate == pytest.approx(a.dynamic.estimate, abs=1e-12)
    assert [c.event_time for c in b.group_time] == [c.event_time for c in a.group_time]
    assert WARN_DID_UNEVEN_PERIODS not in a.warnings
    assert (WARN_DID_UNEVEN_PERIODS in b.warnings) == (recode == "yyyymm")


def test_a_missing_period_is_warned_about_in_plain_words() -> None:
    df = panel(202, n=60, cohorts=(0, 3, 5))
    res = did_staggered(unit=df.unit, time=df.t.where(df.t < 4, df.t + 1), outcome=df.y,
                        first_treated=df.g.where(df.g < 4, df.g + 1))  # no period 4
    assert WARN_DID_UNEVEN_PERIODS in res.warnings
    assert "event study counts periods in order" in WARNING_TEXT[WARN_DID_UNEVEN_PERIODS]
