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

Strata. A stratum is a tuple of values, one per stratification variable (``StratumKey``).
Its text in the keys above, in output files and in the database is ``stratum_label``: the
value itself when there is one variable, and the JSON array of the values otherwise
(``["5 to 17","yes"]``). Both are one-to-one, so no two strata can share a sequence the way
joined text would ("a|b" + "c" and "a" + "b|c"). A blank value (empty, spaces, None, NaN) is
refused with the unit and the variable named, never made into a stratum of its own.

Seeds. Anyone holding the published commitment can test candidate seeds against it, so a
seed is refused unless it can carry at least 128 bits (``seed_bits``: its length times the
bits per character of the smallest of the hexadecimal, base64 and printable-ASCII alphabets
holding it; 8 bits per UTF-8 byte otherwise). Digits count as hexadecimal, so that every
``secrets.token_hex(16)`` seed passes (one in three million is all digits). That is an upper
bound: a phrase passes it without being random, so draw seeds with ``secrets.token_hex(16)``.

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
import json
import math
import string
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
ERR_SEED_WEAK = (
    "the seed can hold at most {bits:.0f} bits of randomness and needs at least 128: anyone "
    "could recover a shorter one from its published commitment hash by trying every value. "
    'Use 32 random hexadecimal digits, e.g. from python -c "import secrets; '
    'print(secrets.token_hex(16))"'
)
ERR_STRATA_LENGTH = "give one stratum label per unit"
ERR_STRATUM_BLANK = (
    "unit {unit} has a blank value for stratification variable {column}: give every unit a "
    "stratum (use an explicit label such as 'unknown' for a missing value)"
)
ERR_STRATUM_BLANK_ROW = (
    "{path}: row {row} has a blank value in stratification column {column!r}; give every unit "
    "a stratum (use an explicit label such as 'unknown' for a missing value)"
)
ERR_STRATUM_CASE = (
    "unit {unit} has the value {value!r} for stratification variable {column}, which differs "
    "only in case from {first!r} (unit {first_unit}); use one spelling, so that no stratum is "
    "split in two"
)
ERR_STRATUM_CASE_ROW = (
    "{path}: row {row}, stratification column {column!r}: {value!r} differs only in case from "
    "{first!r} (row {first_row}); use one spelling, so that no stratum is split in two"
)
ERR_SEED_OPTION = "--seed: {problem}; or leave --seed out to have a strong seed drawn"
ERR_STRATUM_LIST_BLANK = "stratum {position} in the list of strata is blank"
ERR_STRATUM_WIDTH = (
    "unit {unit} has {found} stratification value(s) where unit 1 has {expected}: every unit "
    "needs one value per stratification variable"
)

MIN_SEED_BITS = 128
StratumKey = tuple[str, ...]

_SEED_ALPHABETS = (
    (frozenset(string.digits + "abcdef"), 16),
    (frozenset(string.digits + "ABCDEF"), 16),
    (frozenset(string.ascii_letters + string.digits + "-_+/="), 64),
    (frozenset(chr(c) for c in range(0x20, 0x7F)), 95),
)


class BlankStratumError(ValueError):
    """A unit's stratum value is blank. ``unit`` and ``column`` are 0-based positions."""

    def __init__(self, *, unit: int, column: int) -> None:
        self.unit = unit
        self.column = column
        super().__init__(ERR_STRATUM_BLANK.format(unit=unit + 1, column=column + 1))


class StratumCaseError(ValueError):
    """A unit's stratum value differs only in case from an earlier unit's (0-based positions)."""

    def __init__(self, *, unit: int, column: int, value: str, first_unit: int,
                 first: str) -> None:
        self.unit, self.column, self.value = unit, column, value
        self.first_unit, self.first = first_unit, first
        super().__init__(ERR_STRATUM_CASE.format(unit=unit + 1, column=column + 1, value=value,
                                                 first=first, first_unit=first_unit + 1))


class WeakSeedError(ValueError):
    """The seed cannot hold ``MIN_SEED_BITS`` bits; ``bits`` is its upper bound."""

    def __init__(self, bits: float) -> None:
        self.bits = bits
        super().__init__(ERR_SEED_WEAK.format(bits=math.floor(bits)))


@dataclass(frozen=True, eq=False)
class Allocation:
    """Arm of each unit, in input order. ``arm_index`` indexes ``arms``; numpy arrays."""

    arms: tuple[str, ...]
    arm_index: np.ndarray  # int, one per unit
    block: np.ndarray  # block number within its stratum (-1 for simple randomisation)
    stratum: np.ndarray | None  # stratum key (a tuple, object array) per unit, or None
    method: str
    warnings: tuple[str, ...] = ()

    def labels(self) -> list[str]:
        """Arm name of each unit."""
        names = np.asarray(self.arms, dtype=object)
        return list(names[self.arm_index])

    def stratum_labels(self) -> list[str] | None:
        """``stratum_label`` of each unit's stratum (one-to-one text), or None."""
        if self.stratum is None:
            return None
        return [stratum_label(k) for k in self.stratum.tolist()]


def seed_bits(seed: str) -> float:
    """Upper bound on the randomness a seed can hold, in bits (see the module docstring)."""
    chars = set(seed)
    for alphabet, size in _SEED_ALPHABETS:
        if chars <= alphabet:
            return len(seed) * math.log2(size)
    return 8.0 * len(seed.encode("utf-8"))


def check_seed(seed: object) -> str:
    """The seed, if it is a string that can hold ``MIN_SEED_BITS`` bits; else ValueError."""
    if not isinstance(seed, str) or not seed:
        raise ValueError(ERR_SEED)
    bits = seed_bits(seed)
    if bits < MIN_SEED_BITS:
        raise WeakSeedError(bits)
    return seed


def stratum_label(key: StratumKey | str) -> str:
    """One-to-one text of a stratum: the value for one variable, else a JSON array."""
    if isinstance(key, str):
        return key
    if len(key) == 1:
        return str(key[0])
    return json.dumps([str(v) for v in key], ensure_ascii=False, separators=(",", ":"))


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _as_table(strata: Sequence[object] | np.ndarray) -> np.ndarray:
    """Units x variables array of stratum values (object, or numpy text/numbers)."""
    arr = strata if isinstance(strata, np.ndarray) else None
    if arr is not None and arr.ndim == 2:
        return arr
    if arr is not None and arr.ndim == 1 and arr.dtype != object:
        return arr[:, None]
    items = list(strata)
    if any(isinstance(v, tuple | list) for v in items):
        widths = [len(v) if isinstance(v, tuple | list) else 1 for v in items]
        odd = next((i for i, w in enumerate(widths) if w != widths[0]
                    or not isinstance(items[i], tuple | list)), None)
        if odd is not None or widths[0] == 0:
            i = odd if odd is not None else 0
            raise ValueError(ERR_STRATUM_WIDTH.format(unit=i + 1, found=widths[i],
                                                      expected=widths[0]))
        table = np.empty((len(items), widths[0]), dtype=object)
        for i, v in enumerate(items):
            table[i, :] = list(v)
        return table
    column = np.empty(len(items), dtype=object)
    column[:] = items
    return column[:, None]


def _column_codes(col: np.ndarray, column: int) -> tuple[np.ndarray, np.ndarray]:
    if col.dtype.kind == "f" and np.isnan(col).any():
        raise BlankStratumError(unit=int(np.argmax(np.isnan(col))), column=column)
    if col.dtype == object:
        flags = [_blank(v) for v in col.tolist()]
        if any(flags):
            raise BlankStratumError(unit=flags.index(True), column=column)
        col = np.asarray([str(v) for v in col.tolist()], dtype=str)
    uniq, inv = np.unique(np.char.strip(col.astype(str)), return_inverse=True)
    inv = inv.reshape(-1)
    blank = uniq == ""
    if blank.any():
        first = int(np.argmax(np.isin(inv, np.flatnonzero(blank))))
        raise BlankStratumError(unit=first, column=column)
    _refuse_case_variants(uniq, inv, column)
    return uniq, inv


def _refuse_case_variants(uniq: np.ndarray, inv: np.ndarray, column: int) -> None:
    """Values that differ only in case ("North", "north") would split one stratum in two:
    refuse the first unit with a later spelling, naming the first spelling."""
    folded = np.char.lower(uniq)
    if np.unique(folded).size == uniq.size:
        return
    first_unit = np.full(uniq.size, inv.size, dtype=np.int64)
    np.minimum.at(first_unit, inv, np.arange(inv.size))
    offenders = []
    for f in np.unique(folded):
        spellings = np.flatnonzero(folded == f)
        if spellings.size > 1:
            ordered = spellings[np.argsort(first_unit[spellings])]
            offenders += [(int(first_unit[v]), str(uniq[v]), int(first_unit[ordered[0]]),
                           str(uniq[ordered[0]])) for v in ordered[1:]]
    unit, value, first, first_value = min(offenders)
    raise StratumCaseError(unit=unit, column=column, value=value, first_unit=first,
                           first=first_value)


def stratum_keys(
    strata: Sequence[object] | np.ndarray,
) -> tuple[tuple[StratumKey, ...], np.ndarray]:
    """Distinct strata (sorted tuples) and each unit's index into them.

    ``strata`` holds one value per unit (one variable) or one tuple per unit (several), or
    is a units x variables array. Values are trimmed ("a " is "a"); blank values raise
    ``BlankStratumError`` and values differing only in case ``StratumCaseError``.
    """
    table = _as_table(strata)
    if table.shape[0] == 0:
        return (), np.zeros(0, dtype=np.int64)
    cols = [_column_codes(table[:, j], j) for j in range(table.shape[1])]
    if len(cols) == 1:
        return tuple((str(u),) for u in cols[0][0]), cols[0][1]
    codes = np.stack([inv for _, inv in cols], axis=1)
    rows, inv = np.unique(codes, axis=0, return_inverse=True)
    keys = tuple(
        tuple(str(cols[j][0][r[j]]) for j in range(len(cols))) for r in rows.tolist()
    )
    return keys, inv.reshape(-1)


def _key_array(keys: Sequence[StratumKey], inv: np.ndarray) -> np.ndarray:
    out = np.empty(len(keys), dtype=object)
    for i, k in enumerate(keys):
        out[i] = k
    return out[inv]


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
    check_seed(seed)
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
    return uniq, inv.reshape(-1)


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
    their stratum's sequence in input order. ``strata`` is one value per unit, or one tuple
    per unit for several stratification variables (see ``stratum_keys``); blank values are
    refused. Method and keys in the module docstring.
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
    uniq, inv = stratum_keys(strata)
    if n is not None and n != inv.size:
        raise ValueError(ERR_STRATA_LENGTH)
    counts = np.bincount(inv, minlength=len(uniq))
    order = np.argsort(inv, kind="stable")
    idx = np.empty(inv.size, dtype=np.int64)
    block = np.empty(inv.size, dtype=np.int64)
    partial_any = False
    start = 0
    for s, label in enumerate(uniq):
        members = order[start : start + counts[s]]
        start += counts[s]
        a, b, partial = permuted_blocks(
            key=seed + SEP + stratum_label(label), count=int(counts[s]), pattern=pattern,
            sizes=sizes,
        )
        idx[members] = a
        block[members] = b
        partial_any = partial_any or partial
    if partial_any:
        warnings.append(WARN_PARTIAL_FINAL_BLOCK)
    if np.any(counts == 1):
        warnings.append(WARN_SINGLE_UNIT_STRATA)
    stratum = _key_array(uniq, inv)
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
        keys, st = stratum_keys(strata)
        if st.size != cl_inv.size:
            raise ValueError(ERR_STRATA_LENGTH)
        first = np.full(cl_labels.size, -1, dtype=np.int64)
        first[cl_inv[::-1]] = np.arange(cl_inv.size)[::-1]
        cl_strata = _key_array(keys, st[first])
        if np.any(st != st[first][cl_inv]):
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
