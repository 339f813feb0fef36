"""Statistical disclosure control for published tables: small-cell and secondary suppression.

Method (Office for National Statistics, *Disclosure control guidance for tables produced from
surveys/administrative sources*; Hundepool et al., *Statistical Disclosure Control*, Wiley
2012, chapter 5):

1. Primary suppression: every count (cell or total) from 1 to threshold - 1 is suppressed
   (zeros are published unless ``suppress_zeros``).
2. Secondary suppression: a published table with margins is a set of additive lines (each
   row with its row total, each column with its column total, and the totals with the grand
   total). Think of the suppressed entries as edges of a bipartite graph between lines of
   rows and lines of columns. A suppressed entry that lies on no cycle of suppressed entries
   (a bridge of that graph; a lone suppressed entry in a line is the simplest case) can be
   recovered exactly from the published figures; one that lies on a cycle cannot, because
   adding and subtracting along the cycle gives other tables with the same margins (Cox,
   JASA 1980;75:377-385). So while some suppressed entry is a bridge, the cheapest published
   entry that closes a cycle through it is suppressed too (cheapest: non-zero cells first,
   then totals, then the smallest value; if no single entry closes a cycle, the cheapest
   entry touching the same group is suppressed and the search repeats).
3. Optional rounding of published counts to a base (e.g. 5), half up, after suppression; a
   count at or above the threshold is never rounded down into the suppressed range.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_THRESHOLD = 10

WARN_NEGATIVE_COUNTS = "negative_counts"
"""Negative counts are not counts; they were treated as published values."""
WARN_ALL_SUPPRESSED = "everything_suppressed"
"""Every entry had to be suppressed: the table should not be published."""

SHOWN = "shown"
PRIMARY = "primary"
"""Suppressed because the count itself is small (1 to threshold - 1)."""
SECONDARY = "secondary"
"""Suppressed, whatever its size, so that a small count cannot be worked out from it."""


@dataclass(frozen=True)
class ProtectedTable:
    """A table with row totals (last column), column totals (last row) and grand total.

    ``values`` is (rows + 1) x (columns + 1); None marks a suppressed entry.
    """

    values: tuple[tuple[int | None, ...], ...]
    primary: tuple[tuple[int, int], ...]  # positions suppressed as small counts
    secondary: tuple[tuple[int, int], ...]  # positions suppressed to protect them
    threshold: int
    rounded_to: int | None
    warnings: tuple[str, ...] = ()

    def status(self, i: int, j: int) -> str:
        """``SHOWN``, ``PRIMARY`` (a small count) or ``SECONDARY`` (hidden to protect one)."""
        if (i, j) in self.primary:
            return PRIMARY
        if (i, j) in self.secondary:
            return SECONDARY
        return SHOWN


def _bridges(hidden: np.ndarray) -> list[tuple[int, int]]:
    """Suppressed entries that lie on no cycle (graph bridges), row nodes i, column nodes j."""
    n_r, n_c = hidden.shape
    adj: dict[int, list[tuple[int, int]]] = {v: [] for v in range(n_r + n_c)}
    for e, (i, j) in enumerate(zip(*np.nonzero(hidden), strict=True)):
        adj[int(i)].append((n_r + int(j), e))
        adj[n_r + int(j)].append((int(i), e))
    edges = [(int(i), int(j)) for i, j in zip(*np.nonzero(hidden), strict=True)]
    disc: dict[int, int] = {}
    low: dict[int, int] = {}
    out: list[tuple[int, int]] = []
    counter = 0
    for root in adj:
        if root in disc or not adj[root]:
            continue
        stack = [(root, -1, iter(adj[root]))]
        disc[root] = low[root] = counter
        counter += 1
        while stack:
            node, via, it = stack[-1]
            for nxt, e in it:
                if e == via:
                    continue
                if nxt in disc:
                    low[node] = min(low[node], disc[nxt])
                else:
                    disc[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append((nxt, e, iter(adj[nxt])))
                    break
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > disc[parent]:
                        out.append(edges[via])
    return out


def _component(hidden: np.ndarray, start: int, banned: tuple[int, int]) -> set[int]:
    """Nodes reachable from ``start`` over suppressed entries other than ``banned``."""
    n_r = hidden.shape[0]
    seen = {start}
    todo = [start]
    while todo:
        v = todo.pop()
        if v < n_r:
            nbrs = [n_r + int(j) for j in np.nonzero(hidden[v])[0] if (v, int(j)) != banned]
        else:
            j = v - n_r
            nbrs = [int(i) for i in np.nonzero(hidden[:, j])[0] if (int(i), j) != banned]
        for w in nbrs:
            if w not in seen:
                seen.add(w)
                todo.append(w)
    return seen


def _cost(full: np.ndarray, p: tuple[int, int]) -> tuple[int, int, int]:
    r, c = full.shape[0] - 1, full.shape[1] - 1
    return (int(full[p] == 0), int(p[0] == r or p[1] == c), int(full[p]))


def _protect_bridge(
    full: np.ndarray, hidden: np.ndarray, bridge: tuple[int, int]
) -> tuple[int, int]:
    """The entry to suppress next so that ``bridge`` ends up on a cycle."""
    n_r = hidden.shape[0]
    side_a = _component(hidden, bridge[0], bridge)
    side_b = _component(hidden, n_r + bridge[1], bridge)
    closing = [
        (i, j)
        for i in range(n_r)
        for j in range(hidden.shape[1])
        if not hidden[i, j]
        and ((i in side_a and n_r + j in side_b) or (i in side_b and n_r + j in side_a))
    ]
    if not closing:
        group = side_a | side_b
        closing = [
            (i, j)
            for i in range(n_r)
            for j in range(hidden.shape[1])
            if not hidden[i, j] and (i in group or n_r + j in group)
        ]
    return min(closing, key=lambda p: _cost(full, p))


def _round(values: np.ndarray, base: int, threshold: int) -> np.ndarray:
    """Round half up to a multiple of ``base``; a count of at least the threshold never
    rounds down into 1..threshold-1 (it goes to the first multiple at or above it)."""
    if base < 1:
        raise ValueError("round_to must be a positive whole number")
    out = (np.floor(values / base + 0.5) * base).astype(np.int64)
    floor = -(-threshold // base) * base
    return np.where((out > 0) & (out < threshold) & (values >= threshold), floor, out)


def protect_table(
    *,
    counts: Sequence[Sequence[int]],
    threshold: int = DEFAULT_THRESHOLD,
    round_to: int | None = None,
    suppress_zeros: bool = False,
) -> ProtectedTable:
    """Suppress small counts and protect them from recovery through totals (see module)."""
    if threshold < 1:
        raise ValueError("the threshold must be at least 1")
    body = np.asarray(counts, dtype=np.int64)
    if body.ndim != 2 or body.size == 0:
        raise ValueError("give a non-empty two-dimensional table of counts")
    r, c = body.shape
    full = np.zeros((r + 1, c + 1), dtype=np.int64)
    full[:r, :c] = body
    full[:r, c] = body.sum(axis=1)
    full[r, :c] = body.sum(axis=0)
    full[r, c] = body.sum()
    warnings: list[str] = []
    if np.any(body < 0):
        warnings.append(WARN_NEGATIVE_COUNTS)
    small = (full >= 1) & (full < threshold)
    if suppress_zeros:
        small |= full == 0
    hidden = small.copy()
    primary = {(int(i), int(j)) for i, j in zip(*np.nonzero(small), strict=True)}
    secondary: list[tuple[int, int]] = []
    while not hidden.all():
        bridges = _bridges(hidden)
        if not bridges:
            break
        p = _protect_bridge(full, hidden, bridges[0])
        hidden[p] = True
        secondary.append(p)
    if hidden.all():
        warnings.append(WARN_ALL_SUPPRESSED)
    published = full if round_to is None else _round(full, round_to, threshold)
    values = tuple(
        tuple(None if hidden[i, j] else int(published[i, j]) for j in range(c + 1))
        for i in range(r + 1)
    )
    return ProtectedTable(
        values=values,
        primary=tuple(sorted(primary)),
        secondary=tuple(secondary),
        threshold=threshold,
        rounded_to=round_to,
        warnings=tuple(warnings),
    )


def protect_counts(
    *, counts: Sequence[int], threshold: int = DEFAULT_THRESHOLD, round_to: int | None = None
) -> tuple[int | None, ...]:
    """A one-way table (e.g. counts per arm) with its total last, protected the same way."""
    table = protect_table(counts=[list(counts)], threshold=threshold, round_to=round_to)
    return table.values[0]


@dataclass(frozen=True)
class PublishedCount:
    """One count after disclosure control: its value (None when suppressed) and why."""

    value: int | None
    status: str  # SHOWN, PRIMARY or SECONDARY

    @property
    def suppressed(self) -> bool:
        return self.status != SHOWN


def protect_counts_marked(
    *, counts: Sequence[int], threshold: int = DEFAULT_THRESHOLD, round_to: int | None = None
) -> tuple[PublishedCount, ...]:
    """``protect_counts`` with each entry marked shown, primary or secondary suppression.

    A count of 10 or more hidden only to protect a small count beside it is ``SECONDARY``:
    publishing it as "fewer than 10" would be false.
    """
    table = protect_table(counts=[list(counts)], threshold=threshold, round_to=round_to)
    return tuple(PublishedCount(value, table.status(0, j)) for j, value in enumerate(table.values[0]))
