"""Sample-ratio mismatch and disclosure control for the counts a trial analysis publishes.

Disclosure control is the statistics engine's (``seedbed.stats.disclosure``). The SRM check
repeats ``seedbed.stats.quality.sample_ratio_mismatch`` with a ``scipy.special`` tail area so
that an analysis does not import ``scipy.stats``; ``tests/data`` checks the two agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from seedbed.data.modelfit import chi2_upper_tail
from seedbed.data.results import SRMCheck
from seedbed.stats.disclosure import DEFAULT_THRESHOLD, protect_counts

SRM_ALPHA = 0.001
"""A sample-ratio mismatch is flagged at p < 0.001 (the usual online-experiment threshold)."""
DEFAULT_SUPPRESS_BELOW = DEFAULT_THRESHOLD


def srm_check(*, observed: Sequence[int], ratio: Sequence[float] | None = None) -> SRMCheck:
    """Pearson chi-square goodness of fit of arm sizes to the allocation ratio.

    chi2 = sum_i (O_i - E_i)^2 / E_i with E_i = N r_i / sum r, on (arms - 1) df
    (Fabijan et al., KDD 2019), flagged when p < ``SRM_ALPHA``. Equal allocation when
    ``ratio`` is None; a degenerate input (one arm, a ratio of the wrong length or not
    positive) gives NaN; no units at all give expected counts 0 and NaN.
    """
    obs = tuple(int(v) for v in observed)
    weights = [1.0] * len(obs) if ratio is None else [float(r) for r in ratio]
    df = len(obs) - 1
    if len(weights) != len(obs) or len(obs) < 2 or min(weights) <= 0:
        return SRMCheck(observed=obs, expected=tuple(math.nan for _ in obs),
                        chi2=math.nan, df=df, p=math.nan, mismatch=False)
    total = sum(obs)
    if total == 0:
        return SRMCheck(observed=obs, expected=(0.0,) * len(obs), chi2=math.nan, df=df,
                        p=math.nan, mismatch=False)
    expected = tuple(total * w / sum(weights) for w in weights)
    chi = sum((o - e) ** 2 / e for o, e in zip(obs, expected, strict=True))
    p = chi2_upper_tail(chi, df)
    return SRMCheck(observed=obs, expected=expected, chi2=float(chi), df=df, p=p,
                    mismatch=p < SRM_ALPHA)


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
