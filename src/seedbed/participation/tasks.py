"""Background work: refreshing themes (django-tasks). Delivering notifications is core's
(``seedbed.core.tasks``).

Each task is defined next to the service it runs; this module names them for callers that
queue work (views, the worker) without reaching into the services package.
"""

from __future__ import annotations

from seedbed.participation.services.themes import themes_refresh_task

__all__ = ["themes_refresh_task"]
