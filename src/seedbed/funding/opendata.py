"""Open grants data: the 360Giving Data Standard (JSON and spreadsheet) and the Local
Government Transparency Code grants table.

360Giving: each grant carries the required fields id, title, description, currency,
amountAwarded, awardDate, recipientOrganization (id, name) — or recipientIndividual for a
person, whose name is never published — and fundingOrganization (id, name). Organisation ids
are org-id.guide identifiers (``GB-CHC-…``, ``GB-LAE-…``); an organisation without one gets a
``360G-`` identifier under Seedbed's prefix, as the standard asks.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from seedbed.core.exports import export_writer
from seedbed.funding.models import Application, Award

PREFIX = "360G-seedbed"
INDIVIDUAL_NAME = "Individual recipient"
SPREADSHEET_COLUMNS = (
    "Identifier", "Title", "Description", "Currency", "Amount Awarded", "Award Date",
    "Recipient Org:Identifier", "Recipient Org:Name", "Recipient Ind:Identifier", "Recipient Ind:Name",
    "Funding Org:Identifier", "Funding Org:Name", "Grant Programme:Title",
)
TRANSPARENCY_COLUMNS = (
    "Organisation Name", "Organisation Code", "Date of Award", "Time Period", "Local Authority Department",
    "Beneficiary Name", "Beneficiary Registration Number", "Summary of the Purpose of the Grant",
    "Amount", "Type of Payment",
)


def org_identifier(organisation: Any) -> str:
    return organisation.org_id or f"{PREFIX}-ORG-{organisation.slug}"


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _application(award: Award) -> Application:
    """The application a grant was made on (participatory-budget projects are not grants)."""
    if award.application is None:
        raise ValueError(f"{award.reference} funds a participatory-budget project, not a grant")
    return award.application


def grant(award: Award) -> dict[str, Any]:
    """One award as a 360Giving grant."""
    application = _application(award)
    owner = award.fund.owner
    record: dict[str, Any] = {
        "id": f"{PREFIX}-{owner.slug}-{award.reference}",
        "title": application.title,
        "description": application.summary or application.call.summary,
        "currency": award.fund.currency,
        "amountAwarded": _number(award.amount),
        "awardDate": award.awarded_at.date().isoformat(),
        "fundingOrganization": [{"id": org_identifier(owner), "name": owner.name}],
        "grantProgramme": [{"code": f"CALL-{application.call_id}", "title": application.call.title}],
    }
    if application.organisation is not None:
        record["recipientOrganization"] = [{"id": org_identifier(application.organisation), "name": application.organisation.name}]
    else:
        record["recipientIndividual"] = {"id": f"{PREFIX}-IND-{award.reference}", "name": INDIVIDUAL_NAME}
    return record


def _published(awards: list[Award]) -> list[Award]:
    return [a for a in awards if a.status != Award.Status.DECLINED]


def grants_json(awards: list[Award]) -> dict[str, Any]:
    """The 360Giving JSON package: ``{"grants": [...]}``."""
    return {"grants": [grant(a) for a in _published(awards)]}


def grants_spreadsheet(awards: list[Award]) -> str:
    """The 360Giving spreadsheet (CSV, the standard's column titles)."""
    out = io.StringIO()
    writer = export_writer(out)
    writer.writerow(SPREADSHEET_COLUMNS)
    for award in _published(awards):
        g = grant(award)
        org = (g.get("recipientOrganization") or [{}])[0]
        ind = g.get("recipientIndividual") or {}
        writer.writerow([
            g["id"], g["title"], g["description"], g["currency"], g["amountAwarded"], g["awardDate"],
            org.get("id", ""), org.get("name", ""), ind.get("id", ""), ind.get("name", ""),
            g["fundingOrganization"][0]["id"], g["fundingOrganization"][0]["name"], g["grantProgramme"][0]["title"],
        ])
    return out.getvalue()


def transparency_grants(awards: list[Award]) -> str:
    """The Local Government Transparency Code grants table (CSV). Individuals are not named."""
    out = io.StringIO()
    writer = export_writer(out)
    writer.writerow(TRANSPARENCY_COLUMNS)
    for award in _published(awards):
        application = _application(award)
        fund = award.fund
        recipient = application.organisation
        writer.writerow([
            fund.owner.name, org_identifier(fund.owner), award.awarded_at.date().isoformat(),
            f"{fund.period_start.isoformat()} to {fund.period_end.isoformat()}", fund.name,
            recipient.name if recipient else "Individual (name withheld)",
            (recipient.org_id if recipient else "") or "",
            application.title, f"{award.amount:.2f}", "Grant",
        ])
    return out.getvalue()
