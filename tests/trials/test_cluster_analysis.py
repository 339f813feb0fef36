"""A cluster-randomised trial in the platform is analysed with the mixed model it is planned
under (random cluster intercept, between-within df), checked against statsmodels MixedLM."""

from __future__ import annotations

import numpy as np
import pytest

CLUSTERS = [f"School {i}" for i in range(1, 11)]


@pytest.fixture
def cluster_trial(trial_world):  # type: ignore[no-untyped-def]
    from seedbed.trials.services.allocation import allocation_draw
    from seedbed.trials.services.protocols import trial_close
    from tests.trials.helpers import draft_trial

    trial = draft_trial(trial_world, register=True, seed="cluster-analysis-seed-5b1e0c9d7a4f",
                        design="cluster", icc=0.05, cluster_size=20,
                        clusters="\n".join(CLUSTERS), strata="")
    for name in CLUSTERS:
        allocation_draw(actor=trial_world["users"]["frontline"], trial=trial, unit_ref="",
                        cluster=name)
    return trial_close(actor=trial_world["users"]["lead"], trial=trial)


@pytest.mark.django_db
def test_cluster_trial_primary_effect_is_the_mixed_model(cluster_trial, trial_world) -> None:
    pd = pytest.importorskip("pandas")
    smf = pytest.importorskip("statsmodels.formula.api")
    from seedbed.data.mixedfit import COV_MIXED
    from seedbed.trials.services.results import analysis_run, outcome_upload

    rng = np.random.default_rng(8)
    arms = dict(cluster_trial.allocations.values_list("cluster", "arm"))
    rows, lines = [], ["unit,arm,cluster,outcome"]
    for c, name in enumerate(CLUSTERS):
        u = rng.normal(0, 2)
        for i in range(int(rng.integers(8, 20))):
            y = round(30 + u + 2.0 * (arms[name] != "control") + rng.normal(0, 5), 3)
            lines.append(f"U{c:02d}{i:03d},{arms[name]},{name},{y}")
            rows.append((arms[name], name, y))
    analyst = trial_world["users"]["analyst"]
    outcome_upload(actor=analyst, trial=cluster_trial, filename="c.csv",
                   content=("\n".join(lines) + "\n").encode())
    result = analysis_run(actor=analyst, trial=cluster_trial, assessed=len(rows),
                          plain_summary="Hubs helped.")
    mixed = result.analysis["outcomes"][0]["mixed"][0]
    assert mixed["cov_type"] == COV_MIXED and mixed["df"] == len(CLUSTERS) - 2
    frame = pd.DataFrame(rows, columns=["arm", "cluster", "y"])
    frame["treated"] = (frame["arm"] != "control").astype(float)
    ref = smf.mixedlm("y ~ treated", frame, groups=frame["cluster"]).fit(reml=True)
    assert result.effect == pytest.approx(ref.params["treated"], rel=1e-5)
    assert (result.ci_low, result.ci_high) == pytest.approx(tuple(mixed["ci"]), rel=1e-12)
