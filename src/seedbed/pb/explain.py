"""Explanations of a count for residents: per project, funded or not and why; per voter,
how many of their projects were funded."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from fractions import Fraction

from seedbed.pb.greedy import GreedyStep
from seedbed.pb.mes_data import MesRun
from seedbed.pb.outcome import ProjectExplanation, VoterSummary
from seedbed.pb.phragmen import PhragmenStep
from seedbed.pb.profile import Profile


def _money(prof: Profile, scaled: int | Fraction) -> Fraction:
    return Fraction(scaled) / prof.scale


def _fmt(value: Fraction | float) -> str:
    v = float(value)
    return f"{v:,.0f}" if abs(v - round(v)) < 1e-9 else f"{v:,.2f}"


def _base(prof: Profile, p: int) -> dict[str, object]:
    return {"project_id": prof.ids[p], "cost": _money(prof, prof.costs[p]),
            "votes": prof.votes[p]}


def _unsupported(prof: Profile, p: int) -> ProjectExplanation:
    return ProjectExplanation(**_base(prof, p), funded=False, stage="not funded",  # type: ignore[arg-type]
                              reason="Not funded: no voter supported it.")


def explain_greedy(prof: Profile, steps: list[GreedyStep], *, stage: str,
                   threshold: int | None = None,
                   no_skip: bool = False) -> dict[str, ProjectExplanation]:
    """Greedy: each project's rank in the order (votes per the utility) and budget left."""
    out: dict[str, ProjectExplanation] = {}
    stopped = False
    for s in steps:
        left = _money(prof, s.remaining_after)
        cost = _money(prof, prof.costs[s.project])
        if s.funded:
            reason = (f"Funded{' by the greedy fill' if stage == 'fill' else ''}: ranked "
                      f"{s.rank} in the greedy order; {_fmt(left)} of the budget was left "
                      "afterwards.")
        elif s.excluded:
            reason = (f"Not funded: {prof.votes[s.project]} votes, below the threshold of "
                      f"{threshold}.")
        elif stopped:
            reason = (f"Not funded: ranked {s.rank}, after counting stopped at the first "
                      "project that did not fit.")
        else:
            reason = (f"Not funded: ranked {s.rank} but it costs {_fmt(cost)} and only "
                      f"{_fmt(left)} was left.")
            stopped = no_skip
        out[prof.ids[s.project]] = ProjectExplanation(
            **_base(prof, s.project), funded=s.funded,  # type: ignore[arg-type]
            stage=stage if s.funded else "not funded", reason=reason, rank=s.rank,
            remaining_budget=left,
        )
    return out


def explain_mes(prof: Profile, run: MesRun | None, chosen: list[int],
                fill: list[GreedyStep]) -> dict[str, ProjectExplanation]:
    """MES: round, exact ρ, price per supporter and payers; rejected: when and how short."""
    out: dict[str, ProjectExplanation] = {}
    # ρ is money per unit of utility; costs were scaled by `scale` and points by `uscale`,
    # so for cost utility ρ is a pure number and otherwise it converts back to currency
    per_unit = Fraction(1) if prof.measure == "cost" else Fraction(prof.uscale, prof.scale)
    unit = "point" if prof.measure == "points" else None
    if run is not None:
        engine = run.engine
        for k, pur in enumerate(run.purchases):
            p = pur.project
            rho = engine.rho_exact(k) if engine is not None else Fraction(pur.rho)
            u = int(prof.utility[prof.project_slice(p)][0])
            price = float(rho * u) / prof.scale if unit is None else None
            full = pur.payers - pur.paid_all
            paid_by_poor = float(prof.costs[p] - rho * pur.rich_den) / prof.scale
            split = (f"{full} paid {_fmt(price)} each" if price is not None
                     else f"{full} paid {_fmt(float(rho * per_unit))} per point")
            reason = (f"Funded in round {pur.round} of equal shares: its {pur.payers} "
                      f"supporters shared the cost; {split}")
            if pur.paid_all and paid_by_poor < 0.005:
                reason += f", and {pur.paid_all} had no money left"
            elif pur.paid_all:
                reason += (f", and {pur.paid_all} paid all they had left "
                           f"({_fmt(paid_by_poor)} together)")
            out[prof.ids[p]] = ProjectExplanation(
                **_base(prof, p), funded=True, stage="mes",  # type: ignore[arg-type]
                reason=reason + ".", round=pur.round, rho=str(rho * per_unit),
                price_per_supporter=price, payers=pur.payers, paid_all_they_had=pur.paid_all,
                paid_by_those=paid_by_poor,
            )
    for p in range(len(prof.ids)):
        pid = prof.ids[p]
        if pid in out:
            continue
        if p in chosen:  # a free project every supporter gets at no cost
            out[pid] = ProjectExplanation(**_base(prof, p), funded=True, stage="mes",  # type: ignore[arg-type]
                                          reason="Funded: it costs nothing.", round=0)
            continue
        if prof.votes[p] == 0 or run is None:
            out[pid] = _unsupported(prof, p)
            continue
        left = (run.money_left or {}).get(p)
        rnd = run.dropped_round.get(p)
        share = left / prof.costs[p] if left is not None and prof.costs[p] else None
        if rnd == 0:
            reason = ("Not funded: even at the start its supporters' equal shares came to "
                      f"only {share:.0%} of its cost.")
        elif rnd is not None:
            reason = (f"Not funded: after round {rnd} its supporters had only {share:.0%} of "
                      "its cost left.")
        else:
            reason = ("Not funded: when counting ended its supporters still had "
                      f"{(share or 0):.0%} of its cost, but the budget was used up.")
        out[pid] = ProjectExplanation(
            **_base(prof, p), funded=False, stage="not funded",  # type: ignore[arg-type]
            reason=reason, unaffordable_round=rnd, money_left_share=share,
        )
    if fill:
        for pid, note in explain_greedy(prof, fill, stage="fill").items():
            before = out.get(pid)
            if before is None or note.funded:
                out[pid] = note
            else:  # keep why equal shares passed it over, then say what the fill did
                out[pid] = replace(
                    before, reason=f"{before.reason} Greedy fill: {note.reason[len('Not funded: '):]}",
                    rank=note.rank, remaining_budget=note.remaining_budget,
                )
    return out


def explain_phragmen(prof: Profile, steps: list[PhragmenStep],
                     stopper: int | None) -> dict[str, ProjectExplanation]:
    """Phragmén: the round each project was bought and its supporters' load."""
    out: dict[str, ProjectExplanation] = {}
    for s in steps:
        load = s.load / prof.scale
        out[prof.ids[s.project]] = ProjectExplanation(
            **_base(prof, s.project), funded=True, stage="phragmen",  # type: ignore[arg-type]
            reason=(f"Funded in round {s.round}: each supporter's load rose to "
                    f"{_fmt(load)}."), round=s.round, rho=str(load),
        )
    for p in range(len(prof.ids)):
        if prof.ids[p] in out:
            continue
        if p == stopper:
            reason = ("Not funded: it was next in line but did not fit the budget, which "
                      "ends the count.")
        elif prof.costs[p] > prof.budget:
            reason = "Not funded: it costs more than the whole budget."
        elif prof.votes[p] == 0:
            reason = "Not funded: no voter supported it."
        else:
            reason = "Not funded: counting ended before its supporters could afford it."
        out[prof.ids[p]] = ProjectExplanation(**_base(prof, p), funded=False,  # type: ignore[arg-type]
                                              stage="not funded", reason=reason)
    return out


def voter_summary(prof: Profile, chosen: list[int]) -> VoterSummary:
    """How many of each voter's supported projects were funded."""
    funded = set(chosen)
    hist: Counter[int] = Counter()
    for d, projects in enumerate(prof.ballot_projects):
        hist[sum(1 for p in projects if p in funded)] += int(prof.mult[d])
    none = hist.get(0, 0)
    n = prof.n_voters
    return VoterSummary(
        voters=n, with_some_funded=n - none, with_none_funded=none,
        histogram=dict(sorted(hist.items())),
        share_with_some_funded=(n - none) / n if n else 0.0,
    )
