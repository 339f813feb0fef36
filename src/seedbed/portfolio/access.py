"""The portfolio's gatekeepers: every portfolio view and API endpoint reaches innovations
through these (tested once, every role against every URL, in
``tests/core/test_access_walk.py``)."""

from __future__ import annotations

from typing import Any

from seedbed.accounts.models import Role, User
from seedbed.core.access import access_role, access_staff_area, fetch_or_deny
from seedbed.portfolio.models import Innovation

PORTFOLIO_MANAGERS = (Role.INNOVATION_LEAD, Role.ADMINISTRATOR)
DENIED_INNOVATION = "There is no such innovation."


def access_portfolio(user: Any) -> User:
    """The portfolio is for council staff and partners (not providers or community groups)."""
    staff: User = access_staff_area(user)
    return staff


def access_portfolio_manage(user: Any) -> User:
    """Recording innovations, gate decisions and risks: innovation leads and administrators."""
    manager: User = access_role(user, PORTFOLIO_MANAGERS)
    return manager


def access_innovation(user: Any, innovation_id: int) -> Innovation:
    """Any innovation, for council staff and partners (one message for a missing one)."""
    access_staff_area(user)
    return fetch_or_deny(Innovation, innovation_id, missing=DENIED_INNOVATION)
