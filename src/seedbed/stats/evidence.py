"""Evidence level: from a study's design and result to the Nesta Standards of Evidence.

Source: Puttick & Ludlow, *Standards of Evidence: an approach that balances the need for
evidence with innovation*, Nesta 2013. The five levels:

1. You can describe what you do and why it matters, logically, coherently and convincingly
   (an account of impact / theory of change).
2. You capture data that shows positive change, but you cannot confirm you caused this
   (before-and-after or monitoring data without a comparison group).
3. You can demonstrate causality using a control or comparison group.
4. You have one or more independent replication evaluations that confirm these conclusions.
5. You have manuals, systems and procedures to ensure consistent replication and positive
   impact (scaled).

Seedbed's library records null and negative findings as well as positive ones, so the level
describes the strength of the design that produced the finding, and ``direction`` records
what it found. Levels 2 and above need measured change; levels 4 and 5 need the level-3
design first. A comparison group counts for level 3 when it is randomised, or non-random
with a credible counterfactual (matched or quasi-experimental), flagged with a warning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

COMPARISON_NONE = "none"
COMPARISON_NON_RANDOM = "non-random"
COMPARISON_RANDOMISED = "randomised"
COMPARISONS = (COMPARISON_NONE, COMPARISON_NON_RANDOM, COMPARISON_RANDOMISED)

DIRECTION_POSITIVE = "positive"
DIRECTION_NULL = "null"
DIRECTION_NEGATIVE = "negative"
DIRECTION_UNKNOWN = "not measured"

WARN_NON_RANDOM_COMPARISON = "non_random_comparison_group"
"""Level 3 rests on a non-random comparison group: confounding cannot be ruled out."""
WARN_NO_THEORY_OF_CHANGE = "no_theory_of_change"
"""No account of why the innovation should work: even level 1 is not met."""
WARN_REPLICATION_NOT_CONFIRMING = "replications_do_not_confirm"
"""Independent replications exist but did not confirm the finding: level 4 not reached."""


@dataclass(frozen=True)
class EvidenceLevel:
    """Nesta level (0 when not even level 1 is met), what was found, and why."""

    level: int
    direction: str
    reasons: tuple[str, ...]
    warnings: tuple[str, ...] = ()


def _direction(effect: float | None, ci: tuple[float, float] | None, higher_is_better: bool) -> str:
    if effect is None or ci is None or not all(math.isfinite(v) for v in (effect, *ci)):
        return DIRECTION_UNKNOWN
    lo, hi = ci
    if lo > 0 or hi < 0:
        good = (lo > 0) == higher_is_better
        return DIRECTION_POSITIVE if good else DIRECTION_NEGATIVE
    return DIRECTION_NULL


def evidence_level(
    *,
    theory_of_change: bool,
    measured_change: bool,
    comparison: str = COMPARISON_NONE,
    effect: float | None = None,
    ci: tuple[float, float] | None = None,
    higher_is_better: bool = True,
    confirming_independent_replications: int = 0,
    non_confirming_independent_replications: int = 0,
    manualised_and_scaled: bool = False,
) -> EvidenceLevel:
    """Nesta Standards of Evidence level (see module docstring for the rules)."""
    if comparison not in COMPARISONS:
        raise ValueError("comparison must be one of: " + ", ".join(COMPARISONS))
    warnings: list[str] = []
    reasons: list[str] = []
    direction = _direction(effect, ci, higher_is_better)
    if not theory_of_change:
        warnings.append(WARN_NO_THEORY_OF_CHANGE)
        return EvidenceLevel(0, direction, ("no account of impact",), tuple(warnings))
    level = 1
    reasons.append("level 1: an account of impact (theory of change)")
    if measured_change:
        level = 2
        reasons.append("level 2: data on change were collected")
    if level == 2 and comparison != COMPARISON_NONE and direction != DIRECTION_UNKNOWN:
        level = 3
        reasons.append(f"level 3: effect estimated against a {comparison} comparison group")
        if comparison == COMPARISON_NON_RANDOM:
            warnings.append(WARN_NON_RANDOM_COMPARISON)
    if level == 3 and confirming_independent_replications > 0:
        level = 4
        reasons.append("level 4: confirmed by independent replication")
    elif level == 3 and non_confirming_independent_replications > 0:
        warnings.append(WARN_REPLICATION_NOT_CONFIRMING)
    if level == 4 and manualised_and_scaled:
        level = 5
        reasons.append("level 5: manualised and delivered consistently at scale")
    return EvidenceLevel(level, direction, tuple(reasons), tuple(warnings))
