"""The evidence level of a cluster trial's result judges attrition by clusters (randomised,
and with outcome data) and power as the plan computed it: the cluster-level t-test on
2G - 2 df (checked here against statsmodels' two-sample t-test power on cluster means)."""

from __future__ import annotations

import numpy as np
import pytest

from seedbed.stats.evidence import DOWNGRADE_HIGH_ATTRITION, DOWNGRADE_LOW_POWER

CLUSTERS = [f"School {i}" for i in range(1, 11)]

pytestmark = pytest.mark.django_db


@pytest.fixture
def cluster_trial(trial_world):  # type: ignore[no-untyped-def]
    from seedbed.trials.services.allocation import allocation_draw
    from seedbed.trials.services.protocols import trial_close
    from tests.trials.helpers import draft_trial

    trial = draft_trial(trial_world, register=True, seed="result-evidence-seed-7c2f9e41b0d3",
                        design="cluster", icc=0.05, cluster_size=20,
                        clusters="\n".join(CLUSTERS), strata="")
    for name in CLUSTERS:
        allocation_draw(actor=trial_world["users"]["frontline"], trial=trial, unit_ref="",
                        cluster=name)
    return trial_close(actor=trial_world["users"]["lead"], trial=trial)


def test_clusters_lost_to_follow_up_downgrade_the_level(cluster_trial, trial_world) -> None:
    from seedbed.trials.services.results import analysis_run, outcome_upload

    rng = np.random.default_rng(5)
    arms = dict(cluster_trial.allocations.values_list("cluster", "arm"))
    lost = [c for c in CLUSTERS if arms[c] != "control"][:2]  # two intervention schools
    lines, people = ["unit,arm,cluster,outcome"], {"control": 0, "intervention": 0}
    for c, name in enumerate(CLUSTERS):
        if name in lost:
            continue
        for i in range(20):
            lines.append(f"U{c:02d}{i:03d},{arms[name]},{name},{round(30 + rng.normal(0, 5), 3)}")
            people[arms[name]] += 1
    analyst = trial_world["users"]["analyst"]
    outcome_upload(actor=analyst, trial=cluster_trial, filename="c.csv",
                   content=("\n".join(lines) + "\n").encode())
    result = analysis_run(actor=analyst, trial=cluster_trial, assessed=200, plain_summary="s")
    attrition = result.analysis["attrition"]
    n_int = sum(1 for c in CLUSTERS if arms[c] != "control")
    n_arms = len(CLUSTERS)
    assert attrition["by_arm"] == pytest.approx([0.0, 2 / n_int])
    assert attrition["overall"] == pytest.approx(0.2) and attrition["high"]
    assert DOWNGRADE_HIGH_ATTRITION in [r["code"] for r in result.evidence_reasons]
    assert result.evidence_level == 2
    # 5 control and 3 intervention schools of 20 analysed: G = harmonic mean 3.75, rounded
    # down to 3 per arm (cautious); power of the t-test on cluster means (variance DE / m)
    g_c, g_t = n_arms - n_int, n_int - 2
    g = int(2 * g_c * g_t / (g_c + g_t))
    assert result.analysis["achieved_power"] == pytest.approx(
        _statsmodels_cluster_power(d=cluster_trial.protocol.effect_size, m=20, icc=0.05, g=g), rel=1e-6)


def _statsmodels_cluster_power(*, d: float, m: float, icc: float, g: int) -> float:
    """Power of the two-sample t-test on G cluster means per arm (statsmodels, noncentral t on
    2G - 2 df): the standardised effect on the cluster-mean scale is d / sqrt(DE / m)."""
    from statsmodels.stats.power import TTestIndPower

    de = 1 + (m - 1) * icc
    return float(TTestIndPower().power(effect_size=d * (m / de) ** 0.5, nobs1=g, alpha=0.05, ratio=1))


def test_cluster_power_downgrade_uses_the_plans_noncentral_t(trial_world) -> None:
    """Regression: 3 clusters of 100 per arm, ICC 0.02, d 0.3. The old evidence formula (two-
    arm test on people / design effect) gave 0.563 and no downgrade; the plan's noncentral t
    on 4 df gives 0.371, below the floor, so the level drops to 2 for low power."""
    from seedbed.trials.services.allocation import allocation_draw
    from seedbed.trials.services.protocols import trial_close
    from seedbed.trials.services.results import analysis_run, outcome_upload
    from tests.trials.helpers import draft_trial

    schools = [f"Academy {i}" for i in range(1, 7)]
    trial = draft_trial(trial_world, register=True, seed="result-evidence-seed-3a8d5c1e9f07",
                        design="cluster", icc=0.02, cluster_size=100, effect_size=0.3,
                        clusters="\n".join(schools), strata="", title="Few large clusters")
    for name in schools:
        allocation_draw(actor=trial_world["users"]["frontline"], trial=trial, unit_ref="", cluster=name)
    trial = trial_close(actor=trial_world["users"]["lead"], trial=trial)
    arms = dict(trial.allocations.values_list("cluster", "arm"))
    rng = np.random.default_rng(11)
    lines = ["unit,arm,cluster,outcome"]
    for c, name in enumerate(schools):
        shift = 2.0 if arms[name] != "control" else 0.0  # a clear effect: level 3 before checks
        lines += [f"P{c}{i:03d},{arms[name]},{name},{round(30 + shift + rng.normal(0, 1), 3)}"
                  for i in range(100)]
    analyst = trial_world["users"]["analyst"]
    outcome_upload(actor=analyst, trial=trial, filename="few.csv", content=("\n".join(lines) + "\n").encode())
    result = analysis_run(actor=analyst, trial=trial, assessed=600, plain_summary="s")
    power = result.analysis["achieved_power"]
    assert power == pytest.approx(_statsmodels_cluster_power(d=0.3, m=100, icc=0.02, g=3), rel=1e-6)
    assert power == pytest.approx(0.3711, abs=1e-4)
    assert DOWNGRADE_LOW_POWER in [r["code"] for r in result.evidence_reasons]
    assert result.evidence_level == 2
    # registration recorded that the 6 schools listed fall short of the plan (37% power)
    shortfall = trial.protocol.power_calculation["cluster_shortfall"]
    assert shortfall.startswith("The protocol lists 6 clusters") and "has 37% power" in shortfall
