"""Problems found in a Pabulib file, each tied to the line where it was found.

The codes are module constants so tests and callers can match on them rather than on text.
"""

from __future__ import annotations

from dataclasses import dataclass

MISSING_SECTION = "missing-section"
MISSING_HEADER = "missing-header"
MISSING_COLUMN = "missing-column"
MISSING_META = "missing-meta"
WRONG_DELIMITER = "wrong-delimiter"
FIELD_COUNT = "field-count"
NON_NUMERIC = "non-numeric"
NEGATIVE_BUDGET = "negative-budget"
NEGATIVE_COST = "negative-cost"
UNKNOWN_VOTE_TYPE = "unknown-vote-type"
DUPLICATE_PROJECT = "duplicate-project"
DUPLICATE_VOTER = "duplicate-voter"
UNKNOWN_PROJECT = "unknown-project"
DUPLICATE_IN_VOTE = "duplicate-in-vote"
VOTE_LENGTH = "vote-length"
POINTS_MISMATCH = "points-mismatch"
POINTS_LIMIT = "points-limit"
COUNT_MISMATCH = "count-mismatch"
VOTES_COLUMN_MISMATCH = "votes-column-mismatch"
BUDGET_OVERRUN = "budget-overrun"
TRUNCATED = "truncated"
UNREADABLE = "unreadable"


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in a Pabulib file: the 1-based line (0: the file could not be opened),
    a code constant and a message."""

    line: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class PabulibError(ValueError):
    """A Pabulib file that cannot be read; `problems` lists every problem found.

    The message is the first problem, as "line N: ...".
    """

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        self.problems = problems
        first = str(problems[0]) if problems else "unreadable Pabulib file"
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(first + more)
