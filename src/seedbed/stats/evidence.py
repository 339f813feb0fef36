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
from collections.abc import Sequence
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


# --- What happened in a trial: the level it earns, and each downgrade with its reason -------
#
# A randomised trial reaches Nesta level 3 only if the randomised comparison survived what
# happened. The checks, each giving a downgrade to level 2 ("change was measured, but the
# design that happened cannot confirm the intervention caused it") with its reason:
#
# - randomisation: the comparison was not randomised.
# - attrition (What Works Clearinghouse, *Standards Handbook, Version 4.1*, 2020, Table II.1,
#   "Highest differential attrition for a sample to maintain low attrition"): overall
#   attrition (randomised units without outcome data, over all arms) and differential
#   attrition (the largest difference in attrition between an arm and the control arm), both
#   in percentage points, are compared with the cautious boundary (the default: for
#   interventions that may themselves change who stays in the study, as any social-care
#   service may) or the liberal (in v4.1 "optimistic") boundary. Above the boundary is
#   "high attrition". The table is given for whole percentages of overall attrition; between
#   two rows the lower (stricter) boundary of the two is used.
# - sample ratio mismatch (``seedbed.stats.quality.sample_ratio_mismatch``): Pearson's
#   chi-square of the randomised counts against the planned allocation ratio, p < 0.001.
# - achieved power: the power the analysed sample had to detect the planned effect (the
#   two-sample t-test for a standardised effect, or the pooled two-proportion test, of
#   ``seedbed.stats.power``, on the analysed numbers divided by the design effect); below
#   ``POWER_FLOOR`` (0.5) a null result says little and a positive one is likely exaggerated
#   (Button et al., Nat Rev Neurosci 2013;14:365-376).
# - stopping early: a trial stopped at an interim look analysed fewer than planned; one
#   stopped for benefit overestimates the effect (Bassler et al., JAMA 2010;303:1180-1187).
#   A trial stopped for harm is reported as harmful, whatever its primary outcome showed.

WWC_HANDBOOK = "What Works Clearinghouse Standards Handbook, Version 4.1 (2020), Table II.1"
BOUNDARY_CAUTIOUS = "cautious"
BOUNDARY_LIBERAL = "liberal"
BOUNDARIES = (BOUNDARY_CAUTIOUS, BOUNDARY_LIBERAL)
# Highest differential attrition (percentage points) still "low", by overall attrition
# 0, 1, 2, ... per cent. Cautious: none beyond 57% overall. Liberal: none beyond 65%.
WWC_CAUTIOUS: tuple[float, ...] = (
    5.7, 5.8, 5.9, 5.9, 6.0, 6.1, 6.2, 6.3, 6.3, 6.3, 6.3, 6.2, 6.2, 6.1, 6.0,
    5.9, 5.9, 5.8, 5.7, 5.5, 5.4, 5.3, 5.2, 5.1, 4.9, 4.8, 4.7, 4.5, 4.4, 4.3,
    4.1, 4.0, 3.8, 3.6, 3.5, 3.3, 3.2, 3.1, 2.9, 2.8, 2.6, 2.5, 2.3, 2.1, 2.0,
    1.8, 1.6, 1.5, 1.3, 1.2, 1.0, 0.9, 0.7, 0.6, 0.4, 0.3, 0.2, 0.0,
)
WWC_LIBERAL: tuple[float, ...] = (
    10.0, 10.1, 10.2, 10.3, 10.4, 10.5, 10.7, 10.8, 10.9, 10.9, 10.9, 10.9,
    10.9, 10.8, 10.8, 10.7, 10.6, 10.5, 10.3, 10.2, 10.0, 9.9, 9.7, 9.5, 9.4,
    9.2, 9.0, 8.8, 8.6, 8.4, 8.2, 8.0, 7.8, 7.6, 7.4, 7.2, 7.0, 6.7, 6.5, 6.3,
    6.0, 5.8, 5.6, 5.3, 5.1, 4.9, 4.6, 4.4, 4.2, 3.9, 3.7, 3.5, 3.2, 3.0, 2.8,
    2.6, 2.3, 2.1, 1.9, 1.6, 1.4, 1.1, 0.9, 0.7, 0.5, 0.3,
)
POWER_FLOOR = 0.5
SRM_P = 0.001

DIRECTION_HARMFUL = "harmful"

STOP_HARM, STOP_BENEFIT, STOP_FUTILITY, STOP_OTHER = "harm", "benefit", "futility", "other"
STOP_REASONS = (STOP_HARM, STOP_BENEFIT, STOP_FUTILITY, STOP_OTHER)

DOWNGRADE_NOT_RANDOMISED = "not_randomised"
DOWNGRADE_HIGH_ATTRITION = "high_attrition"
DOWNGRADE_SAMPLE_RATIO = "sample_ratio_mismatch"
DOWNGRADE_LOW_POWER = "low_achieved_power"
DOWNGRADE_STOPPED = {
    STOP_HARM: "stopped_early_for_harm", STOP_BENEFIT: "stopped_early_for_benefit",
    STOP_FUTILITY: "stopped_early_for_futility", STOP_OTHER: "stopped_early",
}
DOWNGRADE_TEXT = {
    DOWNGRADE_NOT_RANDOMISED: "The comparison group was not randomised, so other differences "
                              "between the groups could explain the result.",
    DOWNGRADE_HIGH_ATTRITION: "High attrition: {overall:.1f}% of those randomised have no "
                              "outcome, with a difference of {differential:.1f} percentage "
                              "points between arms, above the {boundary} boundary of "
                              "{limit} ({source}).",
    DOWNGRADE_SAMPLE_RATIO: "The numbers randomised to each arm ({observed}) are very unlikely "
                            "under the planned ratio (chi-square {chi:.1f} on {df} df, "
                            "p = {p:.2g}): the allocation may not have worked as planned.",
    DOWNGRADE_LOW_POWER: "The analysed sample had only {power:.0%} power to detect the "
                         "planned effect: a null result says little, and a positive one "
                         "is likely to be an overestimate.",
    "stopped_early_for_harm": "The trial was stopped early for harm, so fewer were analysed "
                              "than planned; the finding is that the intervention did harm.",
    "stopped_early_for_benefit": "The trial was stopped early for benefit: trials stopped "
                                 "early for benefit tend to overestimate the effect.",
    "stopped_early_for_futility": "The trial was stopped early for futility, so fewer were "
                                  "analysed than planned.",
    "stopped_early": "The trial was stopped early, so fewer were analysed than planned.",
}
ATTRITION_LIMIT_NONE = "no differential attrition at this overall attrition"

ERR_COUNTS = "give one count per arm, the same arms for {name}, with the control arm first"
ERR_NEGATIVE = "{name} must be whole numbers of at least 0"
ERR_ANALYSED_MORE = "more were analysed than randomised in arm {arm}"
ERR_BOUNDARY = "attrition_boundary must be 'cautious' or 'liberal'"
ERR_STOP = "stopped_for must be one of: harm, benefit, futility, other (or empty)"


@dataclass(frozen=True)
class Attrition:
    """Overall and differential attrition (proportions) against a WWC boundary."""

    overall: float
    by_arm: tuple[float, ...]
    differential: float
    boundary: str
    max_differential: float | None  # proportion; None: no differential is low at this overall
    high: bool


@dataclass(frozen=True)
class Downgrade:
    code: str
    text: str


@dataclass(frozen=True)
class TrialEvidence:
    """The level a trial earns from what happened, with every downgrade and its reason."""

    level: int
    direction: str  # the primary outcome's direction, or DIRECTION_HARMFUL if stopped for harm
    primary_direction: str
    reasons: tuple[str, ...]
    downgrades: tuple[Downgrade, ...]
    attrition: Attrition | None
    sample_ratio_p: float | None
    achieved_power: float | None
    warnings: tuple[str, ...] = ()


def _boundary_pp(overall_pct: float, boundary: str) -> float | None:
    table = WWC_CAUTIOUS if boundary == BOUNDARY_CAUTIOUS else WWC_LIBERAL
    rows = {math.floor(overall_pct + 1e-9), math.ceil(overall_pct - 1e-9)}
    if any(r >= len(table) for r in rows):
        return None
    return min(table[r] for r in rows)


def _counts(name: str, values: Sequence[int]) -> tuple[int, ...]:
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) \
                or v < 0 or int(v) != v:
            raise ValueError(ERR_NEGATIVE.format(name=name))
        out.append(int(v))
    return tuple(out)


def attrition_wwc(
    *, randomised: Sequence[int], analysed: Sequence[int], boundary: str = BOUNDARY_CAUTIOUS
) -> Attrition:
    """Overall and differential attrition, judged against the WWC boundary (see above).

    ``randomised`` and ``analysed`` are counts per arm, control first. Attrition of an arm is
    1 - analysed / randomised; the differential is the largest |attrition(arm) -
    attrition(control)|. A differential on the boundary counts as low (the table gives the
    highest differential that is still low).
    """
    if boundary not in BOUNDARIES:
        raise ValueError(ERR_BOUNDARY)
    n = _counts("randomised", randomised)
    a = _counts("analysed", analysed)
    if len(n) < 2 or len(a) != len(n):
        raise ValueError(ERR_COUNTS.format(name="randomised and analysed"))
    for arm, (ni, ai) in enumerate(zip(n, a, strict=True)):
        if ai > ni:
            raise ValueError(ERR_ANALYSED_MORE.format(arm=arm + 1))
    by_arm = tuple(1.0 - ai / ni if ni else math.nan for ni, ai in zip(n, a, strict=True))
    total = sum(n)
    overall = 1.0 - sum(a) / total if total else math.nan
    finite = [x for x in by_arm[1:] if math.isfinite(x)]
    differential = max((abs(x - by_arm[0]) for x in finite), default=math.nan) \
        if math.isfinite(by_arm[0]) else math.nan
    if not (math.isfinite(overall) and math.isfinite(differential)):
        return Attrition(overall, by_arm, differential, boundary, None, False)
    limit = _boundary_pp(100.0 * overall, boundary)
    high = limit is None or 100.0 * differential > limit + 1e-9
    return Attrition(overall, by_arm, differential, boundary,
                     None if limit is None else limit / 100.0, high)


def achieved_power(
    *, analysed: Sequence[int], effect_size: float | None = None,
    p_control: float | None = None, p_treatment: float | None = None,
    alpha: float = 0.05, sides: int = 2, design_effect: float = 1.0,
) -> float | None:
    """Power of the analysed sample (control, intervention) to detect the planned effect.

    The effective numbers are the analysed numbers divided by the design effect (1 for an
    individually randomised trial). None when the plan gives no effect or an arm is empty.
    """
    from seedbed.stats.power import power_binary, power_continuous

    n = _counts("analysed", analysed)
    if len(n) < 2:
        raise ValueError(ERR_COUNTS.format(name="analysed"))
    if not math.isfinite(design_effect) or design_effect < 1.0:
        raise ValueError("design_effect must be a number of at least 1")
    planned = effect_size is not None or (p_control is not None and p_treatment is not None)
    n_c, n_t = n[0] / design_effect, n[1] / design_effect
    if not planned:
        return None
    if n_c < 2 or n_t < 2:
        return 0.0
    if effect_size is not None:
        if not math.isfinite(effect_size):
            raise ValueError("effect_size must be a finite number")
        return power_continuous(n_per_arm=n_c, effect_size=effect_size, alpha=alpha,
                                sides=sides, ratio=n_t / n_c)
    if p_control is not None and p_treatment is not None:
        return power_binary(n_per_arm=n_c, p_control=p_control, p_treatment=p_treatment,
                            alpha=alpha, sides=sides, ratio=n_t / n_c)
    return None


def achieved_power_stepped_wedge(
    *, clusters: int, steps: int, people_per_cluster_period: float, icc: float,
    effect_size: float | None = None, p_control: float | None = None,
    p_treatment: float | None = None, alpha: float = 0.05, sides: int = 2,
) -> float | None:
    """Power of an analysed stepped-wedge trial to detect the planned effect: the Hussey &
    Hughes variance (``seedbed.stats.sw_power``) for ``clusters`` clusters crossing over in
    ``steps`` steps after one baseline period (whole clusters per step, at least one), with
    the mean number of people per cluster and period analysed. None without a planned effect.
    """
    from seedbed.stats.cluster_power import binary_outcome, continuous_outcome
    from seedbed.stats.sw_power import stepped_wedge_power

    if effect_size is not None:
        outcome = continuous_outcome(effect_size=effect_size)
    elif p_control is not None and p_treatment is not None:
        outcome = binary_outcome(p_control=p_control, p_treatment=p_treatment)
    else:
        return None
    if steps < 1 or clusters < steps or people_per_cluster_period <= 0:
        return 0.0
    return stepped_wedge_power(outcome=outcome, icc=icc, steps=steps,
                               clusters_per_step=clusters // steps,
                               cluster_size=people_per_cluster_period, alpha=alpha, sides=sides)


def trial_evidence(
    *,
    effect: float | None,
    ci: tuple[float, float] | None,
    higher_is_better: bool = True,
    randomised: bool = True,
    allocated: Sequence[int] | None = None,
    analysed: Sequence[int] | None = None,
    analysed_people: Sequence[int] | None = None,
    planned_ratio: Sequence[float] | None = None,
    effect_size: float | None = None,
    p_control: float | None = None,
    p_treatment: float | None = None,
    alpha: float = 0.05,
    sides: int = 2,
    design_effect: float = 1.0,
    stopped_for: str = "",
    attrition_boundary: str = BOUNDARY_CAUTIOUS,
    power: float | None = None,
) -> TrialEvidence:
    """The Nesta level of a trial's finding, computed from what happened (see above).

    ``allocated`` and ``analysed`` are per arm, control first (omit either to skip the
    checks that need it: attrition needs both, sample ratio needs ``allocated``, power needs
    ``analysed`` and the planned effect). In a cluster trial ``allocated`` and ``analysed``
    count clusters and ``analysed_people`` the people analysed (for power, with the design
    effect); by default power uses ``analysed``. ``power`` gives the achieved power computed
    by the caller for a design the two-arm formula does not fit (a stepped wedge: see
    ``achieved_power_stepped_wedge``). Each failed check is a ``Downgrade``; any
    downgrade takes level 3 to level 2.
    """
    from seedbed.stats.quality import sample_ratio_mismatch

    if stopped_for not in ("", *STOP_REASONS):
        raise ValueError(ERR_STOP)
    if attrition_boundary not in BOUNDARIES:
        raise ValueError(ERR_BOUNDARY)
    base = evidence_level(
        theory_of_change=True, measured_change=True,
        comparison=COMPARISON_RANDOMISED if randomised else COMPARISON_NON_RANDOM,
        effect=effect, ci=ci, higher_is_better=higher_is_better,
    )
    downgrades: list[Downgrade] = []
    if not randomised:
        downgrades.append(Downgrade(DOWNGRADE_NOT_RANDOMISED, DOWNGRADE_TEXT[DOWNGRADE_NOT_RANDOMISED]))
    attrition = None
    if allocated is not None and analysed is not None:
        attrition = attrition_wwc(randomised=allocated, analysed=analysed,
                                  boundary=attrition_boundary)
        if attrition.high:
            limit = ATTRITION_LIMIT_NONE if attrition.max_differential is None else \
                f"{100 * attrition.max_differential:.1f} percentage points"
            downgrades.append(Downgrade(DOWNGRADE_HIGH_ATTRITION,
                                        DOWNGRADE_TEXT[DOWNGRADE_HIGH_ATTRITION].format(
                overall=100 * attrition.overall, differential=100 * attrition.differential,
                boundary=attrition_boundary, limit=limit, source=WWC_HANDBOOK)))
    srm_p = None
    if allocated is not None and sum(allocated) > 0:
        ratio = list(planned_ratio) if planned_ratio is not None else None
        srm = sample_ratio_mismatch(counts=list(allocated), ratio=ratio, threshold=SRM_P)
        srm_p = srm.p
        if srm.mismatch:
            downgrades.append(Downgrade(DOWNGRADE_SAMPLE_RATIO,
                                        DOWNGRADE_TEXT[DOWNGRADE_SAMPLE_RATIO].format(
                observed=", ".join(str(c) for c in srm.observed), chi=srm.chi_square,
                df=srm.df, p=srm.p)))
    people = analysed_people if analysed_people is not None else analysed
    if power is None and people is not None:
        power = achieved_power(analysed=people[:2], effect_size=effect_size, p_control=p_control,
                               p_treatment=p_treatment, alpha=alpha, sides=sides,
                               design_effect=design_effect)
    if power is not None and power < POWER_FLOOR:
        downgrades.append(Downgrade(DOWNGRADE_LOW_POWER,
                                    DOWNGRADE_TEXT[DOWNGRADE_LOW_POWER].format(power=power)))
    if stopped_for:
        code = DOWNGRADE_STOPPED[stopped_for]
        downgrades.append(Downgrade(code, DOWNGRADE_TEXT[code]))
    level = base.level
    reasons = list(base.reasons)
    if level >= 3 and downgrades:
        level = 2
        reasons = [r for r in reasons if not r.startswith("level 3")]
        reasons.append("level 3 not reached: the comparison was weakened by "
                       + "; ".join(d.code.replace("_", " ") for d in downgrades))
    direction = DIRECTION_HARMFUL if stopped_for == STOP_HARM else base.direction
    return TrialEvidence(level, direction, base.direction, tuple(reasons), tuple(downgrades),
                         attrition, srm_p, power, base.warnings)
