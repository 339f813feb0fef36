"""Every form that takes a file, fed hostile files, as a persona allowed to use it.

The upload forms are found by reading every page in the access table (a new upload form is
covered without a list). Each hostile file (the far-cell and zip-bomb spreadsheets, XXE and
billion-laughs XML, a formula without a saved value, wrong extensions, empty, binary posing
as CSV, over the size limit) must get a clear refusal (4xx, or the form back with its error
summary), change nothing already stored (tables and files), leak nothing it tried to read,
and leave the server answering.
"""

from __future__ import annotations

import io
import time
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from tests.core.access_table import ACCESS_TABLE, expected_status
from tests.malicious_files import far_cell_bomb, formula_cell, table_rows, text_cell, xlsx_bytes
from tests.security.conftest import Unchanged, clear_caches
from tests.security.forms_found import PERSONAS, PageForm, page_forms

HEADER = ["unit", "arm", "outcome"]
LIMIT_MB = 1  # the upload limit while the walk runs, so "over the limit" stays small


def _zip_bomb() -> bytes:
    """A valid .xlsx whose sheet inflates from about 100 KB to 100 MB (blank padding)."""
    buffer = io.BytesIO(xlsx_bytes(table_rows([HEADER, ["U1", "a", 1.0]])))
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.endswith("sheet1.xml"):
                with bomb.open(item.filename, "w") as sheet:
                    head, tail = data.split(b"<sheetData>")
                    sheet.write(head + b"<sheetData>")
                    chunk = b" " * (1024 * 1024)
                    for _ in range(100):
                        sheet.write(chunk)
                    sheet.write(tail)
            else:
                bomb.writestr(item, data)
    return out.getvalue()


def _xml_attack(doctype: str, cell_text: str) -> bytes:
    """An .xlsx whose sheet XML carries ``doctype`` and a cell holding ``cell_text``."""
    raw = xlsx_bytes(table_rows([HEADER]) + '<row r="2"><c r="A2" t="inlineStr"><is><t>CELL</t></is></c></row>')
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as evil:
        for item in source.infolist():
            data = source.read(item).decode()
            if item.filename.endswith("sheet1.xml"):
                data = data.replace("?>", "?>" + doctype, 1).replace(">CELL<", f">{cell_text}<")
            evil.writestr(item, data)
    return out.getvalue()


XXE = _xml_attack('<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;")
LAUGHS = _xml_attack(
    "<!DOCTYPE w [<!ENTITY a \"lol\">" + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)) + "]>",
    "&j;",
)
SECRETS = ("root:x:0:0", "lollollollollollollollollol")

# name -> (file name, bytes)
HOSTILE: dict[str, tuple[str, bytes]] = {
    "far-cell spreadsheet": ("outcomes.xlsx", far_cell_bomb(HEADER)),
    "formula without a saved value": ("outcomes.xlsx", xlsx_bytes(
        table_rows([HEADER]) + '<row r="2">' + text_cell("A2", "U1") + text_cell("B2", "a")
        + formula_cell("C2", "1+1") + "</row>")),
    "image named .csv": ("outcomes.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8),
    "program named .pdf": ("report.pdf", b"MZ\x90\x00" + bytes(range(256)) * 8),
    "empty file": ("outcomes.csv", b""),
    "binary posing as CSV": ("outcomes.csv", bytes((i * 37 + 11) % 256 for i in range(4096))),
    "over the limit (form)": ("outcomes.csv", b"unit,arm,outcome\n" + b"U1,a,1\n" * (LIMIT_MB * 1024 * 1024 // 7 + 9000)),
    "over the limit (request)": ("outcomes.csv", b"unit,arm,outcome\n" + b"U1,a,1\n" * (3 * LIMIT_MB * 1024 * 1024 // 7)),
}
# Each spreadsheet is parsed in a child process (a few seconds each on a busy machine): the
# rest of the spreadsheet corpus runs in the slow suite.
HOSTILE_SLOW: dict[str, tuple[str, bytes]] = {
    "zip bomb": ("outcomes.xlsx", _zip_bomb()),
    "XXE": ("outcomes.xlsx", XXE),
    "billion laughs": ("outcomes.xlsx", LAUGHS),
    "CSV named .xlsx": ("outcomes.xlsx", b"unit,arm,outcome\nU1,a,1\n"),
}
# Odd but honest files: any clear answer will do (no server error), and the server answers.
ODD: dict[str, tuple[str, bytes]] = {
    "CSV with a byte-order mark": ("outcomes.csv", "\ufeffunit,arm,outcome\nU1,a,1\n".encode()),
    "CSV in Windows-1252": ("outcomes.csv", "unit,arm,outcome\nZoë,a,1\n".encode("cp1252")),
}


def _upload_forms(world: dict[str, Any], signed_in: Any) -> list[PageForm]:
    return [t for t in page_forms(world, signed_in) if t.form.file_fields]


def _refused(response: Any) -> bool:
    if 400 <= response.status_code < 500:
        return True
    return response.status_code == 200 and "govuk-error-summary" in response.content.decode(errors="replace")


@pytest.fixture
def small_limit(settings):  # type: ignore[no-untyped-def]
    settings.SEEDBED_UPLOAD_MAX_MB = LIMIT_MB


def _post(client: Any, target: PageForm, filename: str, content: bytes) -> Any:
    clear_caches()
    data = target.form.data({})
    for name in target.form.file_fields:
        data[name] = SimpleUploadedFile(filename, content)
    return client.post(target.url, data=data)


@pytest.mark.parametrize("corpus", [
    pytest.param(HOSTILE, id="fast"), pytest.param(HOSTILE_SLOW, id="spreadsheets", marks=pytest.mark.slow)])
def test_every_upload_refuses_hostile_files(corpus, world, signed_in, small_limit) -> None:  # type: ignore[no-untyped-def]
    targets = _upload_forms(world, signed_in)
    assert {t.page for t in targets} >= {"trials:data", "library:attachment_add"}, targets
    failures = []
    for target in targets:
        client = signed_in(target.role)
        unchanged = Unchanged()
        for label, (filename, content) in corpus.items():
            started = time.monotonic()
            response = _post(client, target, filename, content)
            took = time.monotonic() - started
            where = f"{label} to {target.url} ({target.page}) as {target.role}"
            page = response.content.decode(errors="replace")
            if not _refused(response):
                failures.append(f"{where}: not refused ({response.status_code})")
            if changed := unchanged.changes():
                failures.append(f"{where}: changed {changed}")
                unchanged.reset()
            if leaked := [s for s in SECRETS if s in page]:
                failures.append(f"{where}: the answer shows {leaked}")
            if took > 30:
                failures.append(f"{where}: took {took:.0f} s")
            if client.get(reverse("healthz")).status_code != 200:
                failures.append(f"{where}: the server stopped answering")
        for label, (filename, content) in ODD.items() if corpus is HOSTILE else ():
            sid = transaction.savepoint()
            try:
                response = _post(client, target, filename, content)
            finally:
                transaction.savepoint_rollback(sid)
            if response.status_code >= 500:
                failures.append(f"{label} to {target.url}: {response.status_code}")
            unchanged.after_rollback()
    assert not failures, "\n".join(failures)


def test_uploads_by_personas_not_allowed_change_nothing(world, signed_in, small_limit) -> None:  # type: ignore[no-untyped-def]
    """A good file sent to every upload form by every persona not allowed to open it."""
    targets = _upload_forms(world, signed_in)
    failures = []
    for target in targets:
        page_rule = ACCESS_TABLE[target.page][0]
        for role in PERSONAS:
            if expected_status(page_rule, role) == 200:
                continue
            client = signed_in(role)
            unchanged = Unchanged()
            response = _post(client, target, "outcomes.csv", b"unit,arm,outcome\nU1,a,1\n")
            signed_out = role == "anonymous" and response.status_code == 302 and "/sign-in/" in response["Location"]
            if response.status_code not in (403, 404) and not signed_out:
                failures.append(f"{target.url} as {role}: {response.status_code}")
            if changed := unchanged.changes():
                failures.append(f"{target.url} as {role}: changed {changed}")
    assert not failures, "\n".join(failures)
