"""The analysis report: one self-contained HTML file (inline CSS and SVG), or a PDF of it.

The HTML loads nothing from the network; the PDF is rendered from the same HTML by WeasyPrint.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from seedbed.data.pipeline import AnalysisRun
from seedbed.data.results import Estimate, OutcomeAnalysis
from seedbed.data.schema import TrialSchema
from seedbed.data.svg import IntervalRow, forest_svg, histogram_svg
from seedbed.stats.warnings import warning_texts

CSS = """
body{font-family:Arial,sans-serif;color:#0b0c0c;max-width:960px;margin:2em auto;padding:0 1em;
line-height:1.4}
h1{font-size:1.8em}h2{font-size:1.4em;border-top:2px solid #1d70b8;padding-top:.5em}
table{border-collapse:collapse;margin:1em 0}th,td{border-bottom:1px solid #b1b4b6;
padding:.3em .8em;text-align:left}th{background:#f3f2f1}td.num{text-align:right}
.warn{background:#fff7bf;padding:.5em 1em;border-left:5px solid #f47738}
figure{margin:1em 0}figcaption{font-size:.9em;color:#505a5f}
"""


SUPPRESSED = "suppressed"


def _f(v: Any, digits: int = 4) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}g}" if math.isfinite(v) else "n/a"
    return escape(str(v))


def _table(head: list[str], rows: list[list[Any]]) -> str:
    h = "".join(f"<th scope='col'>{escape(c)}</th>" for c in head)
    body = "".join(
        "<tr>" + "".join(
            f"<td class='num'>{_f(c)}</td>" if isinstance(c, int | float)
            else f"<td>{_f(c)}</td>" for c in r) + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>"


def _effect_rows(ests: tuple[Estimate, ...], label: str) -> list[list[Any]]:
    return [[e.arm, label, e.effect, e.ci[0], e.ci[1], e.p, e.cov_type, e.df] for e in ests]


def _outcome_html(o: OutcomeAnalysis, run: AnalysisRun, alpha: float) -> str:
    level = f"{100 * (1 - alpha):.0f}%"
    parts = [f"<h2>Outcome: {escape(o.outcome)}</h2>", "<h3>Arms</h3>"]
    parts.append(_table(["arm", "n", "mean", "SD", "clusters", "mean cost"],
                        [[s.arm, SUPPRESSED if s.n_suppressed else s.n, s.mean, s.sd,
                          s.n_clusters, s.mean_cost]
                         for s in o.summaries]))
    parts.append("<h3>Effects</h3>")
    rows = (_effect_rows(o.mixed, "mixed model (as planned)")
            + _effect_rows(o.unadjusted, "unadjusted")
            + _effect_rows(o.adjusted, "adjusted for " + ", ".join(o.adjusted_for)))
    parts.append(_table(["arm", "model", "effect", f"{level} CI low", f"{level} CI high", "p",
                         "errors", "df"], rows))
    forest = [IntervalRow(f"{e.arm} (mixed model)", e.effect, *e.ci) for e in o.mixed]
    forest += [IntervalRow(f"{e.arm} (unadjusted)", e.effect, *e.ci) for e in o.unadjusted]
    forest += [IntervalRow(f"{e.arm} (adjusted)", e.effect, *e.ci) for e in o.adjusted]
    parts.append(f"<figure>{forest_svg(rows=forest, title=f'Effect on {o.outcome}')}"
                 f"<figcaption>Effect versus control with {level} confidence interval."
                 "</figcaption></figure>")
    for h in run.histograms:
        if h.outcome == o.outcome:
            parts.append(f"<figure>{histogram_svg(hist=h)}<figcaption>Per-arm distribution "
                         f"of {escape(o.outcome)}.</figcaption></figure>")
    for sg in o.subgroups:
        parts.append(f"<h3>Subgroups: {escape(sg.column)}</h3>")
        parts.append(f"<p>Interaction test (arm x {escape(sg.column)}): F = "
                     f"{_f(sg.interaction_f)} on {sg.interaction_df[0]} and "
                     f"{_f(sg.interaction_df[1])} df, p = {_f(sg.interaction_p)}.</p>")
        srows = [[lv.level, SUPPRESSED if lv.n is None else lv.n, e.arm, e.effect, e.ci[0], e.ci[1], e.p]
                 for lv in sg.levels for e in lv.effects]
        parts.append(_table(["level", "n", "arm", "effect", "CI low", "CI high", "p"], srows))
        frows = [IntervalRow(f"{lv.level}: {e.arm}", e.effect, *e.ci)
                 for lv in sg.levels for e in lv.effects]
        parts.append(f"<figure>{forest_svg(rows=frows, title=f'Effect by {sg.column}')}"
                     "<figcaption>Subgroup forest plot.</figcaption></figure>")
    if o.cost:
        parts.append("<h3>Cost</h3>")
        parts.append(_table(
            ["arm", "incremental cost", "CI low", "CI high", "incremental outcome",
             "cost per unit of outcome gained"],
            [[c.arm, c.incremental_cost.effect, *c.incremental_cost.ci, c.incremental_outcome,
              c.cost_per_outcome_gained] for c in o.cost]))
    if o.warnings:
        parts.append(_warnings_html(o.warnings))
    return "".join(parts)


def _warnings_html(codes: Any) -> str:
    """Warnings as plain-English sentences (seedbed.stats.warnings), never as raw codes."""
    items = "".join(f"<li>{escape(t)}</li>" for t in warning_texts(codes))
    return f"<div class='warn'><p>Warnings:</p><ul>{items}</ul></div>"


def render_html(*, run: AnalysisRun, schema: TrialSchema, alpha: float, source: str) -> str:
    """The full report as one HTML string with inline CSS and SVG."""
    r = run.result
    srm = r.srm
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>Trial analysis: {escape(', '.join(schema.outcomes))}</title>"
            f"<style>{CSS}</style></head><body>")
    parts = [head, "<h1>Trial analysis</h1>",
             f"<p>Source: {escape(source)} (engine: {escape(r.engine)}). Produced {when} by "
             "Seedbed. Counts below the disclosure threshold are suppressed.</p>",
             _table(["arms", "control", "rows", "clusters"],
                    [[", ".join(r.arms), r.control,
                      SUPPRESSED if r.n_rows is None else r.n_rows, r.n_clusters]])]
    if not schema.period:  # a stepped wedge's treated share is set by the design: no check
        parts.append("<h2>Sample ratio check</h2>")
        parts.append(f"<p>Observed {escape(str(list(srm.observed)))} against expected "
                     f"{escape(str([round(e, 1) for e in srm.expected]))}: chi-square = "
                     f"{_f(srm.chi2)} on {srm.df} df, p = {_f(srm.p)}"
                     f"{' - a sample ratio mismatch' if srm.mismatch else ''}.</p>")
    if r.warnings:
        parts.append(_warnings_html(r.warnings))
    parts.extend(_outcome_html(o, run, alpha) for o in r.outcomes)
    parts.append("</body></html>")
    return "".join(parts)


def write_report(*, path: Path, run: AnalysisRun, schema: TrialSchema, alpha: float,
                 source: str) -> None:
    """Write ``path``: HTML for .html/.htm, PDF (WeasyPrint) for .pdf."""
    html = render_html(run=run, schema=schema, alpha=alpha, source=source)
    path = Path(path)
    if path.suffix.lower() == ".pdf":
        from weasyprint import HTML

        HTML(string=html).write_pdf(str(path))
    else:
        path.write_text(html, encoding="utf-8")
