"""Adjustment for many outcomes: Holm (family-wise error) and Benjamini-Hochberg (FDR).

- Holm, "A simple sequentially rejective multiple test procedure", Scand J Stat
  1979;6:65-70. With p-values sorted p_(1) <= ... <= p_(m), the adjusted value is
  p~_(i) = max_{j <= i} min(1, (m - j + 1) p_(j)).
- Benjamini & Hochberg, "Controlling the false discovery rate", J R Stat Soc B
  1995;57:289-300. p~_(i) = min_{j >= i} min(1, m p_(j) / j).
An outcome is rejected when its adjusted p-value is at most alpha. NaN p-values are left
out of the family (and stay NaN) with a warning.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

METHOD_HOLM = "holm"
METHOD_BH = "benjamini-hochberg"

WARN_MISSING_P = "missing_p_values"
"""Some p-values were NaN; they were left out of the family."""


@dataclass(frozen=True)
class Adjusted:
    """Adjusted p-values (input order) and which hypotheses are rejected at alpha."""

    method: str
    p_adjusted: tuple[float, ...]
    rejected: tuple[bool, ...]
    warnings: tuple[str, ...] = ()


def adjust_p_values(
    *, p_values: Sequence[float], method: str = METHOD_HOLM, alpha: float = 0.05
) -> Adjusted:
    """Holm or Benjamini-Hochberg adjusted p-values (formulae in the module docstring)."""
    if method not in (METHOD_HOLM, METHOD_BH):
        raise ValueError(f"method must be '{METHOD_HOLM}' or '{METHOD_BH}'")
    p = np.asarray(p_values, dtype=float)
    ok = np.isfinite(p)
    warnings = () if ok.all() else (WARN_MISSING_P,)
    out = np.full(p.size, math.nan)
    q = p[ok]
    m = q.size
    if m:
        order = np.argsort(q, kind="stable")
        ranked = q[order]
        i = np.arange(1, m + 1)
        if method == METHOD_HOLM:
            adj = np.maximum.accumulate(np.minimum(1.0, (m - i + 1) * ranked))
        else:
            adj = np.minimum.accumulate(np.minimum(1.0, m * ranked / i)[::-1])[::-1]
        back = np.empty(m)
        back[order] = adj
        out[ok] = back
    rejected = tuple(bool(v <= alpha) if math.isfinite(v) else False for v in out)
    return Adjusted(method, tuple(float(v) for v in out), rejected, warnings)
