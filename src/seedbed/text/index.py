"""A vector index over one corpus, in memory or in a folder on disk.

Folder layout (format 1), written file by file with an atomic rename, manifest last:

* ``manifest.json`` — format, backend, model, dimension, count, vector file name;
* ``records.json`` — ids, texts and a SHA-256 content hash per text, in row order;
* ``vectors.npy`` (minilm: dense float32, rows L2-normalised) or ``vectors.npz`` (tfidf:
  sparse CSR float32, rows L2-normalised);
* ``tfidf_vocabulary.json`` / ``tfidf_idf.npy`` for the tfidf backend.

Re-indexing embeds only texts whose content hash is new: a vector is re-used whenever the
same text (by hash, whatever its id) was embedded before with the same model. For TF-IDF the
vocabulary is learnt when the index is first filled and refitted — every text re-embedded —
once the texts added or changed since exceed ``TFIDF_REFIT_FRACTION`` of the fitted corpus.
Search is exact: cosine top-k by one matrix-vector product. Above ``PREFILTER_MIN_ROWS``
dense rows (and with torch installed, as it is with the minilm backend) a float16 copy of
the vectors is scanned first (half the memory traffic), and every row whose float16 score is
within ``2 * PREFILTER_ERROR`` of the k-th best is re-scored in float32; the float16 score of
a unit vector differs from the float32 one by at most 2u + u (inputs and output rounded,
u = 2^-11, float32 accumulation) < 1.5e-3 < ``PREFILTER_ERROR``, so no row of the true top k
is lost and the result is the exact one.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import scipy.sparse as sp

from seedbed.text import codes
from seedbed.text.backends import (
    BACKEND_TFIDF,
    Embedder,
    Vectors,
    embedder_get,
    embedder_load,
)
from seedbed.text.types import SyncReport, TextItem

FORMAT_VERSION = 1
MANIFEST_FILE = "manifest.json"
RECORDS_FILE = "records.json"
DENSE_FILE = "vectors.npy"
SPARSE_FILE = "vectors.npz"
TFIDF_REFIT_FRACTION = 0.25
PREFILTER_MIN_ROWS = 20_000
PREFILTER_ERROR = 2e-3


def content_hash(text: str) -> str:
    """SHA-256 of the UTF-8 text, hex: the key for re-using an embedding."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def items_check(texts: Sequence[str], ids: Sequence[str]) -> list[TextItem]:
    """Pair texts with ids, raising ``ValueError`` on mismatched lengths or repeated ids."""
    if len(texts) != len(ids):
        raise ValueError(codes.ERR_LENGTHS.format(texts=len(texts), ids=len(ids)))
    str_ids = [str(i) for i in ids]
    if len(set(str_ids)) != len(str_ids):
        repeated = sorted(i for i, n in Counter(str_ids).items() if n > 1)
        raise ValueError(codes.ERR_DUPLICATE_IDS.format(ids=", ".join(repeated[:5])))
    return [TextItem(id=i, text=str(t)) for i, t in zip(str_ids, texts, strict=True)]


def _stack(parts: list[Vectors], sparse: bool, dim: int) -> Vectors:
    parts = [part for part in parts if part.shape[0] > 0]
    if sparse:
        if not parts:
            return sp.csr_matrix((0, dim), dtype=np.float32)
        return sp.csr_matrix(sp.vstack(parts, format="csr"), dtype=np.float32)
    if not parts:
        return np.zeros((0, dim), dtype=np.float32)
    return np.ascontiguousarray(np.vstack(parts), dtype=np.float32)


def _write_atomic(target: Path, writer: Callable[[BinaryIO], object]) -> None:
    """Write through a temporary file in the same folder, then rename over ``target``."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        writer(handle)
    os.replace(tmp, target)


class VectorIndex:
    """Texts, their ids and their L2-normalised embeddings, searchable by cosine similarity."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.ids: list[str] = []
        self.texts: list[str] = []
        self.hashes: list[str] = []
        self.vectors: Vectors = _stack([], embedder.name == BACKEND_TFIDF, 0)
        self._vectors_model = embedder.model
        self.last_report: SyncReport | None = None
        self._coarse: tuple[Any, Any] | None = None  # (vectors it was made of, copy)

    # -- building -------------------------------------------------------------------------
    @classmethod
    def build(
        cls, *, texts: Sequence[str], ids: Sequence[str], backend: str | None = None
    ) -> VectorIndex:
        """An in-memory index over ``texts`` (empty texts are left out; see ``last_report``)."""
        index = cls(embedder_get(backend))
        index.sync(texts=texts, ids=ids)
        return index

    @classmethod
    def from_vectors(
        cls,
        *,
        embedder: Embedder,
        texts: Sequence[str],
        ids: Sequence[str],
        vectors: Vectors,
    ) -> VectorIndex:
        """An index over vectors already computed by ``embedder`` (rows L2-normalised,
        in the order of ``texts``), e.g. by a background job; nothing is embedded."""
        items = items_check(texts, ids)
        if vectors.shape[0] != len(items):
            raise ValueError(codes.ERR_ROWS.format(texts=len(items), rows=vectors.shape[0]))
        index = cls(embedder)
        index.ids = [item.id for item in items]
        index.texts = [item.text for item in items]
        index.hashes = [content_hash(item.text) for item in items]
        index.vectors = vectors
        return index

    @property
    def backend(self) -> str:
        return self.embedder.name

    def __len__(self) -> int:
        return len(self.ids)

    def sync(self, *, texts: Sequence[str], ids: Sequence[str]) -> SyncReport:
        """Make the index hold exactly these texts, embedding only new or changed ones.

        When the texts and ids are exactly those already held (the usual case before a
        query in the web app), nothing is hashed or copied."""
        if (
            len(ids) == len(self.ids)
            and self._vectors_model == self.embedder.model
            and list(texts) == self.texts
            and [str(i) for i in ids] == self.ids
        ):
            report = SyncReport(embedded=0, reused=len(self.ids), removed=0, skipped_empty=0,
                                warnings=())
            self.last_report = report
            return report
        items = items_check(texts, ids)
        kept = [item for item in items if item.text.strip()]
        skipped = len(items) - len(kept)
        hashes = [content_hash(item.text) for item in kept]
        same_model = self._vectors_model == self.embedder.model
        known = {h: row for row, h in enumerate(self.hashes)} if same_model else {}
        missing = [i for i, h in enumerate(hashes) if h not in known]
        warnings: list[str] = []
        if skipped:
            warnings.append(codes.EMPTY_TEXTS_SKIPPED)
        sparse = self.backend == BACKEND_TFIDF
        if (
            sparse
            and kept
            and (
                self.embedder.fitted_on == 0
                or len(missing) > TFIDF_REFIT_FRACTION * self.embedder.fitted_on
            )
        ):
            if self.embedder.fitted_on:
                warnings.append(codes.INDEX_REFITTED)
            self.embedder = self.embedder.fitted([item.text for item in kept])
            known, missing = {}, list(range(len(kept)))
        new_vectors = self.embedder.encode([kept[i].text for i in missing])
        dim = int(new_vectors.shape[1]) if missing else int(self.vectors.shape[1])
        reused_positions = [i for i, h in enumerate(hashes) if h in known]
        source_rows = np.array([known[hashes[i]] for i in reused_positions], dtype=np.intp)
        # Rows of [re-used old vectors; new vectors], then put back in the order of `kept`.
        order = np.empty(len(kept), dtype=np.intp)
        order[np.array(reused_positions, dtype=np.intp)] = np.arange(len(reused_positions))
        order[np.array(missing, dtype=np.intp)] = len(reused_positions) + np.arange(len(missing))
        stacked = _stack([self.vectors[source_rows], new_vectors], sparse, dim)
        vectors = stacked[order]
        removed = len({*self.ids} - {item.id for item in kept})
        self.vectors = vectors if sparse else np.ascontiguousarray(vectors)
        self.ids = [item.id for item in kept]
        self.texts = [item.text for item in kept]
        self.hashes = hashes
        self._vectors_model = self.embedder.model
        report = SyncReport(
            embedded=len(missing),
            reused=len(kept) - len(missing),
            removed=removed,
            skipped_empty=skipped,
            warnings=tuple(warnings),
        )
        self.last_report = report
        return report

    def upsert(self, *, texts: Sequence[str], ids: Sequence[str]) -> SyncReport:
        """Add texts, or replace the text of ids already present; others stay as they are."""
        updates = items_check(texts, ids)
        replaced = {item.id for item in updates}
        current = [(i, t) for i, t in zip(self.ids, self.texts, strict=True) if i not in replaced]
        merged = current + [(item.id, item.text) for item in updates]
        return self.sync(texts=[t for _, t in merged], ids=[i for i, _ in merged])

    def remove(self, *, ids: Sequence[str]) -> SyncReport:
        """Drop the texts with these ids (unknown ids are ignored)."""
        gone = {str(i) for i in ids}
        kept = [(i, t) for i, t in zip(self.ids, self.texts, strict=True) if i not in gone]
        return self.sync(texts=[t for _, t in kept], ids=[i for i, _ in kept])

    # -- searching ------------------------------------------------------------------------
    def scores(self, query_vector: Vectors) -> np.ndarray:
        """Cosine similarity of one encoded query (a 1-row matrix) with every row, float32."""
        if isinstance(self.vectors, np.ndarray):
            return self.vectors @ np.asarray(query_vector, dtype=np.float32).ravel()
        product = self.vectors @ sp.csr_matrix(query_vector).T
        return np.asarray(product.toarray(), dtype=np.float32).ravel()

    def nearest(self, query_vector: Vectors, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the ``k`` most similar texts, best first (ties: lower row first), and
        their exact float32 cosine scores; see the module docstring for the pre-filter."""
        coarse = self._coarse_vectors()
        if coarse is None or k >= len(self):
            scores = self.scores(query_vector)
            rows = self.top_rows(scores, k)
            return rows, scores[rows]
        import torch

        query = np.ascontiguousarray(np.asarray(query_vector, dtype=np.float32).ravel())
        rough = torch.mv(coarse, torch.from_numpy(query).half()).float().numpy()
        kth = -np.partition(-rough, k - 1)[k - 1]
        candidates = np.flatnonzero(rough >= kth - 2.0 * PREFILTER_ERROR)
        exact = np.asarray(self.vectors[candidates] @ query, dtype=np.float32)
        best = self.top_rows(exact, k)
        return candidates[best], exact[best]

    def _coarse_vectors(self) -> Any:
        """The float16 copy of the vectors (a torch tensor), made once per vector matrix."""
        vectors = self.vectors
        if not isinstance(vectors, np.ndarray) or vectors.shape[0] < PREFILTER_MIN_ROWS:
            return None
        if self._coarse is not None and self._coarse[0] is vectors:
            return self._coarse[1]
        try:
            import torch
        except ImportError:
            return None
        copy = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32)).half()
        self._coarse = (vectors, copy)
        return copy

    @staticmethod
    def top_rows(scores: np.ndarray, k: int) -> np.ndarray:
        """Row numbers of the ``k`` highest scores, best first (ties: lower row first)."""
        k = min(k, scores.shape[0])
        if k <= 0:
            return np.zeros(0, dtype=np.intp)
        if k < scores.shape[0]:
            # Everything tied with the k-th best is a candidate, so ties break by row.
            kth_best = -np.partition(-scores, k - 1)[k - 1]
            candidates = np.flatnonzero(scores >= kth_best)
        else:
            candidates = np.arange(scores.shape[0])
        order = np.lexsort((candidates, -scores[candidates]))[:k]
        return candidates[order]

    # -- disk -----------------------------------------------------------------------------
    def save(self, path: Path | str) -> None:
        """Write the index into folder ``path`` (created if needed)."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        sparse = isinstance(self.vectors, sp.spmatrix | sp.sparray)
        vector_file = SPARSE_FILE if sparse else DENSE_FILE

        if sparse:
            _write_atomic(folder / vector_file, lambda f: sp.save_npz(f, self.vectors))
        else:
            _write_atomic(
                folder / vector_file, lambda f: np.save(f, self.vectors, allow_pickle=False)
            )
        records = {"ids": self.ids, "texts": self.texts, "hashes": self.hashes}
        _write_atomic(folder / RECORDS_FILE, lambda f: f.write(json.dumps(records).encode()))
        self.embedder.save_state(folder)
        manifest = {
            "format": FORMAT_VERSION,
            "backend": self.backend,
            "model": self.embedder.model,
            "dimension": int(self.vectors.shape[1]),
            "count": len(self.ids),
            "vectors": vector_file,
        }
        _write_atomic(
            folder / MANIFEST_FILE, lambda f: f.write(json.dumps(manifest, indent=2).encode())
        )

    @classmethod
    def open(cls, path: Path | str) -> VectorIndex:
        """Read an index written by ``save``; raises ``FileNotFoundError`` / ``ValueError``."""
        folder = Path(path)
        manifest_path = folder / MANIFEST_FILE
        if not manifest_path.is_file():
            raise FileNotFoundError(codes.ERR_INDEX_MISSING.format(path=folder))
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT_VERSION:
            raise ValueError(
                codes.ERR_INDEX_FORMAT.format(
                    path=folder, found=manifest.get("format"), expected=FORMAT_VERSION
                )
            )
        index = cls(embedder_load(manifest["backend"], manifest["model"], folder))
        records = json.loads((folder / RECORDS_FILE).read_text(encoding="utf-8"))
        index.ids = [str(i) for i in records["ids"]]
        index.texts = list(records["texts"])
        index.hashes = list(records["hashes"])
        if manifest["vectors"] == SPARSE_FILE:
            index.vectors = sp.csr_matrix(sp.load_npz(folder / SPARSE_FILE), dtype=np.float32)
        else:
            index.vectors = np.load(folder / DENSE_FILE, allow_pickle=False)
        index._vectors_model = manifest["model"]
        return index


def index_sync(
    *,
    path: Path | str,
    texts: Sequence[str],
    ids: Sequence[str],
    backend: str | None = None,
) -> tuple[VectorIndex, SyncReport]:
    """Open (or start) the on-disk index at ``path``, sync it to these texts, save it.

    An index built with a different backend than the one chosen is rebuilt from scratch.
    When the folder cannot be written, the synced index is returned unsaved with the warning
    ``INDEX_NOT_SAVED``.
    """
    wanted = embedder_get(backend)
    index: VectorIndex | None = None
    if (Path(path) / MANIFEST_FILE).is_file():
        try:
            index = VectorIndex.open(path)
        except (ValueError, KeyError, OSError):
            index = None
        if index is not None and index.backend != wanted.name:
            index = None
    if index is None:
        index = VectorIndex(wanted)
    report = index.sync(texts=texts, ids=ids)
    try:
        index.save(path)
    except OSError:
        report = SyncReport(
            embedded=report.embedded,
            reused=report.reused,
            removed=report.removed,
            skipped_empty=report.skipped_empty,
            warnings=(*report.warnings, codes.INDEX_NOT_SAVED),
        )
    return index, report
