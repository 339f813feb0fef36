"""`seedbed pb ...`: command-line access to the `seedbed.pb` engine."""

from __future__ import annotations

import sys
import time
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import Any

import typer

from seedbed.cli.output import emit_json, fail

app = typer.Typer(help="The pb engine.", no_args_is_help=True)

_PROGRESS_AFTER_S = 2.0


class Rule(StrEnum):
    greedy = "greedy"
    greedy_threshold = "greedy-threshold"
    greedy_no_skip = "greedy-no-skip"
    mes = "mes"
    mes_add1 = "mes-add1"
    mes_add1_fill = "mes-add1-fill"
    phragmen = "phragmen"


class Utility(StrEnum):
    cost = "cost"
    cardinality = "cardinality"


def _number(value: Fraction | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value.denominator == 1 else float(value)


def _payload(outcome: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "selected": list(outcome.selected),
        "cost": _number(outcome.cost),
        "budget": _number(outcome.budget),
        "rule": outcome.rule,
        "utility": outcome.utility,
        "voters": outcome.voters,
        "warnings": list(outcome.warnings),
    }
    if outcome.threshold is not None:
        out["threshold"] = outcome.threshold
    if outcome.budget_per_voter is not None:
        out["budget_per_voter"] = _number(outcome.budget_per_voter)
    if outcome.add1_steps is not None:
        out["add1_steps"] = outcome.add1_steps
    if outcome.explanation is not None:
        out["explanation"] = {
            pid: {k: (_number(v) if isinstance(v, Fraction) else v)
                  for k, v in _fields(e).items() if v is not None}
            for pid, e in outcome.explanation.items()
        }
    if outcome.voter_summary is not None:
        s = outcome.voter_summary
        out["voter_summary"] = {
            "voters": s.voters,
            "with_some_funded": s.with_some_funded,
            "with_none_funded": s.with_none_funded,
            "share_with_some_funded": s.share_with_some_funded,
            "histogram": {str(k): v for k, v in s.histogram.items()},
        }
    return out


def _fields(item: Any) -> dict[str, Any]:
    return {name: getattr(item, name) for name in item.__slots__}


class _Progress:
    """Lines on stderr, but only once a count has taken a while."""

    def __init__(self) -> None:
        self.start = time.monotonic()

    def __call__(self, message: str) -> None:
        if time.monotonic() - self.start >= _PROGRESS_AFTER_S:
            sys.stderr.write(f"seedbed pb: {message}\n")


@app.command("count")
def count_command(
    file: Path = typer.Argument(..., help="Pabulib .pb file."),
    rule: Rule = typer.Option(..., "--rule", help="Counting rule."),
    utility: Utility | None = typer.Option(
        None, "--utility", help="cost (default) or cardinality; points ballots use points."
    ),
    threshold: int | None = typer.Option(
        None, "--threshold", min=0,
        help="Minimum votes for greedy-threshold (default: META min_project_score_threshold).",
    ),
    explain: bool = typer.Option(False, "--explain", help="Explain each project's result."),
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Count FILE under --rule and print the funded projects."""
    from seedbed.pb import ElectionError, PabulibError, count, parse

    progress = _Progress()
    try:
        election = parse(file)
        progress(f"read {election.num_voters} ballots; counting with {rule.value}")
        outcome = count(
            election, rule=rule.value, utility=utility.value if utility else None,
            threshold=threshold, explain=explain, progress=progress,
        )
    except (PabulibError, ElectionError) as error:
        fail(f"{file}: {error}")
    progress(f"done: {len(outcome.selected)} projects funded")
    payload = _payload(outcome)
    if json_output:
        emit_json(payload)
        return
    typer.echo(f"{outcome.rule} ({outcome.utility}): {len(outcome.selected)} projects funded, "
               f"cost {payload['cost']} of {payload['budget']}")
    for pid in outcome.selected:
        typer.echo(f"  {pid}")
    if outcome.explanation is not None:
        for pid, note in outcome.explanation.items():
            typer.echo(f"{pid}: {note.reason}")
    from seedbed.stats.warnings import warning_texts

    for text in warning_texts(outcome.warnings):
        typer.echo(f"warning: {text}", err=True)


@app.command("validate")
def validate_command(
    file: Path = typer.Argument(..., help="Pabulib .pb file."),
    json_output: bool = typer.Option(False, "--json", help="Print the problems as JSON."),
) -> None:
    """Check FILE: exit 0 when valid, else 1 with one problem per line."""
    from seedbed.pb import validate

    problems = validate(file)
    if json_output:
        emit_json({"file": str(file), "valid": not problems,
                   "problems": [{"line": p.line, "code": p.code, "message": p.message}
                                for p in problems]})
    else:
        for p in problems:
            typer.echo(str(p))
    if problems:
        raise typer.Exit(1)
