"""Supporting, following, commenting and reporting."""

from __future__ import annotations

from typing import TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone

from seedbed.accounts.models import User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.participation.models import (
    COMMENT_MAX,
    MAX_COMMENT_DEPTH,
    REASON_MAX,
    Comment,
    Contribution,
    Follow,
    Report,
    Status,
    Support,
)

_Row = TypeVar("_Row", Support, Follow)

ERROR_MERGED = "This has been merged into {reference}: support or follow that instead"
ERROR_COMMENT_EMPTY = "Enter a comment"
ERROR_COMMENT_LONG = "Your comment must be {max} characters or fewer (you entered {count})"
ERROR_REPLY_DEPTH = "Replies can only go {max} levels deep: reply to the comment above instead"
ERROR_REPLY_ELSEWHERE = "You can only reply to a comment on the same need or idea"
ERROR_REPORT_EMPTY = "Tell us what is wrong with it"
ERROR_REPORT_LONG = "The reason must be {max} characters or fewer"
ERROR_INACTIVE = "Your account is closed."


def _open_for_people(contribution: Contribution, user: User) -> None:
    if not getattr(user, "is_active", False):
        raise ValidationProblem({"__all__": ERROR_INACTIVE})
    if contribution.status == Status.MERGED and contribution.merged_into is not None:
        raise ValidationProblem(
            {"__all__": ERROR_MERGED.format(reference=contribution.merged_into.reference)}
        )


def _add_once(model: type[_Row], contribution: Contribution, user: User) -> _Row:
    try:
        with transaction.atomic():
            row, _ = model.objects.get_or_create(
                contribution=contribution, user=user, defaults={"created_at": timezone.now()}
            )
    except IntegrityError:  # a concurrent double-click made it first
        row = model.objects.get(contribution=contribution, user=user)
    return row


def support_add(*, contribution: Contribution, actor: User) -> Support:
    """``actor`` supports ``contribution`` (idempotent: supporting twice counts once)."""
    _open_for_people(contribution, actor)
    return _add_once(Support, contribution, actor)


def support_remove(*, contribution: Contribution, actor: User) -> Contribution:
    """``actor`` no longer supports ``contribution`` (nothing happens if they did not)."""
    Support.objects.filter(contribution=contribution, user=actor).delete()
    return contribution


def follow_add(*, contribution: Contribution, actor: User) -> Follow:
    """``actor`` follows ``contribution``: its status changes reach them in a daily digest."""
    _open_for_people(contribution, actor)
    return _add_once(Follow, contribution, actor)


def follow_remove(*, contribution: Contribution, actor: User) -> Contribution:
    """``actor`` stops following ``contribution`` (nothing happens if they did not)."""
    Follow.objects.filter(contribution=contribution, user=actor).delete()
    return contribution


def comment_add(
    *, contribution: Contribution, actor: User, body: str, parent: Comment | None = None
) -> Comment:
    """A comment by ``actor``, or a reply to ``parent`` (threads are at most
    ``MAX_COMMENT_DEPTH`` deep)."""
    author = actor
    _open_for_people(contribution, author)
    body = body.strip()
    if not body:
        raise ValidationProblem({"body": ERROR_COMMENT_EMPTY})
    if len(body) > COMMENT_MAX:
        raise ValidationProblem({"body": ERROR_COMMENT_LONG.format(max=COMMENT_MAX, count=len(body))})
    depth = 1
    if parent is not None:
        if parent.contribution_id != contribution.pk:
            raise ValidationProblem({"body": ERROR_REPLY_ELSEWHERE})
        if parent.depth >= MAX_COMMENT_DEPTH:
            raise ValidationProblem({"body": ERROR_REPLY_DEPTH.format(max=MAX_COMMENT_DEPTH)})
        depth = parent.depth + 1
    with transaction.atomic():
        comment = Comment.objects.create(
            contribution=contribution, parent=parent, depth=depth, author=author, body=body,
            created_at=timezone.now(),
        )
        audit_append(
            action="participation.comment_add", actor=author, obj=comment,
            data={"contribution": contribution.pk, "parent": parent.pk if parent else None},
        )
    return comment


def report_make(
    *, contribution: Contribution, actor: User, reason: str, comment: Comment | None = None
) -> Report:
    """``actor`` flags a contribution (or one of its comments) for the moderation queue."""
    reporter = actor
    reason = reason.strip()
    if not reason:
        raise ValidationProblem({"reason": ERROR_REPORT_EMPTY})
    if len(reason) > REASON_MAX:
        raise ValidationProblem({"reason": ERROR_REPORT_LONG.format(max=REASON_MAX)})
    if comment is not None and comment.contribution_id != contribution.pk:
        raise ValidationProblem({"reason": ERROR_REPLY_ELSEWHERE})
    with transaction.atomic():
        report = Report.objects.create(
            contribution=contribution, comment=comment, reporter=reporter, reason=reason,
            created_at=timezone.now(),
        )
        audit_append(
            action="participation.report_make", actor=reporter, obj=report,
            data={"contribution": contribution.pk, "comment": comment.pk if comment else None},
        )
    return report
