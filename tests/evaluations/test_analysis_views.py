"""The analysis page, the report and its PDF, and publishing the report, through the HTTP
interface as the demo personas."""

from __future__ import annotations

import re
from html import escape
from typing import Any

import pytest
from django.urls import reverse

from seedbed.core.models import AuditEntry
from seedbed.evaluations.models import Evaluation
from seedbed.evaluations.services.report import ERROR_ALREADY_REPORTED
from seedbed.evaluations.views.report import MESSAGE_PUBLISHED
from seedbed.stats.warnings import warning_text
from tests.conftest import ROLES
from tests.evaluations.analysed import analysed_evaluation

COUNCIL_STAFF = {"frontline", "lead", "panel", "analyst", "safety", "admin"}
MANAGERS = {"lead", "analyst", "admin"}
CHART_IDS = {"did": ["did-chart"], "its": ["its-chart"], "synth": ["synth-chart", "synth-chart-placebos"],
             "rd": ["rd-chart"]}


def _analysed(world: dict[str, Any], design: str = "did") -> Evaluation:
    return analysed_evaluation(world, design, organisation=world["organisations"]["northfield"])


@pytest.mark.parametrize("design", ["did", "its", "synth", "rd"])
def test_the_analysis_page_shows_estimates_chart_table_warnings_plan_and_data(
        client_as, demo_world: dict[str, Any], design: str) -> None:  # type: ignore[no-untyped-def]
    evaluation = _analysed(demo_world, design)
    result = evaluation.result
    page = client_as("analyst").get(reverse("evaluations:analysis", args=[evaluation.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    for chart_id in CHART_IDS[design]:
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in text
        assert f'id="{chart_id}-table-0"' in text
    for code in result.warnings:
        assert escape(warning_text(code)) in text
        assert f">{code}<" not in text and f" {code} " not in text
    for assumption in result.payload["assumptions"]:
        assert escape(assumption) in text
    assert result.dataset.content_hash in text and result.dataset.filename in text
    assert result.plan_version.content_hash in text
    assert "Preview for council staff" in text
    assert "confidence interval" in text or "placebo p" in text


def test_warnings_read_as_sentences_never_codes(client_as, demo_world: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    evaluation = _analysed(demo_world, "synth")
    assert evaluation.result.warnings  # the generated data are meant to raise some
    text = client_as("lead").get(reverse("evaluations:analysis", args=[evaluation.pk])).content.decode()
    for code in evaluation.result.warnings:
        assert code not in text
        assert escape(warning_text(code)) in text


@pytest.mark.parametrize("role", ROLES)
def test_before_publication_only_council_staff_read_the_analysis_and_report(
        client_as, demo_world: dict[str, Any], role: str) -> None:  # type: ignore[no-untyped-def]
    evaluation = _analysed(demo_world)
    client = client_as(role)
    for name in ("evaluations:analysis", "evaluations:report", "evaluations:report_pdf"):
        response = client.get(reverse(name, args=[evaluation.pk]))
        if role == "anonymous":
            assert response.status_code == 302 and "/sign-in/" in response["Location"], name
        else:
            assert response.status_code == (200 if role in COUNCIL_STAFF else 403), (name, role)


@pytest.mark.parametrize("role", ROLES)
def test_the_evaluation_page_links_to_the_analysis_for_everyone_who_may_read_it(
        client_as, demo_world: dict[str, Any], role: str) -> None:  # type: ignore[no-untyped-def]
    evaluation = _analysed(demo_world)
    client = client_as(role)
    page = client.get(reverse("evaluations:evaluation_detail", args=[evaluation.pk]))
    assert page.status_code == 200
    link = f'href="{reverse("evaluations:analysis", args=[evaluation.pk])}">See the analysis</a>'
    readable = client.get(reverse("evaluations:analysis", args=[evaluation.pk])).status_code == 200
    assert readable == (role in COUNCIL_STAFF)
    assert (link in page.content.decode()) is readable, role


@pytest.mark.parametrize("role", sorted(set(ROLES) - MANAGERS))
def test_only_managers_publish_the_report(client_as, demo_world: dict[str, Any], role: str) -> None:  # type: ignore[no-untyped-def]
    evaluation = _analysed(demo_world)
    before = AuditEntry.objects.count()
    response = client_as(role).post(reverse("evaluations:report_publish", args=[evaluation.pk]))
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/sign-in/" in response["Location"]
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.ANALYSED
    assert AuditEntry.objects.count() == before


def test_publishing_with_a_foreign_or_forged_id_changes_nothing(client_as, demo_world: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    evaluation = _analysed(demo_world)
    lead = client_as("lead")
    for bad in (2_000_000_000, 99999999999999999999):
        response = lead.post(f"/evaluations/{bad}/report/publish/")
        assert response.status_code in (403, 404)
    assert lead.get(reverse("evaluations:report_publish", args=[evaluation.pk])).status_code == 405
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.ANALYSED


def test_a_lead_publishes_the_report_which_becomes_public_and_frozen(client_as, demo_world: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    evaluation = _analysed(demo_world, "its")
    report_url = reverse("evaluations:report", args=[evaluation.pk])
    lead = client_as("lead")
    preview = lead.get(report_url).content.decode()
    assert "Preview: this report is not published yet." in preview and "Publish the report" in preview

    response = lead.post(reverse("evaluations:report_publish", args=[evaluation.pk]), follow=True)
    assert MESSAGE_PUBLISHED in response.content.decode()
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.REPORTED and evaluation.reported_at
    entry = AuditEntry.objects.filter(action="evaluations.evaluation_report",
                                     object_id=str(evaluation.pk)).get()
    assert entry.data["plan_hash"] == evaluation.result.plan_version.content_hash
    assert entry.data["dataset_hash"] == evaluation.result.dataset.content_hash

    public = client_as("anonymous")
    page = public.get(report_url).content.decode()
    assert "Publish the report" not in page and "This report is frozen" in page
    assert entry.data["result_hash"] in page
    assert "A fall of at least 2 in the outcome" in page  # what would have counted as success
    assert public.get(reverse("evaluations:analysis", args=[evaluation.pk])).status_code == 200
    again = lead.post(reverse("evaluations:report_publish", args=[evaluation.pk]), follow=True)
    assert escape(ERROR_ALREADY_REPORTED) in again.content.decode()
    assert AuditEntry.objects.filter(action="evaluations.evaluation_report",
                                     object_id=str(evaluation.pk)).count() == 1


def test_the_report_pdf_renders(client_as, demo_world: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    evaluation = _analysed(demo_world, "synth")
    response = client_as("analyst").get(reverse("evaluations:report_pdf", args=[evaluation.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_an_evaluation_not_yet_analysed_has_no_analysis_page(client_as, demo_world: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    from tests.evaluations.access_rules import _registered

    evaluation_id = _registered(demo_world)["evaluation_id"]
    for name in ("evaluations:analysis", "evaluations:report"):
        assert client_as("lead").get(reverse(name, args=[evaluation_id])).status_code == 404


def test_every_demo_evaluation_shows_its_analysis_and_report(client_as, demo_world: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    """The demo's four evaluations (one per design, analysed on Northfield data) read on the
    analysis page and the report, with no figure left as "nan" or "None"."""
    analyst = client_as("analyst")
    demo = Evaluation.objects.filter(
        status__in=[Evaluation.Status.ANALYSED, Evaluation.Status.REPORTED], result__isnull=False)
    assert {e.design for e in demo} >= {"did", "its", "synth", "rd"}
    for evaluation in demo:
        for name in ("evaluations:analysis", "evaluations:report"):
            response = analyst.get(reverse(name, args=[evaluation.pk]))
            text = response.content.decode()
            assert response.status_code == 200, (evaluation.title, name)
            for chart_id in CHART_IDS[evaluation.design]:
                assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in text
            assert ">None<" not in text and not re.search(r"\bnan\b", text, re.IGNORECASE)
