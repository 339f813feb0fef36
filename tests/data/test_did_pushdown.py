"""Difference-in-differences pushed down (seedbed.data.did): the cohort moments computed in
the engine equal those built from the rows, so every estimate is the same; checks name the
unit (database) or the rows (file)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seedbed.data import DataError, SourceSpec
from seedbed.data import did as pushed
from seedbed.data.did import MSG_UNIT_VARIES, did_moments_source
from seedbed.stats.did import cohort_moments, did_staggered_moments
from tests.stats.test_did import panel


def _same(a: object, b: object) -> None:
    for name in ("n", "sums", "cross", "cluster_n", "cluster_sums"):
        x, y = getattr(a, name), getattr(b, name)
        if x is None:
            assert y is None
            continue
        np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-8)
    assert a.times == b.times and a.cohorts == b.cohorts  # type: ignore[attr-defined]
    assert a.units_dropped == b.units_dropped  # type: ignore[attr-defined]
    assert a.rows_dropped == b.rows_dropped  # type: ignore[attr-defined]


def _rows(df: pd.DataFrame, cluster: bool) -> object:
    return cohort_moments(unit=df.unit, time=df.t, outcome=df.y, first_treated=df.g,
                          cluster=df.cl if cluster else None)


def _duckdb_table(df: pd.DataFrame, path: Path) -> str:
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect(str(path))
    con.register("frame", df)
    con.execute("CREATE TABLE panel AS SELECT * FROM frame")
    con.close()
    return f"duckdb://{path}"


@pytest.mark.parametrize("cluster", [False, True])
def test_database_moments_equal_row_moments(tmp_path: Path, cluster: bool) -> None:
    df = panel(41, n=150)
    df.loc[[5, 40], "y"] = np.nan  # two units lose a period: dropped on both routes
    url = _duckdb_table(df, tmp_path / "p.duckdb")
    m = did_moments_source(spec=SourceSpec(location=url, table="panel"), unit="unit",
                           time="t", outcome="y", first_treated="g",
                           cluster="cl" if cluster else None)
    expected = _rows(df, cluster)
    _same(m, expected)
    a = did_staggered_moments(moments=m)
    b = did_staggered_moments(moments=expected)  # type: ignore[arg-type]
    assert a.att == pytest.approx(b.att, abs=1e-10) and a.se == pytest.approx(b.se, rel=1e-9)


def test_many_periods_are_summed_in_several_sql_queries(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pushed, "MAX_PRODUCTS_PER_QUERY", 7)
    monkeypatch.setattr(pushed, "LOCAL_PIVOT", False)  # the SQL route remote engines take
    df = panel(42, n=80, periods=9, cohorts=(0, 4, 7))
    path = tmp_path / "p.parquet"
    df.to_parquet(path, index=False)
    m = did_moments_source(spec=SourceSpec(location=str(path)), unit="unit", time="t",
                           outcome="y", first_treated="g")
    _same(m, _rows(df, False))


def test_database_checks_name_the_unit(tmp_path: Path) -> None:
    df = panel(43, n=20)
    df.loc[df.unit == "u3", "g"] = [3, 3, 3, 5, 5, 5, 5]
    url = _duckdb_table(df, tmp_path / "p.duckdb")
    with pytest.raises(DataError, match='unit "u3" has more than one value') as err:
        did_moments_source(spec=SourceSpec(location=url, table="panel"), unit="unit",
                           time="t", outcome="y", first_treated="g")
    assert MSG_UNIT_VARIES.format(column="g", unit="u3", first="3", other="5") in str(err.value)


@pytest.mark.postgres
def test_postgres_moments_equal_row_moments(postgres_table, postgres_url,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pushed, "MAX_PRODUCTS_PER_QUERY", 7)  # the pivot kept in a table
    df = panel(44, n=100)
    table = postgres_table(df, "panel")
    m = did_moments_source(spec=SourceSpec(location=postgres_url, table=table), unit="unit",
                           time="t", outcome="y", first_treated="g", cluster="cl")
    _same(m, _rows(df, True))


def test_a_typed_parquet_file_is_read_in_place_and_bad_rows_are_named(tmp_path: Path) -> None:
    from seedbed.data.panel import MSG_DUPLICATE_PERIOD

    df = panel(45, n=30)
    path = tmp_path / "p.parquet"
    df.to_parquet(path, index=False)
    m = did_moments_source(spec=SourceSpec(location=str(path)), unit="unit", time="t",
                           outcome="y", first_treated="g")
    _same(m, _rows(df, False))
    pd.concat([df, df.iloc[[8]]]).to_parquet(path, index=False)  # record 211 repeats 9
    with pytest.raises(DataError, match='unit "u1" already has a row for period 2') as err:
        did_moments_source(spec=SourceSpec(location=str(path)), unit="unit", time="t",
                           outcome="y", first_treated="g")
    assert MSG_DUPLICATE_PERIOD.format(row=211, column="t", unit="u1", period=2,
                                       first=9) in str(err.value)


def test_a_repeated_period_hidden_by_a_missing_one_is_found(tmp_path: Path) -> None:
    from seedbed.data.panel import MSG_DUPLICATE_PERIOD

    df = panel(46, n=30)
    df.loc[10, "t"] = 3  # unit u1: period 3 twice (rows 10 and 12), period 5 missing
    path = tmp_path / "p.parquet"
    df.to_parquet(path, index=False)
    with pytest.raises(DataError) as err:
        did_moments_source(spec=SourceSpec(location=str(path)), unit="unit", time="t",
                           outcome="y", first_treated="g")
    assert MSG_DUPLICATE_PERIOD.format(row=11, column="t", unit="u1", period=3,
                                       first=10) in str(err.value)


# --- rows a database table cannot place: refused, counted by column --------------------------

def _holes(df: pd.DataFrame) -> pd.DataFrame:
    """Two rows without a unit (one NULL, one blank), one without a period, and unit u5's
    rows without a cluster."""
    out = df.astype({"unit": object, "cl": object, "t": float})
    out.loc[3, "unit"] = None
    out.loc[10, "unit"] = "  "
    out.loc[17, "t"] = np.nan
    out.loc[out.unit == "u5", "cl"] = None
    return out


def _refusal(spec: SourceSpec, cluster: str | None) -> str:
    with pytest.raises(DataError) as err:
        did_moments_source(spec=spec, unit="unit", time="t", outcome="y", first_treated="g",
                           cluster=cluster)
    return str(err.value)


def _expect_counted(text: str, clustered: bool) -> None:
    from seedbed.data.tablecheck import MSG_MISSING_ROWS

    assert MSG_MISSING_ROWS.format(column="unit", count=2, s="s") in text
    assert MSG_MISSING_ROWS.format(column="t", count=1, s="") in text
    assert (MSG_MISSING_ROWS.format(column="cl", count=7, s="s") in text) == clustered
    assert text.startswith(f"{3 if clustered else 2} problems found")


@pytest.mark.parametrize("cluster", [None, "cl"])
def test_database_rows_without_unit_period_or_cluster_are_refused(tmp_path: Path,
                                                                  cluster: str | None) -> None:
    url = _duckdb_table(_holes(panel(47, n=30)), tmp_path / "p.duckdb")
    _expect_counted(_refusal(SourceSpec(location=url, table="panel"), cluster), bool(cluster))


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_file_rows_without_unit_or_cluster_are_refused_row_by_row(tmp_path: Path,
                                                                  suffix: str) -> None:
    from seedbed.data.panel import MSG_MISSING_VALUE

    df = _holes(panel(48, n=30))
    path = tmp_path / f"p{suffix}"
    df.to_csv(path, index=False) if suffix == ".csv" else df.to_parquet(path, index=False)
    text = _refusal(SourceSpec(location=str(path)), "cl")
    header = 1 if suffix == ".csv" else 0  # CSV rows count the header
    for index, column in [(3, "unit"), (10, "unit"), (17, "t"), (35, "cl")]:
        assert MSG_MISSING_VALUE.format(row=index + 1 + header, column=column) in text


@pytest.mark.postgres
@pytest.mark.parametrize("cluster", [None, "cl"])
def test_postgres_rows_without_unit_period_or_cluster_are_refused(
        postgres_table, postgres_url, cluster: str | None) -> None:
    table = postgres_table(_holes(panel(49, n=30)), "panel")
    _expect_counted(_refusal(SourceSpec(location=postgres_url, table=table), cluster),
                    bool(cluster))


def _as_text(df: pd.DataFrame) -> pd.DataFrame:
    """Numbers kept as text, as some council tables hold them: never treated as ''."""
    out = df.copy()
    out["g"] = [("" if g == 0 else f" {g} ") for g in df.g]
    out["y"] = [repr(float(v)) for v in df.y]
    out["t"] = [str(v) for v in df.t]
    return out


def test_database_numbers_kept_as_text_are_read_and_bad_ones_named(tmp_path: Path) -> None:
    from seedbed.data.tablecheck import MSG_UNIT_NOT_A_NUMBER

    df = panel(50, n=40)
    url = _duckdb_table(_as_text(df), tmp_path / "p.duckdb")
    m = did_moments_source(spec=SourceSpec(location=url, table="panel"), unit="unit",
                           time="t", outcome="y", first_treated="g")
    _same(m, _rows(df, False))
    bad = _as_text(df)
    bad.loc[8, "y"] = "n/a"  # unit u1
    bad.loc[30, "g"] = "soon"  # unit u4
    text = _refusal(SourceSpec(location=_duckdb_table(bad, tmp_path / "q.duckdb"),
                               table="panel"), None)
    assert MSG_UNIT_NOT_A_NUMBER.format(column="y", value="n/a", unit="u1") in text
    assert MSG_UNIT_NOT_A_NUMBER.format(column="g", value="soon", unit="u4") in text


@pytest.mark.postgres
def test_postgres_numbers_kept_as_text_are_read_and_bad_ones_named(postgres_table,
                                                                   postgres_url) -> None:
    from seedbed.data.tablecheck import MSG_UNIT_NOT_A_NUMBER

    df = panel(51, n=40)
    spec = SourceSpec(location=postgres_url, table=postgres_table(_as_text(df), "panel"))
    m = did_moments_source(spec=spec, unit="unit", time="t", outcome="y", first_treated="g",
                           cluster="cl")
    _same(m, _rows(df, True))
    bad = _as_text(df)
    bad.loc[8, "y"] = "abc"  # unit u1
    bad.loc[9, "y"] = ""  # empty: a missing outcome (unit u1 leaves the balanced panel)
    text = _refusal(SourceSpec(location=postgres_url, table=postgres_table(bad, "bad")), None)
    assert text.startswith("1 problem found")
    assert MSG_UNIT_NOT_A_NUMBER.format(column="y", value="abc", unit="u1") in text
    bad.loc[8, "y"] = ""
    m = did_moments_source(spec=SourceSpec(location=postgres_url,
                                           table=postgres_table(bad, "gappy")),
                           unit="unit", time="t", outcome="y", first_treated="g")
    assert (m.rows_dropped, m.units_dropped) == (2, 1)


@pytest.mark.parametrize("where", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_table_read_by_rows_parses_numbers_kept_as_text(request: pytest.FixtureRequest,
                                                          tmp_path: Path, where: str) -> None:
    """Interrupted time series, synthetic control and RD read a table's rows: a number kept
    as text is read, an empty one is missing, any other text is named by column and row."""
    from seedbed.data.errors import MSG_NOT_A_NUMBER
    from seedbed.data.panel import MSG_MISSING_VALUE, read_table

    df = pd.DataFrame({"period": [str(t) for t in range(1, 9)],
                       "y": ["1.5", " 2 ", "", "4e0", "5", "6", "7", "8"]})
    if where == "postgres":
        spec = SourceSpec(location=request.getfixturevalue("postgres_url"),
                          table=request.getfixturevalue("postgres_table")(df, "series"))
    else:
        spec = SourceSpec(location=_duckdb_table(df, tmp_path / "s.duckdb"), table="panel")
    got = read_table(spec=spec, text=[], numeric=["period", "y"], required=["period"])
    np.testing.assert_array_equal(got.columns["y"], [1.5, 2, np.nan, 4, 5, 6, 7, 8])
    np.testing.assert_array_equal(got.columns["period"], np.arange(1, 9))
    with pytest.raises(DataError) as err:
        read_table(spec=spec, text=[], numeric=["period", "y"], required=["y"])
    assert MSG_MISSING_VALUE.format(row=3, column="y") in str(err.value)
    df.loc[5, "y"] = "n/a"
    df.loc[6, "y"] = "NaN"
    spec = (SourceSpec(location=spec.location,
                       table=request.getfixturevalue("postgres_table")(df, "bad"))
            if where == "postgres"
            else SourceSpec(location=_duckdb_table(df, tmp_path / "b.duckdb"), table="panel"))
    with pytest.raises(DataError) as err:
        read_table(spec=spec, text=[], numeric=["period", "y"], required=["period"])
    assert MSG_NOT_A_NUMBER.format(row=6, column="y", value="n/a") in str(err.value)
    assert MSG_NOT_A_NUMBER.format(row=7, column="y", value="NaN") in str(err.value)


@pytest.mark.parametrize("where", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_database_nan_and_infinity_are_refused_not_summed(request: pytest.FixtureRequest,
                                                          tmp_path: Path, where: str) -> None:
    """A file refuses NaN as not a number; in a table's number columns it would make every
    estimate NaN, so it is refused too, counted by column."""
    from seedbed.data.tablecheck import MSG_NOT_FINITE_ROWS

    df = panel(52, n=30).astype({"t": float, "g": float})
    df.loc[4, "y"] = np.inf
    df.loc[[20, 21], "g"] = -np.inf
    if where == "postgres":
        import psycopg

        spec = SourceSpec(location=request.getfixturevalue("postgres_url"),
                          table=request.getfixturevalue("postgres_table")(df, "panel"))
        with psycopg.connect(spec.location, autocommit=True) as conn:  # NaN, not NULL
            conn.execute(f"UPDATE {spec.table} SET y = 'NaN' WHERE unit = 'u3' AND t = 2")
    else:
        url = _duckdb_table(df, tmp_path / "p.duckdb")
        duckdb = pytest.importorskip("duckdb")
        with duckdb.connect(url.removeprefix("duckdb://")) as con:
            con.execute("UPDATE panel SET y = 'NaN'::DOUBLE WHERE unit = 'u3' AND t = 2")
        spec = SourceSpec(location=url, table="panel")
    text = _refusal(spec, None)
    assert MSG_NOT_FINITE_ROWS.format(column="y", count=2, s="s") in text
    assert MSG_NOT_FINITE_ROWS.format(column="g", count=2, s="s") in text


@pytest.mark.spark
def test_spark_reads_numbers_kept_as_text_and_names_bad_ones(spark, tmp_path: Path) -> None:
    from seedbed.data.did import did_moments
    from seedbed.data.engines import SparkEngine
    from seedbed.data.tablecheck import MSG_UNIT_NOT_A_NUMBER

    df = panel(53, n=30)
    path = tmp_path / "text.parquet"
    _as_text(df).to_parquet(path, index=False)
    m = did_moments(engine=SparkEngine(parquet=str(path), session=spark), unit="unit",
                    time="t", outcome="y", first_treated="g", cluster="cl")
    _same(m, _rows(df, True))
    bad = _as_text(df)
    bad.loc[8, "y"] = "n/a"
    bad.to_parquet(path, index=False)
    with pytest.raises(DataError) as err:
        did_moments(engine=SparkEngine(parquet=str(path), session=spark), unit="unit",
                    time="t", outcome="y", first_treated="g")
    assert MSG_UNIT_NOT_A_NUMBER.format(column="y", value="n/a", unit="u1") in str(err.value)
