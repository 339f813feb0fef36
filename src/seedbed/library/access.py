"""The library's gatekeepers: every library view and API endpoint reaches cases and their
files through these (tested once, every role against every URL, in
``tests/core/test_access_walk.py``)."""

from __future__ import annotations

from typing import Any

from seedbed.accounts.models import Role, User
from seedbed.core.access import access_role, access_staff_area, fetch_or_deny
from seedbed.library.models import Attachment, Case

LIBRARY_MANAGERS = (Role.INNOVATION_LEAD, Role.ANALYST, Role.ADMINISTRATOR)
DENIED_CASE = "There is no such case."
DENIED_ATTACHMENT = "There is no such file."


def access_library_manage(user: Any) -> User:
    """Writing cases: innovation leads, analysts and administrators."""
    manager: User = access_role(user, LIBRARY_MANAGERS)
    return manager


def access_case(user: Any, case_id: int) -> Case:
    """Published cases are public; drafts are for council staff only (not providers)."""
    case = fetch_or_deny(Case, case_id, missing=DENIED_CASE)
    if case.status == Case.Status.PUBLISHED:
        return case
    access_staff_area(user)
    return case


def access_attachment(user: Any, attachment_id: int) -> Attachment:
    """A case's attachment is visible to whoever may see the case."""
    attachment = fetch_or_deny(Attachment, attachment_id, missing=DENIED_ATTACHMENT)
    access_case(user, attachment.case_id)
    return attachment
