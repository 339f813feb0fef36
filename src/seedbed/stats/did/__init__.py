"""Difference-in-differences: two groups and two periods, and staggered adoption.

- ``did_two_by_two``: y = b0 + b1 G + b2 P + b3 G P with CR1 cluster-robust errors.
- ``did_staggered`` / ``did_staggered_moments``: Callaway & Sant'Anna (2021) group-time
  effects, their aggregations, the joint pre-trend test and event-study plot data, from rows
  or from per-cohort moments (what a database returns when the work is pushed down).

Framework-free (numpy and scipy only), like the rest of ``seedbed.stats``.
"""

from seedbed.stats.did.aggregate import Estimate, Labelled, PreTrendTest
from seedbed.stats.did.grouptime import (
    BASE_UNIVERSAL,
    BASE_VARYING,
    CONTROL_NEVER,
    CONTROL_NOT_YET,
    CONTROLS,
)
from seedbed.stats.did.moments import NEVER_TREATED, CohortMoments, cohort_moments
from seedbed.stats.did.staggered import (
    ASSUMPTIONS_STAGGERED,
    GroupTime,
    StaggeredResult,
    did_staggered,
    did_staggered_moments,
)
from seedbed.stats.did.twobytwo import ASSUMPTIONS_TWO_BY_TWO, TwoByTwoResult, did_two_by_two

__all__ = [
    "ASSUMPTIONS_STAGGERED",
    "ASSUMPTIONS_TWO_BY_TWO",
    "BASE_UNIVERSAL",
    "BASE_VARYING",
    "CONTROLS",
    "CONTROL_NEVER",
    "CONTROL_NOT_YET",
    "NEVER_TREATED",
    "CohortMoments",
    "Estimate",
    "GroupTime",
    "Labelled",
    "PreTrendTest",
    "StaggeredResult",
    "TwoByTwoResult",
    "cohort_moments",
    "did_staggered",
    "did_staggered_moments",
    "did_two_by_two",
]
