"""Who may open which page: the table the access walk checks, URL by URL, role by role.

Audiences:
- ``public``: everyone, signed in or not (200).
- ``sign_in_page``: anonymous 200; people already signed in are sent on (302).
- ``signed_in``: any signed-in person (anonymous is sent to sign in).
- ``staff``: council staff and partners (a staff role held in the council, one of its services
  or a partner body); residents get 403, and so does the provider's frontline worker, whose
  role is held in a provider organisation (external, like a community group: docs/access.md).
- ``admin``: administrators only.
- ``member_or_staff``: council staff, or members of the organisation in the URL.
- ``api_*``: the same, for JSON endpoints (anonymous gets 401 instead of a redirect).

Each later capability adds its URL names here; the walk fails on any URL not in the table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.evaluations import access_rules as evaluations_rules
from tests.funding import access_rules as funding_rules
from tests.library import access_rules as library_rules
from tests.participation import access_rules as participation_rules
from tests.portfolio import access_rules as portfolio_rules
from tests.trials import access_rules as trials_rules

# Every persona holding a staff role anywhere (the provider's is held in a provider organisation).
STAFF_PERSONAS = frozenset({"frontline", "lead", "panel", "analyst", "safety", "admin", "provider"})
# Council staff and partners: the provider's frontline worker is not one of them.
COUNCIL_STAFF_PERSONAS = STAFF_PERSONAS - {"provider"}

# url name -> (audience, kwargs builder taking the demo world)
ACCESS_TABLE: dict[str, tuple[Any, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "core:home": ("public", lambda w: {}),
    "core:accessibility": ("public", lambda w: {}),
    "core:privacy": ("public", lambda w: {}),
    "core:audit": ("admin", lambda w: {}),
    "core:audit_checkpoints": ("public", lambda w: {}),
    "core:security_txt": ("public", lambda w: {}),
    "healthz": ("public", lambda w: {}),
    "accounts:login": ("sign_in_page", lambda w: {}),
    "accounts:account": ("signed_in", lambda w: {}),
    "accounts:password_change": ("signed_in", lambda w: {}),
    "accounts:organisations": ("staff", lambda w: {}),
    "accounts:organisation_detail": (
        "member_or_staff", lambda w: {"organisation_id": w["organisations"]["eastside-residents"].pk}
    ),
    "api:health": ("public", lambda w: {}),
    "api:me": ("api_signed_in", lambda w: {}),
    "api:organisations": ("api_staff", lambda w: {}),
    "api:openapi-json": ("public", lambda w: {}),
    "api:openapi-view": ("public", lambda w: {}),
    "api-home": ("redirect", lambda w: {}),
    "admin:index": ("django_admin", lambda w: {}),
}

# Each domain app keeps its own rules in ``tests/<app>/access_rules.py`` as ``ACCESS_RULES``
# (same shape; an audience may also be a dict role -> expected status), ``NOT_WALKED`` and,
# for JSON endpoints and downloads, ``NOT_HTML``.
APP_RULES = (participation_rules, funding_rules, trials_rules, portfolio_rules, library_rules, evaluations_rules)
for _rules in APP_RULES:
    ACCESS_TABLE.update(_rules.ACCESS_RULES)

# URL names not walked, with the reason.
NOT_WALKED = {
    "api:api-root": "shadowed by api-home, which sends /api/ to the API documentation",
    "accounts:logout": "POST only; tested in tests/accounts/test_sign_in.py",
    "accounts:api_token_revoke": "POST only; every role and a foreign token tried in tests/accounts/test_api_tokens.py",
}
# The record each id names, by URL namespace, for the foreign-id walk (test_access_walk.py):
# URL arguments (``ID_MODELS``) and form fields carrying an id (``FIELD_MODELS``). The API's
# URLs take the ids of every app.
ID_MODELS: dict[str, dict[str, str]] = {
    "accounts": {"organisation_id": "accounts.Organisation", "token_id": "accounts.ApiToken"},
    **{rules.__name__.split(".")[1]: rules.ID_MODELS for rules in APP_RULES},
}
ID_MODELS["api"] = {name: model for models in ID_MODELS.values() for name, model in models.items()}
FIELD_MODELS: dict[str, dict[str, str]] = {rules.__name__.split(".")[1]: rules.FIELD_MODELS for rules in APP_RULES}
FIELD_MODELS["api"] = {name: model for models in FIELD_MODELS.values() for name, model in models.items()}

# Django's own admin pages beyond its index are guarded by the admin site itself.
NOT_WALKED_NAMESPACES = {"admin"}
for _rules in APP_RULES:
    NOT_WALKED.update(_rules.NOT_WALKED)


def expected_status(audience: str | dict[str, int | str], role: str) -> int | str:
    """The status a GET should give; "login" means a redirect to the sign-in page."""
    if isinstance(audience, dict):
        return audience[role]
    anonymous = role == "anonymous"
    staff = role in COUNCIL_STAFF_PERSONAS
    if audience == "public":
        return 200
    if audience == "redirect":
        return 302
    if audience == "sign_in_page":
        return 200 if anonymous else 302
    if audience == "signed_in":
        return "login" if anonymous else 200
    if audience == "staff":
        return "login" if anonymous else (200 if staff else 403)
    if audience == "admin":
        return "login" if anonymous else (200 if role == "admin" else 403)
    if audience == "member_or_staff":
        return "login" if anonymous else (200 if staff else 403)
    if audience == "api_signed_in":
        return 401 if anonymous else 200
    if audience == "api_staff":
        return 401 if anonymous else (200 if staff else 403)
    if audience == "django_admin":
        return "admin_login" if role != "admin" else 200
    raise ValueError(f"unknown audience {audience!r}")
