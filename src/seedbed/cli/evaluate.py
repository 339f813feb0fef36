"""`seedbed stats did` and `seedbed stats its`: evaluations without randomisation.

Both read a CSV, Excel or Parquet file, or a database table (a URL with --table), as
`stats analyse` does; bad input is refused with every offending row and column named. With
``--json`` the result is printed as JSON on stdout (codes in "warnings"; people read the
sentences in the text output). `did` pushes the work down (``seedbed.data.did``): only the
cohort moments leave the file's or database's engine, never the rows.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from enum import StrEnum
from typing import Any, NoReturn

import typer

from seedbed.cli.output import emit_json, fail


class Control(StrEnum):
    never = "never"
    not_yet = "not-yet"


class BasePeriod(StrEnum):
    varying = "varying"
    universal = "universal"


def _num(value: float) -> float | int:
    return int(value) if math.isfinite(value) and float(value).is_integer() else value


def _est(e: Any) -> dict[str, Any] | None:
    if e is None:
        return None
    return {"att": e.estimate, "se": e.se, "ci": list(e.ci), "p": e.p}


def _spec(source: str, table: str | None, delimiter: str, encoding: str,
          sheet: str | None) -> Any:
    import codecs

    from seedbed.data import SourceSpec

    try:
        codecs.lookup(encoding)
    except LookupError:
        from seedbed.data.errors import MSG_UNKNOWN_ENCODING

        fail("--encoding: " + MSG_UNKNOWN_ENCODING.format(encoding=encoding))
    return SourceSpec(location=source, table=table, delimiter=delimiter, sheet=sheet,
                      encoding=encoding)


def _refuse(exc: Any, as_json: bool) -> NoReturn:
    """Report a DataError as `stats analyse` does: summary, then every listed problem."""
    lines = exc.report.lines()
    if as_json:
        emit_json({"error": lines[0] if lines else str(exc),
                   "problems": [dataclasses.asdict(p) for p in exc.report.problems],
                   "counts": dict(exc.report.counts)})
    for line in lines[1:]:
        sys.stderr.write(line + "\n")
    fail(lines[0] if lines else str(exc))


def _read(spec: Any, text: list[str], numeric: list[str], required: list[str],
          unit: str | None, time: str, per_unit: list[str], as_json: bool) -> Any:
    from seedbed.data import DataError
    from seedbed.data.panel import check_panel, read_table

    try:
        data = read_table(spec=spec, text=text, numeric=numeric, required=required)
        check_panel(table=data, unit=unit, time=time, per_unit=per_unit)
    except DataError as exc:
        _refuse(exc, as_json)
    return data


def _human(payload: dict[str, Any], skip: tuple[str, ...]) -> None:
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


SOURCE_HELP = "A .csv/.xlsx/.parquet file or a database URL (with --table)."


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
    spec = _spec(source, table, delimiter, encoding, sheet)
    from seedbed.data import DataError
    from seedbed.data.did import did_moments_source
    from seedbed.stats.did import did_staggered_moments, did_two_by_two

    try:
        moments = did_moments_source(spec=spec, unit=unit, time=time, outcome=outcome,
                                     first_treated=first_treated, cluster=cluster)
        res = did_staggered_moments(moments=moments, control=control.value,
                                    base_period=base_period.value, alpha=alpha)
    except DataError as exc:
        _refuse(exc, as_json)
    except ValueError as exc:
        fail(str(exc))
    payload: dict[str, Any] = {
        "att": res.att, "se": res.se, "ci": list(res.ci), "p": res.p,
        "method": res.method,
        "by_group": [{"group": _num(b.label), "att": b.estimate, "se": b.se, "ci": list(b.ci),
                      "p": b.p} for b in res.by_group],
        "event_study": [{"e": _num(e.label), "att": e.estimate, "se": e.se, "ci": list(e.ci),
                         "p": e.p} for e in res.event_study],
        "by_time": [{"time": _num(b.label), "att": b.estimate, "se": b.se, "ci": list(b.ci),
                     "p": b.p} for b in res.by_time],
        "simple": _est(res.simple), "dynamic": _est(res.dynamic),
        "calendar": _est(res.calendar),
        "pretrend_p": res.pretrend_p,
        "pretrend_statistic": res.pretrend.statistic if res.pretrend else None,
        "pretrend_df": res.pretrend.df if res.pretrend else None,
        "group_time": [{"group": _num(c.group), "time": _num(c.time), "base": _num(c.base),
                        "e": _num(c.event_time), "att": c.att, "se": c.se}
                       for c in res.group_time],
        "n_units": res.n_units, "n_clusters": res.n_clusters,
        "periods": [_num(t) for t in res.periods], "groups": [_num(g) for g in res.groups],
        "control": res.control, "base_period": res.base_period, "alpha": alpha,
    }
    if len(res.periods) == 2 and len(res.groups) == 1:  # a small panel: read its rows
        text = [unit] + ([cluster] if cluster else [])
        data = _read(spec, text, [time, outcome, first_treated], [*text, time], unit, time, [],
                     as_json)
        payload["two_by_two"] = _two_by_two(did_two_by_two, data.columns, unit, time, outcome,
                                            first_treated, cluster, res, alpha)
    payload["assumptions"] = list(res.assumptions)
    payload["warnings"] = list(res.warnings)
    if as_json:
        emit_json(payload)
    else:
        _human(payload, skip=("group_time", "by_time"))


def _two_by_two(fn: Any, cols: dict[str, Any], unit: str, time: str, outcome: str,
                first_treated: str, cluster: str | None, res: Any, alpha: float
                ) -> dict[str, Any]:
    """The regression 2x2 on the units Callaway & Sant'Anna use: the treated cohort and the
    comparison units (never treated, or treated after the second period), each with an
    outcome in both periods; units already treated in the first period and units missing a
    period are left out, with the same warnings."""
    import numpy as np

    from seedbed.stats.did.grouptime import WARN_TREATED_IN_FIRST_PERIOD
    from seedbed.stats.did.moments import WARN_UNBALANCED_PANEL
    from seedbed.stats.did.staggered import MIN_CLUSTERS, WARN_DID_FEW_CLUSTERS

    first, second = res.periods
    g = np.asarray(cols[first_treated], dtype=float)
    g = np.where(np.isfinite(g), g, 0.0)
    y = np.asarray(cols[outcome], dtype=float)
    t = np.asarray(cols[time], dtype=float)
    units = np.asarray(cols[unit], dtype=object).astype(str)
    treated = g == res.groups[0]
    eligible = treated | (g == 0) | (g > second)
    rows = np.isin(t, res.periods) & eligible
    complete = rows & np.isfinite(y)
    counts: dict[str, int] = {}
    for u in units[complete].tolist():
        counts[u] = counts.get(u, 0) + 1
    balanced = np.array([counts.get(u, 0) == 2 for u in units.tolist()], dtype=bool)
    keep = complete & balanced
    warnings = []
    if (np.isin(t, res.periods) & ~eligible).any():
        warnings.append(WARN_TREATED_IN_FIRST_PERIOD)
    if (rows & ~keep).any():
        warnings.append(WARN_UNBALANCED_PANEL)
    labels = np.asarray(cols[cluster or unit], dtype=object)[keep].astype(str)
    if min(len(set(labels[treated[keep]].tolist())),
           len(set(labels[~treated[keep]].tolist()))) < MIN_CLUSTERS:
        warnings.append(WARN_DID_FEW_CLUSTERS)
    two = fn(outcome=y[keep], treated=treated[keep], post=(t == second)[keep],
             cluster=labels, alpha=alpha)
    return {"att": two.att, "se": two.se, "ci": list(two.ci), "p": two.p, "df": two.df,
            "cov_type": two.cov_type, "means": two.means, "n": two.n,
            "n_clusters": two.n_clusters, "warnings": [*warnings, *two.warnings]}


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
    numeric = [time, outcome] + ([comparison] if comparison else [])
    data = _read(_spec(source, table, delimiter, encoding, sheet), [season] if season else [],
                 numeric, [time], None, time, [], as_json)
    from seedbed.stats.its import its_segmented

    cols = data.columns
    try:
        res = its_segmented(time=cols[time], outcome=cols[outcome], start=start,
                            comparison=cols[comparison] if comparison else None,
                            season=cols[season] if season else None, lags=lags, alpha=alpha)
    except ValueError as exc:
        fail(f"--lags: {exc}" if lags is not None and str(exc).startswith("lags") else str(exc))
    payload: dict[str, Any] = {
        "level_change": res.level_change, "slope_change": res.slope_change,
        "se_level": res.se_level, "se_slope": res.se_slope,
        "ci_level": list(res.ci_level), "ci_slope": list(res.ci_slope),
        "p_level": res.p_level, "p_slope": res.p_slope,
        "baseline_level": res.baseline_level, "baseline_slope": res.baseline_slope,
        "first_post_time": _num(res.first_post_time), "lag": res.lag,
        "lag_rule": res.lag_rule, "autocorrelation_test": res.autocorrelation_test,
        "autocorrelation_p": res.autocorrelation_p, "df": res.df,
        "reference_distribution": res.reference, "reference_rho": res.reference_rho,
        "critical_value_level": res.critical_level,
        "critical_value_slope": res.critical_slope, "n": res.n,
        "n_pre": res.n_pre, "n_post": res.n_post, "comparison": res.comparison,
        "series": [{"time": _num(s.time), "observed": s.observed, "fitted": s.fitted,
                    "counterfactual": s.counterfactual, "post": s.post} for s in res.series],
        "alpha": alpha, "assumptions": list(res.assumptions), "warnings": list(res.warnings),
    }
    if as_json:
        emit_json(payload)
    else:
        _human(payload, skip=("series",))


def register(app: typer.Typer) -> None:
    """Mount `did` and `its` on the `seedbed stats` sub-app."""
    app.command("did")(did_command)
    app.command("its")(its_command)
