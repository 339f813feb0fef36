"""Pausing sign-in after repeated wrong passwords: per username and address, and per account
across every address.

django-axes records each failure (username, address). Its own rule pauses one username from
one address after ``AXES_FAILURE_LIMIT`` failures; this handler adds a second, higher limit,
``SEEDBED_SIGNIN_ACCOUNT_FAILURE_LIMIT``, on the failures for one username from all addresses
together, so that guessing from many addresses (a botnet, a rotating proxy) is paused too.
Both count failures within ``AXES_COOLOFF_TIME``; the pause ends when the failures are that
old, after a successful sign-in resets them, or when the password is changed (which clears
every failure for the account).

An unknown username is counted and paused exactly like a real one, with the same page, so
the pause says nothing about whether an account exists. Each pause is audited when it
begins (the username only as a digest: audit payloads hold no personal data).
"""

from __future__ import annotations

import hashlib
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.http import HttpRequest

from seedbed.core.audit import audit_append

AUDIT_LOCKED = "accounts.signin_paused"
AUDIT_CLEARED = "accounts.signin_pause_cleared"


def account_failure_limit() -> int:
    """Failures from all addresses together that pause an account (at least the per-address
    limit, so it never pauses sooner than that one does)."""
    return max(int(settings.SEEDBED_SIGNIN_ACCOUNT_FAILURE_LIMIT), int(settings.AXES_FAILURE_LIMIT))


def username_digest(username: str) -> str:
    """A short SHA-256 of the username: lets an investigator match entries, names nobody."""
    return hashlib.sha256(username.encode("utf-8")).hexdigest()[:16]


def account_failures(username: str, request: HttpRequest | None = None) -> int:
    """Failures for ``username`` from every address within the cool-off time."""
    attempts = AccessAttempt.objects.filter(username=username)
    if settings.AXES_COOLOFF_TIME is not None:
        attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def _audit_pause(username: str, scope: str, failures: int) -> None:
    from seedbed.accounts.models import User

    user = User.objects.filter(username=username).first()
    with transaction.atomic():
        audit_append(action=AUDIT_LOCKED, obj=user, object_type="accounts.user",
                     data={"scope": scope, "failures": failures, "username_sha256": username_digest(username)})


def signin_pause_clear(*, username: str, actor: Any = None) -> int:
    """Forget every sign-in failure for ``username`` (from every address); audited when there
    were any. Returns how many failure records were removed."""
    with transaction.atomic():
        removed, _ = AccessAttempt.objects.filter(username=username).delete()
        if removed:
            audit_append(action=AUDIT_CLEARED, actor=actor, object_type="accounts.user",
                         data={"username_sha256": username_digest(username), "records": removed})
    return removed


class AccountLockoutHandler(AxesDatabaseHandler):
    """Axes's database handler with the per-account limit added.

    Axes compares one count with one limit. The count given is the one nearest its lock:
    the failures from this address, or the account's failures from all addresses less the
    gap between the two limits (so the account count reaches the per-address limit exactly
    when it reaches the account limit).
    """

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        from_address = super().get_failures(request, credentials)
        username = get_client_username(request, credentials)
        if not username:
            return from_address
        gap = account_failure_limit() - get_failure_limit(request, credentials)
        return max(from_address, account_failures(username, request) - gap)

    def user_login_failed(self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
        was_paused = request is not None and (
            bool(getattr(request, "axes_locked_out", False))
            or self.get_failures(request, credentials) >= get_failure_limit(request, credentials))
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None or was_paused or not getattr(request, "axes_locked_out", False):
            return
        username = get_client_username(request, credentials) or ""
        limit = get_failure_limit(request, credentials)
        from_address = AxesDatabaseHandler.get_failures(self, request, credentials)
        scope = "address" if from_address >= limit else "account"
        _audit_pause(username, scope, account_failures(username, request) if scope == "account" else from_address)

    def reset_user_attempts(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """After a successful sign-in, forget the account's failures from every address."""
        count = super().reset_user_attempts(request, credentials)
        username = get_client_username(request, credentials)
        if username:
            count += AccessAttempt.objects.filter(username=username).delete()[0]
        return count
