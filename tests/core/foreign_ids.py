"""Ids from elsewhere: the actions the foreign-id walk sends, and how it tells what changed.

Every action is found without a list to keep up to date: the POST forms on every page of the
access table (read as one persona allowed to open the page) and the one-click actions in
``tests/security/post_rules.py``. Each is then sent by that persona, allowed to use it, with
one id replaced: in the URL (a record that does not exist, a number too large for any
column, and for nested URLs a record of another parent) and in each form field that carries
an id (another record of the same kind the page did not offer, one that does not exist, and
malformed values). Which model an id names comes from ``ID_MODELS`` and ``FIELD_MODELS`` in
``tests/core/access_table.py`` (merged from ``tests/<app>/access_rules.py``).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.apps import apps
from django.contrib import messages
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection, models, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from tests.core.access_table import ACCESS_TABLE, FIELD_MODELS, ID_MODELS, expected_status
from tests.security.conftest import clear_caches
from tests.security.forms_found import forms_in
from tests.security.post_rules import API_BODIES, POST_RULES

MISSING_ID = 2_000_000_000  # no demo record has it, and it fits every integer column
TOO_LARGE = "99999999999999999999"  # past a 64-bit column
MALFORMED = ("abc", "", "-1", TOO_LARGE)
# The persona each page is read as: the first allowed to open it (the acting roles first).
PREFERRED = ("lead", "frontline", "safety", "panel", "analyst", "provider", "resident", "admin", "anonymous")
# Forms the walk does not send: signing out ends the session the walk runs in.
SKIPPED = frozenset({"accounts:logout"})
# Tables any request may write: sessions, sign-in attempt records, database caches.
VOLATILE = ("django_session", "axes_", "seedbed_cache")
_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+["`]?(\w+)', re.IGNORECASE)


@dataclass(frozen=True)
class Action:
    name: str  # the URL name
    role: str  # a persona allowed to use it
    kwargs: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)  # what the page's form sends unchanged
    offered: dict[str, list[str]] = field(default_factory=dict)  # picked fields -> offered values
    is_api: bool = False

    @property
    def namespace(self) -> str:
        return self.name.split(":")[0]


_found: dict[str, list[Action]] = {}


def actions(world: dict[str, Any], client_as: Any) -> list[Action]:
    """Every form on every page and every one-click action, each with a persona allowed to
    use it. Read once per database vendor: the demo world has the same ids in every test."""
    if connection.vendor in _found:
        return _found[connection.vendor]
    clients: dict[str, Client] = {}
    found: list[Action] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for page, (audience, kwargs_for) in sorted(ACCESS_TABLE.items()):
        if page.startswith(("admin:", "api")):
            continue
        role = next((r for r in PREFERRED if expected_status(audience, r) == 200), None)
        if role is None:
            continue
        client = clients.setdefault(role, client_as(role))
        response = client.get(reverse(page, kwargs=kwargs_for(world)))
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for form in forms_in(response.content.decode()):
            match = resolve(urlsplit(form.action or response.request["PATH_INFO"]).path)
            key = (match.view_name, tuple(sorted(form.fields)))
            if match.view_name in SKIPPED or key in seen:
                continue
            seen.add(key)
            data = {name: values if len(values) > 1 else values[0] for name, values in form.fields.items()}
            found.append(Action(match.view_name, role, dict(match.kwargs), data, form.offered))
    reached = {action.name for action in found}
    for name, (allowed, kwargs_for) in sorted(POST_RULES.items()):
        if name in reached or name in SKIPPED:
            continue
        role = next(r for r in PREFERRED if r in allowed)
        is_api = name.startswith("api:")
        data = API_BODIES[name](world) if name in API_BODIES else {}
        found.append(Action(name, role, kwargs_for(world), data, is_api=is_api))
    _found[connection.vendor] = found
    return found


def _model(namespace: str, name: str, table: dict[str, dict[str, str]]) -> type[models.Model] | None:
    label = table.get(namespace, {}).get(name.rsplit("-", 1)[-1])
    return apps.get_model(label) if label else None


def url_model(action: Action, kwarg: str) -> type[models.Model] | None:
    return _model(action.namespace, kwarg, ID_MODELS)


def field_model(action: Action, name: str) -> type[models.Model] | None:
    return _model(action.namespace, name, FIELD_MODELS)


def _path_to(child: type[models.Model], parent: type[models.Model], depth: int = 3) -> str | None:
    """The lookup from ``child`` to ``parent`` through foreign keys (``application__call``)."""
    if depth == 0:
        return None
    for relation in child._meta.get_fields():
        if not (relation.many_to_one or relation.one_to_one) or not relation.concrete:
            continue
        target = relation.related_model
        if target is parent:
            return relation.name
        if isinstance(target, type) and (deeper := _path_to(target, parent, depth - 1)):
            return f"{relation.name}__{deeper}"
    return None


def foreign_url_ids(action: Action) -> list[tuple[str, dict[str, Any]]]:
    """For a nested URL (``calls/<call>/reviews/<review>/``): the child of another parent, and
    another parent with this child. Empty when the demo has no such record."""
    names = list(action.kwargs)
    if len(names) < 2:
        return []
    parent_name, found = names[0], []
    parent = url_model(action, parent_name)
    if parent is None:
        return []
    parent_id = action.kwargs[parent_name]
    other_parent = parent._default_manager.exclude(pk=parent_id).order_by("pk").values_list("pk", flat=True).first()
    if other_parent is not None:
        found.append((f"{parent_name} of another {parent.__name__}", {**action.kwargs, parent_name: other_parent}))
    for name in names[1:]:
        child = url_model(action, name)
        path = _path_to(child, parent) if child else None
        if child is None or path is None:
            continue
        other = (child._default_manager.exclude(**{path: parent_id}).order_by("pk")
                 .values_list("pk", flat=True).first())
        if other is not None:
            found.append((f"{name} of another {parent.__name__}", {**action.kwargs, name: other}))
    return found


def foreign_field_id(action: Action, name: str) -> int | None:
    """A record of the kind the field names that is not this one's to pick: one of another
    parent (when the record hangs under the URL's first id), else one the page did not offer."""
    model = field_model(action, name)
    if model is None:
        return None
    records = model._default_manager.order_by("pk")
    parent_name = next(iter(action.kwargs), None)
    parent = url_model(action, parent_name) if parent_name else None
    path = _path_to(model, parent) if parent is not None else None
    if path is not None:
        records = records.exclude(**{path: action.kwargs[parent_name]})
    else:
        records = records.exclude(pk__in=[int(v) for v in action.offered.get(name, []) if v.isdigit()])
    return records.values_list("pk", flat=True).first()


def id_fields(action: Action) -> list[str]:
    """The fields that carry an id: in a form, those picked (hidden, select, radio, checkbox)
    with a number among the values offered, or naming a model; in an API body, those naming
    a model."""
    if action.is_api:
        return sorted(name for name in action.data if field_model(action, name) is not None)
    return sorted(
        name for name, values in action.offered.items()
        if any(v.isdigit() for v in values) or field_model(action, name) is not None
    )


def _digests(tables: set[str]) -> dict[str, str]:
    quote = connection.ops.quote_name
    found = {}
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(f"SELECT * FROM {quote(table)}")
            rows = sorted(repr(row) for row in cursor.fetchall())
            found[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return found


@dataclass
class Sent:
    status: int | str  # the status, or the exception a view raised
    changed: list[str]
    problem_shown: bool = False  # an error on the page or in a message for the next one

    @property
    def answered(self) -> bool:
        """Refused (403, 404), or told what was wrong: an API problem (400, 422), a form
        error on the page (200) or an error message after a redirect (302)."""
        if self.status in (400, 403, 404, 422):
            return True
        return self.status in (200, 302) and self.problem_shown


def _problem_shown(response: Any) -> bool:
    if any(m.level >= messages.ERROR for m in get_messages(response.wsgi_request)):
        return True
    return response.status_code == 200 and b"govuk-error" in response.content


def send(client: Client, action: Action, kwargs: dict[str, Any], data: dict[str, Any]) -> Sent:
    """Send the action inside a savepoint that is rolled back, and say what it changed: rows
    of tables it wrote to (compared before and after) and emails sent."""
    clear_caches()
    url = reverse(action.name, kwargs=kwargs)
    emails = len(mail.outbox)
    savepoint = transaction.savepoint()
    status: int | str
    shown = False
    try:
        with CaptureQueriesContext(connection) as queries:
            try:
                if action.is_api:
                    response = client.post(url, data=json.dumps(data), content_type="application/json")
                else:
                    response = client.post(url, data=data)
                status, shown = response.status_code, _problem_shown(response)
            except Exception as error:  # a server error is what the walk reports
                status = f"{type(error).__name__}: {error}"
        written = {m.group(1) for q in queries.captured_queries if (m := _WRITE.match(q["sql"]))}
        written = {t for t in written if not t.startswith(VOLATILE)}
        try:
            after = _digests(written)
        except Exception:  # a transaction the error left unusable
            after = {}
    finally:
        transaction.savepoint_rollback(savepoint)
    changed = [f"table {t} changed" for t, digest in _digests(set(after)).items() if digest != after[t]]
    if written and not after:
        changed.append(f"wrote to {sorted(written)} before failing")
    if len(mail.outbox) != emails:
        changed.append(f"{len(mail.outbox) - emails} email(s) sent")
        del mail.outbox[emails:]
    return Sent(status, changed, shown)
