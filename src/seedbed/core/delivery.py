"""Sending messages: Django's email backend, or GOV.UK Notify when it is configured.

``SEEDBED_NOTIFY_API_KEY`` (a Notify API key) and ``SEEDBED_NOTIFY_EMAIL_TEMPLATE_ID`` (a
Notify email template with the placeholders ``((subject))`` and ``((body))``) switch delivery to
Notify. The client speaks the Notify REST API (v2) with ``urllib``: a JSON POST to
``/v2/notifications/email`` authenticated by a JSON Web Token (HS256) whose issuer is the
service id and whose secret is the key's secret part.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail

NOTIFY_BASE_URL = "https://api.notifications.service.gov.uk"
NOTIFY_EMAIL_PATH = "/v2/notifications/email"
ERROR_NOTIFY_KEY = "SEEDBED_NOTIFY_API_KEY is not a GOV.UK Notify API key (name-serviceid-secret)"
ERROR_NOTIFY_TEMPLATE = "SEEDBED_NOTIFY_EMAIL_TEMPLATE_ID must be set when SEEDBED_NOTIFY_API_KEY is"
UUID_LENGTH = 36


class DeliveryError(Exception):
    """A message could not be handed to the email service."""


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class NotifyKey:
    service_id: str
    secret: str

    @classmethod
    def parse(cls, api_key: str) -> NotifyKey:
        """A Notify key is ``{key name}-{service id}-{secret}``; both ids are UUIDs."""
        api_key = api_key.strip()
        if len(api_key) < 2 * UUID_LENGTH + 1:
            raise DeliveryError(ERROR_NOTIFY_KEY)
        secret = api_key[-UUID_LENGTH:]
        service_id = api_key[-(2 * UUID_LENGTH + 1):-(UUID_LENGTH + 1)]
        if api_key[-(UUID_LENGTH + 1)] != "-" or service_id.count("-") != 4 or secret.count("-") != 4:
            raise DeliveryError(ERROR_NOTIFY_KEY)
        return cls(service_id=service_id, secret=secret)


def notify_token(key: NotifyKey, *, issued_at: int | None = None) -> str:
    """The bearer token Notify expects: a JWT (HS256) with ``iss`` and ``iat`` claims."""
    header = _b64url(json.dumps({"typ": "JWT", "alg": "HS256"}, separators=(",", ":")).encode())
    claims = {"iss": key.service_id, "iat": int(time.time()) if issued_at is None else issued_at}
    payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode("ascii")
    signature = hmac.new(key.secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(signature)}"


Opener = Callable[[urllib.request.Request, float], Any]


def _urlopen(request: urllib.request.Request, timeout: float) -> Any:
    return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - the Notify https URL


class NotifyClient:
    """A minimal GOV.UK Notify client for email. ``opener`` is replaceable for tests."""

    def __init__(
        self, api_key: str, *, base_url: str = NOTIFY_BASE_URL, opener: Opener | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.key = NotifyKey.parse(api_key)
        if not base_url.startswith("https://"):
            raise DeliveryError("The GOV.UK Notify address must start with https://")
        self.base_url = base_url.rstrip("/")
        self.opener = opener or _urlopen
        self.timeout = timeout

    def send_email(
        self, *, email_address: str, template_id: str, personalisation: dict[str, str],
        reference: str = "",
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "email_address": email_address,
            "template_id": template_id,
            "personalisation": personalisation,
        }
        if reference:
            body["reference"] = reference
        request = urllib.request.Request(  # noqa: S310 - base_url is checked to be https
            self.base_url + NOTIFY_EMAIL_PATH,
            data=json.dumps(body).encode("utf-8"),
            method="POST",
            headers={
                "Authorization": f"Bearer {notify_token(self.key)}",
                "Content-Type": "application/json",
                "User-Agent": "seedbed-notify-client",
            },
        )
        try:
            with self.opener(request, self.timeout) as response:
                return dict(json.loads(response.read().decode("utf-8") or "{}"))
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:200]
            raise DeliveryError(f"GOV.UK Notify refused the message ({exc.code}): {detail}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise DeliveryError(f"GOV.UK Notify could not be reached: {exc}") from None


def _setting(name: str) -> str:
    return str(getattr(settings, name, "") or os.environ.get(name, "")).strip()


def site_url() -> str:
    """The site's public address for links in messages (``SEEDBED_SITE_URL``, such as
    ``https://voices.example.gov.uk``), without a trailing slash; empty when not set."""
    return _setting("SEEDBED_SITE_URL").rstrip("/")


def notify_client() -> NotifyClient | None:
    """The Notify client when ``SEEDBED_NOTIFY_API_KEY`` is set, else None (use email)."""
    api_key = _setting("SEEDBED_NOTIFY_API_KEY")
    return NotifyClient(api_key) if api_key else None


def email_send(*, to: str, subject: str, body: str, reference: str = "") -> str:
    """Send one email; returns the channel used ("notify" or "email")."""
    client = notify_client()
    if client is not None:
        template_id = _setting("SEEDBED_NOTIFY_EMAIL_TEMPLATE_ID")
        if not template_id:
            raise DeliveryError(ERROR_NOTIFY_TEMPLATE)
        client.send_email(
            email_address=to, template_id=template_id,
            personalisation={"subject": subject, "body": body}, reference=reference,
        )
        return "notify"
    try:
        send_mail(subject, body, None, [to], fail_silently=False)
    except OSError as exc:
        raise DeliveryError(f"The email could not be sent: {exc}") from None
    return "email"
