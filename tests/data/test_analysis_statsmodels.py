"""Estimates from pushed-down sufficient statistics agree with statsmodels OLS on the raw rows.

Tolerances: coefficients, standard errors, intervals and p-values to 1e-8 relative (both
sides solve the same normal equations in double precision). Cluster-robust p-values and
intervals are referred to t on G - A df (A arms; Seedbed's one df rule for cluster-parallel
comparisons) rather than statsmodels' default G - 1, so they are recomputed here with scipy
from statsmodels' coefficient and CR1 standard error.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from datatest_helpers import make_trial
from scipy import stats as sps

from seedbed.data import TrialSchema, analyse
from seedbed.data import moments as moments_module
from seedbed.data.engines import DuckDBEngine
from seedbed.stats.regression import WARN_FEW_CLUSTERS_PER_ARM

REL = 1e-8


def _run(path: Path, schema: TrialSchema, **kw):
    engine = DuckDBEngine(parquet=str(path))
    try:
        return analyse(engine=engine, schema=schema, **kw)
    finally:
        engine.close()


def _check(est, fit, term: str, df: float | None = None) -> None:
    """``df``: the cluster-robust df G - A (None: statsmodels' own p and interval)."""
    b, se = fit.params[term], fit.bse[term]
    assert est.effect == pytest.approx(b, rel=REL)
    assert est.se == pytest.approx(se, rel=REL)
    if df is None:
        p = fit.pvalues[term]
        lo, hi = fit.conf_int().loc[term]
    else:
        assert est.df == df
        p = 2 * sps.t.sf(abs(b / se), df)
        q = sps.t.ppf(0.975, df)
        lo, hi = b - q * se, b + q * se
    assert est.p == pytest.approx(p, rel=1e-6, abs=1e-300)
    assert est.ci[0] == pytest.approx(lo, rel=REL)
    assert est.ci[1] == pytest.approx(hi, rel=REL)


def _g(df: pd.DataFrame, arms: int = 2, column: str = "school") -> int:
    """Between-within df of a cluster-parallel comparison: clusters - arms."""
    return int(df.dropna(subset=["y"])[column].nunique()) - arms


def _cluster_fit(formula: str, df: pd.DataFrame):
    df = df.dropna(subset=[c for c in ("y", "x") if c in formula])
    return smf.ols(formula, df).fit(cov_type="cluster", cov_kwds={"groups": df["school"]},
                                    use_t=True)


def test_cr1_unadjusted_and_ancova_match_statsmodels(trial: pd.DataFrame, trial_parquet: Path):
    schema = TrialSchema(arm="arm", outcomes=("y",), covariate="x", cluster="school")
    out = _run(trial_parquet, schema).outcomes[0]
    term = "C(arm)[T.treatment]"
    _check(out.unadjusted[0], _cluster_fit("y ~ C(arm)", trial), term, df=_g(trial))
    _check(out.adjusted[0], _cluster_fit("y ~ C(arm) + x", trial), term, df=_g(trial))
    assert out.adjusted[0].cov_type == "CR1"
    assert out.adjusted[0].n_clusters == trial["school"].nunique()


def test_classical_with_strata_and_missing_values(tmp_path: Path) -> None:
    df = make_trial(clusters=60, seed=3, missing=True)
    path = tmp_path / "t.parquet"
    df.to_parquet(path)
    schema = TrialSchema(arm="arm", outcomes=("y",), covariate="x", strata=("region",))
    out = _run(path, schema).outcomes[0]
    term = "C(arm)[T.treatment]"
    _check(out.unadjusted[0], smf.ols("y ~ C(arm)", df.dropna(subset=["y"])).fit(), term)
    fit = smf.ols("y ~ C(arm) + x + C(region)", df.dropna(subset=["y", "x"])).fit()
    _check(out.adjusted[0], fit, term)
    assert "missing_outcome_rows_dropped" in out.warnings
    assert "missing_covariate_rows_dropped" in out.warnings
    assert out.adjusted[0].cov_type == "classical"


def test_three_arms_each_against_control(tmp_path: Path) -> None:
    df = make_trial(clusters=90, seed=5, arms=("control", "a", "b"))
    path = tmp_path / "t.parquet"
    df.to_parquet(path)
    schema = TrialSchema(arm="arm", outcomes=("y",), covariate="x", cluster="school",
                         control="control")
    out = _run(path, schema).outcomes[0]
    fit = _cluster_fit("y ~ C(arm, Treatment('control')) + x", df)
    for est in out.adjusted:
        _check(est, fit, f"C(arm, Treatment('control'))[T.{est.arm}]", df=_g(df, arms=3))


def test_subgroup_effects_and_interaction_test(trial: pd.DataFrame, trial_parquet: Path):
    schema = TrialSchema(arm="arm", outcomes=("y",), covariate="x", cluster="school",
                         subgroups=("sex",))
    sg = _run(trial_parquet, schema).outcomes[0].subgroups[0]
    for level in sg.levels:
        rows = trial[trial["sex"] == level.level]
        fit = _cluster_fit("y ~ C(arm) + x", rows)
        _check(level.effects[0], fit, "C(arm)[T.treatment]", df=_g(rows))
    full = _cluster_fit("y ~ C(arm) * C(sex) + x", trial)
    wald = full.f_test("C(arm)[T.treatment]:C(sex)[T.male] = 0")
    f = float(np.squeeze(wald.fvalue))
    assert sg.interaction_f == pytest.approx(f, rel=1e-7)
    assert sg.interaction_p == pytest.approx(sps.f.sf(f, 1, _g(trial)), rel=1e-6)


def test_cost_difference_and_icer(trial: pd.DataFrame, trial_parquet: Path) -> None:
    schema = TrialSchema(arm="arm", outcomes=("y",), cluster="school", cost="cost")
    out = _run(trial_parquet, schema).outcomes[0]
    fit = _cluster_fit("cost ~ C(arm)", trial)
    cost = out.cost[0]
    _check(cost.incremental_cost, fit, "C(arm)[T.treatment]", df=_g(trial))
    assert cost.cost_per_outcome_gained == pytest.approx(
        cost.incremental_cost.effect / out.unadjusted[0].effect, rel=1e-12)
    control = out.summaries[0]
    rows = trial[trial["arm"] == "control"]
    assert control.mean_cost == pytest.approx(rows["cost"].mean(), rel=1e-10)
    assert control.mean == pytest.approx(rows["y"].mean(), rel=1e-10)
    assert control.sd == pytest.approx(rows["y"].std(), rel=1e-8)


def test_stacked_path_matches_statistics_engine(trial_parquet: Path, monkeypatch) -> None:
    schema = TrialSchema(arm="arm", outcomes=("y",), covariate="x", cluster="school")
    via_stats = _run(trial_parquet, schema)
    monkeypatch.setattr(moments_module, "MAX_OBJECT_BLOCKS", 1)
    stacked = _run(trial_parquet, schema)
    assert via_stats.outcomes[0].adjusted and stacked.outcomes[0].adjusted
    for a, b in zip(via_stats.outcomes[0].adjusted + via_stats.outcomes[0].unadjusted,
                    stacked.outcomes[0].adjusted + stacked.outcomes[0].unadjusted, strict=True):
        for field in ("effect", "se", "p", "df"):
            assert math.isclose(getattr(a, field), getattr(b, field), rel_tol=1e-12)
    assert via_stats.outcomes[0].warnings == stacked.outcomes[0].warnings


def test_few_clusters_warns(tmp_path: Path) -> None:
    df = make_trial(clusters=12, seed=9)
    path = tmp_path / "t.parquet"
    df.to_parquet(path)
    out = _run(path, TrialSchema(arm="arm", outcomes=("y",), cluster="school")).outcomes[0]
    assert WARN_FEW_CLUSTERS_PER_ARM in out.warnings


def test_integer_cluster_ids_match_statsmodels(trial: pd.DataFrame, tmp_path: Path) -> None:
    """Integer cluster ids take the one-sort path in seedbed.data.cells."""
    df = trial.assign(school_id=trial["school"].str[1:].astype("int64") * 7 % 1000)
    path = tmp_path / "t.parquet"
    df.to_parquet(path)
    schema = TrialSchema(arm="arm", outcomes=("y",), covariate="x", cluster="school_id",
                         subgroups=("sex",))
    out = _run(path, schema).outcomes[0]
    fit = smf.ols("y ~ C(arm) + x", df).fit(cov_type="cluster",
                                            cov_kwds={"groups": df["school_id"]}, use_t=True)
    _check(out.adjusted[0], fit, "C(arm)[T.treatment]", df=_g(df, column="school_id"))
    assert out.adjusted[0].n_clusters == df["school_id"].nunique()
