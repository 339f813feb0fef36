"""Comparison helpers for nested analysis results."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd


def make_trial(
    *, clusters: int = 120, seed: int = 7, arms: tuple[str, ...] = ("control", "treatment"),
    missing: bool = False, strata: bool = True, mean: float = 50.0,
) -> pd.DataFrame:
    """A cluster-randomised trial with a covariate, strata, a subgroup and a cost."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(3, 40, clusters)
    cl = np.repeat(np.arange(clusters), sizes)
    n = len(cl)
    cluster_arm = rng.integers(0, len(arms), clusters)
    arm_idx = cluster_arm[cl]
    stratum = np.where(rng.random(clusters) < 0.4, "north", "south")[cl]
    x = rng.normal(mean, 10.0, n)
    effect = np.array([0.0, 1.5, -0.7, 0.4])[: len(arms)][arm_idx]
    y = (2.0 + 0.6 * x + effect + (stratum == "north") * 0.8 + rng.normal(0, 1.5, clusters)[cl]
         + rng.normal(0, 4.0, n))
    df = pd.DataFrame({
        "unit": [f"U{i:06d}" for i in range(n)],
        "arm": np.asarray(arms, dtype=object)[arm_idx],
        "y": y,
        "x": x,
        "school": [f"S{c:04d}" for c in cl],
        "region": stratum,
        "sex": np.where(rng.random(n) < 0.5, "female", "male"),
        "cost": 100.0 + 20.0 * (arm_idx > 0) + rng.gamma(2.0, 10.0, n),
    })
    if not strata:
        df = df.drop(columns=["region"])
    if missing:
        df.loc[rng.random(n) < 0.05, "y"] = np.nan
        df.loc[rng.random(n) < 0.05, "x"] = np.nan
    return df


def assert_close(a: Any, b: Any, *, rel: float, abs_: float = 0.0, path: str = "") -> None:
    """Recursively compare two JSON-like structures; floats to ``rel`` relative tolerance."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), path
        for k in a:
            assert_close(a[k], b[k], rel=rel, abs_=abs_, path=f"{path}.{k}")
    elif isinstance(a, list | tuple):
        assert isinstance(b, list | tuple) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_close(x, y, rel=rel, abs_=abs_, path=f"{path}[{i}]")
    elif isinstance(a, float) and not isinstance(a, bool):
        assert isinstance(b, float | int), path
        if math.isnan(a):
            assert math.isnan(b), path
        else:
            assert math.isclose(a, b, rel_tol=rel, abs_tol=abs_), f"{path}: {a!r} != {b!r}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"
