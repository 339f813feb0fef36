"""`seedbed stats ...`: command-line access to the `seedbed.stats` engine."""

from __future__ import annotations

import typer

app = typer.Typer(help="The stats engine.", no_args_is_help=True)
