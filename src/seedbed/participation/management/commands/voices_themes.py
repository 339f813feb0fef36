"""Refresh the themes across needs now (the background task does this as needs arrive)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from seedbed.participation.services import themes_refresh


class Command(BaseCommand):
    help = "Group published needs into themes with the text engine."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--backend", choices=("minilm", "tfidf"), default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        run = themes_refresh(actor=None, backend=options["backend"])
        self.stdout.write(f"{run.themes.count()} themes from {run.needs_count} needs ({run.backend})")
