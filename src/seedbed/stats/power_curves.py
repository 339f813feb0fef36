"""Power curves: power for the planned effect, and the minimum detectable effect (MDE), against
the size of the design (people per arm, clusters per arm, or clusters in a stepped wedge).

Every point uses the same power function as the sizing (``seedbed.stats.power`` for
individually randomised trials, ``seedbed.stats.cluster_power`` for cluster-parallel and
stepped-wedge trials, including interim looks); the MDE is the effect at which that function
reaches the target power (found by root finding; NaN when no effect reaches it). For a binary
outcome the MDE is the change |p_t - p_c| from the control proportion, in the planned
direction.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from scipy.optimize import brentq

from seedbed.stats.arguments import open_unit, whole
from seedbed.stats.boundaries import (
    SPENDING_OBRIEN_FLEMING,
    group_sequential_design,
    rejection_probability,
)
from seedbed.stats.cluster_power import (
    Outcome,
    binary_outcome,
    cluster_power,
    continuous_outcome,
)
from seedbed.stats.sw_power import stepped_wedge_power

DESIGN_INDIVIDUAL = "individual"
DESIGN_CLUSTER = "cluster"
DESIGN_STEPPED_WEDGE = "stepped-wedge"
DESIGNS = (DESIGN_INDIVIDUAL, DESIGN_CLUSTER, DESIGN_STEPPED_WEDGE)

ERR_DESIGN = "design must be one of: " + ", ".join(DESIGNS)
ERR_MULTIPLE = "stepped-wedge cluster counts must be multiples of the steps ({steps}), got {value}"
ERR_NO_SIZES = "give at least one design size for the curve"
MAX_POINTS = 200


@dataclass(frozen=True)
class CurvePoint:
    """One point of a power curve."""

    size: int  # people per arm, clusters per arm, or total clusters (stepped wedge)
    power: float  # for the planned effect
    mde: float  # the smallest effect reaching the target power (outcome's scale)


@dataclass(frozen=True)
class PowerCurve:
    """Power and MDE against design size; ``size_label`` says what the size counts."""

    design: str
    size_label: str
    target_power: float
    effect: float  # the planned effect on the outcome's scale
    points: tuple[CurvePoint, ...]


def _mde(power_of: Callable[[float], float], target: float, hi: float) -> float:
    if power_of(hi) < target:
        return math.nan
    return float(brentq(lambda e: power_of(e) - target, 1e-9, hi, xtol=1e-9))


def power_curve(
    *,
    design: str,
    sizes: Sequence[int],
    effect_size: float | None = None,
    p_control: float | None = None,
    p_treatment: float | None = None,
    icc: float = 0.0,
    cluster_size: float = 1.0,
    steps: int = 4,
    baseline: int = 1,
    cv: float = 0.0,
    alpha: float = 0.05,
    power: float = 0.8,
    sides: int = 2,
    looks: int = 1,
    spending: str = SPENDING_OBRIEN_FLEMING,
) -> PowerCurve:
    """Power and MDE at each design size (module docstring).

    A binary outcome is given by ``p_control`` and ``p_treatment``, a continuous one by the
    standardised ``effect_size``. ``sizes`` are people per arm (individual: t-test or
    pooled-normal power with one look, the group-sequential normal power with several),
    clusters per arm (cluster) or total clusters, multiples of ``steps`` (stepped-wedge).
    """
    if design not in DESIGNS:
        raise ValueError(ERR_DESIGN)
    target = open_unit("power", power)
    if not sizes:
        raise ValueError(ERR_NO_SIZES)
    binary = p_control is not None or p_treatment is not None
    if binary:
        outcome = binary_outcome(p_control=p_control, p_treatment=p_treatment)  # type: ignore[arg-type]
        p0 = float(p_control)  # type: ignore[arg-type]
        sign = -1.0 if float(p_treatment) < p0 else 1.0  # type: ignore[arg-type]
        hi = (p0 if sign < 0 else 1.0 - p0) - 1e-9
    else:
        outcome = continuous_outcome(effect_size=effect_size)  # type: ignore[arg-type]
        p0, sign, hi = 0.0, 1.0, 20.0

    def outcome_at(effect: float) -> Outcome:
        if binary:
            return binary_outcome(p_control=p0, p_treatment=p0 + sign * effect)
        return continuous_outcome(effect_size=effect)

    points = []
    for raw in sizes[:MAX_POINTS]:
        power_of = _power_function(
            design,
            raw,
            icc=icc,
            cluster_size=cluster_size,
            steps=steps,
            baseline=baseline,
            cv=cv,
            alpha=alpha,
            sides=sides,
            looks=looks,
            spending=spending,
            binary=binary,
            p0=p0,
            sign=sign,
        )
        size = int(raw)
        mde = _mde(lambda e, f=power_of: f(outcome_at(e)), target, hi)  # type: ignore[misc]
        points.append(CurvePoint(size, power_of(outcome), mde))
    label = {
        DESIGN_INDIVIDUAL: "people per arm",
        DESIGN_CLUSTER: "clusters per arm",
        DESIGN_STEPPED_WEDGE: "clusters",
    }[design]
    return PowerCurve(design, label, target, outcome.effect, tuple(points))


def _power_function(
    design: str,
    raw: int,
    *,
    icc: float,
    cluster_size: float,
    steps: int,
    baseline: int,
    cv: float,
    alpha: float,
    sides: int,
    looks: int,
    spending: str,
    binary: bool,
    p0: float,
    sign: float,
) -> Callable[[Outcome], float]:
    from seedbed.stats.power import power_binary, power_continuous

    if design == DESIGN_STEPPED_WEDGE:
        total = whole("clusters", raw, minimum=1)
        k = whole("steps", steps, minimum=2)
        if total % k:
            raise ValueError(ERR_MULTIPLE.format(steps=k, value=raw))
        return lambda o: stepped_wedge_power(
            outcome=o,
            icc=icc,
            steps=k,
            clusters_per_step=total // k,
            cluster_size=cluster_size,
            baseline=baseline,
            cv=cv,
            alpha=alpha,
            sides=sides,
            looks=looks,
            spending=spending,
        )
    if design == DESIGN_CLUSTER:
        g = whole("clusters_per_arm", raw, minimum=2)
        return lambda o: cluster_power(
            outcome=o,
            clusters_per_arm=g,
            cluster_size=cluster_size,
            icc=icc,
            cv=cv,
            alpha=alpha,
            sides=sides,
            looks=looks,
            spending=spending,
        )
    n = whole("n_per_arm", raw, minimum=2)
    if whole("looks", looks, minimum=1) > 1:
        # group-sequential: E[Z at full information] = theta / sqrt((v_c + v_t) / n)
        gsd = group_sequential_design(looks=looks, alpha=alpha, sides=sides, spending=spending)
        return lambda o: rejection_probability(
            design=gsd, drift=o.effect / math.sqrt((o.var_control + o.var_treatment) / n)
        )
    if binary:
        return lambda o: power_binary(
            n_per_arm=n, p_control=p0, p_treatment=p0 + sign * o.effect, alpha=alpha, sides=sides
        )
    return lambda o: power_continuous(n_per_arm=n, effect_size=o.effect, alpha=alpha, sides=sides)


def default_sizes(*, design: str, recommended: int | None, steps: int = 4) -> tuple[int, ...]:
    """About a dozen evenly spread sizes from the smallest sensible one to twice ``recommended``."""
    smallest = {DESIGN_STEPPED_WEDGE: steps, DESIGN_CLUSTER: 2, DESIGN_INDIVIDUAL: 2}[design]
    top = max(2 * (recommended or smallest), smallest * 4)
    unit = steps if design == DESIGN_STEPPED_WEDGE else 1
    stride = max(unit, math.ceil((top - smallest) / 12 / unit) * unit)
    sizes = list(range(smallest, top + 1, stride))
    if recommended and recommended not in sizes:
        sizes.append(recommended)
    return tuple(sorted(set(sizes)))
