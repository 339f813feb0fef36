"""Funding's gatekeepers: every funding view and API endpoint reaches its records through these.

Each takes the person (possibly anonymous) and what they ask for, fetches through
``core.access.fetch_or_deny`` and either returns the record or raises ``AccessDenied``. A
missing record and a forged id get one message (``DENIED_FUNDING_RECORD``), so nobody learns
which records exist. They are tested once, exhaustively, by ``tests/core/test_access_walk.py``.
"""

from __future__ import annotations

from typing import Any

from seedbed.accounts.models import Role, User
from seedbed.core.access import (
    DENIED_ROLE,
    access_role,
    access_signed_in,
    access_staff_area,
    fetch_or_deny,
    has_role,
    is_council_staff,
    organisations_of,
    roles_of,
)
from seedbed.core.errors import AccessDenied
from seedbed.funding import selectors
from seedbed.funding.models import Application, Award, Call, Conflict, Fund, PbRound

FUNDING_MANAGERS = (Role.INNOVATION_LEAD, Role.ADMINISTRATOR)
DENIED_FUNDING_RECORD = "There is no such funding record."
DENIED_FUNDING_CONFLICT = "Declare any conflict of interest before you open this application."
DENIED_FUNDING_RECUSED = "You have a conflict of interest with this application and may not review it."
DENIED_FUNDING_PANEL = "You are not on the panel for this call."
DENIED_FUNDING_APPLICATION = "This application is not yours."
DENIED_FUNDING_VOTER = "Only verified residents can vote online."
DENIED_FUNDING_OFFICER = "Only the ballot officers assigned to this round can do this."


def is_funding_manager(user: Any) -> bool:
    return has_role(user, *FUNDING_MANAGERS)


def access_actor(user: Any) -> User:
    """The signed-in person acting, as services take them (``actor``); anonymous people are
    refused as every other signed-in page refuses them."""
    signed_in: User = access_signed_in(user)
    return signed_in


def access_funding_manage(user: Any) -> User:
    """Funding managers: innovation leads and administrators."""
    manager: User = access_role(user, FUNDING_MANAGERS)
    return manager


def access_fund(user: Any, fund_id: object) -> Fund:
    """Council staff see funds and their ledgers (a provider sees its own awards instead)."""
    access_staff_area(user)
    return fetch_or_deny(Fund, fund_id, missing=DENIED_FUNDING_RECORD)


def access_fund_manage(user: Any, fund_id: object) -> Fund:
    """Funding managers change a fund's terms."""
    access_funding_manage(user)
    return fetch_or_deny(Fund, fund_id, missing=DENIED_FUNDING_RECORD)


def access_call(user: Any, call_id: object) -> Call:
    """Published calls are public; drafts only for funding managers."""
    call = fetch_or_deny(Call, call_id, missing=DENIED_FUNDING_RECORD)
    if call.status == Call.Status.DRAFT and not is_funding_manager(user):
        access_funding_manage(user)
    return call


def access_call_manage(user: Any, call_id: object) -> Call:
    access_funding_manage(user)
    return fetch_or_deny(Call, call_id, missing=DENIED_FUNDING_RECORD)


def access_call_chair(user: Any, call_id: object) -> Call:
    """Funding managers and the chair of the call's panel."""
    access_signed_in(user)
    call = fetch_or_deny(Call, call_id, missing=DENIED_FUNDING_RECORD)
    if is_funding_manager(user) or selectors.is_chair(call=call, user=user):
        return call
    raise AccessDenied(DENIED_ROLE.format(roles="panel chair, innovation lead, administrator"))


def access_application(user: Any, application_id: object) -> Application:
    """The applicant (or a member of the applying organisation) and funding managers."""
    access_signed_in(user)
    application = fetch_or_deny(Application, application_id, missing=DENIED_FUNDING_RECORD)
    if application.applicant_id == user.pk or is_funding_manager(user):
        return application
    if application.organisation_id and application.organisation_id in organisations_of(user):
        return application
    raise AccessDenied(DENIED_FUNDING_APPLICATION)


def access_application_declare(user: Any, application_id: object) -> Application:
    """Panel members of the call, to declare conflicts (before they can open it)."""
    access_signed_in(user)
    application = fetch_or_deny(Application, application_id, missing=DENIED_FUNDING_RECORD)
    if application.status == Application.Status.DRAFT or not selectors.is_panel_member(
        call_id=application.call_id, user=user
    ):
        raise AccessDenied(DENIED_FUNDING_PANEL)
    return application


def access_application_review(user: Any, application_id: object) -> Application:
    """Open an application to review it: only a panel member who has declared no conflict,
    or whose declared conflict the chair waived with a reason."""
    application = access_application_declare(user, application_id)
    conflict = selectors.conflict_get(application=application, reviewer=user)
    if conflict is None or conflict.status == Conflict.Status.DECLARED:
        raise AccessDenied(DENIED_FUNDING_CONFLICT)
    if conflict.status not in (Conflict.Status.NONE, Conflict.Status.WAIVED, Conflict.Status.WITHDRAWN):
        raise AccessDenied(DENIED_FUNDING_RECUSED)
    return application


def access_award(user: Any, award_id: object) -> Award:
    """Council staff, and the recipient (applicant or a member of the recipient organisation):
    a provider sees its own awards' payments and clawbacks, never another recipient's.
    A participatory-budget project's award is delivered by the council: council staff only."""
    access_signed_in(user)
    award = fetch_or_deny(Award, award_id, missing=DENIED_FUNDING_RECORD)
    application = award.application
    if is_council_staff(user):
        return award
    if application is None:
        raise AccessDenied(DENIED_FUNDING_RECORD)
    if application.applicant_id == user.pk:
        return award
    if application.organisation_id and application.organisation_id in organisations_of(user):
        return award
    raise AccessDenied(DENIED_FUNDING_APPLICATION)


def access_pb_round(user: Any, round_id: object) -> PbRound:
    """Participatory-budgeting rounds are public."""
    return fetch_or_deny(PbRound, round_id, missing=DENIED_FUNDING_RECORD)


def access_pb_manage(user: Any, round_id: object) -> PbRound:
    access_funding_manage(user)
    return fetch_or_deny(PbRound, round_id, missing=DENIED_FUNDING_RECORD)


def access_pb_paper(user: Any, round_id: object) -> PbRound:
    """Keying in paper ballots: only the ballot officers a funding manager assigned to this
    round (no role, not even a manager's or an administrator's, carries this by itself)."""
    access_signed_in(user)
    pb_round = fetch_or_deny(PbRound, round_id, missing=DENIED_FUNDING_RECORD)
    if not selectors.is_pb_officer(pb_round=pb_round, user=user):
        raise AccessDenied(DENIED_FUNDING_OFFICER)
    return pb_round


def access_pb_numbers(user: Any, round_id: object) -> PbRound:
    """The round's register of ballot numbers: funding managers and the round's officers."""
    access_signed_in(user)
    pb_round = fetch_or_deny(PbRound, round_id, missing=DENIED_FUNDING_RECORD)
    if not (is_funding_manager(user) or selectors.is_pb_officer(pb_round=pb_round, user=user)):
        raise AccessDenied(DENIED_FUNDING_OFFICER)
    return pb_round


def access_pb_vote(user: Any, round_id: object) -> PbRound:
    """Verified residents (people holding the resident role) vote online."""
    access_signed_in(user)
    if Role.RESIDENT not in roles_of(user):
        raise AccessDenied(DENIED_FUNDING_VOTER)
    return fetch_or_deny(PbRound, round_id, missing=DENIED_FUNDING_RECORD)
