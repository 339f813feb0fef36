"""The `seedbed` command.

Platform commands (demo, serve, migrate, createsuperuser, audit) set up Django lazily, so
`seedbed --help` and the engine sub-commands work without a database.
"""

from __future__ import annotations

import typer

from seedbed.cli import analyse as analyse_cli
from seedbed.cli import evaluate as evaluate_cli
from seedbed.cli import pb as pb_cli
from seedbed.cli import platform
from seedbed.cli import quasi as quasi_cli
from seedbed.cli import stats as stats_cli
from seedbed.cli import text as text_cli

app = typer.Typer(
    help="Seedbed: run public-service innovation safely and in the open.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
platform.register(app)
analyse_cli.register(stats_cli.app)
evaluate_cli.register(stats_cli.app)
quasi_cli.register(stats_cli.app)
app.add_typer(stats_cli.app, name="stats", help="Statistics: trials (power, boundaries, compare, randomise, analyse) and evaluations without randomising (did, its, synth, rd).")
app.add_typer(pb_cli.app, name="pb", help="Participatory budgeting: count and validate Pabulib files.")
app.add_typer(text_cli.app, name="text", help="Free text: similar submissions and themes.")


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
