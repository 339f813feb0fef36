"""Differential tests: Seedbed against pabutools 1.2.3 run live (test oracle only).

Real files for every rule, greedy variants through equivalent pabutools calls, and a
Hypothesis search over small generated elections full of ties (equal costs, equal support,
free projects, zero budgets, empty ballots).
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pabutools_oracle import load, oracle

from seedbed.pb import Election, count, election_from

RULES_BY_UTILITY = [
    ("greedy", "cost"),
    ("greedy", "cardinality"),
    ("mes", "cost"),
    ("mes", "cardinality"),
    ("mes-add1", "cost"),
    ("mes-add1", "cardinality"),
    ("mes-add1-fill", "cost"),
    ("mes-add1-fill", "cardinality"),
    ("phragmen", "cost"),
]


def _ours(election: Election, rule: str, utility: str) -> list[str]:
    kwargs: dict[str, Any] = {} if rule == "phragmen" else {"utility": utility}
    return sorted(count(election, rule=rule, **kwargs).selected)


ASSEN_CASES = [
    pytest.param(r, u, marks=pytest.mark.slow) if "add1" in r else pytest.param(r, u)
    for r, u in RULES_BY_UTILITY
]


@pytest.mark.parametrize(("rule", "utility"), ASSEN_CASES)
def test_assen_live(rule: str, utility: str, elections: dict[str, Any]) -> None:
    e = elections["Netherlands_Assen_2024.pb"]
    instance, profile = load(e)
    assert _ours(e, rule, utility) == oracle(instance, profile, rule, utility)


@pytest.mark.slow
@pytest.mark.parametrize(("rule", "utility"), RULES_BY_UTILITY)
def test_swiecie_live(rule: str, utility: str, elections: dict[str, Any]) -> None:
    e = elections["Poland_Swiecie_2023.pb"]
    instance, profile = load(e)
    assert _ours(e, rule, utility) == oracle(instance, profile, rule, utility)


@pytest.mark.parametrize("threshold", [0, 150, 300, 600])
def test_greedy_threshold_is_greedy_over_supported_projects(
    threshold: int, elections: dict[str, Any]
) -> None:
    e = elections["Poland_Swiecie_2023.pb"]
    instance, profile = load(e)
    votes = {p.name: profile.approval_score(p) for p in instance}
    for p in [p for p in instance if votes[p.name] < threshold]:
        instance.remove(p)
    want = oracle(instance, profile, "greedy", "cost")
    got = sorted(count(e, rule="greedy-threshold", threshold=threshold).selected)
    assert got == want


@pytest.mark.parametrize("file", ["Netherlands_Assen_2024.pb", "Poland_Swiecie_2023.pb"])
def test_greedy_no_skip_is_the_fitting_prefix(file: str, elections: dict[str, Any]) -> None:
    """No-skip funds the longest prefix of greedy's order that fits: pabutools' greedy with
    the budget cut to that prefix's cost funds exactly it, and the full greedy differs or
    the prefix already leaves no room."""
    e = elections[file]
    ours = count(e, rule="greedy-no-skip")
    instance, profile = load(e)
    cut = deepcopy(instance)
    cut.budget_limit = ours.cost
    assert sorted(ours.selected) == oracle(cut, profile, "greedy", "cost")
    full = count(e, rule="greedy")
    assert set(ours.selected) <= set(full.selected)
    assert full.selected[: len(ours.selected)] == ours.selected


@st.composite
def small_elections(draw: st.DrawFn, points: bool = False) -> Election:
    n_proj = draw(st.integers(1, 6))
    ids = draw(st.lists(st.text(alphabet="abpqz019", min_size=1, max_size=3),
                        min_size=n_proj, max_size=n_proj, unique=True))
    costs = draw(st.lists(st.sampled_from([0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 20, 30]),
                          min_size=n_proj, max_size=n_proj))
    budget = draw(st.integers(0, 60))
    subsets = st.lists(st.sampled_from(ids), unique=True, min_size=1 if points else 0)
    raw = draw(st.lists(subsets, max_size=12))
    if points:
        ballots = [{p: draw(st.integers(1, 4)) for p in b} for b in raw]
        return election_from(budget=budget, projects=dict(zip(ids, costs, strict=True)),
                             ballots=ballots, vote_type="cumulative")
    return election_from(budget=budget, projects=dict(zip(ids, costs, strict=True)),
                         ballots=raw)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_elections())
def test_random_approval_elections_match_pabutools(election: Election) -> None:
    instance, profile = load(election)
    for rule, utility in RULES_BY_UTILITY:
        assert _ours(election, rule, utility) == oracle(instance, profile, rule, utility), (
            rule, utility)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_elections(points=True))
def test_random_cumulative_elections_match_pabutools(election: Election) -> None:
    instance, profile = load(election)
    for rule in ("greedy", "mes", "mes-add1", "mes-add1-fill"):
        assert _ours(election, rule, "points") == oracle(instance, profile, rule, "points"), rule


@pytest.mark.parametrize("utility", ["cost", "cardinality"])
@pytest.mark.parametrize("big", [10**15, 10**17])
def test_near_ties_beyond_float_precision(utility: str, big: int) -> None:
    """Prices that differ in the 16th digit: floats see a tie, exact arithmetic does not
    (10**17 also checks that sums of large costs cannot overflow)."""
    e = election_from(
        budget=big + 1,
        projects={"a": big + 1, "b": big, "c": 3},
        ballots=[["a", "b"], ["a", "b", "c"], ["a", "b"], ["c"]] * 25,
    )
    instance, profile = load(e)
    for rule in ("greedy", "mes", "mes-add1", "mes-add1-fill"):
        assert _ours(e, rule, utility) == oracle(instance, profile, rule, utility), rule
    assert _ours(e, "phragmen", utility) == oracle(instance, profile, "phragmen", utility)


def test_voters_at_the_poor_rich_boundary() -> None:
    """Budgets that end exactly at a price: payments must zero them exactly, not nearly."""
    e = election_from(
        budget=30,
        projects={"x": 10, "y": 10, "z": 10, "w": 20},
        ballots=[["x", "w"], ["x", "y"], ["y", "z"], ["z", "w"], ["x", "y", "z", "w"], ["w"]],
    )
    instance, profile = load(e)
    for rule, utility in RULES_BY_UTILITY:
        assert _ours(e, rule, utility) == oracle(instance, profile, rule, utility), rule


@pytest.fixture(scope="module")
def lodz_pabutools(elections: dict[str, Any]):  # type: ignore[no-untyped-def]
    return load(elections["Poland_Lodz_2022.pb"])


@pytest.mark.slow
def test_lodz_greedy_variants_live(elections: dict[str, Any], lodz_pabutools) -> None:  # type: ignore[no-untyped-def]
    """Łódź 2022: greedy-threshold (META threshold 100 votes) is pabutools' greedy over the
    projects with at least 100 votes; greedy-no-skip is its fitting prefix."""
    e = elections["Poland_Lodz_2022.pb"]
    instance, profile = lodz_pabutools
    ours = count(e, rule="greedy-threshold")
    assert ours.threshold == 100
    kept = deepcopy(instance)
    votes = {p.name: profile.approval_score(p) for p in instance}
    for p in [p for p in kept if votes[p.name] < 100]:
        kept.remove(p)
    assert sorted(ours.selected) == oracle(kept, profile, "greedy", "cost")
    prefix = count(e, rule="greedy-no-skip")
    cut = deepcopy(instance)
    cut.budget_limit = prefix.cost
    assert sorted(prefix.selected) == oracle(cut, profile, "greedy", "cost")
