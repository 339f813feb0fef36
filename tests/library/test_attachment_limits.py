"""Library attachments obey the one upload limit: a file over it is named on the form, and a
body far over it is refused before it is read; nothing is attached either way."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from seedbed.core.uploads import ERROR_REQUEST_TOO_LARGE, ERROR_UPLOAD_TOO_LARGE
from seedbed.library.models import Attachment, Case

pytestmark = pytest.mark.django_db


def _url() -> str:
    case = Case.objects.get(title__startswith="Attendance mentors")
    return reverse("library:attachment_add", args=[case.pk])


def test_attachment_over_the_upload_limit_is_named_on_the_form(client_as, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SEEDBED_UPLOAD_MAX_MB = 1
    pdf = SimpleUploadedFile("r.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 512 * 1024))
    response = client_as("analyst").post(_url(), {"title": "Report", "file": pdf})
    assert response.status_code == 200
    assert ERROR_UPLOAD_TOO_LARGE.format(size="1.5 MB", limit="1 MB") in response.content.decode()
    assert not Attachment.objects.exists()


def test_attachment_body_far_over_the_limit_is_refused_unread(client_as, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SEEDBED_UPLOAD_MAX_MB = 1
    pdf = SimpleUploadedFile("r.pdf", b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024))
    analyst = client_as("analyst")
    response = analyst.post(_url(), {"title": "Report", "file": pdf})
    assert response.status_code == 413
    assert ERROR_REQUEST_TOO_LARGE.format(limit="1 MB") in response.content.decode()
    assert not Attachment.objects.exists()
    assert analyst.get(_url()).status_code == 200
