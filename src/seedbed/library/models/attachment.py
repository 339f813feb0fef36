"""A file published with a library case."""

from __future__ import annotations

from django.db import models

from seedbed.library.models.case import Case


class Attachment(models.Model):
    """A file published with a case (report, data dictionary, materials)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to="library/")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title
