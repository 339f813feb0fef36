"""Write hostile text straight into every free-text column of every Seedbed model.

Pages and exports are then read as people would read them. The columns are found from the
models, so a new model or text field is covered without a list to keep up to date.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.apps import apps
from django.db import models

# Columns left alone: identifiers, hashes, codes and other values pages read as data (a
# reference in a URL, a choice, a seed) rather than show as text.
NOT_SHOWN_AS_TEXT = re.compile(
    r"(^|_)(password|hash|digest|mac|key|token|seed|slug|reference|ref|code|kind|status|role|"
    r"username|email|url|link|path|file|filename|content_type|uuid|idempotency|prefix|sha|"
    r"lookup|format|rule|spending|outcome_kind|arm|arms|stratum|cluster|design|unit)$|_id$"
)


def seed_free_text(value_for: Callable[[int], str]) -> int:
    """Write ``value_for(i)`` into the i-th free-text column found (no choices, not unique,
    not an identifier, long enough) on every row; returns how many columns were written."""
    written = 0
    for model in apps.get_models():
        # The audit log and its checkpoints are append-only (the database refuses updates).
        if not model.__module__.startswith("seedbed.") or model._meta.db_table.startswith("core_audit"):
            continue
        if not model.objects.exists():
            continue
        in_unique = {name for together in model._meta.unique_together for name in together}
        in_unique |= {name for constraint in model._meta.total_unique_constraints for name in constraint.fields}
        values = {}
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.CharField | models.TextField) or field.choices or field.unique \
                    or field.name in in_unique:
                continue
            value = value_for(written + len(values))
            if NOT_SHOWN_AS_TEXT.search(field.name) or (field.max_length or len(value)) < len(value):
                continue
            values[field.name] = value
        if values:
            model.objects.update(**values)
            written += len(values)
    return written
