"""`seedbed pb count` and `seedbed pb validate` through the real command (CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pb_helpers import pabulib_path
from typer.testing import CliRunner

from seedbed.cli.main import app

RULES = ["greedy", "greedy-threshold", "greedy-no-skip", "mes", "mes-add1", "mes-add1-fill",
         "phragmen"]

runner = CliRunner()


def _count(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["pb", "count", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("rule", RULES)
def test_count_json_shape(rule: str, reference: dict[str, Any]) -> None:
    path = pabulib_path("Netherlands_Assen_2024.pb")
    out = _count(str(path), "--rule", rule)
    assert set(out) >= {"selected", "cost", "budget", "rule", "utility", "voters", "warnings"}
    assert isinstance(out["selected"], list) and all(isinstance(p, str) for p in out["selected"])
    assert out["rule"] == rule
    assert out["budget"] == 100000 and isinstance(out["cost"], int)
    assert out["cost"] <= out["budget"]
    assert "explanation" not in out


def test_count_matches_reference(reference: dict[str, Any]) -> None:
    path = pabulib_path("Poland_Swiecie_2023.pb")
    out = _count(str(path), "--rule", "mes-add1-fill", "--utility", "cost")
    assert sorted(out["selected"]) == reference["Poland_Swiecie_2023.pb"]["official_selected"]
    assert out["add1_steps"] > 0 and out["budget_per_voter"] > 1070000 / 2553
    card = _count(str(path), "--rule", "greedy", "--utility", "cardinality")
    key = "greedy_utilitarian_welfare(sat_class=Cardinality_Sat)"
    assert sorted(card["selected"]) == reference["Poland_Swiecie_2023.pb"]["results"][key][
        "winners"]


def test_count_threshold_option() -> None:
    path = pabulib_path("Poland_Swiecie_2023.pb")
    out = _count(str(path), "--rule", "greedy-threshold", "--threshold", "400")
    assert out["threshold"] == 400
    loose = _count(str(path), "--rule", "greedy-threshold", "--threshold", "0")
    assert set(out["selected"]) != set(loose["selected"])


@pytest.mark.parametrize("rule", ["mes-add1", "greedy", "phragmen", "mes-add1-fill"])
def test_count_explain(rule: str) -> None:
    path = pabulib_path("Netherlands_Assen_2024.pb")
    out = _count(str(path), "--rule", rule, "--explain")
    notes = out["explanation"]
    assert len(notes) == 14
    for pid, note in notes.items():
        assert note["project_id"] == pid
        assert note["funded"] == (pid in out["selected"])
        assert isinstance(note["reason"], str) and note["reason"]
    summary = out["voter_summary"]
    assert summary["voters"] == 84
    assert sum(summary["histogram"].values()) == 84
    if rule == "mes-add1":
        first = notes[out["selected"][0]]
        assert first["round"] == 1 and first["payers"] == first["votes"]
        assert "price_per_supporter" in first and "rho" in first
        rejected = [n for n in notes.values() if not n["funded"] and n["votes"] > 0]
        assert rejected and all("money_left_share" in n for n in rejected)
    if rule == "greedy":
        assert all("rank" in n and "remaining_budget" in n for n in notes.values())


def test_count_human_output() -> None:
    path = pabulib_path("Netherlands_Assen_2024.pb")
    result = runner.invoke(app, ["pb", "count", str(path), "--rule", "greedy"])
    assert result.exit_code == 0
    assert "projects funded" in result.stdout


def test_count_bad_file_exits_2_with_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pb"
    bad.write_text("META\nkey;value\nbudget;-3\nvote_type;approval\n")
    result = runner.invoke(app, ["pb", "count", str(bad), "--rule", "mes", "--json"])
    assert result.exit_code == 2
    assert "line 3:" in result.stderr
    assert result.stdout == ""


def test_count_rejects_unknown_rule() -> None:
    path = pabulib_path("Netherlands_Assen_2024.pb")
    result = runner.invoke(app, ["pb", "count", str(path), "--rule", "borda", "--json"])
    assert result.exit_code != 0


def test_validate_valid_file_exits_0() -> None:
    path = pabulib_path("Poland_Swiecie_2023.pb")
    result = runner.invoke(app, ["pb", "validate", str(path)])
    assert result.exit_code == 0
    assert result.stdout == ""


def test_validate_lists_problems_one_per_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pb"
    bad.write_text(
        "META\nkey;value\nnum_projects;1\nnum_votes;2\nbudget;-3\nvote_type;approval\n"
        "PROJECTS\nproject_id;cost\na;ten\nVOTES\nvoter_id;vote\n1;a\n1;b\n"
    )
    result = runner.invoke(app, ["pb", "validate", str(bad)])
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("line 5:") and "negative" in lines[0]
    assert any(x.startswith("line 9:") and "cost" in x for x in lines)
    assert any(x.startswith("line 13:") and "used twice" in x for x in lines)
    assert any(x.startswith("line 13:") and "unknown project 'b'" in x for x in lines)
    as_json = runner.invoke(app, ["pb", "validate", str(bad), "--json"])
    assert as_json.exit_code == 1
    payload = json.loads(as_json.stdout)
    assert payload["valid"] is False and len(payload["problems"]) == len(lines)
