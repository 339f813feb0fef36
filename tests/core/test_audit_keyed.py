"""The keyed audit chain and its published checkpoints: someone who can write the database but
does not hold SEEDBED_AUDIT_KEY cannot rewrite or cut short the log unnoticed.

The attacker below works from the published method only (SHA-256 or HMAC-SHA256 over the
previous hash and the canonical JSON of the row), computed here with hashlib/hmac directly,
not with Seedbed's own functions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from seedbed.cli.main import app
from seedbed.core.audit import audit_append, audit_verify
from seedbed.core.models import AuditEntry
from tests.core.test_audit import _tamper_sql

pytestmark = pytest.mark.django_db(transaction=True)

OTHER_KEY = "an-attackers-own-audit-key-" + "z" * 30


def _append(n: int) -> list[AuditEntry]:
    return [audit_append(action="test.decision", object_type="test", object_id=str(i),
                         data={"i": i, "amount": 12.5}) for i in range(n)]


def _canonical(entry: AuditEntry, data: object, **extra: object) -> str:
    body = {
        "created_at": entry.created_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": entry.actor_id, "action": entry.action, "object_type": entry.object_type,
        "object_id": entry.object_id, "data": data, **extra,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _has_key_id() -> bool:
    return any(f.name == "key_id" for f in AuditEntry._meta.fields)


def _rewrite_chain(mac: object, *, key_id: str | None = None, change: int | None = None) -> None:
    """Rewrite every row's hash with ``mac(prev, entry, data)``, after changing row ``change``'s
    data: what someone with write access to the database can do."""
    prev = "0" * 64
    for entry in AuditEntry.objects.order_by("id"):
        data = {**entry.data, "amount": 99999} if entry.pk == change else entry.data
        digest = mac(prev, entry, data)  # type: ignore[operator]
        columns, params = "data = %s, prev_hash = %s, entry_hash = %s", [json.dumps(data), prev, digest]
        if _has_key_id():
            columns += ", key_id = %s"
            params.append(key_id if key_id is not None else entry.key_id)
        _tamper_sql(f"UPDATE core_auditentry SET {columns} WHERE id = %s", [*params, entry.pk])
        prev = digest


def _tamper_checkpoints(sql: str, params: list) -> None:  # type: ignore[type-arg]
    """An attacker who can write the database changes or removes stored checkpoints too."""
    from django.db import connection

    from seedbed.core.audit import audit_maintenance

    if connection.vendor == "sqlite":
        with audit_maintenance(), connection.cursor() as cursor:
            cursor.execute(sql, params)
        return
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE core_auditcheckpoint DISABLE TRIGGER USER")
        try:
            cursor.execute(sql, params)
        finally:
            cursor.execute("ALTER TABLE core_auditcheckpoint ENABLE TRIGGER USER")


def _delete_all_checkpoints() -> None:
    _tamper_checkpoints("DELETE FROM core_auditcheckpoint", [])


def _sha256_chain(prev: str, entry: AuditEntry, data: object) -> str:
    return hashlib.sha256((prev + _canonical(entry, data)).encode()).hexdigest()


def test_rewriting_every_hash_without_the_key_is_detected() -> None:
    entries = _append(3)
    assert audit_verify().ok
    _rewrite_chain(_sha256_chain, key_id="", change=entries[1].pk)
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_id == entries[0].pk
    assert f"entry #{entries[0].pk}" in result.problem and "not keyed" in result.problem
    cli = CliRunner().invoke(app, ["audit", "verify"])  # no checkpoint given by hand
    assert cli.exit_code == 1 and f"Audit chain broken: entry #{entries[0].pk}:" in cli.output


def test_rewriting_with_a_guessed_key_is_detected() -> None:
    entries = _append(3)
    guess = OTHER_KEY.encode()

    def forged(prev: str, entry: AuditEntry, data: object) -> str:
        message = prev + _canonical(entry, data, key_id=entry.key_id)
        return hmac.new(guess, message.encode(), hashlib.sha256).hexdigest()

    _rewrite_chain(forged, change=entries[1].pk)
    result = audit_verify()
    assert not result.ok and result.first_bad_id == entries[0].pk
    assert "MAC does not match" in result.problem


def test_entries_carry_a_hmac_with_the_configured_key(settings) -> None:  # type: ignore[no-untyped-def]
    first = _append(1)[0]
    key = settings.SEEDBED_AUDIT_KEY.encode()
    key_id = hmac.new(key, b"seedbed audit key id", hashlib.sha256).hexdigest()[:12]
    assert first.key_id == key_id
    expected = hmac.new(key, ("0" * 64 + _canonical(first, first.data, key_id=key_id)).encode(),
                        hashlib.sha256).hexdigest()
    assert first.entry_hash == expected


def test_a_wrong_key_is_named_and_a_retired_key_still_verifies(settings) -> None:  # type: ignore[no-untyped-def]
    entries = _append(2)
    original = settings.SEEDBED_AUDIT_KEY
    settings.SEEDBED_AUDIT_KEY = OTHER_KEY
    wrong = audit_verify()
    assert not wrong.ok and wrong.first_bad_id == entries[0].pk
    assert "SEEDBED_AUDIT_KEY is wrong" in wrong.problem
    # Rotation: the old key kept in SEEDBED_AUDIT_PREVIOUS_KEYS verifies the older entries.
    settings.SEEDBED_AUDIT_PREVIOUS_KEYS = [original]
    newer = audit_append(action="test.after_rotation", data={})
    assert newer.key_id != entries[0].key_id
    rotated = audit_verify()
    assert rotated.ok and rotated.entries == 3


def test_truncation_is_caught_by_stored_checkpoints_with_none_given_by_hand(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SEEDBED_AUDIT_CHECKPOINT_EVERY = 1
    entries = _append(4)
    assert audit_verify().ok
    _tamper_sql("DELETE FROM core_auditentry WHERE id >= %s", [entries[2].pk])
    result = audit_verify()
    assert not result.ok
    assert f"checkpoint entry #{entries[2].pk} is missing" in result.problem
    runner = CliRunner()
    cli = runner.invoke(app, ["audit", "verify"])
    assert cli.exit_code == 1 and f"#{entries[2].pk}" in cli.output


def test_a_published_result_checkpoint_catches_truncation() -> None:
    from seedbed.core.audit import audit_checkpoint_current, checkpoint_public

    entries = _append(3)
    recorded = audit_checkpoint_current(reason="trials.result_publish trial 1")
    assert recorded is not None and recorded.token == f"{entries[2].pk}:{entries[2].entry_hash}"
    published = checkpoint_public(recorded)
    assert set(published) == {"entry", "entry_mac", "created_at", "key_id", "mac", "reason"}
    _append(2)
    assert audit_verify().ok
    _tamper_sql("DELETE FROM core_auditentry WHERE id >= %s", [entries[1].pk])
    assert not audit_verify().ok


def test_a_forged_stored_checkpoint_fails() -> None:
    from seedbed.core.models import AuditCheckpoint

    entry = _append(1)[0]
    AuditCheckpoint.objects.create(created_at=entry.created_at, entry_number=entry.pk, entry_mac=entry.entry_hash,
                                   key_id=entry.key_id, mac="a" * 64, reason="forged")
    result = audit_verify()
    assert not result.ok and "was not issued with this server's audit key" in result.problem


# SQLite's trigger names the checkpoints; PostgreSQL's shares the audit log's refusal function.
APPEND_ONLY = r"audit checkpoints are append-only|the audit log is append-only"

def test_checkpoint_rows_are_append_only() -> None:
    from django.db import DatabaseError, transaction

    from seedbed.core.audit import audit_checkpoint_current
    from seedbed.core.models import AuditCheckpoint

    _append(1)
    checkpoint = audit_checkpoint_current(reason="scheduled")
    assert checkpoint is not None
    with pytest.raises(DatabaseError, match=APPEND_ONLY), transaction.atomic():
        AuditCheckpoint.objects.filter(pk=checkpoint.pk).delete()
    with pytest.raises(DatabaseError, match=APPEND_ONLY), transaction.atomic():
        AuditCheckpoint.objects.filter(pk=checkpoint.pk).update(entry_number=1)


def test_unkeyed_entries_from_before_keying_are_checked_and_sealed() -> None:
    from seedbed.core.audit import audit_chain_seal

    prev = "0" * 64
    legacy = []
    for i in range(3):  # written as the unkeyed chain did, before migration 0003
        entry = AuditEntry(created_at=dt.datetime(2026, 1, 1, 12, i, tzinfo=dt.UTC), action="old.decision",
                           object_type="test", object_id=str(i), data={"i": i}, prev_hash=prev, key_id="")
        entry.entry_hash = _sha256_chain(prev, entry, entry.data)
        entry.save()
        legacy.append(entry)
        prev = entry.entry_hash
    unsealed = audit_verify()
    assert not unsealed.ok and unsealed.first_bad_id == legacy[0].pk and "no keyed entry seals" in unsealed.problem
    seal = audit_chain_seal()
    assert seal.action == "audit.chain_keyed" and seal.prev_hash == legacy[2].entry_hash
    assert seal.data == {"unkeyed_entries": 3, "last_unkeyed_entry": legacy[2].pk}
    assert audit_chain_seal() is None  # once only
    sealed = audit_verify()
    assert sealed.ok and sealed.unkeyed_entries == 3 and sealed.entries == 4
    # Changing an old entry now breaks the chain, even with its SHA-256 recomputed.
    tampered = {"i": 1, "amount": 5}
    _tamper_sql("UPDATE core_auditentry SET data = %s, entry_hash = %s WHERE id = %s",
                [json.dumps(tampered), _sha256_chain(legacy[0].entry_hash, legacy[1], tampered), legacy[1].pk])
    broken = audit_verify()
    assert not broken.ok and broken.first_bad_id == legacy[2].pk


def test_an_unkeyed_entry_after_keyed_ones_is_refused() -> None:
    keyed = _append(1)[0]
    forged = AuditEntry(created_at=keyed.created_at, action="test.forged", data={}, prev_hash=keyed.entry_hash, key_id="")
    forged.entry_hash = _sha256_chain(keyed.entry_hash, forged, {})
    forged.save()
    result = audit_verify()
    assert not result.ok and result.first_bad_id == forged.pk and "follows keyed entries" in result.problem


def test_the_checkpoint_feed_is_public_keyed_and_holds_no_payload(client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from seedbed.core.audit import audit_checkpoint_current

    audit_append(action="test.private", object_type="test", object_id="secret-object-77",
                 data={"note": "payload-marker-zq"})
    audit_checkpoint_current(reason="scheduled")
    response = client.get("/audit/checkpoints.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    body = response.content.decode()
    assert "payload-marker-zq" not in body and "secret-object-77" not in body and "test.private" not in body
    feed = json.loads(body)
    assert feed["format"] == "seedbed-audit-checkpoints/1"
    for item in [*feed["checkpoints"], feed["head"]]:
        assert set(item) == {"entry", "entry_mac", "created_at", "key_id", "mac", "reason"}
    # A saved copy catches truncation even when the stored checkpoints are removed as well.
    saved = tmp_path / "checkpoints.json"
    saved.write_text(body)
    entries = _append(2)
    _delete_all_checkpoints()
    _tamper_sql("DELETE FROM core_auditentry WHERE id >= %s", [entries[0].pk - 1])
    runner = CliRunner()
    # Nothing left inside the database shows it (the documented limit): a copy outside does.
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
    kept = runner.invoke(app, ["audit", "verify", "--checkpoints", str(saved)])
    assert kept.exit_code == 1 and "is missing" in kept.output
    bad = tmp_path / "not-a-feed.json"
    bad.write_text('{"hello": 1}')
    refused = runner.invoke(app, ["audit", "verify", "--checkpoints", str(bad)])
    assert refused.exit_code == 2 and "not-a-feed.json" in refused.output and "Traceback" not in refused.output


def test_a_forged_feed_copy_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    entry = _append(1)[0]
    fake = {"entry": entry.pk, "entry_mac": "b" * 64, "created_at": "2026-01-01T00:00:00.000000Z",
            "key_id": entry.key_id, "mac": "c" * 64, "reason": "made up"}
    path = tmp_path / "feed.json"
    path.write_text(json.dumps({"format": "seedbed-audit-checkpoints/1", "head": None, "checkpoints": [fake]}))
    result = CliRunner().invoke(app, ["audit", "verify", "--checkpoints", str(path)])
    assert result.exit_code == 1 and "not issued with this server's audit key" in result.output


def test_the_checkpoint_file_catches_truncation_when_database_checkpoints_go_too(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from seedbed.core.audit import audit_checkpoint_current

    settings.SEEDBED_AUDIT_CHECKPOINT_FILE = str(tmp_path / "audit-checkpoints.jsonl")
    entries = _append(3)
    audit_checkpoint_current(reason="scheduled")
    lines = (tmp_path / "audit-checkpoints.jsonl").read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["entry"] == entries[2].pk
    _delete_all_checkpoints()
    _tamper_sql("DELETE FROM core_auditentry WHERE id >= %s", [entries[2].pk])
    result = audit_verify()
    assert not result.ok and f"checkpoint entry #{entries[2].pk} is missing" in result.problem


def test_cli_checkpoint_records_and_prints() -> None:
    entries = _append(2)
    runner = CliRunner()
    result = runner.invoke(app, ["audit", "checkpoint", "--reason", "daily"])
    assert result.exit_code == 0 and f"{entries[1].pk}:{entries[1].entry_hash}" in result.output
    verified = runner.invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0 and "held to 1 checkpoints" in verified.output


def test_a_relabelled_checkpoint_fails() -> None:
    from seedbed.core.audit import audit_checkpoint_current

    _append(1)
    recorded = audit_checkpoint_current(reason="scheduled")
    assert recorded is not None and audit_verify().ok
    _tamper_checkpoints("UPDATE core_auditcheckpoint SET reason = %s WHERE id = %s",
                        ["trials.result_publish trial 9", recorded.pk])
    assert "was not issued with this server's audit key" in audit_verify().problem


MUTATIONS = ("data", "action", "created_at", "actor_id", "delete", "swap")


@given(size=st.integers(min_value=2, max_value=6), target=st.integers(min_value=0, max_value=5),
       mutation=st.sampled_from(MUTATIONS))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_single_tampering_is_caught_and_located(size: int, target: int, mutation: str) -> None:
    """Whatever one row is changed, removed or swapped, verification fails; when a row is
    changed, the report names it (with a checkpoint at every entry, even the newest)."""
    from django.conf import settings as live
    from django.db import connection as db
    from django.test import override_settings

    from seedbed.core.audit import audit_maintenance

    with override_settings(SEEDBED_AUDIT_CHECKPOINT_EVERY=1):
        assert live.SEEDBED_AUDIT_CHECKPOINT_EVERY == 1
        entries = _append(size)
        victim = entries[target % size]
        assert audit_verify().ok
        statements = {
            "data": ("UPDATE core_auditentry SET data = %s WHERE id = %s", ['{"i": -1}', victim.pk]),
            "action": ("UPDATE core_auditentry SET action = %s WHERE id = %s", ["test.other", victim.pk]),
            "created_at": ("UPDATE core_auditentry SET created_at = %s WHERE id = %s",
                           [victim.created_at + dt.timedelta(microseconds=1), victim.pk]),
            "actor_id": ("UPDATE core_auditentry SET actor_id = %s WHERE id = %s", [424242, victim.pk]),
            "delete": ("DELETE FROM core_auditentry WHERE id = %s", [victim.pk]),
            "swap": ("UPDATE core_auditentry SET data = %s WHERE id = %s",
                     [json.dumps(entries[(target + 1) % size].data), victim.pk]),
        }
        sql, params = statements[mutation]
        _tamper_sql(sql, params)
        result = audit_verify()
        assert not result.ok
        if mutation != "delete":
            assert result.first_bad_id == victim.pk and f"entry #{victim.pk}" in result.problem
        with audit_maintenance(), db.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditcheckpoint")
            cursor.execute("DELETE FROM core_auditentry")
