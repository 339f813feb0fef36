"""The density (manipulation) check at a regression-discontinuity cutoff against ``rddensity``
(Cattaneo, Jansson & Ma's local-polynomial density test, by the method's authors; a test-only
dependency).

Seedbed's check is McCrary's (2008) binned local-linear test (``seedbed.stats.rd_density``):
a different estimator of the same two limits of the score's density at the cutoff, with its
own bandwidth and no bias correction, so the two cannot agree to rounding on one data set.
They are compared where both must be right: over simulated data sets, the average density
estimated on each side of the cutoff (near the true density, and near each other), how often
each rejects at 5% without manipulation (about 5%) and with it (most of the time), how often
they reach the same decision, and the direction of the jump they find.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pytest
from scipy import stats as sps

from seedbed.stats.rd_density import density_test

Draw = Callable[[np.random.Generator], tuple[np.ndarray, float]]
N = 2000


def _exam(rng: np.random.Generator) -> np.ndarray:
    return 100 * rng.beta(2, 2.5, N)


def _pushed_over(x: np.ndarray, cutoff: float, width: float, share: float,
                 rng: np.random.Generator) -> np.ndarray:
    """A ``share`` of those within ``width`` below the cutoff moved as far above it."""
    moved = (x < cutoff) & (x > cutoff - width) & (rng.uniform(size=x.size) < share)
    return np.where(moved, 2 * cutoff - x, x)


SMOOTH: dict[str, tuple[Draw, float]] = {  # scores with no manipulation, and the true density
    "normal score, cutoff 0.25": (lambda rng: (rng.normal(0, 1, N), 0.25), sps.norm.pdf(0.25)),
    "exam mark, pass at 60": (lambda rng: (_exam(rng), 60.0), sps.beta.pdf(0.6, 2, 2.5) / 100),
    "age 16-90, threshold 65": (lambda rng: (rng.uniform(16, 90, N), 65.0), 1 / 74),
}
MANIPULATED: dict[str, tuple[Draw, int]] = {  # and the sign of the density's jump
    "normal score pushed over 0": (
        lambda rng: (_pushed_over(rng.normal(0, 1, N), 0.0, 0.3, 0.4, rng), 0.0), 1),
    "exam marks pushed over 60": (
        lambda rng: (_pushed_over(_exam(rng), 60.0, 5.0, 0.5, rng), 60.0), 1),
    "scores held back below 5": (
        lambda rng: (_held_back(rng), 5.0), -1),
}


def _held_back(rng: np.random.Generator) -> np.ndarray:
    x = rng.uniform(0, 10, N)
    moved = (x >= 5) & (x < 5.5) & (rng.uniform(size=N) < 0.5)
    return np.where(moved, x - 0.5, x)


def _both(draw: Draw, seed: int, reps: int) -> tuple[np.ndarray, np.ndarray]:
    """Per simulated data set: (density left, density right, p) from Seedbed and rddensity."""
    rddensity = pytest.importorskip("rddensity").rddensity
    rng = np.random.default_rng(seed)
    ours, theirs = [], []
    for _ in range(reps):
        x, cutoff = draw(rng)
        d = density_test(running=x, cutoff=cutoff)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = rddensity(X=x, c=cutoff)
        ours.append((d.density_left, d.density_right, d.p))
        theirs.append((float(ref.hat["left"]), float(ref.hat["right"]), float(ref.test["p_jk"])))
    return np.array(ours), np.array(theirs)


@pytest.mark.parametrize(("seed", "case"), list(enumerate(SMOOTH, start=1501)))
def test_without_manipulation_both_find_the_true_density_and_rarely_reject(seed: int,
                                                                           case: str) -> None:
    draw, truth = SMOOTH[case]
    ours, theirs = _both(draw, seed, reps=50)
    # average density on each side: within 6% of the truth and of each other (the mean of
    # 50 estimates has a standard error of about 1.5%; the rest is each method's own bias)
    np.testing.assert_allclose(ours[:, :2].mean(axis=0), truth, rtol=0.06)
    np.testing.assert_allclose(theirs[:, :2].mean(axis=0), truth, rtol=0.06)
    np.testing.assert_allclose(ours[:, :2].mean(axis=0), theirs[:, :2].mean(axis=0), rtol=0.06)
    ours_reject, theirs_reject = ours[:, 2] < 0.05, theirs[:, 2] < 0.05
    assert ours_reject.mean() <= 0.15 and theirs_reject.mean() <= 0.15  # 5% nominal
    assert (ours_reject == theirs_reject).mean() >= 0.85


@pytest.mark.parametrize(("seed", "case"), list(enumerate(MANIPULATED, start=1511)))
def test_with_manipulation_both_find_the_jump_in_the_same_direction(seed: int,
                                                                     case: str) -> None:
    draw, sign = MANIPULATED[case]
    ours, theirs = _both(draw, seed, reps=25)
    # the difference f+ - f- (rddensity's local quadratic can estimate a density below 0
    # where few remain, so no logarithm)
    ours_jump, theirs_jump = ours[:, 1] - ours[:, 0], theirs[:, 1] - theirs[:, 0]
    assert np.all(np.sign(ours_jump) == sign) and np.mean(np.sign(theirs_jump) == sign) >= 0.9
    ours_reject, theirs_reject = ours[:, 2] < 0.05, theirs[:, 2] < 0.05
    # McCrary's test, without the bias correction's wider interval, is the more powerful here
    assert ours_reject.mean() >= 0.9 and theirs_reject.mean() >= 0.6
    assert ours_reject.mean() >= theirs_reject.mean()
