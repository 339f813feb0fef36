"""Regression adjustment for a pre-period covariate (ANCOVA / CUPED) from sums and cross-products.

Method: analysis of covariance, y = b0 + b1 arm + b2 x + e, fitted by OLS from each arm's
n, sum(y), sum(y^2), sum(x), sum(x^2), sum(xy) (``seedbed.stats.regression``). The effect is
b1 = (ybar_t - ybar_c) - b2 (xbar_t - xbar_c), with b2 the pooled within-arm slope; its
classical standard error uses the residual variance on N - 3 df. This is the
regression form of CUPED (Deng, Xu, Kohavi & Walker, "Improving the sensitivity of online
controlled experiments by utilizing pre-experiment data", WSDM 2013), whose variance
reduction is about 1 - corr(y, x)^2; with randomised arms ANCOVA is unbiased and at least
as precise (Senn, Stat Med 1994;13:1715-1726).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from seedbed.stats.compare import finish
from seedbed.stats.regression import MomentBlock, ols_from_moments
from seedbed.stats.summaries import WARN_EMPTY_ARM, Comparison, PairedSummary


@dataclass(frozen=True)
class AdjustedComparison:
    """ANCOVA effect with the covariate slope and the variance reduction it bought."""

    comparison: Comparison
    slope: float  # pooled within-arm slope of y on x
    variance_reduction: float  # 1 - var(adjusted effect) / var(unadjusted), model-based


def _block(arm: PairedSummary, d: float) -> MomentBlock:
    n, sx, sy = float(arm.n), arm.sum_x, arm.sum_y
    return MomentBlock(
        n=arm.n,
        xtx=((n, d * n, sx), (d * n, d * n, d * sx), (sx, d * sx, arm.sum_x2)),
        xty=(sy, d * sy, arm.sum_xy),
        yty=arm.sum_y2,
    )


def compare_means_adjusted(
    *, control: PairedSummary, treatment: PairedSummary, alpha: float = 0.05
) -> AdjustedComparison:
    """ANCOVA/CUPED difference in means adjusted for a pre-period covariate x (see module)."""
    mc = control.sum_y / control.n if control.n > 0 else math.nan
    mt = treatment.sum_y / treatment.n if treatment.n > 0 else math.nan
    if control.n <= 0 or treatment.n <= 0:
        comp = finish(
            effect=mt - mc,
            se=math.nan,
            df=None,
            alpha=alpha,
            method="ANCOVA",
            control=mc,
            treatment=mt,
            warnings=[WARN_EMPTY_ARM],
        )
        return AdjustedComparison(comp, math.nan, math.nan)
    res = ols_from_moments(
        blocks=[_block(control, 0.0), _block(treatment, 1.0)],
        names=["intercept", "treatment", "covariate"],
        alpha=alpha,
    )
    comp = finish(
        effect=res.coef[1],
        se=res.se[1],
        df=res.df,
        alpha=alpha,
        method="ANCOVA (CUPED)",
        control=mc,
        treatment=mt,
        warnings=list(res.warnings),
    )
    unadj = ols_from_moments(
        blocks=[
            MomentBlock(
                control.n, ((control.n, 0.0), (0.0, 0.0)), (control.sum_y, 0.0), control.sum_y2
            ),
            MomentBlock(
                treatment.n,
                ((treatment.n, treatment.n), (treatment.n, treatment.n)),
                (treatment.sum_y, treatment.sum_y),
                treatment.sum_y2,
            ),
        ],
        names=["intercept", "treatment"],
    )
    base = unadj.se[1]
    reduction = 1.0 - (res.se[1] / base) ** 2 if base and math.isfinite(base) else math.nan
    return AdjustedComparison(comp, res.coef[2], reduction)
