"""Trial messages move into the core outbox (``core.Notification``, app "trials"), then
the old table goes. Reversible: going back copies them out again."""

from django.db import migrations

APP = "trials"


def to_core(apps, schema_editor):
    old = apps.get_model("trials", "Notification")
    new = apps.get_model("core", "Notification")
    content_type = apps.get_model("contenttypes", "ContentType")
    about_type = content_type.objects.get_or_create(app_label="trials", model="trial")[0]
    rows = [
        new(app=APP, user_id=row.recipient_id, about_type=about_type, about_id=row.trial_id,
            subject=row.subject, body=row.body, immediate=True, created_at=row.created_at,
            sent_at=row.emailed_at, channel="email" if row.emailed_at else "",
            attempts=row.attempts, failure=row.failure)
        for row in old.objects.order_by("pk").iterator()
    ]
    new.objects.bulk_create(rows, batch_size=500)


def from_core(apps, schema_editor):
    old = apps.get_model("trials", "Notification")
    new = apps.get_model("core", "Notification")
    rows = [
        old(recipient_id=row.user_id, trial_id=row.about_id, subject=row.subject, body=row.body,
            created_at=row.created_at, emailed_at=row.sent_at, attempts=row.attempts,
            failure=row.failure)
        for row in new.objects.filter(app=APP).order_by("pk").iterator()
    ]
    old.objects.bulk_create(rows, batch_size=500)
    new.objects.filter(app=APP).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0005_notification_outbox"),
        ("trials", "0005_protocol_random_block_sizes_default"),
    ]

    operations = [
        migrations.RunPython(to_core, from_core),
        migrations.DeleteModel(
            name="Notification",
        ),
    ]
