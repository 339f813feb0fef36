"""Emailed-link secrets never reach a log line: the request log, Django's request and
development-server loggers and exception text all show ``[redacted]`` in their place."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from logging.config import dictConfig

import pytest
from django.conf import settings
from django.test import Client

from seedbed.core.redact import REDACTED, redact_secrets
from tests.participation.test_email import _links, _send

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[False, True], ids=["console", "json"])
def captured(request) -> Iterator[io.StringIO]:  # type: ignore[no-untyped-def]
    """Every log line, rendered exactly as the real logging settings render it, at INFO."""
    from seedbed.config.logging import logging_config

    stream = io.StringIO()
    config = logging_config(json_output=request.param, level="INFO")
    dictConfig(config)
    handler = logging.getLogger().handlers[0]
    handler.setStream(stream)  # type: ignore[attr-defined]
    levels = {name: logging.getLogger(name).level for name in ("django.request", "django.server")}
    for name in levels:
        logging.getLogger(name).setLevel(logging.INFO)
    try:
        yield stream
    finally:
        dictConfig(settings.LOGGING)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def _token(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[1]


def test_following_and_reusing_an_emailed_link_logs_no_secret(captured: io.StringIO) -> None:
    client = Client()
    _, need = _send(client)
    links = _links(need)
    confirm = links["confirm"]
    token = _token(confirm)
    assert client.get(confirm).status_code == 200
    assert client.post(confirm).status_code == 302
    assert client.post(confirm).status_code == 400  # used: Django logs the bad request
    logs = captured.getvalue()
    assert "/voices/email/confirm/" + REDACTED in logs
    assert token not in logs and token.split(":")[0] not in logs


def test_server_and_error_lines_from_django_are_redacted(captured: io.StringIO) -> None:
    secret = "eyJ0IjoxLCJzIjoiWFlaIn0:1vEQ5a:Zm9vYmFyYmF6cXV4"
    path = f"/voices/email/access/{secret}/"
    # The development server's access line and Django's own request logger.
    logging.getLogger("django.server").warning('"%s" %s %s', f"GET {path}?token=abc123xyz HTTP/1.1", "400", "12")
    logging.getLogger("django.request").warning("Bad Request: %s", path)
    try:
        raise ValueError(f"could not read {path} with key=supersecretvalue")
    except ValueError:
        logging.getLogger("django.request").exception("Internal Server Error: %s", path)
    logs = captured.getvalue()
    for leaked in (secret, "abc123xyz", "supersecretvalue", secret.split(":")[0]):
        assert leaked not in logs, leaked
    assert logs.count("/voices/email/access/" + REDACTED) >= 3 and "ValueError" in logs
    # the development server's line itself is there, redacted (not lost or sent elsewhere)
    assert f"GET /voices/email/access/{REDACTED}/?token={REDACTED} HTTP/1.1" in logs


@pytest.mark.parametrize(("text", "expected"), [
    ("/voices/email/confirm/abc:def:ghi/", "/voices/email/confirm/[redacted]/"),
    ("GET /voices/email/access/x.y-z_1/?next=/ HTTP/1.1", "GET /voices/email/access/[redacted]/?next=/ HTTP/1.1"),
    ("/api/x?token=abc&page=2", "/api/x?token=[redacted]&page=2"),
    ("Authorization: Bearer sbd_AbCdEf123456789_-x", "Authorization: Bearer sbd_[redacted]"),
    ("/voices/12/", "/voices/12/"),
    ("/voices/?q=home+care&page=2", "/voices/?q=home+care&page=2"),
])
def test_redaction_keeps_the_page_and_drops_the_secret(text: str, expected: str) -> None:
    assert redact_secrets(text) == expected
