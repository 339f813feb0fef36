"""Reading and writing the Pabulib format (pabulib.org, "Pabulib: a participatory budgeting
library", Faliszewski et al., 2023).

A file has three `;`-separated sections, each a marker line and a header line:
META (key;value), PROJECTS (project_id;cost;...) and VOTES (voter_id;vote[;points];...).
The reader streams the file line by line and checks it in the spirit of the Pabulib checker:
counts, vote lengths, points limits, budget overrun of the selected projects, projects named
by votes exist, duplicated voter ids. Every problem carries its line number.
"""

from __future__ import annotations

import csv
import io
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType

from seedbed.pb.model import POINTS_TYPES, Election
from seedbed.pb.pabulib_reader import read_pabulib
from seedbed.pb.problems import PabulibError, Problem


def parse(source: str | Path) -> Election:
    """Read a Pabulib election from a path or from the file's text.

    A `str` containing a line break is taken as the text itself, otherwise as a path.
    Raises `PabulibError` (a `ValueError`) naming the line of the first problem.
    """
    state = read_pabulib(source, stop_at_first=True)
    if state.problems:
        raise PabulibError(tuple(state.problems))
    meta = state.meta
    return Election(
        budget=Fraction(meta["budget"].replace(",", ".")),
        vote_type=meta["vote_type"],
        projects=tuple(state.projects),
        ballots=tuple(state.ballots),
        meta=MappingProxyType(dict(meta)),
        voter_columns=state.voter_columns,
    )


def validate(source: str | Path) -> tuple[Problem, ...]:
    """Check a Pabulib file and list every problem (empty when the file is valid)."""
    return tuple(read_pabulib(source, stop_at_first=False).problems)


def _fmt(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    d = value.denominator
    for prime in (2, 5):
        while d % prime == 0:
            d //= prime
    if d == 1:
        text = f"{float(value):.15f}".rstrip("0")
        if Fraction(text) == value:
            return text
    return f"{value.numerator}/{value.denominator}"


def write(election: Election, path: str | Path | None = None) -> str:
    """Write `election` in the Pabulib format; return the text (and save it if `path`).

    META is written as read, with num_projects, num_votes, budget and vote_type updated from
    the election itself.
    """
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\n")
    meta = dict(election.meta)
    meta.update(num_projects=str(len(election.projects)), num_votes=str(election.num_voters),
                budget=_fmt(election.budget), vote_type=election.vote_type)
    w.writerow(["META"])
    w.writerow(["key", "value"])
    for key, value in meta.items():
        w.writerow([key, value])
    extra_p = list(dict.fromkeys(k for p in election.projects for k in p.extra))
    w.writerow(["PROJECTS"])
    w.writerow(["project_id", "cost", "name", *extra_p])
    for p in election.projects:
        w.writerow([p.project_id, _fmt(p.cost), p.name, *(p.extra.get(k, "") for k in extra_p)])
    points = election.vote_type in POINTS_TYPES
    extra_v = list(election.voter_columns)
    w.writerow(["VOTES"])
    w.writerow(["voter_id", "vote", *(["points"] if points else []), *extra_v])
    for b in election.ballots:
        row = [b.voter_id, ",".join(b.projects)]
        if points:
            row.append(",".join(_fmt(x) for x in b.points))
        row.extend(b.extra)
        w.writerow(row)
    text = out.getvalue()
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


__all__ = ["parse", "validate", "write"]
