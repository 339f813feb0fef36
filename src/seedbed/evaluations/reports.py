"""The report of an evaluation: one template, read as a printable page or as a PDF.

``report_context`` (a selector) gathers what the report shows: the registered plan as it was
analysed (its version, content hash and date), the registration and every amendment with its
reason (marking those made after the first data were added, and saying when that was), the
data set (file, rows, hash), the estimates with their intervals in plain words, the
design's chart with its figures as tables, the warnings as sentences, the assumptions and
their checks, and what the plan said would count as success beside what was found.
``report_pdf`` renders the same body to PDF with WeasyPrint. Once the evaluation is reported
none of this can change (``services.report``), so the published report is frozen.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from seedbed.evaluations import selectors
from seedbed.evaluations.models import Evaluation, EvaluationResult
from seedbed.evaluations.rules import content_hash, plan_fields, plan_label, plan_value_text

REPORT_TEMPLATE = "evaluations/report_pdf.html"


def report_context(evaluation: Evaluation, result: EvaluationResult) -> dict[str, Any]:
    """Everything the report shows (module docstring)."""
    version = result.plan_version
    versions = list(selectors.plan_versions(evaluation=evaluation))
    first_data = selectors.first_data_at(evaluation=evaluation)
    return {
        "evaluation": evaluation,
        **selectors.analysis_summary(result=result),
        "plan_rows": [(plan_label(name), plan_value_text(name, version.content.get(name),
                                                         design=evaluation.design))
                      for name in plan_fields(evaluation.design)],
        "registration": versions[0] if versions else None,
        "amendments": [(v, first_data is not None and v.frozen_at > first_data)
                       for v in versions[1:]],
        "first_data_at": first_data,
        "result_hash": content_hash(result.payload),
    }


def report_pdf(context: dict[str, Any], *, base_url: str) -> bytes:
    """The report rendered to PDF by WeasyPrint (the same body as the printable page)."""
    from weasyprint import HTML

    html = render_to_string(REPORT_TEMPLATE, context)
    return bytes(HTML(string=html, base_url=base_url).write_pdf())
