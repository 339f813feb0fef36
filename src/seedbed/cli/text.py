"""`seedbed text ...`: command-line access to the `seedbed.text` engine."""

from __future__ import annotations

import typer

app = typer.Typer(help="The text engine.", no_args_is_help=True)
