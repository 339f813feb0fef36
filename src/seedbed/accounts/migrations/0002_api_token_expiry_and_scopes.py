"""API tokens gain an expiry and scopes.

Tokens issued before this migration carried every right and never expired. So that running
integrations do not stop at once, each one that is still live keeps both scopes and expires
30 days after the migration runs; its owner can see it on their account page and replace it.
"""

from datetime import timedelta

from django.db import migrations, models
from django.utils import timezone

GRACE = timedelta(days=30)


def give_existing_tokens_an_expiry(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    ApiToken.objects.update(expires_at=timezone.now() + GRACE, scopes=["read", "write"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.AlterModelOptions(name="apitoken", options={"ordering": ["-created_at", "-pk"]}),
        migrations.AddField(model_name="apitoken", name="scopes", field=models.JSONField(default=list)),
        migrations.AddField(model_name="apitoken", name="expires_at", field=models.DateTimeField(null=True)),
        migrations.RunPython(give_existing_tokens_an_expiry, migrations.RunPython.noop),
        migrations.AlterField(model_name="apitoken", name="expires_at", field=models.DateTimeField()),
    ]
