"""CR1 sums computed in the engine (``seedbed.data.pushdown``) against the Python path,
statsmodels and the other engines."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
import statsmodels.formula.api as smf
from datatest_helpers import assert_close, make_trial
from scipy import stats as sps

from seedbed.data import TrialSchema, analyse
from seedbed.data import pushdown as pushdown_module
from seedbed.data.analysis import WARN_ROWS_WITHOUT_CLUSTER
from seedbed.data.engines import DuckDBEngine, PostgresEngine, SparkEngine
from seedbed.data.errors import KIND_CLUSTER_IN_SEVERAL_ARMS, DataError
from seedbed.data.mixedfit import WARN_MIXED_NOT_FITTED
from seedbed.data.pushdown import fetch_pushed, pushdown_applies

SCHEMA = TrialSchema(arm="arm", outcomes=("y",), covariate="x", cluster="school", cost="cost",
                     arms=("control", "treatment"))
REL = 1e-9


def _plain(result: object) -> dict:
    """The result without the engine's name and without the mixed model, which only the
    Python path fits (``seedbed.data.mixedfit``): the CR1 figures must agree."""
    d = dataclasses.asdict(result)  # type: ignore[call-overload]
    d.pop("engine")
    for outcome in d["outcomes"]:
        outcome.pop("mixed")
        outcome["warnings"] = tuple(w for w in outcome["warnings"]
                                    if w != WARN_MIXED_NOT_FITTED)
    return d


@pytest.fixture(scope="module")
def hard(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, Path]:
    """Missing values and an uncentred covariate (mean 1000, sd 10)."""
    df = make_trial(clusters=150, seed=11, missing=True, mean=1000.0, strata=False)
    path = tmp_path_factory.mktemp("pushdown") / "trial.parquet"
    df.to_parquet(path, index=False)
    return df, path


def _duckdb(path: Path, schema: TrialSchema = SCHEMA) -> dict:
    engine = DuckDBEngine(parquet=str(path))
    try:
        return _plain(analyse(engine=engine, schema=schema))
    finally:
        engine.close()


@pytest.fixture()
def always_push(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pushdown_module, "MIN_PUSHED_CELLS", 0)


@pytest.fixture(scope="module")
def python_path(hard: tuple[pd.DataFrame, Path]) -> dict:
    """The analysis with every cell fetched (the default below MIN_PUSHED_CELLS cells)."""
    return _duckdb(hard[1])


def test_small_trials_keep_the_python_path(hard) -> None:
    engine = DuckDBEngine(parquet=str(hard[1]))
    try:
        assert pushdown_applies(engine=engine, schema=SCHEMA)
        cells = fetch_pushed(engine=engine, schema=SCHEMA)
    finally:
        engine.close()
    assert cells.pushed is None
    assert cells.size == hard[0]["school"].nunique()


def test_route_needs_clusters_and_no_strata_or_subgroups(hard) -> None:
    engine = DuckDBEngine(parquet=str(hard[1]))
    try:
        for schema in (dataclasses.replace(SCHEMA, cluster=None),
                       dataclasses.replace(SCHEMA, subgroups=("sex",))):
            assert not pushdown_applies(engine=engine, schema=schema)
    finally:
        engine.close()


def test_pushed_sums_match_the_python_path(hard, python_path, always_push) -> None:
    engine = DuckDBEngine(parquet=str(hard[1]))
    try:
        cells = fetch_pushed(engine=engine, schema=SCHEMA)
        assert cells.pushed is not None and cells.size == 2  # one total per arm
        pushed = _plain(analyse(engine=engine, schema=SCHEMA))
    finally:
        engine.close()
    assert_close(pushed, python_path, rel=REL)
    assert pushed["n_clusters"] == hard[0]["school"].nunique()


def test_pushed_sums_match_statsmodels(hard, always_push) -> None:
    df = hard[0].dropna(subset=["y", "x"])
    fit = smf.ols("y ~ C(arm) + x", df).fit(cov_type="cluster",
                                            cov_kwds={"groups": df["school"]}, use_t=True)
    est = _duckdb(hard[1])["outcomes"][0]["adjusted"][0]
    term = "C(arm)[T.treatment]"
    assert est["effect"] == pytest.approx(fit.params[term], rel=1e-8)
    assert est["se"] == pytest.approx(fit.bse[term], rel=1e-8)
    g = df["school"].nunique()
    assert est["df"] == g - 2  # between-within: clusters - arms
    assert est["p"] == pytest.approx(2 * sps.t.sf(abs(fit.tvalues[term]), g - 2), rel=1e-6)


def test_three_arms_and_integer_clusters(tmp_path: Path, always_push) -> None:
    df = make_trial(clusters=90, seed=5, arms=("control", "a", "b"), strata=False)
    df["school"] = df["school"].str[1:].astype(int)
    path = tmp_path / "three.parquet"
    df.to_parquet(path, index=False)
    schema = TrialSchema(arm="arm", outcomes=("y",), covariate="x", cluster="school")
    pushed = _duckdb(path, schema)
    fit = smf.ols("y ~ C(arm, Treatment('control')) + x", df).fit(
        cov_type="cluster", cov_kwds={"groups": df["school"]}, use_t=True)
    assert pushed["outcomes"][0]["adjusted"]
    for est in pushed["outcomes"][0]["adjusted"]:
        term = f"C(arm, Treatment('control'))[T.{est['arm']}]"
        assert est["effect"] == pytest.approx(fit.params[term], rel=1e-8)
        assert est["se"] == pytest.approx(fit.bse[term], rel=1e-8)


def test_cluster_in_two_arms_is_still_reported(tmp_path: Path, always_push) -> None:
    df = make_trial(clusters=40, seed=2, strata=False)
    df.loc[df.index[:3], "school"] = df["school"].iloc[-1]
    df.loc[df.index[:3], "arm"] = "treatment" if df["arm"].iloc[-1] == "control" else "control"
    path = tmp_path / "mixed.parquet"
    df.to_parquet(path, index=False)
    with pytest.raises(DataError, match=KIND_CLUSTER_IN_SEVERAL_ARMS) as err:
        _duckdb(path)
    assert any(p.kind == KIND_CLUSTER_IN_SEVERAL_ARMS for p in err.value.report.problems)


def test_rows_without_cluster_fall_back(tmp_path: Path, always_push) -> None:
    df = make_trial(clusters=40, seed=4, strata=False)
    df.loc[df.index[:5], "school"] = None
    path = tmp_path / "unlabelled.parquet"
    df.to_parquet(path, index=False)
    assert WARN_ROWS_WITHOUT_CLUSTER in _duckdb(path)["warnings"]


@pytest.mark.postgres
def test_postgres_pushed_matches_duckdb(hard, python_path, postgres_table, postgres_url,
                                        always_push) -> None:
    engine = PostgresEngine(url=postgres_url, table=postgres_table(hard[0]))
    try:
        cells = fetch_pushed(engine=engine, schema=SCHEMA)
        assert cells.pushed is not None
        result = _plain(analyse(engine=engine, schema=SCHEMA))
    finally:
        engine.close()
    assert_close(result, python_path, rel=REL)


@pytest.mark.spark
def test_spark_pushed_matches_duckdb(hard, python_path, spark, always_push) -> None:
    engine = SparkEngine(parquet=str(hard[1]), session=spark)
    try:
        cells = fetch_pushed(engine=engine, schema=SCHEMA)
        assert cells.pushed is not None
        result = _plain(analyse(engine=engine, schema=SCHEMA))
    finally:
        engine.close()
    assert_close(result, python_path, rel=REL)


def test_one_score_scan_serves_every_model(hard, python_path, always_push) -> None:
    engine = DuckDBEngine(parquet=str(hard[1]))
    sent: list[str] = []
    fetch = engine.fetch

    def counting(sql: str, **kw):  # type: ignore[no-untyped-def]
        sent.append(sql)
        return fetch(sql, **kw)

    engine.fetch = counting  # type: ignore[method-assign]
    try:
        _plain(analyse(engine=engine, schema=SCHEMA))
    finally:
        engine.close()
    scans = [s for s in sent if "SUM(u0 * u0)" in s]
    assert len(scans) == 1 and "SUM(u2 * u2)" in scans[0]  # unadjusted, adjusted, cost


def test_a_fit_that_differs_gets_its_own_sums(hard, python_path, always_push,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pushdown_module, "_same_fit", lambda a, b: False)
    assert_close(_duckdb(hard[1]), python_path, rel=REL)
