"""Taking secrets out of text before it is logged: emailed-link tokens in paths, secret
query parameters and API tokens.

Every log line goes through ``redact_secrets`` (the request log, Django's ``django.request``
and ``django.server`` loggers, the development server's access lines and error tracebacks),
so a log file or log service never holds a link that would let its reader in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

REDACTED = "[redacted]"

# A path segment that is itself a secret: the token of an emailed link, whatever site prefix.
_SECRET_PATH = re.compile(r"(/email/(?:confirm|access)/)[^/?#\s\"'<>]+", re.IGNORECASE)
# Query parameters whose value is a secret, in a URL or a logged query string.
_SECRET_QUERY = re.compile(
    r"((?:^|[?&;\s\"'])(?:token|key|secret|signature|sig|code|password|access_token|auth)=)[^&#;\s\"'<>]+",
    re.IGNORECASE,
)
# API tokens (sbd_ then 43 URL-safe characters), wherever they appear.
_API_TOKEN = re.compile(r"\bsbd_[A-Za-z0-9_\-]{8,}")


def redact_secrets(text: str) -> str:
    """``text`` with every emailed-link token, secret query value and API token replaced by
    ``[redacted]``; the rest of the path stays, so the log still says which page it was."""
    if not text:
        return text
    text = _SECRET_PATH.sub(lambda m: m.group(1) + REDACTED, text)
    text = _SECRET_QUERY.sub(lambda m: m.group(1) + REDACTED, text)
    return _API_TOKEN.sub("sbd_" + REDACTED, text)


def redact_value(value: Any) -> Any:
    """Redact strings inside a logged value (strings, lists, tuples and mappings)."""
    if isinstance(value, str):
        return redact_secrets(value)
    if isinstance(value, Mapping):
        return {key: redact_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_value(item) for item in value)
    return value


def redact_event(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """A structlog processor: redact every string in the event, except structlog's own keys
    (``_record``, ``_from_structlog``) that the renderer never shows."""
    return {key: value if key.startswith("_") else redact_value(value) for key, value in event_dict.items()}
