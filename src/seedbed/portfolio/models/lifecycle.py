"""Lifecycles: stage sets and their ordered stages (exit checklist, evidence asked,
tools-and-methods prompts)."""

from __future__ import annotations

from django.db import models

METHOD_AREAS = (
    ("teams_and_meetings", "Teams and meetings"),
    ("finance", "Finance"),
    ("people_and_skills", "People and skills"),
    ("alliances_and_networks", "Alliances and networks"),
    ("organisational_form", "Organisational form"),
)


class StageSet(models.Model):
    """A lifecycle: the ordered stages an innovation moves through."""

    class Kind(models.TextChoices):
        DEFAULT = "default", "Seedbed default"
        NESTA_SPIRAL = "nesta_spiral", "Nesta innovation spiral"
        OPSI = "opsi", "OPSI innovation lifecycle"
        CUSTOM = "custom", "Custom"

    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CUSTOM)
    description = models.TextField(blank=True)
    stuck_after_days = models.PositiveIntegerField(
        default=180, help_text="An innovation in one stage for longer than this is flagged as stuck."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    """One stage: what must be done to leave it, the evidence it asks for, and methods."""

    stage_set = models.ForeignKey(StageSet, on_delete=models.CASCADE, related_name="stages")
    order = models.PositiveSmallIntegerField()
    slug = models.SlugField(max_length=80)
    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    exit_checklist = models.JSONField(default=list, blank=True)
    evidence_asked = models.TextField(blank=True)
    min_evidence_level = models.PositiveSmallIntegerField(
        default=0, help_text="Nesta evidence level needed to enter this stage (0: none)."
    )
    methods = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["stage_set", "order"]
        constraints = [
            models.UniqueConstraint(fields=["stage_set", "order"], name="stage_unique_order"),
            models.UniqueConstraint(fields=["stage_set", "slug"], name="stage_unique_slug"),
            models.CheckConstraint(
                condition=models.Q(min_evidence_level__lte=5), name="stage_evidence_level_max_5"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def methods_rows(self) -> list[tuple[str, str]]:
        return [(label, self.methods.get(key, "")) for key, label in METHOD_AREAS]
