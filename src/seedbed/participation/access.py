"""Voices' gatekeepers: every Voices view and API endpoint reaches needs, ideas, comments and
reports through these.

Each takes the person (possibly anonymous) and what they ask for, fetches through
``core.access.fetch_or_deny`` and either returns the record or raises ``AccessDenied``. A
missing need or idea and one the person may not see get one message (``DENIED_VOICES_RECORD``),
so nobody learns which exist. They are tested once, exhaustively, by
``tests/core/test_access_walk.py``.
"""

from __future__ import annotations

from typing import Any

from seedbed.accounts.models import Role, User
from seedbed.core.access import (
    access_role,
    access_signed_in,
    access_staff_area,
    fetch_or_deny,
    has_role,
)
from seedbed.core.errors import AccessDenied
from seedbed.participation.models import Comment, Contribution, Report

VOICES_HANDLERS = (Role.INNOVATION_LEAD, Role.ADMINISTRATOR)
DENIED_VOICES_RECORD = "There is no such need or idea."
DENIED_VOICES_COMMENT = "There is no such comment."
DENIED_VOICES_REPORT = "There is no such report."


def is_voices_handler(user: Any) -> bool:
    """Whether ``user`` handles needs and ideas (statuses, merging, moderation)."""
    return has_role(user, *VOICES_HANDLERS)


def access_voices_participant(user: Any) -> User:
    """Signed in: supporting, following, commenting, reporting and one's own data."""
    person: User = access_signed_in(user)
    return person


def access_voices_handling(user: Any) -> User:
    """Changing statuses, merging and moderating: innovation leads and administrators."""
    handler: User = access_role(user, VOICES_HANDLERS)
    return handler


def access_voices_themes(user: Any) -> User:
    """Themes across needs are for council staff and partners."""
    staff: User = access_staff_area(user)
    return staff


def access_contribution(user: Any, contribution_id: object) -> Contribution:
    """Published needs and ideas are public; hidden ones only to their submitter and handlers;
    ones held until their sender confirms an email address only to handlers."""
    contribution = fetch_or_deny(Contribution, contribution_id, missing=DENIED_VOICES_RECORD)
    if not contribution.hidden and not contribution.held:
        return contribution
    access_signed_in(user)
    if contribution.submitter_id == user.pk or is_voices_handler(user):
        return contribution
    raise AccessDenied(DENIED_VOICES_RECORD)


def access_contribution_handle(user: Any, contribution_id: object) -> Contribution:
    """A need or idea to handle (status, merge, hide): handlers only."""
    access_voices_handling(user)
    return fetch_or_deny(Contribution, contribution_id, missing=DENIED_VOICES_RECORD)


def access_voices_comment(user: Any, comment_id: object) -> Comment:
    """A comment is visible where its need or idea is."""
    comment = fetch_or_deny(Comment, comment_id, missing=DENIED_VOICES_COMMENT)
    access_contribution(user, comment.contribution_id)
    return comment


def access_voices_report(user: Any, report_id: object) -> Report:
    """A report in the moderation queue: handlers only."""
    access_voices_handling(user)
    return fetch_or_deny(Report, report_id, missing=DENIED_VOICES_REPORT)
