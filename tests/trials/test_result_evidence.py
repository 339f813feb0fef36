"""The evidence level of a cluster trial's result judges attrition by clusters (randomised,
and with outcome data) and power on the people analysed with the registered design effect."""

from __future__ import annotations

import numpy as np
import pytest

from seedbed.stats.evidence import DOWNGRADE_HIGH_ATTRITION, achieved_power

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
    assert attrition["by_arm"] == pytest.approx([0.0, 2 / n_int])
    assert attrition["overall"] == pytest.approx(0.2) and attrition["high"]
    assert DOWNGRADE_HIGH_ATTRITION in [r["code"] for r in result.evidence_reasons]
    assert result.evidence_level == 2
    design_effect = cluster_trial.protocol.power_calculation["design_effect"]
    expected = achieved_power(analysed=[people["control"], people["intervention"]],
                              effect_size=cluster_trial.protocol.effect_size,
                              design_effect=design_effect)
    assert result.analysis["achieved_power"] == pytest.approx(expected)
