"""The bulk theme encoder: MiniLM with dynamic int8 Linear layers, kept apart from the index's."""

from __future__ import annotations

import numpy as np
import pytest

from seedbed.text import backends as backends_module
from seedbed.text import themes
from seedbed.text.backends import MiniLMEmbedder

# Agreement of int8 with float32 vectors of the same text, fixed before this test was run
# (an ad-hoc run on 500 Pol.is comments and perturbations gave mean 0.986, minimum 0.917).
MIN_MEAN_COSINE = 0.97
MIN_COSINE = 0.85


def test_themes_precision_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(backends_module.ENV_THEMES_PRECISION, raising=False)
    assert backends_module.themes_precision() == backends_module.minilm_precision()  # default: auto
    monkeypatch.setenv(backends_module.ENV_THEMES_PRECISION, "int8")
    assert backends_module.themes_precision() == "int8"
    monkeypatch.setenv(backends_module.ENV_THEMES_PRECISION, "auto")
    monkeypatch.setenv(backends_module.ENV_PRECISION, "fp32")
    assert backends_module.themes_precision() == "fp32"
    monkeypatch.setenv(backends_module.ENV_THEMES_PRECISION, " BF16 ")
    assert backends_module.themes_precision() == "bf16"
    monkeypatch.setenv(backends_module.ENV_THEMES_PRECISION, "int4")
    with pytest.raises(ValueError, match="int4"):
        backends_module.themes_precision()
    with pytest.raises(ValueError, match="int4"):
        MiniLMEmbedder(precision="int4")


def test_int8_quantises_every_linear_layer_but_the_feed_forward_outputs(minilm: None) -> None:
    import torch

    model = backends_module.minilm_model_int8()
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

    layers = {n: type(m) for n, m in model.named_modules() if "encoder.layer." in n}
    dynamic = {n for n, t in layers.items() if t is DynamicLinear}
    kept = {n for n, t in layers.items() if t is torch.nn.Linear}
    assert len(dynamic) == 6 * 5  # query, key, value, attention output, intermediate
    assert len(kept) == 6 and all(n.endswith("output.dense") for n in kept)
    assert not any("attention" in n for n in kept)
    # The model the index uses is untouched.
    index_model = backends_module.minilm_model()
    assert all(type(m) is not type(model) or m is not model for m in index_model.modules())
    assert not any(t.__module__.startswith("torch.ao") for t in
                   (type(m) for m in index_model.modules()))  # fmt: skip


def test_int8_vectors_agree_with_float32_on_polis_comments(
    minilm: None, biodiversity: dict[str, str]
) -> None:
    texts = [t for t in biodiversity.values() if t.strip()][:300]
    backends_module.embedding_cache_clear()
    exact = MiniLMEmbedder(precision="fp32").encode(texts)
    quantised = MiniLMEmbedder(precision="int8").encode(texts)
    np.testing.assert_allclose(np.linalg.norm(quantised, axis=1), 1.0, atol=1e-5)
    cosine = np.sum(exact * quantised, axis=1)
    assert float(cosine.mean()) >= MIN_MEAN_COSINE, float(cosine.mean())
    assert float(cosine.min()) >= MIN_COSINE, float(cosine.min())
    assert float(cosine.mean()) < 0.99999  # really a different encoder, not float32 again


def test_cache_keeps_int8_and_float_vectors_apart(
    minilm: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, tuple[str, ...]]] = []
    real = backends_module._minilm_encode

    def counting(texts: list[str], precision: str) -> np.ndarray:
        calls.append((precision, tuple(texts)))
        return real(texts, precision)

    monkeypatch.setattr(backends_module, "_minilm_encode", counting)
    backends_module.embedding_cache_clear()
    text = "The bins on Elm Street were not emptied this week."
    index_vector = MiniLMEmbedder().encode([text])
    theme_vector = MiniLMEmbedder(precision="int8").encode([text])
    assert [c[0] for c in calls] == [backends_module.minilm_precision(), "int8"]
    assert not np.array_equal(index_vector, theme_vector)
    # Each comes back from its own cache entry, not from the other encoder's.
    np.testing.assert_array_equal(MiniLMEmbedder().encode([text]), index_vector)
    np.testing.assert_array_equal(MiniLMEmbedder(precision="int8").encode([text]), theme_vector)
    assert len(calls) == 2


def test_themes_embed_with_the_configured_theme_encoder(
    minilm: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    real = backends_module._minilm_encode

    def spy(texts: list[str], precision: str) -> np.ndarray:
        seen.append(precision)
        return real(texts, precision)

    monkeypatch.setattr(backends_module, "_minilm_encode", spy)
    texts = ["Potholes on Mill Lane", "Mill Lane potholes again", "Late buses",
             "The bus is always late"]  # fmt: skip
    for setting, expected in (("int8", "int8"), ("fp32", "fp32")):
        monkeypatch.setenv(backends_module.ENV_THEMES_PRECISION, setting)
        backends_module.embedding_cache_clear()
        seen.clear()
        result = themes(texts=texts, ids=list("abcd"), min_size=2, backend="minilm", n_clusters=2)
        assert seen == [expected]
        assert sorted(sorted(t.member_ids) for t in result.themes) == [["a", "b"], ["c", "d"]]
