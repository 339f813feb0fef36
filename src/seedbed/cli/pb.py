"""`seedbed pb ...`: command-line access to the `seedbed.pb` engine."""

from __future__ import annotations

import typer

app = typer.Typer(help="The pb engine.", no_args_is_help=True)
