"""`count`: run a participatory-budgeting rule on an election.

Rules (outcomes identical to pabutools 1.2.3 with exact fractions and lexicographic
tie-breaking by project id):

* ``greedy`` — utilitarian greedy (`seedbed.pb.greedy`), skipping what does not fit;
* ``greedy-threshold`` — the same over projects with at least `threshold` votes (points for
  cumulative/scoring ballots); the threshold defaults to META `min_project_score_threshold`;
* ``greedy-no-skip`` — greedy that stops at the first project that does not fit;
* ``mes`` — the Method of Equal Shares (`seedbed.pb.mes`), per-voter budget b/n;
* ``mes-add1`` — MES raised one currency unit per voter at a time, b/n + k for k = 0, 1, ...,
  stopping at the first k whose outcome is exhaustive (returned) or over budget (the outcome
  for k − 1 is returned), as pabutools' ``voter_budget_increment=1``;
* ``mes-add1-fill`` — then the greedy rule fills what is left (pabutools'
  ``completion_by_rule_combination``);
* ``phragmen`` — sequential Phragmén (`seedbed.pb.phragmen`), approval ballots only.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from types import MappingProxyType

from seedbed.pb import outcome as oc
from seedbed.pb.explain import (
    explain_greedy,
    explain_mes,
    explain_phragmen,
    voter_summary,
)
from seedbed.pb.greedy import GreedyStep, greedy
from seedbed.pb.mes import mes_run
from seedbed.pb.mes_data import MesData, MesRun
from seedbed.pb.model import POINTS_TYPES, Election, ElectionError
from seedbed.pb.outcome import RULES, Outcome, ProjectExplanation
from seedbed.pb.profile import Profile, compile_profile

Progress = Callable[[str], None]


def _support(election: Election) -> tuple[int, ...]:
    index = {pid: i for i, pid in enumerate(election.project_ids)}
    totals = [Fraction(0)] * len(index)
    points = election.vote_type in POINTS_TYPES
    for b in election.ballots:
        for k, pid in enumerate(b.projects):
            totals[index[pid]] += b.points[k] if points else 1
    return tuple(int(t) for t in totals)


def _mes(prof: Profile, *, add1: bool, explain: bool,
         progress: Progress | None) -> tuple[list[int], MesRun | None, int]:
    """MES (optionally with add1). Returns funded projects, the deciding run and raises made."""
    n_proj = len(prof.ids)
    totals = [prof.total_utility(p) for p in range(n_proj)]
    free = [p for p in range(n_proj) if totals[p] > 0 and prof.costs[p] == 0]
    if prof.n_voters == 0:
        return [], None, 0
    candidates = [p for p in range(n_proj) if totals[p] > 0 and prof.costs[p] > 0]
    b0 = Fraction(prof.budget, prof.n_voters)
    skip = frozenset(free)
    data = MesData(prof)
    run = mes_run(data, b0=b0, skip=skip, explain=explain and not add1)
    if not add1:
        return free + run.selected, run, 0
    previous: tuple[list[int], MesRun | None] = (list(free), None)
    step = 0
    while True:
        chosen = free + run.selected
        spent = sum(prof.costs[p] for p in chosen)
        if spent > prof.budget:
            chosen, deciding = previous
            step -= 1
            break
        taken = set(chosen)
        if all(spent + prof.costs[p] > prof.budget for p in candidates if p not in taken):
            deciding = run
            break
        previous = (chosen, run)
        step += 1
        if progress is not None and step % 10 == 0:
            progress(f"add1: {step} raises, {len(chosen)} projects, spent {spent}")
        run = mes_run(data, b0=b0 + step * prof.scale, skip=skip)
    if explain and deciding is not None:
        deciding = mes_run(data, b0=deciding.budget_per_voter, skip=skip, explain=True)
    return chosen, deciding, max(step, 0)


def count(
    election: Election,
    *,
    rule: str,
    utility: str | None = None,
    threshold: int | None = None,
    explain: bool = False,
    progress: Progress | None = None,
) -> Outcome:
    """Count `election` under `rule` and return the funded projects (and explanations).

    `utility` is "cost" (default for approval ballots: satisfaction = cost of funded
    approved projects), "cardinality" (number of funded approved projects) or "points"
    (default for cumulative and scoring ballots). Never funds more than the budget.
    Raises `ElectionError` for an unknown rule or utility, for Phragmén on points ballots,
    and for ordinal ballots.
    """
    if rule not in RULES:
        raise ElectionError(f"unknown rule {rule!r}; expected one of {', '.join(RULES)}")
    warnings: list[str] = []
    points = election.vote_type in POINTS_TYPES
    if utility is None:
        utility = "points" if points else "cost"
        if points:
            warnings.append(oc.POINTS_AS_UTILITY)
    if rule == "phragmen":
        if points:
            raise ElectionError("sequential Phragmén needs approval ballots")
        if utility != "cost":
            warnings.append(oc.UTILITY_IGNORED)
        utility = "cardinality"  # Phragmén counts approvals; utilities play no part
    prof = compile_profile(election, utility)
    if prof.n_voters == 0:
        warnings.append(oc.NO_VOTERS)
    if not prof.ids:
        warnings.append(oc.NO_PROJECTS)
    used_threshold: int | None = None
    notes: dict[str, ProjectExplanation] = {}
    budget_per_voter: Fraction | None = None
    steps_made: int | None = None
    if rule.startswith("greedy"):
        support: tuple[int, ...] | None = None
        if rule == "greedy-threshold":
            if threshold is None:
                raw = election.meta.get("min_project_score_threshold", "0")
                threshold = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 4000 else 0
                warnings.append(oc.THRESHOLD_FROM_META)
            used_threshold = threshold
            support = _support(election)
        chosen, gsteps = greedy(prof, threshold=used_threshold, support=support,
                                stop_at_first_misfit=rule == "greedy-no-skip")
        if explain:
            notes = explain_greedy(prof, gsteps, stage="greedy", threshold=used_threshold,
                                   no_skip=rule == "greedy-no-skip")
    elif rule == "phragmen":
        from seedbed.pb.phragmen import phragmen

        chosen, psteps, stopper = phragmen(prof)
        if explain:
            notes = explain_phragmen(prof, psteps, stopper)
    else:
        add1 = rule != "mes"
        chosen, run, raises = _mes(prof, add1=add1, explain=explain, progress=progress)
        if run is not None:
            budget_per_voter = run.budget_per_voter / prof.scale
        if add1:
            steps_made = raises
        fill_steps: list[GreedyStep] = []
        if rule == "mes-add1-fill":
            spent = sum(prof.costs[p] for p in chosen)
            if any(spent + prof.costs[p] <= prof.budget
                   for p in range(len(prof.ids)) if p not in set(chosen)):
                chosen, fill_steps = greedy(prof, start=tuple(chosen))
        if explain:
            notes = explain_mes(prof, run, chosen, fill_steps)
    if not chosen:
        warnings.append(oc.NOTHING_FUNDED)
    cost = Fraction(sum(prof.costs[p] for p in chosen), prof.scale)
    assert cost <= election.budget, "a rule overran the budget"
    selected = tuple(prof.ids[p] for p in chosen)
    return Outcome(
        rule=rule,
        utility=utility if rule != "phragmen" else "approval",
        selected=selected,
        cost=cost,
        budget=election.budget,
        voters=prof.n_voters,
        warnings=tuple(warnings),
        budget_per_voter=budget_per_voter,
        add1_steps=steps_made,
        threshold=used_threshold,
        explanation=MappingProxyType(notes) if explain else None,
        voter_summary=voter_summary(prof, chosen) if explain else None,
    )
