"""Send each follower one daily digest of changes to the needs and ideas they follow, and
clear out needs and ideas whose sender never confirmed their email address."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from seedbed.participation.services import notification_digest_send, notifications_deliver
from seedbed.participation.services.email import email_unconfirmed_purge


class Command(BaseCommand):
    help = ("Send waiting immediate messages, then one digest per follower, and delete needs "
            "and ideas whose email address was never confirmed (run daily).")

    def handle(self, *args: Any, **options: Any) -> None:
        sent = notifications_deliver()
        digests = notification_digest_send(actor=None)
        purged = email_unconfirmed_purge(actor=None)
        self.stdout.write(f"{sent} messages and {digests} digests sent; "
                          f"{purged} never-confirmed needs and ideas deleted")
