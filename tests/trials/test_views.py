"""Trials pages through HTTP as the demo personas: uploads, enrolment, monitoring, probes."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from seedbed.trials.models import Allocation, OutcomeDataset, Probe, Trial
from seedbed.trials.services.protocols import trial_close

pytestmark = pytest.mark.django_db

RUNNING = "Weekly family-support calls"
FINISHED = "Peer mentoring for care leavers"


def _csv(text: str, name: str = "outcomes.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_rejected_uploads_list_rows_and_columns_and_store_nothing(demo_world, client_as) -> None:
    trial = Trial.objects.get(title=RUNNING)
    trial = trial_close(actor=demo_world["users"]["lead"], trial=trial)
    units = list(Allocation.objects.filter(trial=trial).exclude(unit_ref="").order_by("id")[:3])
    analyst = client_as("analyst")
    url = reverse("trials:data", args=[trial.pk])
    bad = (
        "unit,arm,outcome,stratum,deprivation\n"
        f"{units[0].unit_ref},{units[0].arm},fifty,{units[0].stratum},low\n"
        f"{units[1].unit_ref},placebo,51,{units[1].stratum},low\n"
        f"NOT-ENROLLED,control,52,under 5,high\n"
    )
    response = analyst.post(url, {"file": _csv(bad)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and "nothing was stored" in page
    assert 'row 2, column &quot;outcome&quot;' in page or 'row 2, column "outcome"' in page
    assert "row 3" in page and "row 4" in page
    assert not OutcomeDataset.objects.filter(trial=trial).exists()
    excel = analyst.post(url, {"file": SimpleUploadedFile("x.xlsx", b"not excel")})
    assert excel.status_code == 200 and "There is a problem" in excel.content.decode()
    wrong = analyst.post(url, {"file": SimpleUploadedFile("x.pdf", b"%PDF")})
    assert "CSV or Excel" in wrong.content.decode()
    assert not OutcomeDataset.objects.filter(trial=trial).exists()
    good = "unit,arm,outcome,stratum,deprivation\n" + "".join(
        f"{a.unit_ref},{a.arm},{50 + i},{a.stratum},{'low' if i % 2 else 'high'}\n"
        for i, a in enumerate(Allocation.objects.filter(trial=trial).exclude(unit_ref=""))
    )
    accepted = analyst.post(url, {"file": _csv(good)})
    assert accepted.status_code == 302
    assert OutcomeDataset.objects.get(trial=trial).rows == 40


def test_excel_upload_is_accepted(demo_world, client_as) -> None:
    from openpyxl import Workbook

    trial = Trial.objects.get(title=RUNNING)
    trial = trial_close(actor=demo_world["users"]["lead"], trial=trial)
    book = Workbook()
    sheet = book.active
    sheet.append(["unit", "arm", "outcome", "stratum", "deprivation"])
    for a in Allocation.objects.filter(trial=trial).exclude(unit_ref=""):
        sheet.append([a.unit_ref, a.arm, 50.5, a.stratum, "low"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = client_as("lead").post(reverse("trials:data", args=[trial.pk]),
                                      {"file": SimpleUploadedFile("o.xlsx", buffer.getvalue())})
    assert response.status_code == 302
    assert OutcomeDataset.objects.get(trial=trial).rows == 40


def test_frontline_learns_the_arm_only_on_enrolment(demo_world, client_as) -> None:
    trial = Trial.objects.get(title=RUNNING)
    frontline = client_as("frontline")
    url = reverse("trials:enrol", args=[trial.pk])
    before = frontline.get(url).content.decode()
    assert "intervention" not in before.lower().replace("the intervention", "")
    response = frontline.post(url, {"unit_ref": "FORM-1", "stratum": "under 5",
                                    "idempotency_key": "form-key-1"})
    arm = Allocation.objects.get(trial=trial, unit_ref="FORM-1").arm
    assert f'<strong id="allocated-arm">{arm}</strong>' in response.content.decode()
    again = frontline.post(url, {"unit_ref": "FORM-1", "stratum": "under 5",
                                 "idempotency_key": "form-key-1"})
    assert again.status_code == 200
    assert Allocation.objects.filter(trial=trial, unit_ref="FORM-1").count() == 1
    empty = frontline.post(url, {"unit_ref": "", "stratum": "under 5"})
    assert "Enter the unit" in empty.content.decode()
    assert client_as("provider").post(url, {"unit_ref": "P-1", "stratum": "under 5"}).status_code == 403
    events = frontline.get(reverse("trials:event_report", args=[trial.pk])).content.decode()
    assert "Arm" not in events


def test_safety_lead_sees_arms_and_takes_a_look(demo_world, client_as) -> None:
    trial = Trial.objects.get(title=RUNNING)
    safety = client_as("safety")
    url = reverse("trials:monitoring", args=[trial.pk])
    page = safety.get(url).content.decode()
    assert 'role="img"' in page and "Harm boundary" in page.replace("harm boundary", "Harm boundary")
    response = safety.post(url, {"action": "look"})
    assert response.status_code == 302
    assert trial.looks.count() == 3
    # Harm looks are not capped by the planned looks: a fourth is taken while recruiting.
    again = safety.post(url, {"action": "look"})
    assert again.status_code == 302 and trial.looks.count() == 4
    assert client_as("lead").get(url).status_code == 403


def test_registration_refusal_is_shown_and_nothing_is_lost(demo_world, client_as) -> None:
    draft = Trial.objects.get(title="Family group conferences before care proceedings")
    lead = client_as("lead")
    response = lead.post(reverse("trials:manage", args=[draft.pk]), {"action": "register"})
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page
    assert "Name a safety lead before registering" in page
    draft.refresh_from_db()
    assert draft.is_draft and draft.protocol.p_control == 0.4


def test_probe_from_draft_to_published_by_http(demo_world, client_as) -> None:
    probe = Probe.objects.get(title="Video calls for out-of-hours support")
    lead = client_as("lead")
    url = reverse("trials:probe_manage", args=[probe.pk])
    refused = lead.post(url, {"action": "start"})
    assert "Name a safety lead before starting" in refused.content.decode()
    safety = demo_world["users"]["safety"]
    assert lead.post(url, {"action": "safety_lead", "lead-safety_lead": safety.pk}).status_code == 302
    assert lead.post(url, {"action": "rule", "rule-rule": "Stop if a carer is distressed"}).status_code == 302
    assert lead.post(url, {"action": "start"}).status_code == 302
    assert lead.post(url, {"action": "outcome", "outcome-outcome": "dampen",
                           "outcome-outcome_reasons": "Few carers used video",
                           "outcome-spent": "120"}).status_code == 302
    assert lead.post(url, {"action": "publish"}).status_code == 302
    probe.refresh_from_db()
    assert probe.status == Probe.Status.PUBLISHED and probe.outcome == "dampen"
    public = client_as("resident").get(reverse("trials:registry_probe", args=[probe.pk]))
    assert "Dampen" in public.content.decode()
