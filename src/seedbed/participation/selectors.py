"""Reading needs, ideas, themes, notifications and moderation work."""

from __future__ import annotations

import datetime as dt
import hmac
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from seedbed import text as text_engine
from seedbed.accounts.models import STAFF_ROLES, Membership, Organisation
from seedbed.core.access import COUNCIL_KINDS
from seedbed.core.errors import ValidationProblem
from seedbed.core.models import Notification
from seedbed.participation.models import (
    OUTBOX_APP,
    Comment,
    Contribution,
    EmailToken,
    Follow,
    Kind,
    Report,
    Status,
    StatusChange,
    Support,
    Theme,
    ThemeRun,
    VoiceOf,
)
from seedbed.participation.rules import (
    ERROR_LINK_EXPIRED,
    ERROR_LINK_FORGED,
    ERROR_LINK_GONE,
    ERROR_LINK_USED,
    TOKEN_MAX_AGE,
    contribution_text,
    token_digest,
    token_salt,
)
from seedbed.text.backends import BACKEND_TFIDF

PAGE_SIZE = 20
THEME_LIST_LIMIT = 100


def published() -> QuerySet[Contribution]:
    """Needs and ideas anyone may see: not hidden, not held for an email confirmation
    (merged ones included)."""
    return Contribution.objects.filter(hidden=False, held=False)


def with_counts(queryset: QuerySet[Contribution]) -> QuerySet[Contribution]:
    return queryset.annotate(
        support_count=Count("supports", distinct=True),
        comment_count=Count("comments", filter=Q(comments__hidden=False), distinct=True),
    )


SORTS = {
    "newest": ("Newest first", ("-created_at", "-id")),
    "supported": ("Most supported first", ("-support_count", "-created_at", "-id")),
    "updated": ("Recently changed first", ("-updated_at", "-id")),
    # Staff answering the longest-waiting first: filter by "Received" and sort oldest first.
    "oldest": ("Oldest first", ("created_at", "id")),
}


def contribution_page(
    *, kind: str = "", status: str = "", query: str = "", voice_of: str = "",
    sort: str = "newest", page_number: Any = 1,
) -> Page:
    """Published needs and ideas (merged duplicates left out), filtered by kind, status,
    words and whose voice, in one of the ``SORTS`` orders (newest first by default)."""
    queryset = published().exclude(status=Status.MERGED)
    if kind in Kind.values:
        queryset = queryset.filter(kind=kind)
    if status in Status.values:
        queryset = queryset.filter(status=status)
    if voice_of in VoiceOf.values:
        queryset = queryset.filter(voice_of=voice_of)
    if query:
        queryset = queryset.filter(
            Q(title__icontains=query) | Q(body__icontains=query) | Q(area_name__icontains=query)
        )
    order = SORTS.get(sort, SORTS["newest"])[1]
    queryset = with_counts(queryset).select_related("submitter").order_by(*order)
    return Paginator(queryset, PAGE_SIZE).get_page(page_number)


# --- similar needs and ideas (the text engine) ---------------------------------------------
# One in-memory vector index of published needs and ideas is kept per process and brought up
# to date before each query with ``VectorIndex.sync``, which embeds only texts it has not seen
# (by content hash), so a query costs one embedding plus a matrix-vector product. The backend
# (MiniLM or TF-IDF) is the engine's choice (``SEEDBED_TEXT_BACKEND``).

# Cosine similarity below which a match is not worth showing, per backend: sentence
# embeddings of unrelated sentences still score ~0.2, TF-IDF vectors of unrelated ones ~0.
MIN_SCORE = {"minilm": 0.45, BACKEND_TFIDF: 0.12}
MAX_QUERY_CHARS = 2000

_index_lock = threading.Lock()
_indexes: dict[str, text_engine.VectorIndex] = {}


@dataclass(frozen=True)
class SimilarHit:
    id: int
    score: float


def similar_ids(
    *, corpus: Sequence[tuple[int, str]], query: str, k: int = 5, backend: str | None = None
) -> list[SimilarHit]:
    """The ``k`` corpus entries (id, text) most similar to ``query`` above the backend's
    threshold, best first."""
    query = query.strip()[:MAX_QUERY_CHARS]
    if not query or not corpus:
        return []
    ids = [str(pk) for pk, _ in corpus]
    texts = [text for _, text in corpus]
    key = backend or "default"
    with _index_lock:
        index = _indexes.get(key)
        if index is None:
            index = text_engine.VectorIndex.build(texts=texts, ids=ids, backend=backend)
            _indexes[key] = index
        else:
            index.sync(texts=texts, ids=ids)
        result = text_engine.similar(
            index=index, query=query, k=k, min_score=MIN_SCORE.get(index.backend, 0.3)
        )
    return [SimilarHit(id=int(m.id), score=m.score) for m in result.matches]


def contribution_similar(*, text: str, kind: str = "", k: int = 5) -> list[Contribution]:
    """Published, unmerged needs/ideas most similar to ``text``, best first (text engine)."""
    queryset = published().exclude(status=Status.MERGED)
    if kind in Kind.values:
        queryset = queryset.filter(kind=kind)
    corpus = [
        (pk, contribution_text(title, body))
        for pk, title, body in queryset.order_by("pk").values_list("pk", "title", "body")
    ]
    hits = similar_ids(corpus=corpus, query=text, k=k)
    found = {c.pk: c for c in with_counts(queryset.filter(pk__in=[h.id for h in hits]))}
    result = []
    for hit in hits:
        if hit.id in found:
            found[hit.id].similarity = hit.score  # type: ignore[attr-defined]
            result.append(found[hit.id])
    return result


@dataclass
class CommentNode:
    comment: Comment
    replies: list[CommentNode] = field(default_factory=list)


def comment_tree(*, contribution: Contribution) -> list[CommentNode]:
    """Comments as a tree (each reply under its parent), oldest first."""
    nodes: dict[int, CommentNode] = {}
    roots: list[CommentNode] = []
    for comment in contribution.comments.select_related("author").order_by("created_at", "id"):
        node = CommentNode(comment)
        nodes[comment.pk] = node
        parent = nodes.get(comment.parent_id) if comment.parent_id else None
        (parent.replies if parent else roots).append(node)
    return roots


@dataclass(frozen=True)
class ContributionView:
    contribution: Contribution
    history: list[StatusChange]
    comments: list[CommentNode]
    support_count: int
    follower_count: int
    supported: bool
    following: bool
    merged_from: list[Contribution]
    answering_ideas: list[Contribution]


def contribution_view(*, contribution: Contribution, for_user: Any) -> ContributionView:
    signed_in = for_user is not None and for_user.is_authenticated
    return ContributionView(
        contribution=contribution,
        history=list(contribution.history.order_by("created_at", "id")),
        comments=comment_tree(contribution=contribution),
        support_count=contribution.supports.count(),
        follower_count=contribution.follows.count(),
        supported=signed_in and Support.objects.filter(contribution=contribution, user=for_user).exists(),
        following=signed_in and Follow.objects.filter(contribution=contribution, user=for_user).exists(),
        merged_from=list(contribution.merged_from.filter(hidden=False, held=False)),
        answering_ideas=list(contribution.answering_ideas.filter(hidden=False, held=False)),
    )


def merge_choices() -> QuerySet[Contribution]:
    """Needs and ideas something may be merged into (the merge form's choices; the page
    narrows them to its own kind with ``merge_targets``)."""
    return published().exclude(status=Status.MERGED).order_by("title")


def need_choices() -> QuerySet[Contribution]:
    """Needs an idea may answer."""
    return published().filter(kind=Kind.NEED).exclude(status=Status.MERGED).order_by("title")


def merge_targets(*, contribution: Contribution) -> QuerySet[Contribution]:
    return (
        published().filter(kind=contribution.kind).exclude(status=Status.MERGED)
        .exclude(pk=contribution.pk).order_by("title")
    )


def theme_latest() -> tuple[ThemeRun | None, list[Theme]]:
    """The latest theme run and its themes, each with its needs newest first.

    ``recent`` holds the three newest needs besides the typical one (so a need that has just
    come in is seen at once) and ``earlier`` the rest, up to ``THEME_LIST_LIMIT`` in all.
    """
    run = ThemeRun.objects.order_by("-created_at", "-id").first()
    if run is None:
        return None, []
    themes = list(run.themes.select_related("representative").order_by("position"))
    for theme in themes:
        members = list(
            theme.members.filter(hidden=False, held=False).exclude(pk=theme.representative_id)  # type: ignore[misc]
            .order_by("-created_at", "-id")[:THEME_LIST_LIMIT]
        )
        theme.recent, theme.earlier = members[:3], members[3:]  # type: ignore[attr-defined]
    return run, themes


def moderation_queue() -> QuerySet[Report]:
    return (
        Report.objects.filter(resolved_at__isnull=True)
        .select_related("contribution", "comment", "reporter").order_by("created_at", "id")
    )


def notification_list(*, user: Any) -> QuerySet[Notification]:
    return (Notification.objects.filter(app=OUTBOX_APP, user=user).prefetch_related("about")
            .order_by("-created_at", "-id"))


def _row(contribution: Contribution) -> dict[str, Any]:
    return {
        "reference": contribution.reference,
        "kind": contribution.kind,
        "title": contribution.title,
        "status": contribution.status,
        "created_at": contribution.created_at.isoformat(),
    }


def personal_data_export(*, user: Any) -> dict[str, Any]:
    """What Voices holds about one person (their account fields, and everything they did)."""
    mine = Contribution.objects.filter(submitter=user).order_by("pk")
    return {
        "person": {"username": user.username, "display_name": user.display_name, "email": user.email},
        "contributions": [
            {**_row(c), "body": c.body, "who_affected": c.who_affected, "area_name": c.area_name,
             "latitude": str(c.latitude) if c.latitude is not None else None,
             "longitude": str(c.longitude) if c.longitude is not None else None,
             "efficiency_tags": c.efficiency_tags}
            for c in mine
        ],
        "supports": [_row(s.contribution) for s in Support.objects.filter(user=user).select_related("contribution")],
        "follows": [_row(f.contribution) for f in Follow.objects.filter(user=user).select_related("contribution")],
        "comments": [
            {"on": c.contribution.reference, "body": c.body, "created_at": c.created_at.isoformat()}
            for c in Comment.objects.filter(author=user).select_related("contribution")
        ],
        "reports": [
            {"on": r.contribution.reference, "reason": r.reason, "created_at": r.created_at.isoformat()}
            for r in Report.objects.filter(reporter=user).select_related("contribution")
        ],
        "notifications": [
            {"subject": n.subject, "body": n.body, "created_at": n.created_at.isoformat(),
             "sent": n.sent_at is not None}
            for n in Notification.objects.filter(app=OUTBOX_APP, user=user)
        ],
    }


def supported_ids(*, user: Any, ids: list[int]) -> set[int]:
    if user is None or not user.is_authenticated:
        return set()
    return set(Support.objects.filter(user=user, contribution_id__in=ids).values_list("contribution_id", flat=True))


def contribution_flags(queryset: QuerySet[Contribution], user: Any) -> QuerySet[Contribution]:
    """Annotate whether ``user`` supports each one."""
    return queryset.annotate(
        supported=Exists(Support.objects.filter(contribution=OuterRef("pk"), user=user))
    )


def challenge_choices() -> QuerySet[Any]:
    """Open challenges (funding calls of the challenge kind) an idea may answer."""
    from django.apps import apps

    call_model = apps.get_model("funding", "Call")
    return call_model.objects.filter(kind="challenge", status="open").order_by("title")


def ideas_answering(call: Any) -> QuerySet[Contribution]:
    """Published ideas that answer ``call`` (a funding ``Call``), most supported first.

    Each carries ``support_count`` and ``comment_count``; merged duplicates are left out.
    For the call's page: ``{% for idea in ideas %}`` with ``idea.title``, ``idea.reference``.
    """
    return (
        with_counts(published().filter(kind=Kind.IDEA, answers_call=call).exclude(status=Status.MERGED))
        .order_by("-support_count", "-created_at", "-id")  # type: ignore[misc]
    )


def contributions_of(*, user: Any) -> QuerySet[Contribution]:
    """What a person has sent (hidden ones too: they see why), newest first, with counts and
    each one's history."""
    if user is None or not user.is_authenticated:
        return Contribution.objects.none()
    return (
        with_counts(Contribution.objects.filter(submitter=user))
        .prefetch_related("history").order_by("-created_at", "-id")
    )


def email_contributions(*, email: str) -> QuerySet[Contribution]:
    """What was sent from ``email`` by a resident without an account, newest first."""
    return with_counts(Contribution.objects.filter(submitter=None, submitter_email=email)).order_by(
        "-created_at", "-id"
    )


def email_data_export(*, email: str) -> dict[str, Any]:
    """What Voices holds about an address used without an account."""
    return {
        "email": email,
        "contributions": [
            {**_row(c), "body": c.body, "who_affected": c.who_affected, "area_name": c.area_name,
             "latitude": str(c.latitude) if c.latitude is not None else None,
             "longitude": str(c.longitude) if c.longitude is not None else None,
             "efficiency_tags": c.efficiency_tags, "published": not c.held and not c.hidden}
            for c in Contribution.objects.filter(submitter=None, submitter_email=email).order_by("pk")
        ],
        "messages": [
            {"subject": n.subject, "body": n.body, "created_at": n.created_at.isoformat(),
             "sent": n.sent_at is not None}
            for n in Notification.objects.filter(email=email).order_by("created_at", "id")
        ],
    }


def contribution_linkable_list(*, kind: str) -> QuerySet[Contribution]:
    """Needs or ideas an innovation may link to: every one not hidden, newest first."""
    return Contribution.objects.filter(hidden=False, kind=kind).order_by("-created_at", "-id")


def need_texts_for_themes() -> list[tuple[int, str, str]]:
    """(id, title, body) of every published, unmerged need, by id: what themes group."""
    return list(
        Contribution.objects.filter(kind=Kind.NEED, hidden=False, held=False)
        .exclude(status=Status.MERGED).order_by("pk").values_list("pk", "title", "body")
    )


def voice_of_for(user: Any) -> tuple[str, Organisation | None]:
    """Whose voice a person speaks with: a provider organisation, frontline staff (a staff role
    held in the council, its services or a partner body) or resident (anyone else, community
    group members included)."""
    memberships = list(Membership.objects.filter(user=user).select_related("organisation"))
    for membership in memberships:
        if membership.organisation.kind == Organisation.Kind.PROVIDER:
            return VoiceOf.PROVIDER, membership.organisation
    for membership in memberships:
        if membership.role in STAFF_ROLES and membership.organisation.kind in COUNCIL_KINDS:
            return VoiceOf.FRONTLINE, membership.organisation
    return VoiceOf.RESIDENT, None


def contribution_by_key(*, idempotency_key: uuid.UUID) -> Contribution | None:
    """The need or idea a form with this idempotency key already made, if any."""
    return Contribution.objects.filter(idempotency_key=idempotency_key).first()


def email_sent_anything(*, email: str) -> bool:
    """Whether any need or idea was sent from ``email`` (normalised)."""
    return Contribution.objects.filter(submitter_email=email).exists()


def email_token_check(*, token: str, purpose: str, now: dt.datetime | None = None) -> EmailToken:
    """The ``EmailToken`` a link names, if the link is genuine, unused and in time.

    Reads only. Raises ``ValidationProblem`` with ``ERROR_LINK_FORGED`` (bad signature, wrong
    purpose, unknown row or secret), ``ERROR_LINK_GONE``, ``ERROR_LINK_EXPIRED`` or
    ``ERROR_LINK_USED``.
    """
    try:
        payload = signing.loads(token, salt=token_salt(purpose), max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationProblem({"token": ERROR_LINK_EXPIRED}) from None
    except signing.BadSignature:
        raise ValidationProblem({"token": ERROR_LINK_FORGED}) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("t"), int) \
            or not isinstance(payload.get("s"), str):
        raise ValidationProblem({"token": ERROR_LINK_FORGED})
    row = EmailToken.objects.filter(pk=payload["t"], purpose=purpose).first()
    if row is None:
        # A signed token whose row is gone: its contribution or the address's data was deleted.
        raise ValidationProblem({"token": ERROR_LINK_GONE})
    if not hmac.compare_digest(row.secret_hash, token_digest(payload["s"])):
        raise ValidationProblem({"token": ERROR_LINK_FORGED})
    if row.used_at is not None:
        raise ValidationProblem({"token": ERROR_LINK_USED})
    if (now or timezone.now()) - row.created_at > dt.timedelta(seconds=TOKEN_MAX_AGE):
        raise ValidationProblem({"token": ERROR_LINK_EXPIRED})
    return row
