"""Themes across needs, refreshed in the background."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from seedbed.core.audit import audit_append
from seedbed.participation.models import Contribution, Kind, Status, Theme, ThemeRun
from seedbed.participation.similarity import contribution_text, theme_groups

THEME_MIN_SIZE = 2
LABEL_WORDS = 3
REFRESH_DEBOUNCE_SECONDS = 600
_REFRESH_KEY = "voices:themes-refresh-queued"


def themes_refresh(*, actor: Any = None, backend: str | None = None) -> ThemeRun:
    """Group every published need into themes with the text engine and store the result.

    Each run is kept (its themes keep their ids, so links such as "turn into a challenge"
    stay valid); staff see the latest. ``backend`` overrides the engine's configured choice.
    """
    needs = list(
        Contribution.objects.filter(kind=Kind.NEED, hidden=False, held=False)
        .exclude(status=Status.MERGED).order_by("pk").values_list("pk", "title", "body")
    )
    corpus = [(pk, contribution_text(title, body)) for pk, title, body in needs]
    grouped = theme_groups(corpus=corpus, min_size=THEME_MIN_SIZE, backend=backend)
    with transaction.atomic():
        run = ThemeRun.objects.create(
            created_at=timezone.now(), backend=grouped.backend, needs_count=len(corpus),
            warnings=list(grouped.warnings),
        )
        for position, group in enumerate(grouped.groups, start=1):
            theme = Theme.objects.create(
                run=run, label=", ".join(group.words[:LABEL_WORDS]) or f"Theme {position}",
                words=list(group.words), size=len(group.member_ids),
                representative_id=group.representative_id, position=position,
            )
            theme.members.set(group.member_ids)
        audit_append(action="participation.themes_refresh", actor=actor, obj=run,
                     data={"themes": len(grouped.groups), "needs": len(corpus),
                           "backend": grouped.backend})
    return run


@task()
def themes_refresh_task() -> int:
    """``themes_refresh`` in the background; returns the new run's id."""
    return themes_refresh().pk


def themes_refresh_soon() -> bool:
    """Queue a background refresh unless one was queued in the last few minutes."""
    if not cache.add(_REFRESH_KEY, 1, timeout=REFRESH_DEBOUNCE_SECONDS):
        return False
    themes_refresh_task.enqueue()
    return True
