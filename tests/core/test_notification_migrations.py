"""The data migrations that moved Voices' and trials' messages into the core outbox keep every
field, both ways (``participation/0003``, ``trials/0006``)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from seedbed.core.models import Notification
from seedbed.participation.models import Contribution
from seedbed.trials.models import Trial

BEFORE = [("participation", "0002_email_and_challenge"), ("trials", "0005_protocol_random_block_sizes_default")]


@pytest.mark.django_db(transaction=True)
def test_messages_go_back_to_the_app_tables_and_return_unchanged(demo_world) -> None:  # type: ignore[no-untyped-def]
    users = demo_world["users"]
    contribution, trial = Contribution.objects.order_by("pk").first(), Trial.objects.order_by("pk").first()
    assert contribution is not None and trial is not None
    Notification.objects.all().delete()
    now = timezone.now()
    voices = Notification(app="participation", user=users["resident"], subject="Taken forward", body="B1",
                          immediate=False, created_at=now, failure="The email could not be sent: x",
                          attempts=1)
    voices.about = contribution
    resident = Notification(app="participation", email="someone@example.net", subject="Confirm", body="B2",
                            created_at=now, sent_at=now, channel="email", attempts=1)
    alert = Notification(app="trials", user=users["safety"], subject="Stopping boundary crossed", body="B3",
                         created_at=now, attempts=3, failure="The email could not be sent: down")
    alert.about = trial
    Notification.objects.bulk_create([voices, resident, alert])
    fields = ("app", "user_id", "email", "about_type_id", "about_id", "subject", "body", "immediate",
              "created_at", "sent_at", "failure", "attempts")
    before = sorted(Notification.objects.values_list(*fields), key=lambda row: row[5])

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    voices_rows = old.get_model("participation", "Notification").objects.order_by("subject")
    assert [(r.subject, r.contribution_id, r.email, r.immediate, r.failure) for r in voices_rows] == [
        ("Confirm", None, "someone@example.net", True, ""),
        ("Taken forward", contribution.pk, "", False, "The email could not be sent: x"),
    ]
    (old_alert,) = old.get_model("trials", "Notification").objects.all()
    assert (old_alert.recipient_id, old_alert.trial_id, old_alert.attempts, old_alert.emailed_at,
            old_alert.failure) == (users["safety"].pk, trial.pk, 3, None, "The email could not be sent: down")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    after = sorted(Notification.objects.values_list(*fields), key=lambda row: row[5])
    assert after == before
    assert Notification.objects.get(trial=trial).subject == "Stopping boundary crossed"
    assert Notification.objects.get(contribution=contribution).subject == "Taken forward"
