"""Ids and numbers typed as text: a character that ``str.isdigit`` calls a digit but ``int``
refuses ("²", "³", "①") must get the same answer as any other malformed id — never a server
error."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from seedbed.core.access import MAX_ID, id_from_text
from seedbed.pb.pabulib_reader import read_pabulib

LOOKALIKES = ("²", "³", "①", "12²", "٣", "１２")


@pytest.mark.parametrize("text", [*LOOKALIKES, "", " ", "abc", "-1", "0", "1.5", str(MAX_ID + 1), "9" * 5000])
def test_malformed_ids_are_none(text: str) -> None:
    assert id_from_text(text) is None


@pytest.mark.parametrize(("text", "expected"), [("12", 12), (" 7 ", 7), (str(MAX_ID), MAX_ID)])
def test_plain_ids_are_read(text: str, expected: int) -> None:
    assert id_from_text(text) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("value", LOOKALIKES)
def test_an_idea_form_prefilled_with_a_lookalike_digit_opens(value: str, client_as: Any) -> None:
    response = client_as("anonymous").get(reverse("participation:idea_new"), {"need": value, "challenge": value})
    assert response.status_code == 200
    assert 'name="answers_need"' in response.content.decode() or "idea" in response.content.decode().lower()


@pytest.mark.django_db
@pytest.mark.parametrize("value", LOOKALIKES)
def test_a_call_form_prefilled_with_a_lookalike_theme_opens(value: str, client_as: Any) -> None:
    response = client_as("lead").get(reverse("funding:call_create"), {"theme": value})
    assert response.status_code == 200


def test_a_pabulib_count_written_with_a_lookalike_digit_is_a_problem_not_a_crash(tmp_path: Any) -> None:
    path = tmp_path / "superscript.pb"
    path.write_text(
        "META\nkey;value\ndescription;x\ncountry;X\nunit;X\ninstance;1\nnum_projects;²\nnum_votes;1\n"
        "budget;100\nvote_type;approval\nrule;greedy\n"
        "PROJECTS\nproject_id;cost;votes\n1;50;1\n"
        "VOTES\nvoter_id;vote\n1;1\n",
        encoding="utf-8",
    )
    reader = read_pabulib(path, stop_at_first=False)
    messages = [problem.message for problem in reader.problems]
    assert any("num_projects" in message and "not a whole number" in message for message in messages), messages
