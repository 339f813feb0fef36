"""Benchmark of the statistics engine against its references, side by side in one run.

    .venv/bin/python bench/bench_stats.py

Prints a Markdown table: median wall time per call of Seedbed and of the reference
(statsmodels / scipy / numpy), their ratio, and the issue's target. Boundaries have no
runtime reference here (rpact is R); the scipy column for them is the time scipy's
multivariate normal CDF takes just to *check* the total alpha of the same boundaries.
"""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import TTestIndPower
from statsmodels.stats.proportion import (
    samplesize_proportions_2indep_onetail,
    test_proportions_2indep,
)

from seedbed.stats.boundaries import group_sequential_design
from seedbed.stats.compare import compare_means, compare_proportions
from seedbed.stats.exact import fisher_exact_test
from seedbed.stats.multiplicity import adjust_p_values
from seedbed.stats.power import sample_size_binary, sample_size_continuous
from seedbed.stats.quality import sample_ratio_mismatch
from seedbed.stats.randomisation import allocate_blocks
from seedbed.stats.regression import moment_blocks_by_cluster, ols_from_moments
from seedbed.stats.summaries import MeanSummary, ProportionSummary


def timeit(fn: Callable[[], object], repeat: int = 30) -> float:
    """Median seconds per call over ``repeat`` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def row(name: str, ours: float, ref: float | None, ref_name: str, target: str) -> str:
    ratio = f"{ours / ref:.2f}" if ref else "n/a"
    ref_txt = f"{ref * 1e3:.3f}" if ref else "n/a"
    return f"| {name} | {ours * 1e3:.3f} | {ref_txt} ({ref_name}) | {ratio} | {target} |"


def summary_rows() -> list[str]:
    c, t = MeanSummary(1000, 5000.0, 29000.0), MeanSummary(1100, 6000.0, 36000.0)
    mc, mt = 5.0, 6000 / 1100
    sc, st = np.sqrt((29000 - 5000**2 / 1000) / 999), np.sqrt((36000 - 6000**2 / 1100) / 1099)
    pc, pt = ProportionSummary(2000, 400), ProportionSummary(2100, 480)
    p_values = np.random.default_rng(1).uniform(0, 0.2, 20)
    return [
        row(
            "Welch t from sums",
            timeit(lambda: compare_means(control=c, treatment=t)),
            timeit(lambda: sps.ttest_ind_from_stats(mt, st, 1100, mc, sc, 1000, equal_var=False)),
            "scipy ttest_ind_from_stats",
            "< 5 ms",
        ),
        row(
            "difference in proportions",
            timeit(lambda: compare_proportions(control=pc, treatment=pt)),
            timeit(lambda: test_proportions_2indep(480, 2100, 400, 2000, method="wald")),
            "statsmodels test_proportions_2indep",
            "< 5 ms",
        ),
        row(
            "Fisher exact 2x2",
            timeit(
                lambda: fisher_exact_test(
                    control=ProportionSummary(40, 3), treatment=ProportionSummary(38, 9)
                )
            ),
            timeit(lambda: sps.fisher_exact([[9, 29], [3, 37]])),
            "scipy fisher_exact",
            "< 5 ms",
        ),
        row(
            "sample size, t-test",
            timeit(lambda: sample_size_continuous(effect_size=0.3)),
            timeit(lambda: TTestIndPower().solve_power(effect_size=0.3, power=0.8, alpha=0.05)),
            "statsmodels TTestIndPower",
            "< 5 ms",
        ),
        row(
            "sample size, proportions",
            timeit(lambda: sample_size_binary(p_control=0.5, p_treatment=0.65)),
            timeit(lambda: samplesize_proportions_2indep_onetail(0.15, 0.5, 0.8)),
            "statsmodels samplesize_proportions_2indep_onetail",
            "< 5 ms",
        ),
        row(
            "Holm, 20 outcomes",
            timeit(lambda: adjust_p_values(p_values=p_values)),
            timeit(lambda: multipletests(p_values, method="holm")),
            "statsmodels multipletests",
            "< 5 ms",
        ),
        row(
            "sample-ratio mismatch",
            timeit(lambda: sample_ratio_mismatch(counts=[5000, 5210])),
            timeit(lambda: sps.chisquare([5000, 5210])),
            "scipy chisquare",
            "< 5 ms",
        ),
    ]


def boundary_rows() -> list[str]:
    out = []
    for spending in ("obrien-fleming", "pocock", "classic-obrien-fleming", "classic-pocock"):
        for k in (5, 10):
            design = group_sequential_design(looks=k, spending=spending)
            rates = np.array(design.information_rates)
            cov = np.sqrt(np.minimum.outer(rates, rates) / np.maximum.outer(rates, rates))
            mvn = sps.multivariate_normal(mean=np.zeros(k), cov=cov)
            b = np.array(design.critical_z)
            ours = timeit(lambda s=spending, k=k: group_sequential_design(looks=k, spending=s), 10)
            ref = timeit(lambda m=mvn, b=b: m.cdf(b, lower_limit=-b), 1)
            out.append(
                row(f"boundaries {spending}, K={k}", ours, ref, "scipy MVN check only", "< 50 ms")
            )
    return out


def randomisation_rows() -> list[str]:
    rng = np.random.default_rng(2)
    n = 1_000_000
    strata = np.char.add(
        rng.choice(["north", "south", "east", "west"], n), rng.choice(list("abcde"), n)
    )
    ours = timeit(
        lambda: allocate_blocks(
            arms=["control", "treatment"], seed="bench-seed-0f4a8c2e6b1d9357", strata=strata, block_sizes=[2, 4, 6]
        ),
        3,
    )
    ref = timeit(lambda: np.random.default_rng(3).permutation(n), 3)
    return [
        row(
            "randomise 1,000,000 units, 20 strata",
            ours,
            ref,
            "numpy permutation of n, no strata",
            "< 5 s",
        )
    ]


def regression_rows() -> list[str]:
    import statsmodels.api as sm

    rng = np.random.default_rng(4)
    g = np.repeat(np.arange(400), 250)
    x = np.column_stack([np.ones(g.size), g % 2, rng.normal(size=g.size)])
    y = (
        x @ np.array([1.0, 0.2, 0.5])
        + np.repeat(rng.normal(size=400), 250)
        + rng.normal(size=g.size)
    )
    blocks = moment_blocks_by_cluster(x=x, y=y, clusters=g)
    ours = timeit(
        lambda: ols_from_moments(blocks=blocks, names=["c", "arm", "x"], cov_type="CR1"), 10
    )
    ref = timeit(
        lambda: sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": g}, use_t=True), 3
    )
    return [
        row(
            "CR1 OLS, 400 clusters (from moments vs 100k rows)",
            ours,
            ref,
            "statsmodels OLS cluster",
            "-",
        )
    ]


def main() -> None:
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}"
    )
    print()
    print("| method | Seedbed ms | reference ms | ratio | target |")
    print("|---|---|---|---|---|")
    for line in summary_rows() + boundary_rows() + randomisation_rows() + regression_rows():
        print(line)


if __name__ == "__main__":
    main()
