"""Minimisation (Pocock & Simon, Biometrics 1975;31:103-115) with a random element.

Each unit is allocated in the order given, knowing the arms of the units before it. For the
new unit and each factor j, let x_jk be the number of earlier units with the new unit's level
of factor j that went to arm k. If the unit went to arm t the counts would be
x'_jk = x_jk + [k = t]; scaled by the allocation ratio r_k (so that a 1:2 trial is balanced
when arm 2 holds twice as many), the imbalance on factor j is

    range:     d_jt = max_k(x'_jk / r_k) - min_k(x'_jk / r_k)
    variance:  d_jt = (1/K) * sum_k (x'_jk / r_k - mean_k(x'_jk / r_k))^2

and the total imbalance of arm t is G_t = sum_j w_j d_jt, with w_j the factor's weight. The
arms with the least G are the minimising arms. With probability ``p`` (the random element,
0.8 say) the unit goes to one of them, chosen at random when several tie; otherwise it goes
to one of the other arms, at random. When every arm has the same G there is no preference and
the arm is drawn at random. Random choices among arms are weighted by the allocation ratio.
With two arms, equal ratio and range, the minimising arm is the one with the smaller sum of
counts, the hand method of Altman & Bland (BMJ 2005;330:843); the test suite reproduces the
hand-worked example of Lim & In (Korean J Anesthesiol 2019;72:221-232, table 4).

Reproducibility. The random numbers follow the contract of ``seedbed.stats.randomisation``
(PCG64 seeded with SHA-256 of a text key, raw 64-bit output only): the key is
``"<seed>\\x1fminimisation"`` and unit i (0-based, in input order) uses uniforms 3i (tie
break), 3i + 1 (random element) and 3i + 2 (choice among the other arms). So the whole
sequence is reproduced from the committed seed and the ordered unit list, and unit i's arm
does not depend on any unit after it: allocating one unit at a time, as enrolment does,
gives the same arms as allocating the list in one go.

Factor values are text; a blank value is refused with the unit and the factor named (give
an explicit level such as "unknown"). Framework-free: numpy only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from seedbed.stats.randomisation import SEP, _blank, _check_common, _uniform

WARN_DETERMINISTIC = "minimisation_without_random_element"
"""The random element is off (p = 1): the next arm can be worked out from earlier ones."""

MEASURES = ("range", "variance")
KIND_MINIMISED = "minimised"
KIND_RANDOM_ELEMENT = "random element"
KIND_ALL_TIED = "all arms tied"

ERR_FACTORS = "give at least one minimisation factor"
ERR_FACTOR_NAMES = "give each minimisation factor a distinct, non-blank name"
ERR_WEIGHTS = "give one positive weight per minimisation factor"
ERR_PROBABILITY = (
    "the probability of allocating to the arm that minimises imbalance must be between 0.5 "
    "and 1"
)
ERR_MEASURE = "the imbalance measure must be 'range' or 'variance'"
ERR_MIN_RATIO = "the allocation ratio needs one positive number per arm"
ERR_EARLIER = "give one arm, one of the trial's arms, for each unit already allocated"
ERR_UNIT_WIDTH = "unit {unit} has {found} factor value(s); every unit needs one per factor ({expected})"
ERR_UNIT_BLANK = (
    "unit {unit} has a blank value for minimisation factor {factor!r}: give every unit a level "
    "(use an explicit label such as 'unknown' for a missing value)"
)


class BlankFactorError(ValueError):
    """A unit's value for a factor is blank. ``unit`` is 0-based; ``factor`` is its name."""

    def __init__(self, *, unit: int, factor: str) -> None:
        self.unit, self.factor = unit, factor
        super().__init__(ERR_UNIT_BLANK.format(unit=unit + 1, factor=factor))


@dataclass(frozen=True)
class MinimisationStep:
    """How one unit's arm was chosen: the audit trail that explains an allocation.

    ``counts[j][k]`` is the number of earlier units with this unit's level of factor j in arm
    k; ``scores[k]`` is the total imbalance G if the unit went to arm k.
    """

    arm: str
    levels: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    scores: tuple[float, ...]
    minimising: tuple[str, ...]
    kind: str  # KIND_MINIMISED, KIND_RANDOM_ELEMENT or KIND_ALL_TIED

    def as_dict(self, arms: Sequence[str], factors: Sequence[str]) -> dict[str, object]:
        """Plain JSON-ready form, keyed by arm and factor names."""
        return {
            "arm": self.arm, "kind": self.kind, "minimising": list(self.minimising),
            "levels": dict(zip(factors, self.levels, strict=True)),
            "scores": dict(zip(arms, self.scores, strict=True)),
            "counts": {f: dict(zip(arms, c, strict=True))
                       for f, c in zip(factors, self.counts, strict=True)},
        }


@dataclass(frozen=True, eq=False)
class Minimisation:
    """Arm of each unit, in input order (``arm_index`` indexes ``arms``), and its audit."""

    arms: tuple[str, ...]
    factors: tuple[str, ...]
    weights: tuple[float, ...]
    ratio: tuple[float, ...]
    probability: float
    measure: str
    arm_index: np.ndarray
    steps: tuple[MinimisationStep, ...]
    method: str = "minimisation"
    warnings: tuple[str, ...] = ()

    def labels(self) -> list[str]:
        """Arm name of each unit."""
        return [self.arms[int(i)] for i in self.arm_index]


def imbalance_scores(
    *,
    counts: Sequence[Sequence[float]] | np.ndarray,
    weights: Sequence[float] | np.ndarray | None = None,
    ratio: Sequence[float] | np.ndarray | None = None,
    measure: str = "range",
) -> np.ndarray:
    """Total imbalance G_t for each candidate arm t (formula in the module docstring).

    ``counts`` is factors x arms: earlier units with the new unit's level of each factor, by
    arm. ``weights`` defaults to 1 per factor and ``ratio`` to equal allocation.
    """
    x = np.asarray(counts, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError(ERR_FACTORS)
    n_factors, n_arms = x.shape
    w = _weights(weights, n_factors)
    r = _ratio(ratio, n_arms)
    if measure not in MEASURES:
        raise ValueError(ERR_MEASURE)
    # trial[t, j, k]: counts of factor j in arm k if the unit went to arm t, over the ratio.
    trial = (x[None, :, :] + np.eye(n_arms)[:, None, :]) / r[None, None, :]
    if measure == "range":
        d = trial.max(axis=2) - trial.min(axis=2)
    else:
        d = trial.var(axis=2)
    return np.asarray(d @ w, dtype=np.float64)


def _weights(weights: Sequence[float] | np.ndarray | None, n_factors: int) -> np.ndarray:
    if weights is None:
        return np.ones(n_factors)
    w = np.asarray(list(weights), dtype=np.float64)
    if w.shape != (n_factors,) or not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise ValueError(ERR_WEIGHTS)
    return w


def _ratio(ratio: Sequence[float] | np.ndarray | None, n_arms: int) -> np.ndarray:
    if ratio is None:
        return np.ones(n_arms)
    r = np.asarray(list(ratio), dtype=np.float64)
    if r.shape != (n_arms,) or not np.all(np.isfinite(r)) or np.any(r <= 0):
        raise ValueError(ERR_MIN_RATIO)
    return r


def _pick(candidates: np.ndarray, r: np.ndarray, u: float) -> int:
    """One of ``candidates`` (arm indices), with probability proportional to the ratio."""
    cum = np.cumsum(r[candidates])
    return int(candidates[min(int(np.searchsorted(cum, u * cum[-1], side="right")),
                              candidates.size - 1)])


def _levels(units: Sequence[Sequence[object]], factors: tuple[str, ...]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for i, unit in enumerate(units):
        values = list(unit)
        if len(values) != len(factors):
            raise ValueError(ERR_UNIT_WIDTH.format(unit=i + 1, found=len(values),
                                                   expected=len(factors)))
        for j, value in enumerate(values):
            if _blank(value):
                raise BlankFactorError(unit=i, factor=factors[j])
        rows.append(tuple(str(v).strip() for v in values))
    return rows


def minimise(
    *,
    units: Sequence[Sequence[object]],
    factors: Sequence[str],
    arms: Sequence[str],
    seed: str,
    weights: Sequence[float] | None = None,
    ratio: Sequence[float] | None = None,
    probability: float = 0.8,
    measure: str = "range",
    earlier_units: Sequence[Sequence[object]] = (),
    earlier_arms: Sequence[str] = (),
) -> Minimisation:
    """Allocate ``units`` in the order given by Pocock-Simon minimisation (module docstring).

    ``units`` holds one sequence of factor values per unit, in the order of ``factors``.
    ``probability`` is the chance of the minimising arm (1 makes allocation deterministic
    apart from ties). The seed must pass ``randomisation.check_seed``. Units already
    allocated (enrolment one at a time) are given, in order, as ``earlier_units`` with their
    ``earlier_arms``: they count towards the imbalance and take positions 0..m-1 of the
    random stream, so the result equals allocating the whole list in one go. Returns the arm
    of each unit of ``units`` and a ``MinimisationStep`` explaining it.
    """
    names = _check_common(arms, seed)
    factor_names = tuple(str(f).strip() for f in factors)
    if not factor_names:
        raise ValueError(ERR_FACTORS)
    if any(not f for f in factor_names) or len(set(factor_names)) != len(factor_names):
        raise ValueError(ERR_FACTOR_NAMES)
    w = _weights(weights, len(factor_names))
    r = _ratio(ratio, len(names))
    if measure not in MEASURES:
        raise ValueError(ERR_MEASURE)
    if not 0.5 <= float(probability) <= 1.0:
        raise ValueError(ERR_PROBABILITY)
    rows = _levels(units, factor_names)
    n, n_arms = len(rows), len(names)
    before = _levels(earlier_units, factor_names)
    if len(earlier_arms) != len(before) or any(a not in names for a in earlier_arms):
        raise ValueError(ERR_EARLIER)
    m = len(before)
    u = _uniform(seed + SEP + "minimisation", 3 * (m + n)).reshape(m + n, 3)[m:]
    tallies: list[dict[str, np.ndarray]] = [{} for _ in factor_names]
    for levels, name in zip(before, earlier_arms, strict=True):
        for j, level in enumerate(levels):
            tallies[j].setdefault(level, np.zeros(n_arms, dtype=np.int64))[names.index(name)] += 1
    arm_index = np.empty(n, dtype=np.int64)
    steps: list[MinimisationStep] = []
    all_arms = np.arange(n_arms)
    for i, levels in enumerate(rows):
        counts = np.stack([tallies[j].get(level, np.zeros(n_arms, dtype=np.int64))
                           for j, level in enumerate(levels)])
        scores = imbalance_scores(counts=counts, weights=w, ratio=r, measure=measure)
        best = np.isclose(scores, scores.min(), rtol=0.0, atol=1e-9)
        minimising = all_arms[best]
        if best.all():
            arm, kind = _pick(all_arms, r, u[i, 0]), KIND_ALL_TIED
        elif u[i, 1] < probability:
            arm, kind = _pick(minimising, r, u[i, 0]), KIND_MINIMISED
        else:
            arm, kind = _pick(all_arms[~best], r, u[i, 2]), KIND_RANDOM_ELEMENT
        arm_index[i] = arm
        for j, level in enumerate(levels):
            tally = tallies[j].setdefault(level, np.zeros(n_arms, dtype=np.int64))
            tally[arm] += 1
        steps.append(MinimisationStep(
            arm=names[arm], levels=levels,
            counts=tuple(tuple(int(c) for c in row) for row in counts),
            scores=tuple(float(s) for s in scores),
            minimising=tuple(names[k] for k in minimising), kind=kind,
        ))
    warnings = (WARN_DETERMINISTIC,) if float(probability) == 1.0 else ()
    return Minimisation(
        arms=names, factors=factor_names, weights=tuple(float(x) for x in w),
        ratio=tuple(float(x) for x in r), probability=float(probability), measure=measure,
        arm_index=arm_index, steps=tuple(steps), warnings=warnings,
    )


def marginal_imbalance(
    *, units: Sequence[Sequence[object]], arm_index: Sequence[int] | np.ndarray, n_arms: int
) -> list[dict[str, int]]:
    """For each factor, the largest difference between arms' counts at each level
    (max minus min over arms), by level: how well an allocation balanced each factor."""
    out: list[dict[str, int]] = []
    arms = np.asarray(arm_index, dtype=np.int64)
    width = len(units[0]) if len(units) else 0
    for j in range(width):
        by_level: dict[str, np.ndarray] = {}
        for unit, arm in zip(units, arms, strict=True):
            by_level.setdefault(str(unit[j]).strip(), np.zeros(n_arms, dtype=np.int64))[arm] += 1
        out.append({level: int(c.max() - c.min()) for level, c in by_level.items()})
    return out
