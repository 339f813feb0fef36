"""Latent semantic analysis and Ward's distances, sized for themes over ~10,000 texts.

``lsa_points``: the rows of a TF-IDF matrix M (n texts x V terms) projected on its top d
right singular vectors, U_d S_d = M V_d (Deerwester et al. 1990), computed by randomized
the eigenvectors of M M' = U S^2 U' when n <= ``EXACT_ROWS`` (exact), otherwise by randomized
subspace iteration (Halko, Martinsson & Tropp 2011, SIAM Review 53:217, algorithm 4.4):

    Y = M W (W: V x l Gaussian, l = d + oversampling);  Q = orth(Y);
    q times: Q = orth(M (M' Q));          B = Q' M   (l x V, never formed);
    B B' = Q' M (M' Q) = U_B S^2 U_B'  (an l x l eigenproblem);   U_d S_d ~= Q U_B[:, :d] S[:d].

Only n x l blocks are orthonormalised (with V, the number of words and word pairs, many times
n, the V x l side is only ever a product M' Q): the singular value decomposition of the
l x V matrix B, which took most of the time of the general-purpose routine, becomes an l x l
eigenproblem, and orth() is Cholesky QR (matrix products) rather than Householder QR. When l reaches the rank of M the result is exact.

``euclidean_condensed``: pairwise distances ||a - b|| = sqrt(|a|^2 + |b|^2 - 2 a.b) written
straight into scipy's condensed order, one block of rows at a time (one matrix product per
block; no n x n matrix, no ``squareform`` copy).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.linalg import solve_triangular

EXACT_ROWS = 2_000
"""Up to this many texts the decomposition is exact: eigenvectors of the n x n matrix M M'."""
OVERSAMPLING = 20
POWER_ITERATIONS = 6
BLOCK_ROWS = 512


def lsa_points(matrix: sp.csr_matrix, dimensions: int, seed: int) -> np.ndarray:
    """U_d S_d of ``matrix`` (see module docstring), float64, n x ``dimensions``."""
    m = sp.csr_matrix(matrix, dtype=np.float64)
    n, v = m.shape
    if n <= EXACT_ROWS:  # M M' = U S^2 U', so U_d S_d exactly
        values, vectors = np.linalg.eigh((m @ m.T).toarray())
        order = np.argsort(values)[::-1][:dimensions]
        return np.asarray(vectors[:, order] * np.sqrt(np.clip(values[order], 0.0, None)))
    width = min(dimensions + OVERSAMPLING, n, v)
    rng = np.random.default_rng(seed)
    q = _orthonormal(np.asarray(m @ rng.standard_normal((v, width))))
    for _ in range(POWER_ITERATIONS):
        q = _orthonormal(np.asarray(m @ np.asarray(m.T @ q)))
    gram = q.T @ np.asarray(m @ np.asarray(m.T @ q))  # B B' = Q' M M' Q  (l x l)
    values, vectors = np.linalg.eigh((gram + gram.T) / 2.0)
    order = np.argsort(values)[::-1][:dimensions]
    singular = np.sqrt(np.clip(values[order], 0.0, None))
    return np.asarray(q @ (vectors[:, order] * singular))


def _orthonormal(block: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the columns of a tall ``block``: Cholesky QR twice (CholQR2;
    Fukaya et al. 2014), all matrix products, as accurate as Householder QR for condition
    numbers up to about 1e8; Householder QR when the Gram matrix is not positive definite."""
    try:
        for _ in range(2):
            chol = np.linalg.cholesky(block.T @ block)
            block = solve_triangular(chol, block.T, lower=True).T  # block R^-1, R = chol'
        return block
    except np.linalg.LinAlgError:
        q, _ = np.linalg.qr(block)
        return np.asarray(q)


def euclidean_condensed(points: np.ndarray) -> np.ndarray:
    """Condensed pairwise Euclidean distances of the rows of ``points`` (see module doc)."""
    n = points.shape[0]
    squares = np.einsum("ij,ij->i", points, points)
    out = np.empty(n * (n - 1) // 2, dtype=np.float64)
    for start in range(0, n - 1, BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, n - 1)
        block = points[start:stop] @ points[start + 1 :].T  # row i: columns i+1 .. n-1 (shifted)
        block *= -2.0
        block += squares[start:stop, None]
        block += squares[None, start + 1 :]
        np.maximum(block, 0.0, out=block)
        np.sqrt(block, out=block)
        for i in range(start, stop):
            begin = i * n - i * (i + 1) // 2  # condensed index of pair (i, i + 1)
            local = i - start
            out[begin : begin + n - 1 - i] = block[local, local:]
    return out
