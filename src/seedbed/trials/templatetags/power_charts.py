"""``{% power_chart calc %}``: a protocol's power curve charts with their table."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import mark_safe

from seedbed.trials.charts import power_charts

register = template.Library()


@register.inclusion_tag("trials/_power_chart.html")
def power_chart(calc: dict[str, Any] | None) -> dict[str, Any]:
    """Charts and table for ``Protocol.power_calculation`` (nothing when it has no curve)."""
    charts = power_charts(calc or {})
    if charts is None:
        return {"charts": None}
    # every text in the SVG is escaped where it is built (seedbed.trials.charts)
    charts["power_svg"] = mark_safe(charts["power_svg"])  # noqa: S308
    charts["mde_svg"] = mark_safe(charts["mde_svg"])  # noqa: S308
    return {"charts": charts}
