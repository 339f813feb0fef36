"""Background work shared by every app (django-tasks). Each task is defined next to the
service it runs; this module names them for the worker and for callers that queue work."""

from __future__ import annotations

from seedbed.core.notifications import RETRY_AFTER, notifications_deliver_task

__all__ = ["RETRY_AFTER", "notifications_deliver_task"]
