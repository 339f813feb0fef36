"""Randomized LSA and blockwise Ward distances against exact references (numpy, scipy)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.spatial.distance import pdist

from seedbed.text import lsa
from seedbed.text.lsa import euclidean_condensed, lsa_points
from seedbed.text.tfidf import TfidfEmbedder


@pytest.mark.parametrize("n", [2, 3, 7, 1100])
def test_condensed_distances_equal_scipy_pdist(n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lsa, "BLOCK_ROWS", 64)
    points = np.random.default_rng(n).standard_normal((n, 24))
    np.testing.assert_allclose(euclidean_condensed(points), pdist(points), rtol=1e-10,
                               atol=1e-12)


@pytest.mark.parametrize("exact_rows", [0, 2_000])
def test_lsa_is_exact_when_the_sketch_spans_the_matrix(
    exact_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lsa, "EXACT_ROWS", exact_rows)  # randomized, then the n x n route
    m = sp.random(60, 400, density=0.05, random_state=3, format="csr")
    u, s, _ = np.linalg.svd(m.toarray(), full_matrices=False)
    for d in (45, 59):  # sketch width min(d + 20, 60) = 60 = rank: exact to rounding
        exact = u[:, :d] * s[:d]
        ours = lsa_points(m, d, seed=0)
        # columns are defined up to sign; the Gram matrix is not
        np.testing.assert_allclose(ours @ ours.T, exact @ exact.T, atol=1e-9)


@pytest.mark.parametrize("exact_rows", [0, 2_000])
def test_lsa_keeps_at_least_the_energy_scikit_learn_keeps_on_real_comments(
    biodiversity: dict[str, str], exact_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Share of the top-128 singular energy captured: ours (randomized, and exact for small
    sets) against scikit-learn's ``TruncatedSVD`` (randomized, its defaults) and never above
    the exact SVD's."""
    from sklearn.decomposition import TruncatedSVD

    monkeypatch.setattr(lsa, "EXACT_ROWS", exact_rows)
    texts = list(biodiversity.values())
    m = TfidfEmbedder().fitted(texts).encode(texts)
    d = 128
    exact = float((np.linalg.svd(m.toarray().astype(np.float64), compute_uv=False)[:d] ** 2)
                  .sum())
    reference = float((TruncatedSVD(n_components=d, random_state=0).fit_transform(m) ** 2)
                      .sum())
    ours = float((lsa_points(m, d, seed=0) ** 2).sum())
    assert reference <= ours <= exact * (1 + 1e-9)
    assert ours >= 0.985 * exact
