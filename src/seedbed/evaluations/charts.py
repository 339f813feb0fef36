"""Server-rendered SVG charts for an evaluation's analysis, one per design (plain SVG text: no
scripts, nothing fetched, every text escaped where it is built).

Each chart reads the analysis payload (the dict ``seedbed stats did|its|synth|rd --json``
prints, NaN and infinities as None) and returns a :class:`Chart`: the SVG, with a title, axis
labels and a legend drawn in it, ``role="img"`` and ``aria-labelledby`` naming its
``<title>`` and ``<desc>``; and the same figures as tables, which the page shows beside the
chart (the text alternative).

- Difference-in-differences: the event study, the effect at each period before and after
  treatment with its confidence interval, a zero line and the start of treatment marked.
- Interrupted time series: the observed series, the fitted lines before and after the start,
  the counterfactual (the pre-period trend carried on) dashed, the start marked, and the
  comparison series (dash-dotted) when the analysis has one.
- Synthetic control: the treated unit against its synthetic control; and the gap between
  them against each placebo's gap (the placebo fan, faint lines).
- Regression discontinuity: the binned scatter either side of the cutoff, the bandwidth
  shaded, and the local linear fits where the payload gives them (``fit``: the intercept at
  the cutoff and the slope on each side). Bins of fewer than ``DEFAULT_THRESHOLD`` people are neither drawn nor listed
  (statistical disclosure control: a mean of a few people's outcomes is nearly theirs).

Pure: payload in, SVG and table rows out; no database, no request.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from seedbed.data.svg import (
    XYPlot,
    band_mark,
    band_sample,
    finite,
    hline_mark,
    interval_mark,
    line_sample,
    point_sample,
    points_mark,
    polyline_mark,
    vline_mark,
)
from seedbed.stats.disclosure import DEFAULT_THRESHOLD

BLUE, RED, BLACK, GREY = "#1d70b8", "#d4351c", "#0b0c0c", "#505a5f"
BAND = "#d2e2f1"  # light blue: the RD bandwidth, behind the points
NOT_AVAILABLE = "not available"


@dataclass(frozen=True)
class Table:
    """A chart's figures as a table: caption, column headings and rows of text."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Chart:
    """An SVG chart and the tables that give its figures in text."""

    chart_id: str
    svg: str
    tables: tuple[Table, ...]


def period(value: Any) -> str:
    """A period or event time as a table shows it: a whole number as written (2024, 202403,
    -2), never with a thousands separator; anything else as :func:`number`."""
    if finite(value) and float(value).is_integer():
        return str(int(value))
    return number(value)


def number(value: Any) -> str:
    """A figure as a table shows it: four significant figures, thousands separated; a missing
    value (NaN or infinity, stored as None) says so."""
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        return NOT_AVAILABLE
    if value == 0:
        return "0"
    if abs(value) >= 10_000:
        return f"{value:,.0f}"
    text = f"{value:.4g}"
    return text if "e" not in text else f"{value:.2e}"


def _level(payload: Mapping[str, Any]) -> str:
    alpha = payload.get("alpha")
    return f"{round((1 - alpha) * 100)}%" if finite(alpha) else "95%"


def _ci(row: Mapping[str, Any]) -> tuple[Any, Any]:
    ci = row.get("ci") or [None, None]
    return ci[0], ci[1]


# --- the four designs -------------------------------------------------------------------------


def did_chart(payload: Mapping[str, Any], *, outcome: str, chart_id: str = "did-chart") -> Chart:
    """The event study: the effect at each event time (periods since treatment began; negative
    before), with its interval; before treatment these estimates test the parallel trends."""
    rows = [r for r in payload.get("event_study") or [] if finite(r.get("e"))]
    level = _level(payload)
    pre = [(r["e"], r.get("att")) for r in rows if r["e"] < 0]
    post = [(r["e"], r.get("att")) for r in rows if r["e"] >= 0]
    ys = [v for r in rows for v in (r.get("att"), *_ci(r))] + [0.0]
    plot = XYPlot(
        chart_id=chart_id, title=f"Effect on {outcome} by periods since treatment began",
        description=(f"The estimated effect at each event time with its {level} confidence "
                     "interval; event times before 0 are before treatment, where estimates "
                     "near zero support parallel trends. The figures are in the table below."),
        x_label="Periods since treatment began (event time)", y_label=f"Effect on {outcome}",
        xs=[r["e"] for r in rows], ys=ys)
    plot.key("Before treatment (parallel trends check)", point_sample(GREY, hollow=True))
    plot.key("After treatment", point_sample(BLUE))
    plot.key(f"{level} confidence interval", line_sample(BLACK))
    plot.key("No effect (zero)", line_sample(GREY, "4 3"))
    plot.key("Treatment begins", line_sample(RED, "6 4"))
    svg = plot.render([
        hline_mark(0.0, GREY), vline_mark(-0.5, RED),
        interval_mark([(r["e"], *_ci(r)) for r in rows], BLACK),
        points_mark(pre, GREY, hollow=True), points_mark(post, BLUE),
    ])
    table = Table(
        caption=f"Effect on {outcome} by event time, with {level} confidence intervals",
        columns=("Event time", "Period", "Effect", "Standard error", "Lower", "Upper", "p-value"),
        rows=tuple((period(r["e"]), "before" if r["e"] < 0 else "after", number(r.get("att")),
                    number(r.get("se")), *(number(v) for v in _ci(r)), number(r.get("p")))
                   for r in rows))
    return Chart(chart_id, svg, (table,))


def its_chart(payload: Mapping[str, Any], *, outcome: str, chart_id: str = "its-chart") -> Chart:
    """The segmented series: observed values, the fitted line before and after the start, and
    the counterfactual (the pre-period line carried on) dashed after it; with a comparison
    series, its observed values too (the estimates are of the gap between the two)."""
    series = [s for s in payload.get("series") or [] if finite(s.get("time"))]
    start = payload.get("first_post_time")
    before = [s for s in series if not s.get("post")]
    after = [s for s in series if s.get("post")]
    compared = any(finite(s.get("comparison")) for s in series)
    keys = ("observed", "fitted", "counterfactual") + (("comparison",) if compared else ())
    ys = [s.get(k) for s in series for k in keys]
    plot = XYPlot(
        chart_id=chart_id, title=f"{outcome.capitalize()} before and after the change",
        description=("Each period's observed value, the fitted trend before and after the "
                     "change, and the trend expected without the change (dashed)"
                     + (", with the comparison series" if compared else "")
                     + ". The figures are in the table below."),
        x_label="Period", y_label=outcome.capitalize(), xs=[s["time"] for s in series], ys=ys)
    plot.key("Observed", point_sample(BLACK, hollow=True))
    plot.key("Fitted trend", line_sample(BLUE))
    plot.key("Expected without the change", line_sample(RED, "7 4"))
    marks = [polyline_mark([(s["time"], s.get("fitted")) for s in before], BLUE),
             polyline_mark([(s["time"], s.get("fitted")) for s in after], BLUE),
             polyline_mark([(s["time"], s.get("counterfactual")) for s in before[-1:] + after], RED,
                       dash="7 4")]
    if compared:
        plot.key("Comparison series (observed)", line_sample(GREY, "10 3 2 3"))
        marks.insert(0, polyline_mark([(s["time"], s.get("comparison")) for s in series], GREY,
                                      dash="10 3 2 3", width=2.0))
    if finite(start):
        plot.key(f"The change starts (period {period(start)})", line_sample(GREY, "2 3"))
        marks.append(vline_mark(start, GREY, "2 3"))
    marks.append(points_mark([(s["time"], s.get("observed")) for s in series], BLACK, hollow=True))
    svg = plot.render(marks)
    table = Table(
        caption=f"{outcome.capitalize()} in each period: observed, fitted and expected without "
                "the change" + (", and the comparison series" if compared else ""),
        columns=("Period", "Before or after", "Observed", "Fitted", "Expected without the change")
        + (("Comparison series",) if compared else ()),
        rows=tuple((period(s["time"]), "after" if s.get("post") else "before",
                    number(s.get("observed")), number(s.get("fitted")),
                    number(s.get("counterfactual")) if s.get("post") else "")
                   + ((number(s.get("comparison")),) if compared else ())
                   for s in series))
    return Chart(chart_id, svg, (table,))


def synth_charts(payload: Mapping[str, Any], *, outcome: str,
                 chart_id: str = "synth-chart") -> tuple[Chart, Chart]:
    """Two charts: the treated unit against its synthetic control; and the gap between them
    against every placebo's gap (each comparison unit treated as if it had had the change)."""
    series = [s for s in payload.get("series") or [] if finite(s.get("time"))]
    times = [s["time"] for s in series]
    treated = str(payload.get("treated") or "the treated unit")
    start = payload.get("start")
    plot = XYPlot(
        chart_id=chart_id, title=f"{outcome.capitalize()}: {treated} against its synthetic control",
        description=(f"{treated} in each period against the weighted mix of comparison units "
                     "that best matched it before the change. The figures are in the table "
                     "below."),
        x_label="Period", y_label=outcome.capitalize(), xs=times,
        ys=[s.get(k) for s in series for k in ("treated", "synthetic")])
    plot.key(treated, line_sample(BLUE))
    plot.key("Synthetic control", line_sample(RED, "7 4"))
    marks = [polyline_mark([(s["time"], s.get("synthetic")) for s in series], RED, dash="7 4"),
             polyline_mark([(s["time"], s.get("treated")) for s in series], BLUE),
             points_mark([(s["time"], s.get("treated")) for s in series], BLUE)]
    if finite(start):
        plot.key(f"The change starts (period {period(start)})", line_sample(GREY, "2 3"))
        marks.insert(0, vline_mark(start, GREY, "2 3"))
    first = Chart(chart_id, plot.render(marks), (Table(
        caption=f"{outcome.capitalize()}: {treated} and its synthetic control in each period",
        columns=("Period", "Before or after", treated, "Synthetic control", "Gap"),
        rows=tuple((period(s["time"]), "after" if s.get("post") else "before",
                    number(s.get("treated")), number(s.get("synthetic")), number(s.get("gap")))
                   for s in series)),))
    return first, _placebo_chart(payload, series, treated, f"{chart_id}-placebos")


def _placebo_chart(payload: Mapping[str, Any], series: list[dict[str, Any]], treated: str,
                   chart_id: str) -> Chart:
    placebos = [p for p in payload.get("placebos") or []
                if len(p.get("gaps") or []) == len(payload.get("series") or [])]
    times = [s["time"] for s in series]
    keep = [i for i, s in enumerate(payload.get("series") or []) if finite(s.get("time"))]
    fan = [[(times[j], p["gaps"][i]) for j, i in enumerate(keep)] for p in placebos]
    start = payload.get("start")
    plot = XYPlot(
        chart_id=chart_id, title=f"Gap between {treated} and its synthetic control, against placebos",
        description=(f"The gap for {treated} (bold) and, as faint lines, the gap each comparison "
                     "unit shows when treated as if it had had the change. A gap after the "
                     "change that stands out from the faint lines is unlikely to be chance. The "
                     "figures are in the tables below."),
        x_label="Period", y_label="Gap (treated minus synthetic)", xs=times,
        ys=[s.get("gap") for s in series] + [g for line in fan for _, g in line] + [0.0])
    plot.key(f"Gap for {treated}", line_sample(BLUE))
    plot.key(f"Placebo gaps ({len(placebos)} comparison units)", line_sample(GREY, opacity=0.4))
    plot.key("No gap (zero)", line_sample(BLACK, "4 3"))
    marks = [polyline_mark(line, GREY, opacity=0.4, width=1.5) for line in fan]
    marks += [hline_mark(0.0, BLACK),
              polyline_mark([(s["time"], s.get("gap")) for s in series], BLUE, width=3.5),
              points_mark([(s["time"], s.get("gap")) for s in series], BLUE)]
    if finite(start):
        plot.key(f"The change starts (period {period(start)})", line_sample(GREY, "2 3"))
        marks.insert(0, vline_mark(start, GREY, "2 3"))
    spread = []
    for j, s in enumerate(series):
        gaps = [line[j][1] for line in fan if finite(line[j][1])]
        spread.append((period(s["time"]), number(s.get("gap")),
                       number(min(gaps)) if gaps else NOT_AVAILABLE,
                       number(max(gaps)) if gaps else NOT_AVAILABLE))
    return Chart(chart_id, plot.render(marks), (
        Table(caption=f"The gap for {treated} in each period, and the range of the placebo gaps",
              columns=("Period", f"Gap for {treated}", "Smallest placebo gap",
                       "Largest placebo gap"), rows=tuple(spread)),
        Table(caption="Each placebo: fit before the change, gap after it and their ratio",
              columns=("Comparison unit", "Fit before (RMSPE)", "Gap after (RMSPE)",
                       "Ratio after/before"),
              rows=tuple((str(p.get("unit")), number(p.get("pre_rmspe")),
                          number(p.get("post_rmspe")), number(p.get("ratio")))
                         for p in placebos)),
    ))


def rd_chart(payload: Mapping[str, Any], *, outcome: str, running: str,
             chart_id: str = "rd-chart") -> Chart:
    """The binned scatter: mean outcome in bins of the score either side of the cutoff, the
    cutoff marked, and the two local linear fits within the bandwidth when given."""
    bins = [b for b in payload.get("bins") or [] if finite(b.get("x_mean"))]
    shown = [b for b in bins if (b.get("n") or 0) >= DEFAULT_THRESHOLD]
    cutoff, h = payload.get("cutoff"), payload.get("bandwidth")
    fit = payload.get("fit") or {}
    lines = []
    if finite(cutoff) and finite(h) and isinstance(fit, Mapping):
        for side, (a, b) in (("left", (cutoff - h, cutoff)), ("right", (cutoff, cutoff + h))):
            f = fit.get(side) or {}
            if finite(f.get("intercept")) and finite(f.get("slope")):
                lines.append([(x, f["intercept"] + f["slope"] * (x - cutoff)) for x in (a, b)])
    xs = [b["x_mean"] for b in shown] + ([cutoff] if finite(cutoff) else [])
    plot = XYPlot(
        chart_id=chart_id, title=f"{outcome.capitalize()} either side of the cutoff",
        description=(f"The mean {outcome} in bins of {running}, below and at or above the "
                     "cutoff; a jump at the cutoff is the estimated effect, which uses the scores "
                     "in the shaded bandwidth. The figures are in the table below."),
        x_label=running.capitalize(), y_label=outcome.capitalize(), xs=xs,
        ys=[b.get("y_mean") for b in shown] + [y for line in lines for _, y in line])
    plot.key("Below the cutoff (bin means)", point_sample(GREY, hollow=True))
    plot.key("At or above the cutoff (bin means)", point_sample(BLUE))
    marks = []
    if finite(cutoff) and finite(h):
        plot.key(f"Bandwidth ({number(cutoff - h)} to {number(cutoff + h)})", band_sample(BAND))
        marks.append(band_mark(cutoff - h, cutoff + h, BAND))
    if finite(cutoff):
        plot.key(f"Cutoff ({number(cutoff)})", line_sample(RED, "6 4"))
        marks.append(vline_mark(cutoff, RED))
    if lines:
        plot.key("Local linear fit within the bandwidth", line_sample(BLACK))
        marks += [polyline_mark(line, BLACK) for line in lines]
    marks += [points_mark([(b["x_mean"], b.get("y_mean")) for b in shown if b.get("side") == "left"],
                      GREY, hollow=True),
              points_mark([(b["x_mean"], b.get("y_mean")) for b in shown if b.get("side") != "left"],
                      BLUE)]
    hidden = len(bins) - len(shown)
    caption = f"Mean {outcome} in each bin of {running}"
    if hidden:
        caption += (f" ({hidden} bin{'s' if hidden != 1 else ''} of fewer than "
                    f"{DEFAULT_THRESHOLD} people not shown)")
    table = Table(
        caption=caption,
        columns=("Side of the cutoff", f"{running.capitalize()} from", "to", f"Mean {running}",
                 f"Mean {outcome}", "People"),
        rows=tuple(("below" if b.get("side") == "left" else "at or above", number(b.get("lower")),
                    number(b.get("upper")), number(b["x_mean"]), number(b.get("y_mean")),
                    number(b.get("n"))) for b in shown))
    return Chart(chart_id, plot.render(marks), (table,))


def design_charts(design: str, payload: Mapping[str, Any], *, outcome: str,
                  running: str = "score") -> tuple[Chart, ...]:
    """The charts for an evaluation of ``design`` ("did", "its", "synth" or "rd")."""
    if design == "did":
        return (did_chart(payload, outcome=outcome),)
    if design == "its":
        return (its_chart(payload, outcome=outcome),)
    if design == "synth":
        return synth_charts(payload, outcome=outcome)
    if design == "rd":
        return (rd_chart(payload, outcome=outcome, running=running),)
    raise ValueError(f"unknown design {design!r}")
