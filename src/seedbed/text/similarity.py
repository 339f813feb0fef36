"""Near-duplicate search, semantic search and idea-to-need matching.

All three rank by cosine similarity of L2-normalised embeddings (see ``backends``):

    score(q, d) = v(q) . v(d) = cos(v(q), v(d))         in [-1, 1]

computed exactly for every text by one matrix-vector product (for large indexes after an
exact float16 pre-filter, see ``seedbed.text.index``), then the ``k`` best are kept (ties
broken by corpus order).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from seedbed.text import codes
from seedbed.text.backends import BACKEND_TFIDF
from seedbed.text.index import VectorIndex, items_check
from seedbed.text.types import IdeaNeedMatch, Match, MatchResult, SimilarResult, TextItem


def _rank(*, index: VectorIndex, query: str, k: int, min_score: float | None) -> SimilarResult:
    if k < 1:
        raise ValueError(codes.ERR_K.format(k=k))
    if not query.strip():
        return SimilarResult(matches=(), backend=index.backend, warnings=(codes.EMPTY_QUERY,))
    if len(index) == 0:
        return SimilarResult(matches=(), backend=index.backend, warnings=(codes.EMPTY_CORPUS,))
    warnings: list[str] = []
    if k > len(index):
        warnings.append(codes.K_EXCEEDS_CORPUS)
    query_vector = index.embedder.encode([query])
    if index.backend == BACKEND_TFIDF and sp.csr_matrix(query_vector).nnz == 0:
        warnings.append(codes.QUERY_OUT_OF_VOCABULARY)
    rows, scores = index.nearest(query_vector, k)
    if min_score is not None:
        keep = scores >= min_score
        rows, scores = rows[keep], scores[keep]
    matches = tuple(
        Match(id=index.ids[row], score=float(score), text=index.texts[row])
        for row, score in zip(rows, scores, strict=True)
    )
    return SimilarResult(matches=matches, backend=index.backend, warnings=tuple(warnings))


def similar(
    *, index: VectorIndex, query: str, k: int = 5, min_score: float | None = None
) -> SimilarResult:
    """Near-duplicate search: the ``k`` corpus texts most similar to a new text ``query``.

    Used while someone types a need or an idea, so they can support an existing one instead
    of submitting a duplicate. ``min_score`` (cosine) drops weaker matches when given.
    """
    return _rank(index=index, query=query, k=k, min_score=min_score)


def search(
    *, index: VectorIndex, query: str, k: int = 10, min_score: float | None = None
) -> SimilarResult:
    """Semantic search: the ``k`` corpus texts closest in meaning to a short ``query``.

    With the minilm backend, texts that share no word with the query can still rank first
    ("bins not emptied" finds "rubbish collection missed"); with tfidf, ranking is lexical.
    """
    return _rank(index=index, query=query, k=k, min_score=min_score)


def match(
    *,
    ideas: Sequence[TextItem],
    needs: Sequence[TextItem],
    k: int = 3,
    min_score: float | None = None,
    backend: str | None = None,
) -> MatchResult:
    """Idea-to-need matching: for each idea, the ``k`` needs it most likely answers.

    Pairs are listed idea by idea (input order), best need first, scored by cosine
    similarity of the two texts' embeddings; ``min_score`` drops weaker pairs. Needs are
    embedded once; the TF-IDF vocabulary, when that backend is used, is fitted on ideas and
    needs together.
    """
    if k < 1:
        raise ValueError(codes.ERR_K.format(k=k))
    items_check([i.text for i in ideas], [i.id for i in ideas])
    index = VectorIndex.build(
        texts=[n.text for n in needs], ids=[n.id for n in needs], backend=backend
    )
    warnings = list(index.last_report.warnings if index.last_report else ())
    if index.backend == BACKEND_TFIDF and len(index):
        index.embedder = index.embedder.fitted([*index.texts, *(i.text for i in ideas)])
        index.vectors = index.embedder.encode(index.texts)
    if len(index) == 0:
        warnings.append(codes.EMPTY_CORPUS)
        return MatchResult(pairs=(), backend=index.backend, warnings=tuple(warnings))
    live = [idea for idea in ideas if idea.text.strip()]
    if len(live) < len(ideas) and codes.EMPTY_TEXTS_SKIPPED not in warnings:
        warnings.append(codes.EMPTY_TEXTS_SKIPPED)
    if k > len(index):
        warnings.append(codes.K_EXCEEDS_CORPUS)
    idea_vectors = index.embedder.encode([idea.text for idea in live])
    if isinstance(index.vectors, np.ndarray):
        all_scores = np.asarray(idea_vectors, dtype=np.float32) @ index.vectors.T
    else:
        all_scores = (sp.csr_matrix(idea_vectors) @ index.vectors.T).toarray()
    pairs: list[IdeaNeedMatch] = []
    for idea, scores in zip(live, np.asarray(all_scores, dtype=np.float32), strict=True):
        for row in index.top_rows(scores, k):
            if min_score is None or scores[row] >= min_score:
                pairs.append(
                    IdeaNeedMatch(idea_id=idea.id, need_id=index.ids[row], score=float(scores[row]))
                )
    return MatchResult(pairs=tuple(pairs), backend=index.backend, warnings=tuple(warnings))
