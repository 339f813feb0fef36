"""Registration fields matching SPIRIT 2013 and the AEA registry, and structured secondary
outcomes.

Secondary outcomes were one free-text field; each line (or each part between semicolons)
becomes one outcome with its measure and time point left empty, so existing protocols keep
what they said. Frozen protocol versions keep the content they were hashed with.
"""

from django.db import migrations, models


def _entries(text: str) -> list[dict[str, str]]:
    parts = [p.strip() for line in (text or "").splitlines() for p in line.split(";")]
    return [{"name": p, "measure": "", "timepoint": ""} for p in parts if p]


def text_to_entries(apps, schema_editor):
    Protocol = apps.get_model("trials", "Protocol")
    for protocol in Protocol.objects.exclude(secondary_outcomes=""):
        protocol.secondary_outcome_entries = _entries(protocol.secondary_outcomes)
        protocol.save(update_fields=["secondary_outcome_entries"])


def entries_to_text(apps, schema_editor):
    Protocol = apps.get_model("trials", "Protocol")
    for protocol in Protocol.objects.all():
        names = [e.get("name", "") for e in protocol.secondary_outcome_entries or []]
        protocol.secondary_outcomes = "; ".join(n for n in names if n)
        protocol.save(update_fields=["secondary_outcomes"])


class Migration(migrations.Migration):

    dependencies = [
        ("trials", "0007_minimisation"),
    ]

    operations = [
        migrations.AddField(
            model_name="protocol", name="secondary_outcome_entries",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(text_to_entries, entries_to_text),
        migrations.RemoveField(model_name="protocol", name="secondary_outcomes"),
        migrations.RenameField(
            model_name="protocol", old_name="secondary_outcome_entries", new_name="secondary_outcomes",
        ),
        migrations.AddField(
            model_name="protocol", name="primary_outcome_measure",
            field=models.TextField(blank=True, verbose_name="how the primary outcome is measured"),
        ),
        migrations.AddField(
            model_name="protocol", name="primary_outcome_timepoint",
            field=models.CharField(blank=True, max_length=200,
                                   verbose_name="when the primary outcome is measured"),
        ),
        migrations.AddField(
            model_name="protocol", name="start_date",
            field=models.DateField(blank=True, null=True, verbose_name="trial starts on"),
        ),
        migrations.AddField(
            model_name="protocol", name="recruitment_end_date",
            field=models.DateField(blank=True, null=True, verbose_name="recruitment ends on"),
        ),
        migrations.AddField(
            model_name="protocol", name="follow_up_end_date",
            field=models.DateField(blank=True, null=True, verbose_name="follow-up ends on"),
        ),
        migrations.AddField(
            model_name="protocol", name="missing_data_plan",
            field=models.TextField(blank=True, verbose_name="how missing outcome data will be handled"),
        ),
        migrations.AddField(
            model_name="protocol", name="funding_source",
            field=models.TextField(blank=True, verbose_name="funding"),
        ),
        migrations.AddField(
            model_name="protocol", name="conflicts_of_interest",
            field=models.TextField(blank=True, verbose_name="conflicts of interest"),
        ),
        migrations.AddField(
            model_name="protocol", name="data_sharing_statement",
            field=models.TextField(blank=True, verbose_name="data sharing"),
        ),
    ]
