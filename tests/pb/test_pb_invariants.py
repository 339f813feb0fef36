"""Invariants on generated elections: never over budget; MES outcomes are affordable for
their supporters and follow the rule step by step (checked by an independent, naive exact
replay with one budget per voter); explanations and voter summaries add up."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seedbed.pb import RULES, Election, ElectionError, count, election_from, voter_funded_counts
from seedbed.pb import outcome as oc


@st.composite
def elections(draw: st.DrawFn) -> Election:
    n_proj = draw(st.integers(1, 7))
    ids = [f"p{i}" for i in range(n_proj)]
    costs = draw(st.lists(st.integers(0, 40), min_size=n_proj, max_size=n_proj))
    budget = draw(st.integers(0, 80))
    ballots = draw(st.lists(st.lists(st.sampled_from(ids), unique=True), max_size=15))
    return election_from(budget=budget, projects=dict(zip(ids, costs, strict=True)),
                         ballots=ballots)


def naive_mes(election: Election, utility: str) -> list[str]:
    """Textbook MES with one exact budget per voter (no grouping, no floats)."""
    n = election.num_voters
    if n == 0:
        return []
    cost = {p.project_id: p.cost for p in election.projects}

    def u(pid: str) -> Fraction:
        return cost[pid] if utility == "cost" else Fraction(1)

    budget = [election.budget / n] * n
    supporters = {pid: [i for i, b in enumerate(election.ballots) if pid in b.projects]
                  for pid in cost}
    chosen = [pid for pid in sorted(cost) if cost[pid] == 0 and supporters[pid]
              and u(pid) > 0]
    left = {pid for pid in cost if cost[pid] > 0 and supporters[pid] and pid not in chosen}
    while True:
        best: tuple[Fraction, str] | None = None
        for pid in sorted(left):
            sup = sorted(supporters[pid], key=lambda i: budget[i])
            if sum(budget[i] for i in sup) < cost[pid]:
                continue
            paid = Fraction(0)
            for k, i in enumerate(sup):
                rho = (cost[pid] - paid) / (u(pid) * (len(sup) - k))
                if rho * u(pid) <= budget[i]:
                    break
                paid += budget[i]
            if best is None or rho < best[0]:
                best = (rho, pid)
        if best is None:
            return chosen
        rho, pid = best
        for i in supporters[pid]:
            share = min(budget[i], rho * u(pid))
            assert share >= 0
            budget[i] -= share
        # affordability: the supporters paid exactly the cost and nobody went negative
        assert min(budget) >= 0
        chosen.append(pid)
        left.discard(pid)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections())
def test_no_rule_overruns_the_budget(election: Election) -> None:
    for rule in RULES:
        outcome = count(election, rule=rule)
        assert outcome.cost <= election.budget
        assert sum(election.project(p).cost for p in outcome.selected) == outcome.cost
        assert len(set(outcome.selected)) == len(outcome.selected)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections(), st.sampled_from(["cost", "cardinality"]))
def test_mes_matches_an_exact_replay_in_order(election: Election, utility: str) -> None:
    assert list(count(election, rule="mes", utility=utility).selected) == naive_mes(
        election, utility)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections())
def test_explanations_cover_every_project(election: Election) -> None:
    for rule in RULES:
        outcome = count(election, rule=rule, explain=True)
        assert outcome.explanation is not None and outcome.voter_summary is not None
        assert set(outcome.explanation) == set(election.project_ids)
        funded = {pid for pid, e in outcome.explanation.items() if e.funded}
        assert funded == set(outcome.selected)
        summary = outcome.voter_summary
        assert sum(summary.histogram.values()) == election.num_voters
        assert summary.with_some_funded + summary.with_none_funded == election.num_voters


def test_mes_explanation_payments_add_up() -> None:
    e = election_from(budget=90, projects={"a": 30, "b": 60, "c": 45},
                      ballots=[["a"], ["a", "b"], ["b"], ["b", "c"], ["c"], ["a", "c"]])
    outcome = count(e, rule="mes", explain=True)
    assert outcome.explanation is not None
    assert outcome.selected
    for pid in outcome.selected:
        note = outcome.explanation[pid]
        assert note.stage == "mes" and note.round is not None
        assert note.payers is not None and note.paid_all_they_had is not None
        full = note.payers - note.paid_all_they_had
        assert note.price_per_supporter is not None and note.paid_by_those is not None
        total = full * note.price_per_supporter + note.paid_by_those
        assert total == pytest.approx(float(note.cost))
        assert Fraction(note.rho) * note.cost == pytest.approx(note.price_per_supporter)
    rejected = [n for n in outcome.explanation.values() if not n.funded]
    assert rejected
    for note in rejected:
        assert note.unaffordable_round is not None or note.money_left_share is not None
        assert "Not funded" in note.reason


def test_voter_funded_counts() -> None:
    e = election_from(budget=10, projects={"a": 5, "b": 5, "c": 20},
                      ballots=[["a", "c"], ["b"], []])
    outcome = count(e, rule="greedy")
    assert voter_funded_counts(e, outcome) == {"1": (1, 2), "2": (1, 1), "3": (0, 0)}


def test_degenerate_inputs_give_warnings_not_crashes() -> None:
    nobody = election_from(budget=10, projects={"a": 5}, ballots=[])
    for rule in RULES:
        outcome = count(nobody, rule=rule)
        assert oc.NO_VOTERS in outcome.warnings
    empty = election_from(budget=10, projects={}, ballots=[[], []])
    for rule in RULES:
        outcome = count(empty, rule=rule)
        assert outcome.selected == ()
        assert oc.NO_PROJECTS in outcome.warnings and oc.NOTHING_FUNDED in outcome.warnings


def test_points_ballots_and_errors() -> None:
    e = election_from(budget=10, projects={"a": 5, "b": 6}, vote_type="cumulative",
                      ballots=[{"a": 3, "b": 1}, {"b": 4}])
    outcome = count(e, rule="mes")
    assert oc.POINTS_AS_UTILITY in outcome.warnings and outcome.utility == "points"
    with pytest.raises(ElectionError, match="Phragm"):
        count(e, rule="phragmen")
    with pytest.raises(ElectionError, match="unknown rule"):
        count(e, rule="borda")
    ordinal = election_from(budget=10, projects={"a": 5}, ballots=[["a"]], vote_type="ordinal")
    with pytest.raises(ElectionError, match="ordinal"):
        count(ordinal, rule="greedy")


def test_threshold_from_meta() -> None:
    e = election_from(budget=10, projects={"a": 5, "b": 5},
                      ballots=[["a"], ["a"], ["b"]], meta={"min_project_score_threshold": "2"})
    outcome = count(e, rule="greedy-threshold")
    assert outcome.selected == ("a",) and outcome.threshold == 2
    assert oc.THRESHOLD_FROM_META in outcome.warnings
    assert count(e, rule="greedy-threshold", threshold=1).selected == ("a", "b")


def test_explanations_in_currency_with_decimal_costs() -> None:
    """Costs in cents (scaled internally) explain in the budget's own currency."""
    e = election_from(budget="100.50", projects={"a": "40.25", "b": "60.25"},
                      ballots=[["a"], ["a", "b"], ["b"]])
    for utility in ("cost", "cardinality"):
        outcome = count(e, rule="mes", utility=utility, explain=True)
        assert outcome.explanation is not None
        note = outcome.explanation[outcome.selected[0]]
        assert note.cost in (Fraction("40.25"), Fraction("60.25"))
        assert note.price_per_supporter is not None and note.payers is not None
        paid = note.price_per_supporter * (note.payers - (note.paid_all_they_had or 0))
        assert paid + (note.paid_by_those or 0) == pytest.approx(float(note.cost))
        if utility == "cost":
            assert Fraction(note.rho) * note.cost == pytest.approx(note.price_per_supporter)
        else:
            assert float(Fraction(note.rho)) == pytest.approx(note.price_per_supporter)
