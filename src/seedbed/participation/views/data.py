"""Open data downloads, and a person's own data (download, close account)."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from seedbed.core.access import access_signed_in, gatekeeper
from seedbed.participation import opendata, services
from seedbed.participation.access import access_voices_participant
from seedbed.participation.forms import AccountDeleteForm
from seedbed.participation.selectors import notification_list

ACCOUNT_CLOSED = (
    "Your account has been closed. What you sent stays, under a pseudonym, so the council can "
    "still act on it."
)


@require_GET
def open_data(request: HttpRequest) -> HttpResponse:
    return render(request, "participation/open_data.html", {"columns": opendata.COLUMNS})


@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(opendata.open_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="voices.csv"'
    response["Link"] = f'<{reverse("participation:export_csv_metadata")}>; rel="describedby"; type="application/csvm+json"'
    return response


@require_GET
def export_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"licence": opendata.LICENCE, "items": opendata.open_rows()})


@require_GET
def export_csv_metadata(request: HttpRequest) -> HttpResponse:
    metadata = opendata.csvw_metadata(
        csv_url=request.build_absolute_uri(reverse("participation:export_csv")),
        council=settings.SEEDBED_COUNCIL_NAME,
    )
    return HttpResponse(json.dumps(metadata, indent=2), content_type="application/csvm+json")


@require_http_methods(["GET", "POST"])
@gatekeeper(access_signed_in)
def your_data(request: HttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = access_voices_participant(request.user)
        logout(request)
        services.account_erase(user=user, actor=user)
        messages.success(request, ACCOUNT_CLOSED)
        return redirect("core:home")
    return render(request, "participation/your_data.html", {"form": form})


@require_GET
@gatekeeper(access_signed_in)
def your_data_download(request: HttpRequest) -> HttpResponse:
    data = services.personal_data_download(actor=access_voices_participant(request.user))
    response = HttpResponse(json.dumps(data, indent=2), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="your-voices-data.json"'
    return response


@require_GET
@gatekeeper(access_signed_in)
def notifications(request: HttpRequest) -> HttpResponse:
    return render(request, "participation/notifications.html",
                  {"notifications": notification_list(user=request.user)[:100]})
