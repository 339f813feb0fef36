"""The portfolio's JSON API: innovations and the leaders' summary (staff only, read only)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from seedbed.core.api_auth import API_AUTH
from seedbed.portfolio import selectors
from seedbed.portfolio.access import access_innovation, access_portfolio

router = Router(tags=["portfolio"])


class InnovationOut(Schema):
    id: int
    title: str
    typology: str
    service_area: str
    stage: str
    status: str
    budget: str
    spend: str
    evidence_level: int
    evidence_direction: str


class ErrorOut(Schema):
    detail: str


def _out(i) -> dict:
    return {"id": i.pk, "title": i.title, "typology": i.typology, "service_area": i.service_area.slug,
            "stage": i.stage.slug, "status": i.status, "budget": str(i.budget), "spend": str(i.spend),
            "evidence_level": i.evidence_level, "evidence_direction": i.evidence_direction}


@router.get("/innovations", response={200: list[InnovationOut], 401: ErrorOut, 403: ErrorOut},
            auth=API_AUTH, url_name="portfolio_innovations")
def innovations(request: HttpRequest):
    """Every innovation with its stage, spend and evidence (staff only)."""
    access_portfolio(request.user)
    return [_out(i) for i in selectors.innovation_list(for_user=request.user)]


@router.get("/innovations/{innovation_id}", response={200: InnovationOut, 401: ErrorOut, 403: ErrorOut},
            auth=API_AUTH, url_name="portfolio_innovation")
def innovation(request: HttpRequest, innovation_id: int):
    """One innovation (staff only)."""
    return _out(selectors.innovation_get(innovation_id=access_innovation(request.user, innovation_id).pk))
