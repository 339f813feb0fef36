"""The report of a trial's result: one template, read as a printable page or as a PDF.

``report_context`` (a selector) gathers what the report shows: the protocol summary, the
registration (protocol hash and date), the CONSORT flow, the primary, secondary, harm and
subgroup results with their intervals, the cost per outcome and the plain-language summary;
for a trial stopped early, the stop at the top (why, when, the decision's reasons and the
harm counts at the last look) and the evidence level with each downgrade's reason.
Every count it shows has passed disclosure control (``seedbed.stats.disclosure``): counts
from 1 to 9 are suppressed, with any other count that would give them away.
``report_pdf`` renders the same template to PDF with WeasyPrint.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from seedbed.trials import opendata, selectors
from seedbed.trials.models import Trial, TrialResult

REPORT_TEMPLATE = "trials/report_pdf.html"
PROTOCOL_SUMMARY = (
    "question", "population", "setting", "intervention", "comparator", "primary_outcome",
    "secondary_outcomes", "randomisation_unit", "analysis_plan", "subgroups",
    "cost_measures", "ethics_reference",
)


def _protected_n(values: list[int | None]) -> list[int | str]:
    """Counts through disclosure control (None, already hidden by the engine, stays hidden)."""
    shown = selectors._protected([int(v or 0) for v in values])[:-1]
    return [selectors.SUPPRESSED if v is None else s for v, s in zip(values, shown, strict=True)]


def _estimates(outcome: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for label, key in (("Mixed model (as planned)", "mixed"), ("Adjusted", "adjusted"),
                       ("Unadjusted", "unadjusted")):
        for e in outcome.get(key) or []:
            rows.append({"label": label, "arm": e["arm"], "effect": e["effect"], "ci": e["ci"],
                         "p": e["p"], "method": e["method"]})
    return rows


def _outcome_block(outcome: dict[str, Any]) -> dict[str, Any]:
    summaries = outcome.get("summaries") or []
    shown = _protected_n([s.get("n") for s in summaries])
    subgroups = []
    for sg in outcome.get("subgroups") or []:
        levels = sg.get("levels") or []
        level_n = _protected_n([lv.get("n") for lv in levels])
        subgroups.append({**sg, "levels": [{**lv, "n": n} for lv, n in zip(levels, level_n, strict=True)]})
    cost = [{"arm": c["arm"], "incremental_cost": c["incremental_cost"],
             "incremental_outcome": c["incremental_outcome"],
             "cost_per_outcome_gained": c["cost_per_outcome_gained"]}
            for c in outcome.get("cost") or []]
    return {
        "outcome": outcome.get("outcome", ""),
        "summaries": [{**s, "n": n} for s, n in zip(summaries, shown, strict=True)],
        "estimates": _estimates(outcome),
        "adjusted_for": outcome.get("adjusted_for") or [],
        "subgroups": subgroups, "cost": cost,
    }


def report_context(trial: Trial, result: TrialResult) -> dict[str, Any]:
    """Everything the report shows, with disclosure control on every count."""
    protocol = trial.protocol
    outcomes = [_outcome_block(o) for o in (result.analysis.get("outcomes") or [])]
    first = trial.versions.order_by("number").first()
    return {
        "trial": trial, "result": result, "protocol": protocol,
        "protocol_rows": [(opendata.LABELS[name], opendata.describe_field(name, getattr(protocol, name)))
                          for name in PROTOCOL_SUMMARY if getattr(protocol, name)],
        "secondary_registered": opendata.describe_field("secondary_outcomes",
                                                        protocol.secondary_outcomes),
        "design": protocol.get_design_display(),
        "registered_at": trial.registered_at,
        "protocol_hash": first.content_hash if first else "",
        "entry": selectors.registry_entry(trial),
        "consort": selectors.consort_svg(result),
        "primary": outcomes[0] if outcomes else None,
        "secondary": outcomes[1:],
        "harms": selectors.harm_results_published(trial),
        "stepped_wedge": result.analysis.get("stepped_wedge"),
        "warnings": selectors.result_warnings(result),
        "suppressed": selectors.SUPPRESSED,
        "suppressed_secondary": selectors.SUPPRESSED_SECONDARY,
        "finding": selectors.finding_label(trial, result),
        "stop": selectors.stop_summary(trial, result),
    }


def report_pdf(context: dict[str, Any], *, base_url: str) -> bytes:
    """The report rendered to PDF by WeasyPrint (the same template as the printable page)."""
    from weasyprint import HTML

    html = render_to_string(REPORT_TEMPLATE, context)
    return HTML(string=html, base_url=base_url).write_pdf()
