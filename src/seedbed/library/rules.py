"""Rules for cases, pure (no database, no request): the evidence level (Nesta, and the
Maryland Scientific Methods Scale for evaluations) and the disclosure control applied to what a
case publishes, through the stats engine.

``seedbed.stats.evidence`` (Nesta Standards of Evidence) and ``seedbed.stats.disclosure``
(small-cell suppression) are used when installed; until they land in a checkout, the same
rules are applied here so that the library works on its own (see each fallback).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from seedbed.stats import its, rd, synth
from seedbed.stats.did import staggered

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


# --- Evaluations: the Maryland Scientific Methods Scale and the Nesta level -------------------
#
# Maryland Scientific Methods Scale (SMS), as the What Works Centre for Local Economic Growth
# scores evaluations (https://whatworksgrowth.org/resources/the-scientific-maryland-scale/ and
# its "Guide to scoring methods using the Maryland Scientific Methods Scale", Madaleno &
# Waights). Level 1: a before-and-after or cross-sectional comparison without controls; 2: the
# same with adequate controls (for a before-and-after, for changes over time); 3: the treated
# group before and after, with a comparison group giving the counterfactual ("e.g. difference
# in difference"), its choice justified and its comparability shown; 4: quasi-random
# assignment exploited; 5: a randomised trial. The guide lists regression discontinuity among
# the "SMS 4 methods", difference-in-differences among the "SMS 3 methods" and before-and-after
# among "SMS 2 and below". So:
#
# - regression discontinuity: 4 (near the cutoff, which side people fall is as good as random);
# - difference-in-differences: 3. The pre-trend test is the evidence of comparability level 3
#   asks for, so its failure takes a level off; passing it cannot add one, as level 4 needs
#   assignment that is as good as random and a DiD's is chosen;
# - synthetic control: 3, a comparison group (the weighted donors) giving the counterfactual;
#   its pre-period fit is its evidence of comparability;
# - interrupted time series with a comparison series: 3 (a comparison group);
# - interrupted time series without one: 2, a before-and-after of one series with its trend
#   (and seasons) modelled, the level-2 control for change over time; nothing shows what would
#   have happened without the change.
#
# Each failed check the engine reports takes one level off (not below 1), with its reason. The
# Nesta level (Puttick & Ludlow 2013) is 3 for a design with a comparison group whose checks all
# pass and that estimated a direction; otherwise 2 (change was measured).

SMS_SOURCE = "the What Works Centre for Local Economic Growth's Maryland Scientific Methods Scale"
EVALUATION_DESIGNS = ("did", "its", "synth", "rd")

# Case design -> (SMS level before any check, why).
SMS_BASE: dict[str, tuple[int, str]] = {
    "did": (3, "difference-in-differences compares the change where the new way of working "
               "started with the change in a comparison group over the same periods, level 3 "
               f"on {SMS_SOURCE}"),
    "its_comparison": (3, "the series is compared with a comparison series the change did not "
                          "reach, which gives the counterfactual: a comparison group, level 3 "
                          f"on {SMS_SOURCE}"),
    "its": (2, "one series before and after the change, its trend allowed for, with no "
               f"comparison series: a before-and-after design, level 2 on {SMS_SOURCE}"),
    "synth": (3, "a weighted mix of comparison areas gives the counterfactual before and after "
                 f"the change: a comparison group, level 3 on {SMS_SOURCE}"),
    "rd": (4, "people just either side of the cutoff differ only in which side they fell, so "
              f"near it the comparison is as good as random: level 4 on {SMS_SOURCE}"),
}

# Each check: the engine's warning codes that report its failure.
CHECK_CODES: dict[str, frozenset[str]] = {
    "pretrend": frozenset({staggered.WARN_PRETREND_FAILED}),
    "few_clusters": frozenset({staggered.WARN_DID_FEW_CLUSTERS}),
    "autocorrelation": frozenset({its.WARN_ITS_AUTOCORRELATION,
                                  its.WARN_ITS_AUTOCORRELATION_UNCHECKED}),
    "few_periods": frozenset({its.WARN_ITS_FEW_POINTS}),
    "poor_fit": frozenset({synth.WARN_SYNTH_POOR_PRE_FIT}),
    "outside_donors": frozenset({synth.WARN_SYNTH_OUTSIDE_DONORS}),
    "density": frozenset({rd.WARN_RD_DENSITY_JUMP}),
    "few_near_cutoff": frozenset({rd.WARN_RD_FEW_NEAR_CUTOFF}),
    "weak_first_stage": frozenset({rd.WARN_RD_WEAK_FIRST_STAGE}),
}
CHECKS_OF_DESIGN: dict[str, tuple[str, ...]] = {
    "did": ("pretrend", "few_clusters"),
    "its": ("autocorrelation", "few_periods"),
    "synth": ("poor_fit", "outside_donors"),
    "rd": ("density", "few_near_cutoff", "weak_first_stage"),
}
DOWNGRADE_QUASI_TEXT: dict[str, str] = {
    "pretrend": "Before the change, the units that changed and their comparison units were "
                "already moving apart ({detail}), so the comparison may not show what would "
                "have happened without the change.",
    "few_clusters": "Fewer than 20 clusters (or units) changed, or fewer than 20 served as the "
                    "comparison, so the interval may be too narrow.",
    "autocorrelation": "Neighbouring periods' outcomes are correlated beyond what the model "
                       "allows for ({detail}), so the interval may be too narrow and a seasonal "
                       "pattern or a slow build-up may be missing.",
    "few_periods": "There were fewer than 8 periods before ({n_pre}) or after ({n_post}) the "
                   "change, so the trends, and the change, are uncertain.",
    "poor_fit": "Before the change, the weighted mix of comparison areas did not follow the "
                "treated area closely (pre-period RMSPE {rmspe}), so it is a poor guide to what "
                "would have happened afterwards.",
    "outside_donors": "Before the change, the treated area's outcome lay above (or below) "
                      "every comparison area's in most periods, so no mix of them can follow it.",
    "density": "There were noticeably more (or fewer) people just above the cutoff than just "
               "below ({detail}): people may have been able to choose their side, so the two "
               "sides may not be comparable.",
    "few_near_cutoff": "Fewer than 20 observations lay close to the cutoff on at least one side "
                       "({n_left} below, {n_right} at or above), so the estimate rests on very few.",
    "weak_first_stage": "Crossing the cutoff changed take-up of the new way of working only a "
                        "little, so the estimate divides by a small, uncertain number.",
}
MEASURE_OF_DESIGN = {
    "did": "average effect where the change was made",
    "its": "change in level at the start",
    "synth": "average gap after the start, treated area minus its synthetic control",
    "rd": "jump at the cutoff",
}


@dataclass(frozen=True)
class QuasiEvidence:
    """An evaluation's evidence for the library: the case's design, the effect shown with its
    interval (none for a synthetic control, whose finding is read from its placebo test), what
    the effect measures, the SMS level, the Nesta evidence and the checks that failed."""

    design: str
    effect: float | None
    ci: tuple[float, float] | None
    measure: str
    sms_level: int
    evidence: Evidence
    failed_checks: tuple[str, ...]
    n_intervention: int | None = None
    n_comparison: int | None = None


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _interval(value: Any) -> tuple[float, float] | None:
    if not isinstance(value, list | tuple) or len(value) != 2:
        return None
    lo, hi = _num(value[0]), _num(value[1])
    return (lo, hi) if lo is not None and hi is not None else None


def analysis_alpha(payload: Mapping[str, Any]) -> float:
    """The level an analysis's tests used (its pre-trend test, its autocorrelation check):
    the payload's ``alpha``, or 0.05 when it gives none. The report's checks and the library
    case read it here, so the two never judge a test against different levels."""
    alpha = _num(payload.get("alpha"))
    return alpha if alpha is not None and 0.0 < alpha < 1.0 else 0.05


def _test(p: float | None, alpha: float, name: str) -> str:
    return f"{name} p = {p:.2g}, below {alpha:g}" if p is not None else f"the {name} failed"


def engine_codes(payload: Mapping[str, Any], warnings: Sequence[str] = ()) -> list[str]:
    """Every warning code of the analysis, in order, without repeats (the result's own, the
    payload's and those of its two-by-two block and density test). The one list the
    evaluation's stored warnings, its report and its library case all read."""
    nested = [(payload.get(key) or {}).get("warnings") or () for key in ("two_by_two", "density")]
    found = [*warnings, *(payload.get("warnings") or ()), *[c for codes in nested for c in codes]]
    return list(dict.fromkeys(str(c) for c in found if c))


def _failed(design: str, payload: Mapping[str, Any], codes: set[str]) -> dict[str, str]:
    """The design's failed checks, each with its plain-English reason. A check fails on its
    warning code, or (the pre-trend and density tests) on its p-value below the level used."""
    failed = {k: DOWNGRADE_QUASI_TEXT[k] for k in CHECKS_OF_DESIGN[design] if CHECK_CODES[k] & codes}
    pretrend_p, alpha = _num(payload.get("pretrend_p")), analysis_alpha(payload)
    density_p = _num(payload.get("density_p"))
    if design == "did" and (pretrend_p is not None and pretrend_p < alpha or "pretrend" in failed):
        failed["pretrend"] = DOWNGRADE_QUASI_TEXT["pretrend"].format(
            detail=_test(pretrend_p, alpha, "joint pre-trend test"))
    if design == "rd" and (density_p is not None and density_p < rd.DENSITY_ALPHA or "density" in failed):
        failed["density"] = DOWNGRADE_QUASI_TEXT["density"].format(
            detail=_test(density_p, rd.DENSITY_ALPHA, "density test"))
    if "autocorrelation" in failed:
        p = _num(payload.get("autocorrelation_p"))
        detail = ("the check for it could not be run" if its.WARN_ITS_AUTOCORRELATION not in codes
                  else f"Breusch-Godfrey test p = {p:.2g}" if p is not None else "Breusch-Godfrey test")
        failed["autocorrelation"] = failed["autocorrelation"].format(detail=detail)
    if "few_periods" in failed:
        failed["few_periods"] = failed["few_periods"].format(
            n_pre=_count(payload.get("n_pre")), n_post=_count(payload.get("n_post")))
    if "poor_fit" in failed:
        rmspe = _num(payload.get("pre_rmspe"))
        failed["poor_fit"] = failed["poor_fit"].format(rmspe=f"{rmspe:.3g}" if rmspe is not None else "high")
    if "few_near_cutoff" in failed:
        failed["few_near_cutoff"] = failed["few_near_cutoff"].format(
            n_left=_count(payload.get("n_left")), n_right=_count(payload.get("n_right")))
    return {k: failed[k] for k in CHECKS_OF_DESIGN[design] if k in failed}


def _synth_direction(att: float | None, placebo_p: float | None, higher_is_better: bool) -> str:
    """A synthetic control gives no interval: its finding is read from the in-space placebo
    test (Abadie, Diamond & Hainmueller 2010), a gap larger than the placebos' at p below
    ``PLACEBO_ALPHA``; otherwise null."""
    if att is None or placebo_p is None:
        return "not measured"
    if placebo_p >= synth.PLACEBO_ALPHA or att == 0:
        return "null"
    return "positive" if (att > 0) == higher_is_better else "negative"


def _effect(design: str, payload: Mapping[str, Any]) -> tuple[float | None, tuple[float, float] | None]:
    if design == "did":
        return _num(payload.get("att")), _interval(payload.get("ci"))
    if design == "its":
        return _num(payload.get("level_change")), _interval(payload.get("ci_level"))
    if design == "synth":
        return _num(payload.get("att")), None
    return _num(payload.get("estimate")), _interval(payload.get("ci_robust"))


def evaluation_evidence(*, design: str, payload: Mapping[str, Any], warnings: Sequence[str],
                        higher_is_better: bool) -> QuasiEvidence:
    """The Maryland SMS level and the Nesta level of a quasi-experimental evaluation, with
    each downgrade's reason, from its design (``did``, ``its``, ``synth`` or ``rd``) and the
    engine's output: ``payload`` is the dict ``seedbed stats <design> --json`` prints (NaN and
    infinity as None), ``warnings`` the analysis's warning codes. The levels and their source
    are set out in the comment above. Warnings that did not cost a level are kept as cautions."""
    if design not in EVALUATION_DESIGNS:
        raise ValueError("design must be one of: " + ", ".join(EVALUATION_DESIGNS))
    codes = engine_codes(payload, warnings)
    failed = _failed(design, payload, set(codes))
    case_design = ("its_comparison" if payload.get("comparison") else "its") if design == "its" else design
    effect, ci = _effect(design, payload)
    found = evidence_for(theory_of_change=True, measured_change=True, comparison="none",
                         effect=effect, ci=ci, higher_is_better=higher_is_better)
    placebo_p = _num(payload.get("placebo_p"))
    direction = (_synth_direction(effect, placebo_p, higher_is_better) if design == "synth"
                 else found.direction)
    level, reasons, cautions = found.level, list(found.reasons), list(found.warnings)
    if case_design != "its" and direction == "not measured":
        reasons.append("not level 3: no effect with an interval (or a placebo test) was estimated")
    elif case_design != "its" and failed:
        reasons.append("not level 3: the comparison did not pass the design's own checks (below)")
    elif case_design != "its":
        level = 3
        reasons.append("level 3: effect estimated against a non-random comparison group")
        cautions.append("non_random_comparison_group")
    if design == "synth" and placebo_p is not None and direction != "not measured":
        reasons.append(f"the finding is read from the placebo test (p = {placebo_p:.2g}): a "
                       "synthetic control gives no interval")
    sms, why = SMS_BASE[case_design]
    reasons.append(f"SMS level {sms}: {why}")
    for text in failed.values():
        reasons.append(f"SMS level {sms} down to {sms - 1}: {text}" if sms > 1
                       else f"SMS level 1, the lowest: {text}")
        sms = max(sms - 1, 1)
    explained = {c for check in failed for c in CHECK_CODES[check]}
    cautions += [c for c in codes if c not in explained]
    counts = (_count(payload.get("n_right")), _count(payload.get("n_left"))) if design == "rd" else (None, None)
    return QuasiEvidence(
        design=case_design, effect=effect, ci=ci, measure=MEASURE_OF_DESIGN[design], sms_level=sms,
        evidence=Evidence(level, direction, tuple(reasons), tuple(dict.fromkeys(cautions))),
        failed_checks=tuple(failed), n_intervention=counts[0], n_comparison=counts[1],
    )
