"""Send the outbox: every message not yet emailed (serious events, boundary crossings, Voices news)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from seedbed.core.notifications import notifications_deliver, notifications_waiting


class Command(BaseCommand):
    help = "Email every queued message not yet sent, recording why any still fails (run often)."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = notifications_deliver()
        waiting = notifications_waiting()
        self.stdout.write(f"{sent} messages sent; {waiting} still failing (reasons kept on each)")
