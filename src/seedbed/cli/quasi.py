"""`seedbed stats synth` and `seedbed stats rd`: synthetic control and regression discontinuity.

Both read a CSV, Excel or Parquet file, or a database table (a URL with --table), through the
same reader as `stats did` and `stats its` (``seedbed.cli.evaluate``): bad input is refused
with every offending row and column named. With ``--json`` the result is printed as JSON on
stdout (codes in "warnings"; people read the sentences in the text output).
"""

from __future__ import annotations

import math
from typing import Any

import typer

from seedbed.cli.evaluate import SOURCE_HELP, _human, _num, _read, _refuse, _spec
from seedbed.cli.output import emit_json, fail

ERR_TREATED_NOT_FOUND = '--treated: unit "{unit}" is not in column "{column}"'
ERR_ONE_UNIT = '--treated: column "{column}" holds no unit other than "{unit}" to compare with'


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
    covariates = list(dict.fromkeys(covariate or []))
    data = _read(_spec(source, table, delimiter, encoding, sheet), [unit],
                 [time, outcome, *covariates], [unit, time], unit, time, [], as_json)
    from seedbed.stats.synth import synth_estimate

    cols = data.columns
    labels = [str(u) for u in cols[unit]]
    if treated not in labels:
        fail(ERR_TREATED_NOT_FOUND.format(unit=treated, column=unit))
    if set(labels) == {treated}:
        fail(ERR_ONE_UNIT.format(unit=treated, column=unit))
    try:
        res = synth_estimate(units=labels, times=cols[time], outcomes=cols[outcome],
                             treated=treated, start=start,
                             covariates={c: cols[c] for c in covariates}, placebos=placebos)
    except ValueError as exc:
        fail(str(exc))
    payload: dict[str, Any] = {
        "treated": res.treated, "start": _num(start),
        "weights": res.weights, "predictor_weights": res.predictor_weights,
        "att": res.att, "pre_rmspe": res.pre_rmspe, "post_rmspe": res.post_rmspe,
        "ratio": res.ratio, "placebo_p": res.placebo_p,
        "min_attainable_p": res.min_attainable_p, "n_pre": res.n_pre, "n_post": res.n_post,
        "method": res.method,
        "series": [{"time": _num(s.time), "treated": s.treated, "synthetic": s.synthetic,
                    "gap": s.gap, "post": s.post} for s in res.series],
        "placebos": [{"unit": p.unit, "pre_rmspe": p.pre_rmspe, "post_rmspe": p.post_rmspe,
                      "ratio": p.ratio, "gaps": list(p.gaps)} for p in res.placebos],
        "assumptions": list(res.assumptions), "warnings": list(res.warnings),
    }
    if as_json:
        emit_json(payload)
    else:
        _human(payload, skip=("series", "placebos"))


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
    data = _read_scores(source, table, delimiter, encoding, sheet,
                        [running, outcome] + ([treatment] if treatment else []), running, as_json)
    from seedbed.stats.rd import rd_estimate

    cols = data.columns
    res = rd_estimate(running=cols[running], outcome=cols[outcome], cutoff=cutoff,
                      alpha=alpha, bandwidth=bandwidth,
                      treatment=cols[treatment] if treatment else None)
    fs = res.first_stage
    d = res.density
    payload: dict[str, Any] = {
        "estimate": res.estimate, "se_robust": res.se_robust, "ci_robust": list(res.ci_robust),
        "p_robust": res.p_robust, "bandwidth": res.bandwidth, "n_left": res.n_left,
        "n_right": res.n_right, "density_p": d.p,
        "estimate_bias_corrected": res.estimate_bias_corrected,
        "se_conventional": res.se_conventional, "bandwidth_bias": res.bandwidth_bias,
        "n_total_left": res.n_total_left, "n_total_right": res.n_total_right,
        "cutoff": _num(cutoff), "alpha": alpha, "design": res.design, "method": res.method,
        "first_stage": None if fs is None else {
            "estimate": fs.estimate, "estimate_bias_corrected": fs.estimate_bias_corrected,
            "se_conventional": fs.se_conventional, "se_robust": fs.se_robust,
            "ci_robust": list(fs.ci_robust)},
        "density": {"method": d.method, "log_difference": d.log_difference, "se": d.se,
                    "z": d.z, "p": d.p, "bin_width": d.bin_width, "bandwidth": d.bandwidth,
                    "warnings": list(d.warnings)},
        "bins": [{"side": b.side, "lower": b.lower, "upper": b.upper, "x_mean": b.x_mean,
                  "y_mean": b.y_mean, "n": b.n} for b in res.bins],
        "assumptions": list(res.assumptions),
        "warnings": list(dict.fromkeys([*res.warnings, *d.warnings])),
    }
    if as_json:
        emit_json(payload)
    else:
        _human(payload, skip=("bins", "density"))


def _read_scores(source: str, table: str | None, delimiter: str, encoding: str,
                 sheet: str | None, numeric: list[str], running: str, as_json: bool) -> Any:
    """The score and outcome columns (many rows may share a score, so no panel check); a row
    with no score, or a value that is not a number, is refused with its row named."""
    from seedbed.data import DataError
    from seedbed.data.panel import read_table

    spec = _spec(source, table, delimiter, encoding, sheet)
    try:
        return read_table(spec=spec, text=[], numeric=list(dict.fromkeys(numeric)),
                          required=[running])
    except DataError as exc:
        _refuse(exc, as_json)


def register(app: typer.Typer) -> None:
    """Mount `synth` and `rd` on the `seedbed stats` sub-app."""
    app.command("synth")(synth_command)
    app.command("rd")(rd_command)
