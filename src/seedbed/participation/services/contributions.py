"""Submitting needs and ideas: validated, idempotent, audited."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from seedbed.accounts.models import User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.participation.models import (
    SHORT_TEXT_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Contribution,
    EfficiencyTag,
    Follow,
    Frequency,
    Kind,
    Status,
    StatusChange,
    VoiceOf,
)
from seedbed.participation.rules import COUNCIL_AREA, challenge_is_open, email_check
from seedbed.participation.selectors import contribution_by_key, voice_of_for
from seedbed.participation.services.email import email_confirmation_send
from seedbed.participation.services.themes import themes_refresh_soon

ERROR_TITLE_EMPTY = "Enter a short title"
ERROR_TITLE_LONG = "The title must be {max} characters or fewer"
ERROR_BODY_EMPTY = {Kind.NEED: "Describe the need", Kind.IDEA: "Describe your idea"}
ERROR_TEXT_LONG = "This must be {max} characters or fewer (you entered {count})"
ERROR_POINT_HALF = "Enter both the latitude and the longitude of the map point, or neither"
ERROR_POINT_OUTSIDE = (
    "The map point must be inside the council's area (latitude {south} to {north}, "
    "longitude {west} to {east})"
)
ERROR_FREQUENCY = "Choose how often this happens from the list"
ERROR_TAG = "{tag!r} is not a radical-efficiency tag"
ERROR_ANSWERS = "An idea can only answer a need that is open to ideas"
ERROR_CHALLENGE = "An idea can only answer a challenge that is open: choose one from the list"
ERROR_KIND = "Choose whether this is a need or an idea"
ERROR_KEY_TAKEN = "This form was already used by someone else. Reload the page and try again."
ERROR_INACTIVE = "Your account is closed, so you cannot send anything."


def _check_text(problems: dict[str, str], field: str, value: str, limit: int) -> None:
    if len(value) > limit:
        problems[field] = ERROR_TEXT_LONG.format(max=limit, count=len(value))


def _validate(
    *, kind: str, title: str, body: str, who_affected: str, how_often: str,
    latitude: Decimal | None, longitude: Decimal | None, answers_need: Contribution | None,
    efficiency_tags: list[str], answers_call: Any = None,
) -> None:
    problems: dict[str, str] = {}
    if kind not in Kind.values:
        problems["kind"] = ERROR_KIND
    if not title:
        problems["title"] = ERROR_TITLE_EMPTY
    elif len(title) > TITLE_MAX:
        problems["title"] = ERROR_TITLE_LONG.format(max=TITLE_MAX)
    if not body:
        problems["body"] = ERROR_BODY_EMPTY.get(kind, ERROR_BODY_EMPTY[Kind.NEED])  # type: ignore[call-overload]
    _check_text(problems, "body", body, TEXT_MAX)
    _check_text(problems, "who_affected", who_affected, SHORT_TEXT_MAX)
    if how_often not in Frequency.values:
        problems["how_often"] = ERROR_FREQUENCY
    if (latitude is None) != (longitude is None):
        problems["latitude" if latitude is None else "longitude"] = ERROR_POINT_HALF
    elif latitude is not None and longitude is not None and not COUNCIL_AREA.contains(latitude, longitude):
        box = COUNCIL_AREA
        problems["latitude"] = ERROR_POINT_OUTSIDE.format(
            south=box.south, north=box.north, west=box.west, east=box.east
        )
    for tag in efficiency_tags:
        if tag not in EfficiencyTag.values:
            problems["efficiency_tags"] = ERROR_TAG.format(tag=tag)
    if answers_need is not None and (
        answers_need.kind != Kind.NEED or answers_need.hidden or answers_need.held
        or answers_need.status == Status.MERGED
    ):
        problems["answers_need"] = ERROR_ANSWERS
    if answers_call is not None and not challenge_is_open(answers_call):
        problems["answers_call"] = ERROR_CHALLENGE
    if problems:
        raise ValidationProblem(problems)


def _existing(key: uuid.UUID, submitter: User | None, email: str) -> Contribution | None:
    found = contribution_by_key(idempotency_key=key)
    if found is None:
        return None
    same = (
        found.submitter_id == submitter.pk if submitter is not None
        else found.submitter_id is None and found.submitter_email == email
    )
    if not same:
        raise ValidationProblem({"__all__": ERROR_KEY_TAKEN})
    return found


def contribution_submit(
    *,
    actor: User | None,
    kind: str,
    title: str,
    body: str,
    idempotency_key: uuid.UUID,
    who_affected: str = "",
    how_often: str = "",
    area_name: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    answers_need: Contribution | None = None,
    efficiency_tags: Iterable[str] = (),
    answers_call: Any = None,
    email: str = "",
    site_url: str = "",
    refresh_themes: bool = True,
) -> Contribution:
    """Record a need or an idea from ``actor``, who then follows it.

    Idempotent on ``idempotency_key`` (the hidden token in the form): sending the same form
    twice — a double-click, a retry after a timeout — returns the record the first request
    made. Texts are stored as typed (templates escape them). Raises ``ValidationProblem``
    naming each bad field; nothing is saved then. A new need queues a (debounced)
    background refresh of the themes unless ``refresh_themes`` is false (bulk loading).

    ``answers_call`` is the open challenge (a funding ``Call``) an idea answers.

    A resident without an account passes ``actor=None`` and their ``email``: the need or
    idea is held (not public) and a confirmation email with links built on ``site_url`` (the
    site's address, such as ``https://voices.example.gov.uk/``) is queued; it is published
    when they follow the link (``email_confirm``).
    """
    submitter = actor
    if submitter is None:
        email = email_check(email)
    elif not getattr(submitter, "is_active", False):
        raise ValidationProblem({"__all__": ERROR_INACTIVE})
    else:
        email = ""
    title, body = title.strip(), body.strip()
    who_affected, area_name = who_affected.strip(), area_name.strip()[:150]
    tags = list(dict.fromkeys(efficiency_tags)) if kind == Kind.IDEA else []
    _validate(
        kind=kind, title=title, body=body, who_affected=who_affected, how_often=how_often,
        latitude=latitude, longitude=longitude, answers_need=answers_need, efficiency_tags=tags,
        answers_call=answers_call if kind == Kind.IDEA else None,
    )
    found = _existing(idempotency_key, submitter, email)
    if found is not None:
        return found
    voice_of, organisation = voice_of_for(submitter) if submitter is not None else (VoiceOf.RESIDENT, None)
    held = submitter is None
    now = timezone.now()
    try:
        with transaction.atomic():
            contribution = Contribution.objects.create(
                kind=kind, title=title, body=body, who_affected=who_affected,
                how_often=how_often, area_name=area_name, latitude=latitude,
                longitude=longitude, answers_need=answers_need if kind == Kind.IDEA else None,
                answers_call=answers_call if kind == Kind.IDEA else None,
                efficiency_tags=tags, submitter=submitter, voice_of=voice_of,
                organisation=organisation, submitter_email=email, held=held,
                idempotency_key=idempotency_key, created_at=now, updated_at=now,
            )
            StatusChange.objects.create(
                contribution=contribution, from_status="", to_status=Status.RECEIVED,
                actor=submitter, created_at=now,
            )
            if submitter is not None:
                Follow.objects.create(contribution=contribution, user=submitter, created_at=now)
            audit_append(
                action=f"participation.{kind}_submit", actor=submitter, obj=contribution,
                data={"voice_of": voice_of, "answers_need": answers_need.pk if answers_need else None,
                      "answers_call": contribution.answers_call_id, "held": held},
            )
            if held:
                email_confirmation_send(contribution=contribution, site_url=site_url, actor=None)
    except IntegrityError:
        # Another request with the same token won the race; theirs is the record.
        found = _existing(idempotency_key, submitter, email)
        if found is None:
            raise
        return found
    if kind == Kind.NEED and refresh_themes and not held:
        transaction.on_commit(partial(themes_refresh_soon, actor=None))
    return contribution
