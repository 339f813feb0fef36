"""Send each follower one daily digest of changes to the needs and ideas they follow."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from seedbed.participation.services import notification_digest_send, notifications_deliver


class Command(BaseCommand):
    help = "Send waiting immediate messages, then one digest per follower (run daily)."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = notifications_deliver()
        digests = notification_digest_send()
        self.stdout.write(f"{sent} messages and {digests} digests sent")
