"""The report of a published result: a printable page and a PDF from the same template."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from seedbed.trials import reports
from seedbed.trials.models import Trial
from seedbed.trials.selectors import SUPPRESSED

pytestmark = pytest.mark.django_db

FINISHED = "Peer mentoring for care leavers"


def _pdf_text(content: bytes, trial: Trial) -> str:
    """Text of the PDF with pypdf; without pypdf, the text of WeasyPrint's laid-out pages."""
    try:
        from pypdf import PdfReader
    except ImportError:  # pragma: no cover - pypdf is a test-only extra
        from django.template.loader import render_to_string
        from weasyprint import HTML

        html = render_to_string(reports.REPORT_TEMPLATE, reports.report_context(trial, trial.result))
        document = HTML(string=html).render()
        return " ".join(box.text for page in document.pages
                        for box in page._page_box.descendants() if hasattr(box, "text"))
    reader = PdfReader(io.BytesIO(content))
    return " ".join((page.extract_text() or "") for page in reader.pages)


def test_report_page_shows_every_part_with_protected_counts(demo_world, client_as) -> None:
    trial = Trial.objects.get(title=FINISHED)
    page = client_as("resident").get(reverse("trials:report", args=[trial.pk])).content.decode()
    result = trial.result
    for text in ("In plain language", "The protocol in summary", "Protocol hash (SHA-256)",
                 trial.versions.get(number=1).content_hash, "Participant flow (CONSORT)",
                 'role="img"', "Primary outcome", "Secondary outcomes", "Harms",
                 "Subgroup (equity)", "Cost per unit of outcome gained",
                 f"{result.effect:.2f}", "Download the report (PDF)", result.plain_summary[:40]):
        assert text in page, text


def test_small_counts_in_the_report_are_suppressed() -> None:
    shown = reports._protected_n([3, 40, None])
    assert shown[0] == SUPPRESSED and shown[2] == SUPPRESSED and 3 not in shown
    assert reports._protected_n([25, 40]) == [25, 40]


def test_report_pdf_contains_the_title_and_the_effect(demo_world, client_as) -> None:
    trial = Trial.objects.get(title=FINISHED)
    response = client_as("anonymous").get(reverse("trials:report_pdf", args=[trial.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    content = response.content
    assert content.startswith(b"%PDF")
    text = " ".join(_pdf_text(content, trial).split())
    assert trial.title in text
    assert f"{trial.result.effect:.2f}" in text


def test_no_report_before_the_analysis(demo_world, client_as) -> None:
    running = Trial.objects.get(title="Weekly family-support calls")
    assert client_as("lead").get(reverse("trials:report", args=[running.pk])).status_code == 404
    assert client_as("resident").get(reverse("trials:report_pdf", args=[running.pk])).status_code == 403


def test_a_count_hidden_to_protect_another_is_not_called_small() -> None:
    """Regression: 10 hidden only to protect the 3 beside it read "fewer than 10"."""
    from seedbed.trials.selectors import SUPPRESSED_SECONDARY, _protected

    assert _protected([10, 3]) == [SUPPRESSED_SECONDARY, SUPPRESSED, 13]
    assert reports._protected_n([10, 3]) == [SUPPRESSED_SECONDARY, SUPPRESSED]


def test_the_consort_diagram_fits_a_secondary_suppression_and_the_table_says_it_in_full() -> None:
    from types import SimpleNamespace

    from seedbed.trials.selectors import SUPPRESSED_SECONDARY, consort_svg

    consort = {"assessed": 40, "randomised": 13, "unit": "people", "arms": [
        {"arm": "control", "allocated": 10, "followed_up": 10, "analysed": 10},
        {"arm": "intervention", "allocated": 3, "followed_up": 3, "analysed": 3}]}
    svg = consort_svg(SimpleNamespace(consort=consort))  # type: ignore[arg-type]
    control = [b for b in svg["boxes"] if b["cx"] == svg["arm_centres"][0]]
    assert {b["value"] for b in control} == {SUPPRESSED_SECONDARY}
    assert {b["short"] for b in control} == {"suppressed"}
    assert svg["flow"]["arms"][1]["allocated"] == SUPPRESSED
