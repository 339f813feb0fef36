"""False alarms of harm monitoring, by simulation: without harm, the chance that any look
crosses the harm boundary stays at the harm alpha, however many looks are taken.

The harm boundary at each look spends the harm alpha up to that look's observed information
fraction (Lan & DeMets 1983), so looks beyond those planned, at uneven fractions, are
allowed. The reference is the definition of the error rate itself: the share of simulated
null trials (Brownian motion at the information fractions, or simulated people in clusters)
that ever cross. Monte Carlo tolerance is three binomial standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from seedbed.stats.harm import cluster_harm_z
from seedbed.stats.monitoring import RECOMMEND_STOP_HARM, evaluate_harm_looks

ALPHA = 0.05
# Twelve unplanned looks at uneven fractions: the first four within the first tenth of the
# information (looks "burnt early"), then irregular ones up to the end.
MANY = [0.02, 0.04, 0.06, 0.1, 0.18, 0.3, 0.41, 0.55, 0.7, 0.82, 0.93, 1.0]


def _bounds(rates: list[float], spending: str) -> np.ndarray:
    looks = evaluate_harm_looks(harm_alpha=ALPHA, harm_spending=spending,
                                z_statistics=[0.0] * len(rates), information_rates=rates)
    return np.array([d.harm_z for d in looks])


@pytest.mark.parametrize("spending", ["pocock", "obrien-fleming"])
def test_many_unplanned_harm_looks_keep_the_harm_alpha(spending: str) -> None:
    bounds = _bounds(MANY, spending)
    sims = 200_000
    rng = np.random.default_rng(20260412)
    t = np.asarray(MANY)
    z = np.cumsum(rng.normal(size=(sims, t.size)) * np.sqrt(np.diff(np.r_[0.0, t])), axis=1) / np.sqrt(t)
    crossed = np.any(z <= bounds, axis=1).mean()
    assert crossed == pytest.approx(ALPHA, abs=3 * math.sqrt(ALPHA * (1 - ALPHA) / sims))
    # Every look spends only the alpha due by its information: the chance of crossing by
    # look k is the spending function at t_k (Pocock type: alpha ln(1 + (e - 1) t)).
    by_look = np.mean(np.minimum.accumulate(z - bounds, axis=1) <= 0, axis=0)
    if spending == "pocock":
        expected = ALPHA * np.log(1 + (math.e - 1) * t)
        assert by_look == pytest.approx(expected, abs=3 * math.sqrt(ALPHA / sims) + 1e-4)
    # A look taken after the planned ones can still cross: a late harm is found.
    late = evaluate_harm_looks(harm_alpha=ALPHA, harm_spending=spending,
                               z_statistics=[0.0] * (len(MANY) - 1) + [-3.0], information_rates=MANY)
    assert late[-1].recommendation == RECOMMEND_STOP_HARM


def _cluster_trial_z(rng: np.random.Generator, sims: int, risk: float, rates: list[float]) -> np.ndarray:
    """The service scenario of tests/trials/test_harm_monitoring.py: 4 clusters per arm,
    10 to 18 people each, cluster risks logit-normal (SD 0.3) around ``risk``, no harm;
    people join in random order and each look sees the first share ``rate`` of them."""
    clusters, most = 4, 18
    logit = math.log(risk / (1 - risk)) + rng.normal(0, 0.3, (sims, 2, clusters, 1))
    events = rng.random((sims, 2, clusters, most)) < 1 / (1 + np.exp(-logit))
    size = rng.integers(10, most + 1, (sims, 2, clusters))
    out = np.empty((sims, len(rates)))
    for k, r in enumerate(rates):
        n = np.maximum(np.floor(size * r).astype(int), 1)
        seen = np.arange(most)[None, None, None, :] < n[..., None]
        cluster_risk = (events & seen).sum(axis=3) / n
        for s in range(sims):
            out[s, k] = cluster_harm_z(control_risks=cluster_risk[s, 0],
                                       intervention_risks=cluster_risk[s, 1]).z
    return out


def test_cluster_trials_without_harm_alarm_at_the_harm_alpha() -> None:
    """The false-alarm rate of the cluster scenario the service tests use (replacing their
    hand-picked seeds): one look, and eight looks, both near the 5% harm alpha."""
    sims = 4000
    mc = 3 * math.sqrt(ALPHA * (1 - ALPHA) / sims)
    rng = np.random.default_rng(4122)
    one = _cluster_trial_z(rng, sims, 0.12, [1.0])
    assert np.mean(one[:, 0] <= _bounds([1.0], "pocock")[0]) == pytest.approx(ALPHA, abs=mc)
    rates = [0.15, 0.25, 0.4, 0.5, 0.65, 0.8, 0.9, 1.0]
    many = _cluster_trial_z(rng, sims, 0.12, rates)
    z = np.where(np.isfinite(many), many, np.inf)  # no events yet: no alarm
    assert np.mean(np.any(z <= _bounds(rates, "pocock"), axis=1)) == pytest.approx(ALPHA, abs=mc)
