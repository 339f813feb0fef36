"""`seedbed stats did` and `seedbed stats its`: the JSON contract of issue 14, agreement with
the oracles through the command (csdid for DiD, statsmodels for ITS) on generated files, and
bad input refused with its row and column named."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from seedbed.cli.main import app
from seedbed.data.errors import MSG_NOT_A_NUMBER
from seedbed.data.panel import MSG_DUPLICATE_PERIOD, MSG_MISSING_VALUE, MSG_VARYING_WITHIN_UNIT
from tests.stats.test_did import panel
from tests.stats.test_its import _design, series

runner = CliRunner()
DID_KEYS = {"att", "se", "ci", "p", "by_group", "event_study", "pretrend_p", "warnings"}
ITS_KEYS = {"level_change", "slope_change", "se_level", "se_slope", "ci_level", "ci_slope",
            "lag", "autocorrelation_p", "warnings"}


def _run(args: list[str]) -> dict:
    result = runner.invoke(app, ["stats", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _write(df: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".csv":
        df.to_csv(path, index=False)
    elif path.suffix == ".parquet":
        df.to_parquet(path, index=False)
    else:
        df.to_excel(path, index=False)
    return path


@pytest.mark.parametrize(("seed", "suffix", "control"), [
    (21, ".csv", "never"), (22, ".parquet", "not-yet"), (23, ".xlsx", "never"),
])
def test_did_command_matches_csdid(tmp_path: Path, seed: int, suffix: str, control: str) -> None:
    csdid = pytest.importorskip("csdid.att_gt")
    df = panel(seed, n=120)
    path = _write(df, tmp_path / f"panel{suffix}")
    out = _run(["did", str(path), "--unit", "unit", "--time", "t", "--outcome", "y",
                "--first-treated", "g", "--control", control, "--json"])
    assert DID_KEYS <= set(out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = csdid.ATTgt(yname="y", tname="t", idname="id", gname="g",
                            data=df.assign(id=df.unit.str[1:].astype(int)),
                            control_group="nevertreated" if control == "never"
                            else "notyettreated").fit(est_method="reg", bstrap=False)
        group = model.aggte(typec="group").atte
        dynamic = model.aggte(typec="dynamic").atte
    assert out["att"] == pytest.approx(group["overall_att"], abs=1e-6)
    assert out["se"] == pytest.approx(group["overall_se"], rel=0.02)
    assert [e["e"] for e in out["event_study"]] == [int(e) for e in dynamic["egt"]]
    assert [e["att"] for e in out["event_study"]] == pytest.approx(list(dynamic["att_egt"]),
                                                                   abs=1e-6)
    assert [e["se"] for e in out["event_study"]] == pytest.approx(
        list(np.ravel(dynamic["se_egt"])), rel=0.02)
    assert out["pretrend_p"] == pytest.approx(model.MP["Wpval"], abs=1e-5)
    assert [b["group"] for b in out["by_group"]] == [3, 5, 6]


def test_did_command_with_clusters_and_two_periods(tmp_path: Path) -> None:
    df = panel(24, n=90, periods=2, cohorts=(0, 2))
    path = _write(df, tmp_path / "two.csv")
    out = _run(["did", str(path), "--unit", "unit", "--time", "t", "--outcome", "y",
                "--first-treated", "g", "--cluster", "cl", "--json"])
    assert out["n_clusters"] == 30
    assert out["two_by_two"]["att"] == pytest.approx(out["att"], abs=1e-10)
    assert out["two_by_two"]["cov_type"] == "CR1"
    text = runner.invoke(app, ["stats", "did", str(path), "--unit", "unit", "--time", "t",
                               "--outcome", "y", "--first-treated", "g"])
    assert text.exit_code == 0 and "Parallel trends" in text.stdout


def test_did_command_reads_a_database_table(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    df = panel(25, n=60)
    db = tmp_path / "council.duckdb"
    con = duckdb.connect(str(db))
    con.register("frame", df)
    con.execute("CREATE TABLE outcomes AS SELECT * FROM frame")
    con.close()
    from_db = _run(["did", f"duckdb://{db}", "--table", "outcomes", "--unit", "unit",
                    "--time", "t", "--outcome", "y", "--first-treated", "g", "--json"])
    from_file = _run(["did", str(_write(df, tmp_path / "p.csv")), "--unit", "unit", "--time",
                      "t", "--outcome", "y", "--first-treated", "g", "--json"])
    assert from_db["att"] == pytest.approx(from_file["att"], abs=1e-12)


def test_did_command_names_bad_rows_and_columns(tmp_path: Path) -> None:
    df = panel(26, n=10).astype(object)
    df.loc[4, "y"] = "abc"
    df.loc[12, "unit"] = None
    bad = _write(df, tmp_path / "bad.csv")
    args = ["--unit", "unit", "--time", "t", "--outcome", "y", "--first-treated", "g"]
    result = runner.invoke(app, ["stats", "did", str(bad), *args])
    assert result.exit_code == 2
    assert MSG_NOT_A_NUMBER.format(row=6, column="y", value="abc") in result.stderr
    assert MSG_MISSING_VALUE.format(row=14, column="unit") in result.stderr
    clean = panel(26, n=10)
    clean.loc[9, "g"] = 99  # row 11: unit u1, whose first row (8) says 3
    first = clean.g[clean.unit == "u1"].iloc[0]
    clean = pd.concat([clean, clean.iloc[[0]]])  # row 72 repeats row 2
    result = runner.invoke(app, ["stats", "did", str(_write(clean, tmp_path / "p.csv")),
                                 *args, "--json"])
    assert result.exit_code == 2
    problems = json.loads(result.stdout)["problems"]
    messages = [p["message"] for p in problems]
    assert MSG_VARYING_WITHIN_UNIT.format(row=11, column="g", unit="u1", value="99",
                                          first_value=str(first), first=9) in messages
    assert MSG_DUPLICATE_PERIOD.format(row=72, column="t", unit="u0", period=1,
                                       first=2) in messages


@pytest.mark.parametrize(("seed", "suffix", "extra"), [
    (31, ".csv", []), (32, ".parquet", ["--season", "month"]),
    (33, ".xlsx", ["--comparison", "comp", "--lags", "4"]),
])
def test_its_command_matches_statsmodels(tmp_path: Path, seed: int, suffix: str,
                                         extra: list[str]) -> None:
    sm = pytest.importorskip("statsmodels.api")
    t, y, month = series(seed, n=72, start=40, seasonal=True)
    _, comp, _ = series(seed + 50, n=72, level=0.0, slope=0.0)
    path = _write(pd.DataFrame({"period": t, "admissions": y, "comp": comp, "month": month}),
                  tmp_path / f"series{suffix}")
    out = _run(["its", str(path), "--time", "period", "--outcome", "admissions",
                "--start", "40", *extra, "--json"])
    assert ITS_KEYS <= set(out)
    seasons = "--season" in extra
    target = y - comp if "--comparison" in extra else y
    # Newey & West (1994): floor(4 (n/100)^(2/9)) = floor(3.72) = 3 for n = 72
    lag = 4 if "--lags" in extra else math.floor(4 * (72 / 100) ** (2 / 9))
    assert lag in (3, 4)
    fit = sm.OLS(target, _design(t, 40, month if seasons else None)).fit(
        cov_type="HAC", cov_kwds={"maxlags": lag, "use_correction": True}, use_t=True)
    assert out["level_change"] == pytest.approx(fit.params[2], abs=1e-6)
    assert out["slope_change"] == pytest.approx(fit.params[3], abs=1e-6)
    assert out["se_level"] == pytest.approx(fit.bse[2], rel=0.02)
    assert out["se_slope"] == pytest.approx(fit.bse[3], rel=0.02)
    assert out["lag"] == lag and len(out["series"]) == 72


def test_its_command_names_bad_rows(tmp_path: Path) -> None:
    t, y, _ = series(34)
    df = pd.DataFrame({"period": t, "y": y}).astype(object)
    df.loc[3, "y"] = "n.a."
    df.loc[7, "period"] = 3.0
    result = runner.invoke(app, ["stats", "its", str(_write(df, tmp_path / "s.csv")),
                                 "--time", "period", "--outcome", "y", "--start", "36"])
    assert result.exit_code == 2
    assert MSG_NOT_A_NUMBER.format(row=5, column="y", value="n.a.") in result.stderr
    df.loc[3, "y"] = 1.0
    result = runner.invoke(app, ["stats", "its", str(_write(df, tmp_path / "s.csv")),
                                 "--time", "period", "--outcome", "y", "--start", "36"])
    assert result.exit_code == 2
    assert "row 9, column \"period\": period 3 already has a row (row 4)" in result.stderr


def test_its_command_names_the_lags_option_when_the_lag_is_too_long(tmp_path: Path) -> None:
    t, y, _ = series(35, n=40, start=21)
    path = _write(pd.DataFrame({"period": t, "y": y}), tmp_path / "short.csv")
    result = runner.invoke(app, ["stats", "its", str(path), "--time", "period", "--outcome",
                                 "y", "--start", "21", "--lags", "100"])
    assert result.exit_code == 2
    assert "--lags: lags (100) must be fewer than the 40 periods with data" in result.stderr


@pytest.mark.parametrize("seed", [1401, 1402, 1403])
def test_two_by_two_block_uses_the_callaway_santanna_sample(tmp_path: Path, seed: int) -> None:
    """Already-treated units (first treated in period 1) and a unit missing a period are
    left out of the 2x2 as of Callaway & Sant'Anna; oracle: statsmodels cluster-robust OLS
    on that sample, built here with pandas."""
    smf = pytest.importorskip("statsmodels.formula.api")
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(int(rng.integers(90, 150))):
        g = (0, 1, 2)[i % 3]
        a = rng.normal()
        for t in (1, 2):
            rows.append((f"u{i}", t, a + 0.5 * t + (3.0 if g and t >= g else 0.0)
                         + rng.normal(), g, f"k{i % 8}"))
    df = pd.DataFrame(rows, columns=["unit", "t", "y", "g", "k"])
    df = df[~((df.unit == "u0") & (df.t == 2))]  # a never-treated unit missing period 2
    out = _run(["did", str(_write(df, tmp_path / "tbt.csv")), "--unit", "unit", "--time", "t",
                "--outcome", "y", "--first-treated", "g", "--cluster", "k", "--json"])
    two = out["two_by_two"]
    sample = df[df.g != 1]
    sample = sample[sample.groupby("unit").t.transform("size") == 2].copy()
    sample["G"] = (sample.g == 2).astype(int)
    sample["P"] = (sample.t == 2).astype(int)
    fit = smf.ols("y ~ G * P", sample).fit(
        cov_type="cluster", cov_kwds={"groups": sample.k.astype("category").cat.codes})
    assert two["att"] == pytest.approx(fit.params["G:P"], abs=1e-6)
    assert two["att"] == pytest.approx(out["att"], abs=1e-6)
    assert two["se"] == pytest.approx(fit.bse["G:P"], rel=0.02)
    assert two["n"] == len(sample)
    assert {"treated_in_first_period_dropped", "unbalanced_panel_units_dropped",
            "did_fewer_than_20_clusters"} <= set(two["warnings"])


def test_its_command_lag_rule_counts_the_periods_with_an_outcome(tmp_path: Path) -> None:
    """A file of 100 periods whose first and last outcomes are empty: the lag is the rule's
    for the 98 periods used (3), not for the 100 rows (4); oracle: statsmodels on those 98."""
    sm = pytest.importorskip("statsmodels.api")
    t, y, _ = series(36, n=100, start=50)
    df = pd.DataFrame({"period": t, "y": y}).astype(object)
    df.loc[[0, 99], "y"] = ""
    out = _run(["its", str(_write(df, tmp_path / "gaps.csv")), "--time", "period",
                "--outcome", "y", "--start", "50", "--json"])
    assert (out["n"], out["lag"]) == (98, 3)
    fit = sm.OLS(y[1:99], _design(t[1:99], 50)).fit(
        cov_type="HAC", cov_kwds={"maxlags": 3, "use_correction": True}, use_t=True)
    assert out["se_level"] == pytest.approx(fit.bse[2], rel=0.02)
    assert out["se_slope"] == pytest.approx(fit.bse[3], rel=0.02)
    assert "its_missing_rows_dropped" in out["warnings"]


def test_its_command_refuses_a_period_with_no_season(tmp_path: Path) -> None:
    """An empty season would otherwise become a season of its own, with its own dummy."""
    t, y, month = series(37, n=48, start=30, seasonal=True)
    df = pd.DataFrame({"period": t, "y": y, "month": month}).astype(object)
    df.loc[10, "month"] = ""
    result = runner.invoke(app, ["stats", "its", str(_write(df, tmp_path / "s.csv")),
                                 "--time", "period", "--outcome", "y", "--start", "30",
                                 "--season", "month"])
    assert result.exit_code == 2
    assert MSG_MISSING_VALUE.format(row=12, column="month") in result.stderr
