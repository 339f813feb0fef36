"""`seedbed stats synth` and `seedbed stats rd`: synthetic control and regression discontinuity.

Both read a CSV, Excel or Parquet file, or a database table (a URL with --table), through the
same reader as `stats did` and `stats its` (``seedbed.cli.sources``): bad input is refused
with every offending row and column named. With ``--json`` the result is printed as JSON on
stdout (codes in "warnings"; people read the sentences in the text output). The work is done
by ``seedbed.data.quasi``.
"""

from __future__ import annotations

import math

import typer

from seedbed.cli.output import fail
from seedbed.cli.sources import SOURCE_HELP, compute, show, source_spec
from seedbed.data.quasi import MSG_ONE_UNIT, MSG_TREATED_NOT_FOUND

ERR_TREATED_NOT_FOUND = "--treated: " + MSG_TREATED_NOT_FOUND
ERR_ONE_UNIT = "--treated: " + MSG_ONE_UNIT


def synth_command(
    source: str = typer.Argument(..., help=SOURCE_HELP),
    unit: str = typer.Option(..., "--unit", help="Column holding the unit (area) id."),
    time: str = typer.Option(..., "--time", help="Column holding the period (a number)."),
    outcome: str = typer.Option(..., "--outcome", help="Outcome column."),
    treated: str = typer.Option(..., "--treated", help="The treated unit, as in --unit."),
    start: float = typer.Option(..., "--start", help="The first period of the change."),
    covariate: list[str] | None = typer.Option(
        None, "--covariate", help="Covariate column to match on as well (repeatable)."),
    placebos: bool = typer.Option(
        True, "--placebos/--no-placebos", help="Run the in-space placebo test."),
    table: str | None = typer.Option(None, "--table", help="Table, for a database URL."),
    delimiter: str = typer.Option(",", "--delimiter", help="CSV delimiter."),
    encoding: str = typer.Option("utf-8", "--encoding", help="CSV text encoding."),
    sheet: str | None = typer.Option(None, "--sheet", help="Excel sheet name."),
    as_json: bool = typer.Option(False, "--json", help="JSON on stdout."),
) -> None:
    """Synthetic control (Abadie, Diamond & Hainmueller): donor weights, effect, placebo test.

    The donors are every other unit in the file. Gives the weights, the average effect after
    the start (ATT), the pre-period fit (RMSPE), the placebo p-value and the series to plot.
    """
    if not math.isfinite(start):
        fail("--start must be a finite number")
    spec = source_spec(source, table, delimiter, encoding, sheet)
    from seedbed.data.quasi import synth_payload

    payload = compute(lambda: synth_payload(
        spec=spec, unit=unit, time=time, outcome=outcome, treated=treated, start=start,
        covariates=covariate or [], placebos=placebos), as_json)
    show(payload, as_json, skip=("series", "placebos"))


def rd_command(
    source: str = typer.Argument(..., help=SOURCE_HELP),
    running: str = typer.Option(..., "--running", help="Column holding the score (running "
                                "variable); at or above the cutoff means treated."),
    outcome: str = typer.Option(..., "--outcome", help="Outcome column."),
    cutoff: float = typer.Option(..., "--cutoff", help="The cutoff on the score."),
    bandwidth: float | None = typer.Option(
        None, "--bandwidth", help="Fix the bandwidth instead of choosing it (MSE-optimal)."),
    treatment: str | None = typer.Option(
        None, "--treatment", help="Column holding whether each person got the service (0/1): "
        "a fuzzy design, where the cutoff changes take-up rather than deciding it."),
    alpha: float = typer.Option(0.05, "--alpha", help="Two-sided significance level."),
    table: str | None = typer.Option(None, "--table", help="Table, for a database URL."),
    delimiter: str = typer.Option(",", "--delimiter", help="CSV delimiter."),
    encoding: str = typer.Option("utf-8", "--encoding", help="CSV text encoding."),
    sheet: str | None = typer.Option(None, "--sheet", help="Excel sheet name."),
    as_json: bool = typer.Option(False, "--json", help="JSON on stdout."),
) -> None:
    """Regression discontinuity: local linear jump at the cutoff, robust interval.

    As rdrobust by default (Calonico, Cattaneo & Titiunik): triangular kernel, MSE-optimal
    bandwidth, robust bias-corrected interval and p-value; with McCrary's density test and
    the binned scatter to plot. With --treatment, a fuzzy design (the ratio of the jumps in
    outcome and take-up).
    """
    if not 0.0 < alpha < 1.0:
        fail("--alpha must lie strictly between 0 and 1")
    if not math.isfinite(cutoff):
        fail("--cutoff must be a finite number")
    if bandwidth is not None and not (math.isfinite(bandwidth) and bandwidth > 0):
        fail("--bandwidth must be a number greater than 0")
    spec = source_spec(source, table, delimiter, encoding, sheet)
    from seedbed.data.quasi import rd_payload

    payload = compute(lambda: rd_payload(
        spec=spec, running=running, outcome=outcome, cutoff=cutoff, bandwidth=bandwidth,
        treatment=treatment, alpha=alpha), as_json)
    show(payload, as_json, skip=("bins", "density"))


def register(app: typer.Typer) -> None:
    """Mount `synth` and `rd` on the `seedbed stats` sub-app."""
    app.command("synth")(synth_command)
    app.command("rd")(rd_command)
