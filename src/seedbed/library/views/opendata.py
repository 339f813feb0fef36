"""Open data: published cases as JSON, CSV and CSV-on-the-Web metadata."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from seedbed.library import opendata, selectors


@require_http_methods(["GET"])
def export_json(request: HttpRequest) -> HttpResponse:
    return HttpResponse(opendata.cases_json(selectors.case_published()),
                        content_type="application/json; charset=utf-8")


@require_http_methods(["GET"])
def export_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(opendata.cases_csv(selectors.case_published()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="cases.csv"'
    return response


@require_http_methods(["GET"])
def export_metadata(request: HttpRequest) -> JsonResponse:
    data = opendata.csvw_metadata(csv_url=request.build_absolute_uri(reverse("library:export_csv")),
                                  council=settings.SEEDBED_COUNCIL_NAME)
    return JsonResponse(json.loads(json.dumps(data)), content_type="application/csvm+json")
