"""The library's models, one module per noun: cases (with their design, direction and
stopping enums) and the files attached to them."""

from seedbed.library.models.attachment import Attachment
from seedbed.library.models.case import (
    COMPARISON_OF_DESIGN,
    MEASURES_CHANGE,
    Case,
    Design,
    Direction,
    StoppedFor,
)

__all__ = [
    "COMPARISON_OF_DESIGN",
    "MEASURES_CHANGE",
    "Attachment",
    "Case",
    "Design",
    "Direction",
    "StoppedFor",
]
