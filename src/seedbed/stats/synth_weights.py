"""Donor weights of a synthetic control: least squares on the simplex, and predictor weights.

For a treated unit with predictors x1 (k values) and donors X0 (k x J), the weights solve

    minimise (x1 - X0 w)' V (x1 - X0 w)   subject to  w_j >= 0,  sum_j w_j = 1,

with V = diag(v), v >= 0 (Abadie & Gardeazabal, AER 2003; Abadie, Diamond & Hainmueller,
JASA 2010). It is a convex quadratic programme; :func:`simplex_least_squares` solves it
exactly: a non-negative least-squares pass (Lawson & Hanson) on the system augmented with a
heavily weighted row for the sum constraint finds the donors with positive weight; then an
active-set loop re-solves the weights on those donors with the sum constraint imposed exactly
(the KKT equations), drops donors whose weight turns negative and adds the donor whose
gradient shows it would lower the loss, until the optimality conditions hold (SLSQP finishes
from there in the rare case they still fail).

When v is not given it is chosen as in Abadie, Diamond & Hainmueller: among v on the simplex
(each predictor first divided by its standard deviation across units), the one whose weights
best reproduce the treated unit's pre-period outcomes (smallest mean squared gap). The
problem has plateaus and local minima, so a coarse lattice on the simplex is searched first
and Nelder-Mead (over v = |theta| / sum |theta|) refines the best few lattice points.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy import optimize

_KKT_TOLERANCE = 1e-9
_SUM_ROW_SCALE = 1e4


def _loss(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> float:
    r = a @ w - b
    return float(r @ r)


def _on_support(a: np.ndarray, b: np.ndarray, support: np.ndarray) -> np.ndarray:
    """Least squares on the donors in ``support`` with their weights summing to one."""
    a_s = a[:, support]
    k = int(support.size)
    kkt = np.zeros((k + 1, k + 1))
    kkt[:k, :k] = a_s.T @ a_s
    kkt[:k, k] = 1.0
    kkt[k, :k] = 1.0
    rhs = np.concatenate([a_s.T @ b, [1.0]])
    sol = np.linalg.lstsq(kkt, rhs, rcond=None)[0]
    return np.asarray(sol[:k])


def _is_optimal(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> bool:
    """KKT conditions: equal gradient on the support, no smaller gradient off it."""
    if w.min() < -_KKT_TOLERANCE or abs(w.sum() - 1.0) > _KKT_TOLERANCE:
        return False
    grad = a.T @ (a @ w - b)
    scale = max(float(np.abs(grad).max()), float(np.abs(a).max()) ** 2, 1e-300)
    on = w > _KKT_TOLERANCE
    level = float(grad[on].mean())
    return bool(np.all(np.abs(grad[on] - level) <= 1e-7 * scale)
                and np.all(grad[~on] >= level - 1e-7 * scale))


def simplex_least_squares(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """argmin_w ||a w - b||^2 over the simplex (w >= 0, sum w = 1); module docstring."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    j = a.shape[1]
    if j == 1:
        return np.ones(1)
    size = max(float(np.abs(a).max()), float(np.abs(b).max()), 1.0)
    big = _SUM_ROW_SCALE * size
    aug_a = np.vstack([a, np.full((1, j), big)])
    aug_b = np.concatenate([b, [big]])
    w, _ = optimize.nnls(aug_a, aug_b, maxiter=50 * j)
    support = np.flatnonzero(w > 0)
    if support.size == 0:
        support = np.array([int(np.argmin(((a - b[:, None]) ** 2).sum(axis=0)))])
    for _ in range(5 * j):  # active set: drop negative weights, add the most useful donor
        ws = _on_support(a, b, support)
        if ws.min() < 0:
            support = support[ws > 0] if np.any(ws > 0) else support[[int(np.argmax(ws))]]
            continue
        w = np.zeros(j)
        w[support] = ws
        grad = a.T @ (a @ w - b)
        level = float(grad[support].mean())
        off = np.setdiff1d(np.arange(j), support)
        scale = max(float(np.abs(grad).max()), float(np.abs(a).max()) ** 2, 1e-300)
        if off.size == 0 or grad[off].min() >= level - 1e-7 * scale:
            break
        support = np.sort(np.append(support, off[int(np.argmin(grad[off]))]))
    w = np.clip(w, 0.0, None)
    w /= w.sum()
    if _is_optimal(a, b, w):
        return w
    res = optimize.minimize(
        lambda v: _loss(a, b, v), w, jac=lambda v: 2 * a.T @ (a @ v - b), method="SLSQP",
        bounds=[(0.0, 1.0)] * j, constraints=[{"type": "eq", "fun": lambda v: v.sum() - 1.0}],
        options={"ftol": 1e-15, "maxiter": 2000},
    )
    best = np.clip(res.x, 0.0, None)
    best /= best.sum()
    return best if _loss(a, b, best) < _loss(a, b, w) else w


def weights_for_v(x1: np.ndarray, x0: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Donor weights for predictor weights ``v`` (the inner problem)."""
    root = np.sqrt(np.clip(v, 0.0, None))
    return simplex_least_squares(x0 * root[:, None], x1 * root)


GRID_STARTS = 3
"""Best points of the coarse simplex grid from which Nelder-Mead refines V."""


def _simplex_grid(k: int) -> list[np.ndarray]:
    """Points of the k-simplex on a lattice (step 1/6, or 1/3 beyond five predictors)."""
    steps = 6 if k <= 5 else 3
    out = []
    for combo in itertools.combinations(range(steps + k - 1), k - 1):
        cuts = np.array((-1, *combo, steps + k - 1))
        out.append((np.diff(cuts) - 1) / steps)
    return out


def choose_v(
    *, x1: np.ndarray, x0: np.ndarray, z1: np.ndarray, z0: np.ndarray, max_iter: int = 400
) -> tuple[np.ndarray, np.ndarray]:
    """(v, w): predictor weights minimising the pre-period outcome gap, and their weights.

    ``x1``/``x0`` are the predictors (already scaled), ``z1``/``z0`` the pre-period outcomes
    (periods x donors for ``z0``).
    """
    k = x1.size
    if k == 1:
        v = np.ones(1)
        return v, weights_for_v(x1, x0, v)

    def v_of(theta: np.ndarray) -> np.ndarray:
        mag = np.abs(theta)
        total = mag.sum()
        return np.asarray(mag / total) if total > 0 else np.full(k, 1.0 / k)

    def outcome_gap(theta: np.ndarray) -> float:
        w = weights_for_v(x1, x0, v_of(theta))
        r = z1 - z0 @ w
        return float(r @ r) / max(z1.size, 1)

    grid = sorted(((outcome_gap(g), tuple(g)) for g in _simplex_grid(k)), key=lambda t: t[0])
    best_theta, best_gap = np.array(grid[0][1]), grid[0][0]
    for _, start in grid[:GRID_STARTS]:
        res = optimize.minimize(outcome_gap, np.array(start), method="Nelder-Mead",
                                options={"maxiter": max_iter, "xatol": 1e-7, "fatol": 1e-12})
        if res.fun < best_gap:
            best_theta, best_gap = res.x, float(res.fun)
    v = v_of(best_theta)
    return v, weights_for_v(x1, x0, v)


def scale_predictors(x1: np.ndarray, x0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each predictor divided by its standard deviation across all units (treated included)."""
    full = np.column_stack([x1, x0])
    sd = full.std(axis=1, ddof=1)
    sd = np.where(np.isfinite(sd) & (sd > 0), sd, 1.0)
    return x1 / sd, x0 / sd[:, None]


def rmspe(gaps: np.ndarray) -> float:
    """Root mean squared prediction error of a series of gaps."""
    return math.sqrt(float(np.mean(gaps**2))) if gaps.size else math.nan
