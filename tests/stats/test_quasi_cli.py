"""`seedbed stats rd` and `seedbed stats synth`: the JSON contract of issue 14, agreement with
the oracles through the command (rdrobust for RD, the exact simplex solution for synthetic
control) on generated CSV, Parquet and Excel files, and bad input refused with its row and
column named."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from seedbed.cli.main import app
from seedbed.cli.quasi import ERR_TREATED_NOT_FOUND
from seedbed.data.errors import MSG_NOT_A_NUMBER
from seedbed.data.panel import MSG_DUPLICATE_PERIOD, MSG_MISSING_VALUE
from seedbed.stats.synth import WARN_SYNTH_FEW_DONORS
from seedbed.stats.warnings import warning_text
from tests.stats.test_rd import _data, _fuzzy
from tests.stats.test_synth import _exhaustive, _panel

runner = CliRunner()
RD_KEYS = {"estimate", "se_robust", "ci_robust", "p_robust", "bandwidth", "n_left", "n_right",
           "density_p", "warnings"}
SYNTH_KEYS = {"weights", "att", "pre_rmspe", "placebo_p", "series", "warnings"}


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


@pytest.mark.parametrize(("kind", "seed", "suffix"), [
    ("uniform", 31, ".csv"), ("skewed_score", 32, ".parquet"), ("heteroskedastic", 33, ".xlsx"),
    ("mass_points", 34, ".csv"),
])
def test_rd_command_matches_rdrobust(tmp_path: Path, kind: str, seed: int, suffix: str) -> None:
    rdrobust = pytest.importorskip("rdrobust").rdrobust
    x, y, c = _data(kind, seed)
    path = _write(pd.DataFrame({"score": x, "outcome": y}), tmp_path / f"rd{suffix}")
    out = _run(["rd", str(path), "--running", "score", "--outcome", "outcome", "--cutoff",
                str(c), "--json"])
    assert RD_KEYS <= set(out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = rdrobust(y, x, c=c)
    assert out["estimate"] == pytest.approx(ref.coef.iloc[0, 0], rel=1e-6, abs=1e-6)
    assert out["se_robust"] == pytest.approx(ref.se.iloc[2, 0], rel=1e-6)
    assert out["ci_robust"] == pytest.approx(list(ref.ci.iloc[2]), rel=1e-6, abs=1e-6)
    assert out["p_robust"] == pytest.approx(ref.pv.iloc[2, 0], rel=1e-5)
    assert out["bandwidth"] == pytest.approx(ref.bws.iloc[0, 0], rel=1e-6)
    assert [out["n_left"], out["n_right"]] == [int(n) for n in ref.N_h]
    assert 0 <= out["density_p"] <= 1
    assert out["bins"] and out["assumptions"]
    fit = out["fit"]
    assert fit["right"]["intercept"] - fit["left"]["intercept"] == pytest.approx(
        out["estimate"], rel=1e-9, abs=1e-9)
    for side, beta in (("left", ref.beta_p_l), ("right", ref.beta_p_r)):
        coef = np.asarray(beta, dtype=float).reshape(2, -1)[:, 0]
        assert [fit[side]["intercept"], fit[side]["slope"]] == pytest.approx(
            list(coef), rel=1e-6, abs=1e-6)


@pytest.mark.parametrize(("seed", "one_sided", "cutoff", "suffix"), [
    (35, False, 0.0, ".csv"), (36, True, 0.0, ".parquet"), (37, False, 62.5, ".csv"),
])
def test_fuzzy_rd_command_matches_rdrobust(tmp_path: Path, seed: int, one_sided: bool,
                                           cutoff: float, suffix: str) -> None:
    """Take-up jumps at the cutoff (one-sided: nobody below it is served); the score is
    shifted so the cutoff need not be 0."""
    rdrobust = pytest.importorskip("rdrobust").rdrobust
    x, y, t = _fuzzy(seed, one_sided)
    x = x + cutoff
    path = _write(pd.DataFrame({"score": x, "outcome": y, "got": t}), tmp_path / f"f{suffix}")
    out = _run(["rd", str(path), "--running", "score", "--outcome", "outcome", "--cutoff",
                str(cutoff), "--treatment", "got", "--json"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = rdrobust(y, x, c=cutoff, fuzzy=t)
    assert out["design"] == "fuzzy"
    assert out["estimate"] == pytest.approx(ref.coef.iloc[0, 0], rel=1e-6)
    assert out["estimate_bias_corrected"] == pytest.approx(ref.coef.iloc[2, 0], rel=1e-6)
    assert out["se_robust"] == pytest.approx(ref.se.iloc[2, 0], rel=1e-6)
    assert out["se_conventional"] == pytest.approx(ref.se.iloc[0, 0], rel=1e-6)
    assert out["ci_robust"] == pytest.approx(list(ref.ci.iloc[2]), rel=1e-6, abs=1e-6)
    assert out["p_robust"] == pytest.approx(ref.pv.iloc[2, 0], rel=1e-5)
    assert out["bandwidth"] == pytest.approx(ref.bws.iloc[0, 0], rel=1e-6)
    assert [out["n_left"], out["n_right"]] == [int(n) for n in ref.N_h]
    assert out["first_stage"]["estimate"] == pytest.approx(ref.tau_T.iloc[0, 0], rel=1e-6)
    assert out["first_stage"]["se_robust"] == pytest.approx(ref.se_T.iloc[2, 0], rel=1e-6)
    sharp = _run(["rd", str(path), "--running", "score", "--outcome", "outcome", "--cutoff",
                  str(cutoff), "--json"])
    assert sharp["design"] == "sharp" and sharp["estimate"] != pytest.approx(out["estimate"])


def test_rd_command_on_the_senate_data(tmp_path: Path) -> None:
    datasets = pytest.importorskip("rdrobust.datasets")
    path = _write(datasets.rdrobust_RDsenate()[["margin", "vote"]], tmp_path / "senate.csv")
    out = _run(["rd", str(path), "--running", "margin", "--outcome", "vote", "--cutoff", "0",
                "--json"])
    assert round(out["estimate"], 3) == 7.414
    assert [round(v, 3) for v in out["ci_robust"]] == [4.094, 10.919]
    assert (out["n_left"], out["n_right"]) == (360, 323)


def test_rd_command_names_bad_rows_and_columns(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("score,outcome\n-1,2\nabc,3\n,4\n0.5,1\n")
    result = runner.invoke(app, ["stats", "rd", str(path), "--running", "score", "--outcome",
                                 "outcome", "--cutoff", "0"])
    assert result.exit_code != 0
    assert MSG_NOT_A_NUMBER.format(row=3, column="score", value="abc") in result.output
    assert MSG_MISSING_VALUE.format(row=4, column="score") in result.output
    result = runner.invoke(app, ["stats", "rd", str(path), "--running", "age", "--outcome",
                                 "outcome", "--cutoff", "0"])
    assert result.exit_code != 0 and "age" in result.output
    result = runner.invoke(app, ["stats", "rd", str(path), "--running", "score", "--outcome",
                                 "outcome", "--cutoff", "0", "--bandwidth", "-1"])
    assert result.exit_code != 0 and "--bandwidth" in result.output


@pytest.mark.parametrize(("seed", "suffix"), [(41, ".csv"), (42, ".parquet"), (43, ".xlsx")])
def test_synth_command_matches_the_exact_solution(tmp_path: Path, seed: int,
                                                  suffix: str) -> None:
    long, y, units, start = _panel(seed)
    path = _write(pd.DataFrame(long), tmp_path / f"panel{suffix}")
    out = _run(["synth", str(path), "--unit", "unit", "--time", "time", "--outcome", "y",
                "--treated", "area00", "--start", str(start), "--json"])
    assert SYNTH_KEYS <= set(out)
    pre = np.arange(y.shape[0]) < start - 2000
    exact = _exhaustive(y[pre][:, 1:], y[pre][:, 0])
    assert [out["weights"][u] for u in units[1:]] == pytest.approx(list(exact), abs=1e-6)
    gaps = y[:, 0] - y[:, 1:] @ exact
    assert out["att"] == pytest.approx(gaps[~pre].mean(), abs=1e-6)
    assert out["pre_rmspe"] == pytest.approx(np.sqrt(np.mean(gaps[pre] ** 2)), rel=1e-6)
    assert out["placebo_p"] == pytest.approx(1 / 11)  # the effect is the largest of all units
    assert [s["time"] for s in out["series"]] == list(range(2000, 2030))
    assert {p["unit"] for p in out["placebos"]} == set(units[1:])
    assert WARN_SYNTH_FEW_DONORS in out["warnings"]


def test_synth_command_text_output_shows_sentences(tmp_path: Path) -> None:
    long, _, _, start = _panel(44)
    path = _write(pd.DataFrame(long), tmp_path / "panel.csv")
    result = runner.invoke(app, ["stats", "synth", str(path), "--unit", "unit", "--time",
                                 "time", "--outcome", "y", "--treated", "area00", "--start",
                                 str(start)])
    assert result.exit_code == 0, result.output
    assert warning_text(WARN_SYNTH_FEW_DONORS) in result.output


def test_synth_command_names_bad_rows_and_an_unknown_unit(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("unit,time,y\na,1,1.0\na,2,2.0\nb,1,1.5\nb,1,x\nb,2,2.5\n")
    result = runner.invoke(app, ["stats", "synth", str(path), "--unit", "unit", "--time",
                                 "time", "--outcome", "y", "--treated", "a", "--start", "2"])
    assert result.exit_code != 0
    assert MSG_NOT_A_NUMBER.format(row=5, column="y", value="x") in result.output
    path.write_text("unit,time,y\na,1,1.0\na,2,2.0\nb,1,1.5\nb,1,1.7\nb,2,2.5\n")
    result = runner.invoke(app, ["stats", "synth", str(path), "--unit", "unit", "--time",
                                 "time", "--outcome", "y", "--treated", "a", "--start", "2"])
    assert result.exit_code != 0
    assert MSG_DUPLICATE_PERIOD.format(row=5, column="time", unit="b", period="1",
                                       first=4) in result.output
    path.write_text("unit,time,y\na,1,1.0\na,2,2.0\nb,1,1.5\nb,2,2.5\n")
    result = runner.invoke(app, ["stats", "synth", str(path), "--unit", "unit", "--time",
                                 "time", "--outcome", "y", "--treated", "z", "--start", "2"])
    assert result.exit_code != 0
    assert ERR_TREATED_NOT_FOUND.format(unit="z", column="unit") in result.output
