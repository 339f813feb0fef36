"""Constants and helpers shared by the pb tests."""

from __future__ import annotations

from pathlib import Path

import pytest

PABULIB_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "pabulib"
FILES = ("Netherlands_Assen_2024.pb", "Poland_Swiecie_2023.pb", "Poland_Lodz_2022.pb")

# pabutools call in reference_outcomes.json → (Seedbed rule, utility)
REFERENCE_RULES = {
    "greedy_utilitarian_welfare(sat_class=Cost_Sat)": ("greedy", "cost"),
    "greedy_utilitarian_welfare(sat_class=Cardinality_Sat)": ("greedy", "cardinality"),
    "method_of_equal_shares(sat_class=Cost_Sat)": ("mes", "cost"),
    "method_of_equal_shares(sat_class=Cost_Sat, voter_budget_increment=1)": ("mes-add1", "cost"),
    "completion_by_rule_combination([MES Cost_Sat add1, greedy Cost_Sat])": (
        "mes-add1-fill",
        "cost",
    ),
    "sequential_phragmen()": ("phragmen", None),
}


def pabulib_path(name: str) -> Path:
    path = PABULIB_DIR / name
    if not path.exists():
        pytest.skip(f"Pabulib file {name} not found at {path} (../shared/data is absent)")
    return path
