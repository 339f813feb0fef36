"""The lexical fallback backend: TF-IDF vectors over words and word pairs.

Method (Salton & Buckley 1988, "Term-weighting approaches in automatic text retrieval";
the smoothed idf is the one scikit-learn documents for ``TfidfVectorizer``):

    tf(t, d)  = 1 + ln(count of term t in text d)         (0 when t is absent)
    idf(t)    = ln((1 + n) / (1 + df(t))) + 1              n texts, df(t) texts containing t
    v(d)      = [tf(t, d) * idf(t)]_t  /  || . ||_2

Terms are lower-cased, accent-stripped words of two or more characters and adjacent word
pairs, without English stop words. The vocabulary and idf are learnt from the corpus the
embedder is fitted on and stored next to the index (``tfidf_vocabulary.json``,
``tfidf_idf.npy``), so a query is encoded exactly as the corpus was; query words that are not
in the vocabulary are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

from seedbed.text.types import BACKEND_TFIDF

VOCABULARY_FILE = "tfidf_vocabulary.json"
IDF_FILE = "tfidf_idf.npy"
MODEL_ID = "tfidf (words and word pairs, sublinear tf, smoothed idf, English stop words)"


def _counter(vocabulary: Sequence[str] | None = None) -> CountVectorizer:
    return CountVectorizer(
        lowercase=True,
        strip_accents="unicode",
        stop_words="english",
        ngram_range=(1, 2),
        vocabulary=list(vocabulary) if vocabulary is not None else None,
        dtype=np.float32,
    )


class TfidfEmbedder:
    """TF-IDF row vectors (sparse CSR, float32, L2-normalised); see the module docstring."""

    name = BACKEND_TFIDF
    model = MODEL_ID

    def __init__(
        self,
        vocabulary: Sequence[str] = (),
        idf: np.ndarray | None = None,
        fitted_on: int = 0,
    ) -> None:
        self.vocabulary = list(vocabulary)
        self.idf = np.asarray(idf, dtype=np.float32) if idf is not None else np.zeros(0, np.float32)
        self._fitted_on = fitted_on

    @property
    def fitted_on(self) -> int:
        return self._fitted_on

    def fitted(self, texts: Sequence[str]) -> TfidfEmbedder:
        counter = _counter()
        try:
            counts = counter.fit_transform(list(texts))
        except ValueError:  # no term at all (empty texts, only stop words)
            return TfidfEmbedder((), None, fitted_on=len(texts))
        n = counts.shape[0]
        df = np.asarray((counts > 0).sum(axis=0)).ravel()
        idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
        vocabulary = [""] * len(counter.vocabulary_)
        for term, column in counter.vocabulary_.items():
            vocabulary[column] = term
        return TfidfEmbedder(vocabulary, idf.astype(np.float32), fitted_on=n)

    def encode(self, texts: Sequence[str]) -> sp.csr_matrix:
        if not self.vocabulary or len(texts) == 0:
            return sp.csr_matrix((len(texts), len(self.vocabulary)), dtype=np.float32)
        counts = sp.csr_matrix(_counter(self.vocabulary).transform(list(texts)), dtype=np.float32)
        counts.data = 1.0 + np.log(counts.data)
        weighted = sp.csr_matrix(counts @ sp.diags(self.idf), dtype=np.float32)
        return sp.csr_matrix(normalize(weighted, norm="l2", copy=False), dtype=np.float32)

    def save_state(self, folder: Path) -> None:
        (folder / VOCABULARY_FILE).write_text(
            json.dumps({"fitted_on": self._fitted_on, "terms": self.vocabulary}),
            encoding="utf-8",
        )
        np.save(folder / IDF_FILE, self.idf, allow_pickle=False)

    @classmethod
    def load_state(cls, folder: Path) -> TfidfEmbedder:
        """Restore the vocabulary and idf written by ``save_state``."""
        state = json.loads((folder / VOCABULARY_FILE).read_text(encoding="utf-8"))
        idf = np.load(folder / IDF_FILE, allow_pickle=False)
        return cls(state["terms"], idf, fitted_on=int(state["fitted_on"]))
