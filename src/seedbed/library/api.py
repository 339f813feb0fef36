"""The library's JSON API: published cases, by facet and by meaning (public, read only)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema

from seedbed.library import opendata, selectors
from seedbed.library.access import access_case

router = Router(tags=["library"])


class CaseOut(Schema):
    id: int
    title: str
    summary: str
    design: str
    evidence_level: int
    sms_level: int | None
    evidence_reasons: list[str]
    direction: str
    stopped_for: str
    stopped_on: str | None
    year: int
    service_area: str
    typology: str
    effect: float | None
    ci_low: float | None
    ci_high: float | None
    score: float | None = None


class CaseQuery(Schema):
    q: str = ""
    service_area: str = ""
    typology: str = ""
    stage_reached: str = ""
    design: str = ""
    level: str = ""
    sms_level: str = ""
    direction: str = ""
    stopped: str = ""
    year: str = ""


class ErrorOut(Schema):
    detail: str


def _out(case, score: float | None = None) -> dict:
    row = opendata.case_row(case)
    return {**{k: row[k] for k in ("id", "title", "summary", "design", "evidence_level", "sms_level",
                                  "evidence_reasons", "direction",
                                  "stopped_for", "stopped_on", "year", "service_area", "typology", "effect", "ci_low", "ci_high")},
            "score": score}


@router.get("/cases", response=list[CaseOut], auth=None, url_name="library_cases")
def cases(request: HttpRequest, filters: Query[CaseQuery]):
    """Published cases matching the facets; ranked by meaning when ``q`` is given."""
    data = filters.dict()
    query = data.pop("q")
    result = selectors.case_search(for_user=request.user, facets=selectors.CaseFacets(**data), query=query)
    return [_out(c, result.scores.get(c.pk)) for c in result.cases]


@router.get("/cases/{case_id}", response={200: CaseOut, 403: ErrorOut}, auth=None, url_name="library_case")
def case(request: HttpRequest, case_id: int):
    """One case (drafts are for council staff only, not providers)."""
    return _out(access_case(request.user, case_id))
