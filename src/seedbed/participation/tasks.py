"""Background work: refreshing themes (django-tasks). Notifications are core's
(``seedbed.core.tasks``)."""

from __future__ import annotations

from django_tasks import task


@task()
def themes_refresh_task() -> int:
    from seedbed.participation.services import themes_refresh

    return themes_refresh().pk
