"""Outcome upload: a Windows-1252 file is named by row and column, and reads once its
encoding is chosen on the form."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from seedbed.trials.forms import UPLOAD_ENCODINGS
from seedbed.trials.models import Allocation, OutcomeDataset, Trial
from seedbed.trials.services.protocols import trial_close

pytestmark = pytest.mark.django_db


def test_windows_1252_upload_names_the_row_then_reads_with_the_encoding(demo_world,
                                                                       client_as) -> None:
    trial = Trial.objects.get(title="Weekly family-support calls")
    trial = trial_close(actor=demo_world["users"]["lead"], trial=trial)
    enrolled = Allocation.objects.filter(trial=trial).exclude(unit_ref="").order_by("id")
    text = "unit,arm,outcome,stratum,deprivation\n" + "".join(
        f"{a.unit_ref},{a.arm},{50 + i},{a.stratum},{'défavorisé' if i == 3 else 'low'}\n"
        for i, a in enumerate(enrolled)
    )
    content = text.encode("cp1252")
    url = reverse("trials:data", args=[trial.pk])
    analyst = client_as("analyst")
    form = analyst.get(url).content.decode()
    assert 'name="encoding"' in form and all(value in form for value, _ in UPLOAD_ENCODINGS)

    plain = analyst.post(url, {"file": SimpleUploadedFile("o.csv", content)})
    page = plain.content.decode()
    assert plain.status_code == 200 and "There is a problem" in page
    assert "row 5" in page and "deprivation" in page and "cp1252" in page
    assert not OutcomeDataset.objects.filter(trial=trial).exists()

    chosen = analyst.post(url, {"file": SimpleUploadedFile("o.csv", content),
                                "encoding": "cp1252"})
    assert chosen.status_code == 302
    assert OutcomeDataset.objects.get(trial=trial).rows == enrolled.count()


def test_unknown_encoding_choice_is_refused_on_the_field(demo_world, client_as) -> None:
    trial = Trial.objects.get(title="Weekly family-support calls")
    response = client_as("analyst").post(
        reverse("trials:data", args=[trial.pk]),
        {"file": SimpleUploadedFile("o.csv", b"unit,arm\n"), "encoding": "klingon"})
    assert response.status_code == 200
    assert "Choose one of the listed encodings" in response.content.decode()
