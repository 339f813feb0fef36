"""Pure decisions about trials (no writes): who may learn the allocation, and when.

Blinding in Seedbed: while a trial is recruiting (or paused for a safety review), the arm of
every enrolled unit is known to the frontline worker who enrolled it (they deliver the
intervention) and to the trial's named safety lead (who monitors harm unblinded); nobody
else learns any arm, from any page, message, count, export or difference in answers. Once
recruitment has closed, or the trial has stopped, the analysis is run on the arms and the
people running it may see them; the seed (and with it the whole sequence) is published with
the result.
"""

from __future__ import annotations

from typing import Any

from seedbed.trials.models import Trial

BLINDED_STATUSES = (Trial.Status.RECRUITING, Trial.Status.PAUSED)
"""While enrolment may still go on, allocations are concealed from blinded roles."""

ENDED_STATUSES = (Trial.Status.CLOSED, Trial.Status.STOPPED, Trial.Status.PUBLISHED)
"""Recruitment is over: no further unit will be allocated."""


def arms_concealed_from(*, trial: Trial, user: Any) -> bool:
    """Whether ``user`` must not learn any allocation of ``trial`` now.

    True while the trial is recruiting or paused, for everyone but its named safety lead.
    (Frontline staff learn the arm of a unit they enrol, from the enrolment itself only.)
    """
    if trial.status not in BLINDED_STATUSES:
        return False
    user_id = getattr(user, "pk", None)
    return trial.safety_lead_id is None or user_id is None or trial.safety_lead_id != user_id


def recruitment_ended(trial: Trial) -> bool:
    """No further unit can be allocated (closed, stopped or published)."""
    return trial.status in ENDED_STATUSES
