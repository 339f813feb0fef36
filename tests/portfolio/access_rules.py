"""Who may open which portfolio page (merged into tests/core/access_table.py)."""

from __future__ import annotations

from typing import Any

STAFF = "staff"
# Recording innovations, decisions and risks: innovation leads and administrators.
MANAGE = {
    "anonymous": "login", "resident": 403, "frontline": 403, "lead": 200, "panel": 403,
    "analyst": 403, "safety": 403, "admin": 200, "provider": 403,
}


def _innovation(w: dict[str, Any]) -> dict[str, Any]:
    from seedbed.portfolio.models import Innovation

    return {"innovation_id": Innovation.objects.get(title="Family group conferencing at first contact").pk}


ACCESS_RULES: dict[str, tuple[Any, Any]] = {
    "portfolio:index": (STAFF, lambda w: {}),
    "portfolio:lifecycles": (STAFF, lambda w: {}),
    "portfolio:appetite": (STAFF, lambda w: {}),
    "portfolio:innovation_create": (MANAGE, lambda w: {}),
    "portfolio:innovation_detail": (STAFF, _innovation),
    "portfolio:gate_decide": (MANAGE, _innovation),
    "portfolio:risk_add": (MANAGE, _innovation),
    "portfolio:link_add": (MANAGE, _innovation),
    "portfolio:innovation_edit": (MANAGE, _innovation),
    "portfolio:stage_set_create": (MANAGE, lambda w: {}),
}

NOT_WALKED = {
    "portfolio:risks_roll_up": "POST only; tested in tests/portfolio/test_thread_links.py",
    "api:portfolio_innovations": "JSON; tested in tests/portfolio/test_portfolio_api.py",
    "api:portfolio_innovation": "JSON; tested in tests/portfolio/test_portfolio_api.py",
    "portfolio:spend_record": "POST only; tested in tests/portfolio/test_portfolio_views.py",
}

# JSON endpoints and downloads among ACCESS_RULES (not HTML pages, so not scanned by axe).
NOT_HTML: set[str] = set()


# The record each id names, for the foreign-id walk (tests/core/test_access_walk.py).
ID_MODELS = {"innovation_id": "portfolio.Innovation"}
FIELD_MODELS = {
    "service_area": "portfolio.ServiceArea", "lead_organisation": "accounts.Organisation",
    "involved": "accounts.Organisation", "stage_set": "portfolio.StageSet",
}
