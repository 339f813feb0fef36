"""Open data: published cases as JSON and CSV, CSV-on-the-Web metadata, schema.org JSON-LD."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import Any

from seedbed.core.exports import export_dict_writer
from seedbed.library.models import Case

LICENCE = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
LIST_COLUMNS = frozenset({"evidence_reasons"})

# column name, title, CSVW datatype, description
COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("id", "Case id", "integer", "Seedbed's identifier for the case"),
    ("title", "Title", "string", "What was tried"),
    ("summary", "Summary", "string", "Summary in plain language"),
    ("problem", "Problem", "string", "The problem addressed"),
    ("what_was_done", "What was done", "string", "The intervention"),
    ("setting", "Setting", "string", "Where and with whom"),
    ("source", "Source", "string", "trial, probe, evaluation or external evidence"),
    ("design", "Design", "string", "How the finding was produced"),
    ("service_area", "Service area", "string", "Service area"),
    ("typology", "Type of innovation", "string", "policy, service, delivery, process or system"),
    ("stage_reached", "Stage reached", "string", "Lifecycle stage the innovation had reached"),
    ("year", "Year", "gYear", "Year of the finding"),
    ("outcome", "Outcome", "string", "Primary outcome"),
    ("effect", "Effect", "double", "Estimated effect on the outcome"),
    ("ci_low", "Interval lower limit", "double", "Lower limit of the 95% confidence interval"),
    ("ci_high", "Interval upper limit", "double", "Upper limit of the 95% confidence interval"),
    ("effect_unit", "Effect unit", "string", "Unit of the effect"),
    ("n_intervention", "Number in intervention group", "integer", "Suppressed (empty) when small"),
    ("n_comparison", "Number in comparison group", "integer", "Suppressed (empty) when small"),
    ("n_total", "Total number", "integer", "Suppressed (empty) when small"),
    ("evidence_level", "Evidence level", "integer", "Nesta Standards of Evidence level, 0 to 5"),
    ("evidence_level_overridden", "Evidence level overridden", "boolean", "Whether the level was set by hand, with a reason"),
    ("sms_level", "Maryland SMS level", "integer", "Maryland Scientific Methods Scale level, 1 to 5 (5: a randomised trial); empty when the case was not scored on it"),
    ("evidence_reasons", "Reasons for the evidence levels", "string", "Why the case has its levels, each downgrade with its reason (in the CSV, separated by ' | ')"),
    ("direction", "Direction", "string", "positive, null, negative, harmful (stopped early for harm) or not measured"),
    ("stopped_for", "Stopped early for", "string", "harm, benefit, futility or other; empty if the trial did not stop early"),
    ("stopped_on", "Stopped on", "date", "The date the trial stopped early"),
    ("stop_reasons", "Reasons for stopping", "string", "The decision to stop and its reasons, as recorded"),
    ("harm_finding", "Harm found", "string", "The harm found at the last look before the stop (small counts suppressed)"),
    ("cost", "Cost (GBP)", "decimal", "Total cost"),
    ("cost_per_outcome", "Cost per outcome (GBP)", "decimal", "Cost divided by outcomes achieved"),
    ("lessons_worked", "What worked", "string", "Lessons"),
    ("lessons_did_not", "What did not work", "string", "Lessons"),
    ("lessons_differently", "What we would do differently", "string", "Lessons"),
    ("registry_url", "Registry entry", "string", "Link to the trial or probe registry entry"),
    ("published_at", "Published", "dateTime", "When the case was published"),
)


def case_row(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk, "title": case.title, "summary": case.summary, "problem": case.problem,
        "what_was_done": case.what_was_done, "setting": case.setting, "source": case.source,
        "design": case.design, "service_area": case.service_area.name if case.service_area else "",
        "typology": case.typology, "stage_reached": case.stage_reached, "year": case.year,
        "outcome": case.outcome, "effect": case.effect, "ci_low": case.ci_low, "ci_high": case.ci_high,
        "effect_unit": case.effect_unit, "n_intervention": case.n_intervention,
        "n_comparison": case.n_comparison, "n_total": case.n_total, "evidence_level": case.level,
        "evidence_level_overridden": case.level_override is not None, "sms_level": case.sms_level,
        "evidence_reasons": [str(r) for r in case.evidence_reasons or []], "direction": case.direction,
        "stopped_for": case.stopped_for,
        "stopped_on": case.stopped_on.isoformat() if case.stopped_on else None,
        "stop_reasons": case.stop_reasons, "harm_finding": case.harm_finding,
        "cost": str(case.cost) if case.cost is not None else None,
        "cost_per_outcome": str(case.cost_per_outcome) if case.cost_per_outcome is not None else None,
        "lessons_worked": case.lessons_worked, "lessons_did_not": case.lessons_did_not,
        "lessons_differently": case.lessons_differently, "registry_url": case.registry_url,
        "published_at": case.published_at.isoformat() if case.published_at else None,
    }


def cases_json(cases: Iterable[Case]) -> str:
    return json.dumps({"licence": LICENCE, "cases": [case_row(c) for c in cases]}, indent=2, ensure_ascii=False)


LIST_SEPARATOR = " | "


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return LIST_SEPARATOR.join(value)
    return value


def cases_csv(cases: Iterable[Case]) -> str:
    out = io.StringIO()
    writer = export_dict_writer(out, fieldnames=[c[0] for c in COLUMNS], lineterminator="\r\n")
    writer.writeheader()
    for case in cases:
        row = case_row(case)
        writer.writerow({k: _csv_value(v) for k, v in row.items()})
    return out.getvalue()


def csvw_metadata(*, csv_url: str, council: str) -> dict[str, Any]:
    """CSV on the Web (W3C) table metadata describing ``cases_csv``."""
    return {
        "@context": "http://www.w3.org/ns/csvw",
        "url": csv_url,
        "dc:title": f"{council}: library of what works (probes, trials, evaluations and external evidence)",
        "dc:license": {"@id": LICENCE},
        "dc:publisher": council,
        "tableSchema": {
            "columns": [
                {"name": name, "titles": title, "datatype": datatype, "dc:description": description,
                 **({"null": ""} if datatype != "string" else {}),
                 **({"separator": LIST_SEPARATOR} if name in LIST_COLUMNS else {})}
                for name, title, datatype, description in COLUMNS
            ],
            "primaryKey": "id",
        },
    }


def case_jsonld(*, case: Case, url: str, csv_url: str, council: str) -> str:
    """schema.org Dataset markup for a case page, escaped for a <script> element."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "name": case.title,
        "description": case.summary,
        "url": url,
        "license": LICENCE,
        "isAccessibleForFree": True,
        "creator": {"@type": "Organization", "name": council},
        "temporalCoverage": str(case.year),
        "keywords": [k for k in (case.design, case.typology, case.direction, case.stopped_for and "stopped early",
                                 case.service_area.name if case.service_area else "") if k],
        "distribution": [{"@type": "DataDownload", "encodingFormat": "text/csv", "contentUrl": csv_url}],
    }
    if case.outcome:
        data["variableMeasured"] = case.outcome
    if case.published_at:
        data["datePublished"] = case.published_at.date().isoformat()
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
