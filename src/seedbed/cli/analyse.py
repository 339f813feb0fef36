"""`seedbed stats analyse`: full analysis of a trial data set, from a file or a database table."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer


def _split(values: list[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for v in values or []:
        out.extend(p.strip() for p in v.split(",") if p.strip())
    return tuple(dict.fromkeys(out))


def _progress() -> tuple[Any, Any]:
    """A Rich progress bar on stderr when it is a terminal; (callback, stop)."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("scanning"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                   TimeElapsedColumn(), console=Console(stderr=True), transient=True)
    task = bar.add_task("scan", total=100.0)
    bar.start()

    def update(done: float) -> None:
        if done >= 0:
            bar.update(task, completed=100.0 * done)

    return update, bar.stop


def _g(value: Any) -> str:
    return "n/a" if value is None or value != value else f"{value:.4g}"


def _human(payload: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    from seedbed.stats.warnings import warning_texts

    console = Console(markup=False, highlight=False)
    console.print(f"engine: {payload['engine']}   control: {payload['control']}")
    for o in payload["outcomes"]:
        table = Table(title=f"outcome: {o['outcome']}")
        for col in ("arm", "n", "mean", "sd"):
            table.add_column(col)
        for s in o["summaries"]:
            n = "suppressed" if s["n"] is None else str(s["n"])
            table.add_row(s["arm"], n, _g(s["mean"]), _g(s["sd"]))
        console.print(table)
        for label, ests in (("unadjusted", o["unadjusted"]), ("adjusted", o["adjusted"]),
                            ("mixed-model", o.get("mixed", ()))):
            for e in ests:
                console.print(
                    f"{label} effect of {e['arm']}: {_g(e['effect'])} "
                    f"({100 * (1 - payload['alpha']):.0f}% CI {_g(e['ci'][0])} to "
                    f"{_g(e['ci'][1])}), p = {_g(e['p'])} [{e['cov_type']}]"
                )
        for sg in o["subgroups"]:
            console.print(f"subgroups by {sg['column']}: interaction p = "
                          f"{_g(sg['interaction_p'])}")
        if o["warnings"]:
            console.print(f"warnings for {o['outcome']}:", markup=False)
            for text in warning_texts(o["warnings"]):
                console.print(f"  - {text}", markup=False)
        for c in o["cost"]:
            console.print(f"cost: incremental cost of {c['arm']} "
                          f"{_g(c['incremental_cost']['effect'])}, cost per unit of outcome "
                          f"gained {_g(c['cost_per_outcome_gained'])}")
    srm = payload["srm"]
    console.print(f"sample ratio check: chi2 = {_g(srm['chi2'])}, p = {_g(srm['p'])}")
    if payload["warnings"]:
        console.print("warnings:")
        for text in warning_texts(payload["warnings"]):
            console.print(f"  - {text}", markup=False)


def analyse_command(
    source: str = typer.Argument(..., help="A .csv/.xlsx/.parquet file or a database URL."),
    arm: str = typer.Option(..., "--arm", help="Column holding the arm label."),
    outcome: list[str] = typer.Option(..., "--outcome", help="Outcome column (repeatable)."),
    covariate: str | None = typer.Option(None, "--covariate", help="Pre-period covariate."),
    cluster: str | None = typer.Option(None, "--cluster", help="Cluster (randomised unit)."),
    period: str | None = typer.Option(
        None, "--period", help="Period column: a stepped-wedge trial (needs --cluster; --arm "
        "then holds each cluster-period's condition, e.g. treated 0/1)."),
    strata: list[str] | None = typer.Option(None, "--strata", help="Stratum column(s)."),
    subgroup: list[str] | None = typer.Option(None, "--subgroup", help="Subgroup column(s)."),
    cost: str | None = typer.Option(None, "--cost", help="Cost per unit column."),
    control: str | None = typer.Option(None, "--control", help="Label of the control arm."),
    arms: str | None = typer.Option(None, "--arms", help="Allowed arm labels, comma-separated."),
    unit: str | None = typer.Option(None, "--unit", help="Unit id column (duplicate check)."),
    allocation: Path | None = typer.Option(None, "--allocation", help="Allocation list CSV."),
    table: str | None = typer.Option(None, "--table", help="Table, for a database URL."),
    engine: str = typer.Option("auto", "--engine", help="auto, duckdb, postgres or spark."),
    delimiter: str = typer.Option(",", "--delimiter", help="CSV delimiter."),
    encoding: str = typer.Option(
        "utf-8", "--encoding", help="CSV text encoding, e.g. cp1252 for Excel on Windows."
    ),
    sheet: str | None = typer.Option(None, "--sheet", help="Excel sheet name."),
    alpha: float = typer.Option(0.05, "--alpha", help="Two-sided significance level."),
    ratio: str | None = typer.Option(None, "--ratio", help="Allocation ratio, e.g. 1:2."),
    suppress_below: int = typer.Option(10, "--suppress-below", help="Hide counts 1..k-1."),
    report: Path | None = typer.Option(None, "--report", help="Write an .html or .pdf report."),
    as_json: bool = typer.Option(False, "--json", help="JSON on stdout."),
) -> None:
    """Analyse a trial where its data live: effects, CIs, subgroups, SRM, cost."""
    import dataclasses

    from seedbed.cli.output import emit_json, fail
    from seedbed.data import (
        ENGINES,
        AnalysisOptions,
        DataError,
        SourceSpec,
        TrialSchema,
        analyse_source,
    )

    if period and not cluster:
        fail("--period needs --cluster (a stepped-wedge trial has clusters that cross over)")
    if engine not in ENGINES:
        fail(f"--engine must be one of: {', '.join(ENGINES)}")
    import codecs

    try:
        codecs.lookup(encoding)
    except LookupError:
        from seedbed.data.errors import MSG_UNKNOWN_ENCODING

        fail("--encoding: " + MSG_UNKNOWN_ENCODING.format(encoding=encoding))
    if report is not None and report.suffix.lower() not in (".html", ".htm", ".pdf"):
        fail("--report must end in .html or .pdf")
    try:
        ratio_t = tuple(float(r) for r in ratio.split(":")) if ratio else None
    except ValueError:
        fail(f'--ratio "{ratio}" is not like 1:1 or 1:2')
    schema = TrialSchema(
        arm=arm, outcomes=_split(outcome), unit=unit, covariate=covariate, cluster=cluster,
        strata=_split(strata), subgroups=_split(subgroup), cost=cost, arms=_split([arms or ""]),
        control=control, period=period,
    )
    spec = SourceSpec(location=source, table=table, engine=engine, delimiter=delimiter,
                      sheet=sheet, allocation=allocation, encoding=encoding)
    options = AnalysisOptions(control=control, alpha=alpha, ratio=ratio_t,
                              suppress_below=suppress_below)
    update, stop = _progress()
    try:
        run = analyse_source(spec=spec, schema=schema, options=options,
                             with_histograms=report is not None, progress=update)
    except DataError as exc:
        stop()
        if as_json:
            emit_json({"error": exc.report.lines()[0] if exc.report.lines() else str(exc),
                       "problems": [dataclasses.asdict(p) for p in exc.report.problems],
                       "counts": dict(exc.report.counts)})
        lines = exc.report.lines()
        for line in lines[1:]:
            sys.stderr.write(line + "\n")
        fail(lines[0] if lines else str(exc))
    stop()
    payload = dataclasses.asdict(run.result)
    payload["alpha"] = alpha
    if report is not None:
        from seedbed.data.report import write_report

        try:
            write_report(path=report, run=run, schema=schema, alpha=alpha, source=source)
        except OSError as exc:
            fail(f"could not write the report: {exc}")
        payload["report"] = str(report)
    if as_json:
        emit_json(payload)
    else:
        _human(payload)


def register(app: typer.Typer) -> None:
    """Mount the `analyse` command on the `seedbed stats` sub-app."""
    app.command("analyse")(analyse_command)
