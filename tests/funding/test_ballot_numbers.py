"""Paper-ballot numbers: the Luhn mod N check against published examples, what it catches,
and normalisation (variants of one number are one number; typos are refused)."""

from __future__ import annotations

import itertools
import random
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seedbed.funding.rules import (
    ALPHABET,
    ERROR_NUMBER_CHECK,
    ERROR_NUMBER_EMPTY,
    ERROR_NUMBER_FORMAT,
    ERROR_REFERENCE_FORMAT,
    NUMBER_LENGTH,
    NumberProblem,
    luhn_mod_n_check,
    luhn_mod_n_valid,
    number_display,
    number_generate,
    number_normalise,
    reference_normalise,
)


def test_luhn_mod_n_matches_published_examples() -> None:
    # The ordinary Luhn check digit (N = 10): 7992739871 has check digit 3 (ISO/IEC 7812-1,
    # the worked example on Wikipedia's "Luhn algorithm" page).
    assert luhn_mod_n_check("7992739871", "0123456789") == "3"
    assert luhn_mod_n_valid("79927398713", "0123456789")
    assert not luhn_mod_n_valid("79927398710", "0123456789")
    # Card-style test numbers that are valid under Luhn (published test PANs).
    for pan in ("4111111111111111", "5555555555554444", "378282246310005"):
        assert luhn_mod_n_valid(pan, "0123456789"), pan
    # Wikipedia's "Luhn mod N algorithm" worked example: alphabet abcdef, input abcdef -> e.
    assert luhn_mod_n_check("abcdef", "abcdef") == "e"


def _sample(count: int = 40) -> list[str]:
    rng = random.Random(20261202)
    out = []
    for _ in range(count):
        payload = "".join(rng.choice(ALPHABET) for _ in range(NUMBER_LENGTH - 1))
        out.append(payload + luhn_mod_n_check(payload, ALPHABET))
    return out


def test_every_single_symbol_typo_is_caught() -> None:
    for code in _sample():
        for position, wrong in itertools.product(range(NUMBER_LENGTH), ALPHABET):
            if code[position] == wrong:
                continue
            typo = code[:position] + wrong + code[position + 1:]
            assert not luhn_mod_n_valid(typo, ALPHABET), (code, typo)


def test_neighbour_swaps_are_caught_except_the_known_blind_pair() -> None:
    """Luhn mod N misses a swap of neighbours only for the pair (0, N-1), as Luhn mod 10 misses
    09 <-> 90; every other swap of two different neighbouring symbols is caught."""
    missed = set()
    for code in _sample(200):
        for i in range(NUMBER_LENGTH - 1):
            if code[i] == code[i + 1]:
                continue
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
            if luhn_mod_n_valid(swapped, ALPHABET):
                missed.add(frozenset((code[i], code[i + 1])))
    assert missed <= {frozenset(("0", ALPHABET[-1]))}


def test_generated_numbers_are_valid_distinct_and_printable() -> None:
    numbers = {number_generate() for _ in range(2000)}
    assert len(numbers) == 2000  # 45 random bits: a collision here would be a fault
    for number in numbers:
        assert len(number) == NUMBER_LENGTH and set(number) <= set(ALPHABET)
        assert luhn_mod_n_valid(number, ALPHABET)
        shown = number_display(number)
        assert shown[5] == "-" and number_normalise(shown) == number


@pytest.mark.parametrize("variant", [
    "{shown}", "{lower}", "{plain}", "{first} {second}", "{first}\u2010{second}", "{first}\u2013{second}",
    "{first}\u2212{second}", "{first}\u2011{second}", "{first}\uff0d{second}", "  {first} - {second}  ",
    "0{plain}", "000{shown}", "{fullwidth}", "{first}\u00ad{second}", "{first}\u200b{second}",
])
def test_variants_of_one_number_are_the_same_number(variant: str) -> None:
    number = "0" + number_generate()[1:]
    number = number[:-1] + luhn_mod_n_check(number[:-1], ALPHABET)  # one with a leading zero
    shown = number_display(number)
    typed = variant.format(shown=shown, lower=shown.lower(), plain=number, first=shown[:5], second=shown[6:],
                           fullwidth="".join(chr(ord(c) + 0xFEE0) for c in number))
    assert number_normalise(typed) == number
    # The leading zero may be left off as well.
    assert number_normalise(number.lstrip("0")) == number


def test_crockford_letters_o_i_l_read_as_digits() -> None:
    payload = "10ABCDEFG"
    number = payload + luhn_mod_n_check(payload, ALPHABET)
    assert number_normalise("lOABCDEFG" + number[-1]) == number
    assert number_normalise("IoabcdefG" + number[-1]) == number


@pytest.mark.parametrize(("typed", "message"), [
    ("", ERROR_NUMBER_EMPTY), ("  \u2010 ", ERROR_NUMBER_EMPTY), ("PAPER-777", ERROR_NUMBER_CHECK), ("PAPU-777", ERROR_NUMBER_FORMAT),
    ("ABCDE-FGHJK-M", ERROR_NUMBER_FORMAT), ("=1+2", ERROR_NUMBER_FORMAT), ("ABCDE/FGHJK", ERROR_NUMBER_FORMAT),
])
def test_malformed_numbers_are_refused_with_a_clear_message(typed: str, message: str) -> None:
    with pytest.raises(NumberProblem, match=re.escape(message)) as excinfo:
        number_normalise(typed)
    assert str(excinfo.value) == message


def test_a_typo_fails_the_check() -> None:
    number = number_generate()
    wrong = ALPHABET[(ALPHABET.index(number[3]) + 1) % len(ALPHABET)]
    with pytest.raises(NumberProblem, match=re.escape(ERROR_NUMBER_CHECK)) as excinfo:
        number_normalise(number[:3] + wrong + number[4:])
    assert str(excinfo.value) == ERROR_NUMBER_CHECK


def test_register_reference_variants_are_one_person() -> None:
    assert len({reference_normalise(r) for r in ("EA-0123", "ea 123", "EA\u2010123", "ＥＡ０１２３", "EA-00123")}) == 1
    assert reference_normalise("EA-0123") != reference_normalise("EA-1230")
    assert reference_normalise("000") == "0"
    with pytest.raises(NumberProblem, match=re.escape(ERROR_REFERENCE_FORMAT)) as excinfo:
        reference_normalise("EA/123")
    assert str(excinfo.value) == ERROR_REFERENCE_FORMAT


@given(st.text(max_size=30))
def test_normalising_never_crashes_and_is_idempotent(text: str) -> None:
    for normalise in (number_normalise, reference_normalise):
        try:
            canonical = normalise(text)
        except NumberProblem:
            continue
        assert normalise(canonical) == canonical
