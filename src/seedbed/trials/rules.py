"""Pure decisions about trials (no writes): who may learn the allocation, and when.

Blinding in Seedbed: while a trial is recruiting (or paused for a safety review), the arm of
every enrolled unit is known to the frontline worker who enrolled it (they deliver the
intervention) and to the trial's named safety lead (who monitors harm unblinded); nobody
else learns any arm, from any page, message, count, export or difference in answers. Once
recruitment has closed, or the trial has stopped, the analysis is run on the arms and the
people running it may see them; the seed (and with it the whole sequence) is published with
the result.

Also pure: a protocol's power calculation through the statistics engine (``compute_power``,
``describe_power``) and JSON-safe copies of engine results (``json_safe``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from typing import Any

from django.utils import timezone
from scipy.special import ndtri

from seedbed.core.audit import canonical_json
from seedbed.stats.boundaries import group_sequential_design
from seedbed.stats.cluster_power import (
    binary_outcome,
    cluster_plan,
    cluster_power,
    continuous_outcome,
)
from seedbed.stats.design_effects import group_sequential_sample_size
from seedbed.stats.evidence import achieved_power_stepped_wedge
from seedbed.stats.power import sample_size_binary, sample_size_continuous
from seedbed.stats.power_curves import default_sizes, power_curve
from seedbed.stats.sw_power import stepped_wedge_plan
from seedbed.trials.models import Allocation, Design, Protocol, RandomisationMethod, Trial

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


CONCEALED_UNTIL_ENDED = ("block_sizes", "minimisation_weights", "minimisation_probability")
"""Protocol fields that help predict the next allocation: not on the public registry (page
or API) while the trial recruits, shown once recruitment has ended. (A minimised trial's
factors stay visible: recruiters give each unit's levels at enrolment. Its weights and
random element, like block sizes, are the detail SPIRIT 2013 item 16a keeps from those who
enrol.)"""


# --- the power calculation -------------------------------------------------------------------
#
# The power calculation of a protocol, through the statistics engine (``seedbed.stats``).
#
# Reads the protocol's design fields and returns the sample size with every figure that went
# into it, the power the recommended design achieves and a power curve, or the problems that
# stop it being computed (field -> message).
#
# - Individual: t-test (continuous) or pooled-normal (binary) sample size per arm
#   (``seedbed.stats.power``).
# - Cluster: the number of clusters per arm at which the cluster-level t-test on 2G - 2 df
#   reaches the power (``seedbed.stats.cluster_power.cluster_plan``).
# - Stepped wedge: the smallest multiple of the steps reaching the power under the Hussey &
#   Hughes (2007) variance, one baseline period, ``cluster_size`` people per cluster per period
#   (``seedbed.stats.sw_power.stepped_wedge_plan``).
# - Interim looks inflate the size only when the protocol plans efficacy looks (the primary
#   outcome tested against the efficacy boundary of the registered spending function). Looks
#   that test harm only, and non-binding futility looks, do not change the size.

ERROR_EFFECT = "Enter the smallest effect worth detecting (a standardised effect size such as 0.3)"
ERROR_PROPORTIONS = "Enter the expected proportions in the control and intervention arms"
ERROR_ICC = "Enter the intra-cluster correlation (between 0 and 1)"
ERROR_CLUSTER_SIZE = "Enter the average number of people per cluster"
ERROR_STEPS = "Enter the number of steps (at least 2)"
ERROR_ZERO_EFFECT = "The effect is zero: no sample size can detect it"
ERROR_TOO_MANY_LOOKS = (
    "A stepped-wedge trial with {steps} steps can have at most {most} looks (one at the end of "
    "each period after the first crossover)"
)

# The engine names its argument first in each message; the form's words for each field.
FIELD_WORDS = {
    "effect_size": ("effect_size", "The effect size"),
    "p_control": ("p_control", "The expected proportion in the control arm"),
    "p_treatment": ("p_treatment", "The expected proportion in the intervention arm"),
    "icc": ("icc", "The intra-cluster correlation"),
    "cluster_size": ("cluster_size", "The average cluster size"),
    "steps": ("steps", "The number of steps"),
    "alpha": ("alpha", "The significance level"),
    "power": ("power", "The power"),
    "sides": ("sides", "The number of sides"),
    "looks": ("interim_looks", "The number of planned looks"),
}


def _problem(exc: ValueError) -> dict[str, str]:
    """Put an engine message on the field it names, in the form's words."""
    text = str(exc)
    for name, (field, words) in FIELD_WORDS.items():
        if text.startswith(name + " "):
            return {field: words + text[len(name):]}
    return {"alpha": text[0].upper() + text[1:]}


def compute_power(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(calculation, problems) for protocol field values; calculation is {} on problems.

    See the module docstring for the methods. ``calculation`` holds the inputs, the method,
    ``n_per_arm`` (people per arm; for a stepped wedge half the people measured), the design
    (clusters), the achieved ``achieved_power`` and ``curve`` (power and MDE by design size).
    """
    alpha = float(values.get("alpha") or 0.05)
    power = float(values.get("power") or 0.8)
    sides = int(values.get("sides") or 2)
    design = values.get("design") or "individual"
    looks = int(values.get("interim_looks") or 1)
    efficacy = bool(values.get("efficacy_looks")) and looks > 1
    spending = values.get("spending") or "obrien-fleming"
    calc: dict[str, Any] = {
        "alpha": alpha, "power": power, "sides": sides, "design": design, "looks": looks,
        "efficacy_looks": efficacy, "futility_looks": bool(values.get("futility_looks")),
    }
    binary = values.get("outcome_type") == "binary"
    if binary and (values.get("p_control") is None or values.get("p_treatment") is None):
        return {}, {"p_control": ERROR_PROPORTIONS}
    if not binary and values.get("effect_size") is None:
        return {}, {"effect_size": ERROR_EFFECT}
    problems = _design_problems(values, design)
    if problems:
        return {}, problems
    try:
        if binary:
            p0, p1 = float(values["p_control"]), float(values["p_treatment"])
            base = sample_size_binary(
                p_control=p0, p_treatment=p1, alpha=alpha, power=power, sides=sides
            )
            outcome = binary_outcome(p_control=p0, p_treatment=p1)
            calc.update(method=base.method, p_control=p0, p_treatment=p1)
            effect_args: dict[str, Any] = {"p_control": p0, "p_treatment": p1}
        else:
            d = float(values["effect_size"])
            base = sample_size_continuous(effect_size=d, alpha=alpha, power=power, sides=sides)
            outcome = continuous_outcome(effect_size=d)
            calc.update(method=base.method, effect_size=d)
            effect_args = {"effect_size": d}
        if not math.isfinite(base.n_per_arm):
            return {}, {"effect_size" if not binary else "p_treatment": ERROR_ZERO_EFFECT}
        spec: dict[str, Any] = {"alpha": alpha, "power": power, "sides": sides,
                "looks": looks if efficacy else 1, "spending": spending}
        calc["n_per_arm_individual"] = round(float(base.n_per_arm), 2)
        warnings = list(base.warnings)
        size: int | None
        if design == "individual":
            size, label = _individual(calc, base.n_per_arm, spec)
            curve_args: dict[str, Any] = {}
        else:
            icc, m = float(values["icc"]), int(values["cluster_size"])
            curve_args = {"icc": icc, "cluster_size": m}
            if design == "cluster":
                plan = cluster_plan(outcome=outcome, cluster_size=m, icc=icc, **spec)
                size, label = plan.clusters_per_arm, "cluster"
                calc.update(method_clusters="cluster-level t-test (noncentral t, 2G - 2 df)",
                            design_effect=round(plan.design_effect, 4),
                            clusters_per_arm=size, cluster_size=m, icc=icc,
                            achieved_power=round(plan.power, 4), n_per_arm=(size or 0) * m)
                warnings += plan.warnings
            else:
                steps = int(values["steps"])
                sw = stepped_wedge_plan(outcome=outcome, icc=icc, steps=steps, cluster_size=m,
                                        baseline=1, **spec)
                size, label = sw.clusters, "stepped-wedge"
                curve_args["steps"] = steps
                calc.update(method_clusters="Hussey & Hughes (2007) GLS variance",
                            clusters=size, clusters_per_step=sw.clusters_per_step, steps=steps,
                            periods=sw.periods, cluster_size=m, icc=icc,
                            achieved_power=round(sw.power, 4),
                            n_per_arm=math.ceil((sw.total_n or 0) / 2 - 1e-9))
                warnings += sw.warnings
        kind = {"individual": "individual", "cluster": "cluster"}.get(label, "stepped-wedge")
        curve = power_curve(
            design=kind, sizes=default_sizes(design=kind, recommended=size,
                                             steps=curve_args.get("steps", 4)),
            **effect_args, **curve_args, **spec,
        )
    except ValueError as exc:
        return {}, _problem(exc)
    calc["curve"] = {
        "size_label": curve.size_label,
        "recommended": size,
        "points": [
            [p.size, round(p.power, 4), round(p.mde, 4) if math.isfinite(p.mde) else None]
            for p in curve.points
        ],
    }
    calc["warnings"] = list(dict.fromkeys(warnings))
    return calc, {}


def _design_problems(values: dict[str, Any], design: str) -> dict[str, str]:
    problems: dict[str, str] = {}
    if design not in ("cluster", "stepped_wedge"):
        return problems
    icc, m = values.get("icc"), values.get("cluster_size")
    if icc is None or not 0 <= float(icc) < 1:
        problems["icc"] = ERROR_ICC
    if not m or int(m) < 1:
        problems["cluster_size"] = ERROR_CLUSTER_SIZE
    if design == "stepped_wedge" and (not values.get("steps") or int(values["steps"]) < 2):
        problems["steps"] = ERROR_STEPS
    elif design == "stepped_wedge" and values.get("efficacy_looks"):
        # one baseline period: a look can end each of the `steps` periods after it
        steps, looks = int(values["steps"]), int(values.get("interim_looks") or 1)
        if looks > steps:
            problems["interim_looks"] = ERROR_TOO_MANY_LOOKS.format(steps=steps, most=steps)
    return problems


def _individual(calc: dict[str, Any], n: float, spec: dict[str, Any]) -> tuple[int, str]:
    if spec["looks"] > 1:
        gsd = group_sequential_design(
            looks=spec["looks"], alpha=spec["alpha"], sides=spec["sides"],
            spending=spec["spending"],
        )
        factor, n = group_sequential_sample_size(n_per_arm=n, design=gsd, power=spec["power"])
        calc["inflation_factor"] = round(factor, 4)
    calc["n_per_arm"] = math.ceil(n - 1e-9)
    return calc["n_per_arm"], "individual"


def describe_power(calc: dict[str, Any]) -> str:
    """One plain paragraph describing a power calculation."""
    if not calc:
        return "Not yet calculated."
    if "effect_size" in calc:
        what = f"a standardised effect of {calc['effect_size']}"
    else:
        what = f"a change from {calc.get('p_control')} to {calc.get('p_treatment')}"
    aim = (
        f"to detect {what} with {round(calc['power'] * 100)}% power at a {calc['sides']}-sided "
        f"significance level of {calc['alpha']}"
    )
    design = calc.get("design")
    if design == "stepped_wedge" and "clusters" in calc:
        text = (
            f"{calc['clusters']} clusters ({calc['clusters_per_step']} crossing over at each of "
            f"{calc['steps']} steps after one baseline period), {calc['cluster_size']} people per "
            f"cluster in each of {calc['periods']} periods, {aim} "
            f"({calc['method_clusters']}, ICC {calc['icc']}); this design has "
            f"{round(calc['achieved_power'] * 100, 1)}% power"
        )
    elif design == "cluster" and "clusters_per_arm" in calc:
        text = (
            f"{calc['clusters_per_arm']} clusters of {calc['cluster_size']} per arm "
            f"({calc['n_per_arm']} people per arm) {aim} ({calc['method_clusters']}, design "
            f"effect {calc['design_effect']}); this design has "
            f"{round(calc['achieved_power'] * 100, 1)}% power"
        )
    else:
        text = f"{calc['n_per_arm']} per arm {aim} ({calc['method']})"
        if "design_effect" in calc:  # calculations saved before clusters were sized exactly
            text += f", including a design effect of {calc['design_effect']}"
    looks = int(calc.get("looks") or 1)
    if calc.get("efficacy_looks"):
        text += f", allowing for {looks} planned looks that can stop early for benefit"
        if "inflation_factor" in calc:
            text += f" (sample size inflated by {calc['inflation_factor']})"
    elif "inflation_factor" in calc:  # saved before efficacy looks were asked about
        text += f", inflated by {calc['inflation_factor']} for {looks} planned looks"
    text += "."
    if looks > 1 and not calc.get("efficacy_looks") and "efficacy_looks" in calc:
        text += (
            f" The {looks} planned looks check for harm only, so the sample size is not "
            "inflated for them."
        )
    if calc.get("futility_looks") and looks > 1:
        text += " The looks may also suggest stopping for futility (non-binding)."
    return text


# --- JSON-safe engine results -----------------------------------------------------------------

def json_safe(value: Any) -> Any:
    """Copy with tuples as lists, numpy scalars as Python numbers, NaN/inf as None."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# --- efficacy looks: the engine-scale Z of a p-value ---------------------------------------

def z_from_p(*, effect: float, p: float, higher_is_better: bool) -> float:
    """The engine-scale Z with the same two-sided tail probability as ``p``."""
    if not (math.isfinite(effect) and math.isfinite(p)) or not 0.0 <= p <= 1.0:
        return math.nan
    sign = (1.0 if effect >= 0 else -1.0) * (1.0 if higher_is_better else -1.0)
    return float(sign * ndtri(1.0 - max(p, 1e-300) / 2.0))


# --- protocols: the fields, the frozen content's hash, warnings at registration ----------------

PROTOCOL_FIELDS = tuple(
    f.name for f in Protocol._meta.get_fields()
    if f.concrete and f.name not in ("id", "trial", "updated_at")
)
WARN_FEWER_CLUSTERS = (
    "The protocol lists {listed} clusters but the power calculation needs {required} for "
    "{target:.0%} power; with {listed} the trial has {power:.0%} power to detect the planned "
    "effect. Add clusters, or register it knowing it is under-powered (a pilot, say): its "
    "result will be judged on the power it achieves."
)


def cluster_shortfall(values: dict[str, Any], calc: dict[str, Any]) -> str:
    """A warning when a cluster or stepped-wedge protocol lists fewer clusters than its power
    calculation needs ("" otherwise), with the power of the clusters listed (the plan's own
    maths: ``cluster_power`` at the listed clusters per arm, or the Hussey & Hughes power
    at the listed clusters). Not a registration problem: an under-powered pilot is
    legitimate, but it is recorded with the plan and shown on the trial's page."""
    design = values.get("design")
    listed = len([c for c in str(values.get("clusters") or "").splitlines() if c.strip()])
    if design == Design.STEPPED_WEDGE and calc.get("clusters"):
        required = int(calc["clusters"])
    elif design == Design.CLUSTER and calc.get("clusters_per_arm"):
        arms = len([a for a in str(values.get("arms") or "").split(",") if a.strip()]) or 2
        required = int(calc["clusters_per_arm"]) * arms
    else:
        return ""
    if listed >= required or not calc.get("cluster_size") or calc.get("icc") is None:
        return ""
    binary = values.get("outcome_type") == "binary"
    alpha, sides = float(calc.get("alpha") or 0.05), int(calc.get("sides") or 2)
    try:
        if design == Design.STEPPED_WEDGE:
            power = achieved_power_stepped_wedge(
                clusters=listed, steps=int(calc["steps"]),
                people_per_cluster_period=float(calc["cluster_size"]), icc=float(calc["icc"]),
                effect_size=None if binary else values.get("effect_size"),
                p_control=values.get("p_control") if binary else None,
                p_treatment=values.get("p_treatment") if binary else None,
                alpha=alpha, sides=sides) or 0.0
        else:
            outcome = (binary_outcome(p_control=values["p_control"], p_treatment=values["p_treatment"])
                       if binary else continuous_outcome(effect_size=values["effect_size"]))
            per_arm = listed // arms
            power = 0.0 if per_arm < 2 else cluster_power(
                outcome=outcome, clusters_per_arm=per_arm, cluster_size=float(calc["cluster_size"]),
                icc=float(calc["icc"]), alpha=alpha, sides=sides)
    except (KeyError, TypeError, ValueError):
        return ""
    return WARN_FEWER_CLUSTERS.format(listed=listed, required=required,
                                      target=float(calc.get("power") or 0.8), power=power)


def content_hash(content: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON (sorted keys, compact) of frozen content."""
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def registration_block_warning(protocol: Protocol) -> str:
    """The warning on predictable permuted blocks for this protocol ("" if none, and for a
    stepped wedge, whose schedule is not drawn in blocks)."""
    if protocol.design == Design.STEPPED_WEDGE:
        return ""
    return block_size_warning(block_sizes=protocol.block_size_list, arms=len(protocol.arm_list))


# --- probes -------------------------------------------------------------------------------------

def end_date_default(today: dt.date | None = None) -> dt.date:
    """Probes are short: by default eight weeks from today."""
    return (today or timezone.localdate()) + dt.timedelta(weeks=8)


# --- allocation -----------------------------------------------------------------------------

def allocation_digest(*, seed: str, allocation: Allocation) -> str:
    """SHA-256 of "<seed>|<stratum>|<position>|<unit>|<arm>": in the audit chain, it commits
    to each allocation without revealing the arm until the seed is revealed."""
    text = "|".join([seed, allocation.stratum, str(allocation.position), allocation.unit_ref,
                     allocation.arm])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- minimisation ---------------------------------------------------------------------------

def parse_minimisation_factors(text: str) -> list[tuple[str, list[str]]] | None:
    """The factors a protocol writes, one per line as "Name: level, level, ..." ->
    [(name, [levels])]; None unless every line has a name, a colon and at least two
    distinct levels, and no two factors share a name (ignoring case)."""
    factors: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        name, colon, rest = line.partition(":")
        levels = [v.strip() for v in rest.split(",") if v.strip()]
        if not colon or not name.strip() or len(levels) < 2:
            return None
        if len({v.casefold() for v in levels}) != len(levels):
            return None
        factors.append((name.strip(), levels))
    names = [n.casefold() for n, _ in factors]
    return factors if factors and len(set(names)) == len(names) else None


def parse_minimisation_weights(text: str, count: int) -> list[float] | None:
    """The factor weights a protocol writes ("2, 1, 1"; "" is 1 each) -> one positive number
    per factor, or None."""
    if not text.strip():
        return [1.0] * count
    try:
        weights = [float(w) for w in text.split(",")]
    except ValueError:
        return None
    if len(weights) != count or not all(math.isfinite(w) and w > 0 for w in weights):
        return None
    return weights


def factor_column(name: str) -> str:
    """The outcome-file column holding a minimisation factor ("Age group" -> "age_group"):
    the primary analysis adjusts for every factor the allocation balanced on."""
    return re.sub(r"[^0-9a-z]+", "_", name.casefold()).strip("_") or "factor"


def uses_minimisation(protocol: Protocol) -> bool:
    return bool(protocol.randomisation_method == RandomisationMethod.MINIMISATION)


def minimisation_factors(protocol: Protocol) -> list[tuple[str, list[str]]]:
    """The protocol's minimisation factors and their levels ([] unless it uses minimisation)."""
    if not uses_minimisation(protocol):
        return []
    return parse_minimisation_factors(protocol.minimisation_factors) or []


MINIMISATION_FIELDS = ("randomisation_method", "minimisation_factors", "minimisation_weights",
                       "minimisation_probability")


def describe_minimisation_field(name: str, value: Any) -> str:
    """A registered randomisation field in plain words for the public registry."""
    if name == "randomisation_method":
        return str(RandomisationMethod(value or RandomisationMethod.BLOCKS).label)
    if name == "minimisation_factors":
        factors = parse_minimisation_factors(str(value or "")) or []
        return "; ".join(f"{n} ({', '.join(levels)})" for n, levels in factors)
    if name == "minimisation_weights":
        return str(value).strip() or "Equal: every factor counts the same"
    p = float(value)
    return (f"{p:g}: each unit goes to the arm that keeps the groups most alike with "
            f"probability {p:g}, otherwise to another arm at random"
            if p < 1 else "1: always the arm that keeps the groups most alike (no random element)")


def describe_minimisation(protocol: Protocol) -> str:
    """A protocol's minimisation settings in one line (factors, weights, random element)."""
    return "; ".join(f"{label.lower()}: {describe_minimisation_field(name, getattr(protocol, name))}"
                     for name, label in (("minimisation_factors", "Factors"),
                                         ("minimisation_weights", "Weights"),
                                         ("minimisation_probability", "Random element")))


# --- registration: structured outcomes and dates ---------------------------------------------

OUTCOME_KEYS = ("name", "measure", "timepoint")
"""What each secondary outcome records (SPIRIT 2013 item 12): what it is, how it is measured
and when."""


def secondary_outcome_entries(value: Any) -> list[dict[str, str]]:
    """A protocol's secondary outcomes as [{"name", "measure", "timepoint"}], empty ones dropped.

    Reads the structured list, and the free text of versions frozen before outcomes were
    structured (one outcome per line, or per part between semicolons, with no measure or time
    point), so that every frozen version reads the same way."""
    if isinstance(value, str):
        parts = [p.strip() for line in value.splitlines() for p in line.split(";")]
        return [{"name": p, "measure": "", "timepoint": ""} for p in parts if p]
    entries = []
    for item in value or []:
        if not isinstance(item, dict):
            continue
        entry = {key: str(item.get(key) or "").strip() for key in OUTCOME_KEYS}
        if any(entry.values()):
            entries.append(entry)
    return entries


def date_order_problems(values: dict[str, Any]) -> dict[str, str]:
    """Field -> problem when the registration dates are out of order (start, end of
    recruitment, end of follow-up; any may be missing)."""
    order = [(name, values.get(name)) for name in REGISTRATION_DATES]
    problems: dict[str, str] = {}
    for i, (name, value) in enumerate(order):
        if not isinstance(value, dt.date):
            continue
        for earlier, earlier_value in order[:i]:
            if isinstance(earlier_value, dt.date) and value < earlier_value:
                problems[name] = ERROR_DATE_ORDER[(earlier, name)]
                break
    return problems


REGISTRATION_DATES = ("start_date", "recruitment_end_date", "follow_up_end_date")
ERROR_DATE_ORDER = {
    ("start_date", "recruitment_end_date"): "Recruitment must end on or after the trial starts",
    ("start_date", "follow_up_end_date"): "Follow-up must end on or after the trial starts",
    ("recruitment_end_date", "follow_up_end_date"): (
        "Follow-up must end on or after recruitment ends"),
}
ERROR_OUTCOME_NAME = "Give each secondary outcome a name (its measure and time point are not enough)"


def secondary_outcome_problems(value: Any) -> dict[str, str]:
    """{"secondary_outcomes": message} when an outcome has a measure or time point but no name."""
    if isinstance(value, str):
        return {}
    if any(not e["name"] for e in secondary_outcome_entries(value)):
        return {"secondary_outcomes": ERROR_OUTCOME_NAME}
    return {}
