"""Open data: published needs and ideas as CSV and JSON, described by CSV on the Web metadata.

No personal data leaves: no names, accounts or organisations of submitters (only whether
a resident, frontline worker or provider spoke), and map points rounded to three decimal
places (about 100 metres) so a point cannot pin down a home.
"""

from __future__ import annotations

import io
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.db.models import Count, QuerySet

from seedbed.core.exports import export_dict_writer
from seedbed.participation.models import Contribution

POINT_PLACES = Decimal("0.001")
LICENCE = "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"

# name, title, datatype, description
COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("reference", "Reference", "string", "N-<number> for a need, I-<number> for an idea"),
    ("kind", "Kind", "string", "need or idea"),
    ("title", "Title", "string", "Short title given by the submitter"),
    ("description", "Description", "string", "What the need or idea is"),
    ("who_affected", "Who is affected", "string", "Who the need affects (needs only)"),
    ("how_often", "How often", "string", "once, sometimes, often, always or empty"),
    ("area_name", "Area", "string", "Area named by the submitter"),
    ("latitude", "Latitude", "decimal", "WGS 84, rounded to 3 decimal places"),
    ("longitude", "Longitude", "decimal", "WGS 84, rounded to 3 decimal places"),
    ("answers_need", "Answers need", "string", "Reference of the need an idea answers"),
    ("answers_challenge", "Answers challenge", "string",
     "Number and title of the open challenge (funding call) an idea answers"),
    ("efficiency_tags", "Radical-efficiency tags", "string",
     "Space-separated: new_insight new_customers new_suppliers new_resources"),
    ("voice_of", "Voice of", "string", "resident, frontline or provider"),
    ("status", "Status", "string",
     "received, under_consideration, taken_forward, not_taken_forward or merged"),
    ("status_reason", "Status reason", "string", "Why, when not taken forward"),
    ("outcome", "Taken forward as", "string", "What it became (challenge, award or trial)"),
    ("merged_into", "Merged into", "string", "Reference of the one it was merged into"),
    ("supports", "Supports", "integer", "Number of people supporting it"),
    ("created_at", "Created", "datetime", "When it was received (ISO 8601, UTC offset)"),
    ("updated_at", "Updated", "datetime", "When it last changed"),
)


def _point(value: Decimal | None) -> str:
    return str(value.quantize(POINT_PLACES, rounding=ROUND_HALF_EVEN)) if value is not None else ""


def open_queryset() -> QuerySet[Contribution]:
    return (
        Contribution.objects.filter(hidden=False, held=False)
        .select_related("answers_need", "answers_call", "merged_into")
        .annotate(support_total=Count("supports"))
        .order_by("pk")
    )


def open_rows() -> list[dict[str, Any]]:
    rows = []
    for c in open_queryset():
        rows.append({
            "reference": c.reference,
            "kind": c.kind,
            "title": c.title,
            "description": c.body,
            "who_affected": c.who_affected,
            "how_often": c.how_often,
            "area_name": c.area_name,
            "latitude": _point(c.latitude),
            "longitude": _point(c.longitude),
            "answers_need": c.answers_need.reference if c.answers_need else "",
            "answers_challenge": (
                f"{c.answers_call.pk}: {c.answers_call.title}"
                if c.answers_call and c.answers_call.is_public else ""
            ),
            "efficiency_tags": " ".join(c.efficiency_tags),
            "voice_of": c.voice_of,
            "status": c.status,
            "status_reason": c.status_reason,
            "outcome": c.outcome_label,
            "merged_into": c.merged_into.reference if c.merged_into else "",
            "supports": c.support_total,  # type: ignore[attr-defined]
            "created_at": c.created_at.isoformat(),
            "updated_at": c.updated_at.isoformat(),
        })
    return rows


def open_csv() -> str:
    buffer = io.StringIO()
    writer = export_dict_writer(buffer, fieldnames=[c[0] for c in COLUMNS], lineterminator="\r\n")
    writer.writeheader()
    for row in open_rows():
        writer.writerow(row)
    return buffer.getvalue()


def csvw_metadata(*, csv_url: str, council: str) -> dict[str, Any]:
    """CSV on the Web (W3C) table metadata for the CSV file at ``csv_url``."""
    return {
        "@context": "http://www.w3.org/ns/csvw",
        "url": csv_url,
        "dc:title": f"Needs and ideas sent to {council}",
        "dc:description": (
            "Published needs and ideas from residents, frontline staff and providers, with what "
            "happened to each. Personal data removed; map points rounded to about 100 metres."
        ),
        "dc:publisher": council,
        "dc:license": {"@id": LICENCE},
        "tableSchema": {
            "columns": [
                {"name": name, "titles": title, "datatype": datatype, "dc:description": description}
                for name, title, datatype, description in COLUMNS
            ],
            "primaryKey": "reference",
        },
    }
