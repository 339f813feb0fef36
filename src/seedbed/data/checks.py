"""Sample-ratio mismatch and disclosure control for the counts a trial analysis publishes.

Thin adapters over the statistics engine (``seedbed.stats.quality`` and
``seedbed.stats.disclosure``), shaped for the data engine's results.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from seedbed.data.results import SRMCheck
from seedbed.stats.disclosure import DEFAULT_THRESHOLD, protect_counts
from seedbed.stats.quality import SRM_THRESHOLD, sample_ratio_mismatch

SRM_ALPHA = SRM_THRESHOLD
"""A sample-ratio mismatch is flagged at p < 0.001 (the usual online-experiment threshold)."""
DEFAULT_SUPPRESS_BELOW = DEFAULT_THRESHOLD


def srm_check(*, observed: Sequence[int], ratio: Sequence[float] | None = None) -> SRMCheck:
    """Pearson chi-square goodness of fit of arm sizes to the allocation ratio.

    chi2 = sum_i (O_i - E_i)^2 / E_i with E_i = N r_i / sum r, on (arms - 1) df
    (Fabijan et al., KDD 2019; computed by ``seedbed.stats.quality``). Equal allocation when
    ``ratio`` is None; a degenerate input (one arm, a ratio of the wrong length) gives NaN.
    """
    obs = [int(v) for v in observed]
    try:
        res = sample_ratio_mismatch(counts=obs, ratio=ratio)
    except ValueError:
        return SRMCheck(observed=tuple(obs), expected=tuple(math.nan for _ in obs),
                        chi2=math.nan, df=len(obs) - 1, p=math.nan, mismatch=False)
    return SRMCheck(observed=res.observed, expected=res.expected, chi2=res.chi_square,
                    df=res.df, p=res.p, mismatch=res.mismatch)


def suppress_counts(
    counts: Sequence[int], *, below: int = DEFAULT_SUPPRESS_BELOW, total_published: bool = True
) -> list[int | None]:
    """Counts as they may be published: None where suppressed.

    With ``total_published`` the counts form a line with its total, protected by primary and
    secondary suppression (``seedbed.stats.disclosure.protect_counts``); otherwise each count
    alone is hidden when it is 1..below-1.
    """
    if not total_published:
        return [None if 0 < c < below else int(c) for c in counts]
    return list(protect_counts(counts=[int(c) for c in counts], threshold=below)[:-1])
