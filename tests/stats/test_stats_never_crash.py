"""Degenerate input gives warnings, never an exception: fuzzing the summary-statistic methods."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from seedbed.stats.adjustment import compare_means_adjusted
from seedbed.stats.bayes import normal_posterior
from seedbed.stats.cluster import METHOD_CR1, compare_clusters, icc_anova
from seedbed.stats.compare import compare_means, compare_proportions, compare_ratios
from seedbed.stats.exact import fisher_exact_test
from seedbed.stats.quality import sample_ratio_mismatch
from seedbed.stats.sequential_ci import sequential_comparison
from seedbed.stats.summaries import MeanSummary, PairedSummary, ProportionSummary


@st.composite
def mean_summaries(draw) -> MeanSummary:
    n = draw(st.integers(0, 50))
    values = draw(st.lists(st.sampled_from([0.0, 1.0, 2.5, -3.0, 100.0]), min_size=n, max_size=n))
    return MeanSummary(n, sum(values), sum(v * v for v in values))


@st.composite
def proportion_summaries(draw) -> ProportionSummary:
    n = draw(st.integers(0, 50))
    return ProportionSummary(n, draw(st.integers(0, n)))


@st.composite
def paired_summaries(draw) -> PairedSummary:
    n = draw(st.integers(0, 30))
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from([0.0, 1.0, 2.0, 5.0]), st.sampled_from([0.0, 1.0, 3.0])),
            min_size=n,
            max_size=n,
        )
    )
    ys = [p[0] for p in pairs]
    xs = [p[1] for p in pairs]
    return PairedSummary(
        n,
        sum(ys),
        sum(y * y for y in ys),
        sum(xs),
        sum(x * x for x in xs),
        sum(x * y for x, y in pairs),
    )


def _sane(res) -> None:
    if not math.isfinite(res.se) or not math.isfinite(res.p):
        assert res.warnings, res
    assert math.isnan(res.p) or 0.0 <= res.p <= 1.0


@settings(max_examples=200, deadline=None)
@given(c=mean_summaries(), t=mean_summaries(), relative=st.booleans())
def test_means_never_crash(c, t, relative) -> None:
    res = compare_means(control=c, treatment=t, difference="relative" if relative else "absolute")
    _sane(res)
    seq = sequential_comparison(comparison=res, n=c.n + t.n, tuning=100)
    assert math.isnan(seq.p) or 0.0 <= seq.p <= 1.0
    normal_posterior(effect=res.effect, se=res.se, prior_sd=1.0)


@settings(max_examples=200, deadline=None)
@given(c=proportion_summaries(), t=proportion_summaries(), relative=st.booleans())
def test_proportions_never_crash(c, t, relative) -> None:
    _sane(
        compare_proportions(
            control=c, treatment=t, difference="relative" if relative else "absolute"
        )
    )
    fisher = fisher_exact_test(control=c, treatment=t)
    assert math.isnan(fisher.p) or 0.0 <= fisher.p <= 1.0 + 1e-12
    sample_ratio_mismatch(counts=[c.n, t.n])


@settings(max_examples=150, deadline=None)
@given(c=paired_summaries(), t=paired_summaries())
def test_ratios_and_ancova_never_crash(c, t) -> None:
    _sane(compare_ratios(control=c, treatment=t))
    compare_means_adjusted(control=c, treatment=t)


@settings(max_examples=100, deadline=None)
@given(
    c=st.lists(mean_summaries(), min_size=0, max_size=5),
    t=st.lists(mean_summaries(), min_size=0, max_size=5),
    cr1=st.booleans(),
)
def test_clusters_never_crash(c, t, cr1) -> None:
    res = compare_clusters(control=c, treatment=t, method=METHOD_CR1 if cr1 else "cluster-level")
    assert res.warnings or (math.isfinite(res.p) or res.se == 0)
    icc_anova(clusters=c + t)
