"""Themes across needs: the latest themes (council staff) and refreshing them (handlers)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from seedbed.core.access import gatekeeper
from seedbed.participation import selectors
from seedbed.participation.access import (
    access_voices_handling,
    access_voices_themes,
    is_voices_handler,
)
from seedbed.participation.tasks import themes_refresh_task

THEMES_QUEUED = "Themes are being refreshed. Reload this page in a minute to see them."


@require_GET
@gatekeeper(access_voices_themes)
def themes(request: HttpRequest) -> HttpResponse:
    run, found = selectors.theme_latest()
    return render(request, "participation/themes.html", {
        "run": run, "themes": found, "can_refresh": is_voices_handler(request.user),
    })


@require_POST
@gatekeeper(access_voices_handling)
def themes_refresh(request: HttpRequest) -> HttpResponse:
    themes_refresh_task.enqueue()
    messages.success(request, THEMES_QUEUED)
    return redirect("participation:themes")
