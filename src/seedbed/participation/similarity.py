"""The adapter between Voices and the text engine (``seedbed.text``).

One in-memory vector index of published needs and ideas is kept per process and brought up
to date before each query with ``VectorIndex.sync``, which embeds only texts it has not seen
(by content hash), so a query costs one embedding plus a matrix-vector product. The backend
(MiniLM or TF-IDF) is the engine's choice (``SEEDBED_TEXT_BACKEND``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from seedbed import text as text_engine
from seedbed.text.backends import BACKEND_TFIDF

# Cosine similarity below which a match is not worth showing, per backend: sentence
# embeddings of unrelated sentences still score ~0.2, TF-IDF vectors of unrelated ones ~0.
MIN_SCORE = {"minilm": 0.45, BACKEND_TFIDF: 0.12}
MAX_QUERY_CHARS = 2000

_lock = threading.Lock()
_indexes: dict[str, text_engine.VectorIndex] = {}


@dataclass(frozen=True)
class SimilarHit:
    id: int
    score: float


def contribution_text(title: str, body: str) -> str:
    """The text that represents a contribution in the engine: its title and what it says."""
    return f"{title}. {body}".strip()


def similar_ids(
    *, corpus: Sequence[tuple[int, str]], query: str, k: int = 5, backend: str | None = None
) -> list[SimilarHit]:
    """The ``k`` corpus entries most similar to ``query`` above the backend's threshold."""
    query = query.strip()[:MAX_QUERY_CHARS]
    if not query or not corpus:
        return []
    ids = [str(pk) for pk, _ in corpus]
    texts = [text for _, text in corpus]
    key = backend or "default"
    with _lock:
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


@dataclass(frozen=True)
class ThemeGroup:
    words: tuple[str, ...]
    representative_id: int
    member_ids: tuple[int, ...]


@dataclass(frozen=True)
class ThemeGroups:
    groups: tuple[ThemeGroup, ...]
    backend: str
    warnings: tuple[str, ...]


def theme_groups(
    *, corpus: Sequence[tuple[int, str]], min_size: int = 2, backend: str | None = None
) -> ThemeGroups:
    """Group the corpus into themes with the engine's ``themes``."""
    result = text_engine.themes(
        texts=[text for _, text in corpus], ids=[str(pk) for pk, _ in corpus],
        min_size=min_size, backend=backend,
    )
    return ThemeGroups(
        groups=tuple(
            ThemeGroup(
                words=theme.label_words,
                representative_id=int(theme.representative_id),
                member_ids=tuple(int(i) for i in theme.member_ids),
            )
            for theme in result.themes
        ),
        backend=result.backend,
        warnings=result.warnings,
    )
