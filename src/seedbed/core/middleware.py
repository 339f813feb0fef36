"""Request logging and turning ``AccessDenied`` into a sign-in redirect or a 403 page."""

from __future__ import annotations

import time
from collections.abc import Callable

import structlog
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from seedbed.core.errors import AccessDenied

log = structlog.get_logger("seedbed.request")


class RequestLogMiddleware:
    """One structured event per request: method, path, status, duration, user id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        log.info(
            "request",
            method=request.method,
            path=request.path,
            status=response.status_code,
            ms=round((time.perf_counter() - started) * 1000, 1),
            user_id=getattr(user, "pk", None),
        )
        return response


class AccessDeniedMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, AccessDenied):
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return render(request, "errors/403.html", {"reason": exception.reason}, status=403)


NUL_MESSAGE = "The request contains a character that is not allowed (a NUL byte). Remove it and try again."


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    for key, values in request.GET.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            return True
    content_type = request.content_type or ""
    if request.method in ("POST", "PUT", "PATCH"):
        if content_type == "application/json":
            body = request.body
            return b"\x00" in body or b"\\u0000" in body
        if content_type == "application/x-www-form-urlencoded":
            try:
                fields = list(request.POST.lists())
            except Exception:  # noqa: BLE001 - a malformed body is the view's to refuse
                return False
            for key, values in fields:
                if "\x00" in key or any("\x00" in value for value in values):
                    return True
    return False


class RejectNulMiddleware:
    """Refuse input holding NUL bytes with a clear 400 before it reaches a view.

    PostgreSQL cannot store NUL in text, and no form field or API parameter needs one
    (multipart bodies, which carry uploaded files, are left to the views).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": NUL_MESSAGE}, status=400)
            return render(request, "400.html", {"reason": NUL_MESSAGE}, status=400)
        return self.get_response(request)
