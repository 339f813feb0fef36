"""Run pabutools 1.2.3 (test oracle only) on an election written in the Pabulib format."""

from __future__ import annotations

import pytest

from seedbed.pb import Election, write

pabutools = pytest.importorskip("pabutools")

from pabutools.election import (  # noqa: E402
    Additive_Cardinal_Sat,
    Cardinality_Sat,
    Cost_Sat,
)
from pabutools.election.pabulib import parse_pabulib_from_string  # noqa: E402
from pabutools.rules import (  # noqa: E402
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
    sequential_phragmen,
)

SAT = {"cost": Cost_Sat, "cardinality": Cardinality_Sat, "points": Additive_Cardinal_Sat}


def load(election: Election):  # type: ignore[no-untyped-def]
    instance, profile = parse_pabulib_from_string(write(election))
    return instance, profile.as_multiprofile()


def oracle(instance, profile, rule: str, utility: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Winners under pabutools for one of Seedbed's rule names (sorted ids)."""
    sat = SAT[utility]
    if rule == "greedy":
        out = greedy_utilitarian_welfare(instance, profile, sat_class=sat)
    elif rule == "mes":
        out = method_of_equal_shares(instance, profile, sat_class=sat)
    elif rule == "mes-add1":
        out = method_of_equal_shares(instance, profile, sat_class=sat, voter_budget_increment=1)
    elif rule == "mes-add1-fill":
        out = completion_by_rule_combination(
            instance, profile, [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": sat, "voter_budget_increment": 1}, {"sat_class": sat}],
        )
    elif rule == "phragmen":
        out = sequential_phragmen(instance, profile)
    else:
        raise ValueError(rule)
    return sorted(p.name for p in out)
