"""Shared fixtures for the data engine tests: synthetic trials, PostgreSQL and Spark."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from datatest_helpers import make_trial

POSTGRES_ENV = "SEEDBED_TEST_POSTGRES_URL"



@pytest.fixture(scope="session")
def trial() -> pd.DataFrame:
    return make_trial()


@pytest.fixture(scope="session")
def trial_parquet(tmp_path_factory: pytest.TempPathFactory, trial: pd.DataFrame) -> Path:
    path = tmp_path_factory.mktemp("trial") / "trial.parquet"
    trial.to_parquet(path, index=False)
    return path


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set; PostgreSQL tests need a server")
    return url


@pytest.fixture()
def postgres_table(postgres_url: str) -> Iterator[Any]:
    """A factory that loads a DataFrame into a scratch schema; dropped afterwards."""
    import psycopg

    schema = f"seedbed_test_{uuid.uuid4().hex[:10]}"
    conn = psycopg.connect(postgres_url, autocommit=True)
    conn.execute(f'CREATE SCHEMA "{schema}"')

    def load(df: pd.DataFrame, name: str = "trial") -> str:
        types = {"float64": "DOUBLE PRECISION", "int64": "BIGINT"}
        cols = ", ".join(f'"{c}" {types.get(str(t), "TEXT")}' for c, t in df.dtypes.items())
        conn.execute(f'CREATE TABLE "{schema}"."{name}" ({cols})')
        with conn.cursor() as cur, cur.copy(f'COPY "{schema}"."{name}" FROM STDIN') as copy:
            for row in df.itertuples(index=False):
                copy.write_row([None if isinstance(v, float) and np.isnan(v) else v
                                for v in row])
        return f"{schema}.{name}"

    yield load
    conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    conn.close()


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local SparkSession for the whole test session."""
    if shutil.which("java") is None:
        pytest.skip("Java is not installed; Spark tests need a JVM")
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        pytest.skip("pyspark is not installed")
    session = (
        SparkSession.builder.master("local[2]").appName("seedbed-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
