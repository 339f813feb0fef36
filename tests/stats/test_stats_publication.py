"""Disclosure control, cost-effectiveness and evidence levels."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from seedbed.stats.disclosure import WARN_ALL_SUPPRESSED, protect_counts, protect_table
from seedbed.stats.economics import (
    WARN_ICER_UNDEFINED,
    WARN_SMALL_ARM,
    WARN_ZERO_EFFECT,
    cost_effectiveness,
)
from seedbed.stats.evidence import (
    COMPARISON_NON_RANDOM,
    COMPARISON_RANDOMISED,
    DIRECTION_NEGATIVE,
    DIRECTION_NULL,
    DIRECTION_POSITIVE,
    WARN_NO_THEORY_OF_CHANGE,
    WARN_NON_RANDOM_COMPARISON,
    evidence_level,
)


def _feasible_range(
    full: np.ndarray, hidden: np.ndarray, target: tuple[int, int]
) -> tuple[float, float]:
    """Min and max of a hidden entry over all non-negative tables matching what is published."""
    r, c = full.shape[0] - 1, full.shape[1] - 1
    pos = [tuple(p) for p in np.argwhere(hidden)]
    index = {p: k for k, p in enumerate(pos)}
    rows_eq, rhs = [], []
    lines = [[(i, j) for j in range(c)] + [(i, c)] for i in range(r + 1)]
    lines += [[(i, j) for i in range(r)] + [(r, j)] for j in range(c + 1)]
    for line in lines:
        coef = np.zeros(len(pos))
        b = 0.0
        for k, p in enumerate(line):
            sign = -1.0 if k == len(line) - 1 else 1.0
            if hidden[p]:
                coef[index[p]] += sign
            else:
                b -= sign * full[p]
        if coef.any():
            rows_eq.append(coef)
            rhs.append(b)
    obj = np.zeros(len(pos))
    obj[index[target]] = 1.0
    lo = linprog(obj, A_eq=np.array(rows_eq), b_eq=rhs, bounds=(0, None), method="highs")
    hi = linprog(-obj, A_eq=np.array(rows_eq), b_eq=rhs, bounds=(0, None), method="highs")
    assert lo.status == 0, lo.message  # the true table is feasible and entries are >= 0
    return lo.fun, (math.inf if hi.status == 3 else -hi.fun)


tables = st.integers(2, 4).flatmap(
    lambda r: st.integers(2, 4).flatmap(
        lambda c: st.lists(
            st.lists(st.one_of(st.integers(0, 12), st.integers(0, 60)), min_size=c, max_size=c),
            min_size=r,
            max_size=r,
        )
    )
)


@settings(max_examples=150, deadline=None)
@given(counts=tables, threshold=st.sampled_from([3, 5, 10]))
def test_suppression_never_publishes_or_reveals_small_counts(counts, threshold) -> None:
    res = protect_table(counts=counts, threshold=threshold)
    body = np.array(counts)
    r, c = body.shape
    full = np.zeros((r + 1, c + 1), dtype=int)
    full[:r, :c] = body
    full[:r, c] = body.sum(1)
    full[r, :c] = body.sum(0)
    full[r, c] = body.sum()
    hidden = np.array([[v is None for v in row] for row in res.values])
    for i in range(r + 1):
        for j in range(c + 1):
            v = res.values[i][j]
            assert v is None or not 1 <= v < threshold
            if v is not None:
                assert v == full[i, j]
    if hidden.any() and not hidden.all():
        for p in map(tuple, np.argwhere(hidden)):
            lo, hi = _feasible_range(full, hidden, p)
            assert hi - lo > 1e-6, f"entry {p} is recoverable from the published table"


@settings(max_examples=100, deadline=None)
@given(counts=tables, threshold=st.integers(1, 12), base=st.sampled_from([3, 5, 10]))
def test_rounded_tables_never_publish_small_counts(counts, threshold, base) -> None:
    res = protect_table(counts=counts, threshold=threshold, round_to=base)
    assert res.values
    for row in res.values:
        for v in row:
            assert v is None or (v % base == 0 and not 1 <= v < threshold)


def test_known_table_and_rounding() -> None:
    res = protect_table(counts=[[3, 40, 25], [30, 22, 41]], threshold=10)
    assert res.values[0][0] is None
    assert res.primary == ((0, 0),)
    assert len(res.secondary) >= 2
    rounded = protect_table(counts=[[13, 40], [32, 22]], threshold=10, round_to=5)
    assert rounded.values[0] == (15, 40, 55)
    assert all(v % 5 == 0 for row in rounded.values for v in row if v is not None)
    one_way = protect_counts(counts=[120, 4])
    assert one_way[1] is None and sum(v is None for v in one_way) >= 2
    assert WARN_ALL_SUPPRESSED in protect_table(counts=[[1, 2], [3, 1]]).warnings


def test_protect_counts_hides_a_small_arm_and_the_total_or_other_arm() -> None:
    out = protect_counts(counts=[120, 4, 300])
    assert out[1] is None
    assert sum(v is None for v in out) >= 2


def test_cost_effectiveness_point_estimates_and_bootstrap() -> None:
    rng = np.random.default_rng(7)
    cc, tc = rng.gamma(2, 500, 300), rng.gamma(2, 600, 320)
    ce, te = (rng.random(300) < 0.3).astype(float), (rng.random(320) < 0.45).astype(float)
    res = cost_effectiveness(
        control_costs=cc,
        control_outcomes=ce,
        treatment_costs=tc,
        treatment_outcomes=te,
        willingness_to_pay=2000.0,
        replicates=1000,
        seed="ce-test",
    )
    d_cost, d_eff = tc.mean() - cc.mean(), te.mean() - ce.mean()
    assert res.incremental_cost == pytest.approx(d_cost)
    assert res.icer == pytest.approx(d_cost / d_eff)
    assert res.net_monetary_benefit == pytest.approx(2000 * d_eff - d_cost)
    assert res.cost_per_outcome_treatment == pytest.approx(tc.sum() / te.sum())
    se_nmb = math.sqrt(
        (2000**2 * te.var(ddof=1) + tc.var(ddof=1)) / 320
        + (2000**2 * ce.var(ddof=1) + cc.var(ddof=1)) / 300
    )
    width = res.nmb_ci[1] - res.nmb_ci[0]
    assert width == pytest.approx(2 * 1.96 * se_nmb, rel=0.12)
    assert res.icer_ci[0] < res.icer < res.icer_ci[1]
    again = cost_effectiveness(
        control_costs=cc,
        control_outcomes=ce,
        treatment_costs=tc,
        treatment_outcomes=te,
        willingness_to_pay=2000.0,
        replicates=1000,
        seed="ce-test",
    )
    assert again == res


def test_cost_effectiveness_degenerate_inputs() -> None:
    same = np.array([1.0, 0.0, 1.0, 0.0])
    res = cost_effectiveness(
        control_costs=np.ones(4),
        control_outcomes=same,
        treatment_costs=np.full(4, 2.0),
        treatment_outcomes=same,
        willingness_to_pay=10.0,
        replicates=200,
    )
    assert WARN_ZERO_EFFECT in res.warnings and WARN_ICER_UNDEFINED in res.warnings
    assert math.isnan(res.icer)
    tiny = cost_effectiveness(
        control_costs=np.ones(1),
        control_outcomes=np.ones(1),
        treatment_costs=np.ones(3),
        treatment_outcomes=np.ones(3),
        willingness_to_pay=10.0,
    )
    assert WARN_SMALL_ARM in tiny.warnings


def test_evidence_levels() -> None:
    assert evidence_level(theory_of_change=False, measured_change=True).level == 0
    assert (
        WARN_NO_THEORY_OF_CHANGE
        in evidence_level(theory_of_change=False, measured_change=False).warnings
    )
    assert evidence_level(theory_of_change=True, measured_change=False).level == 1
    assert evidence_level(theory_of_change=True, measured_change=True).level == 2
    rct = evidence_level(
        theory_of_change=True,
        measured_change=True,
        comparison=COMPARISON_RANDOMISED,
        effect=0.3,
        ci=(0.1, 0.5),
    )
    assert (rct.level, rct.direction) == (3, DIRECTION_POSITIVE)
    null = evidence_level(
        theory_of_change=True,
        measured_change=True,
        comparison=COMPARISON_RANDOMISED,
        effect=0.1,
        ci=(-0.1, 0.3),
    )
    assert (null.level, null.direction) == (3, DIRECTION_NULL)
    worse = evidence_level(
        theory_of_change=True,
        measured_change=True,
        comparison=COMPARISON_NON_RANDOM,
        effect=0.3,
        ci=(0.1, 0.5),
        higher_is_better=False,
    )
    assert worse.direction == DIRECTION_NEGATIVE and WARN_NON_RANDOM_COMPARISON in worse.warnings
    scaled = evidence_level(
        theory_of_change=True,
        measured_change=True,
        comparison=COMPARISON_RANDOMISED,
        effect=0.3,
        ci=(0.1, 0.5),
        confirming_independent_replications=1,
        manualised_and_scaled=True,
    )
    assert scaled.level == 5
    unreplicated_scale = evidence_level(
        theory_of_change=True,
        measured_change=True,
        comparison=COMPARISON_RANDOMISED,
        effect=0.3,
        ci=(0.1, 0.5),
        manualised_and_scaled=True,
    )
    assert unreplicated_scale.level == 3


def test_secondary_suppression_is_told_apart_from_primary() -> None:
    """Regression: a count of 10 hidden only to protect a 3 beside it was labelled as small."""
    from seedbed.stats.disclosure import PRIMARY, SECONDARY, SHOWN, protect_counts_marked

    marked = protect_counts_marked(counts=[10, 3])
    assert [c.status for c in marked] == [SECONDARY, PRIMARY, SHOWN]
    assert [c.value for c in marked] == [None, None, 13]
    assert tuple(c.value for c in marked) == protect_counts(counts=[10, 3])
    clean = protect_counts_marked(counts=[25, 40])
    assert all(c.status == SHOWN and not c.suppressed for c in clean)


@given(st.lists(st.integers(min_value=0, max_value=60), min_size=2, max_size=5))
@settings(max_examples=150, deadline=None)
def test_primary_marks_exactly_the_small_counts(counts: list[int]) -> None:
    from seedbed.stats.disclosure import PRIMARY, SECONDARY, protect_counts_marked

    marked = protect_counts_marked(counts=counts)
    for value, cell in zip([*counts, sum(counts)], marked, strict=True):
        assert (cell.status == PRIMARY) == (1 <= value < 10)
        assert (cell.value is None) == (cell.status in (PRIMARY, SECONDARY))
