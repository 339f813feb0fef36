"""Synthetic control (seedbed.stats.synth) against independent solutions: an exhaustive
search over every set of donors (the exact answer of the simplex-constrained least squares),
pysyncon (a test-only dependency) with fixed and with optimised predictor weights; a
simulation of the placebo p-value under no effect; degenerate input."""

from __future__ import annotations

import itertools
import math
import warnings
from typing import Any

import numpy as np
import pytest

from seedbed.stats.synth import (
    ASSUMPTIONS,
    ERR_DUPLICATE_CELL,
    WARN_SYNTH_CONCENTRATED_WEIGHTS,
    WARN_SYNTH_DONORS_DROPPED,
    WARN_SYNTH_FEW_DONORS,
    WARN_SYNTH_NOT_ESTIMABLE,
    WARN_SYNTH_POOR_PRE_FIT,
    synth_estimate,
)
from seedbed.stats.synth_weights import simplex_least_squares
from seedbed.stats.warnings import WARNING_TEXT

POINT = 1e-6


def _panel(seed: int, donors: int = 10, periods: int = 30, pre: int = 20,
           effect: float = -2.0) -> tuple[dict[str, list], np.ndarray, list[str], int]:
    """A factor model: the treated area mixes three donors; the effect starts at ``pre``."""
    rng = np.random.default_rng(seed)
    factors = np.cumsum(rng.normal(0, 1, (periods, 2)), axis=0)
    load = rng.uniform(0, 1, (donors + 1, 2))
    load[0] = 0.5 * load[1] + 0.3 * load[2] + 0.2 * load[3]
    y = 10 + factors @ load.T + rng.normal(0, 0.3, (periods, donors + 1))
    y[pre:, 0] += effect
    units = [f"area{j:02d}" for j in range(donors + 1)]
    long: dict[str, list] = {"unit": [], "time": [], "y": []}
    for j, u in enumerate(units):
        for t in range(periods):
            long["unit"].append(u)
            long["time"].append(2000 + t)
            long["y"].append(float(y[t, j]))
    return long, y, units, 2000 + pre


def _exhaustive(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The exact minimiser: least squares with sum-to-one on every donor set, best feasible."""
    j = a.shape[1]
    best: tuple[float, np.ndarray] | None = None
    for k in range(1, j + 1):
        for subset in itertools.combinations(range(j), k):
            s = list(subset)
            kkt = np.zeros((k + 1, k + 1))
            kkt[:k, :k] = a[:, s].T @ a[:, s]
            kkt[:k, k] = kkt[k, :k] = 1.0
            sol = np.linalg.lstsq(kkt, np.r_[a[:, s].T @ b, 1.0], rcond=None)[0][:k]
            if sol.min() < -1e-12:
                continue
            w = np.zeros(j)
            w[s] = sol
            loss = float(((a @ w - b) ** 2).sum())
            if best is None or loss < best[0] - 1e-14:
                best = (loss, w)
    assert best is not None
    return best[1]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_weights_and_att_match_the_exact_solution(seed: int) -> None:
    long, y, units, start = _panel(seed)
    res = synth_estimate(units=long["unit"], times=long["time"], outcomes=long["y"],
                         treated="area00", start=start)
    pre = np.arange(y.shape[0]) < start - 2000
    exact = _exhaustive(y[pre][:, 1:], y[pre][:, 0])
    ours = np.array([res.weights[u] for u in units[1:]])
    np.testing.assert_allclose(ours, exact, atol=POINT)
    gaps = y[:, 0] - y[:, 1:] @ exact
    assert res.att == pytest.approx(gaps[~pre].mean(), abs=POINT)
    assert res.pre_rmspe == pytest.approx(math.sqrt(np.mean(gaps[pre] ** 2)), rel=POINT)
    assert res.post_rmspe == pytest.approx(math.sqrt(np.mean(gaps[~pre] ** 2)), rel=POINT)
    assert [p.time for p in res.series] == list(range(2000, 2030))
    assert [p.gap for p in res.series] == pytest.approx(list(gaps), abs=POINT)
    assert sum(p.post for p in res.series) == res.n_post == 10
    assert {p.unit for p in res.placebos} == set(units[1:])
    for placebo in res.placebos[:3]:  # each donor against the others, the treated area left out
        j = units.index(placebo.unit)
        pool = [k for k in range(1, len(units)) if k != j]
        w = _exhaustive(y[pre][:, pool], y[pre][:, j])
        assert list(placebo.gaps) == pytest.approx(list(y[:, j] - y[:, pool] @ w), abs=POINT)
    assert res.placebo_p == pytest.approx(
        sum(r >= res.ratio for r in [res.ratio, *(p.ratio for p in res.placebos)]) / 11)
    assert res.assumptions == ASSUMPTIONS


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_outcome_weights_agree_with_pysyncon_and_fit_at_least_as_well(seed: int) -> None:
    pd = pytest.importorskip("pandas")
    synth_cls = pytest.importorskip("pysyncon").Synth
    long, y, units, start = _panel(seed, donors=15)
    pre = np.arange(y.shape[0]) < start - 2000
    res = synth_estimate(units=long["unit"], times=long["time"], outcomes=long["y"],
                         treated="area00", start=start, placebos=False)
    x0 = pd.DataFrame(y[pre][:, 1:], columns=units[1:])
    x1 = pd.Series(y[pre][:, 0], name=units[0])
    # pysyncon divides each predictor by its spread across units; V = spread^2 undoes that,
    # so both minimise the plain sum of squared pre-period gaps
    spread2 = pd.concat([x0, x1], axis=1).std(axis=1).to_numpy() ** 2
    ref = synth_cls()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref.fit(X0=x0, X1=x1, Z0=x0, Z1=x1, custom_V=spread2)
    ours = np.array([res.weights[u] for u in units[1:]])
    np.testing.assert_allclose(ours, ref.W, atol=1e-3)  # pysyncon's SLSQP stops near 1e-4
    ref_gaps = y[:, 0] - y[:, 1:] @ ref.W
    assert res.att == pytest.approx(ref_gaps[~pre].mean(), abs=1e-2)
    assert res.pre_rmspe <= math.sqrt(np.mean(ref_gaps[pre] ** 2)) * (1 + 1e-12)


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_covariates_with_chosen_v_do_at_least_as_well_as_pysyncons_v(seed: int) -> None:
    pd = pytest.importorskip("pandas")
    synth_cls = pytest.importorskip("pysyncon").Synth
    long, y, units, start = _panel(seed)
    rng = np.random.default_rng(seed + 100)
    frame = pd.DataFrame(long)
    frame["pop"] = (frame.groupby("unit").y.transform("mean") * 0.1
                    + np.repeat(rng.normal(0, 1, len(units)), 30))
    frame["income"] = rng.normal(5, 1, len(frame))
    res = synth_estimate(units=frame.unit, times=frame.time, outcomes=frame.y,
                         treated="area00", start=start, placebos=False,
                         covariates={"pop": frame["pop"], "income": frame["income"]})
    pre_rows = frame.time < start
    means = frame[pre_rows].groupby("unit")[["pop", "income", "y"]].mean().T
    z = frame[pre_rows].pivot(index="time", columns="unit", values="y")
    ref = synth_cls()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref.fit(X0=means[units[1:]], X1=means[units[0]], Z0=z[units[1:]], Z1=z[units[0]])
    zt = z.to_numpy()

    def outcome_loss(result) -> float:
        w = np.array([result.weights[u] for u in units[1:]])
        return float(np.mean((zt[:, 0] - zt[:, 1:] @ w) ** 2))

    assert set(res.predictor_weights) == {"pop", "income", "outcome (pre-period mean)"}
    assert sum(res.predictor_weights.values()) == pytest.approx(1.0)
    # with V fixed at pysyncon's choice, the weights are the exact solution for that V
    # (pysyncon's own inner SLSQP stops early on these small losses, so it is not compared)
    fixed = synth_estimate(units=frame.unit, times=frame.time, outcomes=frame.y,
                           treated="area00", start=start, placebos=False,
                           covariates={"pop": frame["pop"], "income": frame["income"]},
                           predictor_weights=ref.V)
    x = means[units].to_numpy()
    x = x / x.std(axis=1, ddof=1)[:, None] * np.sqrt(ref.V / ref.V.sum())[:, None]
    exact = _exhaustive(x[:, 1:], x[:, 0])
    np.testing.assert_allclose([fixed.weights[u] for u in units[1:]], exact, atol=POINT)
    # the chosen V does at least as well on the pre-period outcomes as pysyncon's V
    assert outcome_loss(res) <= outcome_loss(fixed) * (1 + 1e-6)


def test_simplex_solver_on_random_problems_matches_exhaustive_search() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        a = rng.normal(0, 1, (rng.integers(3, 12), 7))
        b = np.asarray(rng.normal(0, 1, size=a.shape[0]), dtype=float)
        np.testing.assert_allclose(simplex_least_squares(a, b), _exhaustive(a, b), atol=1e-8)
    for _ in range(10):  # more donors than periods: the weights need not be unique, the fit is
        a = rng.normal(0, 1, (4, 10))
        b = np.asarray(rng.normal(0, 0.3, size=4), dtype=float)
        w, exact = simplex_least_squares(a, b), _exhaustive(a, b)
        assert w.min() >= 0 and w.sum() == pytest.approx(1.0, abs=1e-12)
        assert ((a @ w - b) ** 2).sum() == pytest.approx(((a @ exact - b) ** 2).sum(), abs=1e-12)


def test_placebo_p_values_are_roughly_uniform_under_no_effect() -> None:
    rng = np.random.default_rng(8)
    units = [f"u{j}" for j in range(20)]
    p_values = []
    for _ in range(150):
        factors = np.cumsum(rng.normal(0, 1, (20, 2)), axis=0)
        y = factors @ rng.uniform(0, 1, (20, 2)).T + rng.normal(0, 1, (20, 20))
        treated = units[int(rng.integers(20))]
        res = synth_estimate(units=np.repeat(units, 20), times=np.tile(np.arange(20), 20),
                             outcomes=y.T.ravel(), treated=treated, start=14)
        p_values.append(res.placebo_p)
    p = np.array(p_values)
    # exchangeable units: p is uniform on {1/20, ..., 1}
    assert 0.04 <= np.mean(p <= 0.1) <= 0.18
    assert 0.40 <= np.mean(p <= 0.5) <= 0.60
    assert 0.45 <= p.mean() <= 0.60


# --- warnings and degenerate input --------------------------------------------------------

def test_few_donors_and_concentrated_weights_are_flagged() -> None:
    long, _, _, start = _panel(9, donors=4)
    res = synth_estimate(units=long["unit"], times=long["time"], outcomes=long["y"],
                         treated="area01", start=start)
    assert res.min_attainable_p == pytest.approx(0.2)
    assert WARN_SYNTH_FEW_DONORS in res.warnings
    twin = [v + 0.01 * (i % 3) for i, v in enumerate(long["y"][30:60])]
    res = synth_estimate(units=long["unit"] + ["twin"] * 30, times=long["time"] + list(
        range(2000, 2030)), outcomes=long["y"] + twin, treated="twin", start=start)
    assert WARN_SYNTH_CONCENTRATED_WEIGHTS in res.warnings
    assert res.weights["area01"] >= 0.8


def test_a_treated_area_outside_the_donors_range_has_a_poor_fit() -> None:
    long, _, _, start = _panel(10)
    far = [v + 50.0 for v in long["y"][:30]]
    res = synth_estimate(units=long["unit"] + ["far"] * 30,
                         times=long["time"] + list(range(2000, 2030)),
                         outcomes=long["y"] + far, treated="far", start=start)
    assert WARN_SYNTH_POOR_PRE_FIT in res.warnings


def test_incomplete_donors_are_dropped_and_missing_periods_are_not_estimable() -> None:
    long, _, _, start = _panel(11)
    ys = list(long["y"])
    ys[40] = math.nan  # area01 in one period
    res = synth_estimate(units=long["unit"], times=long["time"], outcomes=ys,
                         treated="area00", start=start)
    assert WARN_SYNTH_DONORS_DROPPED in res.warnings and "area01" not in res.weights
    res = synth_estimate(units=long["unit"], times=long["time"], outcomes=long["y"],
                         treated="area00", start=1990)
    assert WARN_SYNTH_NOT_ESTIMABLE in res.warnings and math.isnan(res.att)


def test_duplicate_unit_period_and_unknown_treated_unit_are_refused() -> None:
    with pytest.raises(ValueError, match="more than one row") as err:
        synth_estimate(units=["a", "a", "b"], times=[1, 1, 1], outcomes=[1.0, 2.0, 3.0],
                       treated="a", start=1)
    assert str(err.value) == ERR_DUPLICATE_CELL.format(unit="a", time=1)
    with pytest.raises(ValueError, match="not in the data"):
        synth_estimate(units=["a", "b"], times=[1, 1], outcomes=[1.0, 2.0], treated="c",
                       start=1)


def test_every_synth_warning_has_a_sentence() -> None:
    for code in (WARN_SYNTH_CONCENTRATED_WEIGHTS, WARN_SYNTH_DONORS_DROPPED,
                 WARN_SYNTH_FEW_DONORS, WARN_SYNTH_NOT_ESTIMABLE, WARN_SYNTH_POOR_PRE_FIT):
        assert code in WARNING_TEXT


def test_a_duplicated_donor_is_warned_and_its_exact_placebo_fits_left_out() -> None:
    """A donor entered twice fits its twin exactly before the change: 0/0 ratios used to
    count as infinite and inflate p from 1/20 to 3/22. Here the treated area's effect is the
    largest of the 20 defined ratios (checked by the run without the twin)."""
    from seedbed.stats.synth import WARN_SYNTH_DUPLICATE_DONORS, WARN_SYNTH_PLACEBO_EXACT_FIT

    rng = np.random.default_rng(21)
    n_units, n_t, pre = 20, 25, 18
    f = np.cumsum(rng.normal(0, 1, (n_t, 2)), 0)
    load = rng.uniform(0, 1, (n_units + 1, 2))
    load[0] = 0.5 * load[1] + 0.5 * load[2]
    y = 10 + f @ load.T + rng.normal(0, 0.3, (n_t, n_units + 1))
    y[pre:, 0] -= 3

    def run(mat: np.ndarray) -> Any:
        names = [f"a{j}" for j in range(mat.shape[1])]
        return synth_estimate(units=np.repeat(names, n_t), times=np.tile(np.arange(n_t),
                              mat.shape[1]), outcomes=mat.T.ravel(), treated="a0", start=pre)

    alone = run(y)
    assert alone.placebo_p == pytest.approx(1 / 21)
    twin = run(np.column_stack([y, y[:, 5]]))
    assert twin.placebo_p == pytest.approx(1 / 20)
    assert WARN_SYNTH_DUPLICATE_DONORS in twin.warnings
    assert WARN_SYNTH_PLACEBO_EXACT_FIT in twin.warnings
    assert all(code in WARNING_TEXT for code in twin.warnings)
    assert WARN_SYNTH_DUPLICATE_DONORS not in alone.warnings


def test_a_treated_area_above_every_donor_is_warned_about() -> None:
    """Donors are parallel lines at levels 1..40, the treated area 2 above the highest and
    unchanged: the old threshold (a share of the pooled spread of 40 levels) missed the
    misfit of about 2 against the treated series' own spread of about 0.6."""
    from seedbed.stats.synth import WARN_SYNTH_OUTSIDE_DONORS

    rng = np.random.default_rng(401)
    n_t, pre = 24, 16
    t = np.arange(n_t)
    donors = np.array([j + 0.1 * t + rng.normal(0, 0.3, n_t) for j in range(1, 41)]).T
    treated = 42.0 + 0.1 * t + rng.normal(0, 0.3, n_t)
    mat = np.column_stack([treated, donors])
    names = ["T"] + [f"d{j}" for j in range(40)]
    res = synth_estimate(units=np.repeat(names, n_t), times=np.tile(t, 41),
                         outcomes=mat.T.ravel(), treated="T", start=pre)
    assert res.pre_rmspe > 0.5 * float(np.std(treated[:pre], ddof=1))
    assert WARN_SYNTH_POOR_PRE_FIT in res.warnings
    assert WARN_SYNTH_OUTSIDE_DONORS in res.warnings and WARN_SYNTH_OUTSIDE_DONORS in WARNING_TEXT
    inside = synth_estimate(units=np.repeat(names, n_t), times=np.tile(t, 41),
                            outcomes=np.column_stack([donors[:, 20] * 0.5 + donors[:, 21] * 0.5
                                                      + rng.normal(0, 0.05, n_t), donors]
                                                     ).T.ravel(), treated="T", start=pre)
    assert WARN_SYNTH_OUTSIDE_DONORS not in inside.warnings
    assert WARN_SYNTH_POOR_PRE_FIT not in inside.warnings
