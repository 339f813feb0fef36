"""What each named data connection may read."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DataConnection(models.Model):
    """The tables and views one named database connection may read.

    The connection's address stays in the ``SEEDBED_DATA_CONNECTIONS`` setting (never in the
    database or on a page); ``relations`` (``name`` or ``schema.name``) is the allow-list an
    administrator keeps through ``connection_relations_set``, audited. A connection with no
    row here, or an empty list, reads nothing.
    """

    name = models.CharField(max_length=100, unique=True)
    relations = models.JSONField(default=list, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
