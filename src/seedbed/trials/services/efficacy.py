"""The primary outcome at an interim look, against the efficacy (and futility) boundary.

Only when the protocol plans efficacy looks (``Protocol.efficacy_looks``); otherwise no
efficacy test is done at any look. The primary outcome is analysed from the latest
accepted outcome data by the registered analysis (``results._analyse``, the same code
that produces the result), and its two-sided p-value is turned into a Z on the engine's
scale (Z > 0 favours the intervention, whichever direction is better for the outcome):

    Z = s * Phi^-1(1 - p / 2),   s = sign(effect), reversed when lower is better.

(For a t-based p this is the normal score with the same tail probability.) The Z of every
look so far is evaluated by ``seedbed.stats.monitoring.evaluate_looks`` against the
protocol's group-sequential design (its alpha, sides and spending function; Lan & DeMets
boundaries at the observed information fractions). When futility looks are planned, a
non-binding futility boundary at Z = 0 (the primary outcome not in the hoped-for direction)
is added; being non-binding, it does not change the efficacy boundaries.
The information fraction is people analysed / planned people for an individually
randomised trial, the look's enrolment fraction for a cluster trial, and, for a stepped
wedge, the GLS information of the periods completed over that of the whole design (the
fractions the plan sized its looks at, ``seedbed.stats.sw_power.stepped_wedge_look_rates``),
not calendar time.

An efficacy look is only taken when it is due: look k of the K planned is due once the
information reaches the plan's k-th fraction (k/K, or the stepped wedge's GLS fractions).
Before then the primary outcome is not tested and the look records when it will be due,
so that early safety looks cannot use up the efficacy looks. Harm is checked at every look
whatever the efficacy schedule (``seedbed.trials.services.monitoring``).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from scipy.special import ndtri

from seedbed.core.errors import ValidationProblem
from seedbed.stats.boundaries import group_sequential_design
from seedbed.stats.monitoring import (
    RECOMMEND_CONSIDER_FUTILITY,
    RECOMMEND_STOP_BENEFIT,
    RECOMMEND_STOP_HARM,
    evaluate_looks,
)
from seedbed.trials.models import Design, InterimLook, Trial
from seedbed.trials.selectors import planned_look_rates, planned_people, stepped_wedge_information

STATUS_TESTED = "tested"
STATUS_NO_DATA = "no_data"
STATUS_FAILED = "analysis_failed"
STATUS_NOT_DUE = "not_due"
STATUS_ALL_TAKEN = "all_taken"
STATUS_DATA_MISMATCH = "allocation_mismatch"
MESSAGE_NO_DATA = "No outcome data uploaded yet: the primary outcome was not tested at this look"
MESSAGE_NOT_DUE = (
    "Efficacy look {look} of {looks} is not due yet: it is due at {due:.0%} of the planned "
    "information{when} (now {now:.0%}). The primary outcome was not tested at this look"
)
MESSAGE_NOT_DUE_PERIOD = ", at the end of period {period} of {periods} ({date:%d %B %Y})"
MESSAGE_ALL_TAKEN = (
    "All {looks} planned efficacy looks have been taken: the primary outcome was not tested "
    "again at this look"
)
FUTILITY_Z = 0.0
NEEDS_DECISION = (RECOMMEND_STOP_BENEFIT, RECOMMEND_STOP_HARM, RECOMMEND_CONSIDER_FUTILITY)


def z_from_p(*, effect: float, p: float, higher_is_better: bool) -> float:
    """The engine-scale Z with the same two-sided tail probability as ``p``."""
    if not (math.isfinite(effect) and math.isfinite(p)) or not 0.0 <= p <= 1.0:
        return math.nan
    sign = (1.0 if effect >= 0 else -1.0) * (1.0 if higher_is_better else -1.0)
    return float(sign * ndtri(1.0 - max(p, 1e-300) / 2.0))


def _primary(trial: Trial) -> tuple[float, float, int] | dict[str, Any]:
    from seedbed.trials.services.results import (
        _analyse,
        allocation_mismatch_message,
        allocation_mismatches,
    )

    dataset = trial.datasets.order_by("-uploaded_at", "-id").first()
    if dataset is None:
        return {"status": STATUS_NO_DATA, "message": MESSAGE_NO_DATA}
    # data uploaded by a blinded role were not checked against the allocation list then
    if mismatched := allocation_mismatches(trial, dataset):
        return {"status": STATUS_DATA_MISMATCH, "message": allocation_mismatch_message(mismatched)}
    try:
        analysis, estimate, _followed, _cost = _analyse(trial, dataset)
    except ValidationProblem as problem:
        return {"status": STATUS_FAILED, "message": "; ".join(problem.problems.values())}
    if isinstance(estimate, dict):
        effect, p = estimate["effect"], estimate["p"]
    else:
        effect, p = estimate.effect, estimate.p
    analysed = sum(int(s.get("n") or 0) for s in analysis["outcomes"][0]["summaries"])
    return float(effect if effect is not None else math.nan), float(
        p if p is not None else math.nan), analysed


def _not_due(trial: Trial, taken: int, planned: tuple[float, ...], ends: tuple[int, ...] | None,
             rate: float) -> dict[str, Any]:
    """The efficacy part of a look taken before the next efficacy look is due."""
    protocol = trial.protocol
    when = ""
    if ends is not None and protocol.first_period_start and protocol.period_days:
        end = ends[taken]
        date = protocol.first_period_start + dt.timedelta(days=end * int(protocol.period_days) - 1)
        when = MESSAGE_NOT_DUE_PERIOD.format(period=end, periods=int(protocol.steps or 2) + 1, date=date)
    return {"status": STATUS_NOT_DUE, "due_rate": planned[taken], "information_rate": rate,
            "message": MESSAGE_NOT_DUE.format(look=taken + 1, looks=len(planned), due=planned[taken],
                                              when=when, now=rate)}


def efficacy_look(*, trial: Trial, rate: float, previous: list[InterimLook],
                  as_of: dt.date) -> dict[str, Any]:
    """The primary outcome at this look ({} when the protocol plans no efficacy looks; not
    tested, with the reason, before the next efficacy look is due or after the last)."""
    protocol = trial.protocol
    if not protocol.efficacy_looks:
        return {}
    history = [look.efficacy for look in previous if look.efficacy.get("status") == STATUS_TESTED]
    planned, ends = planned_look_rates(trial)
    if len(history) >= len(planned):
        return {"status": STATUS_ALL_TAKEN, "message": MESSAGE_ALL_TAKEN.format(looks=len(planned))}
    if protocol.design == Design.STEPPED_WEDGE:
        rate = stepped_wedge_information(trial, as_of=as_of)
    # due at the plan's next fraction, and only with new information since the last one
    due = max(planned[len(history)], history[-1]["information_rate"] + 1e-6 if history else 0.0)
    if protocol.design != Design.INDIVIDUAL and rate < due - 1e-9:
        return _not_due(trial, len(history), planned, ends, rate)
    primary = _primary(trial)
    if isinstance(primary, dict):
        return primary
    effect, p, analysed = primary
    z = z_from_p(effect=effect, p=p, higher_is_better=protocol.higher_is_better)
    if protocol.design == Design.INDIVIDUAL:
        rate = min(max(analysed / planned_people(trial), 1e-6), 1.0)
        if rate < due - 1e-9:
            return _not_due(trial, len(history), planned, ends, rate)
    zs = [h["z"] if h["z"] is not None else math.nan for h in history] + [z]
    rates = [h["information_rate"] for h in history] + [rate]
    design = group_sequential_design(
        looks=len(planned), information_rates=planned, alpha=protocol.alpha, sides=protocol.sides,
        spending=protocol.spending,
        futility_z=FUTILITY_Z if protocol.futility_looks else None,
    )
    decision = evaluate_looks(design=design, z_statistics=zs, observed_information_rates=rates)[-1]
    return {
        "status": STATUS_TESTED, "outcome": protocol.primary_outcome[:200],
        "effect": effect if math.isfinite(effect) else None, "p": p if math.isfinite(p) else None,
        "z": z if math.isfinite(z) else None, "analysed": analysed, "information_rate": rate,
        "efficacy_boundary": decision.efficacy_z, "futility_boundary": decision.futility_z,
        "sides": protocol.sides, "recommendation": decision.recommendation,
        "warnings": list(decision.warnings),
    }
