"""Sample size for cluster-randomised, stepped-wedge and group-sequential designs.

- Cluster randomisation (Kerry & Bland, BMJ 1998;316:549): design effect
  DE = 1 + (m - 1) ICC for clusters of m; with unequal cluster sizes of mean m and coefficient
  of variation cv, DE = 1 + ((cv^2 + 1) m - 1) ICC (Eldridge, Ashby & Kerry, Int J Epidemiol
  2006;35:1292-1300). Clusters per arm = ceil(DE n / m), where n is the individually
  randomised sample size per arm. Worked example: 0.50 vs 0.65, ICC 0.05, 46 per practice:
  DE 3.25, 12 practices per arm, 1104 patients (Sedgwick, BMJ 2013;346:f2839).
- Stepped wedge (Woertman et al., J Clin Epidemiol 2013;66:752-758), k steps, n individuals
  per cluster per measurement, t measurements after each step, b baseline measurements:
      DE_sw = [1 + rho (k t n + b n - 1)] / [1 + rho (k t n / 2 + b n - 1)]
              * 3 (1 - rho) / [2 t (k - 1/k)]
  total sample = DE_sw x (total individually randomised sample), and clusters =
  total / n, rounded up to a multiple of k (Kristunas, Morris & Gray, Trials 2017;18:72,
  Table 2: d = 0.2, rho = 0.05, k = 4: DE 0.535, 44 clusters of 10 per measurement).
  Each cluster contributes n people at each of its b + k t measurements, so the people
  measured are clusters x n x (b + k t); "total" is not that number. This approximation
  is kept for comparison; designs are sized by the exact Hussey & Hughes variance in
  ``seedbed.stats.sw_power``, which the command line and the app use.
- Group-sequential designs: the maximum sample size is the fixed one times the inflation
  factor of the boundaries (Jennison & Turnbull 2000, section 2.2;
  ``seedbed.stats.boundaries.inflation_factor``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from seedbed.stats.arguments import finite, non_negative, positive, whole
from seedbed.stats.boundaries import GroupSequentialDesign, inflation_factor

WARN_FEW_CLUSTERS = "fewer_than_20_clusters_per_arm"
"""Fewer than 20 clusters per arm: use small-sample corrections in the analysis."""
WARN_INFINITE_SAMPLE = "infinite_sample_size"
"""The individually randomised sample size is infinite (zero effect)."""

ERR_ICC = "the ICC must lie in [0, 1)"
ERR_CLUSTER_SIZE = "the cluster size must be at least 1"
ERR_STEPS = "a stepped-wedge design needs at least 2 steps"
ERR_CV = "the coefficient of variation of cluster size must be non-negative"

MIN_CLUSTERS_PER_ARM = 20


@dataclass(frozen=True)
class ClusterSampleSize:
    """Sample size of a parallel cluster-randomised trial."""

    design_effect: float
    n_per_arm_individual: float  # before the design effect
    n_per_arm: float  # DE x n, unrounded
    clusters_per_arm: int | None
    total_n: int | None  # 2 x clusters_per_arm x cluster size
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class SteppedWedgeSampleSize:
    """Sample size of a stepped-wedge cluster trial (Woertman et al. 2013)."""

    design_effect: float
    total_n_individual: float
    total_n: float  # DE_sw x total individually randomised sample, unrounded
    clusters: int | None  # rounded up to a multiple of the number of steps
    clusters_per_step: int | None
    warnings: tuple[str, ...] = ()


def design_effect_cluster(*, cluster_size: float, icc: float, cv: float = 0.0) -> float:
    """1 + ((cv^2 + 1) m - 1) ICC; with cv = 0 the Kerry & Bland 1 + (m - 1) ICC."""
    if not 0.0 <= finite("icc", icc) < 1.0:
        raise ValueError(ERR_ICC)
    if finite("cluster_size", cluster_size) < 1:
        raise ValueError(ERR_CLUSTER_SIZE)
    if finite("cv", cv) < 0:
        raise ValueError(ERR_CV)
    return 1.0 + ((cv * cv + 1.0) * cluster_size - 1.0) * icc


def cluster_sample_size(
    *, n_per_arm: float, cluster_size: int, icc: float, cv: float = 0.0
) -> ClusterSampleSize:
    """Inflate an individually randomised n per arm for cluster randomisation (see module)."""
    if math.isnan(n_per_arm) or n_per_arm <= 0:
        positive("n_per_arm", n_per_arm)  # names the argument (inf means a zero effect)
    whole("cluster_size", cluster_size, minimum=1)
    de = design_effect_cluster(cluster_size=cluster_size, icc=icc, cv=cv)
    warnings: list[str] = []
    inflated = n_per_arm * de
    if not math.isfinite(inflated):
        warnings.append(WARN_INFINITE_SAMPLE)
        return ClusterSampleSize(de, n_per_arm, inflated, None, None, tuple(warnings))
    clusters = max(2, math.ceil(inflated / cluster_size - 1e-9))
    if clusters < MIN_CLUSTERS_PER_ARM:
        warnings.append(WARN_FEW_CLUSTERS)
    return ClusterSampleSize(
        design_effect=de,
        n_per_arm_individual=n_per_arm,
        n_per_arm=inflated,
        clusters_per_arm=clusters,
        total_n=2 * clusters * cluster_size,
        warnings=tuple(warnings),
    )


def design_effect_stepped_wedge(
    *, steps: int, cluster_size: int, icc: float, measurements_per_step: int = 1, baseline: int = 1
) -> float:
    """Woertman et al. (2013) design effect for k steps (formula in the module docstring)."""
    if whole("steps", steps) < 2:
        raise ValueError(ERR_STEPS)
    if not 0.0 <= finite("icc", icc) < 1.0:
        raise ValueError(ERR_ICC)
    if whole("cluster_size", cluster_size) < 1:
        raise ValueError(ERR_CLUSTER_SIZE)
    whole("measurements_per_step", measurements_per_step, minimum=1)
    whole("baseline", baseline, minimum=0)
    k, n, t, b, rho = steps, cluster_size, measurements_per_step, baseline, icc
    ratio = (1 + rho * (k * t * n + b * n - 1)) / (1 + rho * (k * t * n / 2 + b * n - 1))
    return ratio * 3 * (1 - rho) / (2 * t * (k - 1 / k))


def stepped_wedge_sample_size(
    *,
    n_per_arm: float,
    steps: int,
    cluster_size: int,
    icc: float,
    measurements_per_step: int = 1,
    baseline: int = 1,
) -> SteppedWedgeSampleSize:
    """Total sample and clusters for a stepped-wedge trial from an individually randomised n.

    Woertman's approximation (module docstring); clusters = total / cluster size, rounded up
    to a multiple of the steps. Size designs with ``seedbed.stats.sw_power``.
    """
    if math.isnan(n_per_arm) or n_per_arm <= 0:
        positive("n_per_arm", n_per_arm)
    de = design_effect_stepped_wedge(
        steps=steps,
        cluster_size=cluster_size,
        icc=icc,
        measurements_per_step=measurements_per_step,
        baseline=baseline,
    )
    warnings: list[str] = []
    total_ind = 2.0 * n_per_arm
    total = de * total_ind
    if not math.isfinite(total):
        warnings.append(WARN_INFINITE_SAMPLE)
        return SteppedWedgeSampleSize(de, total_ind, total, None, None, tuple(warnings))
    # Woertman's total counts each cluster once per cluster size, not once per measurement
    per_cluster = cluster_size
    clusters_raw = max(1, math.ceil(total / per_cluster - 1e-9))
    per_step = math.ceil(clusters_raw / steps)
    return SteppedWedgeSampleSize(de, total_ind, total, per_step * steps, per_step, tuple(warnings))


def group_sequential_sample_size(
    *, n_per_arm: float, design: GroupSequentialDesign, power: float = 0.8
) -> tuple[float, float]:
    """(inflation factor, maximum n per arm) for a group-sequential version of a fixed design."""
    if math.isnan(n_per_arm) or n_per_arm < 0:
        non_negative("n_per_arm", n_per_arm)  # infinite n (zero effect) stays infinite
    r = inflation_factor(design=design, power=power)
    return r, n_per_arm * r
