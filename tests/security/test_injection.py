"""Hostile text in every text field of every form, API body and stored record.

Three walks, none with a list of fields to keep up to date:

1. every form on every page in the access table, found by reading the page as each persona
   allowed to open it, is sent with the injection corpus in all its text fields (inside a
   savepoint that is rolled back);
2. every API action with a text field in its body gets the same;
3. every free-text column of every model is overwritten with markup and a template
   expression, and every page is read as several personas.

Each answer must be a clear answer (no server error), show the text escaped (no live
``<script>`` or ``onerror=``) and never evaluated (``{{7*7}}`` never becomes 49); text that
is saved is saved as typed; a NUL byte is refused and changes nothing.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from tests.core.access_table import ACCESS_TABLE, expected_status
from tests.security.conftest import Unchanged, clear_caches
from tests.security.forms_found import PERSONAS, PageForm, page_forms
from tests.security.post_rules import API_BODIES, POST_RULES, ROLES
from tests.security.seeding import seed_free_text

# One string carrying markup, an attribute break-out, SQL and template syntax.
MARKUP = "SBX\"><script>alert(1)</script><img src=x onerror=alert(2)>' OR 1=1 -- SBX{{7*7}}SBX {% debug %}"
FORMULAS = ('=HYPERLINK("https://evil.example/?x","Click")', "+1+1", "-1+1", "@SUM(A1:A2)",
            "\t=1+1", "\r=1+1", "'; DROP TABLE accounts_user; --")
UNICODE = ("\u202egnp.exe", "p\u0430ypal", "\uff53\uff43\uff52\uff49\uff50\uff54", "a\u200bb", "\U0001f600 Zoë")
LONG = "A" * 100_000
NUL = "before\x00after"

# What must never reach a page: live markup, an evaluated expression, the debug tag's output.
LIVE = ("<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "SBX49SBX", "'True': True")
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
EVALUATED = re.compile(r"SBX\s*49\s*SBX")

# Forms sent elsewhere in the suite or that end the session.
SKIP_ACTIONS = ("/sign-out/",)


def _live_in(html: str) -> list[str]:
    found = [marker for marker in LIVE if marker in html]
    if EVALUATED.search(html):
        found.append("an evaluated {{7*7}}")
    return found


def _page_forms(world: dict[str, Any], signed_in: Any) -> list[PageForm]:
    return [t for t in page_forms(world, signed_in)
            if t.form.text_fields and not t.url.startswith(SKIP_ACTIONS)]


def _stored_values(marker: str) -> list[str]:
    """Every stored text value containing ``marker``, from every table."""
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                values += [v for v in row if isinstance(v, str) and marker in v]
    return values


def _send(client: Client, target: PageForm, text: dict[str, str]) -> Any:
    """Send the form as a browser would: URL-encoded, or multipart when it takes a file."""
    clear_caches()
    data = target.form.data(text)
    if target.form.has_file:
        return client.post(target.url, data=data, follow=True)
    return client.post(target.url, data=urlencode(data, doseq=True),
                       content_type="application/x-www-form-urlencoded", follow=True)


def test_injection_corpus_in_every_form(world, signed_in) -> None:  # type: ignore[no-untyped-def]
    targets = _page_forms(world, signed_in)
    assert len(targets) >= 25, f"found only {len(targets)} forms with text fields: is the walk reading pages?"
    clients = {role: signed_in(role) for role in PERSONAS}
    failures: list[str] = []
    saved_forms = 0
    for target in targets:
        client, fields = clients[target.role], target.form.text_fields
        where = f"{target.page} form to {target.url} as {target.role}"
        rounds = {
            "markup": dict.fromkeys(fields, MARKUP),
            "formulas": {f: FORMULAS[i % len(FORMULAS)] for i, f in enumerate(fields)},
            "unicode": {f: UNICODE[i % len(UNICODE)] for i, f in enumerate(fields)},
            "long": dict.fromkeys(fields, LONG),
        }
        for label, text in rounds.items():
            cookies = client.cookies.__class__(client.cookies)
            sid = transaction.savepoint()
            try:
                response = _send(client, target, text)
                if response.status_code >= 500:
                    failures.append(f"{where}: {label} text gave {response.status_code}")
                    continue
                html = response.content.decode(errors="replace")
                if live := _live_in(html):
                    failures.append(f"{where}: {label} text shown live: {live}")
                if label == "markup" and response.redirect_chain:
                    stored = _stored_values("SBX{{7*7}}SBX")
                    if stored:
                        saved_forms += 1
                        if not any(MARKUP in value or value in MARKUP for value in stored):
                            failures.append(f"{where}: saved, but not as typed: {stored[:2]!r}")
            finally:
                transaction.savepoint_rollback(sid)
                client.cookies = cookies
        # A NUL byte is refused (before any view runs, unless the form takes a file: then the
        # form refuses it), and nothing changes.
        unchanged = Unchanged()
        response = _send(client, target, dict.fromkeys(fields, NUL))
        changed = unchanged.changes()
        if changed or response.status_code >= 500 or (
                response.status_code != 400 and not target.form.has_file):
            failures.append(f"{where}: a NUL byte gave {response.status_code}, changed {changed}")
    assert not failures, "\n".join(failures)
    assert saved_forms >= 10, f"only {saved_forms} forms saved the markup: are the forms filled in right?"


def _api_text_fields() -> dict[str, list[str]]:
    """API actions and the text fields of their JSON bodies, read from the API itself."""
    from seedbed.api.api import api

    found: dict[str, list[str]] = {}
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                if not set(operation.methods) - {"GET"}:
                    continue
                for model in operation.models:
                    schema = model.model_json_schema()
                    if schema.get("title") != "BodyParams":
                        continue
                    props = schema.get("properties", {})
                    body = next(iter(props.values()), {}) if len(props) == 1 else None
                    ref = (body or {}).get("$ref", "")
                    if ref:
                        props = schema.get("$defs", {}).get(ref.split("/")[-1], {}).get("properties", {})
                    texts = [n for n, p in props.items() if p.get("type") == "string" and "format" not in p]
                    if texts:
                        found.setdefault(f"api:{path_view.url_name}", []).extend(texts)
    return found


def test_injection_corpus_in_every_api_body(world, signed_in) -> None:  # type: ignore[no-untyped-def]
    actions = _api_text_fields()
    assert actions, "no API action with a text field found: is the API read right?"
    failures = []
    for name, fields in sorted(actions.items()):
        assert name in POST_RULES, f"{name}: no rule in tests/security/post_rules.py"
        allowed, kwargs = POST_RULES[name]
        role = sorted(allowed)[0]
        client = signed_in(role)
        url = reverse(name, kwargs=kwargs(world))
        base = API_BODIES[name](world) if name in API_BODIES else {}
        for label, value in (("markup", MARKUP), ("formula", FORMULAS[0]), ("unicode", UNICODE[0]),
                             ("long", LONG), ("nul", NUL)):
            for field_name in fields:
                sid = transaction.savepoint()
                try:
                    clear_caches()
                    response = client.post(url, data=json.dumps({**base, field_name: value}),
                                           content_type="application/json")
                    if response.status_code >= 500 or "json" not in response.get("Content-Type", ""):
                        failures.append(f"{name}.{field_name} {label}: {response.status_code}")
                    elif label == "nul" and response.status_code != 400:
                        failures.append(f"{name}.{field_name}: a NUL byte gave {response.status_code}")
                    elif response.status_code in (200, 201) and label == "markup":
                        if MARKUP not in _stored_values("SBX{{7*7}}SBX"):
                            failures.append(f"{name}.{field_name}: accepted but not stored as sent")
                    elif response.status_code == 422:
                        problems = response.json().get("problems", {})
                        if not problems:
                            failures.append(f"{name}.{field_name} {label}: refused without naming a field")
                finally:
                    transaction.savepoint_rollback(sid)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("roles", [("anonymous", "resident", "provider"), ("lead", "admin", "analyst"),
                                   ("frontline", "panel", "safety")])
def test_stored_markup_is_shown_escaped_on_every_page(roles, world, signed_in) -> None:  # type: ignore[no-untyped-def]
    # The walk's URLs are found by title, so they are worked out before titles change.
    urls = {name: reverse(name, kwargs=kwargs(world)) for name, (_a, kwargs) in ACCESS_TABLE.items()}
    written = seed_free_text(lambda i: MARKUP)
    assert written >= 40, f"markup written into only {written} columns"
    failures = []
    pages = shown = 0
    for role in roles:
        client = signed_in(role)
        for name, (audience, _kwargs) in sorted(ACCESS_TABLE.items()):
            if expected_status(audience, role) != 200:
                continue
            response = client.get(urls[name])
            if response.status_code >= 500:
                failures.append(f"{name} as {role}: {response.status_code}")
                continue
            body = b"".join(response.streaming_content) if response.streaming else response.content
            text = body.decode(errors="replace")
            pages += 1
            shown += ESCAPED in text
            if "html" in response.get("Content-Type", "") and (live := _live_in(text)):
                failures.append(f"{name} as {role}: stored text shown live: {live}")
    assert pages > 60
    assert shown > 20, f"the stored markup was shown (escaped) on only {shown} pages"
    assert not failures, "\n".join(failures)


assert set(PERSONAS) == set(ROLES)
