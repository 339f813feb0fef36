"""Randomisation inputs that cannot mislead: tuple strata, blank strata, strong seeds."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import secrets
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from seedbed.cli.main import app
from seedbed.stats.allocation import allocation_sequence, balance_report, stepped_wedge_schedule
from seedbed.stats.randomisation import (
    ERR_SEED_OPTION,
    ERR_SEED_WEAK,
    ERR_STRATUM_BLANK,
    ERR_STRATUM_BLANK_ROW,
    ERR_STRATUM_CASE,
    ERR_STRATUM_CASE_ROW,
    ERR_STRATUM_LIST_BLANK,
    ERR_STRATUM_WIDTH,
    MIN_SEED_BITS,
    BlankStratumError,
    StratumCaseError,
    WeakSeedError,
    allocate_blocks,
    allocate_clusters,
    allocate_simple,
    commitment_hash,
    seed_bits,
    stratum_keys,
    stratum_label,
)

runner = CliRunner()
SEED = "d41c8a0f7e3b5962d41c8a0f7e3b5962"
ARMS = ("control", "treatment")


# --- strata are tuples -----------------------------------------------------------------


def test_strata_that_joined_text_would_merge_stay_apart() -> None:
    strata = [("a|b", "c")] * 40 + [("a", "b|c")] * 40
    alloc = allocate_blocks(arms=ARMS, seed=SEED, strata=strata, block_sizes=[2, 4])
    report = balance_report(arm_index=alloc.arm_index, arms=ARMS, strata=strata)
    assert len(report.by_stratum) == 2
    assert sorted(report.by_stratum) == ['["a","b|c"]', '["a|b","c"]']
    # Each stratum runs its own sequence: the same as if it were the only stratum.
    alone = allocate_blocks(arms=ARMS, seed=SEED, strata=[("a", "b|c")] * 40, block_sizes=[2, 4])
    np.testing.assert_array_equal(alloc.arm_index[40:], alone.arm_index)
    assert alloc.stratum is not None and alloc.stratum[0] == ("a|b", "c")
    assert alloc.stratum_labels()[-1] == '["a","b|c"]'


def test_one_variable_keeps_its_value_as_the_stratum_text() -> None:
    """A single stratification variable's keys are unchanged (registered trials reproduce)."""
    as_values = allocate_blocks(arms=ARMS, seed=SEED, strata=["x", "y"] * 20)
    as_tuples = allocate_blocks(arms=ARMS, seed=SEED, strata=[("x",), ("y",)] * 20)
    np.testing.assert_array_equal(as_values.arm_index, as_tuples.arm_index)
    seq = allocation_sequence(arms=ARMS, seed=SEED, length=20, strata=["x", "y"])
    assert set(seq.by_stratum) == {"x", "y"}
    assert [e.arm for e in seq.by_stratum["x"]][:20] == list(
        np.asarray(as_values.labels())[::2]
    )


def test_pre_generated_sequence_for_tuple_strata_matches_the_unit_list() -> None:
    strata = [("a|b", "c"), ("a", "b|c")] * 15
    alloc = allocate_blocks(arms=ARMS, seed=SEED, strata=strata)
    seq = allocation_sequence(
        arms=ARMS, seed=SEED, length=15, strata=[("a|b", "c"), ("a", "b|c")]
    )
    labels = np.asarray(alloc.labels())
    assert [e.arm for e in seq.by_stratum['["a|b","c"]']][:15] == list(labels[::2])
    assert [e.arm for e in seq.by_stratum['["a","b|c"]']][:15] == list(labels[1::2])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(max_size=4), min_size=2, max_size=2),
    st.lists(st.text(max_size=4), min_size=2, max_size=2),
)
def test_stratum_text_is_one_to_one(a, b) -> None:
    assert (stratum_label(tuple(a)) == stratum_label(tuple(b))) == (a == b)


def test_units_with_different_numbers_of_values_are_refused() -> None:
    expected = ERR_STRATUM_WIDTH.format(unit=2, found=1, expected=2)
    with pytest.raises(ValueError, match=re.escape(expected)):
        stratum_keys([("a", "b"), ("a",)])
    with pytest.raises(ValueError, match=re.escape(expected)):
        stratum_keys([("a", "b"), "a"])


def test_cluster_strata_can_be_tuples() -> None:
    clusters = np.repeat(np.arange(8), 5)
    strata = [("a|b", "c") if c < 4 else ("a", "b|c") for c in clusters]
    alloc = allocate_clusters(clusters=clusters, arms=ARMS, seed=SEED, strata=strata)
    assert alloc.stratum is not None
    assert {stratum_label(k) for k in alloc.stratum} == {'["a|b","c"]', '["a","b|c"]'}
    per = balance_report(arm_index=alloc.arm_index[::5], arms=ARMS, strata=alloc.stratum[::5])
    assert per.by_stratum
    assert all(v == {"control": 2, "treatment": 2} for v in per.by_stratum.values())


# --- blank strata are refused ----------------------------------------------------------


@pytest.mark.parametrize("blank", ["", "   ", None, float("nan")])
def test_blank_stratum_value_is_refused_naming_the_unit_and_variable(blank) -> None:
    strata = [("north", "yes"), ("south", "no"), ("north", blank), ("south", "yes")]
    with pytest.raises(BlankStratumError, match="unit 3 has a blank value for stratification variable 2") as info:
        allocate_blocks(arms=ARMS, seed=SEED, strata=strata)
    assert (info.value.unit, info.value.column) == (2, 1)
    assert str(info.value) == ERR_STRATUM_BLANK.format(unit=3, column=2)


def test_blank_stratum_in_a_numpy_column_is_refused() -> None:
    strata = np.array(["a", "b", "a", "", "b"])
    with pytest.raises(BlankStratumError, match="unit 4 has a blank value for stratification variable 1") as info:
        allocate_blocks(arms=ARMS, seed=SEED, strata=strata)
    assert info.value.unit == 3
    with pytest.raises(BlankStratumError, match="unit 4 has a blank value for stratification variable 1"):
        allocate_clusters(clusters=np.arange(5), arms=ARMS, seed=SEED, strata=strata)
    with pytest.raises(BlankStratumError, match="unit 2 has a blank value for stratification variable 1"):
        allocate_blocks(arms=ARMS, seed=SEED, strata=np.array([1.0, np.nan]))


def test_stratum_values_are_trimmed() -> None:
    # regression: "a" and "a " were two strata (and "a " got its own sequence)
    padded = allocate_blocks(arms=ARMS, seed=SEED, strata=["a", "a ", " a", "b", "b\t", "a"])
    plain = allocate_blocks(arms=ARMS, seed=SEED, strata=["a", "a", "a", "b", "b", "a"])
    assert np.array_equal(padded.arm_index, plain.arm_index)
    assert stratum_keys(["a", "a "])[0] == (("a",),)
    assert padded.stratum_labels() == plain.stratum_labels()
    tuples = allocate_blocks(arms=ARMS, seed=SEED, strata=[("n", "x "), ("n ", "x"), ("s", "y")])
    assert len(set(tuples.stratum_labels())) == 2


def test_stratum_values_differing_only_in_case_are_refused() -> None:
    # regression: "a", "A", "a " gave three strata with only strata_with_one_unit
    with pytest.raises(StratumCaseError, match="unit 3 has the value 'A' .* differs only in case from 'a'") as info:
        allocate_blocks(arms=ARMS, seed=SEED, strata=[("x", "a"), ("x", "b"), ("x", "A "),
                                                      ("x", "B")])
    assert (info.value.unit, info.value.column) == (2, 1)
    assert str(info.value) == ERR_STRATUM_CASE.format(unit=3, column=2, value="A", first="a",
                                                      first_unit=1)
    with pytest.raises(StratumCaseError, match="unit 3 has the value 'north' .* differs only in case from 'North'"):
        allocate_clusters(clusters=np.arange(3), arms=ARMS, seed=SEED,
                          strata=np.array(["North", "south", "north"]))


def test_blank_stratum_in_a_pre_generated_sequence_is_refused() -> None:
    with pytest.raises(ValueError, match=re.escape(ERR_STRATUM_LIST_BLANK.format(position=2))):
        allocation_sequence(arms=ARMS, seed=SEED, length=4, strata=["a", " "])
    unstratified = allocation_sequence(arms=ARMS, seed=SEED, length=4)
    assert list(unstratified.by_stratum) == [""]


# --- seeds must hold 128 bits ----------------------------------------------------------


def test_a_short_seed_is_recoverable_from_its_commitment() -> None:
    """Why short seeds are refused: 10^4 guesses find a four-digit seed from its hash."""
    published = commitment_hash(seed="4821", protocol_hash="abc")
    found = next(
        str(g) for g in range(10_000) if commitment_hash(seed=str(g), protocol_hash="abc")
        == published
    )
    assert found == "4821"


@pytest.mark.parametrize(
    "seed",
    ["4821", "s3cret", "northfield-demo-calls", "0123456789abcdef0123456789abcde", "a" * 19],
)
def test_short_seeds_are_refused_everywhere(seed) -> None:
    assert seed_bits(seed) < MIN_SEED_BITS
    for call in (
        lambda: allocate_simple(n=4, arms=ARMS, seed=seed),
        lambda: allocate_blocks(n=4, arms=ARMS, seed=seed),
        lambda: allocate_clusters(clusters=["a", "b"], arms=ARMS, seed=seed),
        lambda: allocation_sequence(arms=ARMS, seed=seed, length=4),
        lambda: stepped_wedge_schedule(clusters=["a", "b"], steps=2, seed=seed),
    ):
        with pytest.raises(WeakSeedError, match="needs at least 128"):
            call()


def test_strong_seeds_are_accepted() -> None:
    for seed in (secrets.token_hex(16), secrets.token_urlsafe(22), "0" * 32, "Aé" * 8):
        assert seed_bits(seed) >= MIN_SEED_BITS
        allocate_blocks(n=4, arms=ARMS, seed=seed)
    # The bound per character: hex 4 bits, base64 6 bits, printable ASCII log2(95).
    assert seed_bits("4821") == pytest.approx(16.0)
    assert seed_bits("Zz-_" * 5) == pytest.approx(120.0)
    assert seed_bits("!" * 20) == pytest.approx(20 * np.log2(95))
    assert ERR_SEED_WEAK.format(bits=16).startswith("the seed can hold at most 16 bits")


# --- the command line ------------------------------------------------------------------


def _units(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows([["id", "area", "group"], *rows])
    return path


def _randomise(tmp_path: Path, units: Path, *extra: str):
    return runner.invoke(
        app,
        ["stats", "randomise", str(units), "--id", "id", "--arms", "control,treatment",
         "--strata", "area,group", "--out", str(tmp_path / "alloc.csv"), "--json", *extra],
    )


def test_cli_keeps_strata_apart_that_joined_text_merged(tmp_path: Path) -> None:
    rows = [[f"u{i}", "a|b", "c"] for i in range(10)] + [[f"v{i}", "a", "b|c"] for i in range(10)]
    result = _randomise(tmp_path, _units(tmp_path / "u.csv", rows), "--seed", SEED)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["strata"] == 2
    assert set(out["by_stratum"]) == {'["a|b","c"]', '["a","b|c"]'}
    written = list(csv.DictReader((tmp_path / "alloc.csv").open()))
    assert written[0]["stratum"] == '["a|b","c"]' and written[-1]["stratum"] == '["a","b|c"]'


def test_cli_refuses_a_blank_stratum_naming_row_and_column(tmp_path: Path) -> None:
    rows = [["u1", "north", "x"], ["u2", "south", "y"], ["u3", "north", " "]]
    units = _units(tmp_path / "u.csv", rows)
    result = _randomise(tmp_path, units, "--seed", SEED)
    assert result.exit_code == 2
    assert ERR_STRATUM_BLANK_ROW.format(path=units, row=4, column="group") in result.output
    assert "Traceback" not in result.output


def test_cli_refuses_a_short_seed_and_says_how_to_get_one(tmp_path: Path) -> None:
    units = _units(tmp_path / "u.csv", [["u1", "n", "x"], ["u2", "s", "y"]])
    result = _randomise(tmp_path, units, "--seed", "4821")
    assert result.exit_code == 2
    weak = ERR_SEED_WEAK.format(bits=16)
    assert ERR_SEED_OPTION.format(problem=weak) in " ".join(result.output.split())
    assert "--seed" in result.output and "128" in result.output
    assert "token_hex" in result.output and "leave --seed out" in result.output
    assert not (tmp_path / "alloc.csv").exists()


def test_cli_draws_and_prints_a_strong_seed_when_none_is_given(tmp_path: Path) -> None:
    units = _units(tmp_path / "u.csv", [[f"u{i}", "n", "x"] for i in range(8)])
    result = _randomise(tmp_path, units, "--protocol-hash", "abc")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert re.fullmatch(r"[0-9a-f]{32}", out["seed"]) and "secret" in out["seed_note"]
    assert out["seed_commitment"] == hashlib.sha256(f"{out['seed']}\nabc".encode()).hexdigest()
    again = allocate_blocks(arms=ARMS, seed=out["seed"], strata=[("n", "x")] * 8)
    written = [r["arm"] for r in csv.DictReader((tmp_path / "alloc.csv").open())]
    assert written == again.labels()


def test_cli_refuses_strata_differing_only_in_case(tmp_path: Path) -> None:
    rows = [["u1", "north", "x"], ["u2", "North ", "x"], ["u3", "south ", "y"]]
    units = _units(tmp_path / "u.csv", rows)
    result = _randomise(tmp_path, units, "--seed", SEED)
    assert result.exit_code == 2
    assert ERR_STRATUM_CASE_ROW.format(path=units, row=3, column="area", value="North",
                                       first="north", first_row=2) in result.output
    assert "Traceback" not in result.output
