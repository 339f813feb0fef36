"""Geometry for the portfolio's SVG charts (each is shown with a data table beside it).

Presentation only: numbers come from ``selectors.portfolio_summary``. Colours are SVG
presentation attributes (allowed by the content security policy, unlike ``style=``) with
dark text on light fills for contrast.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

LABEL_WIDTH = 240
BAR_AREA = 320
ROW_HEIGHT = 28
BAR_FILL = "#5694ca"
HEAT_FILLS = {"low": "#cce2d8", "medium": "#fff7bf", "high": "#f4cdc6"}


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str
    y: int
    width: int
    text_y: int
    text_x: int


@dataclass(frozen=True)
class BarChart:
    title: str
    description: str
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int
    key: str = "chart"
    fill: str = BAR_FILL


def _money(value: Decimal | float) -> str:
    return f"£{value:,.0f}"


def bar_chart(
    title: str, rows: list[tuple[str, float]], money: bool = False, key: str = "chart"
) -> BarChart:
    """Horizontal bars, one per row, scaled to the largest value."""
    top = max((float(v) for _, v in rows), default=0.0) or 1.0
    bars = []
    for i, (label, value) in enumerate(rows):
        width = round(float(value) / top * BAR_AREA)
        shown = _money(value) if money else f"{value}"
        y = i * ROW_HEIGHT + 4
        bars.append(Bar(label, float(value), shown, y, width, y + 15, LABEL_WIDTH + width + 6))
    described = "; ".join(f"{b.label}: {b.shown}" for b in bars)
    return BarChart(title, described, tuple(bars), LABEL_WIDTH + BAR_AREA + 120,
                    len(rows) * ROW_HEIGHT + 8, LABEL_WIDTH - 8, key)


def spend_chart(spend: Any) -> BarChart:
    rows = [
        ("Ring-fence", spend.ring_fence),
        ("Budgets", spend.budget),
        ("Spend", spend.spend),
    ]
    return bar_chart("Spend against the experimentation ring-fence", rows, money=True, key="spend")


@dataclass(frozen=True)
class HeatCell:
    likelihood: int
    impact: int
    count: int
    x: int
    y: int
    fill: str
    band: str


@dataclass(frozen=True)
class HeatMap:
    title: str
    description: str
    cells: tuple[HeatCell, ...]
    rows: tuple[tuple[int, tuple[int, ...]], ...]  # impact (5..1), counts by likelihood 1..5
    size: int = 56


def heat_map(heat: tuple[tuple[int, ...], ...]) -> HeatMap:
    """A 5 x 5 grid: likelihood across (1-5), impact up (1-5); count of open residual risks."""
    cells = []
    size = 56
    for impact in range(1, 6):
        for likelihood in range(1, 6):
            score = impact * likelihood
            band = "low" if score <= 4 else "medium" if score <= 12 else "high"
            cells.append(HeatCell(likelihood, impact, heat[impact - 1][likelihood - 1],
                                  40 + (likelihood - 1) * size, (5 - impact) * size, HEAT_FILLS[band], band))
    total = sum(sum(row) for row in heat)
    described = (f"{total} open risks by residual likelihood and impact; "
                 + "; ".join(f"likelihood {c.likelihood}, impact {c.impact}: {c.count}"
                             for c in cells if c.count))
    rows = tuple((impact, tuple(heat[impact - 1])) for impact in range(5, 0, -1))
    return HeatMap("Risk heat map", described, tuple(cells), rows)
