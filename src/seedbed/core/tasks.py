"""Background work shared by every app (django-tasks): delivering the notification outbox."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

# After a failed delivery, try again this much later (when the task backend can defer).
RETRY_AFTER = dt.timedelta(minutes=5)


@task()
def notifications_deliver_task() -> int:
    """Deliver the outbox; if messages are still failing, run again after ``RETRY_AFTER``.

    A backend that cannot defer (the immediate one used in tests and the demo) leaves the
    retry to the next commit's delivery and to ``manage.py notifications_deliver``."""
    from seedbed.core.notifications import notifications_deliver, notifications_retry_due

    sent = notifications_deliver()
    if notifications_retry_due() and notifications_deliver_task.get_backend().supports_defer:
        notifications_deliver_task.using(run_after=timezone.now() + RETRY_AFTER).enqueue()
    return sent
