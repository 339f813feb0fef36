"""Adding data and running the analysis through the pages, as the demo personas: a bad file
comes back with its rows and columns listed and nothing stored; only those who may change
the evaluation may run the analysis."""

from __future__ import annotations

import html
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from seedbed.data.errors import MSG_NOT_A_NUMBER
from seedbed.evaluations.models import Design, Evaluation, EvaluationDataset, EvaluationResult
from seedbed.evaluations.rules import ERROR_NOT_REGISTERED
from seedbed.evaluations.services.analysis import ERROR_NO_DATA
from seedbed.evaluations.views.dataset import MESSAGE_ANALYSED
from tests.evaluations.datasets import COMMON, PLANS, csv_bytes, frame

MANAGERS = ("lead", "analyst", "admin")
OTHERS = ("resident", "frontline", "panel", "safety", "provider")


def _registered(world: dict[str, Any], design: str = Design.ITS) -> Evaluation:
    from seedbed.evaluations.services import evaluation_create, evaluation_register, plan_update

    lead = world["users"]["lead"]
    evaluation = evaluation_create(actor=lead, organisation=world["organisations"]["northfield"],
                                   title="Discharge to assess", design=design)
    plan_update(actor=lead, evaluation=evaluation, changes={**COMMON, **PLANS[design]})
    return evaluation_register(actor=lead, evaluation=evaluation)


def _file(content: bytes, name: str = "delays.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_a_lead_adds_data_and_runs_the_analysis(client_as, demo_world: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    evaluation = _registered(demo_world)
    lead = client_as("lead")
    detail = reverse("evaluations:evaluation_detail", args=[evaluation.pk])
    upload = reverse("evaluations:dataset_upload", args=[evaluation.pk])
    page = lead.get(upload).content.decode()
    assert "<code>delays</code>" in page and "<code>month</code>" in page

    response = lead.post(upload, {"file": _file(csv_bytes(frame(Design.ITS))), "encoding": "utf-8"})
    assert response.status_code == 302 and response["Location"] == detail
    page = lead.get(detail).content.decode()
    assert "delays.csv: 48 rows" in page and "Not run yet" in page

    response = lead.post(reverse("evaluations:evaluation_analyse", args=[evaluation.pk]), follow=True)
    assert MESSAGE_ANALYSED.format(filename="delays.csv") in response.content.decode()
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.ANALYSED
    assert "Run the analysis again" in response.content.decode()


def test_a_bad_file_comes_back_with_its_rows_named(client_as, demo_world: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    evaluation = _registered(demo_world)
    response = client_as("analyst").post(
        reverse("evaluations:dataset_upload", args=[evaluation.pk]),
        {"file": _file(b"month,delays\n1,40\n2,forty-one\n")})
    page = html.unescape(response.content.decode())
    assert response.status_code == 200 and "There is a problem" in page
    assert MSG_NOT_A_NUMBER.format(row=3, column="delays", value="forty-one").capitalize() in page
    assert not EvaluationDataset.objects.filter(evaluation=evaluation).exists()


def test_analysis_without_data_says_what_to_do(client_as, demo_world: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    evaluation = _registered(demo_world, Design.RD)
    response = client_as("lead").post(
        reverse("evaluations:evaluation_analyse", args=[evaluation.pk]), follow=True)
    assert ERROR_NO_DATA in html.unescape(response.content.decode())
    assert not EvaluationResult.objects.filter(evaluation=evaluation).exists()


def test_only_those_who_may_change_it_run_the_analysis(client_as, demo_world: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    from seedbed.evaluations.services import dataset_upload

    evaluation = _registered(demo_world)
    dataset_upload(actor=demo_world["users"]["lead"], evaluation=evaluation, filename="d.csv",
                   content=csv_bytes(frame(Design.ITS)))
    url = reverse("evaluations:evaluation_analyse", args=[evaluation.pk])
    anonymous = client_as("anonymous").post(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("accounts:login"))
    for role in OTHERS:
        assert client_as(role).post(url).status_code == 403, role
        assert client_as(role).get(reverse("evaluations:dataset_upload", args=[evaluation.pk])).status_code == 403
    assert not EvaluationResult.objects.filter(evaluation=evaluation).exists()
    assert client_as("lead").get(url).status_code == 405
    for role in MANAGERS:
        assert client_as(role).post(url).status_code == 302, role
        result = EvaluationResult.objects.get(evaluation=evaluation)
        assert result.analysed_by == demo_world["users"][role]


def test_a_draft_takes_no_data(client_as, demo_world: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    from seedbed.evaluations.services import evaluation_create

    draft = evaluation_create(actor=demo_world["users"]["lead"],
                              organisation=demo_world["organisations"]["northfield"],
                              title="Still a draft", design=Design.ITS)
    response = client_as("lead").get(reverse("evaluations:dataset_upload", args=[draft.pk]))
    assert response.status_code == 403
    assert ERROR_NOT_REGISTERED in html.unescape(response.content.decode())
    page = client_as("lead").get(reverse("evaluations:evaluation_detail", args=[draft.pk]))
    assert reverse("evaluations:dataset_upload", args=[draft.pk]) not in page.content.decode()
