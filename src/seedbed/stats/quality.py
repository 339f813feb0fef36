"""Data-quality checks: sample-ratio mismatch and baseline balance.

- Sample-ratio mismatch (Fabijan et al., "Diagnosing sample ratio mismatch in online
  controlled experiments", KDD 2019): Pearson's chi-square goodness-of-fit of the arm counts
  to the planned allocation ratio, X^2 = sum (O - E)^2 / E on (arms - 1) df; flagged when
  p < 0.001, the conventional threshold for a broken allocation or data pipeline.
- Baseline balance (Austin, Stat Med 2009;28:3083-3107): the standardised mean difference
  (m_t - m_c) / sqrt((s_t^2 + s_c^2) / 2) per baseline characteristic; |SMD| > 0.1 is
  flagged. In a randomised trial imbalance is chance, so no p-values are given (CONSORT 2010,
  item 15 explanation).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scipy import stats as sps

from seedbed.stats.summaries import MeanSummary, ProportionSummary

SRM_THRESHOLD = 0.001
SMD_THRESHOLD = 0.1

WARN_SRM = "sample_ratio_mismatch"
"""The arm counts are very unlikely under the planned ratio (p < 0.001): check allocation."""
WARN_NO_UNITS = "no_units"
"""No units were counted."""
WARN_IMBALANCE = "baseline_imbalance"
"""Some baseline characteristic has |standardised mean difference| > 0.1."""
WARN_UNDEFINED_SMD = "smd_undefined"
"""A standardised difference could not be computed (n < 2 or zero variance in both arms)."""


@dataclass(frozen=True)
class SampleRatioCheck:
    """Chi-square test of observed arm counts against the planned ratio."""

    observed: tuple[int, ...]
    expected: tuple[float, ...]
    chi_square: float
    df: int
    p: float
    mismatch: bool
    warnings: tuple[str, ...] = ()


def sample_ratio_mismatch(
    *, counts: Sequence[int], ratio: Sequence[float] | None = None, threshold: float = SRM_THRESHOLD
) -> SampleRatioCheck:
    """Pearson chi-square SRM check (see module docstring); equal ratio by default."""
    obs = tuple(int(c) for c in counts)
    weights = [1.0] * len(obs) if ratio is None else [float(r) for r in ratio]
    if len(weights) != len(obs) or len(obs) < 2 or min(weights) <= 0:
        raise ValueError("give one positive ratio per arm, and at least two arms")
    total = sum(obs)
    if total == 0:
        nan = math.nan
        return SampleRatioCheck(
            obs, (0.0,) * len(obs), nan, len(obs) - 1, nan, False, (WARN_NO_UNITS,)
        )
    expected = tuple(total * w / sum(weights) for w in weights)
    chi = sum((o - e) ** 2 / e for o, e in zip(obs, expected, strict=True))
    p = float(sps.chi2.sf(chi, len(obs) - 1))
    flag = p < threshold
    return SampleRatioCheck(
        obs, expected, float(chi), len(obs) - 1, p, flag, (WARN_SRM,) if flag else ()
    )


@dataclass(frozen=True)
class BalanceRow:
    """One baseline characteristic: arm summaries and the standardised difference."""

    name: str
    control: float
    treatment: float
    smd: float
    imbalanced: bool


@dataclass(frozen=True)
class BaselineBalance:
    """Standardised mean differences for all baseline characteristics."""

    rows: tuple[BalanceRow, ...]
    warnings: tuple[str, ...] = ()


def baseline_balance(
    *,
    characteristics: Mapping[
        str, tuple[MeanSummary | ProportionSummary, MeanSummary | ProportionSummary]
    ],
    threshold: float = SMD_THRESHOLD,
) -> BaselineBalance:
    """SMD per characteristic, given (control, treatment) summaries (means or proportions)."""
    rows: list[BalanceRow] = []
    warnings: list[str] = []
    for name, (c, t) in characteristics.items():
        mc = c.mean if isinstance(c, MeanSummary) else c.proportion
        mt = t.mean if isinstance(t, MeanSummary) else t.proportion
        pooled = math.sqrt((c.variance + t.variance) / 2.0) if c.n > 1 and t.n > 1 else math.nan
        if not pooled or math.isnan(pooled):
            smd = math.nan
            warnings.append(WARN_UNDEFINED_SMD)
        else:
            smd = (mt - mc) / pooled
        flag = math.isfinite(smd) and abs(smd) > threshold
        if flag:
            warnings.append(WARN_IMBALANCE)
        rows.append(BalanceRow(name, float(mc), float(mt), float(smd), flag))
    return BaselineBalance(tuple(rows), tuple(dict.fromkeys(warnings)))
