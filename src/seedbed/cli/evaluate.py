"""`seedbed stats did` and `seedbed stats its`: evaluations without randomisation.

Both read a CSV, Excel or Parquet file, or a database table (a URL with --table), as
`stats analyse` does; bad input is refused with every offending row and column named. With
``--json`` the result is printed as JSON on stdout (codes in "warnings"; people read the
sentences in the text output). The work is done by ``seedbed.data.quasi``; `did` pushes it
down (``seedbed.data.did``): only the cohort moments leave the file's or database's engine,
never the rows.
"""

from __future__ import annotations

import math
from enum import StrEnum

import typer

from seedbed.cli.output import fail
from seedbed.cli.sources import SOURCE_HELP, compute, show, source_spec


class Control(StrEnum):
    never = "never"
    not_yet = "not-yet"


class BasePeriod(StrEnum):
    varying = "varying"
    universal = "universal"


def did_command(
    source: str = typer.Argument(..., help=SOURCE_HELP),
    unit: str = typer.Option(..., "--unit", help="Column holding the unit id."),
    time: str = typer.Option(..., "--time", help="Column holding the period (a number)."),
    outcome: str = typer.Option(..., "--outcome", help="Outcome column."),
    first_treated: str = typer.Option(
        ..., "--first-treated",
        help="Column holding the period each unit was first treated (0 or empty: never)."),
    control: Control = typer.Option(Control.never, "--control", help="never or not-yet."),
    cluster: str | None = typer.Option(
        None, "--cluster", help="Cluster column, if errors are clustered above the unit."),
    base_period: BasePeriod = typer.Option(
        BasePeriod.varying, "--base-period", help="varying (R did's default) or universal."),
    alpha: float = typer.Option(0.05, "--alpha", help="Two-sided significance level."),
    table: str | None = typer.Option(None, "--table", help="Table, for a database URL."),
    delimiter: str = typer.Option(",", "--delimiter", help="CSV delimiter."),
    encoding: str = typer.Option("utf-8", "--encoding", help="CSV text encoding."),
    sheet: str | None = typer.Option(None, "--sheet", help="Excel sheet name."),
    as_json: bool = typer.Option(False, "--json", help="JSON on stdout."),
) -> None:
    """Difference-in-differences, staggered adoption (Callaway & Sant'Anna), pre-trend test.

    Gives the overall effect, effects by group, period and event time (the event-study
    plot), and the joint pre-trend test; two periods and one treated group also give the
    two-by-two regression with CR1 errors.
    """
    if not 0.0 < alpha < 1.0:
        fail("--alpha must lie strictly between 0 and 1")
    spec = source_spec(source, table, delimiter, encoding, sheet)
    from seedbed.data.quasi import did_payload

    payload = compute(lambda: did_payload(
        spec=spec, unit=unit, time=time, outcome=outcome, first_treated=first_treated,
        control=control.value, cluster=cluster, base_period=base_period.value, alpha=alpha),
        as_json)
    show(payload, as_json, skip=("group_time", "by_time"))


def its_command(
    source: str = typer.Argument(..., help=SOURCE_HELP),
    time: str = typer.Option(..., "--time", help="Column holding the period (a number)."),
    outcome: str = typer.Option(..., "--outcome", help="Outcome column."),
    start: float = typer.Option(..., "--start", help="The period the change started."),
    comparison: str | None = typer.Option(
        None, "--comparison", "--comparison-col",
        help="Column holding a comparison series not affected by the change."),
    season: str | None = typer.Option(
        None, "--season", help="Column holding the season (e.g. month) for seasonal dummies."),
    lags: int | None = typer.Option(
        None, "--lags", help="Newey-West lag (default floor(4 (n/100)^(2/9)))."),
    alpha: float = typer.Option(0.05, "--alpha", help="Two-sided significance level."),
    table: str | None = typer.Option(None, "--table", help="Table, for a database URL."),
    delimiter: str = typer.Option(",", "--delimiter", help="CSV delimiter."),
    encoding: str = typer.Option("utf-8", "--encoding", help="CSV text encoding."),
    sheet: str | None = typer.Option(None, "--sheet", help="Excel sheet name."),
    as_json: bool = typer.Option(False, "--json", help="JSON on stdout."),
) -> None:
    """Interrupted time series: level and slope change, Newey-West errors.

    Segmented regression as in Bernal, Cummins & Gasparrini (2017), with an autocorrelation
    check, an optional comparison series and seasonal dummies.
    """
    if not 0.0 < alpha < 1.0:
        fail("--alpha must lie strictly between 0 and 1")
    if not math.isfinite(start):
        fail("--start must be a finite number")
    if lags is not None and lags < 0:
        fail("--lags must be 0 or more")
    spec = source_spec(source, table, delimiter, encoding, sheet)
    from seedbed.data.quasi import its_payload

    payload = compute(lambda: its_payload(
        spec=spec, time=time, outcome=outcome, start=start, comparison=comparison,
        season=season, lags=lags, alpha=alpha), as_json)
    show(payload, as_json, skip=("series",))


def register(app: typer.Typer) -> None:
    """Mount `did` and `its` on the `seedbed stats` sub-app."""
    app.command("did")(did_command)
    app.command("its")(its_command)
