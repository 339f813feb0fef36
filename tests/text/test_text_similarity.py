"""Near-duplicate search, semantic search and idea-need matching, on real Pol.is comments."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.neighbors import NearestNeighbors

from seedbed.text import TextItem, VectorIndex, codes, match, search, similar

# Comments in the biodiversity conversation that re-submit (nearly) the same statement as an
# earlier one; each should find it first. 289 and 290 each merge two earlier comments.
RESUBMITTED = {"53": {"49"}, "205": {"197"}, "123": {"107"}, "124": {"108"}, "243": {"216"},
               "289": {"262", "270"}, "290": {"257", "263"}}  # fmt: skip
# Comments about poisoning pests (mostly the 1080 poison) in the same conversation.
POISON = {"32", "79", "92", "198", "212", "213", "215", "218", "220", "221", "222", "223",
          "277", "283", "297", "301"}  # fmt: skip
_INDEXES: dict[str, VectorIndex] = {}


@pytest.fixture
def biodiversity_index(backend: str, biodiversity: dict[str, str]) -> VectorIndex:
    """One index of the biodiversity comments per backend, built once per session."""
    if backend not in _INDEXES:
        _INDEXES[backend] = VectorIndex.build(
            texts=list(biodiversity.values()), ids=list(biodiversity), backend=backend
        )
    return _INDEXES[backend]


def test_resubmitted_comments_find_their_twin(
    biodiversity_index: VectorIndex, biodiversity: dict[str, str]
) -> None:
    for query_id, twins in RESUBMITTED.items():
        result = similar(index=biodiversity_index, query=biodiversity[query_id], k=5)
        scores = {m.id: m.score for m in result.matches}
        assert scores[query_id] == pytest.approx(1.0, abs=1e-5)  # itself
        others = [m for m in result.matches if m.id != query_id]
        assert others[0].id in twins, (query_id, result.matches[:3])
        assert others[0].score > 0.5  # the merged ones score lowest
        assert [m.score for m in result.matches] == sorted(
            (m.score for m in result.matches), reverse=True
        )


def test_same_neighbours_and_scores_as_brute_force_nearest_neighbors(
    biodiversity_index: VectorIndex,
) -> None:
    """Reference: scikit-learn NearestNeighbors (brute force, cosine metric)."""
    index = biodiversity_index
    vectors = index.vectors.toarray() if sp.issparse(index.vectors) else index.vectors
    reference = NearestNeighbors(n_neighbors=10, metric="cosine", algorithm="brute").fit(vectors)
    for query in ["Ban aerial 1080 poison", "cats should be kept indoors", "water quality"]:
        q = index.embedder.encode([query])
        q = q.toarray() if sp.issparse(q) else q
        distances, rows = reference.kneighbors(q)
        got = similar(index=index, query=query, k=10).matches
        np.testing.assert_allclose([m.score for m in got], 1 - distances[0], atol=1e-5)
        # Same ranking, except where scores tie (then either order is right).
        ref_scores = dict(zip((index.ids[r] for r in rows[0]), 1 - distances[0], strict=True))
        assert {m.id for m in got if m.score > got[-1].score + 1e-6} <= set(ref_scores)


def test_semantic_search_finds_the_poison_comments(biodiversity_index: VectorIndex) -> None:
    found = [
        m.id for m in search(index=biodiversity_index, query="Stop poisoning pests", k=10).matches
    ]
    assert len(set(found) & POISON) >= 5, found


def test_minilm_finds_a_paraphrase_sharing_no_word(minilm: None) -> None:
    needs = ["Rubbish collection missed our road again", "Street lights broken near the school",
             "Not enough benches in the park"]  # fmt: skip
    index = VectorIndex.build(texts=needs, ids=["a", "b", "c"], backend="minilm")
    assert similar(index=index, query="bins were not emptied", k=1).matches[0].id == "a"


def test_degenerate_queries_and_corpora(backend: str) -> None:
    index = VectorIndex.build(texts=["Potholes on Mill Lane"], ids=["1"], backend=backend)
    assert similar(index=index, query="   ", k=3).warnings == (codes.EMPTY_QUERY,)
    one = similar(index=index, query="potholes", k=3)
    assert [m.id for m in one.matches] == ["1"] and codes.K_EXCEEDS_CORPUS in one.warnings
    empty = VectorIndex.build(texts=[], ids=[], backend=backend)
    assert similar(index=empty, query="potholes", k=3).warnings == (codes.EMPTY_CORPUS,)
    same = VectorIndex.build(texts=["Fix the road"] * 3, ids=["a", "b", "c"], backend=backend)
    result = similar(index=same, query="Fix the road", k=2)
    assert [m.id for m in result.matches] == ["a", "b"]  # ties: corpus order
    assert result.matches[0].score == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(ValueError, match="k must be at least 1"):
        similar(index=index, query="x", k=0)


def test_tfidf_query_with_no_known_word() -> None:
    index = VectorIndex.build(texts=["Potholes on Mill Lane", "Late buses"], ids=["1", "2"],
                              backend="tfidf")  # fmt: skip
    result = similar(index=index, query="zebra crossing", k=2)
    assert codes.QUERY_OUT_OF_VOCABULARY in result.warnings
    assert all(m.score == 0 for m in result.matches)


def test_min_score_drops_weak_matches(biodiversity_index: VectorIndex) -> None:
    query = "Cats should be kept inside at night"
    everything = similar(index=biodiversity_index, query=query, k=20).matches
    cut = everything[4].score
    kept = similar(index=biodiversity_index, query=query, k=20, min_score=cut).matches
    assert kept == tuple(m for m in everything if m.score >= cut)
    assert 5 <= len(kept) < 20


def test_ideas_are_matched_to_the_needs_they_answer(backend: str) -> None:
    needs = [
        TextItem("n1", "Elderly residents feel lonely and isolated at home"),
        TextItem("n2", "Potholes on residential roads damage bikes and cars"),
        TextItem("n3", "Young people have nowhere to go in the evenings"),
    ]
    ideas = [
        TextItem("i1", "A befriending service pairing volunteers with lonely elderly residents"),
        TextItem("i2", "A youth club open in the evenings for young people"),
        TextItem("i3", "An app to report potholes on roads so they are fixed faster"),
        TextItem("i4", ""),
    ]
    result = match(ideas=ideas, needs=needs, k=1, backend=backend)
    assert {(p.idea_id, p.need_id) for p in result.pairs} == {("i1", "n1"), ("i2", "n3"),
                                                              ("i3", "n2")}  # fmt: skip
    assert codes.EMPTY_TEXTS_SKIPPED in result.warnings
    assert match(ideas=ideas, needs=[], backend=backend).warnings == (codes.EMPTY_CORPUS,)
    two = match(ideas=ideas[:1], needs=needs, k=2, backend=backend)
    assert [p.need_id for p in two.pairs][0] == "n1" and len(two.pairs) == 2
