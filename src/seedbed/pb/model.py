"""The participatory-budgeting election: projects, ballots and the election itself.

Everything here is immutable. Costs, the budget and points are exact `fractions.Fraction`
values so that rules can count exactly; a web form can build an election in memory with
`election_from` without writing a Pabulib file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import NamedTuple

VOTE_TYPES = ("approval", "choose-1", "cumulative", "scoring", "ordinal")
"""Ballot kinds of the Pabulib format."""

APPROVAL_TYPES = ("approval", "choose-1")
POINTS_TYPES = ("cumulative", "scoring")


class ElectionError(ValueError):
    """An election that cannot be built or counted (the message says why)."""


@dataclass(frozen=True, slots=True)
class Project:
    """A project residents can fund.

    `project_id` is the identifier used on ballots; ties between projects are broken by it
    (ordinary string order, as Pabulib tools do). `cost` is in the budget's currency.
    """

    project_id: str
    cost: Fraction
    name: str = ""
    extra: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


class Ballot(NamedTuple):
    """One resident's ballot.

    `projects` lists the project ids in ballot order (for ordinal ballots: best first);
    `points` holds one value per project for cumulative and scoring ballots, else is empty.
    `extra` keeps the values of any other columns of the Pabulib VOTES section (age, sex,
    ...), named by `Election.voter_columns`.
    """

    voter_id: str
    projects: tuple[str, ...]
    points: tuple[Fraction, ...] = ()
    extra: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Election:
    """A participatory-budgeting election: the budget, the projects and the ballots.

    `meta` holds the Pabulib META section (key → value) as read; `budget` and `vote_type`
    are taken from it. `projects` keep the file order.
    """

    budget: Fraction
    vote_type: str
    projects: tuple[Project, ...]
    ballots: tuple[Ballot, ...]
    meta: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    voter_columns: tuple[str, ...] = ()

    @property
    def project_ids(self) -> tuple[str, ...]:
        return tuple(p.project_id for p in self.projects)

    @property
    def num_voters(self) -> int:
        return len(self.ballots)

    def project(self, project_id: str) -> Project:
        """The project with this id (`KeyError` if there is none)."""
        for p in self.projects:
            if p.project_id == project_id:
                return p
        raise KeyError(project_id)


def _as_fraction(value: int | Fraction | str | float, what: str) -> Fraction:
    if isinstance(value, float):
        raise ElectionError(f"{what} must be exact (int, Fraction or decimal string), not float")
    try:
        return Fraction(value)
    except (TypeError, ValueError, ZeroDivisionError) as exc:
        raise ElectionError(f"{what} is not a number: {value!r}") from exc


def election_from(
    *,
    budget: int | Fraction | str,
    projects: Mapping[str, int | Fraction | str] | Sequence[Project],
    ballots: Iterable[Sequence[str] | Mapping[str, int | Fraction | str]],
    vote_type: str = "approval",
    meta: Mapping[str, str] | None = None,
) -> Election:
    """Build an election in memory (no file needed), checking it as the parser does.

    `projects` maps project id → cost (or is a sequence of `Project`). Each ballot is a
    sequence of approved project ids (approval, choose-1, ordinal) or a mapping project id →
    points (cumulative, scoring). Voters get ids "1", "2", ... in ballot order.
    Raises `ElectionError` for a negative budget or cost, an unknown vote type, or a ballot
    naming an unknown project.
    """
    if vote_type not in VOTE_TYPES:
        raise ElectionError(f"unknown vote type {vote_type!r}; expected one of {VOTE_TYPES}")
    total = _as_fraction(budget, "budget")
    if total < 0:
        raise ElectionError(f"budget must not be negative, got {total}")
    if isinstance(projects, Mapping):
        plist = [
            Project(str(pid), _as_fraction(cost, f"cost of project {pid}"))
            for pid, cost in projects.items()
        ]
    else:
        plist = list(projects)
    known: set[str] = set()
    for p in plist:
        if p.cost < 0:
            raise ElectionError(f"cost of project {p.project_id} must not be negative")
        if p.project_id in known:
            raise ElectionError(f"project {p.project_id} is listed twice")
        known.add(p.project_id)
    out: list[Ballot] = []
    for index, raw in enumerate(ballots, start=1):
        if isinstance(raw, Mapping):
            if vote_type not in POINTS_TYPES:
                raise ElectionError(f"ballot {index}: points given for a {vote_type} election")
            ids = tuple(str(k) for k in raw)
            pts = tuple(_as_fraction(v, f"ballot {index} points") for v in raw.values())
        else:
            if vote_type in POINTS_TYPES:
                raise ElectionError(f"ballot {index}: a {vote_type} ballot needs points")
            ids = tuple(str(k) for k in raw)
            pts = ()
        for pid in ids:
            if pid not in known:
                raise ElectionError(f"ballot {index} names unknown project {pid!r}")
        if len(set(ids)) != len(ids):
            raise ElectionError(f"ballot {index} names a project twice")
        out.append(Ballot(str(index), ids, pts))
    full_meta = {"budget": str(total), "vote_type": vote_type}
    if meta:
        full_meta = {**meta, **full_meta}
    return Election(
        budget=total,
        vote_type=vote_type,
        projects=tuple(plist),
        ballots=tuple(out),
        meta=MappingProxyType(full_meta),
    )
