"""``{{ code|warning_text }}``: the plain-English sentence for an analysis warning code.

Pages never show a code such as ``missing_outcome_rows_dropped``; the sentences live in one
catalogue, :mod:`seedbed.stats.warnings`.
"""

from __future__ import annotations

from django import template

from seedbed.stats.warnings import warning_text as _warning_text

register = template.Library()


@register.filter
def warning_text(code: object) -> str:
    """The sentence for one warning code (autoescaped like any other text)."""
    return _warning_text(code)
