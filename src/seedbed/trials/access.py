"""Trials gatekeepers: every trials view and API endpoint reaches its probe, trial or safety
event through these.

Each takes the person (possibly anonymous) and the id they ask for, fetches through
``core.access.fetch_or_deny`` and either returns the record or raises ``AccessDenied``. A
missing record and one the person may not see get the same message where knowing it exists
would tell them something. They are tested once, exhaustively, by walking every URL as every
role (``tests/core/test_access_walk.py``).
"""

from __future__ import annotations

from typing import Any

from seedbed.accounts.models import Role, User
from seedbed.core.access import access_role, access_signed_in, fetch_or_deny, has_role, roles_of
from seedbed.core.errors import AccessDenied
from seedbed.trials import selectors
from seedbed.trials.models import Probe, SafetyEvent, Trial

TRIAL_EDITORS = (Role.INNOVATION_LEAD, Role.ANALYST)
DENIED_TRIAL = "There is no such trial."
DENIED_PROBE = "There is no such probe."
DENIED_TRIAL_NOT_PUBLIC = "This test is not on the public registry yet."
DENIED_TRIAL_RESULT = "This result is not published yet."
DENIED_TRIAL_MONITORING = "Only the trial's named safety lead sees the unblinded monitoring."
DENIED_TRIAL_ENROLMENT = (
    "Only frontline staff of {organisation} enrol people and report events for this trial."
)
DENIED_SAFETY_EVENT = "There is no such safety event."


def access_trials_workspace(user: Any) -> User:
    """Drafting and running tests: innovation leads and analysts."""
    editor: User = access_role(user, TRIAL_EDITORS)
    return editor


def access_trial_edit(user: Any, trial_id: int) -> Trial:
    access_trials_workspace(user)
    return fetch_or_deny(Trial, trial_id, missing=DENIED_TRIAL)


def access_trial_registry(user: Any, trial_id: int) -> Trial:
    """Registered trials are public; drafts are for innovation leads and analysts."""
    trial = fetch_or_deny(Trial, trial_id, missing=DENIED_TRIAL)
    if trial.status == Trial.Status.DRAFT and not has_role(user, *TRIAL_EDITORS):
        access_signed_in(user)
        raise AccessDenied(DENIED_TRIAL_NOT_PUBLIC)
    return trial


def access_trial_result(user: Any, trial_id: int) -> Trial:
    """A published result is public; before that, editors and the safety lead preview it."""
    trial = access_trial_registry(user, trial_id)
    result = selectors.trial_result_get(trial=trial)
    if result is not None and result.is_published:
        return trial
    access_signed_in(user)
    if has_role(user, *TRIAL_EDITORS) or trial.safety_lead_id == user.pk:
        return trial
    raise AccessDenied(DENIED_TRIAL_RESULT)


def access_trial_monitoring(user: Any, trial_id: int) -> Trial:
    """Unblinded monitoring: only the trial's named safety lead."""
    access_signed_in(user)
    trial = fetch_or_deny(Trial, trial_id, missing=DENIED_TRIAL)
    if trial.safety_lead_id != user.pk or trial.status == Trial.Status.DRAFT:
        raise AccessDenied(DENIED_TRIAL_MONITORING)
    return trial


def access_safety_workspace(user: Any) -> User:
    """The safety lead's own workspace (their trials, looks due, events to review)."""
    safety_lead: User = access_role(user, [Role.SAFETY_LEAD])
    return safety_lead


def access_safety_event(user: Any, event_id: int) -> SafetyEvent:
    """Reviewing a safety event: only the named safety lead of its trial (one message for
    missing and forbidden)."""
    access_signed_in(user)
    event = fetch_or_deny(selectors.safety_event_with_trial_list(), event_id, missing=DENIED_SAFETY_EVENT)
    if event.trial.safety_lead_id != user.pk:
        raise AccessDenied(DENIED_SAFETY_EVENT)
    return event


def access_trial_enrolment(user: Any, trial_id: int) -> Trial:
    """Enrolling and reporting safety events: frontline staff of the trial's organisation."""
    access_signed_in(user)
    trial = fetch_or_deny(selectors.trial_with_organisation_list(), trial_id, missing=DENIED_TRIAL)
    if trial.status == Trial.Status.DRAFT:
        raise AccessDenied(DENIED_TRIAL)
    if Role.FRONTLINE not in roles_of(user, trial.organisation):
        raise AccessDenied(DENIED_TRIAL_ENROLMENT.format(organisation=trial.organisation.name))
    return trial


def access_probe_edit(user: Any, probe_id: int) -> Probe:
    access_trials_workspace(user)
    return fetch_or_deny(Probe, probe_id, missing=DENIED_PROBE)


def access_probe_registry(user: Any, probe_id: int) -> Probe:
    """Running and finished probes are public; drafts are for innovation leads and analysts."""
    probe = fetch_or_deny(Probe, probe_id, missing=DENIED_PROBE)
    if probe.status == Probe.Status.DRAFT and not has_role(user, *TRIAL_EDITORS):
        access_signed_in(user)
        raise AccessDenied(DENIED_TRIAL_NOT_PUBLIC)
    return probe


def interim_look_payload_readable(user: Any, trial_id: int) -> bool:
    """Whether ``user`` may read an interim look's audit payload (its z-statistics): only the
    named safety lead of the trial the entry names. Registered with
    ``core.access.audit_payload_reader_register`` in ``TrialsConfig.ready``."""
    return selectors.trial_is_safety_led_by(trial_id=trial_id, user=user)
