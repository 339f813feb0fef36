"""Theme labels: the most distinctive words of each group, by class-based TF-IDF.

Method: c-TF-IDF as defined for BERTopic (Grootendorst 2022, "BERTopic: Neural topic
modeling with a class-based TF-IDF procedure", arXiv:2203.05794, eq. 1). All texts of a
class c are taken as one document; for term t

    W(t, c) = tf(t, c) * ln(1 + A / f(t))

where tf(t, c) is the count of t in class c divided by the number of terms in class c,
f(t) the count of t over all classes and A the average number of terms per class. Terms
are lower-cased words of three or more letters, without English stop words.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

LABEL_WORDS = 5
WORD_PATTERN = r"(?u)\b[^\W\d_]{3,}\b"
"""A word: three or more letters (no digits or underscores)."""


def class_tfidf_labels(
    *, texts: Sequence[str], classes: Sequence[int], n_words: int = LABEL_WORDS
) -> dict[int, tuple[str, ...]]:
    """The ``n_words`` highest-weighted terms of each class (best first; ties alphabetical).

    ``classes`` gives each text's class; every class present gets an entry (empty when its
    texts have no content word, or when no text has any).
    """
    labels = sorted(set(classes))
    counter = CountVectorizer(
        lowercase=True,
        strip_accents="unicode",
        stop_words="english",
        token_pattern=WORD_PATTERN,
    )
    try:
        counts = sp.csr_matrix(counter.fit_transform(list(texts)), dtype=np.float64)
    except ValueError:  # empty vocabulary
        return {label: () for label in labels}
    terms = counter.get_feature_names_out()
    position = {label: row for row, label in enumerate(labels)}
    rows = np.array([position[c] for c in classes])
    membership = sp.csr_matrix(
        (np.ones(len(rows)), (rows, np.arange(len(rows)))), shape=(len(labels), len(rows))
    )
    per_class = np.asarray((membership @ counts).toarray())
    class_totals = per_class.sum(axis=1, keepdims=True)
    tf = np.divide(per_class, class_totals, out=np.zeros_like(per_class), where=class_totals > 0)
    term_totals = per_class.sum(axis=0)
    average_terms = per_class.sum() / len(labels)
    idf = np.log1p(average_terms / np.maximum(term_totals, 1e-12))
    weights = tf * idf
    result: dict[int, tuple[str, ...]] = {}
    for label, row in position.items():
        w = weights[row]
        order = np.lexsort((terms, -w))
        result[label] = tuple(str(terms[i]) for i in order[:n_words] if w[i] > 0)
    return result
