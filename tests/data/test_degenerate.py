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
from seedbed.stats.evidence import DIRECTION_UNKNOWN, trial_evidence
from seedbed.stats.regression import (
    WARN_FEW_CLUSTERS_PER_ARM,
    WARN_ONE_CLUSTER_PER_ARM,
    WARN_TOO_FEW_CLUSTERS_FOR_CR1,
    WARN_ZERO_VARIANCE,
)


def _analyse(tmp_path: Path, df: pd.DataFrame, schema: TrialSchema):
    path = tmp_path / "t.parquet"
    df.to_parquet(path)
    return analyse_source(spec=SourceSpec(location=str(path)), schema=schema).result


def test_zero_variance_outcome(tmp_path: Path) -> None:
    df = pd.DataFrame({"arm": ["control", "treatment"] * 20, "y": [1.0] * 40})
    out = _analyse(tmp_path, df, TrialSchema(arm="arm", outcomes=("y",))).outcomes[0]
    assert out.unadjusted[0].effect == pytest.approx(0.0, abs=1e-12)
    assert out.summaries[0].sd == pytest.approx(0.0, abs=1e-12)
    # regression: SE 0 gave p = 0 and a "positive" trial finding
    est = out.unadjusted[0]
    assert WARN_ZERO_VARIANCE in out.warnings
    assert math.isnan(est.se) and math.isnan(est.p) and all(math.isnan(v) for v in est.ci)
    found = trial_evidence(effect=est.effect, ci=est.ci)
    assert found.direction == DIRECTION_UNKNOWN and found.level == 2


def _stepped(clusters: int, y: object = None, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(clusters):
        for period in range(1, 6):
            for _ in range(10):
                rows.append({"school": f"s{c}", "period": period,
                             "arm": "treated" if period > 1 + c % 4 else "control"})
    df = pd.DataFrame(rows)
    df["y"] = (0.4 * (df["arm"] == "treated") + 0.1 * df["period"]
               + rng.normal(0, 1, len(df))) if y is None else y
    return df


SW = TrialSchema(arm="arm", outcomes=("y",), cluster="school", period="period")


@pytest.mark.parametrize("value", [1.0, 7.3])
def test_stepped_wedge_constant_outcome_gives_nan_everywhere(tmp_path: Path, value: float) -> None:
    # regression: the CR1 row said effect -8.9e-16, p = 0.011
    out = _analyse(tmp_path, _stepped(8, y=value), SW).outcomes[0]
    assert WARN_ZERO_VARIANCE in out.warnings
    for est in (*out.unadjusted, *out.mixed):
        assert math.isnan(est.se) and math.isnan(est.p)


def test_stepped_wedge_two_clusters_cr1_is_nan_not_se_zero(tmp_path: Path) -> None:
    # regression: two schools gave CR1 "-0.15 (95% CI -0.15 to -0.15), p = 0" on 1 df
    df = _stepped(2, seed=3)
    out = _analyse(tmp_path, df, SW).outcomes[0]
    assert WARN_TOO_FEW_CLUSTERS_FOR_CR1 in out.warnings
    cr1 = out.unadjusted[0]
    assert math.isnan(cr1.se) and math.isnan(cr1.p) and all(math.isnan(v) for v in cr1.ci)
    assert math.isfinite(cr1.effect)
    assert math.isfinite(out.mixed[0].se) and out.mixed[0].se > 0
    assert trial_evidence(effect=cr1.effect, ci=cr1.ci).direction == DIRECTION_UNKNOWN


def test_stepped_wedge_enough_clusters_keeps_cr1(tmp_path: Path) -> None:
    out = _analyse(tmp_path, _stepped(12, seed=4), SW).outcomes[0]
    assert WARN_TOO_FEW_CLUSTERS_FOR_CR1 not in out.warnings
    assert WARN_ZERO_VARIANCE not in out.warnings
    assert out.unadjusted[0].se > 0 and 0 < out.unadjusted[0].p < 1


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
    with pytest.raises(DataError, match="only one arm has rows") as info:
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
