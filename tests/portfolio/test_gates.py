"""Gate rules: evidence for mainstreaming, exceptions with reasons, stopping as learning."""

from __future__ import annotations

import re

import pytest

from seedbed.core.errors import ValidationProblem
from seedbed.core.models import AuditEntry
from seedbed.portfolio import services
from seedbed.portfolio.models import GateDecision, Innovation
from seedbed.portfolio.rules import PRESETS
from seedbed.portfolio.services import lifecycle
from seedbed.portfolio.services.lifecycle import (
    ERROR_CHECKLIST,
    ERROR_EVIDENCE,
    ERROR_EXCEPTION_SHORT,
    ERROR_LAST_STAGE,
    ERROR_LEARNING,
    ERROR_PRESET,
    ERROR_REASONS,
    ERROR_STOPPED,
    ERROR_UNKNOWN_CHECKLIST,
    EXCEPTION_MIN_CHARS,
)

pytestmark = pytest.mark.django_db


def _advance(innovation, **kwargs):  # type: ignore[no-untyped-def]
    args = {
        "innovation": innovation, "decision": "advance", "reasons": "Ready to move on",
        "actor": innovation.test_lead, "reviewers": [innovation.test_reviewer],
        "checklist_done": innovation.stage.exit_checklist,
    }
    args.update(kwargs)
    return services.gate_decide(**args)


def test_default_lifecycle_has_five_stages_and_mainstreaming_asks_for_level_3(make_innovation) -> None:
    innovation = make_innovation()
    stages = list(innovation.stage_set.stages.values_list("slug", "min_evidence_level"))
    assert stages == [("latent", 0), ("design-discovery", 0), ("mobilisation", 0),
                      ("mainstreaming", 3), ("embedding", 3)]


def test_presets_install_once_with_their_stages(make_innovation) -> None:
    nesta = services.stage_set_install(slug="nesta-spiral", actor=None)
    assert nesta.stages.count() == 7
    assert services.stage_set_install(slug="nesta-spiral", actor=None).pk == nesta.pk
    assert services.stage_set_install(slug="opsi-lifecycle", actor=None).stages.count() == 6
    preset_missing = ERROR_PRESET.format(slug="no-such", presets=", ".join(PRESETS))
    with pytest.raises(ValidationProblem, match=re.escape(preset_missing)) as exc:
        services.stage_set_install(slug="no-such", actor=None)
    assert "slug" in exc.value.problems


def test_advance_without_evidence_into_mainstreaming_is_refused(make_innovation) -> None:
    innovation = make_innovation("mobilisation")
    with pytest.raises(ValidationProblem, match=re.escape(_evidence_short(level=0))) as exc:
        _advance(innovation)
    assert "evidence level 3" in exc.value.problems["exception_reasons"]
    innovation.refresh_from_db()
    assert innovation.stage.slug == "mobilisation"
    assert not GateDecision.objects.filter(innovation=innovation).exists()


def test_level_2_or_negative_level_3_evidence_is_not_enough(make_innovation) -> None:
    innovation = make_innovation("mobilisation")
    services.innovation_evidence_record(innovation=innovation, level=2, direction="positive", source="s",
                                        actor=innovation.test_lead)
    with pytest.raises(ValidationProblem, match=re.escape(_evidence_short(level=2))):
        _advance(_keep(innovation, Innovation.objects.get(pk=innovation.pk)))
    services.innovation_evidence_record(innovation=innovation, level=3, direction="negative", source="s",
                                        actor=innovation.test_lead)
    fresh = _keep(innovation, Innovation.objects.get(pk=innovation.pk))
    assert fresh.evidence_level == 3
    with pytest.raises(ValidationProblem, match=re.escape(_evidence_short(level=3))):
        _advance(fresh)


def _evidence_short(*, level: int) -> str:
    """The refusal when an innovation in mobilisation lacks the evidence mainstreaming asks for."""
    return ERROR_EVIDENCE.format(stage="Mainstreaming", needed=3, level=level)


def _keep(old, new=None):  # type: ignore[no-untyped-def]
    """Carry the test personas over to a re-read innovation."""
    new = new or old
    new.test_lead, new.test_reviewer = old.test_lead, old.test_reviewer
    return new


def test_level_3_positive_evidence_opens_the_gate(make_innovation) -> None:
    innovation = make_innovation("mobilisation")
    services.innovation_evidence_record(innovation=innovation, level=3, direction="positive", source="RCT",
                                        actor=innovation.test_lead)
    decision = _advance(_keep(innovation, Innovation.objects.get(pk=innovation.pk)))
    innovation.refresh_from_db()
    assert innovation.stage.slug == "mainstreaming"
    assert decision.exception is False and decision.evidence_level == 3
    entry = AuditEntry.objects.filter(action="portfolio.gate_decide").last()
    assert entry.data["to_stage"] == "mainstreaming" and entry.data["exception"] is False


def test_exception_with_reasons_is_recorded_and_audited(make_innovation) -> None:
    innovation = make_innovation("mobilisation")
    too_short = ERROR_EXCEPTION_SHORT.format(n=EXCEPTION_MIN_CHARS)
    with pytest.raises(ValidationProblem, match=re.escape(too_short)) as exc:
        _advance(innovation, exception_reasons="too short")
    assert "at least" in exc.value.problems["exception_reasons"]
    reasons = "Statutory duty changed; the minister asked for national roll-out before evaluation ends."
    decision = _advance(innovation, exception_reasons=reasons)
    assert decision.exception is True and decision.exception_reasons == reasons
    assert decision.to_stage.slug == "mainstreaming"
    entry = AuditEntry.objects.filter(action="portfolio.gate_decide").last()
    assert entry.data["exception"] is True and entry.object_id == str(decision.pk)


def test_incomplete_checklist_needs_an_exception(make_innovation) -> None:
    innovation = make_innovation("design-discovery")
    incomplete = ERROR_CHECKLIST.format(missing="; ".join(innovation.stage.exit_checklist))
    with pytest.raises(ValidationProblem, match=re.escape(incomplete)) as exc:
        _advance(innovation, checklist_done=[])
    assert "checklist" in exc.value.problems["exception_reasons"]
    unknown = ERROR_UNKNOWN_CHECKLIST.format(item="Not on the list")
    with pytest.raises(ValidationProblem, match=re.escape(unknown)) as exc:
        _advance(innovation, checklist_done=["Not on the list"])
    assert "checklist_done" in exc.value.problems
    decision = _advance(innovation, checklist_done=[],
                        exception_reasons="Probe ran as a desk exercise; the checklist will follow.")
    assert decision.exception and decision.to_stage.slug == "mobilisation"


def test_advance_needs_reasons_and_a_reviewer(make_innovation) -> None:
    innovation = make_innovation("latent")
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_REASONS)) as exc:
        _advance(innovation, reasons=" ", reviewers=[])
    assert set(exc.value.problems) >= {"reasons", "reviewers"}


def test_last_stage_cannot_advance(make_innovation) -> None:
    innovation = make_innovation("embedding")
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_LAST_STAGE.format(stage="Embedding"))) as exc:
        _advance(innovation)
    assert "last stage" in exc.value.problems["decision"]


@pytest.mark.parametrize("stage", ["latent", "mobilisation", "embedding"])
def test_stopping_is_always_allowed_and_recorded_as_learning(make_innovation, stage) -> None:  # type: ignore[no-untyped-def]
    innovation = make_innovation(stage)
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_LEARNING)) as exc:
        services.gate_decide(innovation=innovation, decision="stop", reasons="No effect",
                             actor=innovation.test_lead)
    assert exc.value.problems["learning"] == lifecycle.ERROR_LEARNING
    decision = services.gate_decide(innovation=innovation, decision="stop", reasons="No effect",
                                    learning="Uptake was the problem, not the idea.",
                                    actor=innovation.test_lead)
    innovation.refresh_from_db()
    assert innovation.status == Innovation.Status.STOPPED and innovation.stage.slug == stage
    assert decision.learning.startswith("Uptake")
    assert AuditEntry.objects.filter(action="portfolio.gate_decide", data__learning_recorded=True).exists()
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_STOPPED)) as exc:
        _advance(_keep(innovation, Innovation.objects.get(pk=innovation.pk)))
    assert exc.value.problems["decision"] == lifecycle.ERROR_STOPPED


def test_hold_and_adapt_keep_the_stage(make_innovation) -> None:
    innovation = make_innovation("mobilisation")
    services.gate_decide(innovation=innovation, decision="hold", reasons="Budget paused", actor=innovation.test_lead)
    innovation.refresh_from_db()
    assert innovation.status == "on_shelf" and innovation.stage.slug == "mobilisation"
    services.gate_decide(innovation=innovation, decision="adapt", reasons="Try a new script", actor=innovation.test_lead)
    innovation.refresh_from_db()
    assert innovation.status == "active" and innovation.stage.slug == "mobilisation"
