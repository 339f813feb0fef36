"""Handling by staff: status changes that close the loop, merging duplicates, moderation."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from seedbed.accounts.models import User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.core.links import is_local_path
from seedbed.participation.models import (
    REASON_MAX,
    Comment,
    Contribution,
    Follow,
    Report,
    Status,
    StatusChange,
    Support,
)
from seedbed.participation.services.notifications import notify_change

ERROR_STATUS = "Choose a status from the list"
ERROR_STATUS_MERGED = "Use 'merge into another' to mark a duplicate"
ERROR_STATUS_SAME = "It already has this status"
ERROR_ALREADY_MERGED = "This was merged into {reference}; change that one instead"
ERROR_REASON_NEEDED = "Give the reason it is not being taken forward"
ERROR_REASON_LONG = "The reason must be {max} characters or fewer"
ERROR_OUTCOME_NEEDED = "Say what it was taken forward as (for example, the name of the challenge)"
ERROR_OUTCOME_URL = "The link must be a page on this site, starting with /"
ERROR_OUTCOME_ID = "Give both the kind of record and its number, or neither"
ERROR_MERGE_SELF = "A need or idea cannot be merged into itself"
ERROR_MERGE_KIND = "Merge needs into needs and ideas into ideas"
ERROR_MERGE_TARGET = "Choose a need or idea that is not hidden or merged itself"
ERROR_HIDE_REASON = "Give the reason for hiding it"


def _reason_check(reason: str, field: str = "reason") -> str:
    reason = reason.strip()
    if len(reason) > REASON_MAX:
        raise ValidationProblem({field: ERROR_REASON_LONG.format(max=REASON_MAX)})
    return reason


def contribution_status_set(
    *,
    contribution: Contribution,
    status: str,
    actor: User,
    reason: str = "",
    outcome_label: str = "",
    outcome_url: str = "",
    outcome_type: ContentType | None = None,
    outcome_id: int | None = None,
) -> Contribution:
    """Move a need or idea to a new public status and tell the people who care.

    "Taken forward" needs an outcome label (what it became: a challenge, award or trial,
    optionally linked by content type and id and a local URL); "not taken forward" needs a
    reason. The change is added to the public history, audited, and notifies the submitter
    at once and followers in their next daily digest.
    """
    reason = _reason_check(reason)
    outcome_label, outcome_url = outcome_label.strip()[:200], outcome_url.strip()[:300]
    if contribution.status == Status.MERGED and contribution.merged_into is not None:
        raise ValidationProblem(
            {"status": ERROR_ALREADY_MERGED.format(reference=contribution.merged_into.reference)}
        )
    if status == Status.MERGED:
        raise ValidationProblem({"status": ERROR_STATUS_MERGED})
    if status not in Status.values:
        raise ValidationProblem({"status": ERROR_STATUS})
    if status == contribution.status:
        raise ValidationProblem({"status": ERROR_STATUS_SAME})
    problems: dict[str, str] = {}
    if status == Status.NOT_TAKEN_FORWARD and not reason:
        problems["reason"] = ERROR_REASON_NEEDED
    if status == Status.TAKEN_FORWARD:
        if not outcome_label:
            problems["outcome_label"] = ERROR_OUTCOME_NEEDED
        if outcome_url and not is_local_path(outcome_url):
            problems["outcome_url"] = ERROR_OUTCOME_URL
        if (outcome_type is None) != (outcome_id is None):
            problems["outcome_id"] = ERROR_OUTCOME_ID
    if problems:
        raise ValidationProblem(problems)
    previous = contribution.status
    now = timezone.now()
    with transaction.atomic():
        contribution.status = status
        contribution.status_reason = reason
        if status == Status.TAKEN_FORWARD:
            contribution.outcome_label = outcome_label
            contribution.outcome_url = outcome_url
            contribution.outcome_type = outcome_type
            contribution.outcome_id = outcome_id
        contribution.updated_at = now
        contribution.save()
        StatusChange.objects.create(
            contribution=contribution, from_status=previous, to_status=status, reason=reason,
            outcome_label=outcome_label if status == Status.TAKEN_FORWARD else "",
            actor=actor, created_at=now,
        )
        audit_append(
            action="participation.status_set", actor=actor, obj=contribution,
            data={
                "from": previous, "to": status,
                "outcome": (
                    {"type": outcome_type.natural_key() if outcome_type else None,
                     "id": outcome_id, "label": outcome_label}
                    if status == Status.TAKEN_FORWARD else None
                ),
            },
        )
        label = Status(status).label.lower()
        detail = {
            Status.TAKEN_FORWARD: f" It became: {outcome_label}.",
            Status.NOT_TAKEN_FORWARD: f" The reason: {reason}",
        }.get(Status(status), f" {reason}" if reason else "")
        notify_change(
            contribution=contribution, actor=actor,
            subject=f"{contribution.reference} is now {label}",
            body=f"'{contribution.title}' ({contribution.reference}) is now {label}.{detail}",
        )
    return contribution


def contribution_merge(*, duplicate: Contribution, into: Contribution, actor: User) -> Contribution:
    """Merge a duplicate into another need or idea; its supports and followers carry over.

    The duplicate keeps its page (status "merged", pointing at the one it was merged into);
    each supporter and follower of the duplicate supports or follows the target once.
    Audited with the counts carried over. Returns the target.
    """
    if duplicate.pk == into.pk:
        raise ValidationProblem({"into": ERROR_MERGE_SELF})
    if duplicate.kind != into.kind:
        raise ValidationProblem({"into": ERROR_MERGE_KIND})
    if into.hidden or into.held or into.status == Status.MERGED:
        raise ValidationProblem({"into": ERROR_MERGE_TARGET})
    if duplicate.status == Status.MERGED:
        raise ValidationProblem(
            {"into": ERROR_ALREADY_MERGED.format(reference=duplicate.merged_into.reference)}  # type: ignore[union-attr]
        )
    now = timezone.now()
    with transaction.atomic():
        carried = {}
        for model in (Support, Follow):
            have = set(model.objects.filter(contribution=into).values_list("user_id", flat=True))
            moving = [
                uid for uid in model.objects.filter(contribution=duplicate).values_list("user_id", flat=True)
                if uid not in have
            ]
            model.objects.bulk_create(
                [model(contribution=into, user_id=uid, created_at=now) for uid in moving]  # type: ignore[misc]
            )
            carried[model.__name__.lower()] = len(moving)
        previous = duplicate.status
        duplicate.status = Status.MERGED
        duplicate.merged_into = into
        duplicate.updated_at = now
        duplicate.save()
        StatusChange.objects.create(
            contribution=duplicate, from_status=previous, to_status=Status.MERGED,
            reason=f"Merged into {into.reference}: {into.title}", actor=actor, created_at=now,
        )
        audit_append(
            action="participation.merge", actor=actor, obj=duplicate,
            data={"into": into.pk, "supports_carried": carried["support"],
                  "follows_carried": carried["follow"]},
        )
        notify_change(
            contribution=duplicate, actor=actor,
            subject=f"{duplicate.reference} has been merged into {into.reference}",
            body=(f"'{duplicate.title}' was the same as '{into.title}' ({into.reference}), so "
                  f"they have been merged. Your support and following now count there."),
        )
    return into


def _resolve_reports(reports: QuerySet[Report], outcome: str, actor: User) -> int:
    return reports.filter(resolved_at__isnull=True).update(
        outcome=outcome, resolved_at=timezone.now(), resolved_by=actor
    )


def contribution_hide(*, contribution: Contribution, reason: str, actor: User) -> Contribution:
    """Hide a need or idea from the public, with a reason (shown to its submitter); audited."""
    reason = _reason_check(reason)
    if not reason:
        raise ValidationProblem({"reason": ERROR_HIDE_REASON})
    with transaction.atomic():
        contribution.hidden = True
        contribution.hidden_reason = reason
        contribution.updated_at = timezone.now()
        contribution.save(update_fields=["hidden", "hidden_reason", "updated_at"])
        resolved = _resolve_reports(
            Report.objects.filter(contribution=contribution, comment__isnull=True),
            Report.Outcome.HIDDEN, actor,
        )
        audit_append(action="participation.hide", actor=actor, obj=contribution,
                     data={"reports_resolved": resolved})
    return contribution


def comment_hide(*, comment: Comment, reason: str, actor: User) -> Comment:
    """Hide a comment, with a reason shown in its place; audited."""
    reason = _reason_check(reason)
    if not reason:
        raise ValidationProblem({"reason": ERROR_HIDE_REASON})
    with transaction.atomic():
        comment.hidden = True
        comment.hidden_reason = reason
        comment.save(update_fields=["hidden", "hidden_reason"])
        resolved = _resolve_reports(comment.reports.all(), Report.Outcome.HIDDEN, actor)
        audit_append(action="participation.comment_hide", actor=actor, obj=comment,
                     data={"contribution": comment.contribution_id, "reports_resolved": resolved})
    return comment


def report_dismiss(*, report: Report, actor: User) -> Report:
    """Keep what was reported: close the report with no action; audited."""
    with transaction.atomic():
        _resolve_reports(Report.objects.filter(pk=report.pk), Report.Outcome.DISMISSED, actor)
        report.refresh_from_db()
        audit_append(action="participation.report_dismiss", actor=actor, obj=report,
                     data={"contribution": report.contribution_id})
    return report
