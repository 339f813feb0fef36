"""Checks on the arguments of planning functions (power, design effects, boundaries).

A planning answer computed from a NaN, an infinity, a negative standard deviation or a
fractional number of looks looks like a real answer and misleads. These helpers refuse such
values with a ``ValueError`` whose message names the argument; the messages are the module
constants below, formatted with the argument's name and value.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

ERR_NOT_NUMBER = "{name} must be a number, got {value!r}"
ERR_NOT_FINITE = "{name} must be a finite number, got {value}"
ERR_NOT_POSITIVE = "{name} must be greater than 0, got {value}"
ERR_NEGATIVE = "{name} must not be negative, got {value}"
ERR_NOT_WHOLE = "{name} must be a whole number, got {value}"
ERR_TOO_SMALL = "{name} must be at least {minimum}, got {value}"
ERR_OPEN_UNIT = "{name} must lie strictly between 0 and 1, got {value}"


def finite(name: str, value: object) -> float:
    """``value`` as a float; refuses non-numbers, NaN and infinities."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(ERR_NOT_NUMBER.format(name=name, value=value))
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(ERR_NOT_FINITE.format(name=name, value=value))
    return x


def positive(name: str, value: object) -> float:
    """A finite number greater than zero."""
    x = finite(name, value)
    if x <= 0:
        raise ValueError(ERR_NOT_POSITIVE.format(name=name, value=value))
    return x


def non_negative(name: str, value: object) -> float:
    """A finite number of at least zero."""
    x = finite(name, value)
    if x < 0:
        raise ValueError(ERR_NEGATIVE.format(name=name, value=value))
    return x


def whole(name: str, value: object, *, minimum: int = 0) -> int:
    """A whole number (an int, or a float with no fractional part) of at least ``minimum``."""
    if isinstance(value, Integral) and not isinstance(value, bool):
        n = int(value)
    else:
        x = finite(name, value)
        if x != math.floor(x):
            raise ValueError(ERR_NOT_WHOLE.format(name=name, value=value))
        n = int(x)
    if n < minimum:
        raise ValueError(ERR_TOO_SMALL.format(name=name, minimum=minimum, value=value))
    return n


def open_unit(name: str, value: object) -> float:
    """A finite number strictly between 0 and 1 (a probability, a level, a power)."""
    x = finite(name, value)
    if not 0.0 < x < 1.0:
        raise ValueError(ERR_OPEN_UNIT.format(name=name, value=value))
    return x
