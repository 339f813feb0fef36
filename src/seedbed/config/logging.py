"""Structured logging with structlog: JSON lines in production, readable lines locally.

Events carry identifiers (user id, path, status), never personal data such as names, emails
or free text. Every line, from structlog or from any standard logger (Django's request and
development-server loggers included), has its secrets redacted as it is rendered
(``seedbed.core.redact``), exception text included.
"""

from __future__ import annotations

from typing import Any

import structlog

from seedbed.core.redact import redact_event


def logging_config(*, json_output: bool, level: str) -> dict[str, Any]:
    """Return a ``LOGGING`` dict and configure structlog to render through it."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json_output
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    redact_event,
                    renderer,
                ],
                "foreign_pre_chain": shared,
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.request": {"level": "ERROR"},
            # Django's own settings leave this logger without handlers and not propagating, so
            # its lines would reach stderr unformatted (and unredacted): route it explicitly.
            "django.server": {"level": "WARNING", "handlers": ["console"], "propagate": False},
            "axes": {"level": "WARNING"},
        },
    }
