"""One catalogue of warning codes (seedbed.stats.warnings): every ``WARN_*`` code in the source
has a plain-English sentence, no sentence outlives its code, and the CLI's text output shows
sentences while its JSON keeps the codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from seedbed.cli.main import app
from seedbed.data.analysis import WARN_COUNTS_SUPPRESSED, WARN_MISSING_OUTCOME
from seedbed.stats.randomisation import WARN_FEW_CLUSTERS
from seedbed.stats.warnings import UNKNOWN_WARNING, WARNING_TEXT, warning_text, warning_texts

SRC = Path(__file__).resolve().parents[2] / "src" / "seedbed"
CODE = re.compile(r'^(WARN_[A-Z_0-9]+) = "([a-z0-9_]+)"', re.MULTILINE)
ANY_WARN = re.compile(r"^(WARN_[A-Z_0-9]+) = (.*)$", re.MULTILINE)
# The few WARN_ constants that are already whole sentences (templates filled in by the app and
# shown as they are), not codes; they stay out of the catalogue.
SENTENCE_START = re.compile(r'^\(?\s*"[A-Z][^"]* [^"]*')


# The participatory-budgeting count and the text engine keep their own code modules.
OTHER_CODES = {"pb/outcome.py": re.compile(r'^([A-Z_]+) = "([a-z-]+)"', re.MULTILINE),
               "text/codes.py": re.compile(r'^([A-Z_]+) = "([a-z_]+)"', re.MULTILINE)}


def _source_codes() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for name, code in CODE.findall(text):
            found.setdefault(code, []).append(f"{path.relative_to(SRC)}:{name}")
    for where, pattern in OTHER_CODES.items():
        for name, code in pattern.findall((SRC / where).read_text(encoding="utf-8")):
            found.setdefault(code, []).append(f"{where}:{name}")
    return found


def test_the_scan_finds_the_engines_codes() -> None:
    codes = _source_codes()
    # the scan is not vacuous: codes from the stats engine, the data engine and an app
    assert len(codes) > 60
    assert {"missing_outcome_rows_dropped", "zero_variance", "stepped_wedge_schedule_missing",
            "fewer_than_20_clusters_per_arm", "no-voters", "empty_corpus"} <= set(codes)


def test_every_warning_code_in_the_source_has_a_sentence() -> None:
    missing = {code: where for code, where in _source_codes().items() if code not in WARNING_TEXT}
    assert not missing, f"add a sentence to seedbed/stats/warnings.py for {missing}"


def test_the_catalogue_has_no_sentence_for_a_code_that_no_longer_exists() -> None:
    stale = set(WARNING_TEXT) - set(_source_codes())
    assert not stale, f"remove these entries from seedbed/stats/warnings.py: {sorted(stale)}"


def test_every_other_warn_constant_is_already_a_sentence() -> None:
    """A WARN_ constant that is not a one-line code must be a readable sentence, or the scan
    above would silently miss a code."""
    others = []
    for path in sorted(SRC.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for match in ANY_WARN.finditer(text):
            if CODE.match(match.group(0)):
                continue
            rest = text[match.start(2):match.start(2) + 200]
            assert SENTENCE_START.match(rest.replace("\n", " ")), (path, match.group(1), rest)
            others.append(match.group(1))
    assert others  # the protocol's cluster shortfall and the block-size warning


@pytest.mark.parametrize("code", sorted(WARNING_TEXT))
def test_each_sentence_is_plain_english(code: str) -> None:
    text = WARNING_TEXT[code]
    assert text[0].isupper() and text.endswith("."), code
    assert "_" not in text and code not in text, code  # no code leaks into the sentence
    assert 30 <= len(text) <= 300, code


def test_warning_text_for_known_unknown_and_detailed_codes() -> None:
    assert warning_text(WARN_MISSING_OUTCOME) == WARNING_TEXT["missing_outcome_rows_dropped"]
    assert warning_text("a_code_nobody_wrote") == UNKNOWN_WARNING.format(code="a_code_nobody_wrote")
    assert "a_code_nobody_wrote" in warning_text("a_code_nobody_wrote")
    detailed = warning_text(f"{WARN_MISSING_OUTCOME}: 12 rows")
    assert detailed.startswith(WARNING_TEXT[WARN_MISSING_OUTCOME]) and "12 rows" in detailed
    assert WARN_MISSING_OUTCOME not in detailed
    # a sentence with a colon in it is not mistaken for "code: detail"
    assert "The analysis noted: Note: x" in warning_text("Note: x")
    assert warning_texts([WARN_FEW_CLUSTERS, WARN_FEW_CLUSTERS]) == [WARNING_TEXT[WARN_FEW_CLUSTERS]]


runner = CliRunner()


def test_stats_text_output_shows_sentences_and_json_keeps_codes(tmp_path: Path) -> None:
    units = tmp_path / "units.csv"
    units.write_text("id,school\n" + "".join(f"u{i},s{i % 7}\n" for i in range(70)))
    args = ["stats", "randomise", str(units), "--id", "id",
            "--cluster", "school", "--arms", "control,treatment", "--seed", "0123456789abcdef0123456789abcdef"]
    as_json = runner.invoke(app, [*args, "--out", str(tmp_path / "a.csv"), "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert WARN_FEW_CLUSTERS in json.loads(as_json.stdout)["warnings"]
    as_text = runner.invoke(app, [*args, "--out", str(tmp_path / "b.csv")])
    assert as_text.exit_code == 0, as_text.output
    assert WARNING_TEXT[WARN_FEW_CLUSTERS] in as_text.stdout
    assert WARN_FEW_CLUSTERS not in as_text.stdout


def test_analyse_text_output_and_html_report_show_sentences(tmp_path: Path) -> None:
    df = pd.DataFrame({"arm": ["control"] * 30 + ["treatment"] * 4,
                       "y": [float(i % 7) for i in range(34)]})
    df.loc[3, "y"] = None
    path = tmp_path / "t.parquet"
    df.to_parquet(path)
    report = tmp_path / "report.html"
    res = runner.invoke(app, ["stats", "analyse", str(path), "--arm", "arm", "--outcome", "y",
                              "--report", str(report)])
    assert res.exit_code == 0, res.output
    out = " ".join(res.stdout.split())  # Rich wraps long lines
    html = report.read_text(encoding="utf-8")
    for code in (WARN_COUNTS_SUPPRESSED, WARN_MISSING_OUTCOME):
        assert " ".join(WARNING_TEXT[code].split()) in out
        assert code not in res.stdout
        assert WARNING_TEXT[code].replace("'", "&#x27;") in html
        assert code not in html
    as_json = json.loads(runner.invoke(app, ["stats", "analyse", str(path), "--arm", "arm",
                                             "--outcome", "y", "--json"]).stdout)
    assert WARN_COUNTS_SUPPRESSED in as_json["warnings"]
