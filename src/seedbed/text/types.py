"""Frozen dataclasses going into and out of the text engine."""

from __future__ import annotations

from dataclasses import dataclass

# The embedding backends by name (``SimilarResult.backend``, ``ThemesResult.backend``, an
# index's ``backend``). Defined here, below both ``backends`` and ``tfidf``, which use them.
BACKEND_MINILM = "minilm"
BACKEND_TFIDF = "tfidf"
BACKEND_AUTO = "auto"


@dataclass(frozen=True)
class TextItem:
    """One piece of free text (a need, an idea, a comment) and its identifier."""

    id: str
    text: str


@dataclass(frozen=True)
class Match:
    """One corpus text found for a query; ``score`` is the cosine similarity in [-1, 1]."""

    id: str
    score: float
    text: str


@dataclass(frozen=True)
class SimilarResult:
    """Top-k matches for a query, best first, with warning codes (see ``codes``)."""

    matches: tuple[Match, ...]
    backend: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Theme:
    """A group of similar texts.

    ``label_words`` are the theme's most distinctive words (class-based TF-IDF), best first;
    ``representative_id`` is the member closest to the theme's centroid; ``member_ids`` are in
    input order; ``size == len(member_ids)``.
    """

    label_words: tuple[str, ...]
    representative_id: str
    member_ids: tuple[str, ...]
    size: int


@dataclass(frozen=True)
class ThemesResult:
    """Themes, largest first; texts in no theme of at least ``min_size`` are ``unassigned_ids``.

    ``n_clusters`` is the number of groups the texts were cut into before the size rule.
    """

    themes: tuple[Theme, ...]
    unassigned_ids: tuple[str, ...]
    backend: str
    n_clusters: int
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class IdeaNeedMatch:
    """An idea that may answer a need, with their cosine similarity."""

    idea_id: str
    need_id: str
    score: float


@dataclass(frozen=True)
class MatchResult:
    """For each idea, its best-matching needs (best first), flattened; warning codes."""

    pairs: tuple[IdeaNeedMatch, ...]
    backend: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class SyncReport:
    """What an index update did: texts embedded, vectors re-used, items removed/skipped."""

    embedded: int
    reused: int
    removed: int
    skipped_empty: int
    warnings: tuple[str, ...] = ()
