"""`seedbed text similar` and `seedbed text themes`: JSON shape, index re-use, errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seedbed.cli.main import app

runner = CliRunner()
ROWS = [
    ("n1", "Potholes on Mill Lane are damaging cars"),
    ("n2", "The potholes on Mill Lane need filling"),
    ("n3", "The bus to the hospital is always late"),
    ("n4", "Buses to the hospital are late every day"),
    ("n5", "Street lights are out near the school"),
    ("n6", "Street lights near the school are broken"),
]


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SEEDBED_TEXT_INDEX_HOME", str(tmp_path / "indexes"))
    path = tmp_path / "needs.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ref", "description"])
        writer.writerows(ROWS)
    return path


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["text", *args])
    return result.exit_code, result.stdout


def test_similar_json(corpus: Path, backend: str) -> None:
    args = ["similar", str(corpus), "--text-col", "description", "--id-col", "ref",
            "--query", "Mill Lane has potholes", "--k", "2", "--backend", backend, "--json"]  # fmt: skip
    code, out = run(*args)
    assert code == 0, out
    payload = json.loads(out)
    assert set(payload) == {"backend", "query", "k", "matches", "index", "warnings"}
    assert payload["backend"] == backend and payload["k"] == 2
    assert [m["id"] for m in payload["matches"]][:2] in (["n1", "n2"], ["n2", "n1"])
    assert set(payload["matches"][0]) == {"id", "score", "text"}
    assert payload["index"]["embedded"] == len(ROWS)
    # Second run re-uses every stored embedding.
    again = json.loads(run(*args)[1])
    assert again["index"]["embedded"] == 0 and again["index"]["reused"] == len(ROWS)
    assert again["matches"] == payload["matches"]


def test_similar_uses_row_numbers_without_an_id_column(corpus: Path, tmp_path: Path) -> None:
    code, out = run("similar", str(corpus), "--text-col", "description", "--query",
                    "late buses", "--backend", "tfidf", "--index", str(tmp_path / "i"), "--json")  # fmt: skip
    assert code == 0
    assert {m["id"] for m in json.loads(out)["matches"][:2]} == {"3", "4"}
    assert (tmp_path / "i" / "manifest.json").is_file()


def test_themes_json(corpus: Path, backend: str) -> None:
    code, out = run("themes", str(corpus), "--text-col", "description", "--id-col", "ref",
                    "--min-size", "2", "--clusters", "3", "--backend", backend, "--json")  # fmt: skip
    assert code == 0, out
    payload = json.loads(out)
    assert set(payload) == {"backend", "min_size", "n_clusters", "themes", "unassigned_ids",
                            "warnings"}  # fmt: skip
    theme_keys = {"label_words", "representative_id", "representative_text", "member_ids", "size"}
    assert all(set(t) == theme_keys for t in payload["themes"])
    assert sorted(sorted(t["member_ids"]) for t in payload["themes"]) == [
        ["n1", "n2"], ["n3", "n4"], ["n5", "n6"]]  # fmt: skip


def test_plain_output(corpus: Path) -> None:
    code, out = run("themes", str(corpus), "--text-col", "description", "--min-size", "2",
                    "--backend", "tfidf")  # fmt: skip
    assert code == 0 and "e.g." in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["similar", "{corpus}", "--text-col", "nope", "--query", "x"], "no column 'nope'"),
        (
            ["themes", "{corpus}", "--text-col", "description", "--backend", "bert"],
            "unknown text backend",
        ),
        (["themes", "missing.csv", "--text-col", "description"], "no such file"),
    ],
)
def test_errors_are_one_line(corpus: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["text", *[a.format(corpus=corpus) for a in args]])
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr
