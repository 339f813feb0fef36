"""Request logging, no-store caching for private responses, and turning ``AccessDenied`` into
a sign-in redirect or a 403 page."""

from __future__ import annotations

import time
from collections.abc import Callable

import structlog
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from seedbed.core.errors import AccessDenied
from seedbed.core.redact import redact_secrets

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
            path=redact_secrets(request.path),
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
            except Exception:
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


# Pages that are private whoever asks: sign-in and accounts, the admin, and what residents
# without an account reach through emailed links (their own submissions and data).
PRIVATE_PATH_PREFIXES = (
    "/sign-in/", "/sign-out/", "/account/", "/admin/", "/api/me",
    "/voices/email/", "/voices/yours/", "/voices/your-data/", "/voices/notifications/",
)


def is_private_response(request: HttpRequest, response: HttpResponse) -> bool:
    """True when no browser or shared cache may keep this response: anything shown to a
    signed-in person or an API token, anything under a private path, anything that sets a
    cookie, and anything for a browser whose session holds data (an emailed-link grant)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    if "HTTP_AUTHORIZATION" in request.META or response.cookies:
        return True
    if request.path.startswith(PRIVATE_PATH_PREFIXES):
        return True
    session = getattr(request, "session", None)
    return (session is not None and settings.SESSION_COOKIE_NAME in request.COOKIES
            and not session.is_empty())


class NoStoreMiddleware:
    """``Cache-Control: no-store`` (with ``Pragma: no-cache`` for HTTP/1.0 caches) on every
    private response, so a shared computer's back button or a proxy never shows one person's
    page to another. Public pages for anonymous visitors stay cacheable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if is_private_response(request, response):
            add_never_cache_headers(response)
            response["Pragma"] = "no-cache"
        return response
