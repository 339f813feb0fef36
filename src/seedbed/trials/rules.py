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


# --- block sizes ----------------------------------------------------------------------------

BLOCK_MULTIPLES = (2, 3, 4)
"""Default permuted-block sizes, as multiples of the number of arms: block sizes drawn at
random from 4, 6 and 8 for two arms (6, 9, 12 for three). Random, larger blocks keep the
next allocation hard to guess for someone who sees the arms as they are allocated (Schulz
& Grimes, Lancet 2002;359:515-519; Efird, Int J Environ Res Public Health 2011;8:15-20)."""

WARN_PREDICTABLE_BLOCKS = (
    "Block sizes {sizes} make the next arm easy to guess for anyone who sees the arms as they "
    "are allocated: {why}. Prefer random block sizes such as {suggested}. (Block sizes are "
    "hidden from the public registry and from enrolling staff until recruitment ends.)"
)
WHY_FIXED = "every block has the same size, so the last allocation of each block is certain"
WHY_SMALL = ("the blocks are small (at most two per arm), so many allocations are certain or "
             "nearly so")


def parse_block_sizes(text: str) -> list[int]:
    """The block sizes written in a protocol ("4, 6, 8" -> [4, 6, 8])."""
    return [int(b) for b in text.replace(" ", "").split(",") if b.isdigit()]


def default_block_sizes(arms: int) -> str:
    """The default block sizes for ``arms`` arms, as the protocol writes them ("4, 6, 8")."""
    n = max(int(arms), 1)
    return ", ".join(str(m * n) for m in BLOCK_MULTIPLES)


def block_size_warning(*, block_sizes: list[int], arms: int) -> str:
    """A warning when permuted blocks make allocations predictable ("" otherwise).

    Predictable: one fixed block size (whatever its size), or blocks of at most two units
    per arm (e.g. 2 and 4 for two arms).
    """
    sizes = sorted(set(block_sizes))
    if not sizes or arms < 2:
        return ""
    if len(sizes) == 1:
        why = WHY_FIXED
    elif max(sizes) <= 2 * arms:
        why = WHY_SMALL
    else:
        return ""
    return WARN_PREDICTABLE_BLOCKS.format(
        sizes=", ".join(map(str, sizes)), why=why, suggested=default_block_sizes(arms))


CONCEALED_UNTIL_ENDED = ("block_sizes",)
"""Protocol fields that help predict the next allocation: not on the public registry (page
or API) while the trial recruits, shown once recruitment has ended."""
