"""Open grants data pages and downloads (public)."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from seedbed.funding import opendata, selectors


@require_http_methods(["GET"])
def open_data(request: HttpRequest) -> HttpResponse:
    awards = selectors.award_list(published_only=True)
    return render(request, "funding/open_data.html", {"grants": [opendata.grant(a) for a in awards]})


def _download(body: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_http_methods(["GET"])
def grants_360_json(request: HttpRequest) -> HttpResponse:
    package = opendata.grants_json(selectors.award_list(published_only=True))
    return _download(json.dumps(package, indent=2), "application/json", "seedbed-360giving.json")


@require_http_methods(["GET"])
def grants_360_csv(request: HttpRequest) -> HttpResponse:
    return _download(opendata.grants_spreadsheet(selectors.award_list(published_only=True)), "text/csv; charset=utf-8",
                     "seedbed-360giving.csv")


@require_http_methods(["GET"])
def grants_transparency_csv(request: HttpRequest) -> HttpResponse:
    return _download(opendata.transparency_grants(selectors.award_list(published_only=True)), "text/csv; charset=utf-8",
                     "seedbed-transparency-grants.csv")
