"""Reproducible, concealed allocation: simple, permuted-block, stratified and cluster designs.

Reproducibility. Every random number comes from ``numpy.random.PCG64`` seeded with the
SHA-256 digest of a text key (as a 256-bit integer), and only its raw 64-bit output
(``random_raw``) is used: PCG64's stream is fixed by its published algorithm, so the same
seed gives the same allocation on every platform and every numpy version (numpy does not
promise that for ``Generator`` methods, only for the bit generator). A uniform number is
u = (raw >> 11) / 2^53. The keys are:

    "<seed>"                                  simple randomisation
    "<seed>\\x1f<stratum>\\x1fblock-sizes"     the block sizes in a stratum ("" if unstratified)
    "<seed>\\x1f<stratum>\\x1forder"           the order within blocks in that stratum

so a stratum's sequence does not change when other strata are added, and the first m
allocations in a stratum do not depend on how many units follow (a pre-generated sequence
and a unit list give the same allocations).

Permuted blocks (Schulz & Grimes, Lancet 2002;359:515-519; random block sizes to keep the
sequence unpredictable): block sizes are drawn uniformly from the allowed sizes; each block
holds every arm in proportion to the allocation ratio and is put in random order by sorting
uniform keys. Stratified blocks run one such sequence per stratum (units in file order).
Cluster randomisation allocates whole clusters (sorted by label) by permuted blocks, within
cluster strata. Before the first allocation the trial publishes the commitment hash
SHA-256("<seed>\\n<protocol hash>") (``commitment_hash``); revealing the seed afterwards
lets anyone recompute every allocation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SEP = "\x1f"

WARN_PARTIAL_FINAL_BLOCK = "partial_final_block"
"""The last block of some stratum is incomplete, so arms may differ by up to half a block."""
WARN_STRATUM_VARIES_IN_CLUSTER = "stratum_varies_within_cluster"
"""Units of one cluster have different strata; the first unit's stratum was used."""
WARN_SINGLE_UNIT_STRATA = "strata_with_one_unit"
"""Some strata hold a single unit: too many strata for the sample size."""
WARN_FEW_CLUSTERS = "fewer_than_20_clusters_per_arm"
"""Cluster randomisation with fewer than 20 clusters per arm."""

ERR_ARMS = "give at least two distinct arm names"
ERR_BLOCK_SIZES = "block sizes must be positive multiples of the number of arms (times the ratio)"
ERR_RATIO = "the allocation ratio needs one positive whole number per arm"
ERR_SEED = "the seed must be a non-empty string"
ERR_STRATA_LENGTH = "give one stratum label per unit"


@dataclass(frozen=True, eq=False)
class Allocation:
    """Arm of each unit, in input order. ``arm_index`` indexes ``arms``; numpy arrays."""

    arms: tuple[str, ...]
    arm_index: np.ndarray  # int, one per unit
    block: np.ndarray  # block number within its stratum (-1 for simple randomisation)
    stratum: np.ndarray | None  # stratum label per unit, or None
    method: str
    warnings: tuple[str, ...] = ()

    def labels(self) -> list[str]:
        """Arm name of each unit."""
        names = np.asarray(self.arms, dtype=object)
        return list(names[self.arm_index])


def seed_generator(seed: str) -> np.random.Generator:
    """``Generator(PCG64(int(SHA-256(seed))))``: the generator behind every allocation."""
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    return np.random.Generator(np.random.PCG64(int.from_bytes(digest, "big")))


def commitment_hash(*, seed: str, protocol_hash: str = "") -> str:
    """SHA-256 hex digest of "<seed>\\n<protocol hash>", published before allocation starts."""
    return hashlib.sha256(f"{seed}\n{protocol_hash}".encode()).hexdigest()


def _uniform(key: str, size: int) -> np.ndarray:
    raw = seed_generator(key).bit_generator.random_raw(size)
    return (np.asarray(raw, dtype=np.uint64) >> np.uint64(11)).astype(np.float64) * 2.0**-53


def _pattern(n_arms: int, ratio: Sequence[int] | None) -> np.ndarray:
    weights = [1] * n_arms if ratio is None else list(ratio)
    if len(weights) != n_arms or any(int(w) != w or w < 1 for w in weights):
        raise ValueError(ERR_RATIO)
    return np.repeat(np.arange(n_arms), weights)


def _check_common(arms: Sequence[str], seed: str) -> tuple[str, ...]:
    names = tuple(arms)
    if len(names) < 2 or len(set(names)) != len(names):
        raise ValueError(ERR_ARMS)
    if not isinstance(seed, str) or not seed:
        raise ValueError(ERR_SEED)
    return names


def _check_sizes(block_sizes: Sequence[int], unit: int) -> np.ndarray:
    sizes = np.asarray(list(block_sizes), dtype=np.int64)
    if sizes.size == 0 or np.any(sizes <= 0) or np.any(sizes % unit):
        raise ValueError(ERR_BLOCK_SIZES)
    return sizes


def permuted_blocks(
    *, key: str, count: int, pattern: np.ndarray, sizes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, bool]:
    """(arm index, block number, final block incomplete) for ``count`` units of one stream."""
    if count == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), False
    nb = -(-count // int(sizes.min())) + 1
    drawn = sizes[(_uniform(key + SEP + "block-sizes", nb) * sizes.size).astype(np.int64)]
    ends = np.cumsum(drawn)
    used = int(np.searchsorted(ends, count)) + 1
    drawn = drawn[:used]
    total = int(ends[used - 1])
    starts = ends[:used] - drawn
    block = np.repeat(np.arange(used), drawn)
    within = np.arange(total) - np.repeat(starts, drawn)
    content = pattern[within % pattern.size]
    keys = _uniform(key + SEP + "order", total)
    order = np.lexsort((keys, block))
    return content[order][:count], block[:count], total != count


def _codes(labels: Sequence[object] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    arr = np.asarray(labels).astype(str)
    uniq, inv = np.unique(arr, return_inverse=True)
    return uniq, inv


def allocate_simple(
    *, n: int, arms: Sequence[str], seed: str, ratio: Sequence[int] | None = None
) -> Allocation:
    """Simple (unrestricted) randomisation: each unit independently, P(arm) by the ratio."""
    names = _check_common(arms, seed)
    pattern = _pattern(len(names), ratio)
    idx = pattern[(_uniform(seed, n) * pattern.size).astype(np.int64)]
    return Allocation(names, idx, np.full(n, -1), None, "simple")


def allocate_blocks(
    *,
    n: int | None = None,
    arms: Sequence[str],
    seed: str,
    block_sizes: Sequence[int] | None = None,
    strata: Sequence[object] | np.ndarray | None = None,
    ratio: Sequence[int] | None = None,
) -> Allocation:
    """Permuted blocks of random size, optionally stratified (one sequence per stratum).

    Default block sizes are 1x and 2x the ratio's sum (2 and 4 for two arms, 1:1). Units get
    their stratum's sequence in input order. Method and keys in the module docstring.
    """
    names = _check_common(arms, seed)
    pattern = _pattern(len(names), ratio)
    sizes = _check_sizes(block_sizes or (pattern.size, 2 * pattern.size), pattern.size)
    warnings: list[str] = []
    if strata is None:
        if n is None:
            raise ValueError("give n or strata")
        idx, block, partial = permuted_blocks(key=seed + SEP, count=n, pattern=pattern, sizes=sizes)
        if partial:
            warnings.append(WARN_PARTIAL_FINAL_BLOCK)
        return Allocation(names, idx, block, None, "permuted blocks", tuple(warnings))
    uniq, inv = _codes(strata)
    if n is not None and n != inv.size:
        raise ValueError(ERR_STRATA_LENGTH)
    counts = np.bincount(inv, minlength=uniq.size)
    order = np.argsort(inv, kind="stable")
    idx = np.empty(inv.size, dtype=np.int64)
    block = np.empty(inv.size, dtype=np.int64)
    partial_any = False
    start = 0
    for s, label in enumerate(uniq):
        members = order[start : start + counts[s]]
        start += counts[s]
        a, b, partial = permuted_blocks(
            key=seed + SEP + str(label), count=int(counts[s]), pattern=pattern, sizes=sizes
        )
        idx[members] = a
        block[members] = b
        partial_any = partial_any or partial
    if partial_any:
        warnings.append(WARN_PARTIAL_FINAL_BLOCK)
    if np.any(counts == 1):
        warnings.append(WARN_SINGLE_UNIT_STRATA)
    stratum = uniq[inv]
    return Allocation(names, idx, block, stratum, "stratified permuted blocks", tuple(warnings))


def allocate_clusters(
    *,
    clusters: Sequence[object] | np.ndarray,
    arms: Sequence[str],
    seed: str,
    block_sizes: Sequence[int] | None = None,
    strata: Sequence[object] | np.ndarray | None = None,
    ratio: Sequence[int] | None = None,
) -> Allocation:
    """Cluster randomisation: whole clusters (sorted by label) allocated by permuted blocks,
    stratified by the cluster's stratum if given; every unit takes its cluster's arm."""
    cl_labels, cl_inv = _codes(clusters)
    warnings: list[str] = []
    cl_strata = None
    if strata is not None:
        st = np.asarray(strata).astype(str)
        if st.size != cl_inv.size:
            raise ValueError(ERR_STRATA_LENGTH)
        first = np.full(cl_labels.size, -1, dtype=np.int64)
        first[cl_inv[::-1]] = np.arange(cl_inv.size)[::-1]
        cl_strata = st[first]
        if np.any(st != cl_strata[cl_inv]):
            warnings.append(WARN_STRATUM_VARIES_IN_CLUSTER)
    inner = allocate_blocks(
        n=cl_labels.size,
        arms=arms,
        seed=seed,
        block_sizes=block_sizes,
        strata=cl_strata,
        ratio=ratio,
    )
    per_arm = np.bincount(inner.arm_index, minlength=len(inner.arms))
    if per_arm.min() < 20:
        warnings.append(WARN_FEW_CLUSTERS)
    return Allocation(
        inner.arms,
        inner.arm_index[cl_inv],
        inner.block[cl_inv],
        None if cl_strata is None else cl_strata[cl_inv],
        "cluster permuted blocks",
        tuple(dict.fromkeys(inner.warnings + tuple(warnings))),
    )
