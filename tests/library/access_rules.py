"""Who may open which library page (merged into tests/core/access_table.py)."""

from __future__ import annotations

from typing import Any

# Writing cases: innovation leads, analysts and administrators.
MANAGE = {
    "anonymous": "login", "resident": 403, "frontline": 403, "lead": 200, "panel": 403,
    "analyst": 200, "safety": 403, "admin": 200, "provider": 403,
}


def _case(w: dict[str, Any]) -> dict[str, Any]:
    from seedbed.library.models import Case

    return {"case_id": Case.objects.get(title="Attendance mentors in eight primary schools").pk}


ACCESS_RULES: dict[str, tuple[Any, Any]] = {
    "library:index": ("public", lambda w: {}),
    "library:case_detail": ("public", _case),
    "library:case_create": (MANAGE, lambda w: {}),
    "library:case_override": (MANAGE, _case),
    "library:attachment_add": (MANAGE, _case),
}

NOT_WALKED = {
    "api:library_cases": "JSON, not a page for the axe scan; tested in tests/library/test_library_api.py",
    "api:library_case": "JSON, not a page for the axe scan; tested in tests/library/test_library_api.py",
    # Open data files are public but not HTML pages for the axe scan; tested in test_library_opendata.py.
    "library:export_json": "public JSON file; tested in tests/library/test_library_opendata.py",
    "library:export_csv": "public CSV file; tested in tests/library/test_library_opendata.py",
    "library:export_metadata": "public CSVW metadata; tested in tests/library/test_library_opendata.py",
    "library:case_publish": "POST only; tested in tests/library/test_library_views.py",
    "library:attachment_download": "needs an uploaded file; tested in tests/library/test_library_views.py",
}

# JSON endpoints and downloads among ACCESS_RULES (not HTML pages, so not scanned by axe).
NOT_HTML: set[str] = set()


# The record each id names, for the foreign-id walk (tests/core/test_access_walk.py).
ID_MODELS = {"case_id": "library.Case", "attachment_id": "library.Attachment"}
FIELD_MODELS = {"innovation": "portfolio.Innovation"}
