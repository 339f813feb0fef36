"""API authentication: a bearer token, or the browser session (with CSRF).

Every rule about tokens is enforced here, once, for every endpoint that uses ``API_AUTH``:
a revoked or expired token is refused with 401 and says why; a token without the scope the
HTTP method needs (``read`` for GET/HEAD/OPTIONS, ``write`` for everything else) is refused
with 403; a good token records when it was last used (at most once a minute). What the person
may then reach is still decided by the gatekeepers in ``seedbed.core.access``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from seedbed.accounts.models import ApiScope
from seedbed.accounts.selectors import api_token_find
from seedbed.accounts.services import api_token_mark_used

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

ERROR_TOKEN_REVOKED = "This API token has been revoked. Create a new one on your account page."  # noqa: S105 - a message, not a secret
ERROR_TOKEN_EXPIRED = "This API token expired on {date}. Create a new one on your account page."  # noqa: S105 - a message, not a secret
ERROR_TOKEN_SCOPE = (
    "This API token does not have the '{needed}' scope, which {method} requests need "  # noqa: S105 - a message
    "(its scopes: {held}). Create a token with the '{needed}' scope on your account page."
)


class TokenRefused(Exception):
    """A bearer token that was recognised but may not be used for this request."""

    def __init__(self, status: int, detail: str) -> None:
        self.status = status
        self.detail = detail
        super().__init__(detail)


def scope_needed(method: str) -> str:
    """The scope an HTTP method needs: reading for safe methods, writing for the rest."""
    return ApiScope.READ.value if method.upper() in SAFE_METHODS else ApiScope.WRITE.value


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        record = api_token_find(token=token)
        if record is None or not record.user.is_active:
            return None  # unknown: the generic 401, saying nothing about what exists
        now = timezone.now()
        if record.revoked_at is not None:
            raise TokenRefused(401, ERROR_TOKEN_REVOKED)
        if record.is_expired(now):
            local = timezone.localtime(record.expires_at)
            date = f"{local.day} {local:%B %Y at %H:%M %Z}"
            raise TokenRefused(401, ERROR_TOKEN_EXPIRED.format(date=date))
        needed = scope_needed(request.method or "GET")
        if not record.has_scope(needed):
            held = ", ".join(record.scope_labels) or "none"
            raise TokenRefused(403, ERROR_TOKEN_SCOPE.format(
                needed=needed, method=(request.method or "GET").upper(), held=held))
        api_token_mark_used(token=record, at=now)
        request.user = record.user
        return record.user


API_AUTH = [TokenAuth(), SessionAuth()]
