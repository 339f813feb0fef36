"""Writing cases through the pages: external evidence, publishing, overrides, attachments."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from seedbed.library.models import Attachment, Case

pytestmark = pytest.mark.django_db


def _mentors() -> Case:
    return Case.objects.get(title__startswith="Attendance mentors")


def test_import_external_evidence_then_publish(client_as) -> None:
    client = client_as("analyst")
    url = reverse("library:case_create")
    bad = client.post(url, {"title": "Reading buddies", "summary": "", "design": "rct", "year": "20x",
                            "effect": "2", "ci_low": "3", "ci_high": "4", "higher_is_better": "yes",
                            "independent_replications": "0"})
    html = bad.content.decode()
    assert bad.status_code == 200 and "There is a problem" in html and 'value="Reading buddies"' in html
    ok = client.post(url, {
        "title": "Reading buddies", "summary": "Older pupils read with younger ones.",
        "problem": "Low reading ages.", "what_was_done": "Weekly paired reading.", "design": "rct",
        "year": "2023", "effect": "2", "ci_low": "0.5", "ci_high": "3.5", "higher_is_better": "yes",
        "independent_replications": "0", "external_url": "https://example.org/reading"})
    case = Case.objects.get(title="Reading buddies")
    assert ok.status_code == 302 and case.status == "draft" and case.evidence_level == 3
    assert client_as("anonymous").get(reverse("library:case_detail", args=[case.pk])).status_code == 302
    assert client.post(reverse("library:case_publish", args=[case.pk])).status_code == 302
    assert client_as("anonymous").get(reverse("library:case_detail", args=[case.pk])).status_code == 200
    assert client_as("resident").post(reverse("library:case_publish", args=[case.pk])).status_code == 403


def test_override_through_the_page_shows_the_reason(client_as) -> None:
    client = client_as("lead")
    case = _mentors()
    url = reverse("library:case_override", args=[case.pk])
    assert "Give the reason" in client.post(url, {"level": "2", "reason": ""}).content.decode()
    assert client.post(url, {"level": "2", "reason": "A third of pupils left the study"}).status_code == 302
    page = client_as("anonymous").get(reverse("library:case_detail", args=[case.pk])).content.decode()
    assert "A third of pupils left the study" in page and "Evidence level 2" in page


@pytest.mark.parametrize(("name", "content", "message"), [
    ("report.exe", b"MZ\x90\x00", "Upload a PDF"),
    ("report.pdf", b"not really a pdf", "do not match a PDF"),
    ("data.csv", b"\xff\xfe\x00bad", "do not match a text"),
    ("notes.txt", b"", "empty"),
])
def test_malformed_attachments_are_refused(client_as, name, content, message) -> None:  # type: ignore[no-untyped-def]
    url = reverse("library:attachment_add", args=[_mentors().pk])
    response = client_as("analyst").post(url, {"title": "Report", "file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200 and message in response.content.decode()
    assert not Attachment.objects.exists()


def test_attachment_is_downloadable_by_whoever_sees_the_case(client_as) -> None:
    url = reverse("library:attachment_add", args=[_mentors().pk])
    pdf = SimpleUploadedFile("final report.pdf", b"%PDF-1.4\n%demo\n")
    assert client_as("analyst").post(url, {"title": "Final report", "file": pdf}).status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.filename == "finalreport.pdf"
    response = client_as("anonymous").get(reverse("library:attachment_download", args=[attachment.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
