"""Themes: groups of similar texts, each with a label and a representative member.

Method:

1. Represent every non-empty text by a unit vector. Lexical part: its TF-IDF vector
   (``tfidf``) reduced to at most ``LSA_DIMENSIONS`` by truncated SVD (latent semantic
   analysis; Deerwester et al. 1990; randomized, see ``seedbed.text.lsa``) and normalised
   again, l(d). With the minilm backend the
   sentence embedding s(d) is joined to it with weight w = ``lexical_weight``:

       p(d) = [ sqrt(1 - w) s(d),  sqrt(w) l(d) ],   so   p(a).p(b) = (1-w) cos_s + w cos_l

   (the shared words of a topic — "strategic voting", "citizens' assembly" — hold its
   statements together where the sentence model alone spreads them by phrasing). s(d) comes
   from the bulk theme encoder (int8 by default; ``backends.themes_precision``). With the
   tfidf backend p(d) = l(d). Rows are unit length, so ||p(a) - p(b)||^2 = 2 (1 - p(a).p(b)).
2. Ward's minimum-variance agglomerative clustering (Ward 1963, computed by
   ``scipy.cluster.hierarchy.linkage``): at each step merge the two groups whose union
   increases the within-group sum of squares least, i.e. with the smallest
   d(A, B) = sqrt(2 |A| |B| / (|A| + |B|)) ||c_A - c_B||. The tree is cut into
   k = ceil(sqrt(n)) groups (the square-root rule of thumb; override with ``n_clusters``).
3. Groups with fewer than ``min_size`` members are not themes; their texts are returned as
   ``unassigned_ids``.
4. Each theme's label is its most distinctive words by class-based TF-IDF (``labels``); its
   representative is the member with the highest cosine similarity to the theme centroid
   (the mean of its members' p(d)).

Above ``EXACT_LIMIT`` texts the n x n distances would not fit comfortably in memory, so
step 2 is replaced by k-means with the same k (MiniBatchKMeans, seeded); the result then
carries ``THEMES_APPROXIMATE``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.cluster.hierarchy import fcluster, linkage

from seedbed.text import codes
from seedbed.text.backends import (
    BACKEND_TFIDF,
    Embedder,
    MiniLMEmbedder,
    Vectors,
    embedder_get,
    themes_precision,
)
from seedbed.text.index import items_check
from seedbed.text.labels import class_tfidf_labels
from seedbed.text.lsa import euclidean_condensed, lsa_points
from seedbed.text.tfidf import TfidfEmbedder
from seedbed.text.types import Theme, ThemesResult

DEFAULT_MIN_SIZE = 3
EXACT_LIMIT = 12_000
LSA_DIMENSIONS = 128
LEXICAL_WEIGHT = 0.5
"""Default w: the sentence model and the words count equally (minilm backend)."""
UNASSIGNED = -1


def cluster_count(n: int) -> int:
    """Default number of groups for n texts: ceil(sqrt(n)), at least 1."""
    return max(1, math.ceil(math.sqrt(n)))


def _lexical_points(vectors: Vectors, seed: int) -> np.ndarray:
    """TF-IDF rows reduced by truncated SVD (LSA) and L2-normalised again, dense."""
    if isinstance(vectors, np.ndarray):
        return vectors.astype(np.float64)
    from sklearn.preprocessing import normalize

    sparse = sp.csr_matrix(vectors)
    dimensions = min(LSA_DIMENSIONS, sparse.shape[0] - 1, sparse.shape[1] - 1)
    if dimensions < 2:
        return np.asarray(sparse.toarray(), dtype=np.float64)
    return np.asarray(normalize(lsa_points(sparse, dimensions, seed)), dtype=np.float64)


def _cluster_labels(points: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Flat labels 0..k-1: Ward's linkage cut into k groups, or k-means above EXACT_LIMIT."""
    n = points.shape[0]
    if k >= n:
        return np.arange(n, dtype=np.intp)
    if k == 1:
        return np.zeros(n, dtype=np.intp)
    if n > EXACT_LIMIT:
        from sklearn.cluster import MiniBatchKMeans

        kmeans = MiniBatchKMeans(n_clusters=k, random_state=seed, batch_size=4096, n_init=3)
        return np.asarray(kmeans.fit_predict(points), dtype=np.intp)
    tree = linkage(euclidean_condensed(points), method="ward")
    return np.asarray(fcluster(tree, t=k, criterion="maxclust"), dtype=np.intp) - 1


def themes(
    *,
    texts: Sequence[str],
    ids: Sequence[str],
    min_size: int = DEFAULT_MIN_SIZE,
    backend: str | None = None,
    n_clusters: int | None = None,
    lexical_weight: float = LEXICAL_WEIGHT,
    embeddings: np.ndarray | None = None,
    seed: int = 0,
) -> ThemesResult:
    """Group texts into themes (see the module docstring for the method).

    ``min_size``: the fewest texts a theme may have. ``n_clusters``: how many groups to cut
    the tree into (default ``cluster_count(n)``); more gives smaller, tighter themes.
    ``lexical_weight``: w in [0, 1] above (minilm backend only). ``embeddings``: the
    minilm vectors of ``texts`` (one L2-normalised row per text, in order), when already
    computed (e.g. taken from a ``VectorIndex``), so they are not computed again.
    ``seed`` fixes the SVD (tfidf) and k-means (above ``EXACT_LIMIT``) steps.
    Themes are ordered largest first (ties: the one whose first member comes first).
    """
    if min_size < 1:
        raise ValueError(codes.ERR_MIN_SIZE.format(min_size=min_size))
    items = items_check(texts, ids)
    embedder: Embedder = embedder_get(backend)
    if embedder.name != BACKEND_TFIDF:
        embedder = MiniLMEmbedder(precision=themes_precision())
    kept = [item for item in items if item.text.strip()]
    k = max(1, min(n_clusters or cluster_count(len(kept)), len(kept)))
    empty_ids = tuple(item.id for item in items if not item.text.strip())
    warnings: list[str] = [codes.EMPTY_TEXTS_SKIPPED] if empty_ids else []

    def result(found: tuple[Theme, ...], unassigned: tuple[str, ...]) -> ThemesResult:
        if not found and kept:
            warnings.append(codes.NO_THEMES)
        return ThemesResult(
            themes=found,
            unassigned_ids=unassigned + empty_ids,
            backend=embedder.name,
            n_clusters=k,
            warnings=tuple(warnings),
        )

    if not kept:
        warnings.append(codes.EMPTY_CORPUS)
        return result((), ())
    if len(kept) == 1:
        warnings.append(codes.SINGLE_TEXT)
    elif len({item.text.strip() for item in kept}) == 1:
        warnings.append(codes.IDENTICAL_TEXTS)

    kept_texts = [item.text for item in kept]
    lexical = _lexical_points(TfidfEmbedder().fitted(kept_texts).encode(kept_texts), seed)
    if embedder.name == BACKEND_TFIDF:
        points = lexical
    else:
        w = min(max(float(lexical_weight), 0.0), 1.0)
        if embeddings is not None:
            if embeddings.shape[0] != len(items):
                raise ValueError(codes.ERR_ROWS.format(texts=len(items), rows=embeddings.shape[0]))
            keep = [i for i, item in enumerate(items) if item.text.strip()]
            semantic = np.asarray(embeddings, dtype=np.float64)[keep]
        else:
            semantic = embedder.fitted(kept_texts).encode(kept_texts).astype(np.float64)
        points = np.hstack([np.sqrt(1.0 - w) * semantic, np.sqrt(w) * lexical])
    if codes.IDENTICAL_TEXTS in warnings:
        labels = np.zeros(len(kept), dtype=np.intp)
    else:
        if len(kept) > EXACT_LIMIT:
            warnings.append(codes.THEMES_APPROXIMATE)
        labels = _cluster_labels(points, k, seed)

    sizes = np.bincount(labels)
    classes = np.where(sizes[labels] >= min_size, labels, UNASSIGNED)
    words = class_tfidf_labels(texts=kept_texts, classes=classes.tolist())
    if any(not w for c, w in words.items() if c != UNASSIGNED):
        warnings.append(codes.NO_LABEL_WORDS)
    found: list[tuple[int, int, Theme]] = []
    for label in sorted(set(classes.tolist()) - {UNASSIGNED}):
        members = np.flatnonzero(classes == label)
        member_vectors = points[members]
        centroid = member_vectors.mean(axis=0)
        representative = members[int(np.argmax(member_vectors @ centroid))]
        theme = Theme(
            label_words=words[label],
            representative_id=kept[representative].id,
            member_ids=tuple(kept[i].id for i in members),
            size=len(members),
        )
        found.append((-len(members), int(members[0]), theme))
    found.sort(key=lambda entry: (entry[0], entry[1]))
    unassigned = tuple(kept[i].id for i in np.flatnonzero(classes == UNASSIGNED))
    return result(tuple(theme for _, _, theme in found), unassigned)
