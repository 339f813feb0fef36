"""The same analysis on the same data gives the same numbers on DuckDB, PostgreSQL and Spark."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from datatest_helpers import assert_close, make_trial

from seedbed.data import SourceSpec, TrialSchema, analyse, analyse_source
from seedbed.data.engines import DuckDBEngine, PostgresEngine, SparkEngine

REL = 1e-9

SCHEMA = TrialSchema(
    arm="arm", outcomes=("y",), covariate="x", cluster="school", strata=("region",),
    subgroups=("sex",), cost="cost", arms=("control", "treatment"),
)


def _strip_engine(result: object) -> dict:
    d = dataclasses.asdict(result)  # type: ignore[call-overload]
    d.pop("engine")
    return d


@pytest.fixture(scope="module")
def hard_trial(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, Path]:
    """Missing values and an uncentred covariate make summation order matter most."""
    df = make_trial(clusters=150, seed=11, missing=True, mean=1000.0)
    path = tmp_path_factory.mktemp("agree") / "trial.parquet"
    df.to_parquet(path, index=False)
    return df, path


@pytest.fixture(scope="module")
def duckdb_result(hard_trial: tuple[pd.DataFrame, Path]) -> dict:
    engine = DuckDBEngine(parquet=str(hard_trial[1]))
    try:
        return _strip_engine(analyse(engine=engine, schema=SCHEMA))
    finally:
        engine.close()


def test_duckdb_database_matches_parquet(hard_trial, duckdb_result, tmp_path: Path) -> None:
    db = tmp_path / "trial.duckdb"
    con = duckdb.connect(str(db))
    con.execute(f"CREATE TABLE trial AS SELECT * FROM read_parquet('{hard_trial[1]}')")
    con.close()
    run = analyse_source(spec=SourceSpec(location=f"duckdb://{db}", table="trial"), schema=SCHEMA)
    assert run.result.engine == "duckdb"
    assert_close(_strip_engine(run.result), duckdb_result, rel=REL)


@pytest.mark.postgres
def test_postgres_matches_duckdb(hard_trial, duckdb_result, postgres_table, postgres_url) -> None:
    table = postgres_table(hard_trial[0])
    engine = PostgresEngine(url=postgres_url, table=table)
    try:
        result = analyse(engine=engine, schema=SCHEMA)
    finally:
        engine.close()
    assert result.engine == "postgres"
    assert_close(_strip_engine(result), duckdb_result, rel=REL)


@pytest.mark.postgres
def test_postgres_url_source(hard_trial, duckdb_result, postgres_table, postgres_url) -> None:
    table = postgres_table(hard_trial[0])
    run = analyse_source(spec=SourceSpec(location=postgres_url, table=table), schema=SCHEMA)
    assert_close(_strip_engine(run.result), duckdb_result, rel=REL)


@pytest.mark.spark
def test_spark_matches_duckdb(hard_trial, duckdb_result, spark) -> None:
    engine = SparkEngine(parquet=str(hard_trial[1]), session=spark)
    try:
        result = analyse(engine=engine, schema=SCHEMA)
    finally:
        engine.close()
    assert result.engine == "spark"
    assert_close(_strip_engine(result), duckdb_result, rel=REL)


@pytest.mark.spark
def test_spark_table_source(hard_trial, duckdb_result, spark) -> None:
    spark.read.parquet(str(hard_trial[1])).createOrReplaceTempView("seedbed_agree")
    try:
        run = analyse_source(spec=SourceSpec(location="spark-catalog", table="seedbed_agree",
                                             engine="spark"), schema=SCHEMA)
    finally:
        spark.catalog.dropTempView("seedbed_agree")
    assert_close(_strip_engine(run.result), duckdb_result, rel=REL)


def test_null_free_shortcut_matches_the_general_query(trial_parquet: Path) -> None:
    """Parquet statistics showing no nulls simplify the query without changing any number."""
    fast = DuckDBEngine(parquet=str(trial_parquet))
    general = DuckDBEngine(parquet=str(trial_parquet))
    assert {"y", "x", "arm", "cost"} <= fast.not_null
    general.not_null = frozenset()
    try:
        a = _strip_engine(analyse(engine=fast, schema=SCHEMA))
        b = _strip_engine(analyse(engine=general, schema=SCHEMA))
    finally:
        fast.close()
        general.close()
    assert_close(a, b, rel=1e-12)
