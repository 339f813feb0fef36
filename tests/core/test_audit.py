"""The audit chain: appends chain correctly, tampering is caught, UPDATE/DELETE are blocked."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from typer.testing import CliRunner

from seedbed.cli.main import app
from seedbed.core.audit import GENESIS_HASH, audit_append, audit_verify
from seedbed.core.models import AuditEntry

pytestmark = pytest.mark.django_db(transaction=True)


def _append_three() -> list[AuditEntry]:
    return [audit_append(action="test.decision", object_type="test", object_id=str(i),
                         data={"i": i, "amount": 12.5, "note": "ok"}) for i in range(3)]


def _restore_sqlite_triggers() -> None:
    if connection.vendor != "sqlite":
        return
    import importlib

    module = importlib.import_module("seedbed.core.migrations.0002_audit_append_only")
    with connection.cursor() as cursor:
        for statement in module.SQLITE_UP:
            cursor.execute(statement)


def _tamper_sql(sql: str, params: list) -> None:  # type: ignore[type-arg]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS core_auditentry_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS core_auditentry_no_delete")
            try:
                cursor.execute(sql, params)
            finally:
                _restore_sqlite_triggers()
        else:
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER USER")
            try:
                cursor.execute(sql, params)
            finally:
                cursor.execute("ALTER TABLE core_auditentry ENABLE TRIGGER USER")


def test_entries_chain_from_genesis() -> None:
    first, second, third = _append_three()
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.entry_hash
    assert third.prev_hash == second.entry_hash
    result = audit_verify()
    assert result.ok and result.entries == 3


def test_update_and_delete_are_refused_by_the_database() -> None:
    entry = _append_three()[1]
    with pytest.raises(DatabaseError, match="the audit log is append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="test.rewritten")
    with pytest.raises(DatabaseError, match="the audit log is append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.decision"


def test_verify_names_an_altered_row() -> None:
    entries = _append_three()
    _tamper_sql("UPDATE core_auditentry SET data = %s WHERE id = %s", ['{"i": 1, "amount": 99999}', entries[1].pk])
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_id == entries[1].pk
    assert f"#{entries[1].pk}" in result.problem


def test_verify_names_the_row_after_a_removed_one() -> None:
    entries = _append_three()
    _tamper_sql("DELETE FROM core_auditentry WHERE id = %s", [entries[1].pk])
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_id == entries[2].pk


def test_cli_verify_exit_codes() -> None:
    entries = _append_three()
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "intact" in ok.output
    _tamper_sql("UPDATE core_auditentry SET action = %s WHERE id = %s", ["test.forged", entries[0].pk])
    broken = runner.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1
    assert f"#{entries[0].pk}" in broken.output


def test_demo_data_verifies(demo_world) -> None:  # type: ignore[no-untyped-def]
    result = audit_verify()
    assert result.ok and result.entries > 10


def test_a_checkpoint_catches_removal_of_the_newest_entries() -> None:
    entries = _append_three()
    recorded = audit_verify()
    assert recorded.ok and (recorded.head_id, recorded.head_hash) == (entries[2].pk, entries[2].entry_hash)
    checkpoint = (recorded.head_id, recorded.head_hash)
    audit_append(action="test.decision", object_type="test", object_id="later", data={})
    assert audit_verify(checkpoint=checkpoint).ok  # later entries are fine
    # Removing the newest entries leaves a consistent shorter chain: only a checkpoint shows it.
    _tamper_sql("DELETE FROM core_auditentry WHERE id >= %s", [entries[2].pk])
    assert audit_verify().ok
    truncated = audit_verify(checkpoint=checkpoint)
    assert not truncated.ok and f"checkpoint entry #{entries[2].pk} is missing" in truncated.problem
    forged = audit_verify(checkpoint=(entries[1].pk, "f" * 64))
    assert not forged.ok and "has a different hash" in forged.problem


def test_cli_prints_a_checkpoint_and_checks_it() -> None:
    entries = _append_three()
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify"])
    line = next(x for x in ok.output.splitlines() if x.startswith("Checkpoint: "))
    checkpoint = line.removeprefix("Checkpoint: ")
    assert checkpoint == f"{entries[2].pk}:{entries[2].entry_hash}"
    assert runner.invoke(app, ["audit", "verify", "--checkpoint", checkpoint]).exit_code == 0
    _tamper_sql("DELETE FROM core_auditentry WHERE id = %s", [entries[2].pk])
    gone = runner.invoke(app, ["audit", "verify", "--checkpoint", checkpoint])
    assert gone.exit_code == 1 and "is missing" in gone.output
    bad = runner.invoke(app, ["audit", "verify", "--checkpoint", "12:nothex"])
    assert bad.exit_code == 2 and "--checkpoint: a checkpoint is the entry number" in bad.output
    assert "Traceback" not in bad.output
