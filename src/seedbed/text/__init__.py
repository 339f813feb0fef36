"""Free text: similarity, near-duplicates, themes and semantic search. No Django.

Public API (keyword-only arguments; frozen dataclasses out; degenerate input gives the
warning codes in ``seedbed.text.codes``):

* ``VectorIndex.build(texts=, ids=, backend=)`` / ``index_sync(path=, texts=, ids=)`` /
  ``VectorIndex.open(path)`` — an index over one corpus, in memory or on disk;
* ``similar(index=, query=, k=)`` — near-duplicates of a new text;
* ``search(index=, query=, k=)`` — semantic search;
* ``themes(texts=, ids=, min_size=)`` — groups with labels and representatives;
* ``match(ideas=, needs=, k=)`` — which needs each idea may answer.

The backend (``minilm`` or ``tfidf``) is chosen by ``backend=`` or ``SEEDBED_TEXT_BACKEND``.
"""

from seedbed.text.backends import (
    BackendUnavailableError,
    backend_resolve,
    embedder_get,
    minilm_available,
)
from seedbed.text.index import VectorIndex, index_sync
from seedbed.text.similarity import match, search, similar
from seedbed.text.themes import themes
from seedbed.text.types import (
    IdeaNeedMatch,
    Match,
    MatchResult,
    SimilarResult,
    SyncReport,
    TextItem,
    Theme,
    ThemesResult,
)

__all__ = [
    "BackendUnavailableError",
    "IdeaNeedMatch",
    "Match",
    "MatchResult",
    "SimilarResult",
    "SyncReport",
    "TextItem",
    "Theme",
    "ThemesResult",
    "VectorIndex",
    "backend_resolve",
    "embedder_get",
    "index_sync",
    "match",
    "minilm_available",
    "search",
    "similar",
    "themes",
]
