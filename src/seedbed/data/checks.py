"""Sample-ratio mismatch and disclosure control for published counts.

Small pieces the trial analysis needs; the statistics engine carries the full versions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats as sps

from seedbed.data.results import SRMCheck

SRM_ALPHA = 0.001
"""A sample-ratio mismatch is flagged at p < 0.001 (the usual online-experiment threshold)."""
DEFAULT_SUPPRESS_BELOW = 10


def srm_check(*, observed: Sequence[int], ratio: Sequence[float] | None = None) -> SRMCheck:
    """Pearson chi-square goodness of fit of arm sizes to the allocation ratio.

    chi2 = sum_i (O_i - E_i)^2 / E_i with E_i = N r_i / sum r, on (arms - 1) df
    (Fabijan et al., "Diagnosing sample ratio mismatch", KDD 2019). Equal allocation when
    ``ratio`` is None.
    """
    obs = np.asarray(observed, dtype=float)
    r = np.ones_like(obs) if ratio is None else np.asarray(ratio, dtype=float)
    total = obs.sum()
    expected = total * r / r.sum() if r.sum() > 0 else np.zeros_like(obs)
    df = len(obs) - 1
    if df < 1 or total <= 0 or np.any(expected <= 0):
        return SRMCheck(
            observed=tuple(int(v) for v in obs), expected=tuple(float(v) for v in expected),
            chi2=float("nan"), df=df, p=float("nan"), mismatch=False,
        )
    chi2 = float(((obs - expected) ** 2 / expected).sum())
    p = float(sps.chi2.sf(chi2, df))
    return SRMCheck(
        observed=tuple(int(v) for v in obs), expected=tuple(float(v) for v in expected),
        chi2=chi2, df=df, p=p, mismatch=p < SRM_ALPHA,
    )


def suppress_counts(
    counts: Sequence[int], *, below: int = DEFAULT_SUPPRESS_BELOW, total_published: bool = True
) -> list[int | None]:
    """Primary and secondary suppression of a row of counts that sums to a published total.

    Counts 1..below-1 are hidden (primary). If exactly one count is hidden and the total is
    published, it could be recovered by subtraction, so the smallest other non-zero count is
    hidden too (secondary). Zeros are published. Returns None where a count is hidden.
    """
    out: list[int | None] = [None if 0 < c < below else int(c) for c in counts]
    hidden = [i for i, v in enumerate(out) if v is None]
    if total_published and len(hidden) == 1:
        others = [(c, i) for i, c in enumerate(counts) if i not in hidden and c > 0]
        if others:
            out[min(others)[1]] = None
    return out
