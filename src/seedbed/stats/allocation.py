"""Pre-generated allocation sequences, stepped-wedge schedules and balance reports.

A registered trial's allocation is generated in full before the first participant is
enrolled and revealed one at a time (allocation concealment, Schulz & Grimes, Lancet
2002;359:614-618). ``allocation_sequence`` produces, for each stratum, the list of arms in
order; it uses the same generator and keys as ``seedbed.stats.randomisation`` (see that
module for the reproducibility contract), so the k-th participant in a stratum gets the same
arm whether the sequence was pre-generated or the unit list was randomised in one go.

Stepped-wedge schedule (Hussey & Hughes, Contemp Clin Trials 2007;28:182-191; Hemming et al.,
BMJ 2015;350:h391): clusters are put in random order and split as evenly as possible into
``steps`` groups; group j crosses from control to intervention at the start of period j
(period 0 is the baseline, when every cluster is under control).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from seedbed.stats.randomisation import (
    ERR_STRATUM_LIST_BLANK,
    SEP,
    StratumKey,
    _blank,
    _check_common,
    _check_sizes,
    _pattern,
    _uniform,
    check_seed,
    permuted_blocks,
    stratum_keys,
    stratum_label,
)

WARN_UNEVEN_STEPS = "clusters_not_divisible_by_steps"
"""The clusters cannot be split evenly between the steps; some steps get one more."""
WARN_FEWER_CLUSTERS_THAN_STEPS = "fewer_clusters_than_steps"
"""Some steps have no cluster crossing over."""


@dataclass(frozen=True)
class SequenceEntry:
    """One slot of a pre-generated sequence."""

    position: int  # 1-based within the stratum
    block: int  # 0-based block number within the stratum
    block_size: int
    arm: str


@dataclass(frozen=True)
class AllocationSequence:
    """A full allocation sequence per stratum, generated before enrolment."""

    arms: tuple[str, ...]
    block_sizes: tuple[int, ...]
    ratio: tuple[int, ...]
    by_stratum: dict[str, tuple[SequenceEntry, ...]]  # keyed by ``stratum_label``
    warnings: tuple[str, ...] = ()


def allocation_sequence(
    *,
    arms: Sequence[str],
    seed: str,
    length: int,
    strata: Sequence[str | StratumKey] = ("",),
    block_sizes: Sequence[int] | None = None,
    ratio: Sequence[int] | None = None,
) -> AllocationSequence:
    """Permuted-block sequences of at least ``length`` slots for each stratum.

    Each stratum's sequence ends at a complete block, so it is at least ``length`` long.
    A stratum is a label (one variable) or a tuple (several); ``by_stratum`` is keyed by
    ``stratum_label``. Use the single stratum "" for an unstratified trial (the same sequence
    as ``allocate_blocks`` without strata); a blank stratum among others is refused.
    """
    names = _check_common(arms, seed)
    pattern = _pattern(len(names), ratio)
    sizes = _check_sizes(block_sizes or (pattern.size, 2 * pattern.size), pattern.size)
    labels = [stratum_label(s) for s in strata]
    if labels != [""]:
        for position, s in enumerate(strata, start=1):
            values = (s,) if isinstance(s, str) else tuple(s)
            if not values or any(_blank(v) for v in values):
                raise ValueError(ERR_STRATUM_LIST_BLANK.format(position=position))
    out: dict[str, tuple[SequenceEntry, ...]] = {}
    for label in dict.fromkeys(labels):
        key = seed + SEP + label
        total = _complete_blocks(key, max(length, 0), sizes)
        idx, block, _ = permuted_blocks(key=key, count=total, pattern=pattern, sizes=sizes)
        counts = np.bincount(block) if block.size else np.zeros(0, dtype=np.int64)
        out[str(label)] = tuple(
            SequenceEntry(i + 1, int(b), int(counts[b]), names[int(a)])
            for i, (a, b) in enumerate(zip(idx, block, strict=True))
        )
    return AllocationSequence(
        arms=names,
        block_sizes=tuple(int(s) for s in sizes),
        ratio=tuple(int(v) for v in np.bincount(pattern)),
        by_stratum=out,
    )


def _complete_blocks(key: str, length: int, sizes: np.ndarray) -> int:
    """Number of slots in the shortest run of whole blocks covering ``length``."""
    if length == 0:
        return 0
    nb = -(-length // int(sizes.min())) + 1
    drawn = sizes[(_uniform(key + SEP + "block-sizes", nb) * sizes.size).astype(np.int64)]
    ends = np.cumsum(drawn)
    return int(ends[int(np.searchsorted(ends, length))])


@dataclass(frozen=True)
class SteppedWedgeSchedule:
    """Crossover step of each cluster and the cluster x period exposure matrix."""

    clusters: tuple[str, ...]
    step: tuple[int, ...]  # 1..steps: the period in which the cluster starts the intervention
    exposure: tuple[tuple[int, ...], ...]  # clusters x (steps + 1) periods, 1 = intervention
    warnings: tuple[str, ...] = ()


def stepped_wedge_schedule(
    *, clusters: Sequence[str], steps: int, seed: str
) -> SteppedWedgeSchedule:
    """Random order of clusters, split evenly across the steps (see module docstring)."""
    if steps < 1:
        raise ValueError("a stepped-wedge design needs at least one step")
    labels = tuple(sorted({str(c) for c in clusters}))
    check_seed(seed)
    g = len(labels)
    warnings: list[str] = []
    if g % steps:
        warnings.append(WARN_UNEVEN_STEPS)
    if g < steps:
        warnings.append(WARN_FEWER_CLUSTERS_THAN_STEPS)
    order = np.argsort(_uniform(seed + SEP + "stepped-wedge", g), kind="stable")
    step_of_rank = (np.arange(g) * steps) // max(g, 1) + 1
    step = np.empty(g, dtype=np.int64)
    step[order] = step_of_rank
    periods = np.arange(steps + 1)
    exposure = (periods[None, :] >= step[:, None]).astype(int)
    return SteppedWedgeSchedule(
        clusters=labels,
        step=tuple(int(s) for s in step),
        exposure=tuple(tuple(int(v) for v in row) for row in exposure),
        warnings=tuple(warnings),
    )


@dataclass(frozen=True)
class BalanceReport:
    """Counts per arm overall and within each stratum, and the largest imbalance."""

    arms: tuple[str, ...]
    counts: dict[str, int]
    by_stratum: dict[str, dict[str, int]]  # keyed by ``stratum_label``
    max_imbalance: int  # largest (max - min) arm count over strata (overall if unstratified)


def balance_report(
    *,
    arm_index: np.ndarray,
    arms: Sequence[str],
    strata: Sequence[object] | np.ndarray | None = None,
) -> BalanceReport:
    """Counts per arm (overall and by stratum) of an allocation.

    ``strata`` as for ``allocate_blocks`` (values or tuples per unit, or an allocation's
    ``stratum`` keys); ``by_stratum`` is keyed by ``stratum_label``.
    """
    names = tuple(arms)
    idx = np.asarray(arm_index, dtype=np.int64)
    overall = np.bincount(idx, minlength=len(names))
    by: dict[str, dict[str, int]] = {}
    worst = int(overall.max() - overall.min()) if idx.size else 0
    if strata is not None:
        uniq, inv = stratum_keys(strata)
        table = np.zeros((len(uniq), len(names)), dtype=np.int64)
        np.add.at(table, (inv, idx), 1)
        by = {
            stratum_label(u): dict(zip(names, map(int, row), strict=True))
            for u, row in zip(uniq, table, strict=True)
        }
        worst = int((table.max(axis=1) - table.min(axis=1)).max()) if uniq else 0
    return BalanceReport(
        arms=names,
        counts=dict(zip(names, map(int, overall), strict=True)),
        by_stratum=by,
        max_imbalance=worst,
    )
