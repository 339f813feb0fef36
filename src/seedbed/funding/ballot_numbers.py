"""Paper-ballot numbers and register references: generation, check character, normalisation.

Pure helpers (no database). A ballot number is nine random symbols of Crockford's base-32
alphabet (45 bits) followed by one check symbol computed with the Luhn mod N algorithm
(N = 32), printed as two groups of five: ``7K3QM-9XCTA``. Luhn mod N catches every
single-symbol typo and almost every swap of two neighbouring symbols.

Entry is forgiving in the ways people mistype and strict about everything else: Unicode
compatibility forms are folded (NFKC, so full-width letters and digits become ASCII), every
kind of dash, hyphen, minus sign and space is ignored, case is ignored, the letters O, I and L
read as 0, 1 and 1 (Crockford's rule), and leading zeros are ignored. So ``7k3qm-9xcta``,
``7K3QM‐9XCTA`` (Unicode hyphen), ``7K3QM 9XCTA`` and ``07K3QM9XCTA`` are the same number.
Leading zeros do not change a Luhn check (a zero contributes nothing wherever it stands), so
the check survives that folding.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O or U
PAYLOAD_LENGTH = 9
NUMBER_LENGTH = PAYLOAD_LENGTH + 1
_ALIASES = {"O": "0", "I": "1", "L": "1"}
# Dash punctuation (Unicode category Pd) plus the minus signs and soft hyphen NFKC leaves alone.
_EXTRA_DASHES = "\u2212\u2796\u00ad\u2043\ufe63\uff0d"

ERROR_NUMBER_EMPTY = "Enter the ballot number printed on the paper"
ERROR_NUMBER_FORMAT = (
    "A ballot number has 10 letters and digits, like 7K3QM-9XCTA; check the number on the paper"
)
ERROR_NUMBER_CHECK = (
    "That ballot number is not valid: its last character does not match; check for a typo"
)
ERROR_REFERENCE_EMPTY = "Enter the voter's register reference"
ERROR_REFERENCE_FORMAT = "A register reference has only letters and digits (spaces and dashes are ignored)"


class NumberProblem(ValueError):
    """Raised with one of the ``ERROR_*`` messages above."""


def luhn_mod_n_check(payload: str, alphabet: str) -> str:
    """The Luhn mod N check character for ``payload`` over ``alphabet`` (N = len(alphabet)).

    Method (Luhn mod N): from the rightmost payload symbol leftwards, double every other code
    point starting with the rightmost; a doubled value is reduced to the sum of its base-N
    digits (``v // N + v % N``); the check code point is ``(N - sum % N) % N``.
    With the alphabet ``0123456789`` this is the ordinary Luhn check digit.
    """
    n = len(alphabet)
    total = 0
    factor = 2
    for symbol in reversed(payload):
        addend = factor * alphabet.index(symbol)
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return alphabet[(n - total % n) % n]


def luhn_mod_n_valid(code: str, alphabet: str) -> bool:
    """Whether the last symbol of ``code`` is the Luhn mod N check of the rest."""
    return len(code) >= 2 and luhn_mod_n_check(code[:-1], alphabet) == code[-1]


def number_generate() -> str:
    """A fresh random ballot number in canonical form (10 symbols, no separator)."""
    payload = "".join(secrets.choice(ALPHABET) for _ in range(PAYLOAD_LENGTH))
    return payload + luhn_mod_n_check(payload, ALPHABET)


def number_display(canonical: str) -> str:
    """The printed form of a canonical number: two groups of five (``7K3QM-9XCTA``)."""
    return f"{canonical[:5]}-{canonical[5:]}"


def _folded(text: str) -> str:
    """NFKC, every dash and space removed, upper case."""
    text = unicodedata.normalize("NFKC", text)
    kept = []
    for char in text:
        if char.isspace() or unicodedata.category(char) in ("Pd", "Cf") or char in _EXTRA_DASHES:
            continue
        kept.append(char)
    return "".join(kept).upper()


def number_normalise(text: str) -> str:
    """The canonical form of a ballot number as typed, or ``NumberProblem``.

    Variants of one number (case, dashes, spaces, full-width forms, O/I/L for 0/1, leading
    zeros) all give the same canonical string; a typo is caught by the check character.
    """
    folded = _folded(text or "")
    if not folded:
        raise NumberProblem(ERROR_NUMBER_EMPTY)
    folded = "".join(_ALIASES.get(c, c) for c in folded)
    if any(c not in ALPHABET for c in folded):
        raise NumberProblem(ERROR_NUMBER_FORMAT)
    significant = folded.lstrip("0")
    if len(significant) > NUMBER_LENGTH:
        raise NumberProblem(ERROR_NUMBER_FORMAT)
    canonical = significant.rjust(NUMBER_LENGTH, "0")
    if not luhn_mod_n_valid(canonical, ALPHABET):
        raise NumberProblem(ERROR_NUMBER_CHECK)
    return canonical


_DIGIT_RUN = re.compile(r"\d+")


def reference_normalise(text: str) -> str:
    """The canonical form of a council register reference, or ``NumberProblem``.

    Case, dashes, spaces and full-width forms are ignored, and so are leading zeros in each run
    of digits (``EA-0123`` and ``ea 123`` are one person): merging variants can only refuse a
    second ballot, never admit one.
    """
    folded = _folded(text or "")
    if not folded:
        raise NumberProblem(ERROR_REFERENCE_EMPTY)
    if not folded.isascii() or not folded.isalnum() or len(folded) > 40:
        raise NumberProblem(ERROR_REFERENCE_FORMAT)
    return _DIGIT_RUN.sub(lambda m: m.group().lstrip("0") or "0", folded)
