"""Group-sequential stopping boundaries: alpha spending, classic boundaries, harm and futility.

Methods
- Lan & DeMets, "Discrete sequential boundaries for clinical trials", Biometrika
  1983;70:659-663: alpha-spending functions, one side at level a,
      O'Brien-Fleming type  a(t) = 2 - 2 Phi(z_{1-a/2} / sqrt(t))
      Pocock type           a(t) = a log(1 + (e - 1) t)
  A two-sided design at level alpha spends a = alpha/2 on each side symmetrically, so the
  total two-sided alpha spent by fraction t is 2 a(t).
- O'Brien & Fleming, Biometrics 1979;35:549-556 (b_k = c / sqrt(t_k)) and Pocock, Biometrika
  1977;64:191-199 (b_k = c): the classic boundaries, c chosen so that the total crossing
  probability under H0 is alpha.
Crossing probabilities come from recursive numerical integration (module
``seedbed.stats.sequential_integration``), not simulation.

Conventions: Z > 0 favours the intervention (benefit), Z < 0 the control (harm). Harm
boundaries are a separate one-sided spending boundary on -Z at its own level, computed as
if alone (ignoring the chance of having stopped for benefit first, which is conservative).
Futility boundaries are non-binding: the efficacy boundaries are computed as if they did not
exist, so ignoring them never inflates the type I error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import ndtr, ndtri
from scipy.stats import norm

from seedbed.stats.arguments import finite
from seedbed.stats.sequential_integration import Recursion, crossing_probabilities

SPENDING_OBRIEN_FLEMING = "obrien-fleming"
SPENDING_POCOCK = "pocock"
CLASSIC_OBRIEN_FLEMING = "classic-obrien-fleming"
CLASSIC_POCOCK = "classic-pocock"
SPENDING_FUNCTIONS = (SPENDING_OBRIEN_FLEMING, SPENDING_POCOCK)
CLASSIC_BOUNDARIES = (CLASSIC_OBRIEN_FLEMING, CLASSIC_POCOCK)
ALL_SPENDING = SPENDING_FUNCTIONS + CLASSIC_BOUNDARIES

ERR_LOOKS = "looks must be a whole number from 1 to 50"
ERR_ALPHA = "alpha must lie strictly between 0 and 1"
ERR_SIDES = "sides must be 1 or 2"
ERR_SPENDING = "spending must be one of: " + ", ".join(ALL_SPENDING)
ERR_RATES = "information rates must increase strictly, lie in (0, 1], one per look"

ERR_FUTILITY = "futility_z must be finite numbers, one per look"
ERR_POWER = "power must lie strictly between 0 and 1"

WARN_RATES_NOT_ENDING_AT_ONE = "information_rates_do_not_end_at_one"
"""The last look is not at full information; the full alpha is not spent."""


def alpha_spending(*, spending: str, alpha: float, t: float) -> float:
    """Cumulative one-sided alpha spent by information fraction t (Lan & DeMets 1983)."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(ERR_ALPHA)
    t = min(max(finite("t", t), 0.0), 1.0)
    if t <= 0.0:
        return 0.0
    if spending == SPENDING_OBRIEN_FLEMING:
        return float(2.0 - 2.0 * ndtr(ndtri(1.0 - alpha / 2.0) / math.sqrt(t)))
    if spending == SPENDING_POCOCK:
        return float(alpha * math.log(1.0 + (math.e - 1.0) * t))
    raise ValueError(ERR_SPENDING)


@dataclass(frozen=True)
class GroupSequentialDesign:
    """Boundaries on the Z scale for each look, with the alpha spent."""

    looks: int
    alpha: float
    sides: int
    spending: str
    information_rates: tuple[float, ...]
    critical_z: tuple[float, ...]  # efficacy; for two-sided designs also -critical_z
    nominal_alpha: tuple[float, ...]  # per look, the p-value threshold (sides-sided)
    cumulative_alpha: tuple[float, ...]  # total alpha spent (two-sided total if sides=2)
    harm_z: tuple[float, ...] | None = None  # negative values: stop for harm if Z <= harm_z
    harm_alpha: float | None = None
    harm_spending: str | None = None
    futility_z: tuple[float, ...] | None = None  # non-binding: consider stopping if Z < it
    warnings: tuple[str, ...] = ()


def _check(looks: int, alpha: float, sides: int, spending: str, rates: np.ndarray) -> None:
    if isinstance(looks, bool) or not isinstance(looks, int) or not 1 <= looks <= 50:
        raise ValueError(ERR_LOOKS)
    if not 0.0 < alpha < 1.0:
        raise ValueError(ERR_ALPHA)
    if sides not in (1, 2):
        raise ValueError(ERR_SIDES)
    if spending not in ALL_SPENDING:
        raise ValueError(ERR_SPENDING)
    if rates.size != looks or not np.all(np.isfinite(rates)):
        raise ValueError(ERR_RATES)
    if np.any(rates <= 0) or np.any(rates > 1 + 1e-12):
        raise ValueError(ERR_RATES)
    if np.any(np.diff(rates) <= 0):
        raise ValueError(ERR_RATES)


def _spending_bounds(rates: np.ndarray, side_alpha: float, spending: str, sym: bool) -> np.ndarray:
    rec = Recursion()
    bounds = np.empty(rates.size)
    spent = 0.0
    for i, t in enumerate(rates):
        cum = alpha_spending(spending=spending, alpha=side_alpha, t=float(t))
        target = (cum - spent) * (2.0 if sym else 1.0)
        b = rec.solve_upper(t=float(t), target=target, symmetric=sym)
        bounds[i] = b
        spent = cum
        if i < rates.size - 1:
            rec.advance(t=float(t), lower=-b if sym else -math.inf, upper=b)
    return bounds


def _classic_bounds(rates: np.ndarray, alpha: float, spending: str, sym: bool) -> np.ndarray:
    shape = 1.0 / np.sqrt(rates) if spending == CLASSIC_OBRIEN_FLEMING else np.ones(rates.size)

    def excess(c: float) -> float:
        up = c * shape
        lo = -up if sym else np.full(rates.size, -math.inf)
        p_lo, p_up = crossing_probabilities(rates=rates, lower=lo, upper=up)
        return float(p_lo.sum() + p_up.sum()) - alpha

    # the final boundary is at least the fixed-design value, and the Bonferroni value is enough
    s = 2.0 if sym else 1.0
    lo = float(norm.isf(alpha / s)) - 1e-6
    hi = float(norm.isf(alpha / (s * rates.size))) + 1e-6
    c = brentq(excess, lo, hi, xtol=1e-8)
    return np.asarray(c * shape)


def one_sided_bounds(*, rates: Sequence[float], alpha: float, spending: str) -> tuple[float, ...]:
    """Upper one-sided boundaries at level alpha for the given information fractions."""
    r = np.asarray(rates, dtype=float)
    _check(int(r.size), alpha, 1, spending, r)
    if spending in CLASSIC_BOUNDARIES:
        return tuple(float(v) for v in _classic_bounds(r, alpha, spending, False))
    return tuple(float(v) for v in _spending_bounds(r, alpha, spending, False))


def group_sequential_design(
    *,
    looks: int,
    alpha: float = 0.05,
    sides: int = 2,
    spending: str = SPENDING_OBRIEN_FLEMING,
    information_rates: Sequence[float] | None = None,
    harm_alpha: float | None = None,
    harm_spending: str = SPENDING_POCOCK,
    futility_z: float | Sequence[float] | None = None,
) -> GroupSequentialDesign:
    """Efficacy boundaries (and optional harm and non-binding futility boundaries).

    ``spending`` is a Lan-DeMets spending function (``obrien-fleming``, ``pocock``) or a
    classic boundary (``classic-obrien-fleming``, ``classic-pocock``). Information rates
    default to equally spaced looks k/K. For two-sided designs ``cumulative_alpha`` is the
    total two-sided alpha spent; ``nominal_alpha`` is the p-value threshold at each look.
    ``harm_alpha`` adds a one-sided boundary on the harm direction with ``harm_spending``.
    Sources and formulae in the module docstring.
    """
    given: object = looks
    if isinstance(given, float) and given.is_integer():
        looks = int(given)
    if isinstance(looks, bool) or not isinstance(looks, int) or not 1 <= looks <= 50:
        raise ValueError(ERR_LOOKS)
    rates = (
        np.arange(1, looks + 1, dtype=float) / looks
        if information_rates is None
        else np.asarray(information_rates, dtype=float)
    )
    _check(looks, alpha, sides, spending, rates)
    warnings: list[str] = []
    if abs(rates[-1] - 1.0) > 1e-9:
        warnings.append(WARN_RATES_NOT_ENDING_AT_ONE)
    sym = sides == 2
    if spending in CLASSIC_BOUNDARIES:
        bounds = _classic_bounds(rates, alpha, spending, sym)
    else:
        bounds = _spending_bounds(rates, alpha / sides, spending, sym)
    lower = -bounds if sym else np.full(looks, -math.inf)
    p_lo, p_up = crossing_probabilities(rates=rates, lower=lower, upper=bounds)
    cumulative = np.cumsum(p_lo + p_up)
    nominal = sides * ndtr(-bounds)
    harm = None
    if harm_alpha is not None:
        if not 0.0 < harm_alpha < 1.0 or harm_spending not in ALL_SPENDING:
            raise ValueError(ERR_ALPHA if harm_spending in ALL_SPENDING else ERR_SPENDING)
        harm = tuple(
            -b
            for b in one_sided_bounds(
                rates=rates.tolist(), alpha=harm_alpha, spending=harm_spending
            )
        )
    futility = None
    if futility_z is not None:
        try:
            fz = np.broadcast_to(np.asarray(futility_z, dtype=float), (looks,))
        except ValueError:
            raise ValueError(ERR_FUTILITY) from None
        if not np.all(np.isfinite(fz)):
            raise ValueError(ERR_FUTILITY)
        futility = tuple(float(v) for v in fz)
    return GroupSequentialDesign(
        looks=looks,
        alpha=alpha,
        sides=sides,
        spending=spending,
        information_rates=tuple(float(v) for v in rates),
        critical_z=tuple(float(v) for v in bounds),
        nominal_alpha=tuple(float(v) for v in nominal),
        cumulative_alpha=tuple(float(v) for v in cumulative),
        harm_z=harm,
        harm_alpha=harm_alpha,
        harm_spending=harm_spending if harm_alpha is not None else None,
        futility_z=futility,
        warnings=tuple(warnings),
    )


def rejection_probability(*, design: GroupSequentialDesign, drift: float) -> float:
    """Probability of crossing an efficacy boundary when E[Z at full information] = drift."""
    drift = finite("drift", drift)
    rates = np.asarray(design.information_rates)
    up = np.asarray(design.critical_z)
    lo = -up if design.sides == 2 else np.full(design.looks, -math.inf)
    p_lo, p_up = crossing_probabilities(rates=rates, lower=lo, upper=up, drift=drift)
    return float(p_lo.sum() + p_up.sum())


def inflation_factor(*, design: GroupSequentialDesign, power: float = 0.8) -> float:
    """Maximum information relative to a fixed design with the same alpha and power.

    Jennison & Turnbull (2000) section 2.2: find the drift delta at which the design has the
    requested power; then R = (delta / (z_{1-alpha/sides} + z_{power}))^2. Multiply a fixed
    sample size by R to get the maximum sample size of the group-sequential trial.
    """
    if not 0.0 < power < 1.0:
        raise ValueError(ERR_POWER)
    fixed = float(norm.ppf(1.0 - design.alpha / design.sides) + norm.ppf(power))
    drift = brentq(
        lambda d: rejection_probability(design=design, drift=d) - power,
        0.5 * fixed,
        3.0 * fixed + 5.0,
        xtol=1e-10,
    )
    return float((drift / fixed) ** 2)
