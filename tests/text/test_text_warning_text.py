"""`seedbed text similar`'s text output shows a warning as a sentence (seedbed.stats.warnings);
its JSON keeps the code."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seedbed.cli.main import app
from seedbed.stats.warnings import WARNING_TEXT
from seedbed.text.codes import K_EXCEEDS_CORPUS

runner = CliRunner()


def test_similar_text_output_shows_the_sentence(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEEDBED_TEXT_INDEX_HOME", str(tmp_path / "indexes"))
    corpus = tmp_path / "needs.csv"
    with corpus.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ref", "description"])
        writer.writerows([("n1", "Potholes on Mill Lane"), ("n2", "The bus is always late")])
    args = ["text", "similar", str(corpus), "--text-col", "description", "--id-col", "ref",
            "--query", "potholes", "--k", "5", "--backend", "tfidf"]
    as_json = runner.invoke(app, [*args, "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert K_EXCEEDS_CORPUS in json.loads(as_json.stdout)["warnings"]
    as_text = runner.invoke(app, args)
    assert as_text.exit_code == 0, as_text.output
    assert f"warning: {WARNING_TEXT[K_EXCEEDS_CORPUS]}" in as_text.stderr
    assert K_EXCEEDS_CORPUS not in as_text.stderr
