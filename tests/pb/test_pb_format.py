"""The Pabulib reader, writer and validator: round trips, the in-memory constructor, and
one test per kind of bad input, each checking the exact line number."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from pb_helpers import FILES, pabulib_path

from seedbed.pb import (
    ElectionError,
    PabulibError,
    election_from,
    parse,
    validate,
    write,
)
from seedbed.pb import problems as pr

GOOD = """META
key;value
description;Test
num_projects;3
num_votes;3
budget;100
vote_type;approval
PROJECTS
project_id;cost;votes;name;selected
a;40;2;Park benches;1
b;50;2;Library;1
c;30;1;Trees;0
VOTES
voter_id;vote;age
1;a,b;34
2;a,c;51
3;b;19
"""

CUMULATIVE = """META
key;value
num_projects;2
num_votes;2
budget;10
vote_type;cumulative
max_sum_points;10
PROJECTS
project_id;cost
a;4
b;6
VOTES
voter_id;vote;points
1;a,b;5,5
2;a,b;6,5
"""


def _edit(text: str, line: int, new: str | None) -> str:
    rows = text.splitlines()
    if new is None:
        del rows[line - 1]
    else:
        rows[line - 1] = new
    return "\n".join(rows) + "\n"


def _only(text: str, match: str) -> pr.Problem:
    """The one problem reading ``text`` finds, whose message ``match`` names."""
    with pytest.raises(PabulibError, match=match) as info:
        parse(text)
    return info.value.problems[0]


def test_good_file_parses() -> None:
    e = parse(GOOD)
    assert e.budget == 100 and e.vote_type == "approval"
    assert e.project_ids == ("a", "b", "c")
    assert [b.projects for b in e.ballots] == [("a", "b"), ("a", "c"), ("b",)]
    assert e.voter_columns == ("age",) and e.ballots[0].extra == ("34",)
    assert validate(GOOD) == ()


def test_write_round_trip_keeps_everything() -> None:
    e = parse(GOOD)
    again = parse(write(e))
    assert again == e


def test_write_to_path(tmp_path: Path) -> None:
    e = parse(_edit(CUMULATIVE, 15, "2;a,b;6,4"))
    target = tmp_path / "copy.pb"
    write(e, target)
    assert parse(target) == e
    assert parse(target).ballots[0].points == (Fraction(5), Fraction(5))


@pytest.mark.parametrize("name", FILES)
def test_real_files_are_valid_and_round_trip(name: str) -> None:
    path = pabulib_path(name)
    assert validate(path) == ()
    e = parse(path)
    assert parse(write(e)) == e
    assert e.num_voters == int(e.meta["num_votes"])


def test_in_memory_election_counts_like_its_file() -> None:
    from seedbed.pb import count

    e = election_from(budget=100, projects={"a": 40, "b": 50, "c": 30},
                      ballots=[["a", "b"], ["a", "c"], ["b"]])
    f = parse(GOOD)
    for rule in ("greedy", "mes", "mes-add1-fill", "phragmen"):
        assert count(e, rule=rule).selected == count(f, rule=rule).selected


def test_in_memory_rejects_bad_input() -> None:
    with pytest.raises(ElectionError, match="unknown project"):
        election_from(budget=10, projects={"a": 1}, ballots=[["z"]])
    with pytest.raises(ElectionError, match="negative"):
        election_from(budget=-1, projects={"a": 1}, ballots=[])
    with pytest.raises(ElectionError, match="not a number"):
        election_from(budget=10, projects={"a": "ten"}, ballots=[])
    with pytest.raises(ElectionError, match="float"):
        election_from(budget=10.5, projects={"a": 1}, ballots=[])


# ---- bad input: one test per case, exact line numbers ----------------------------------


def test_missing_votes_section() -> None:
    text = "\n".join(GOOD.splitlines()[:12]) + "\n"
    problem = _only(text, match=r"section VOTES is missing")
    assert problem.code == pr.MISSING_SECTION
    assert problem.line == 12
    assert "VOTES" in str(problem) and str(problem).startswith("line 12:")


def test_missing_projects_section() -> None:
    rows = GOOD.splitlines()
    text = "\n".join(rows[:7] + rows[12:]) + "\n"
    found = validate(text)
    missing = [p for p in found if p.code == pr.MISSING_SECTION]
    assert missing and "PROJECTS" in missing[0].message
    assert missing[0].line == 12  # the last line of the file


def test_missing_header_line() -> None:
    problem = _only(_edit(GOOD, 9, None), match=r"^line 9: ")  # the first project row is read as the header
    assert problem.code in (pr.MISSING_COLUMN, pr.FIELD_COUNT)
    assert problem.line == 9


def test_vote_naming_unknown_project() -> None:
    problem = _only(_edit(GOOD, 16, "2;a,x;51"), match=r"unknown project 'x'")
    assert problem.code == pr.UNKNOWN_PROJECT
    assert problem.line == 16
    assert "'x'" in problem.message


def test_non_numeric_cost() -> None:
    problem = _only(_edit(GOOD, 11, "b;fifty;2;Library;1"), match=r"cost of project b is not a number")
    assert problem.code == pr.NON_NUMERIC
    assert problem.line == 11
    assert "cost of project b" in problem.message


def test_negative_budget() -> None:
    problem = _only(_edit(GOOD, 6, "budget;-100"), match=r"budget must not be negative")
    assert problem.code == pr.NEGATIVE_BUDGET
    assert problem.line == 6


def test_negative_cost() -> None:
    problem = _only(_edit(GOOD, 12, "c;-30;1;Trees;0"), match=r"cost of project c must not be negative")
    assert problem.code == pr.NEGATIVE_COST
    assert problem.line == 12


def test_cumulative_ballot_over_point_limit() -> None:
    problem = _only(CUMULATIVE, match=r"over the limit max_sum_points")
    assert problem.code == pr.POINTS_LIMIT
    assert problem.line == 15
    assert "max_sum_points 10" in problem.message


def test_points_not_matching_projects() -> None:
    problem = _only(_edit(CUMULATIVE, 15, "2;a,b;6"), match=r"2 projects but 1 points")
    assert problem.code == pr.POINTS_MISMATCH
    assert problem.line == 15


def test_wrong_delimiter() -> None:
    problem = _only(GOOD.replace(";", ","), match=r"must be separated by ';'")
    assert problem.code == pr.WRONG_DELIMITER
    assert problem.line == 2
    assert "','" in problem.message


def test_tab_delimiter() -> None:
    problem = _only(GOOD.replace(";", "\t"), match=r"must be separated by ';' but this line uses tab")
    assert problem.code == pr.WRONG_DELIMITER and problem.line == 2


def test_truncated_file_missing_votes() -> None:
    text = "\n".join(GOOD.splitlines()[:16]) + "\n"
    problem = _only(text, match=r"ends after 2 of the 3 votes")
    assert problem.code == pr.TRUNCATED
    assert problem.line == 16
    assert "2 of the 3 votes" in problem.message


def test_truncated_file_mid_line() -> None:
    text = GOOD[: GOOD.index("b;50;2") + 4]  # ends inside the project b row
    problem = _only(text, match=r"expected 5 fields")
    assert problem.code == pr.FIELD_COUNT
    assert problem.line == 11


def test_duplicated_voter_id() -> None:
    problem = _only(_edit(GOOD, 17, "1;b;19"), match=r"voter id 1 is used twice")
    assert problem.code == pr.DUPLICATE_VOTER
    assert problem.line == 17 and "line 15" in problem.message


def test_duplicated_project_id() -> None:
    problem = _only(_edit(GOOD, 12, "a;30;1;Trees;0"), match=r"project a is listed twice")
    assert problem.code == pr.DUPLICATE_PROJECT and problem.line == 12


def test_vote_longer_than_max_length() -> None:
    text = _edit(GOOD, 3, "max_length;1")
    problem = _only(text, match=r"more than max_length 1")
    assert problem.code == pr.VOTE_LENGTH
    assert problem.line == 15


def test_project_count_mismatch() -> None:
    problem = _only(_edit(GOOD, 4, "num_projects;4"), match=r"num_projects is 4 but PROJECTS lists 3")
    assert problem.code == pr.COUNT_MISMATCH and problem.line == 4


def test_votes_column_mismatch() -> None:
    problem = _only(_edit(GOOD, 12, "c;30;7;Trees;0"), match=r"project c has votes 7")
    assert problem.code == pr.VOTES_COLUMN_MISMATCH and problem.line == 12


def test_selected_projects_overrun_budget() -> None:
    problem = _only(_edit(GOOD, 12, "c;30;1;Trees;1"), match=r"over the budget 100")
    assert problem.code == pr.BUDGET_OVERRUN
    assert problem.line == 6  # the budget line


def test_unknown_vote_type() -> None:
    problem = _only(_edit(GOOD, 7, "vote_type;ranked"), match=r"vote_type 'ranked' is not one of")
    assert problem.code == pr.UNKNOWN_VOTE_TYPE and problem.line == 7


def test_missing_file_is_reported() -> None:
    problem = _only("/no/such/file.pb", match=r"cannot open /no/such/file\.pb")
    assert problem.code == pr.UNREADABLE


def test_validate_lists_every_problem_with_its_line() -> None:
    text = _edit(_edit(_edit(GOOD, 6, "budget;-5"), 11, "b;x;2;Library;1"), 16, "2;zz;51")
    found = validate(text)
    lines = {(p.line, p.code) for p in found}
    assert (6, pr.NEGATIVE_BUDGET) in lines
    assert (11, pr.NON_NUMERIC) in lines
    assert (16, pr.UNKNOWN_PROJECT) in lines
    assert [p.line for p in found] == sorted(p.line for p in found)


def test_ordinal_and_scoring_parse() -> None:
    ordinal = GOOD.replace("vote_type;approval", "vote_type;ordinal")
    e = parse(ordinal)
    assert e.ballots[0].projects == ("a", "b")
    assert parse(write(e)) == e
    scoring = _edit(CUMULATIVE, 15, "2;a,b;6,4").replace("cumulative", "scoring").replace("max_sum_points;10",
                                                                  "max_points;6")
    s = parse(scoring)
    assert s.vote_type == "scoring" and s.ballots[1].points == (6, 4)


def test_choose_one_with_two_projects() -> None:
    problem = _only(GOOD.replace("vote_type;approval", "vote_type;choose-1"), match=r"a choose\-1 vote names 2 projects")
    assert problem.code == pr.VOTE_LENGTH and problem.line == 15


def test_windows_line_endings_and_byte_order_mark(tmp_path: Path) -> None:
    target = tmp_path / "windows.pb"
    target.write_bytes(b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode("utf-8"))
    assert parse(target) == parse(GOOD)
    assert validate(target) == ()


def test_quoted_fields_keep_their_semicolons() -> None:
    text = _edit(GOOD, 11, 'b;50;2;"Library; with ""quotes""";1')
    assert parse(text).project("b").name == 'Library; with "quotes"'


def test_votes_header_without_vote_column() -> None:
    found = validate(_edit(GOOD, 14, "voter_id;ballot;age"))
    assert [p.code for p in found] == [pr.MISSING_COLUMN]
    assert found[0].line == 14
