"""Funding's business rules: pure helpers that decide without writing (no database, no request).

Services and selectors call them; their tests need no database. They cover a fund's terms,
an application's eligibility and word counts, the bound on an award, a review's weighted
score, and paper-ballot numbers and register references.

Paper-ballot numbers and register references: generation, check character, normalisation.
A ballot number is nine random symbols of Crockford's base-32
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

import datetime as dt
import re
import secrets
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from seedbed.accounts.models import Organisation
from seedbed.core.errors import ValidationProblem

if TYPE_CHECKING:
    from seedbed.funding.models import AwardException, Call, Criterion, Question

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


# --- funds -----------------------------------------------------------------------------------

ERROR_AMOUNT = "Enter an amount greater than zero"
ERROR_PERIOD = "The period must end after it starts"
ERROR_SHARE = "Enter the ring-fence share as a fraction between 0 and 1 (0.03 is 3%)"
ERROR_CURRENCY = "Enter a three-letter currency code such as GBP"
ERROR_NAME = "Enter the name of the fund"
ERROR_PROGRAMME_NAME = "Programme budget {row}: enter the programme's name"
ERROR_PROGRAMME_AMOUNT = "Programme budget {row}: enter a budget greater than zero"
ERROR_PROGRAMME_DUPLICATE = "Programme budget {row}: {name!r} is already listed"
ERROR_PROGRAMMES_TOO_MANY = "Programme budgets: a fund can list at most {maximum}; remove the rows after programme {maximum}"
PROGRAMMES_MAX = 100

Programme = tuple[str, Decimal | None, Organisation | None]


def fund_problems(
    *, name: str, total: Decimal, ring_fence_share: Decimal, period_start: dt.date, period_end: dt.date,
    currency: str, programmes: Sequence[Programme],
) -> dict[str, str]:
    """Every problem with a fund's terms, by field; programme rows are ``programme_<n>_name``
    and ``programme_<n>_amount`` with ``n`` counted from 1."""
    problems: dict[str, str] = {}
    if not name.strip():
        problems["name"] = ERROR_NAME
    if total <= 0:
        problems["total"] = ERROR_AMOUNT
    if not (Decimal(0) < ring_fence_share < Decimal(1)):
        problems["ring_fence_share"] = ERROR_SHARE
    if period_end <= period_start:
        problems["period_end"] = ERROR_PERIOD
    if len(currency) != 3 or not currency.isalpha():
        problems["currency"] = ERROR_CURRENCY
    if len(programmes) > PROGRAMMES_MAX:
        problems["programmes"] = ERROR_PROGRAMMES_TOO_MANY.format(maximum=PROGRAMMES_MAX)
        return problems
    seen: set[str] = set()
    for row, (prog_name, amount, _organisation) in enumerate(programmes, start=1):
        if not prog_name.strip():
            problems[f"programme_{row}_name"] = ERROR_PROGRAMME_NAME.format(row=row)
        elif prog_name.strip().casefold() in seen:
            problems[f"programme_{row}_name"] = ERROR_PROGRAMME_DUPLICATE.format(row=row, name=prog_name.strip())
        seen.add(prog_name.strip().casefold())
        if amount is None or amount <= 0:
            problems[f"programme_{row}_amount"] = ERROR_PROGRAMME_AMOUNT.format(row=row)
    return problems


# --- applications ------------------------------------------------------------------------------

ELIGIBLE_AMOUNT = "The amount asked for ({amount}) is outside the call's range ({low} to {high})"
ELIGIBLE_KIND = "This call is open to: {kinds}"
ELIGIBLE_INDIVIDUAL = "This call is open to organisations only"
ERROR_ANSWER_MISSING = "Answer this question"
ERROR_TOO_MANY_WORDS = "Your answer has {words} words; the limit is {limit}"
ERROR_BUDGET_SUM = "Your budget lines add up to {total} but you ask for {amount}"


def words(text: str) -> int:
    """The number of words in ``text`` (runs of non-space characters)."""
    return len(text.split())


def completeness_problems(
    *, questions: Sequence[Question], answers: Mapping[int, str], budget: Sequence[Decimal], amount: Decimal,
) -> dict[str, str]:
    """What the applicant must fix before submitting: an answer to every question (``answers``
    by question id) within its word limit, and budget lines (their amounts) adding up to the
    ``amount`` asked for, when there are any."""
    problems: dict[str, str] = {}
    for question in questions:
        text = answers.get(question.pk, "").strip()
        if not text:
            problems[f"answer_{question.pk}"] = ERROR_ANSWER_MISSING
        elif words(text) > question.max_words:
            problems[f"answer_{question.pk}"] = ERROR_TOO_MANY_WORDS.format(words=words(text), limit=question.max_words)
    if budget:
        total = sum(budget, Decimal(0))
        if total != amount:
            problems["budget"] = ERROR_BUDGET_SUM.format(total=total, amount=amount)
    return problems


def eligibility_problems(*, call: Call, organisation: Organisation | None, amount: Decimal) -> list[str]:
    """The call's eligibility rules that an application for ``amount``, made for
    ``organisation`` (None: as an individual), does not meet."""
    problems = []
    if not (call.min_amount <= amount <= call.max_amount):
        problems.append(ELIGIBLE_AMOUNT.format(amount=amount, low=call.min_amount, high=call.max_amount))
    if organisation is None:
        if not call.individuals_may_apply:
            problems.append(ELIGIBLE_INDIVIDUAL)
    elif call.eligible_kinds and organisation.kind not in call.eligible_kinds:
        labels = ", ".join(str(Organisation.Kind(k).label).lower() for k in call.eligible_kinds)
        problems.append(ELIGIBLE_KIND.format(kinds=labels))
    return problems


# --- awards --------------------------------------------------------------------------------------

ERROR_AWARD_OVER_REQUEST = ("Amount awarded: £{amount:,.2f} is more than the £{limit:,.2f} asked for; an award above it "
                            "needs another funding manager's approved exception, with the reason")
ERROR_AWARD_OVER_MAXIMUM = ("Amount awarded: £{amount:,.2f} is more than the call's maximum of £{limit:,.2f}; an award "
                            "above it needs another funding manager's approved exception, with the reason")
ERROR_AWARD_EXCEPTION_OWN = ("Amount awarded: the exception was approved by you; another funding manager must approve "
                             "it, or another must make the award")


def award_limit(*, requested: Decimal, maximum: Decimal) -> tuple[Decimal, str]:
    """The most an application may be awarded without an exception, and the message to use:
    the smaller of the amount it asked for (``requested``) and its call's ``maximum``."""
    if requested <= maximum:
        return requested, ERROR_AWARD_OVER_REQUEST
    return maximum, ERROR_AWARD_OVER_MAXIMUM


def award_exception_covering(
    *, amount: Decimal, requested: Decimal, maximum: Decimal, approved: Sequence[AwardException], actor_id: int | None,
) -> AwardException | None:
    """The exception that lets ``amount`` be awarded: None when it is within the limit; else one
    of the ``approved`` exceptions covering it approved by someone other than the person making
    the award (``actor_id``). Without one, ``ValidationProblem`` says why."""
    limit, message = award_limit(requested=requested, maximum=maximum)
    if amount <= limit:
        return None
    others = [e for e in approved if e.approved_by_id != actor_id]
    if others:
        return others[0]
    if approved:
        raise ValidationProblem({"amount": ERROR_AWARD_EXCEPTION_OWN})
    raise ValidationProblem({"amount": message.format(amount=amount, limit=limit)})


# --- reviews -------------------------------------------------------------------------------------


def weighted_score(*, criteria: Sequence[Criterion], values: Mapping[int, int]) -> Decimal:
    """Weighted score out of 100: sum(w·v) / sum(w·max) × 100, over the call's ``criteria``
    (``values`` by criterion id; a missing value counts 0). Rounded half up to 0.01."""
    top = sum(c.weight * c.max_score for c in criteria)
    got = sum(c.weight * values.get(c.pk, 0) for c in criteria)
    if top == 0:
        return Decimal(0)
    return (Decimal(got) * 100 / Decimal(top)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
