"""Voices' rules: pure helpers that decide without reading or writing the database.

Where a map point may be (the council's area), whether an idea may answer a challenge, the
text that stands for a need or idea in the text engine, what counts as a valid email address,
and how the links emailed to residents without an account are signed and checked.
Services and selectors call these; their tests need no database.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from seedbed.core.errors import ValidationProblem

# --- the council's area ---------------------------------------------------------------------


@dataclass(frozen=True)
class BoundingBox:
    """A box around the council's area: south, west, north, east in decimal degrees (WGS 84).
    A map point on a need outside it is refused with a message that names the field."""

    south: Decimal
    west: Decimal
    north: Decimal
    east: Decimal

    def contains(self, latitude: Decimal, longitude: Decimal) -> bool:
        return self.south <= latitude <= self.north and self.west <= longitude <= self.east


COUNCIL_AREA = BoundingBox(
    south=Decimal("52.3600"), west=Decimal("-2.0500"), north=Decimal("52.4600"), east=Decimal("-1.8800")
)


# --- challenges and the text engine ---------------------------------------------------------


def challenge_is_open(call: Any) -> bool:
    """Whether an idea may answer ``call`` (a funding Call): an open challenge."""
    return bool(call.kind == "challenge" and call.status == "open")


def contribution_text(title: str, body: str) -> str:
    """The text that represents a contribution in the engine: its title and what it says."""
    return f"{title}. {body}".strip()


# --- email addresses and emailed links ------------------------------------------------------

EMAIL_MAX = 254
ERROR_EMAIL_EMPTY = "Enter your email address, or sign in"
ERROR_EMAIL_INVALID = "Enter an email address in the correct format, like name@example.com"

# A link works once and for this many seconds.
TOKEN_MAX_AGE = 24 * 60 * 60
ERROR_LINK_FORGED = (
    "This link is not valid. Check that you copied the whole link from the email, or send "
    "what you wanted to say again."
)
ERROR_LINK_EXPIRED = (
    "This link has expired: links work for 24 hours. Nothing has been published. Send your "
    "need or idea again, or ask for a new link to see what you sent."
)
ERROR_LINK_USED = "This link has already been used. Each link works once."
ERROR_LINK_GONE = "What this link was for has been deleted."


def email_normalise(email: str) -> str:
    """The address as stored: trimmed, lower case (so one person is one address)."""
    return email.strip().lower()


def email_check(email: str, field: str = "email") -> str:
    """A normalised valid address, or ``ValidationProblem`` naming ``field``."""
    email = email_normalise(email)
    if not email:
        raise ValidationProblem({field: ERROR_EMAIL_EMPTY})
    try:
        if len(email) > EMAIL_MAX:
            raise ValidationError(ERROR_EMAIL_INVALID)
        validate_email(email)
    except ValidationError:
        raise ValidationProblem({field: ERROR_EMAIL_INVALID}) from None
    return email


def token_digest(secret: str) -> str:
    """What is stored of a link's secret: its SHA-256, in hex."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def token_salt(purpose: str) -> str:
    """The signing salt of a link for ``purpose``, so a link for one purpose fails for another."""
    return f"seedbed.voices.email.{purpose}"
