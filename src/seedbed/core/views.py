"""Pages every visitor can see, the audit log for administrators, and the health check."""

from __future__ import annotations

from datetime import UTC, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from seedbed.core.access import access_audit_log, gatekeeper
from seedbed.core.audit import audit_verify
from seedbed.core.audit_feed import checkpoint_feed
from seedbed.core.selectors import audit_entry_page, audit_payload_text


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html")


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "core/privacy.html")


@require_GET
@gatekeeper(access_audit_log)
def audit(request: HttpRequest) -> HttpResponse:
    page = audit_entry_page(page_number=request.GET.get("page", "1"))
    rows = [(entry, audit_payload_text(entry=entry, for_user=request.user)) for entry in page]
    return render(request, "core/audit.html", {"page": page, "rows": rows, "verification": audit_verify()})


@require_GET
def audit_checkpoints(request: HttpRequest) -> JsonResponse:
    """The public checkpoint feed: entry numbers, MACs and times, never payloads or people."""
    response = JsonResponse(checkpoint_feed(), json_dumps_params={"indent": 1})
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def security_txt(request: HttpRequest) -> HttpResponse:
    """How to report a vulnerability (RFC 9116): the council's contact, an expiry date and the
    canonical address."""
    expires = timezone.now().replace(microsecond=0) + timedelta(days=settings.SEEDBED_SECURITY_TXT_DAYS)
    canonical = request.build_absolute_uri(reverse("core:security_txt"))
    lines = [
        f"Contact: {settings.SEEDBED_SECURITY_CONTACT}",
        f"Expires: {expires.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}",
        f"Canonical: {canonical}",
        "Preferred-Languages: en",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 (with a reason, no details) when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
