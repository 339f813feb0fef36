"""Interim looks: the recommendation at each look of a group-sequential trial.

Given a ``GroupSequentialDesign`` (``seedbed.stats.boundaries``) and the Z statistic at each
look (Z > 0 favours the intervention), each look gets one recommendation:

- ``stop_for_benefit`` when Z >= the efficacy boundary;
- ``stop_for_harm`` when Z <= the harm boundary, or, in a two-sided design, Z <= -efficacy;
- ``consider_stopping_for_futility`` when Z < the non-binding futility boundary;
- otherwise ``continue`` (or ``final_analysis_not_significant`` at the last planned look).

``evaluate_harm_looks`` judges a harm outcome against its one-sided harm boundary only: a
harm outcome is never recommended "stop for benefit", whatever its Z.

Harm is checked first: a trial for a public service stops for harm even if a later analysis
might have shown benefit. When the information actually reached differs from the plan, pass
the observed fractions: spending-function boundaries are recomputed for them (Lan & DeMets
1983), which is what makes them usable with unequal or unplanned looks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy.stats import norm

from seedbed.stats.boundaries import (
    CLASSIC_BOUNDARIES,
    GroupSequentialDesign,
    group_sequential_design,
    one_sided_bounds,
)

RECOMMEND_CONTINUE = "continue"
RECOMMEND_STOP_BENEFIT = "stop_for_benefit"
RECOMMEND_STOP_HARM = "stop_for_harm"
RECOMMEND_CONSIDER_FUTILITY = "consider_stopping_for_futility"
RECOMMEND_FINAL_NOT_SIGNIFICANT = "final_analysis_not_significant"

WARN_TOO_MANY_LOOKS = "more_looks_than_planned"
"""More Z statistics than planned looks; the extra looks were not evaluated."""
WARN_MISSING_Z = "missing_z_statistic"
"""A Z statistic was NaN or infinite; that look was recorded as continue."""
WARN_OBSERVED_RATES_IGNORED = "observed_information_rates_ignored"
"""The observed information fractions did not increase strictly (or the design uses classic
boundaries, which cannot be recomputed for unplanned looks): the planned boundaries apply."""
WARN_NO_NEW_INFORMATION = "no_new_information_since_the_last_look"
"""The information fraction did not grow since the last look: no more alpha was spent."""
WARN_STOPPED_EARLIER = "already_stopped_at_an_earlier_look"
"""A stop was recommended at an earlier look; later looks are shown for the record only."""


@dataclass(frozen=True)
class LookDecision:
    """The recommendation at one look, with the boundaries and alpha that applied."""

    look: int  # 1-based
    information_rate: float
    z: float
    p_nominal: float  # the sides-sided p-value of this Z alone
    efficacy_z: float
    harm_z: float | None
    futility_z: float | None
    nominal_alpha: float
    cumulative_alpha: float
    recommendation: str
    warnings: tuple[str, ...] = ()


def _recommend(design: GroupSequentialDesign, i: int, z: float) -> str:
    eff = design.critical_z[i]
    if design.harm_z is not None and z <= design.harm_z[i]:
        return RECOMMEND_STOP_HARM
    if design.sides == 2 and z <= -eff:
        return RECOMMEND_STOP_HARM
    if z >= eff:
        return RECOMMEND_STOP_BENEFIT
    last = i == design.looks - 1
    if last:
        return RECOMMEND_FINAL_NOT_SIGNIFICANT
    if design.futility_z is not None and z < design.futility_z[i]:
        return RECOMMEND_CONSIDER_FUTILITY
    return RECOMMEND_CONTINUE


def _redesign(design: GroupSequentialDesign, observed: Sequence[float]) -> GroupSequentialDesign:
    """Spending boundaries for the observed fractions, then the planned ones still ahead."""
    obs = [min(max(float(r), 1e-6), 1.0) for r in observed]
    if design.spending in CLASSIC_BOUNDARIES or not obs:
        return design
    if any(b <= a for a, b in zip(obs, obs[1:], strict=False)):
        return design
    ahead = [r for r in design.information_rates[len(obs) :] if r > obs[-1]]
    rates = obs + ahead
    return group_sequential_design(
        looks=len(rates),
        alpha=design.alpha,
        sides=design.sides,
        spending=design.spending,
        information_rates=rates,
        harm_alpha=design.harm_alpha,
        harm_spending=design.harm_spending or "pocock",
        futility_z=None if design.futility_z is None else _stretch(design.futility_z, len(rates)),
    )


def _stretch(values: Sequence[float], n: int) -> list[float]:
    return [values[min(i, len(values) - 1)] for i in range(n)]


def evaluate_looks(
    *,
    design: GroupSequentialDesign,
    z_statistics: Sequence[float],
    observed_information_rates: Sequence[float] | None = None,
) -> tuple[LookDecision, ...]:
    """Recommendation at each look so far (see the module docstring for the rules)."""
    extra: list[str] = []
    if observed_information_rates is not None:
        redesigned = _redesign(design, observed_information_rates)
        if redesigned is design and len(observed_information_rates) > 0:
            extra.append(WARN_OBSERVED_RATES_IGNORED)
        design = redesigned
    decisions: list[LookDecision] = []
    stopped = False
    for i, z in enumerate(z_statistics):
        warnings: list[str] = list(extra)
        if i >= design.looks:
            break
        z = float(z)
        if not math.isfinite(z):
            rec = RECOMMEND_CONTINUE
            warnings.append(WARN_MISSING_Z)
        else:
            rec = _recommend(design, i, z)
        if stopped:
            warnings.append(WARN_STOPPED_EARLIER)
        p_nom = float(design.sides * norm.sf(abs(z) if design.sides == 2 else z))
        decisions.append(
            LookDecision(
                look=i + 1,
                information_rate=design.information_rates[i],
                z=z,
                p_nominal=p_nom,
                efficacy_z=design.critical_z[i],
                harm_z=None if design.harm_z is None else design.harm_z[i],
                futility_z=None if design.futility_z is None else design.futility_z[i],
                nominal_alpha=design.nominal_alpha[i],
                cumulative_alpha=design.cumulative_alpha[i],
                recommendation=rec,
                warnings=tuple(warnings),
            )
        )
        stopped = stopped or rec in (RECOMMEND_STOP_BENEFIT, RECOMMEND_STOP_HARM)
    if len(z_statistics) > design.looks and decisions:
        last = decisions[-1]
        decisions[-1] = LookDecision(
            **{**last.__dict__, "warnings": last.warnings + (WARN_TOO_MANY_LOOKS,)}
        )
    return tuple(decisions)


@dataclass(frozen=True)
class HarmLookDecision:
    """A harm outcome at one look: its Z against the one-sided harm boundary (Z <= bound)."""

    look: int  # 1-based
    information_rate: float
    z: float
    harm_z: float
    recommendation: str  # RECOMMEND_STOP_HARM or RECOMMEND_CONTINUE, never benefit
    warnings: tuple[str, ...] = ()


def evaluate_harm_looks(
    *,
    harm_alpha: float,
    harm_spending: str,
    z_statistics: Sequence[float],
    information_rates: Sequence[float],
) -> tuple[HarmLookDecision, ...]:
    """Each look of one harm outcome against its one-sided alpha-spending boundary.

    The boundary at look k is the Lan & DeMets (1983) boundary for the information reached
    at looks 1..k (``one_sided_bounds``), negated: harm is Z <= -b_k. A look at which the
    information did not grow (the same enrolment as before, or already full) spends no more
    alpha and keeps the previous boundary. Only "stop_for_harm" or "continue" is returned.
    """
    if len(information_rates) != len(z_statistics):
        raise ValueError("one information rate per Z statistic")
    rates: list[float] = []
    reuse: list[bool] = []
    for r in information_rates:
        r = min(max(float(r), 1e-6), 1.0) if math.isfinite(float(r)) else 1e-6
        grew = not rates or r > max(rates)
        reuse.append(not grew)
        if grew:
            rates.append(r)
    bounds = one_sided_bounds(rates=rates, alpha=harm_alpha, spending=harm_spending) if rates else ()
    out: list[HarmLookDecision] = []
    k = -1
    for i, (z, reused) in enumerate(zip(z_statistics, reuse, strict=True)):
        if not reused:
            k += 1
        warnings: list[str] = []
        bound = -float(bounds[k])
        z = float(z)
        if not math.isfinite(z):
            rec = RECOMMEND_CONTINUE
            warnings.append(WARN_MISSING_Z)
        else:
            rec = RECOMMEND_STOP_HARM if z <= bound else RECOMMEND_CONTINUE
        if reused:
            warnings.append(WARN_NO_NEW_INFORMATION)
        out.append(HarmLookDecision(look=i + 1, information_rate=rates[k], z=z, harm_z=bound,
                                    recommendation=rec, warnings=tuple(warnings)))
    return tuple(out)
