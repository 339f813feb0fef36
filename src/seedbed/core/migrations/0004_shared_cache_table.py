"""The table of the cache that every web process shares (rate limits), made by ``migrate`` so
that no deployment forgets ``createcachetable``. Idempotent; does nothing for Redis."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_audit_keyed_chain")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
