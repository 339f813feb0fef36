"""`seedbed pb count`'s text output shows a warning as a sentence (seedbed.stats.warnings);
its JSON keeps the code."""

from __future__ import annotations

import json

from pb_helpers import pabulib_path
from typer.testing import CliRunner

from seedbed.cli.main import app
from seedbed.pb.outcome import THRESHOLD_FROM_META
from seedbed.stats.warnings import WARNING_TEXT

runner = CliRunner()


def test_count_text_output_shows_the_sentence_and_json_the_code() -> None:
    args = ["pb", "count", str(pabulib_path("Netherlands_Assen_2024.pb")),
            "--rule", "greedy-threshold"]
    as_json = runner.invoke(app, [*args, "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert THRESHOLD_FROM_META in json.loads(as_json.stdout)["warnings"]
    as_text = runner.invoke(app, args)
    assert as_text.exit_code == 0, as_text.output
    assert f"warning: {WARNING_TEXT[THRESHOLD_FROM_META]}" in as_text.stderr
    assert THRESHOLD_FROM_META not in as_text.stderr
