"""Frozen result types of a full trial analysis (JSON-ready through ``dataclasses.asdict``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Estimate:
    """A treatment-versus-control effect with its uncertainty."""

    arm: str
    effect: float
    se: float
    ci: tuple[float, float]
    p: float
    df: float
    n: int
    n_clusters: int | None
    cov_type: str
    method: str
    p_holm: float | None = None
    """Holm-adjusted p across the outcomes analysed together (None for a single outcome)."""


@dataclass(frozen=True)
class ArmSummary:
    """Per-arm description of one outcome; ``n`` is None when disclosure control hid it."""

    arm: str
    n: int | None
    n_suppressed: bool
    mean: float
    sd: float
    n_clusters: int | None = None
    mean_cost: float | None = None
    cost_per_outcome: float | None = None


@dataclass(frozen=True)
class SubgroupLevel:
    """Effects within one level of a subgroup column."""

    level: str
    n: int | None
    effects: tuple[Estimate, ...]


@dataclass(frozen=True)
class SubgroupAnalysis:
    """Effects per level of a subgroup and the joint arm x subgroup interaction test."""

    column: str
    levels: tuple[SubgroupLevel, ...]
    interaction_f: float
    interaction_p: float
    interaction_df: tuple[int, float]
    method: str
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class CostAnalysis:
    """Incremental cost and cost per unit of outcome gained (ICER) for each arm."""

    arm: str
    incremental_cost: Estimate
    incremental_outcome: float
    cost_per_outcome_gained: float


@dataclass(frozen=True)
class OutcomeAnalysis:
    """Everything computed for one outcome."""

    outcome: str
    summaries: tuple[ArmSummary, ...]
    unadjusted: tuple[Estimate, ...]
    adjusted: tuple[Estimate, ...]
    adjusted_for: tuple[str, ...]
    subgroups: tuple[SubgroupAnalysis, ...]
    cost: tuple[CostAnalysis, ...]
    warnings: tuple[str, ...]
    mixed: tuple[Estimate, ...] = ()
    """Cluster and stepped-wedge trials: each arm from the linear mixed model with a random
    cluster intercept (``seedbed.data.mixedfit``), the analysis these designs are planned
    under; empty without clusters."""


@dataclass(frozen=True)
class SRMCheck:
    """Sample-ratio-mismatch chi-square test of arm sizes against the allocation ratio."""

    observed: tuple[int, ...]
    expected: tuple[float, ...]
    chi2: float
    df: int
    p: float
    mismatch: bool


@dataclass(frozen=True)
class AnalysisResult:
    """A full analysis: arms, per-outcome effects, the SRM check and warnings."""

    engine: str
    arms: tuple[str, ...]
    control: str
    n_rows: int | None
    n_clusters: int | None
    outcomes: tuple[OutcomeAnalysis, ...]
    srm: SRMCheck
    warnings: tuple[str, ...]
