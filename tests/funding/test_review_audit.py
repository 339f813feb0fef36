"""Review scores, moderation rulings and pitch order changes are written to the audit log."""

from __future__ import annotations

import pytest

from seedbed.core.audit import audit_verify
from seedbed.core.models import AuditEntry
from seedbed.funding.services.reviews import (
    conflict_declare,
    pitch_order_set,
    pitch_slot_move,
    review_moderate,
    review_save,
)
from tests.funding.conftest import micro_call, submitted


@pytest.fixture
def reviewing(world):  # type: ignore[no-untyped-def]
    call = micro_call(world)
    application = submitted(call, world["users"]["provider"], org=world["provider_org"], title="Breakfast club")
    return {**world, "call": call, "application": application, "criteria": list(call.criteria.all())}


def test_every_score_change_is_audited(reviewing) -> None:  # type: ignore[no-untyped-def]
    panel, application, criteria = reviewing["users"]["panel"], reviewing["application"], reviewing["criteria"]
    conflict_declare(application=application, actor=panel, has_conflict=False)
    review = review_save(application=application, actor=panel, scores={c.pk: 3 for c in criteria})
    entry = AuditEntry.objects.get(action="funding.review_save", object_id=str(review.pk))
    assert entry.actor_id == panel.pk
    assert entry.data["scores"] == {str(c.pk): 3 for c in criteria}
    assert entry.data["weighted"] == str(review.weighted)
    review_save(application=application, actor=panel, scores={c.pk: 3 for c in criteria})  # unchanged
    assert AuditEntry.objects.filter(action="funding.review_save").count() == 1
    review_save(application=application, actor=panel, scores={c.pk: 5 for c in criteria})
    assert AuditEntry.objects.filter(action="funding.review_save").count() == 2
    assert audit_verify().ok


def test_a_moderation_ruling_is_audited_even_when_the_score_is_kept(reviewing) -> None:  # type: ignore[no-untyped-def]
    panel, lead, application = reviewing["users"]["panel"], reviewing["users"]["lead"], reviewing["application"]
    conflict_declare(application=application, actor=panel, has_conflict=False)
    review = review_save(application=application, actor=panel, scores={c.pk: 1 for c in reviewing["criteria"]})
    moderation = review_moderate(review=review, outcome="kept", reason="Within the panel's range.", actor=lead)
    entry = AuditEntry.objects.get(action="funding.review_moderate", object_id=str(moderation.pk))
    assert entry.actor_id == lead.pk
    assert entry.data == {"review": review.pk, "application": application.pk, "outcome": "kept",
                          "reason": "Within the panel's range."}


def test_pitch_order_and_status_changes_are_audited(reviewing) -> None:  # type: ignore[no-untyped-def]
    lead, call = reviewing["users"]["lead"], reviewing["call"]
    second = submitted(call, reviewing["users"]["resident"], title="Walking bus")
    slots = pitch_order_set(call=call, application_ids=[second.pk, reviewing["application"].pk], actor=lead)
    pitch_slot_move(slot=slots[0], status="pitching", actor=lead)
    pitch_slot_move(slot=slots[0], status="done", actor=lead)
    moves = AuditEntry.objects.filter(action="funding.pitch_slot_move", object_id=str(slots[0].pk)).order_by("id")
    assert [m.data["status"] for m in moves] == ["pitching", "done"]
    assert all(m.actor_id == lead.pk and m.data["application"] == second.pk for m in moves)
