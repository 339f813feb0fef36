"""What the evaluation commands (`stats did|its|synth|rd`) share: reading the source
argument, refusing bad data with every problem named, and printing a result payload."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

import typer

from seedbed.cli.output import emit_json, fail

if TYPE_CHECKING:
    from seedbed.data import DataError, SourceSpec

SOURCE_HELP = "A .csv/.xlsx/.parquet file or a database URL (with --table)."


def source_spec(source: str, table: str | None, delimiter: str, encoding: str,
                sheet: str | None) -> SourceSpec:
    """The source argument and options as a ``SourceSpec``; an unknown encoding fails."""
    import codecs

    from seedbed.data import SourceSpec

    try:
        codecs.lookup(encoding)
    except LookupError:
        from seedbed.data.errors import MSG_UNKNOWN_ENCODING

        fail("--encoding: " + MSG_UNKNOWN_ENCODING.format(encoding=encoding))
    return SourceSpec(location=source, table=table, delimiter=delimiter, sheet=sheet,
                      encoding=encoding)


def refuse(exc: DataError, as_json: bool) -> NoReturn:
    """Report a DataError as `stats analyse` does: summary, then every listed problem."""
    lines = exc.report.lines()
    if as_json:
        emit_json({"error": lines[0] if lines else str(exc),
                   "problems": [dataclasses.asdict(p) for p in exc.report.problems],
                   "counts": dict(exc.report.counts)})
    for line in lines[1:]:
        sys.stderr.write(line + "\n")
    fail(lines[0] if lines else str(exc))


def compute(build: Callable[[], dict[str, Any]], as_json: bool) -> dict[str, Any]:
    """Run a payload function (``seedbed.data.quasi``); bad data are refused with every
    problem, a parameter the data contradict is named by its option (``--treated: …``)."""
    from seedbed.data import DataError
    from seedbed.data.quasi import ParameterError

    try:
        return build()
    except DataError as exc:
        refuse(exc, as_json)
    except ParameterError as exc:
        fail(f"--{exc.field.replace('_', '-')}: {exc}")
    except ValueError as exc:
        fail(str(exc))


def show(payload: dict[str, Any], as_json: bool, skip: tuple[str, ...]) -> None:
    """Print ``payload`` as JSON, or as text with the warnings as sentences (``skip``: keys
    too long for the text output, such as plot series)."""
    if as_json:
        emit_json(payload)
        return
    from seedbed.stats.warnings import warning_texts

    for key, value in payload.items():
        if key in skip:
            continue
        if key == "warnings":
            texts = warning_texts(value)
            typer.echo("warnings: none" if not texts else "warnings:")
            for text in texts:
                typer.echo(f"  - {text}")
        elif key == "assumptions":
            typer.echo("assumptions:")
            for text in value:
                typer.echo(f"  - {text}")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            typer.echo(f"{key}:")
            for row in value:
                typer.echo("  " + ", ".join(f"{k} {v}" for k, v in row.items()))
        else:
            typer.echo(f"{key}: {value}")
