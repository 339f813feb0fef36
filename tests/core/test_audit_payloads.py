"""Sensitive audit payloads (an interim look's z-statistics) are readable only by the trial's
safety lead: not by administrators on /audit/ or in the Django admin. Hiding them changes no
stored row, so the chain still verifies."""

from __future__ import annotations

import pytest

from seedbed.core.audit import PAYLOAD_HIDDEN, audit_append, audit_verify
from seedbed.core.models import AuditEntry
from seedbed.core.selectors import audit_payload_text

MARKER = 4.24242424


@pytest.fixture
def look(demo_world):  # type: ignore[no-untyped-def]
    """An interim look's entry, newest in the log, with a z-statistic no page should show."""
    real = AuditEntry.objects.filter(action="trials.interim_look").order_by("id").first()
    assert real is not None, "the demo takes an interim look"
    entry = audit_append(action="trials.interim_look", object_type=real.object_type, object_id=real.object_id,
                         data={**real.data, "z": [MARKER]})
    return {"entry": entry, "real": real, "users": demo_world["users"]}


def test_the_audit_page_hides_an_interim_look_from_the_administrator(look, client_as) -> None:  # type: ignore[no-untyped-def]
    page = client_as("admin").get("/audit/").content.decode()
    assert str(MARKER) not in page
    assert PAYLOAD_HIDDEN.replace("'", "&#x27;") in page
    assert "trials.interim_look" in page  # that the look happened is not hidden
    assert "The audit chain is intact" in page and 'href="/audit/checkpoints.json"' in page


def test_the_django_admin_hides_an_interim_look(look, client) -> None:  # type: ignore[no-untyped-def]
    admin = look["users"]["admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    for entry in (look["entry"], look["real"]):
        response = client.get(f"/admin/core/auditentry/{entry.pk}/change/")
        assert response.status_code == 200
        body = response.content.decode()
        assert str(MARKER) not in body and '"z"' not in body and "&quot;z&quot;" not in body
        assert "only the trial" in body
    listing = client.get("/admin/core/auditentry/").content.decode()
    assert str(MARKER) not in listing
    ordinary = client.get(f"/admin/core/auditentry/{AuditEntry.objects.exclude(action='trials.interim_look').first().pk}/change/")
    assert ordinary.status_code == 200 and "only the trial" not in ordinary.content.decode()


def test_only_the_trials_safety_lead_reads_the_payload(look) -> None:  # type: ignore[no-untyped-def]
    users, entry = look["users"], look["entry"]
    assert str(MARKER) in audit_payload_text(entry=entry, for_user=users["safety"])
    for role in ("admin", "lead", "analyst", "panel", "frontline", "provider", "resident"):
        assert audit_payload_text(entry=entry, for_user=users[role]) == PAYLOAD_HIDDEN, role
    from django.contrib.auth.models import AnonymousUser

    assert audit_payload_text(entry=entry, for_user=AnonymousUser()) == PAYLOAD_HIDDEN
    # A look naming another trial, or none, is not readable by this safety lead either.
    stray = audit_append(action="trials.interim_look", data={"trial": 987654, "z": [1.0]})
    assert audit_payload_text(entry=stray, for_user=users["safety"]) == PAYLOAD_HIDDEN
    assert AuditEntry.objects.get(pk=entry.pk).data["z"] == [MARKER]  # stored as written
    assert audit_verify().ok
