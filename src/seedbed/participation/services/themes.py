"""Themes across needs, refreshed in the background."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from seedbed import text as text_engine
from seedbed.accounts.models import User
from seedbed.core.audit import audit_append
from seedbed.participation.models import Theme, ThemeRun
from seedbed.participation.rules import contribution_text
from seedbed.participation.selectors import need_texts_for_themes

THEME_MIN_SIZE = 2
LABEL_WORDS = 3
REFRESH_DEBOUNCE_SECONDS = 600
_REFRESH_KEY = "voices:themes-refresh-queued"


@dataclass(frozen=True)
class ThemeGroup:
    words: tuple[str, ...]
    representative_id: int
    member_ids: tuple[int, ...]


@dataclass(frozen=True)
class ThemeGroups:
    groups: tuple[ThemeGroup, ...]
    backend: str
    warnings: tuple[str, ...]


def _theme_groups(
    *, corpus: Sequence[tuple[int, str]], min_size: int = 2, backend: str | None = None
) -> ThemeGroups:
    """Group the corpus (id, text) into themes with the text engine's ``themes``."""
    result = text_engine.themes(
        texts=[text for _, text in corpus], ids=[str(pk) for pk, _ in corpus],
        min_size=min_size, backend=backend,
    )
    return ThemeGroups(
        groups=tuple(
            ThemeGroup(
                words=theme.label_words,
                representative_id=int(theme.representative_id),
                member_ids=tuple(int(i) for i in theme.member_ids),
            )
            for theme in result.themes
        ),
        backend=result.backend,
        warnings=result.warnings,
    )


def themes_refresh(*, actor: User | None, backend: str | None = None) -> ThemeRun:
    """Group every published need into themes with the text engine and store the result.

    Each run is kept (its themes keep their ids, so links such as "turn into a challenge"
    stay valid); staff see the latest. ``backend`` overrides the engine's configured choice.
    ``actor`` is who asked for the refresh; None when the system runs it (in the background).
    """
    corpus = [(pk, contribution_text(title, body)) for pk, title, body in need_texts_for_themes()]
    grouped = _theme_groups(corpus=corpus, min_size=THEME_MIN_SIZE, backend=backend)
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
def themes_refresh_task(*, actor: User | None = None) -> int:
    """``themes_refresh`` in the background; returns the new run's id.

    The system runs it: ``actor`` is always None (a queued job carries no person, and its
    arguments must be JSON). Defined next to the service it runs (ADR 5); ``tasks`` names it.
    """
    return themes_refresh(actor=actor).pk


def themes_refresh_soon(*, actor: User | None) -> bool:
    """Queue a background refresh (run by the system) after ``actor``'s change, unless one
    was queued in the last few minutes."""
    if not cache.add(_REFRESH_KEY, 1, timeout=REFRESH_DEBOUNCE_SECONDS):
        return False
    themes_refresh_task.enqueue()
    return True
