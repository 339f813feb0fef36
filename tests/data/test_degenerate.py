"""Degenerate trials give warnings or a clear DataError, never a crash."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seedbed.data import DataError, SourceSpec, TrialSchema, analyse_source
from seedbed.data.analysis import WARN_ARM_WITHOUT_OUTCOMES, WARN_ROWS_WITHOUT_CLUSTER
from seedbed.data.engines import DuckDBEngine
from seedbed.data.errors import MSG_ONE_ARM
from seedbed.stats.regression import WARN_FEW_CLUSTERS_PER_ARM, WARN_ONE_CLUSTER_PER_ARM


def _analyse(tmp_path: Path, df: pd.DataFrame, schema: TrialSchema):
    path = tmp_path / "t.parquet"
    df.to_parquet(path)
    return analyse_source(spec=SourceSpec(location=str(path)), schema=schema).result


def test_zero_variance_outcome(tmp_path: Path) -> None:
    df = pd.DataFrame({"arm": ["control", "treatment"] * 20, "y": [1.0] * 40})
    out = _analyse(tmp_path, df, TrialSchema(arm="arm", outcomes=("y",))).outcomes[0]
    assert out.unadjusted[0].effect == pytest.approx(0.0, abs=1e-12)
    assert out.summaries[0].sd == pytest.approx(0.0, abs=1e-12)


def test_one_cluster_per_arm(tmp_path: Path) -> None:
    df = pd.DataFrame({"arm": ["control"] * 15 + ["treatment"] * 15,
                       "y": np.arange(30.0), "school": ["A"] * 15 + ["B"] * 15})
    out = _analyse(tmp_path, df, TrialSchema(arm="arm", outcomes=("y",), cluster="school"))
    # regression: CR1 with one cluster per arm gave se ~ 3e-17 and p ~ 1e-16 on G - 1 = 1 df
    outcome = out.outcomes[0]
    assert WARN_FEW_CLUSTERS_PER_ARM in outcome.warnings
    assert WARN_ONE_CLUSTER_PER_ARM in outcome.warnings
    for est in (outcome.unadjusted[0], outcome.mixed[0]):
        assert est.n_clusters == 2 and est.effect == pytest.approx(15.0)
        assert math.isnan(est.se) and math.isnan(est.p) and math.isnan(est.df)


def test_only_one_arm(tmp_path: Path) -> None:
    df = pd.DataFrame({"arm": ["control"] * 12, "y": np.arange(12.0)})
    with pytest.raises(DataError) as info:
        _analyse(tmp_path, df, TrialSchema(arm="arm", outcomes=("y",)))
    assert info.value.report.problems[0].message == MSG_ONE_ARM.format(arms="control")


def test_arm_with_all_outcomes_missing(tmp_path: Path) -> None:
    df = pd.DataFrame({"arm": ["control"] * 12 + ["treatment"] * 12,
                       "y": [1.0, 2.0] * 6 + [np.nan] * 12})
    out = _analyse(tmp_path, df, TrialSchema(arm="arm", outcomes=("y",))).outcomes[0]
    assert "missing_outcome_rows_dropped" in out.warnings
    assert WARN_ARM_WITHOUT_OUTCOMES in out.warnings
    assert math.isnan(out.summaries[1].mean) and out.summaries[1].n == 0
    assert math.isnan(out.unadjusted[0].effect) and math.isnan(out.unadjusted[0].p)


def test_rows_without_cluster_warn(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"arm": np.repeat(["control", "treatment"], 60), "y": rng.normal(size=120),
                       "school": [f"S{i // 6}" if i % 17 else None for i in range(120)]})
    res = _analyse(tmp_path, df, TrialSchema(arm="arm", outcomes=("y",), cluster="school"))
    assert WARN_ROWS_WITHOUT_CLUSTER in res.warnings


def test_several_outcomes_and_numeric_arm_labels(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"arm": np.repeat([0, 1], 50), "y": rng.normal(size=100),
                       "z": rng.normal(size=100)})
    res = _analyse(tmp_path, df, TrialSchema(arm="arm", outcomes=("y", "z"), control="0"))
    assert [o.outcome for o in res.outcomes] == ["y", "z"]
    assert res.control == "0" and res.arms == ("0", "1")
    from statsmodels.stats.multitest import multipletests

    ps = [o.unadjusted[0].p for o in res.outcomes]
    ref = multipletests(ps, method="holm")[1]
    assert [o.unadjusted[0].p_holm for o in res.outcomes] == pytest.approx(list(ref), rel=1e-12)


def test_progress_callback_reports_fractions(trial_parquet: Path) -> None:
    from seedbed.data import analyse

    seen: list[float] = []
    engine = DuckDBEngine(parquet=str(trial_parquet))
    try:
        analyse(engine=engine, schema=TrialSchema(arm="arm", outcomes=("y",)),
                progress=seen.append)
    finally:
        engine.close()
    assert seen and seen[-1] == 1.0
    assert all(v == -1.0 or 0.0 <= v <= 1.0 for v in seen)
