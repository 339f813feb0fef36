"""The streaming Pabulib reader behind `seedbed.pb.parse` and `seedbed.pb.validate`.

One pass over the `;`-separated rows (csv module, so quoted fields work), checking as it
goes in the spirit of the Pabulib checker and recording every problem with its line.
"""


from __future__ import annotations

import csv
import gc
import io
from collections import Counter
from collections.abc import Iterator
from fractions import Fraction
from itertools import chain, repeat
from operator import itemgetter
from pathlib import Path
from types import MappingProxyType

from seedbed.pb import problems as pr
from seedbed.pb.model import POINTS_TYPES, VOTE_TYPES, Ballot, Project
from seedbed.pb.problems import Problem


def _whole(text: str) -> bool:
    """Whether ``int(text)`` reads ``text`` as a whole number: ASCII digits only ("²" is a
    digit to ``str.isdigit`` but not to ``int``) and short enough for Python to convert."""
    return text.isascii() and text.isdigit() and len(text) < 4000


_SECTIONS = ("meta", "projects", "votes")
_MAX_PROBLEMS = 1000


def number(text: str) -> Fraction | None:
    try:
        return Fraction(text.strip().replace(",", "."))
    except (ValueError, ZeroDivisionError):
        return None


def _lines(source: str | Path) -> tuple[Iterator[str], io.TextIOBase | None]:
    if isinstance(source, Path) or ("\n" not in source and "\r" not in source):
        handle = open(source, encoding="utf-8-sig", newline="")
        return iter(handle), handle
    text = source[1:] if source.startswith("\ufeff") else source
    return iter(io.StringIO(text, newline="")), None


class Reader:
    """One pass over the rows, collecting problems and (when clean) the election."""

    def __init__(self, stop_at_first: bool) -> None:
        self.stop_at_first = stop_at_first
        self.problems: list[Problem] = []
        self.meta: dict[str, str] = {}
        self.meta_lines: dict[str, int] = {}
        self.projects: list[Project] = []
        self.project_lines: dict[str, int] = {}
        self.project_votes: dict[str, tuple[int, str]] = {}
        self.selected: list[str] = []
        self.ballots: list[Ballot] = []
        self.voter_lines: dict[str, int] = {}
        self.support: dict[str, Fraction] = {}
        self.seen: list[str] = []
        self.last_line = 0
        self.voter_columns: tuple[str, ...] = ()
        self.points_type = False
        self.canon: dict[str, str] = {}
        self.fatal = False
        self.voter_count = 0

    def add(self, line: int, code: str, message: str) -> None:
        self.problems.append(Problem(line, code, message))

    @property
    def stop(self) -> bool:
        return bool(self.problems) and self.stop_at_first or len(self.problems) >= _MAX_PROBLEMS

    def run(self, rows: Iterator[list[str]], reader: csv.Reader) -> None:  # type: ignore[name-defined]
        section = ""
        header: list[str] = []
        expect_header = False
        width = -1
        vote_row = self.vote_row
        it: Iterator[tuple[list[str], int]] = ((row, reader.line_num) for row in rows)
        while (item := next(it, None)) is not None:
            row, line = item
            if len(row) == width:
                vote_row(row, line)
                if self.problems and self.stop:
                    self.last_line = line
                    return
                continue
            self.last_line = line
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            first = row[0].strip().lower()
            if len(row) == 1 and first in _SECTIONS:
                if expect_header:
                    self.add(line, pr.MISSING_HEADER, f"section {section.upper()} has no header line")
                section = first
                if section in self.seen:
                    self.add(line, pr.MISSING_SECTION, f"section {section.upper()} appears twice")
                self.seen.append(section)
                expect_header = True
                continue
            if len(row) == 1 and any(d in row[0] for d in (",", "\t", "|")):
                found = next(d for d in (";", ",", "\t", "|") if d in row[0])
                shown = {"\t": "tab"}.get(found, f"'{found}'")
                self.add(line, pr.WRONG_DELIMITER,
                         f"fields must be separated by ';' but this line uses {shown}")
                self.fatal = True
                return
            if not section:
                self.add(line, pr.MISSING_SECTION,
                         "expected the section marker META before any data")
                self.fatal = True
                return
            if expect_header:
                header = [h.strip().lower() for h in row]
                expect_header = False
                self.check_header(section, header, line)
                if self.stop:
                    return
                if section == "votes":
                    if any(p.code == pr.MISSING_COLUMN for p in self.problems):
                        return
                    self.votes_header(header)
                    width = len(header)
                    rest = [(r, reader.line_num) for r in rows]
                    if self.votes_fast(rest, width):
                        self.last_line = max(line, reader.line_num)
                        return
                    it = iter(rest)
                continue
            if len(row) != len(header):
                self.add(line, pr.FIELD_COUNT,
                         f"expected {len(header)} fields as in the {section.upper()} header, "
                         f"found {len(row)}")
            elif section == "meta":
                self.meta_row(row, line)
            elif section == "projects":
                self.project_row(row, header, line)
            else:
                self.vote_row(row, line)
            if self.stop:
                return
        self.last_line = max(self.last_line, reader.line_num)
        if expect_header:
            self.add(self.last_line, pr.MISSING_HEADER,
                     f"section {section.upper()} has no header line (truncated file?)")

    def check_header(self, section: str, header: list[str], line: int) -> None:
        need: tuple[str, ...] = {"meta": ("key", "value"), "projects": ("project_id", "cost"),
                "votes": ("voter_id", "vote")}[section]
        if section == "votes" and self.meta.get("vote_type") in POINTS_TYPES:
            need = (*need, "points")
        for col in need:
            if col not in header:
                self.add(line, pr.MISSING_COLUMN,
                         f"the {section.upper()} header has no '{col}' column")
        if section == "projects":
            self.finish_meta(line)

    def meta_row(self, row: list[str], line: int) -> None:
        key, value = row[0].strip(), row[1].strip()
        self.meta[key] = value
        self.meta_lines[key] = line
        if key == "budget":
            amount = number(value)
            if amount is None:
                self.add(line, pr.NON_NUMERIC, f"budget {value!r} is not a number")
            elif amount < 0:
                self.add(line, pr.NEGATIVE_BUDGET, f"budget must not be negative, got {value}")
        elif key == "vote_type" and value not in VOTE_TYPES:
            self.add(line, pr.UNKNOWN_VOTE_TYPE,
                     f"vote_type {value!r} is not one of {', '.join(VOTE_TYPES)}")
        elif key in ("num_projects", "num_votes", "min_length", "max_length") and (
            not _whole(value)
        ):
            self.add(line, pr.NON_NUMERIC, f"{key} {value!r} is not a whole number")
        elif key in ("max_sum_points", "min_sum_points", "max_points", "min_points") and (
            number(value) is None
        ):
            self.add(line, pr.NON_NUMERIC, f"{key} {value!r} is not a number")

    def finish_meta(self, line: int) -> None:
        for key in ("budget", "vote_type", "num_projects", "num_votes"):
            if key not in self.meta:
                self.add(line, pr.MISSING_META, f"META has no '{key}' (needed before PROJECTS)")

    def project_row(self, row: list[str], header: list[str], line: int) -> None:
        values = dict(zip(header, (c.strip() for c in row), strict=True))
        pid = values.get("project_id", "")
        cost = number(values.get("cost", ""))
        if pid in self.project_lines:
            self.add(line, pr.DUPLICATE_PROJECT,
                     f"project {pid} is listed twice (first on line {self.project_lines[pid]})")
            return
        self.project_lines[pid] = line
        if cost is None:
            self.add(line, pr.NON_NUMERIC,
                     f"cost of project {pid} is not a number: {values.get('cost', '')!r}")
            cost = Fraction(0)
        elif cost < 0:
            self.add(line, pr.NEGATIVE_COST, f"cost of project {pid} must not be negative")
        for col in ("votes", "score"):
            if col in values and values[col] not in ("", "none"):
                self.project_votes[pid] = (line, col)
        if values.get("selected", "") == "1":
            self.selected.append(pid)
        extra = {k: v for k, v in values.items() if k not in ("project_id", "cost", "name")}
        self.projects.append(
            Project(pid, cost, values.get("name", ""), MappingProxyType(extra))
        )
        self.support[pid] = Fraction(0)

    def votes_header(self, header: list[str]) -> None:
        self.vi, self.vo = header.index("voter_id"), header.index("vote")
        self.vp = header.index("points") if "points" in header else -1
        self.extra_idx = [i for i, h in enumerate(header) if h not in ("voter_id", "vote", "points")]
        self.voter_columns = tuple(header[i] for i in self.extra_idx)
        self.canon = {pid: pid for pid in self.support}
        vote_type = self.meta.get("vote_type", "approval")
        self.points_type = vote_type in POINTS_TYPES
        low, high = self.meta.get("min_length", ""), self.meta.get("max_length", "")
        self.low = int(low) if _whole(low) else 0
        self.high = int(high) if _whole(high) else 1 << 30
        if vote_type == "choose-1":
            self.high = min(self.high, 1)

    def votes_fast(self, rest: list[tuple[list[str], int]], width: int) -> bool:
        """Read a clean approval VOTES section in bulk; False (nothing kept) if anything is
        unusual, so the row-by-row path finds and places every problem."""
        if self.points_type or not rest or any(len(r) != width for r, _ in rest):
            return False
        cols = list(zip(*(r for r, _ in rest), strict=True))
        voters = [v.strip() for v in cols[self.vi]]
        if len(set(voters)) != len(voters):
            return False
        getter = self.canon.__getitem__
        try:
            ids = [tuple(map(getter, v.split(","))) if v else () for v in cols[self.vo]]
        except KeyError:
            return False
        lengths = list(map(len, ids))
        if min(lengths) < self.low or max(lengths) > self.high:
            return False
        if any(n > 1 and len(set(t)) != n for t, n in zip(ids, lengths, strict=True)):
            return False
        extras = (list(zip(*(cols[i] for i in self.extra_idx), strict=True))
                  if self.extra_idx else [()] * len(ids))
        self.ballots = list(map(Ballot, voters, ids, repeat(()), extras))
        self.voter_count = len(self.ballots)
        return True

    def vote_row(self, row: list[str], line: int) -> None:
        voter = row[self.vi].strip()
        if voter in self.voter_lines:
            self.add(line, pr.DUPLICATE_VOTER,
                     f"voter id {voter} is used twice (first on line {self.voter_lines[voter]})")
        else:
            self.voter_lines[voter] = line
        raw = row[self.vo]
        canon = self.canon
        try:
            ids = tuple(map(canon.__getitem__, raw.split(","))) if raw else ()
        except KeyError:
            parts = [x.strip() for x in raw.split(",") if x.strip()]
            for pid in parts:
                if pid not in canon:
                    self.add(line, pr.UNKNOWN_PROJECT, f"vote names unknown project {pid!r}")
                    return
            ids = tuple(canon[x] for x in parts)
        n = len(ids)
        if n > 1 and len(set(ids)) != n:
            self.add(line, pr.DUPLICATE_IN_VOTE, "vote names the same project twice")
        if n < self.low or n > self.high:
            self.check_length(n, line)
        points: tuple[Fraction, ...] = ()
        if self.points_type:
            rawp = [x for x in row[self.vp].split(",") if x.strip()]
            parsed = [number(x) for x in rawp]
            if len(parsed) != n:
                self.add(line, pr.POINTS_MISMATCH, f"{n} projects but {len(parsed)} points")
                return
            if any(p is None for p in parsed):
                self.add(line, pr.NON_NUMERIC, "points are not all numbers")
                return
            points = tuple(p for p in parsed if p is not None)
            self.check_points(points, line)
        extra = tuple([row[i] for i in self.extra_idx])
        self.ballots.append(Ballot(voter, ids, points, extra))

    def check_length(self, n: int, line: int) -> None:
        if self.meta.get("vote_type") == "choose-1" and n > 1:
            self.add(line, pr.VOTE_LENGTH, f"a choose-1 vote names {n} projects")
        elif n < self.low:
            self.add(line, pr.VOTE_LENGTH,
                     f"vote names {n} projects, fewer than min_length {self.low}")
        else:
            self.add(line, pr.VOTE_LENGTH,
                     f"vote names {n} projects, more than max_length {self.high}")

    def check_points(self, points: tuple[Fraction, ...], line: int) -> None:
        total = sum(points, Fraction(0))
        limits = {k: number(self.meta[k]) for k in
                  ("max_sum_points", "min_sum_points", "max_points", "min_points")
                  if k in self.meta}
        top, bottom = limits.get("max_sum_points"), limits.get("min_sum_points")
        if top is not None and total > top:
            self.add(line, pr.POINTS_LIMIT,
                     f"ballot gives {total} points in total, over the limit max_sum_points {top}")
        if bottom is not None and total < bottom:
            self.add(line, pr.POINTS_LIMIT,
                     f"ballot gives {total} points in total, under min_sum_points {bottom}")
        most, least = limits.get("max_points"), limits.get("min_points")
        if most is not None and max(points, default=Fraction(0)) > most:
            self.add(line, pr.POINTS_LIMIT, f"ballot gives a project more than max_points {most}")
        if least is not None and min(points, default=least) < least:
            self.add(line, pr.POINTS_LIMIT, f"ballot gives a project fewer than min_points {least}")
        if any(p < 0 for p in points):
            self.add(line, pr.POINTS_LIMIT, "ballot gives negative points")

    def count_support(self) -> None:
        support = self.support
        if self.points_type:
            for b in self.ballots:
                for pid, pts in zip(b.projects, b.points, strict=True):
                    support[pid] += pts
        else:
            counts = Counter(chain.from_iterable(map(itemgetter(1), self.ballots)))
            for pid, c in counts.items():
                support[pid] = Fraction(c)

    def finish(self) -> None:
        end = self.last_line
        for section in _SECTIONS:
            if section not in self.seen:
                self.add(end, pr.MISSING_SECTION,
                         f"the file ends here but section {section.upper()} is missing")
        if "meta" not in self.seen or self.stop:
            return
        declared = self.meta.get("num_projects", "")
        if _whole(declared) and "projects" in self.seen and int(declared) != len(self.projects):
            self.add(self.meta_lines["num_projects"], pr.COUNT_MISMATCH,
                     f"num_projects is {declared} but PROJECTS lists {len(self.projects)}")
        declared = self.meta.get("num_votes", "")
        unreadable_votes = any(p.code in (pr.MISSING_COLUMN, pr.MISSING_HEADER)
                               for p in self.problems)
        if _whole(declared) and "votes" in self.seen and not unreadable_votes:
            found = self.voter_count or len(self.voter_lines)
            if found < int(declared):
                self.add(end, pr.TRUNCATED,
                         f"the file ends after {found} of the {declared} votes declared in META "
                         f"(line {self.meta_lines['num_votes']}): truncated file?")
            elif found > int(declared):
                self.add(self.meta_lines["num_votes"], pr.COUNT_MISMATCH,
                         f"num_votes is {declared} but VOTES has {found} votes")
        if not self.problems and self.project_votes:
            self.count_support()
            for pid, (line, col) in self.project_votes.items():
                project = next(p for p in self.projects if p.project_id == pid)
                stated = number(project.extra.get(col, ""))
                if stated is not None and stated != self.support[pid]:
                    self.add(line, pr.VOTES_COLUMN_MISMATCH,
                             f"project {pid} has {col} {project.extra[col]} but the votes give "
                             f"{self.support[pid]}")
        budget = number(self.meta.get("budget", ""))
        spent = sum((p.cost for p in self.projects if p.project_id in set(self.selected)),
                    Fraction(0))
        if budget is not None and budget >= 0 and spent > budget:
            self.add(self.meta_lines["budget"], pr.BUDGET_OVERRUN,
                     f"the selected projects cost {spent}, over the budget {budget}")


def read_pabulib(source: str | Path, *, stop_at_first: bool) -> Reader:
    """Read `source` (path or text); the state holds the problems and what was read."""
    state = Reader(stop_at_first)
    gc_was_on = gc.isenabled()
    gc.disable()  # the reader only allocates; cycle collection passes would cost a third
    try:
        lines, handle = _lines(source)
    except OSError as exc:
        state.add(0, pr.UNREADABLE, f"cannot open {source}: {exc.strerror}")
        if gc_was_on:
            gc.enable()
        return state
    try:
        reader = csv.reader(lines, delimiter=";")
        try:
            state.run(reader, reader)
        except csv.Error as exc:
            state.add(reader.line_num, pr.TRUNCATED, f"unreadable line ({exc}): truncated file?")
        except UnicodeDecodeError:
            state.add(state.last_line + 1, pr.UNREADABLE, "the file is not UTF-8 text")
        if not state.stop and not state.fatal:
            state.finish()
    finally:
        if handle is not None:
            handle.close()
        if gc_was_on:
            gc.enable()
    state.problems.sort(key=lambda p: p.line)
    return state
