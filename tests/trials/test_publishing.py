"""Publishing a trial's result or a probe creates its published library case, in the same
transaction (null and negative results too), and the registry pages link to it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from seedbed.core.errors import ValidationProblem
from seedbed.library.models import Case
from seedbed.trials.models import Probe, Trial, TrialResult
from seedbed.trials.services.results import result_publish

pytestmark = pytest.mark.django_db

FINISHED = "Peer mentoring for care leavers"
PUBLISHED_PROBE = "Drop-in family hub hours"


def test_demo_publications_have_published_cases(demo_world, client_as) -> None:
    trial = Trial.objects.get(title=FINISHED)
    case = Case.objects.get(trial=trial)
    assert case.status == Case.Status.PUBLISHED and case.source == Case.Source.TRIAL
    assert case.direction == trial.result.direction == "null"
    assert case.effect == pytest.approx(trial.result.effect)
    probe = Probe.objects.get(title=PUBLISHED_PROBE)
    probe_case = Case.objects.get(probe=probe)
    assert probe_case.status == Case.Status.PUBLISHED and probe_case.design == "probe"
    resident = client_as("resident")
    case_url = reverse("library:case_detail", args=[case.pk])
    for url in (reverse("trials:result", args=[trial.pk]),
                reverse("trials:registry_trial", args=[trial.pk])):
        page = resident.get(url).content.decode()
        assert "Library case: " in page and f'href="{case_url}"' in page
    probe_page = resident.get(reverse("trials:registry_probe", args=[probe.pk])).content.decode()
    assert f'href="{reverse("library:case_detail", args=[probe_case.pk])}"' in probe_page
    assert resident.get(case_url).status_code == 200
    running = Trial.objects.get(title="Weekly family-support calls")
    assert "Library case: " not in resident.get(
        reverse("trials:registry_trial", args=[running.pk])).content.decode()


def test_a_negative_probe_outcome_becomes_a_negative_case(demo_world, client_as) -> None:
    probe = Probe.objects.get(title="Text reminders before home visits")
    lead = client_as("lead")
    url = reverse("trials:probe_manage", args=[probe.pk])
    assert lead.post(url, {"action": "outcome", "outcome-outcome": "stop",
                           "outcome-outcome_reasons": "Families found the texts intrusive",
                           "outcome-spent": "90"}).status_code == 302
    assert not Case.objects.filter(probe=probe).exists()
    assert lead.post(url, {"action": "publish"}).status_code == 302
    case = Case.objects.get(probe=probe)
    assert case.status == Case.Status.PUBLISHED and case.direction == "negative"


def test_publishing_is_undone_when_the_case_cannot_be_written(demo_world) -> None:
    from seedbed.library.services import case_create

    trial = Trial.objects.get(title=FINISHED)
    lead = demo_world["users"]["lead"]
    Case.objects.filter(trial=trial).delete()
    TrialResult.objects.filter(trial=trial).update(published_at=None)
    Trial.objects.filter(pk=trial.pk).update(status=Trial.Status.CLOSED, seed_revealed_at=None)
    case_create(title="Already written", summary="s", problem="p", what_was_done="w",
                design="rct", year=2026, actor=lead, source="trial", source_record=trial)
    with pytest.raises(ValidationProblem, match="already has a library case"):
        result_publish(actor=lead, trial=trial)
    trial.refresh_from_db()
    assert trial.status == Trial.Status.CLOSED and trial.seed_revealed_at is None
    assert TrialResult.objects.get(trial=trial).published_at is None
    Case.objects.filter(trial=trial).delete()
    result_publish(actor=lead, trial=trial)
    assert Case.objects.get(trial=trial).status == Case.Status.PUBLISHED


def test_a_published_result_prints_an_audit_checkpoint_that_verify_holds(demo_world, client_as) -> None:
    from seedbed.core.audit import audit_verify, checkpoint_parse
    from seedbed.core.models import AuditEntry

    trial = Trial.objects.get(title=FINISHED)
    lead = demo_world["users"]["lead"]
    Case.objects.filter(trial=trial).delete()
    TrialResult.objects.filter(trial=trial).update(published_at=None)
    Trial.objects.filter(pk=trial.pk).update(status=Trial.Status.CLOSED, seed_revealed_at=None)
    result = result_publish(actor=lead, trial=trial)
    checkpoint = TrialResult.objects.get(pk=result.pk).analysis["audit_checkpoint"]
    newest = AuditEntry.objects.order_by("-id").first()
    assert newest is not None and checkpoint["entry"] == newest.pk
    assert checkpoint["entry_mac"] == newest.entry_hash
    token = f"{checkpoint['entry']}:{checkpoint['entry_mac']}"
    for url in (reverse("trials:result", args=[trial.pk]), reverse("trials:report", args=[trial.pk])):
        page = client_as("anonymous").get(url)
        assert page.status_code == 200 and token in page.content.decode()
    assert audit_verify(checkpoint=checkpoint_parse(token)).ok
