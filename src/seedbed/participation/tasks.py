"""Background work: delivering notifications and refreshing themes (django-tasks).

Each task is defined next to the service it runs; this module names them for callers that
queue work (views, the worker) without reaching into the services package.
"""

from __future__ import annotations

from seedbed.participation.services.notifications import notifications_deliver_task
from seedbed.participation.services.themes import themes_refresh_task

__all__ = ["notifications_deliver_task", "themes_refresh_task"]
