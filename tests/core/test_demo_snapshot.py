"""The test suite's copy of the demo is the demo: the same audit chain and the same JSON values.

Run twice, so that the second run always starts from a copied-back demo (the first may build it).
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models

from seedbed.core.audit import audit_verify


@pytest.mark.parametrize("run", ["first", "second"])
def test_the_copied_demo_verifies_and_keeps_its_json(demo_world, run: str) -> None:  # type: ignore[no-untyped-def]
    assert audit_verify().ok
    checked = 0
    for model in apps.get_models():
        fields = [f.name for f in model._meta.get_fields() if isinstance(f, models.JSONField)]
        for field in fields:
            for value in model._default_manager.values_list(field, flat=True):
                # a value copied back as text would come out as a string holding JSON
                assert not (isinstance(value, str) and value[:1] in "[{"), (model.__name__, field, value)
                checked += 1
    assert checked > 50
