"""Subgroup effects and interaction tests, e.g. for equity across ethnicity, deprivation, disability.

Method: the effect is estimated within each level of the subgroup variable; whether it
differs between levels is tested by the interaction (heterogeneity) test on the subgroup
estimates, never by comparing subgroup p-values (Altman & Bland, "Interaction revisited: the
difference between two estimates", BMJ 2003;326:219). With estimates e_i and standard errors
se_i, weights w_i = 1/se_i^2 and pooled e = sum w_i e_i / sum w_i,

    Q = sum w_i (e_i - e)^2  ~  chi-square on (levels - 1) df under no interaction

(Cochran's Q; for two levels Q = z^2 with z = (e_1 - e_2)/sqrt(se_1^2 + se_2^2)).
Subgroups not named in the registered protocol are labelled exploratory (CONSORT 2010
item 18; Wang et al., NEJM 2007;357:2189-2194).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from scipy import stats as sps

from seedbed.stats.compare import (
    DIFFERENCE_ABSOLUTE,
    compare_means,
    compare_proportions,
)
from seedbed.stats.summaries import Comparison, MeanSummary, ProportionSummary

LABEL_PRESPECIFIED = "pre-specified"
LABEL_EXPLORATORY = "exploratory"

WARN_EXPLORATORY = "subgroup_not_prespecified"
"""The subgroup was not in the registered protocol: read it as hypothesis-generating."""
WARN_LEVEL_WITHOUT_SE = "subgroup_level_without_standard_error"
"""Some level has no finite standard error and was left out of the interaction test."""
WARN_ONE_LEVEL = "fewer_than_two_levels"
"""Fewer than two usable levels: no interaction test."""


@dataclass(frozen=True)
class SubgroupAnalysis:
    """Effects by level of one subgroup variable and the interaction test."""

    variable: str
    label: str  # LABEL_PRESPECIFIED or LABEL_EXPLORATORY
    effects: dict[str, Comparison]
    interaction_chi_square: float
    interaction_df: int
    interaction_p: float
    warnings: tuple[str, ...] = ()


def interaction_test(*, effects: Mapping[str, Comparison]) -> tuple[float, int, float, list[str]]:
    """Cochran's Q on the subgroup estimates: (Q, df, p, warnings)."""
    warnings: list[str] = []
    usable = [
        c for c in effects.values() if math.isfinite(c.se) and c.se > 0 and math.isfinite(c.effect)
    ]
    if len(usable) < len(effects):
        warnings.append(WARN_LEVEL_WITHOUT_SE)
    if len(usable) < 2:
        warnings.append(WARN_ONE_LEVEL)
        return math.nan, 0, math.nan, warnings
    w = [1.0 / c.se**2 for c in usable]
    pooled = sum(wi * c.effect for wi, c in zip(w, usable, strict=True)) / sum(w)
    q = sum(wi * (c.effect - pooled) ** 2 for wi, c in zip(w, usable, strict=True))
    df = len(usable) - 1
    return float(q), df, float(sps.chi2.sf(q, df)), warnings


def subgroup_analysis(
    *, variable: str, effects: Mapping[str, Comparison], prespecified: bool
) -> SubgroupAnalysis:
    """Label and test already-estimated subgroup effects (one Comparison per level)."""
    q, df, p, warnings = interaction_test(effects=effects)
    if not prespecified:
        warnings.insert(0, WARN_EXPLORATORY)
    return SubgroupAnalysis(
        variable=variable,
        label=LABEL_PRESPECIFIED if prespecified else LABEL_EXPLORATORY,
        effects=dict(effects),
        interaction_chi_square=q,
        interaction_df=df,
        interaction_p=p,
        warnings=tuple(warnings),
    )


def subgroup_means(
    *,
    variable: str,
    levels: Mapping[str, tuple[MeanSummary, MeanSummary]],
    prespecified: bool,
    difference: str = DIFFERENCE_ABSOLUTE,
    alpha: float = 0.05,
) -> SubgroupAnalysis:
    """Welch comparison within each level ((control, treatment) per level), then Q test."""
    effects = {
        k: compare_means(control=c, treatment=t, difference=difference, alpha=alpha)
        for k, (c, t) in levels.items()
    }
    return subgroup_analysis(variable=variable, effects=effects, prespecified=prespecified)


def subgroup_proportions(
    *,
    variable: str,
    levels: Mapping[str, tuple[ProportionSummary, ProportionSummary]],
    prespecified: bool,
    difference: str = DIFFERENCE_ABSOLUTE,
    alpha: float = 0.05,
) -> SubgroupAnalysis:
    """Difference in proportions within each level, then the Q interaction test."""
    effects = {
        k: compare_proportions(control=c, treatment=t, difference=difference, alpha=alpha)
        for k, (c, t) in levels.items()
    }
    return subgroup_analysis(variable=variable, effects=effects, prespecified=prespecified)
