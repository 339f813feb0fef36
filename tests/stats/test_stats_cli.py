"""The `seedbed stats` command-line contract: flags and JSON keys exactly as in the issue."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seedbed.cli.main import app
from seedbed.stats.boundaries import group_sequential_design
from seedbed.stats.randomisation import allocate_blocks

runner = CliRunner()


def _json(args: list[str]) -> dict:
    result = runner.invoke(app, ["stats", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_power_continuous(sample_size_reference) -> None:
    out = _json(
        "power --outcome continuous --effect-size 0.5 --alpha 0.05 --power 0.8 --sides 2 --json".split()
    )
    assert isinstance(out["n_per_arm"], float) and isinstance(out["n_per_arm_rounded"], int)
    case = sample_size_reference["cases"][0]
    assert out["n_per_arm"] == pytest.approx(case["n_per_arm"], abs=0.005)
    assert out["n_per_arm_rounded"] == case["rounded_up"]


def test_power_binary_and_cluster(sample_size_reference) -> None:
    base = "power --outcome binary --p-control 0.5 --p-treatment 0.65 --alpha 0.05 --power 0.8"
    out = _json([*base.split(), "--json"])
    assert out["n_per_arm_rounded"] == 170
    clus = _json([*base.split(), "--icc", "0.05", "--cluster-size", "46", "--json"])
    case = sample_size_reference["cases"][2]
    assert clus["design_effect"] == pytest.approx(case["design_effect"])
    # Sedgwick's normal-approximation answer is still reported...
    assert 2 * clus["clusters_per_arm_normal"] == case["clusters"]
    assert 2 * clus["clusters_per_arm_normal"] * 46 == case["total_n"]
    # ...but the cluster-level t-test on 2G - 2 df needs 13 practices per arm (power 0.806)
    assert clus["clusters_per_arm"] == 13 and clus["total_n"] == 2 * 13 * 46
    assert clus["power"] == pytest.approx(0.806, abs=0.001)
    assert clus["n_per_arm"] == pytest.approx(out["n_per_arm"])


def test_power_stepped_wedge(sample_size_reference) -> None:
    out = _json(
        "power --outcome continuous --effect-size 0.5 --design stepped-wedge --steps 4 "
        "--cluster-size 10 --icc 0.05 --json".split()
    )
    assert out["design_effect"] == pytest.approx(0.535, abs=5e-4)
    assert {"n_per_arm", "n_per_arm_rounded", "design_effect", "power"} <= set(out)


@pytest.mark.parametrize(("m", "clusters", "per_step"), [(10, 44, 11), (20, 24, 6)])
def test_power_stepped_wedge_reproduces_kristunas(sample_size_reference, m, clusters, per_step):
    """Issue 12: this answered 12 clusters (power about 0.32) for clusters of 10."""
    out = _json(
        "power --outcome continuous --effect-size 0.2 --design stepped-wedge --steps 4 "
        f"--cluster-size {m} --icc 0.05 --json".split()
    )
    ref = next(c for c in sample_size_reference["cases"] if "target power" in c["what"])
    row = next(r for r in ref["values"] if r["n_per_cluster_per_period"] == m)
    assert out["clusters"] == row["clusters"] == clusters
    assert out["clusters_per_step"] == per_step
    assert out["power"] == pytest.approx(row["power"], abs=0.005)


def test_power_curve_in_json() -> None:
    out = _json(
        "power --outcome continuous --effect-size 0.2 --design stepped-wedge --steps 4 "
        "--cluster-size 10 --icc 0.05 --curve --json".split()
    )
    sizes = [p["size"] for p in out["curve"]]
    assert 44 in sizes and all(s % 4 == 0 for s in sizes)
    at = {p["size"]: p for p in out["curve"]}
    assert at[44]["power"] == pytest.approx(out["power"])
    below = max(s for s in sizes if s < 44)
    assert at[44]["mde"] <= 0.2 < at[below]["mde"] and at[below]["power"] < 0.8


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        ("--effect-size nan", "--effect-size"),
        ("--effect-size inf", "--effect-size"),
        ("--difference 1 --sd -10", "--sd"),
        ("--difference nan --sd 2", "--difference"),
        ("--effect-size 0.3 --n-per-arm -5", "--n-per-arm"),
        ("--effect-size 0.3 --n-per-arm 2.5", "--n-per-arm"),  # regression: was accepted
        ("--effect-size 0.3 --n-per-arm 1", "--n-per-arm"),
        ("--effect-size 0.3 --icc nan --cluster-size 10", "--icc"),
        ("--effect-size 0.3 --icc 0.05 --cluster-size 0", "--cluster-size"),
        ("--effect-size 0.3 --icc 0.05 --cluster-size 10 --cv -1", "--cv"),
        ("--effect-size 0.3 --alpha nan", "--alpha"),
        ("--effect-size 0.3 --power 1.5", "--power"),
        ("--outcome binary --p-control nan --p-treatment 0.3", "--p-control"),
        ("--effect-size 0.3 --design stepped-wedge --steps 1 --cluster-size 5 --icc 0.1", "--steps"),
        ("--effect-size 0.3 --looks 0", "--looks"),
        ("--effect-size 0.3 --curve-sizes 10,2.5", "--curve-sizes"),
        ("--effect-size 0.3 --curve-sizes 10,x", "--curve-sizes"),
    ],
)
def test_power_refuses_misleading_input(args: str, flag: str) -> None:
    result = runner.invoke(app, ["stats", "power", *args.split(), "--json"])
    assert result.exit_code == 2, result.output
    assert flag in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [
        "--looks 3 --alpha nan",
        "--looks 3 --harm-alpha nan",
        "--looks 3 --futility-z nan",
        "--looks 2 --information-rates 0.5,nan",
        "--looks 3 --power nan",
    ],
)
def test_boundaries_refuse_misleading_input(args: str) -> None:
    result = runner.invoke(app, ["stats", "boundaries", *args.split(), "--json"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_power_at_n_and_inflation() -> None:
    out = _json(
        "power --outcome continuous --effect-size 0.5 --n-per-arm 64 --looks 3 --json".split()
    )
    assert out["power_at_n"] == pytest.approx(0.8, abs=0.01)
    assert out["inflation_factor"] > 1


def test_power_errors_are_one_line() -> None:
    result = runner.invoke(app, ["stats", "power", "--outcome", "binary", "--json"])
    assert result.exit_code == 2
    assert "--p-control" in result.output


@pytest.mark.parametrize(
    "spending", ["obrien-fleming", "pocock", "classic-obrien-fleming", "classic-pocock"]
)
def test_boundaries_contract(group_sequential_reference, spending: str) -> None:
    out = _json(f"boundaries --looks 4 --alpha 0.05 --sides 2 --spending {spending} --json".split())
    expected = group_sequential_reference["critical_z"][spending]["4"]
    assert out["critical_z"] == pytest.approx(expected, abs=group_sequential_reference["tolerance"])
    assert out["cumulative_alpha"][-1] == pytest.approx(0.05, abs=1e-6)
    assert len(out["cumulative_alpha"]) == 4


def test_boundaries_with_information_rates_one_sided() -> None:
    out = _json(
        "boundaries --looks 3 --alpha 0.025 --sides 1 --spending pocock "
        "--information-rates 0.3,0.7,1 --json".split()
    )
    ref = group_sequential_design(
        looks=3, alpha=0.025, sides=1, spending="pocock", information_rates=[0.3, 0.7, 1.0]
    )
    assert out["critical_z"] == pytest.approx(list(ref.critical_z))
    bad = runner.invoke(
        app, "stats boundaries --looks 2 --information-rates 0.8,0.4 --json".split()
    )
    assert bad.exit_code == 2


def test_compare_means_and_proportions() -> None:
    out = _json(
        "compare --metric mean --control n=100,sum=500,sum_squares=2900 "
        "--treatment n=110,sum=600,sum_squares=3600 --difference absolute --json".split()
    )
    assert {"effect", "se", "ci", "p", "warnings"} <= set(out)
    assert out["effect"] == pytest.approx(600 / 110 - 5)
    var_c = (2900 - 500**2 / 100) / 99
    var_t = (3600 - 600**2 / 110) / 109
    assert out["se"] == pytest.approx((var_c / 100 + var_t / 110) ** 0.5)
    prop = _json(
        "compare --metric proportion --control n=200,sum=40 --treatment n=210,sum=60 "
        "--difference relative --alpha 0.1 --json".split()
    )
    assert prop["effect"] == pytest.approx((60 / 210) / 0.2 - 1)
    assert len(prop["ci"]) == 2


def test_compare_sequential_and_degenerate() -> None:
    out = _json(
        "compare --metric proportion --control n=500,sum=100 --treatment n=500,sum=140 "
        "--difference absolute --sequential --tuning 1000 --json".split()
    )
    fixed = _json(
        "compare --metric proportion --control n=500,sum=100 --treatment n=500,sum=140 --json".split()
    )
    assert out["ci"][0] < fixed["ci"][0] and out["p"] >= fixed["p"]
    zero = _json(
        "compare --metric mean --control n=1,sum=2,sum_squares=4 "
        "--treatment n=3,sum=3,sum_squares=3 --json".split()
    )
    assert zero["warnings"] and zero["se"] is None
    missing = runner.invoke(
        app,
        "stats compare --metric mean --control n=5,sum=3 --treatment n=5,sum=3,sum_squares=4".split(),
    )
    assert missing.exit_code == 2 and "sum_squares" in missing.output
    no_tuning = runner.invoke(
        app,
        "stats compare --metric mean --control n=5,sum=3,sum_squares=4 "
        "--treatment n=5,sum=3,sum_squares=4 --sequential".split(),
    )
    assert no_tuning.exit_code == 2


CLI_SEED = "6b1f0e9d2c7a4853b6e1f09d2c7a4853"


def _write_units(path: Path, n: int) -> None:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["pupil", "school", "year", "fsm"])
        for i in range(n):
            w.writerow([f"p{i}", f"s{i % 7}", f"y{i % 3}", "yes" if i % 4 == 0 else "no"])


def test_randomise_stratified(tmp_path: Path) -> None:
    units, alloc = tmp_path / "units.csv", tmp_path / "alloc.csv"
    _write_units(units, 120)
    out = _json(
        [
            "randomise",
            str(units),
            "--id",
            "pupil",
            "--arms",
            "control,treatment",
            "--strata",
            "year,fsm",
            "--block-sizes",
            "2,4",
            "--seed",
            CLI_SEED,
            "--protocol-hash",
            "abc",
            "--out",
            str(alloc),
            "--json",
        ]
    )
    assert out["seed_commitment"] == hashlib.sha256(f"{CLI_SEED}\nabc".encode()).hexdigest()
    assert out["n_units"] == 120 and out["max_imbalance"] <= 2
    rows = list(csv.DictReader(alloc.open()))
    assert [r["pupil"] for r in rows] == [f"p{i}" for i in range(120)]
    # Several strata columns make a tuple per unit (they were joined with "|", which merged
    # distinct strata such as ("a|b", "c") and ("a", "b|c")).
    strata = [(f"y{i % 3}", "yes" if i % 4 == 0 else "no") for i in range(120)]
    expected = allocate_blocks(
        arms=["control", "treatment"], seed=CLI_SEED, strata=strata, block_sizes=[2, 4]
    )
    assert [r["arm"] for r in rows] == expected.labels()


def test_randomise_cluster_and_errors(tmp_path: Path) -> None:
    units, alloc = tmp_path / "units.csv", tmp_path / "alloc.csv"
    _write_units(units, 70)
    out = _json(
        [
            "randomise",
            str(units),
            "--id",
            "pupil",
            "--arms",
            "a,b",
            "--cluster",
            "school",
            "--seed",
            CLI_SEED,
            "--out",
            str(alloc),
            "--json",
        ]
    )
    assert out["clusters"] == 7
    rows = list(csv.DictReader(alloc.open()))
    by_school: dict[str, set[str]] = {}
    for r in rows:
        by_school.setdefault(r["school"], set()).add(r["arm"])
    assert by_school
    assert all(len(v) == 1 for v in by_school.values())
    assert "fewer_than_20_clusters_per_arm" in out["warnings"]
    bad = runner.invoke(
        app,
        [
            "stats",
            "randomise",
            str(units),
            "--id",
            "nope",
            "--arms",
            "a,b",
            "--seed",
            CLI_SEED,
            "--out",
            str(alloc),
        ],
    )
    assert bad.exit_code == 2 and "nope" in bad.output
    blocks = runner.invoke(
        app,
        [
            "stats",
            "randomise",
            str(units),
            "--id",
            "pupil",
            "--arms",
            "a,b,c",
            "--block-sizes",
            "2,4",
            "--seed",
            CLI_SEED,
            "--out",
            str(alloc),
        ],
    )
    assert blocks.exit_code == 2


@pytest.mark.parametrize(("control", "message"), [
    ("n=10,sum=2.5", "sum (the number of successes) must be a whole number"),
    ("n=10,sum=nan", "sum must be a finite number"),
    ("n=nan,sum=2", "n must be a finite number"),
    ("n=-5,sum=0", "n must be a non-negative whole number"),
])
def test_compare_refuses_impossible_counts_in_one_line(control: str, message: str) -> None:
    """Regression: sum=2.5 successes was truncated to 2; n=nan raised a traceback."""
    result = runner.invoke(app, ["stats", "compare", "--metric", "proportion", "--control",
                                 control, "--treatment", "n=10,sum=4", "--json"])
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("seedbed: error: --control:")
    assert message in lines[0]


def test_compare_refuses_a_sum_of_squares_below_sum_squared_over_n() -> None:
    """Regression: sum_squares=100 with n=10, sum=50 (variance -16.7) returned p = 0.168."""
    result = runner.invoke(app, ["stats", "compare", "--metric", "mean", "--control",
                                 "n=10,sum=50,sum_squares=100", "--treatment",
                                 "n=10,sum=60,sum_squares=400", "--json"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("seedbed: error: --control: sum_squares")
    assert "250" in lines[0] and "Traceback" not in result.output


def test_compare_refuses_a_nan_mean_sum() -> None:
    result = runner.invoke(app, ["stats", "compare", "--metric", "mean", "--control",
                                 "n=10,sum=nan,sum_squares=5", "--treatment",
                                 "n=10,sum=4,sum_squares=5"])
    assert result.exit_code != 0 and "sum must be a finite number" in result.stderr
    assert "Traceback" not in result.output
