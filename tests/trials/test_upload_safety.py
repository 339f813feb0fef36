"""Outcome uploads under attack, through HTTP as the analyst: the far-cell XLSX, files over the
size limit and formula cells without saved values leave the server answering, give a clear
message, and change nothing already stored."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from seedbed.core.uploads import ERROR_REQUEST_TOO_LARGE, ERROR_UPLOAD_TOO_LARGE
from seedbed.data.sandbox import ENV_MAX_CELLS, ENV_MEMORY_MB
from seedbed.trials.models import Allocation, OutcomeDataset, Trial
from seedbed.trials.services.protocols import trial_close
from seedbed.trials.services.results import outcome_upload
from tests.malicious_files import far_cell_bomb, formula_cell, table_rows, text_cell, xlsx_bytes

pytestmark = pytest.mark.django_db

RUNNING = "Weekly family-support calls"
HEADER = ["unit", "arm", "outcome", "stratum", "deprivation"]


def _good_csv(trial: Trial) -> bytes:
    return ("unit,arm,outcome,stratum,deprivation\n" + "".join(
        f"{a.unit_ref},{a.arm},{50 + i},{a.stratum},low\n"
        for i, a in enumerate(Allocation.objects.filter(trial=trial).exclude(unit_ref=""))
    )).encode()


@pytest.fixture
def stored(demo_world, client_as):  # type: ignore[no-untyped-def]
    """A closed trial with one accepted outcome file, and the analyst's client."""
    trial = trial_close(actor=demo_world["users"]["lead"], trial=Trial.objects.get(title=RUNNING))
    analyst = client_as("analyst")
    url = reverse("trials:data", args=[trial.pk])
    assert analyst.post(url, {"file": SimpleUploadedFile("o.csv", _good_csv(trial))}
                        ).status_code == 302
    return trial, analyst, url


def _snapshot(trial: Trial) -> list[tuple[int, int, bytes]]:
    return [(d.pk, d.rows, bytes(d.parquet)) for d in OutcomeDataset.objects.filter(trial=trial)]


def _still_answering(client, trial: Trial) -> None:  # type: ignore[no-untyped-def]
    assert client.get(reverse("trials:manage", args=[trial.pk])).status_code == 200


def test_far_cell_xlsx_is_refused_and_the_server_keeps_answering(stored, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    trial, analyst, url = stored
    monkeypatch.delenv(ENV_MAX_CELLS, raising=False)
    before = _snapshot(trial)
    response = analyst.post(url, {"file": SimpleUploadedFile("o.xlsx", far_cell_bomb(HEADER))})
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page
    assert "Sheet1" in page and "XFD1048576" in page and "20,000,000 cells" in page
    assert _snapshot(trial) == before
    _still_answering(analyst, trial)


def test_reader_out_of_memory_is_a_message_not_an_outage(stored, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Size check off: the reader's 512 GiB request hits the child's memory cap instead."""
    trial, analyst, url = stored
    monkeypatch.setenv(ENV_MAX_CELLS, str(10**12))
    monkeypatch.setenv(ENV_MEMORY_MB, "1024")
    before = _snapshot(trial)
    response = analyst.post(url, {"file": SimpleUploadedFile("o.xlsx", far_cell_bomb(HEADER))})
    page = response.content.decode()
    assert response.status_code == 200 and "more memory than allowed" in page
    assert _snapshot(trial) == before
    _still_answering(analyst, trial)


def test_file_over_the_limit_gets_a_message_naming_the_limit(stored, settings) -> None:  # type: ignore[no-untyped-def]
    trial, analyst, url = stored
    settings.SEEDBED_UPLOAD_MAX_MB = 1
    before = _snapshot(trial)
    big = _good_csv(trial) + b"\n" * (1024 * 1024)
    response = analyst.post(url, {"file": SimpleUploadedFile("o.csv", big)})
    page = response.content.decode()
    assert response.status_code == 200
    assert ERROR_UPLOAD_TOO_LARGE.format(size="1.0 MB", limit="1 MB") in page
    assert _snapshot(trial) == before


def test_body_far_over_the_limit_is_refused_before_it_is_read(stored, settings) -> None:  # type: ignore[no-untyped-def]
    trial, analyst, url = stored
    settings.SEEDBED_UPLOAD_MAX_MB = 1
    before = _snapshot(trial)
    response = analyst.post(url, {"file": SimpleUploadedFile("o.csv", b"x" * (3 * 1024 * 1024))})
    assert response.status_code == 413
    assert ERROR_REQUEST_TOO_LARGE.format(limit="1 MB") in response.content.decode()
    assert _snapshot(trial) == before
    _still_answering(analyst, trial)


def test_service_applies_the_limit_to_chunks_from_any_caller(stored, settings, demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.core.errors import ValidationProblem

    trial, _, _ = stored
    settings.SEEDBED_UPLOAD_MAX_MB = 1
    before = _snapshot(trial)
    chunks = (b"y" * (256 * 1024) for _ in range(6))
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_UPLOAD_TOO_LARGE.format(size="1.5 MB", limit="1 MB"))) as exc:
        outcome_upload(actor=demo_world["users"]["analyst"], trial=trial, filename="o.csv",
                       content=chunks)
    assert exc.value.problems["file"] == ERROR_UPLOAD_TOO_LARGE.format(size="1.5 MB", limit="1 MB")
    assert _snapshot(trial) == before


def test_formula_cell_without_saved_value_is_named(stored) -> None:  # type: ignore[no-untyped-def]
    trial, analyst, url = stored
    units = list(Allocation.objects.filter(trial=trial).exclude(unit_ref="").order_by("id"))
    rows = [HEADER] + [[a.unit_ref, a.arm, 50.0, a.stratum, "low"] for a in units[:5]]
    sheet = table_rows(rows)
    a = units[5]
    sheet += ('<row r="7">' + text_cell("A7", a.unit_ref) + text_cell("B7", a.arm)
              + formula_cell("C7", "AVERAGE(C2:C6)") + text_cell("D7", a.stratum)
              + text_cell("E7", "low") + "</row>")
    before = _snapshot(trial)
    response = analyst.post(url, {"file": SimpleUploadedFile("o.xlsx", xlsx_bytes(sheet))})
    page = response.content.decode().replace("&quot;", '"')
    assert response.status_code == 200
    assert ("Sheet1!C7 holds a formula with no saved value: open and save the file in Excel, "
            "or paste values") in page
    assert _snapshot(trial) == before
