"""Funding JSON API: awards (for the portfolio and finance systems), PB results, open grants."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from seedbed.core.api_auth import API_AUTH
from seedbed.funding import opendata, selectors
from seedbed.funding.access import access_award, access_pb_round

router = Router(tags=["funding"])


class ErrorOut(Schema):
    detail: str


class AwardOut(Schema):
    id: int
    reference: str
    title: str
    call: str
    fund: str
    currency: str
    amount: str
    paid: str
    status: str
    recipient: str
    innovation_id: int | None


@router.get("/awards/{award_id}", response={200: AwardOut, 401: ErrorOut, 403: ErrorOut, 422: dict[str, Any]}, auth=API_AUTH,
            url_name="funding_award")
def award(request: HttpRequest, award_id: int):
    """One award: amount, payments so far and status (individual recipients anonymised)."""
    found = access_award(request.user, award_id)
    call = found.application.call if found.application_id else found.pb_project.round.call  # type: ignore[union-attr]
    innovation = selectors.award_innovation(award=found)
    return {
        "id": found.pk, "reference": found.reference, "title": found.title,
        "call": call.title, "fund": found.fund.name, "currency": found.fund.currency,
        "amount": str(found.amount), "paid": str(found.paid), "status": found.status,
        "recipient": found.recipient_label, "innovation_id": innovation.pk if innovation else None,
    }


class PbResultOut(Schema):
    round: int
    counted: bool
    rule: str
    selected: list[str]
    cost: str | None
    voters: int
    explanations: dict[str, Any]


@router.get("/pb/{round_id}/result", response={200: PbResultOut, 403: ErrorOut, 422: dict[str, Any]}, auth=None, url_name="funding_pb_result")
def pb_result(request: HttpRequest, round_id: int):
    """The count of a participatory-budgeting round with the engine's explanations."""
    pb_round = access_pb_round(request.user, round_id)
    result = getattr(pb_round, "result", None)
    if result is None:
        return {"round": pb_round.pk, "counted": False, "rule": pb_round.rule, "selected": [], "cost": None,
                "voters": 0, "explanations": {}}
    return {"round": pb_round.pk, "counted": True, "rule": result.rule, "selected": result.selected,
            "cost": str(result.cost), "voters": result.voters, "explanations": result.explanations}


@router.get("/grants", response=dict[str, Any], auth=None, url_name="funding_grants")
def grants(request: HttpRequest):
    """Every published award as a 360Giving Data Standard package."""
    return opendata.grants_json(selectors.award_list(published_only=True))
