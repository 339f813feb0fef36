"""Harm statistics against independent references (statsmodels, scipy), plus degenerate cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seedbed.stats.harm import (
    WARN_EMPTY_ARM,
    WARN_NO_CONTRAST,
    WARN_NO_EVENTS,
    WARN_ONE_CLUSTER,
    cluster_harm_z,
    harm_risk_z,
    stepped_wedge_harm_z,
)


@pytest.mark.parametrize(("xc", "nc", "xi", "ni"), [(3, 60, 12, 58), (10, 200, 4, 190), (0, 30, 5, 30)])
def test_risk_z_is_statsmodels_pooled_two_proportion_test(xc, nc, xi, ni) -> None:
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    z_ref, _ = proportion.proportions_ztest([xc, xi], [nc, ni], prop_var=False)
    mine = harm_risk_z(events_control=xc, n_control=nc, events_intervention=xi, n_intervention=ni)
    assert mine.z == pytest.approx(z_ref, rel=1e-10)
    assert mine.estimate == pytest.approx(xi / ni - xc / nc)


def test_risk_z_degenerate() -> None:
    empty = harm_risk_z(events_control=0, n_control=0, events_intervention=1, n_intervention=5)
    assert math.isnan(empty.z) and WARN_EMPTY_ARM in empty.warnings
    none = harm_risk_z(events_control=0, n_control=10, events_intervention=0, n_intervention=10)
    assert none.z == 0 and WARN_NO_EVENTS in none.warnings
    bad = harm_risk_z(events_control=5, n_control=3, events_intervention=0, n_intervention=10)
    assert math.isnan(bad.z) and bad.warnings


def test_cluster_z_has_the_tail_probability_of_scipys_t_test() -> None:
    stats = pytest.importorskip("scipy.stats")
    control = [0.05, 0.10, 0.00, 0.08, 0.04]
    intervention = [0.20, 0.15, 0.30, 0.12]
    ref = stats.ttest_ind(control, intervention, equal_var=True, alternative="less")
    mine = cluster_harm_z(control_risks=control, intervention_risks=intervention)
    # One-sided p for "more harm under intervention" is Phi(Z).
    assert stats.norm.cdf(mine.z) == pytest.approx(ref.pvalue, rel=1e-9)
    assert mine.df == 7 and mine.z < 0


def test_cluster_z_degenerate() -> None:
    one = cluster_harm_z(control_risks=[0.1], intervention_risks=[0.2, 0.3])
    assert math.isnan(one.z) and WARN_ONE_CLUSTER in one.warnings
    zero = cluster_harm_z(control_risks=[0, 0], intervention_risks=[0, 0, 0])
    assert zero.z == 0 and WARN_NO_EVENTS in zero.warnings


def _wedge_cells(rng: np.random.Generator, *, clusters: int = 8, steps: int = 4,
                 ratio: float = 1.0) -> dict[str, list]:
    cells: dict[str, list] = {"cluster": [], "period": [], "exposed": [], "events": [],
                              "person_time": []}
    crossing = np.repeat(np.arange(1, steps + 1), clusters // steps)
    for c in range(clusters):
        base = 0.002 * rng.gamma(4, 0.25)
        for p in range(steps + 1):
            x = int(p >= crossing[c])
            time = float(rng.integers(800, 1500))
            rate = base * (1 + 0.1 * p) * (ratio if x else 1.0)
            cells["cluster"].append(f"C{c}")
            cells["period"].append(p)
            cells["exposed"].append(x)
            cells["events"].append(int(rng.poisson(rate * time)))
            cells["person_time"].append(time)
    return cells


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stepped_wedge_z_is_the_poisson_glm_score_test(seed: int) -> None:
    sm = pytest.importorskip("statsmodels.api")
    pd = pytest.importorskip("pandas")
    cells = _wedge_cells(np.random.default_rng(seed), ratio=2.0)
    frame = pd.DataFrame(cells)
    dummies = pd.get_dummies(frame[["cluster"]].astype(str), drop_first=False).astype(float)
    periods = pd.get_dummies(frame["period"].astype(str), prefix="p", drop_first=True).astype(float)
    exog = pd.concat([dummies, periods], axis=1)
    fit = sm.GLM(frame["events"], exog, family=sm.families.Poisson(),
                 offset=np.log(frame["person_time"])).fit()
    chi2, *_ = fit.score_test(exog_extra=frame[["exposed"]].astype(float).to_numpy())
    mine = stepped_wedge_harm_z(**cells)
    assert mine.z**2 == pytest.approx(float(np.squeeze(chi2)), rel=1e-6)
    # Sign: exposed periods have more events than the null model expects.
    exposed = frame["exposed"] == 1
    assert (mine.z < 0) == (frame.loc[exposed, "events"].sum() > fit.fittedvalues[exposed].sum())


def test_stepped_wedge_degenerate() -> None:
    all_unexposed = stepped_wedge_harm_z(cluster=["a", "b"], period=[0, 0], exposed=[0, 0],
                                         events=[1, 2], person_time=[10, 10])
    assert math.isnan(all_unexposed.z) and WARN_EMPTY_ARM in all_unexposed.warnings
    no_events = stepped_wedge_harm_z(cluster=["a", "a"], period=[0, 1], exposed=[0, 1],
                                     events=[0, 0], person_time=[10, 10])
    assert no_events.z == 0 and WARN_NO_EVENTS in no_events.warnings
    # Exposure confounded with period: exposed only in period 1, unexposed only in period 0.
    confounded = stepped_wedge_harm_z(cluster=["a", "b", "a", "b"], period=[0, 0, 1, 1],
                                      exposed=[0, 0, 1, 1], events=[1, 2, 3, 4],
                                      person_time=[10, 10, 10, 10])
    assert math.isnan(confounded.z) and WARN_NO_CONTRAST in confounded.warnings
    with pytest.raises(ValueError, match="same length"):
        stepped_wedge_harm_z(cluster=["a"], period=[0, 1], exposed=[0], events=[0], person_time=[1])


def test_stepped_wedge_type_one_error_and_power_by_simulation() -> None:
    """No harm: one-sided 2.5% test rejects about 2.5% of the time; a doubled rate is found."""
    rng = np.random.default_rng(2026)
    null = [stepped_wedge_harm_z(**_wedge_cells(rng, clusters=12, steps=4)).z for _ in range(400)]
    harmful = [stepped_wedge_harm_z(**_wedge_cells(rng, clusters=12, steps=4, ratio=2.0)).z
               for _ in range(100)]
    rejected = np.mean(np.asarray(null) < -1.96)
    assert rejected < 0.025 + 3 * math.sqrt(0.025 * 0.975 / 400)
    assert np.mean(np.asarray(harmful) < -1.96) > 0.7


def test_harm_looks_never_recommend_benefit_and_keep_alpha_by_simulation() -> None:
    from seedbed.stats.monitoring import (
        RECOMMEND_CONTINUE,
        RECOMMEND_STOP_HARM,
        WARN_NO_NEW_INFORMATION,
        evaluate_harm_looks,
    )

    rates = [0.3, 0.6, 1.0]
    looks = evaluate_harm_looks(harm_alpha=0.05, harm_spending="pocock",
                                z_statistics=[8.0, 0.0, -9.0], information_rates=rates)
    assert [d.recommendation for d in looks] == [RECOMMEND_CONTINUE, RECOMMEND_CONTINUE,
                                                 RECOMMEND_STOP_HARM]
    bounds = np.array([d.harm_z for d in looks])
    # Simulate Z under no harm (Brownian motion at the information fractions): the chance of
    # ever crossing the harm boundary is the harm alpha, 0.05.
    rng = np.random.default_rng(12)
    t = np.asarray(rates)
    increments = rng.normal(size=(200_000, 3)) * np.sqrt(np.diff(np.r_[0.0, t]))
    z = np.cumsum(increments, axis=1) / np.sqrt(t)
    crossed = np.mean(np.any(z <= bounds, axis=1))
    assert crossed == pytest.approx(0.05, abs=3 * math.sqrt(0.05 * 0.95 / 200_000))
    # A look without new information spends nothing more: it keeps the last boundary.
    again = evaluate_harm_looks(harm_alpha=0.05, harm_spending="pocock",
                                z_statistics=[0.0, 0.0, 0.0], information_rates=[0.5, 0.5, 1.0])
    assert again[1].harm_z == again[0].harm_z and WARN_NO_NEW_INFORMATION in again[1].warnings
    assert again[2].harm_z != again[1].harm_z


def _crossing_rate(zs: np.ndarray, rates: list[float], alpha: float = 0.05) -> float:
    from seedbed.stats.monitoring import evaluate_harm_looks

    bounds = np.array([d.harm_z for d in evaluate_harm_looks(
        harm_alpha=alpha, harm_spending="pocock", z_statistics=[0.0] * len(rates),
        information_rates=rates)])
    return float(np.mean(np.any(zs <= bounds, axis=1)))


def test_individual_and_cluster_looks_keep_the_harm_alpha_by_simulation() -> None:
    """Three looks (a third, two thirds, all of the people) of simulated trials without harm
    cross the 5% Pocock-type harm boundary about 5% of the time; a real harm is found."""
    rng = np.random.default_rng(99)
    sims, per_arm, rates = 2000, 150, [1 / 3, 2 / 3, 1.0]

    def individual(risk_c: float, risk_i: float) -> np.ndarray:
        c = rng.random((sims, per_arm)) < risk_c
        i = rng.random((sims, per_arm)) < risk_i
        out = np.empty((sims, 3))
        for s in range(sims):
            for k, r in enumerate(rates):
                n = int(per_arm * r)
                out[s, k] = harm_risk_z(events_control=int(c[s, :n].sum()), n_control=n,
                                        events_intervention=int(i[s, :n].sum()), n_intervention=n).z
        return out

    mc = 3 * math.sqrt(0.05 * 0.95 / sims)
    assert _crossing_rate(individual(0.1, 0.1), rates) == pytest.approx(0.05, abs=mc)
    assert _crossing_rate(individual(0.1, 0.25), rates) > 0.9

    def cluster(risk_c: float, risk_i: float, clusters: int = 6, size: int = 20) -> np.ndarray:
        # Cluster risks vary (logit-normal, SD 0.4): people within a cluster are correlated.
        def arm(risk: float) -> np.ndarray:
            logit = np.log(risk / (1 - risk)) + rng.normal(0, 0.4, (sims, clusters, 1))
            return rng.random((sims, clusters, size)) < 1 / (1 + np.exp(-logit))

        c, i = arm(risk_c), arm(risk_i)
        out = np.empty((sims, 3))
        for s in range(sims):
            for k, r in enumerate(rates):
                n = max(int(size * r), 1)
                out[s, k] = cluster_harm_z(control_risks=c[s, :, :n].mean(axis=1),
                                           intervention_risks=i[s, :, :n].mean(axis=1)).z
        return out

    assert _crossing_rate(cluster(0.1, 0.1), rates) == pytest.approx(0.05, abs=mc)
    assert _crossing_rate(cluster(0.1, 0.3), rates) > 0.8
