"""What a count returns: the funded projects, warnings and explanations for residents."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

RULES = (
    "greedy",
    "greedy-threshold",
    "greedy-no-skip",
    "mes",
    "mes-add1",
    "mes-add1-fill",
    "phragmen",
)

# Warning codes (module constants; callers and tests match on these).
NO_VOTERS = "no-voters"
NO_PROJECTS = "no-projects"
POINTS_AS_UTILITY = "points-as-utility"
UTILITY_IGNORED = "utility-ignored"
THRESHOLD_FROM_META = "threshold-from-meta"
NOTHING_FUNDED = "nothing-funded"


@dataclass(frozen=True, slots=True)
class ProjectExplanation:
    """Why one project was or was not funded, for a results page.

    `stage` is "mes", "fill", "greedy" or "phragmen" for funded projects, else "not funded".
    MES fields: `round` (1-based), `rho` (exact price per unit of utility, as a fraction
    string), `price_per_supporter` (what one supporter paying the full share paid),
    `payers`, `paid_all_they_had` (supporters who paid everything left), and for rejected
    projects `unaffordable_round` (0: never affordable) and `money_left_share`
    (supporters' money left at that point as a share of the cost). Greedy fields: `rank` in
    the greedy order and `remaining_budget` after the decision. Amounts are in the budget's
    currency.
    """

    project_id: str
    cost: Fraction
    votes: int
    funded: bool
    stage: str
    reason: str
    round: int | None = None
    rho: str | None = None
    price_per_supporter: float | None = None
    payers: int | None = None
    paid_all_they_had: int | None = None
    paid_by_those: float | None = None
    unaffordable_round: int | None = None
    money_left_share: float | None = None
    rank: int | None = None
    remaining_budget: Fraction | None = None


@dataclass(frozen=True, slots=True)
class VoterSummary:
    """How residents fared: `histogram[k]` voters had exactly k of their projects funded."""

    voters: int
    with_some_funded: int
    with_none_funded: int
    histogram: Mapping[int, int]
    share_with_some_funded: float


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of a count.

    `selected` lists project ids in the order the rule funded them (for MES with the fill,
    the MES projects first). `cost` and `budget` are in the budget's currency. For MES with
    add1, `budget_per_voter` is the per-voter budget of the run that decided the outcome and
    `add1_steps` how many one-unit raises were made.
    """

    rule: str
    utility: str
    selected: tuple[str, ...]
    cost: Fraction
    budget: Fraction
    voters: int
    warnings: tuple[str, ...] = ()
    budget_per_voter: Fraction | None = None
    add1_steps: int | None = None
    threshold: int | None = None
    explanation: Mapping[str, ProjectExplanation] | None = None
    voter_summary: VoterSummary | None = None
