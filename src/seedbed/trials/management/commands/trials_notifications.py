"""Retry trial messages (serious events, boundary crossings) that could not be emailed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from seedbed.trials.models import Notification
from seedbed.trials.services.notifications import trial_notifications_deliver


class Command(BaseCommand):
    help = "Email every trial message not yet sent, recording why any still fails (run often)."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = trial_notifications_deliver()
        waiting = Notification.objects.filter(emailed_at__isnull=True).exclude(failure="").count()
        self.stdout.write(f"{sent} messages sent; {waiting} still failing (reasons kept on each)")
