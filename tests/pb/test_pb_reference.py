"""Golden tests: Seedbed's winners equal pabutools 1.2.3's (reference_outcomes.json) and the
cities' own selections where the issue says they must."""

from __future__ import annotations

from typing import Any

import pytest
from pb_helpers import REFERENCE_RULES

from seedbed.pb import count

SMALL = ("Netherlands_Assen_2024.pb", "Poland_Swiecie_2023.pb")


def _cases(files: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(f, call) for f in files for call in REFERENCE_RULES]


@pytest.mark.parametrize(("file", "call"), _cases(SMALL))
def test_small_files_match_pabutools(file: str, call: str, reference: dict[str, Any],
                                     elections: dict[str, Any]) -> None:
    rule, utility = REFERENCE_RULES[call]
    expected = reference[file]["results"][call]
    outcome = count(elections[file], rule=rule, utility=utility)
    assert sorted(outcome.selected) == expected["winners"]
    assert outcome.cost == expected["cost"]


@pytest.mark.slow
@pytest.mark.parametrize("call", list(REFERENCE_RULES))
def test_lodz_matches_pabutools(call: str, reference: dict[str, Any],
                                elections: dict[str, Any]) -> None:
    file = "Poland_Lodz_2022.pb"
    rule, utility = REFERENCE_RULES[call]
    expected = reference[file]["results"][call]
    outcome = count(elections[file], rule=rule, utility=utility)
    assert sorted(outcome.selected) == expected["winners"]
    assert outcome.cost == expected["cost"]


@pytest.mark.parametrize(
    ("file", "rule"),
    [("Poland_Swiecie_2023.pb", "mes-add1-fill"), ("Netherlands_Assen_2024.pb", "mes-add1")],
)
def test_city_outcomes_reproduced(file: str, rule: str, reference: dict[str, Any],
                                  elections: dict[str, Any]) -> None:
    """Świecie 2023 funded MES/add1 (the fill adds nothing); Assen 2024 MES/add1, no fill."""
    outcome = count(elections[file], rule=rule)
    assert sorted(outcome.selected) == reference[file]["official_selected"]


def test_assen_fill_would_change_the_city_outcome(reference: dict[str, Any],
                                                  elections: dict[str, Any]) -> None:
    file = "Netherlands_Assen_2024.pb"
    outcome = count(elections[file], rule="mes-add1-fill")
    assert sorted(outcome.selected) != reference[file]["official_selected"]


@pytest.mark.slow
def test_lodz_greedy_reproduces_city(reference: dict[str, Any],
                                     elections: dict[str, Any]) -> None:
    file = "Poland_Lodz_2022.pb"
    for rule in ("greedy", "greedy-threshold"):
        outcome = count(elections[file], rule=rule)
        assert sorted(outcome.selected) == reference[file]["official_selected"]
