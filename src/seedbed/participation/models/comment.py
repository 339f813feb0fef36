"""Comments and replies on a need or idea, threaded at most ``MAX_COMMENT_DEPTH`` deep."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from seedbed.participation.models.contribution import (
    COMMENT_MAX,
    MAX_COMMENT_DEPTH,
    REASON_MAX,
    Contribution,
)


class Comment(models.Model):
    """A comment or a reply; ``depth`` is 1 for a top-level comment, at most 3."""

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    depth = models.PositiveSmallIntegerField(default=1)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=COMMENT_MAX)
    hidden = models.BooleanField(default=False)
    hidden_reason = models.TextField(max_length=REASON_MAX, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(depth__gte=1, depth__lte=MAX_COMMENT_DEPTH), name="comment_depth_limit"
            )
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.contribution_id}"
