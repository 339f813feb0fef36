"""Request logging and turning ``AccessDenied`` into a sign-in redirect or a 403 page."""

from __future__ import annotations

import time
from collections.abc import Callable

import structlog
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
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
