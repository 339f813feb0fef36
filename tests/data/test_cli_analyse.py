"""`seedbed stats analyse` through the command line: JSON shape, errors and reports."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from seedbed.cli.main import app

runner = CliRunner()


def _invoke(*args: str):
    return runner.invoke(app, ["stats", "analyse", *args])


def test_json_shape(trial_parquet: Path) -> None:
    res = _invoke(str(trial_parquet), "--arm", "arm", "--outcome", "y", "--covariate", "x",
                  "--cluster", "school", "--strata", "region", "--subgroup", "sex",
                  "--cost", "cost", "--control", "control", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert set(out) >= {"engine", "arms", "control", "n_rows", "n_clusters", "outcomes", "srm",
                        "warnings"}
    assert out["arms"] == ["control", "treatment"]
    o = out["outcomes"][0]
    assert {s["arm"] for s in o["summaries"]} == {"control", "treatment"}
    for key in ("unadjusted", "adjusted"):
        est = o[key][0]
        assert set(est) >= {"arm", "effect", "se", "ci", "p", "df", "cov_type"}
        assert est["cov_type"] == "CR1" and len(est["ci"]) == 2
    assert o["adjusted_for"] == ["x", "region"]
    sg = o["subgroups"][0]
    assert sg["column"] == "sex" and 0 <= sg["interaction_p"] <= 1
    assert [lv["level"] for lv in sg["levels"]] == ["female", "male"]
    assert o["cost"][0]["incremental_cost"]["arm"] == "treatment"
    assert set(out["srm"]) >= {"chi2", "p", "mismatch", "observed", "expected"}


def test_csv_source_matches_parquet_source(tmp_path: Path, trial: pd.DataFrame,
                                           trial_parquet: Path) -> None:
    csv = tmp_path / "trial.csv"
    trial.to_csv(csv, index=False, float_format="%.17g")
    args = ["--arm", "arm", "--outcome", "y", "--covariate", "x", "--cluster", "school",
            "--json"]
    a = json.loads(_invoke(str(csv), *args).stdout)
    b = json.loads(_invoke(str(trial_parquet), *args).stdout)
    assert a["outcomes"][0]["adjusted"][0]["effect"] == pytest.approx(
        b["outcomes"][0]["adjusted"][0]["effect"], rel=1e-12)


def test_small_counts_are_suppressed(tmp_path: Path) -> None:
    df = pd.DataFrame({"arm": ["control"] * 30 + ["treatment"] * 4,
                       "y": [float(i % 7) for i in range(34)]})
    path = tmp_path / "t.parquet"
    df.to_parquet(path)
    out = json.loads(_invoke(str(path), "--arm", "arm", "--outcome", "y", "--json").stdout)
    summaries = out["outcomes"][0]["summaries"]
    assert summaries
    assert all(s["n"] is None and s["n_suppressed"] for s in summaries)
    assert "small_counts_suppressed" in out["warnings"]


def test_bad_file_gives_one_line_error_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("unit,arm,y\nu1,control,1\nu2,tretment,2\n")
    res = _invoke(str(path), "--arm", "arm", "--outcome", "y", "--arms", "control,treatment")
    assert res.exit_code == 2
    assert 'row 3, column "arm": unknown arm label "tretment"' in res.stderr
    assert "Traceback" not in res.output + res.stderr
    assert res.stderr.strip().splitlines()[-1].startswith("seedbed: error: 2 problems")


def test_bad_file_json_lists_problems(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("unit,arm,y\nu1,control,1\nu2,treatment,abc\n")
    res = _invoke(str(path), "--arm", "arm", "--outcome", "y", "--json")
    assert res.exit_code == 2
    out = json.loads(res.stdout)
    assert out["problems"][0] == {"row": 3, "column": "y", "kind": "not_a_number",
                                  "message": 'row 3, column "y": "abc" is not a number'}


@pytest.mark.parametrize("args, needle", [
    (["/nonexistent/t.parquet"], "no file or database"),
    (["postgresql://x:y@127.0.0.1:1/none"], "--table"),
    (["trial.dat"], "cannot tell the format"),
])
def test_source_errors(tmp_path: Path, args: list[str], needle: str) -> None:
    if args[0] == "trial.dat":
        (tmp_path / "trial.dat").write_text("a")
        args = [str(tmp_path / "trial.dat")]
    res = _invoke(*args, "--arm", "arm", "--outcome", "y")
    assert res.exit_code == 2 and needle in res.stderr


def test_cluster_in_both_arms_from_parquet_names_rows(tmp_path: Path) -> None:
    df = pd.DataFrame({"arm": ["control", "treatment", "treatment", "control"],
                       "y": [1.0, 2.0, 3.0, 4.0], "school": ["A", "B", "A", "C"]})
    path = tmp_path / "t.parquet"
    df.to_parquet(path)
    res = _invoke(str(path), "--arm", "arm", "--outcome", "y", "--cluster", "school")
    assert res.exit_code == 2
    assert 'row 3, column "school": cluster "A" is in arm "treatment"' in res.stderr


def test_html_report_is_self_contained(trial_parquet: Path, tmp_path: Path) -> None:
    report = tmp_path / "out.html"
    res = _invoke(str(trial_parquet), "--arm", "arm", "--outcome", "y", "--covariate", "x",
                  "--cluster", "school", "--subgroup", "sex", "--report", str(report), "--json")
    assert res.exit_code == 0, res.output
    html = report.read_text()
    assert html.count("<svg") >= 3
    assert "Effect on y" in html and "Distribution of y by arm" in html and "Effect by sex" in html
    for external in ("<script", "<link", "src=", "url(", "https://", "@import"):
        assert external not in html
    assert json.loads(res.stdout)["report"] == str(report)


def test_pdf_report(trial_parquet: Path, tmp_path: Path) -> None:
    pytest.importorskip("weasyprint", reason="WeasyPrint (and its system libraries) missing")
    report = tmp_path / "out.pdf"
    res = _invoke(str(trial_parquet), "--arm", "arm", "--outcome", "y", "--report", str(report))
    assert res.exit_code == 0, res.output
    assert report.read_bytes()[:5] == b"%PDF-" and report.stat().st_size > 5000


_ARGS = ["--arm", "arm", "--outcome", "y", "--covariate", "x", "--cluster", "school", "--json"]


@pytest.mark.postgres
def test_database_url_with_table(trial: pd.DataFrame, trial_parquet: Path, postgres_table,
                                 postgres_url: str) -> None:
    table = postgres_table(trial)
    res = _invoke(postgres_url, "--table", table, *_ARGS)
    assert res.exit_code == 0, res.output
    from_pg = json.loads(res.stdout)
    from_file = json.loads(_invoke(str(trial_parquet), *_ARGS).stdout)
    assert from_pg["engine"] == "postgres"
    assert from_pg["outcomes"][0]["adjusted"][0]["se"] == pytest.approx(
        from_file["outcomes"][0]["adjusted"][0]["se"], rel=1e-9)


@pytest.mark.spark
def test_spark_engine_on_a_file(trial_parquet: Path, spark) -> None:
    res = _invoke(str(trial_parquet), "--engine", "spark", *_ARGS)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    from_duckdb = json.loads(_invoke(str(trial_parquet), *_ARGS).stdout)
    assert out["engine"] == "spark"
    assert out["outcomes"][0]["adjusted"][0]["effect"] == pytest.approx(
        from_duckdb["outcomes"][0]["adjusted"][0]["effect"], rel=1e-9)


def test_human_output(trial_parquet: Path) -> None:
    res = _invoke(str(trial_parquet), "--arm", "arm", "--outcome", "y", "--covariate", "x",
                  "--cluster", "school", "--subgroup", "sex", "--cost", "cost")
    assert res.exit_code == 0, res.output
    for needle in ("outcome: y", "adjusted effect of treatment", "subgroups by sex",
                   "cost per unit of outcome gained", "sample ratio check"):
        assert needle in res.stdout
