"""The council's area: where a map point on a need may be.

A bounding box (south, west, north, east in decimal degrees, WGS 84) around the council's
area. A point outside it is refused with a message that names the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class BoundingBox:
    south: Decimal
    west: Decimal
    north: Decimal
    east: Decimal

    def contains(self, latitude: Decimal, longitude: Decimal) -> bool:
        return self.south <= latitude <= self.north and self.west <= longitude <= self.east


COUNCIL_AREA = BoundingBox(
    south=Decimal("52.3600"), west=Decimal("-2.0500"), north=Decimal("52.4600"), east=Decimal("-1.8800")
)
