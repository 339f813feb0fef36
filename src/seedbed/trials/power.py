"""The power calculation of a protocol, through the statistics engine (``seedbed.stats``).

Reads the protocol's design fields and returns the sample size per arm with every figure
that went into it, or the problems that stop it being computed (field -> message).
"""

from __future__ import annotations

import math
from typing import Any

from seedbed.stats.boundaries import group_sequential_design
from seedbed.stats.design_effects import (
    cluster_sample_size,
    group_sequential_sample_size,
    stepped_wedge_sample_size,
)
from seedbed.stats.power import sample_size_binary, sample_size_continuous

ERROR_EFFECT = "Enter the smallest effect worth detecting (a standardised effect size such as 0.3)"
ERROR_PROPORTIONS = "Enter the expected proportions in the control and intervention arms"
ERROR_ICC = "Enter the intra-cluster correlation (between 0 and 1)"
ERROR_CLUSTER_SIZE = "Enter the average number of people per cluster"
ERROR_STEPS = "Enter the number of steps (at least 2)"


def compute_power(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(calculation, problems) for protocol field values; calculation is {} on problems.

    Individual design: t-test (continuous) or pooled-normal (binary) sample size per arm;
    cluster: times the design effect 1 + (m - 1) ICC; stepped wedge: the Woertman design
    effect, spread over arms; more than one planned look: times the group-sequential
    inflation factor of the registered spending function.
    """
    problems: dict[str, str] = {}
    alpha = float(values.get("alpha") or 0.05)
    power = float(values.get("power") or 0.8)
    sides = int(values.get("sides") or 2)
    design = values.get("design") or "individual"
    calc: dict[str, Any] = {"alpha": alpha, "power": power, "sides": sides, "design": design}
    try:
        if values.get("outcome_type") == "binary":
            p0, p1 = values.get("p_control"), values.get("p_treatment")
            if p0 is None or p1 is None:
                return {}, {"p_control": ERROR_PROPORTIONS}
            base = sample_size_binary(
                p_control=float(p0), p_treatment=float(p1), alpha=alpha, power=power, sides=sides
            )
            calc.update(method=base.method, p_control=p0, p_treatment=p1)
        else:
            d = values.get("effect_size")
            if d is None:
                return {}, {"effect_size": ERROR_EFFECT}
            base = sample_size_continuous(effect_size=float(d), alpha=alpha, power=power, sides=sides)
            calc.update(method=base.method, effect_size=d)
    except ValueError as exc:
        return {}, {"alpha": str(exc).capitalize()}
    if not math.isfinite(base.n_per_arm):
        return {}, {"effect_size": "The effect is zero: no sample size can detect it"}
    n = float(base.n_per_arm)
    calc["n_per_arm_individual"] = round(n, 2)
    warnings = list(base.warnings)
    if design in ("cluster", "stepped_wedge"):
        icc, m = values.get("icc"), values.get("cluster_size")
        if icc is None or not 0 <= float(icc) < 1:
            problems["icc"] = ERROR_ICC
        if not m:
            problems["cluster_size"] = ERROR_CLUSTER_SIZE
        if design == "stepped_wedge" and (not values.get("steps") or int(values["steps"]) < 2):
            problems["steps"] = ERROR_STEPS
        if problems:
            return {}, problems
        if design == "cluster":
            cl = cluster_sample_size(n_per_arm=n, cluster_size=int(m), icc=float(icc))  # type: ignore[arg-type]
            n = cl.n_per_arm
            calc.update(design_effect=round(cl.design_effect, 4), clusters_per_arm=cl.clusters_per_arm)
            warnings += cl.warnings
        else:
            sw = stepped_wedge_sample_size(
                n_per_arm=n, steps=int(values["steps"]), cluster_size=int(m), icc=float(icc)  # type: ignore[arg-type]
            )
            n = sw.total_n / 2.0
            calc.update(design_effect=round(sw.design_effect, 4), clusters=sw.clusters)
            warnings += sw.warnings
    looks = int(values.get("interim_looks") or 1)
    if looks > 1:
        gsd = group_sequential_design(
            looks=looks, alpha=alpha, sides=sides, spending=values.get("spending") or "obrien-fleming"
        )
        factor, n = group_sequential_sample_size(n_per_arm=n, design=gsd, power=power)
        calc.update(inflation_factor=round(factor, 4), looks=looks)
    calc["n_per_arm"] = math.ceil(n - 1e-9)
    calc["warnings"] = list(dict.fromkeys(warnings))
    return calc, {}


def describe_power(calc: dict[str, Any]) -> str:
    """One plain sentence describing a power calculation."""
    if not calc:
        return "Not yet calculated."
    if "effect_size" in calc:
        what = f"a standardised effect of {calc['effect_size']}"
    else:
        what = f"a change from {calc.get('p_control')} to {calc.get('p_treatment')}"
    text = (
        f"{calc['n_per_arm']} per arm to detect {what} with {round(calc['power'] * 100)}% power "
        f"at a {calc['sides']}-sided significance level of {calc['alpha']} ({calc['method']})"
    )
    if "design_effect" in calc:
        text += f", including a design effect of {calc['design_effect']}"
    if "inflation_factor" in calc:
        text += f", inflated by {calc['inflation_factor']} for {calc['looks']} planned looks"
    return text + "."
