"""`seedbed stats analyse`: full analysis of a trial data set, from a file or a database table."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Mount the `analyse` command on the `seedbed stats` sub-app."""
