"""Rate limits against floods, counted in Django's cache per address and per person.

A limit is (how many, in how many seconds). Going over gives HTTP 429 with a page that says
what happened and when to try again.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

RATE_LIMITS: dict[str, tuple[int, int]] = {
    # scope: (count, window seconds)
    "submit:user": (10, 600),
    "submit:address": (30, 600),
    "act:user": (120, 600),
    "act:address": (300, 600),
    # Emails sent to one address by people without an account: confirmations and links.
    "email:address": (5, 3600),
}
MESSAGE_RATE_LIMITED = (
    "You have sent a lot in a short time, so we have paused what you can send from here. "
    "Please try again in {minutes} minutes. Nothing you sent before has been lost."
)


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def _hit(key: str, limit: tuple[int, int]) -> bool:
    """Count one hit in the current window; True when the limit is exceeded."""
    count, window = limit
    bucket = int(time.time() // window)
    cache_key = f"voices:rate:{key}:{bucket}"
    cache.add(cache_key, 0, timeout=window + 5)
    try:
        hits = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window + 5)
        hits = 1
    return hits > count


def over_limit(request: HttpRequest, scope: str) -> int | None:
    """Count this request; the window in seconds when a limit is exceeded, else None."""
    checks = [(f"{scope}:address", client_address(request))]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        checks.append((f"{scope}:user", str(user.pk)))
    for name, who in checks:
        limit = RATE_LIMITS.get(name)
        if limit is not None and _hit(f"{name}:{who}", limit):
            return limit[1]
    return None


def email_key(email: str) -> str:
    """Who an email address is, for counting: a digest, so no address sits in the cache."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


def over_limit_for(name: str, who: str) -> int | None:
    """Count one hit against the limit ``name`` for ``who`` (such as an email address);
    the window in seconds when it is exceeded, else None."""
    limit = RATE_LIMITS[name]
    return limit[1] if _hit(f"{name}:{who}", limit) else None


def rate_limited_response(request: HttpRequest, window: int) -> HttpResponse:
    """The 429 page: what happened and when to try again."""
    message = MESSAGE_RATE_LIMITED.format(minutes=max(1, window // 60))
    response = render(request, "participation/rate_limited.html", {"message": message}, status=429)
    response["Retry-After"] = str(window)
    return response


def rate_limited(scope: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Limit POSTs to a view; GETs are not counted."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST":
                window = over_limit(request, scope)
                if window is not None:
                    return rate_limited_response(request, window)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
