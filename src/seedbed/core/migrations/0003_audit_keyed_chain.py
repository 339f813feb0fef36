"""The keyed audit chain: a key id on each entry, the checkpoint table, and the seal.

Entries written before this migration keep their SHA-256 hashes and an empty ``key_id``; the
last step appends one entry keyed with ``SEEDBED_AUDIT_KEY`` (``audit.chain_keyed``) whose MAC
covers the newest unkeyed hash, so none of them can be rewritten without the key from now on.
Checkpoints are append-only like the log (the same triggers). On SQLite, adding a column with
a default rebuilds the table, which drops its triggers, so they are created again here.
"""

import importlib

from django.db import migrations, models

APPEND_ONLY = importlib.import_module("seedbed.core.migrations.0002_audit_append_only")
ENTRIES = "core_auditentry"
TABLE = "core_auditcheckpoint"
MESSAGE = "audit checkpoints are append-only"

SQLITE_UP = [
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
    f"WHEN seedbed_audit_locked() BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
    f"WHEN seedbed_audit_locked() BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_update;",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_delete;",
]
# The refusing function from migration 0002 serves both tables.
POSTGRES_UP = [
    f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
    f"FOR EACH ROW EXECUTE FUNCTION {ENTRIES}_refuse();",
    f"CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
    f"FOR EACH ROW EXECUTE FUNCTION {ENTRIES}_refuse();",
    f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {ENTRIES}_refuse();",
]
POSTGRES_DOWN = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_update ON {TABLE};",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_delete ON {TABLE};",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE};",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


def seal(apps, schema_editor):
    from seedbed.core.audit import audit_chain_seal

    audit_chain_seal(apps.get_model("core", "AuditEntry"))


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only")]

    operations = [
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField()),
                ("entry_number", models.BigIntegerField()),
                ("entry_mac", models.CharField(max_length=64)),
                ("key_id", models.CharField(max_length=16)),
                ("mac", models.CharField(max_length=64, unique=True)),
                ("reason", models.CharField(blank=True, max_length=120)),
            ],
            options={
                "verbose_name": "audit checkpoint",
                "verbose_name_plural": "audit checkpoints",
                "ordering": ["id"],
            },
        ),
        migrations.AddField(
            model_name="auditentry",
            name="key_id",
            field=models.CharField(blank=True, default="", max_length=16),
        ),
        migrations.RunPython(
            _run({"sqlite": APPEND_ONLY.SQLITE_UP + SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        ),
        migrations.RunPython(seal, migrations.RunPython.noop),
    ]
