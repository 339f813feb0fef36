"""Who may open which Voices page (merged into tests/core/access_table.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

HANDLERS_ONLY = {
    "anonymous": "login", "resident": 403, "frontline": 403, "lead": 200, "panel": 403,
    "analyst": 403, "safety": 403, "admin": 200, "provider": 403,
}
DEMO_NEED = "No safe place to cross near Northfield Primary"


def _need(title: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def build(world: dict[str, Any]) -> dict[str, Any]:
        from seedbed.participation.models import Contribution

        return {"contribution_id": Contribution.objects.get(title=title).pk}

    return build


ACCESS_RULES: dict[str, tuple[Any, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "participation:index": ("public", lambda w: {}),
    # Residents without an account may send a need or idea with an email address.
    "participation:need_new": ("public", lambda w: {}),
    "participation:idea_new": ("public", lambda w: {}),
    "participation:mine": ("signed_in", lambda w: {}),
    "participation:email_sent": ("public", lambda w: {}),
    "participation:email_data": ("public", lambda w: {}),
    "participation:detail": ("public", _need(DEMO_NEED)),
    "participation:moderation": (HANDLERS_ONLY, lambda w: {}),
    "participation:themes": ("staff", lambda w: {}),
    "participation:notifications": ("signed_in", lambda w: {}),
    "participation:your_data": ("signed_in", lambda w: {}),
    "participation:open_data": ("public", lambda w: {}),
}

_POST = "POST only; tested in tests/participation/"
_NOT_HTML = "not an HTML page (so not scanned by axe); access tested in tests/participation/"
NOT_WALKED = {
    "participation:support": _POST + "test_engagement.py",
    "participation:follow": _POST + "test_engagement.py",
    "participation:comment": _POST + "test_engagement.py",
    "participation:report": _POST + "test_moderation.py",
    "participation:status_set": _POST + "test_handling.py",
    "participation:merge": _POST + "test_handling.py",
    "participation:hide": _POST + "test_moderation.py",
    "participation:report_dismiss": _POST + "test_moderation.py",
    "participation:themes_refresh": _POST + "test_themes.py",
    "participation:export_csv": _NOT_HTML + "test_open_data.py",
    "participation:export_json": _NOT_HTML + "test_open_data.py",
    "participation:export_csv_metadata": _NOT_HTML + "test_open_data.py",
    "participation:your_data_download": _NOT_HTML + "test_personal_data.py",
    "api:voices_similar": _NOT_HTML + "test_similar.py",
    "participation:email_confirm": "needs a freshly emailed link; tested (and scanned by axe) in "
                                   "test_email.py and tests/browser/test_participation_email.py",
    "participation:email_access": "needs a freshly emailed link; tested (and scanned by axe) in "
                                  "test_email.py and tests/browser/test_participation_email.py",
    "participation:email_data_download": _NOT_HTML + "test_email.py",
    "participation:email_data_erase": _POST + "test_email.py",
}

# JSON endpoints and downloads among ACCESS_RULES (not HTML pages, so not scanned by axe).
NOT_HTML: set[str] = set()


# The record each id names, for the foreign-id walk (tests/core/test_access_walk.py).
ID_MODELS = {"contribution_id": "participation.Contribution", "report_id": "participation.Report"}
FIELD_MODELS = {
    "parent": "participation.Comment", "report_comment": "participation.Comment",
    "hide_comment": "participation.Comment", "into": "participation.Contribution",
    "answers_need": "participation.Contribution", "answers_call": "funding.Call",
}
