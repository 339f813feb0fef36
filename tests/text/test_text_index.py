"""The vector index: exact top-k, disk round trip, and re-embedding only what changed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from seedbed.text import VectorIndex, codes, index_sync
from seedbed.text.index import MANIFEST_FILE

TEXTS = [
    "Potholes on the main road are damaging cars",
    "The bus to the hospital is always late",
    "Potholes on Mill Lane need filling",
    "Street lights are out near the school",
    "There are not enough buses in the evening",
    "Dog fouling in the park is getting worse",
]
IDS = [f"n{i}" for i in range(len(TEXTS))]


def dense(vectors: object) -> np.ndarray:
    return vectors.toarray() if sp.issparse(vectors) else np.asarray(vectors)  # type: ignore[union-attr]


@settings(max_examples=200, deadline=None)
@given(
    scores=st.lists(
        st.floats(-1, 1, allow_nan=False, width=32).map(lambda x: round(x, 2)),
        min_size=1,
        max_size=60,
    ),
    k=st.integers(1, 70),
)
def test_top_rows_is_a_stable_descending_sort(scores: list[float], k: int) -> None:
    array = np.array(scores, dtype=np.float32)
    expected = np.argsort(-array, kind="stable")[:k]
    np.testing.assert_array_equal(VectorIndex.top_rows(array, k), expected)


def test_save_and_open_round_trip(tmp_path: Path, backend: str) -> None:
    index = VectorIndex.build(texts=TEXTS, ids=IDS, backend=backend)
    index.save(tmp_path / "idx")
    manifest = json.loads((tmp_path / "idx" / MANIFEST_FILE).read_text())
    assert manifest["backend"] == backend and manifest["count"] == len(TEXTS)
    reopened = VectorIndex.open(tmp_path / "idx")
    assert reopened.ids == IDS and reopened.texts == TEXTS
    np.testing.assert_array_equal(dense(reopened.vectors), dense(index.vectors))
    query = reopened.embedder.encode(["potholes"])
    np.testing.assert_allclose(
        reopened.scores(query), index.scores(index.embedder.encode(["potholes"]))
    )


def test_sync_embeds_only_new_and_changed_texts(tmp_path: Path, backend: str) -> None:
    path = tmp_path / "idx"
    _, first = index_sync(path=path, texts=TEXTS, ids=IDS, backend=backend)
    assert (first.embedded, first.reused) == (len(TEXTS), 0)
    _, again = index_sync(path=path, texts=TEXTS, ids=IDS, backend=backend)
    assert (again.embedded, again.reused, again.removed) == (0, len(TEXTS), 0)
    changed = [*TEXTS[:5], "Fly-tipping behind the shops"]
    index, report = index_sync(path=path, texts=changed[1:], ids=IDS[1:], backend=backend)
    assert (report.embedded, report.reused, report.removed) == (1, 4, 1)
    # Re-used and new vectors are the ones a fresh encoding gives.
    fresh = dense(index.embedder.encode(index.texts))
    np.testing.assert_allclose(dense(index.vectors), fresh, atol=1e-5)


def test_upsert_and_remove(backend: str) -> None:
    index = VectorIndex.build(texts=TEXTS[:4], ids=IDS[:4], backend=backend)
    report = index.upsert(texts=["Buses are late every morning", TEXTS[4]], ids=["n1", "n4"])
    refitted = codes.INDEX_REFITTED in report.warnings  # tfidf: 2 of 4 is a large change
    assert report.embedded == (5 if refitted else 2)
    assert refitted == (backend == "tfidf")
    assert dict(zip(index.ids, index.texts, strict=True))["n1"] == "Buses are late every morning"
    assert len(index) == 5
    index.remove(ids=["n0", "missing"])
    assert "n0" not in index.ids and len(index) == 4


def test_tfidf_vocabulary_refits_after_large_change() -> None:
    index = VectorIndex.build(texts=TEXTS[:4], ids=IDS[:4], backend="tfidf")
    small = index.upsert(texts=["Potholes again"], ids=["x"])
    assert codes.INDEX_REFITTED not in small.warnings and small.embedded == 1
    big = index.upsert(texts=[f"New words number {i} zebra" for i in range(3)], ids=["a", "b", "c"])
    assert codes.INDEX_REFITTED in big.warnings and big.embedded == len(index)
    assert "zebra" in index.embedder.vocabulary  # type: ignore[attr-defined]


def test_empty_texts_are_skipped_with_a_warning(backend: str) -> None:
    index = VectorIndex.build(texts=["", "  ", TEXTS[0]], ids=["a", "b", "c"], backend=backend)
    assert index.ids == ["c"]
    assert index.last_report is not None
    assert codes.EMPTY_TEXTS_SKIPPED in index.last_report.warnings


def test_invalid_arguments_raise() -> None:
    with pytest.raises(ValueError, match="same length"):
        VectorIndex.build(texts=TEXTS, ids=IDS[:2], backend="tfidf")
    with pytest.raises(ValueError, match="repeated: n0"):
        VectorIndex.build(texts=TEXTS[:2], ids=["n0", "n0"], backend="tfidf")
    with pytest.raises(FileNotFoundError, match="no text index at /nonexistent/seedbed-index"):
        VectorIndex.open("/nonexistent/seedbed-index")


def test_other_backend_or_unwritable_folder(tmp_path: Path) -> None:
    path = tmp_path / "idx"
    index_sync(path=path, texts=TEXTS, ids=IDS, backend="tfidf")
    manifest = json.loads((path / MANIFEST_FILE).read_text())
    manifest["backend"] = "nonexistent"
    (path / MANIFEST_FILE).write_text(json.dumps(manifest))
    index, report = index_sync(path=path, texts=TEXTS, ids=IDS, backend="tfidf")
    assert report.embedded == len(TEXTS)  # unreadable index: rebuilt
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    index, report = index_sync(path=blocker / "idx", texts=TEXTS, ids=IDS, backend="tfidf")
    assert codes.INDEX_NOT_SAVED in report.warnings and len(index) == len(TEXTS)


def test_from_vectors_searches_like_a_built_index(backend: str) -> None:
    from seedbed.text import similar

    built = VectorIndex.build(texts=TEXTS, ids=IDS, backend=backend)
    assembled = VectorIndex.from_vectors(
        embedder=built.embedder, texts=TEXTS, ids=IDS, vectors=built.vectors
    )
    assert similar(index=assembled, query="late buses", k=3) == similar(
        index=built, query="late buses", k=3
    )
    with pytest.raises(ValueError, match="vector rows"):
        VectorIndex.from_vectors(
            embedder=built.embedder, texts=TEXTS[:2], ids=IDS[:2], vectors=built.vectors
        )


def test_prefilter_gives_the_exact_top_k(monkeypatch: pytest.MonkeyPatch) -> None:
    """The float16 pre-filter against a float64 brute-force ranking, on clustered unit
    vectors with many near-ties (noisy copies of a few sources) and exact duplicates."""
    pytest.importorskip("torch")
    from seedbed.text import index as index_module
    from seedbed.text.tfidf import TfidfEmbedder

    monkeypatch.setattr(index_module, "PREFILTER_MIN_ROWS", 100)
    rng = np.random.default_rng(7)
    sources = rng.standard_normal((40, 384))
    vectors = sources[rng.integers(0, 40, 6000)] + 0.02 * rng.standard_normal((6000, 384))
    vectors[3000:3010] = vectors[2990:3000]  # exact ties: lower row must win
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors.astype(np.float32)
    n = vectors.shape[0]
    index = VectorIndex.from_vectors(embedder=TfidfEmbedder(), texts=[f"t{i}" for i in range(n)],
                                     ids=[str(i) for i in range(n)], vectors=vectors)
    assert index._coarse_vectors() is not None
    for q in range(60):
        query = vectors[q * 97 % n] + 0.01 * rng.standard_normal(384).astype(np.float32)
        query /= np.linalg.norm(query)
        for k in (1, 5, 25):
            rows, scores = index.nearest(query[None, :], k)
            exact = vectors @ query
            np.testing.assert_array_equal(rows, VectorIndex.top_rows(exact, k))
            np.testing.assert_allclose(scores, exact[rows], rtol=1e-6)


def test_sync_with_unchanged_texts_touches_nothing(backend: str) -> None:
    index = VectorIndex.build(texts=TEXTS, ids=IDS, backend=backend)
    vectors = index.vectors
    report = index.sync(texts=list(TEXTS), ids=list(IDS))
    assert (report.embedded, report.reused, report.removed) == (0, len(TEXTS), 0)
    assert index.vectors is vectors
    report = index.sync(texts=[*TEXTS[:-1], "Dog fouling near the river"], ids=IDS)
    assert report.embedded >= 1
