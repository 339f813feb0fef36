"""One size limit for every uploaded file, enforced before the body is read and on each file.

``SEEDBED_UPLOAD_MAX_MB`` (settings) is the largest file Seedbed accepts. Django's
``DATA_UPLOAD_MAX_MEMORY_SIZE`` does not count file bodies and ``FILE_UPLOAD_MAX_MEMORY_SIZE``
only decides when a file goes to a temporary file on disk, so neither stops a multi-gigabyte
upload filling the disk. Hence two checks:

- ``UploadLimitMiddleware`` refuses a multipart request whose declared length is beyond the
  limit (plus room for the other form fields) with 413 before a byte of the body is read.
  Django reads no more of a body than its ``Content-Length`` says, so this bounds every upload.
- ``validate_upload_size`` on each form's file field names the file's size and the limit, so
  a file just over the limit gets the usual error summary on its own form.

Services that take file contents from elsewhere (the command line, the API) check the same
limit with ``upload_too_large``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

ERROR_UPLOAD_TOO_LARGE = "The file is {size}; the largest file Seedbed accepts is {limit}"
ERROR_REQUEST_TOO_LARGE = (
    "The upload is larger than {limit}, the largest file Seedbed accepts; nothing was stored. "
    "Go back and choose a smaller file"
)
FORM_OVERHEAD_BYTES = 1024 * 1024
"""Room in a multipart body for the other fields and the part headers."""


def upload_limit_bytes() -> int:
    """The largest file accepted, in bytes (``SEEDBED_UPLOAD_MAX_MB`` mebibytes)."""
    return int(settings.SEEDBED_UPLOAD_MAX_MB) * 1024 * 1024


def describe_size(size: int) -> str:
    """A size as people read it: "512 bytes", "3.4 KB", "20 MB" (1 MB = 1,048,576 bytes)."""
    if size < 1024:
        return f"{size:,} bytes"
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            value = size / scale
            return f"{value:,.0f} {unit}" if value.is_integer() else f"{value:,.1f} {unit}"
    return f"{size:,} bytes"  # pragma: no cover - the loop always returns


def upload_too_large(size: int) -> str | None:
    """The message for a file of ``size`` bytes over the limit, or None if it is within it."""
    limit = upload_limit_bytes()
    if size <= limit:
        return None
    return ERROR_UPLOAD_TOO_LARGE.format(size=describe_size(size), limit=describe_size(limit))


def spool_upload(*, content: bytes | Iterable[bytes], path: Path,
                 digest: Any | None = None) -> int:
    """Write an upload (bytes, or chunks one at a time) to ``path`` and return its size.

    Writing stops at the size limit, while counting continues, so an oversized upload never
    fills the disk; ``digest`` (a hashlib object), when given, is fed what was written. The
    caller refuses the file with ``upload_too_large(size)``."""
    size = 0
    with path.open("wb") as handle:
        for chunk in [content] if isinstance(content, bytes) else content:
            size += len(chunk)
            if not upload_too_large(size):
                handle.write(chunk)
                if digest is not None:
                    digest.update(chunk)
    return size


def validate_upload_size(upload: Any) -> None:
    """Form-field validator: refuse an uploaded file over the limit, naming both sizes."""
    message = upload_too_large(int(getattr(upload, "size", 0) or 0))
    if message:
        raise ValidationError(message, code="too_large")


class UploadLimitMiddleware:
    """Refuse, with 413 and a clear page, a multipart body declared larger than the limit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (request.content_type or "").startswith("multipart/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > upload_limit_bytes() + FORM_OVERHEAD_BYTES:
                message = ERROR_REQUEST_TOO_LARGE.format(limit=describe_size(upload_limit_bytes()))
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": message}, status=413)
                return render(request, "400.html", {"reason": message}, status=413)
        return self.get_response(request)
