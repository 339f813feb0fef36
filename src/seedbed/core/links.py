"""Links that must stay on this site (such as the page a need was taken forward as).

A browser reads ``/\\evil.example`` as ``//evil.example`` (another site), drops tabs and
newlines inside a URL, and follows a scheme such as ``javascript:``. A local path is therefore
accepted only when it starts with one ``/``, has no backslash, whitespace or control
character, and has neither a scheme nor a host by Django's own check.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.utils.http import url_has_allowed_host_and_scheme


def is_local_path(value: str) -> bool:
    """True when ``value`` is a path on this site that no browser would take elsewhere."""
    if not value.startswith("/") or value.startswith("//"):
        return False
    if "\\" in value or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return False
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return False
    return url_has_allowed_host_and_scheme(value, allowed_hosts=set(), require_https=True)
