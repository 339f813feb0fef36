"""Find the forms a page offers, as a browser would: parse the HTML, keep what it would send.

The injection walk reads every page in the access table as a persona allowed to open it and
fills every form it finds, so a new form or a new text field is covered without a list to
keep up to date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

# Inputs a person types free text into.
TEXT_TYPES = frozenset({"text", "search", "email", "url", "tel", ""})


@dataclass
class FoundForm:
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> values a browser sends
    text_fields: list[str] = field(default_factory=list)
    file_fields: list[str] = field(default_factory=list)
    # Fields a person picks rather than types (hidden inputs, selects, radios, checkboxes):
    # name -> every value the page offers.
    offered: dict[str, list[str]] = field(default_factory=dict)

    @property
    def has_file(self) -> bool:
        return bool(self.file_fields)

    def data(self, text: dict[str, str]) -> dict[str, Any]:
        """What a browser would send, with ``text`` typed into the named text fields."""
        out: dict[str, Any] = {name: list(values) for name, values in self.fields.items()}
        for name, value in text.items():
            out[name] = value
        return out


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[FoundForm] = []
        self._form: FoundForm | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self._form = FoundForm(action=a.get("action", ""))
            return
        form = self._form
        if form is None:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "").lower()
            if kind in ("hidden", "checkbox", "radio") and name != "csrfmiddlewaretoken":
                form.offered.setdefault(name, []).append(a.get("value", "on"))
            if kind == "file":
                form.file_fields.append(name)
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.fields.setdefault(name, []).append(a.get("value", "on"))
                elif kind == "radio" and name not in form.fields:
                    form.fields[name] = [a.get("value", "")]
                elif kind == "radio":
                    pass
            elif kind in ("submit", "button", "image", "reset"):
                pass
            else:
                form.fields[name] = [a.get("value", "")]
                if kind in TEXT_TYPES and name != "csrfmiddlewaretoken":
                    form.text_fields.append(name)
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
        elif tag == "option" and self._select:
            value = a.get("value", "")
            form.offered.setdefault(self._select, []).append(value)
            if self._select_first is None and value:
                self._select_first = value
            if "selected" in a:
                form.fields.setdefault(self._select, []).append(value)
                self._select_chosen = True

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        form = self._form
        if form is None:
            return
        if tag == "textarea" and self._textarea is not None:
            form.fields[self._textarea] = ["".join(self._text).lstrip("\n")]
            form.text_fields.append(self._textarea)
            self._textarea = None
        elif tag == "select" and self._select is not None:
            if not self._select_chosen and self._select_first is not None:
                form.fields[self._select] = [self._select_first]
            self._select = None
        elif tag == "form":
            self.forms.append(form)
            self._form = None


def forms_in(html: str) -> list[FoundForm]:
    """The POST forms in ``html``, each with what a browser would send unchanged."""
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


@dataclass(frozen=True)
class PageForm:
    page: str  # the URL name of the page the form is on
    role: str  # a persona allowed to open that page
    url: str  # where the form is sent
    form: FoundForm


PERSONAS = ("lead", "analyst", "admin", "frontline", "safety", "panel", "provider", "resident", "anonymous")
_found: list[PageForm] = []


def page_forms(world: dict[str, Any], signed_in: Callable[[str], Any]) -> list[PageForm]:
    """Every POST form on every page of the access table, read as each persona allowed to
    open the page (most specific first); a form (by where it goes and what it sends) is kept
    once. Read once per test run: the demo world is the same in every module."""
    from django.urls import reverse

    from tests.core.access_table import ACCESS_TABLE, expected_status

    if _found:
        return list(_found)
    seen: set[tuple[str, tuple[str, ...]]] = set()
    clients = {role: signed_in(role) for role in PERSONAS}
    for name, (audience, kwargs) in sorted(ACCESS_TABLE.items()):
        if name.startswith(("admin:", "api")):
            continue
        url = reverse(name, kwargs=kwargs(world))
        for role in PERSONAS:
            if expected_status(audience, role) != 200:
                continue
            response = clients[role].get(url)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            for form in forms_in(response.content.decode()):
                action = form.action or url
                key = (action, tuple(sorted(form.fields)) + tuple(form.file_fields))
                if key not in seen:
                    seen.add(key)
                    _found.append(PageForm(name, role, action, form))
    return list(_found)
