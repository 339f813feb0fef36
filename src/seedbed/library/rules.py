"""Rules for cases, pure (no database, no request): the evidence level and the disclosure
control applied to what a case publishes, through the stats engine.

``seedbed.stats.evidence`` (Nesta Standards of Evidence) and ``seedbed.stats.disclosure``
(small-cell suppression) are used when installed; until they land in a checkout, the same
rules are applied here so that the library works on its own (see each fallback).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

DISCLOSURE_THRESHOLD = 10


@dataclass(frozen=True)
class Evidence:
    level: int
    direction: str
    reasons: tuple[str, ...]
    warnings: tuple[str, ...]


def _direction(effect: float | None, ci: tuple[float, float] | None, higher_is_better: bool) -> str:
    if effect is None or ci is None or not all(math.isfinite(v) for v in (effect, *ci)):
        return "not measured"
    lo, hi = ci
    if lo > 0 or hi < 0:
        return "positive" if (lo > 0) == higher_is_better else "negative"
    return "null"


def _fallback_level(*, theory_of_change: bool, measured_change: bool, comparison: str,
                    effect: float | None, ci: tuple[float, float] | None, higher_is_better: bool,
                    replications: int, manualised: bool) -> Evidence:
    """Nesta levels 1-5 (Puttick & Ludlow 2013), as in ``seedbed.stats.evidence``."""
    direction = _direction(effect, ci, higher_is_better)
    if not theory_of_change:
        return Evidence(0, direction, ("no account of impact",), ("no_theory_of_change",))
    level, reasons, warnings = 1, ["level 1: an account of impact (theory of change)"], []
    if measured_change:
        level = 2
        reasons.append("level 2: data on change were collected")
    if level == 2 and comparison != "none" and direction != "not measured":
        level = 3
        reasons.append(f"level 3: effect estimated against a {comparison} comparison group")
        if comparison == "non-random":
            warnings.append("non_random_comparison_group")
    if level == 3 and replications > 0:
        level = 4
        reasons.append("level 4: confirmed by independent replication")
    if level == 4 and manualised:
        level = 5
        reasons.append("level 5: manualised and delivered consistently at scale")
    return Evidence(level, direction, tuple(reasons), tuple(warnings))


def evidence_for(*, theory_of_change: bool, measured_change: bool, comparison: str,
                 effect: float | None, ci: tuple[float, float] | None, higher_is_better: bool,
                 replications: int = 0, manualised: bool = False) -> Evidence:
    """The Nesta level and the direction of the finding, from the design and the result."""
    try:
        from seedbed.stats.evidence import evidence_level
    except ImportError:
        return _fallback_level(theory_of_change=theory_of_change, measured_change=measured_change,
                               comparison=comparison, effect=effect, ci=ci,
                               higher_is_better=higher_is_better, replications=replications,
                               manualised=manualised)
    found = evidence_level(
        theory_of_change=theory_of_change, measured_change=measured_change, comparison=comparison,
        effect=effect, ci=ci, higher_is_better=higher_is_better,
        confirming_independent_replications=replications, manualised_and_scaled=manualised,
    )
    return Evidence(found.level, found.direction, tuple(found.reasons), tuple(found.warnings))


def protect_arm_sizes(
    n_intervention: int | None, n_comparison: int | None
) -> tuple[int | None, int | None, int | None, bool]:
    """Arm sizes and total for publication, with small counts suppressed (None).

    A count from 1 to threshold - 1 is suppressed; if only one arm is suppressed the other
    is suppressed too, so it cannot be recovered from the total.
    """
    counts = [n for n in (n_intervention, n_comparison) if n is not None]
    if len(counts) < 2:
        total = sum(counts) if counts else None
        if total is not None and 0 < total < DISCLOSURE_THRESHOLD:
            return None, None, None, True
        return n_intervention, n_comparison, total, False
    try:
        from seedbed.stats.disclosure import protect_counts
    except ImportError:
        small = [0 < n < DISCLOSURE_THRESHOLD for n in counts]
        total = sum(counts)
        if not any(small):
            return counts[0], counts[1], total, False
        shown_total = total if total >= DISCLOSURE_THRESHOLD else None
        return None, None, shown_total, True
    a, b, total = protect_counts(counts=counts, threshold=DISCLOSURE_THRESHOLD)
    return a, b, total, None in (a, b, total)


def evidence_from_trial(*, level: int, finding: str, downgrades: list[dict[str, str]],
                        effect: float | None, ci: tuple[float, float] | None,
                        higher_is_better: bool) -> Evidence:
    """A trial case's evidence, as the trial's result computed it from what happened
    (``seedbed.stats.evidence.trial_evidence``): its level, its finding (``harmful`` for a
    trial stopped for harm) and the Nesta reasons with each downgrade's reason."""
    base = evidence_for(theory_of_change=True, measured_change=True, comparison="randomised",
                        effect=effect, ci=ci, higher_is_better=higher_is_better)
    reasons = [r for r in base.reasons if not (downgrades and r.startswith("level 3"))]
    reasons += [f"not level 3: {d.get('text', '')}" for d in downgrades]
    return Evidence(level, finding or base.direction, tuple(reasons), base.warnings)


SUPPRESSED_SMALL = "fewer than 10"
SUPPRESSED_OTHER = "a number suppressed to protect other figures"


def _shown(table: Any, i: int, j: int) -> str:
    from seedbed.stats.disclosure import PRIMARY

    value = table.values[i][j]
    if value is not None:
        return str(value)
    return SUPPRESSED_SMALL if table.status(i, j) == PRIMARY else SUPPRESSED_OTHER


def harm_statement(stopping: dict[str, Any] | None) -> str:
    """One sentence per harm outcome at the last look before a trial stopped: people with
    the harm and enrolled, per arm, with disclosure control (``seedbed.stats.disclosure``)
    on the arm x (harm, no harm) table and its margins."""
    from seedbed.stats.disclosure import protect_table

    if not stopping:
        return ""
    sentences = []
    look = stopping.get("look")
    for row in stopping.get("harms") or []:
        arms = [(row["arm"], row["n_arm"], row["events_arm"]),
                (row["control"], row["n_control"], row["events_control"])]
        table = protect_table(counts=[[e, max(n - e, 0)] for _, n, e in arms],
                              threshold=DISCLOSURE_THRESHOLD)
        parts = []
        for i, (arm, _, _) in enumerate(arms):
            events, enrolled = table.values[i][0], table.values[i][2]
            rate = f" ({100 * events / enrolled:.0f}%)" if events is not None and enrolled else ""
            parts.append(f"{_shown(table, i, 0)} of {_shown(table, i, 2)}{rate} in the {arm} arm")
        when = f" at interim look {look}" if look else ""
        sentences.append(f"{row.get('harm', 'Harm')}{when}: " + ", against ".join(parts) + ".")
    return " ".join(sentences)


def with_stop(found: Evidence, stopped_for: str) -> Evidence:
    """Evidence from the design alone, taken down for a trial that stopped early (external
    evidence): level 3 becomes 2 with the reason ``seedbed.stats.evidence`` gives."""
    from seedbed.stats.evidence import DOWNGRADE_STOPPED, DOWNGRADE_TEXT

    if not stopped_for or stopped_for not in DOWNGRADE_STOPPED or found.level < 3:
        return found
    text = DOWNGRADE_TEXT[DOWNGRADE_STOPPED[stopped_for]]
    reasons = [r for r in found.reasons if not r.startswith("level 3")]
    return Evidence(2, found.direction, (*reasons, f"not level 3: {text}"), found.warnings)
