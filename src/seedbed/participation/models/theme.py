"""Themes across needs: each refresh (``ThemeRun``) and the groups it found (``Theme``)."""

from __future__ import annotations

from django.db import models

from seedbed.participation.models.contribution import Contribution


class ThemeRun(models.Model):
    """One refresh of the themes across needs."""

    created_at = models.DateTimeField()
    backend = models.CharField(max_length=20)
    needs_count = models.PositiveIntegerField()
    warnings = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"themes of {self.created_at:%Y-%m-%d %H:%M}"


class Theme(models.Model):
    """A group of similar needs found in one run; kept so links to it stay valid."""

    run = models.ForeignKey(ThemeRun, on_delete=models.CASCADE, related_name="themes")
    label = models.CharField(max_length=200)
    words = models.JSONField(default=list)
    size = models.PositiveIntegerField()
    representative = models.ForeignKey(
        Contribution, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    members = models.ManyToManyField(Contribution, related_name="themes")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["run", "position"]

    def __str__(self) -> str:
        return self.label
