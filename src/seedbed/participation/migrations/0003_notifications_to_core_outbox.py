"""Voices' messages move into the core outbox (``core.Notification``, app "participation"),
then the old table goes. Reversible: going back copies them out again."""

from django.db import migrations

APP = "participation"


def _contribution_type(apps):
    content_type = apps.get_model("contenttypes", "ContentType")
    return content_type.objects.get_or_create(app_label="participation", model="contribution")[0]


def to_core(apps, schema_editor):
    old = apps.get_model("participation", "Notification")
    new = apps.get_model("core", "Notification")
    about_type = _contribution_type(apps)
    rows = [
        new(app=APP, user_id=row.user_id, email=row.email,
            about_type=about_type if row.contribution_id else None, about_id=row.contribution_id,
            subject=row.subject, body=row.body, immediate=row.immediate, created_at=row.created_at,
            sent_at=row.sent_at, channel=row.channel, failure=row.failure,
            attempts=1 if (row.sent_at or row.failure) else 0)
        for row in old.objects.order_by("pk").iterator()
    ]
    new.objects.bulk_create(rows, batch_size=500)


def from_core(apps, schema_editor):
    old = apps.get_model("participation", "Notification")
    new = apps.get_model("core", "Notification")
    rows = [
        old(user_id=row.user_id, email=row.email, contribution_id=row.about_id, subject=row.subject,
            body=row.body, immediate=row.immediate, created_at=row.created_at, sent_at=row.sent_at,
            channel=row.channel, failure=row.failure)
        for row in new.objects.filter(app=APP).order_by("pk").iterator()
    ]
    old.objects.bulk_create(rows, batch_size=500)
    new.objects.filter(app=APP).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0005_notification_outbox"),
        ("participation", "0002_email_and_challenge"),
    ]

    operations = [
        migrations.RunPython(to_core, from_core),
        migrations.DeleteModel(
            name="Notification",
        ),
    ]
