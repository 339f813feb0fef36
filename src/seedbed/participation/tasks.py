"""Background work: delivering notifications and refreshing themes (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def notifications_deliver_task() -> int:
    from seedbed.participation.services import notifications_deliver

    return notifications_deliver()


@task()
def themes_refresh_task() -> int:
    from seedbed.participation.services import themes_refresh

    return themes_refresh().pk
