"""Cluster and stepped-wedge trials analysed with the mixed model they are planned under,
through the data engine and `seedbed stats analyse`, against statsmodels MixedLM (REML)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from datatest_helpers import make_trial
from scipy import stats as sps
from typer.testing import CliRunner

from seedbed.cli.main import app
from seedbed.data import SourceSpec, TrialSchema, analyse_source
from seedbed.data.mixedfit import COV_MIXED, METHOD_MIXED_PARALLEL, METHOD_MIXED_STEPPED
from seedbed.stats.regression import WARN_ONE_CLUSTER_PER_ARM
from seedbed.stats.stepped_wedge import stepped_wedge_effect

runner = CliRunner()


def _analyse(path: Path, schema: TrialSchema):
    return analyse_source(spec=SourceSpec(location=str(path)), schema=schema).result


def _gls_se(frame: pd.DataFrame, x: np.ndarray, groups: str, scale: float, tau2: float) -> np.ndarray:
    g = frame[groups].to_numpy()
    v = scale * np.eye(len(frame)) + tau2 * (g[:, None] == g[None, :])
    return np.sqrt(np.diag(np.linalg.inv(x.T @ np.linalg.solve(v, x))))


def test_cluster_parallel_mixed_model_matches_statsmodels(tmp_path: Path) -> None:
    df = make_trial(clusters=30, seed=21, strata=False)
    path = tmp_path / "t.parquet"
    df.to_parquet(path)
    out = _analyse(path, TrialSchema(arm="arm", outcomes=("y",), cluster="school")).outcomes[0]
    est = out.mixed[0]
    ref = smf.mixedlm("y ~ C(arm)", df, groups=df["school"]).fit(reml=True)
    term = "C(arm)[T.treatment]"
    assert est.effect == pytest.approx(ref.params[term], rel=1e-5)
    assert est.se == pytest.approx(ref.bse[term], rel=3e-2)
    x = np.c_[np.ones(len(df)), (df["arm"] == "treatment").to_numpy(float)]
    gls = _gls_se(df, x, "school", ref.scale, float(ref.cov_re.iloc[0, 0]))
    assert est.se == pytest.approx(gls[1], rel=1e-3)
    g = df["school"].nunique()
    assert est.df == g - 2 and est.n_clusters == g and est.cov_type == COV_MIXED
    assert est.p == pytest.approx(2 * sps.t.sf(abs(est.effect / est.se), g - 2), rel=1e-9)
    assert est.method == METHOD_MIXED_PARALLEL
    assert out.unadjusted[0].df == g - 2  # CR1 on the same df rule


def _wedge_file(tmp_path: Path, seed: int = 4) -> tuple[Path, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(12):
        u = rng.normal(0, 1.2)
        step = 1 + c % 4
        for t in range(5):
            for _ in range(int(rng.integers(4, 10))):
                tr = int(t >= step)
                rows.append((f"ward {c}", t, tr, 20 + u + 0.5 * t + 1.0 * tr + rng.normal(0, 3)))
    frame = pd.DataFrame(rows, columns=["ward", "month", "treated", "y"])
    path = tmp_path / "wedge.csv"
    frame.to_csv(path, index=False)
    return path, frame


def test_stats_analyse_accepts_a_stepped_wedge_file(tmp_path: Path) -> None:
    """Regression: `stats analyse` refused stepped-wedge files (cluster_in_several_arms).
    Now the mixed model with period effects is fitted, equal to statsmodels MixedLM and to
    the trials app's registered analysis on the same rows."""
    path, frame = _wedge_file(tmp_path)
    res = runner.invoke(app, ["stats", "analyse", str(path), "--arm", "treated", "--outcome",
                              "y", "--cluster", "ward", "--period", "month", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    est = out["outcomes"][0]["mixed"][0]
    ref = smf.mixedlm("y ~ treated + C(month)", frame, groups=frame["ward"]).fit(reml=True)
    assert est["effect"] == pytest.approx(ref.params["treated"], rel=1e-5)
    assert est["se"] == pytest.approx(ref.bse["treated"], rel=3e-2)
    x = np.c_[np.ones(len(frame)), frame["treated"],
              pd.get_dummies(frame["month"], drop_first=True, dtype=float)]
    gls = _gls_se(frame, x, "ward", ref.scale, float(ref.cov_re.iloc[0, 0]))
    assert est["se"] == pytest.approx(gls[1], rel=1e-3)
    app_fit = stepped_wedge_effect(clusters=frame["ward"].tolist(),
                                   periods=frame["month"].astype(str).tolist(),
                                   treated=frame["treated"].tolist(), outcome=frame["y"].tolist())
    for key in ("effect", "se", "p", "df"):
        assert est[key] == pytest.approx(getattr(app_fit, key), rel=1e-9)
    assert est["method"] == METHOD_MIXED_STEPPED and est["n_clusters"] == 12
    assert 12 < est["df"] < len(frame)  # Satterthwaite
    # the CR1 sensitivity analysis is adjusted for period too, on G - 1 df
    unadjusted = out["outcomes"][0]["unadjusted"][0]
    cr1 = smf.ols("y ~ treated + C(month)", frame).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(frame["ward"])[0]}, use_t=True)
    assert unadjusted["effect"] == pytest.approx(cr1.params["treated"], rel=1e-8)
    assert unadjusted["se"] == pytest.approx(cr1.bse["treated"], rel=1e-8)
    assert unadjusted["df"] == 11
    summaries = {s["arm"]: s for s in out["outcomes"][0]["summaries"]}
    assert summaries["0"]["n_clusters"] == summaries["1"]["n_clusters"] == 12  # all cross over
    assert out["srm"]["p"] is None and "sample_ratio_mismatch" not in out["warnings"]


def test_period_needs_a_cluster(tmp_path: Path) -> None:
    path, _ = _wedge_file(tmp_path)
    res = runner.invoke(app, ["stats", "analyse", str(path), "--arm", "treated", "--outcome",
                              "y", "--period", "month"])
    assert res.exit_code != 0 and "--period needs --cluster" in res.stderr


def test_one_cluster_per_arm_through_stats_analyse_is_not_certain(tmp_path: Path) -> None:
    """Regression: `stats analyse --cluster` with one cluster per arm printed se ~ 3e-17 and
    p ~ 1e-16 (CR1 scores sum to zero within each arm). Now NaN (null) with a warning."""
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"arm": ["control"] * 40 + ["treatment"] * 40,
                          "y": rng.normal(size=80), "school": ["A"] * 40 + ["B"] * 40})
    path = tmp_path / "two.csv"
    frame.to_csv(path, index=False)
    res = runner.invoke(app, ["stats", "analyse", str(path), "--arm", "arm", "--outcome", "y",
                              "--cluster", "school", "--json"])
    assert res.exit_code == 0, res.output
    outcome = json.loads(res.stdout)["outcomes"][0]
    for est in (outcome["unadjusted"][0], outcome["mixed"][0]):
        assert est["se"] is None and est["p"] is None and est["ci"] == [None, None]
    assert WARN_ONE_CLUSTER_PER_ARM in outcome["warnings"]


def test_cluster_df_rule_is_clusters_minus_arms(tmp_path: Path) -> None:
    """Regression: `analyse --cluster` used G - 1 df while ``stats.cluster`` used G - 2."""
    from seedbed.stats.cluster import METHOD_CR1, compare_clusters
    from seedbed.stats.summaries import MeanSummary

    df = make_trial(clusters=16, seed=2, strata=False)
    path = tmp_path / "t.parquet"
    df.to_parquet(path)
    out = _analyse(path, TrialSchema(arm="arm", outcomes=("y",), cluster="school")).outcomes[0]
    per = df.groupby("school").agg(arm=("arm", "first"), n=("y", "size"), s=("y", "sum"),
                                   ss=("y", lambda v: float((v * v).sum())))
    arms = {a: [MeanSummary(int(r.n), r.s, r.ss) for r in per[per["arm"] == a].itertuples()]
            for a in ("control", "treatment")}
    engine = compare_clusters(control=arms["control"], treatment=arms["treatment"],
                              method=METHOD_CR1)
    assert out.unadjusted[0].df == engine.df == out.mixed[0].df == 14
    assert out.unadjusted[0].se == pytest.approx(engine.se, rel=1e-10)
    assert out.unadjusted[0].p == pytest.approx(engine.p, rel=1e-8)
    assert not math.isnan(out.mixed[0].p)
