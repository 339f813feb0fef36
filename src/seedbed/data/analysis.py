"""The full analysis of a trial from its cells: summaries, effects, subgroups, cost, SRM.

Effects are OLS coefficients of the arm indicators (``seedbed.stats.regression``): the
unadjusted model gives the difference in means; the adjusted model adds the pre-period
covariate (ANCOVA) and stratum fixed effects. With a cluster column, inference is CR1
cluster-robust with G - A degrees of freedom (A arms: G - 2 for two, the one df rule of
cluster-parallel comparisons); otherwise classical OLS. Cluster trials also get the
analysis they are planned under, a linear mixed model with a random cluster intercept
(``seedbed.data.mixedfit``, in ``OutcomeAnalysis.mixed``). An arm with a single cluster
gives NaN inference and ``one_cluster_per_arm``, never a near-zero standard error.

A ``period`` column makes it a stepped-wedge trial: the arm column holds each
cluster-period's condition, clusters may appear in both, every model has period fixed
effects (Hussey & Hughes), CR1 has G - 1 df, and the sample-ratio check does not apply
(the share of treated cluster-periods is fixed by the design).

Subgroup effects are fitted within each level; heterogeneity is the joint Wald F test of
the arm x level interaction terms in the pooled interaction model.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from seedbed.data.cells import Cells, fetch_cells
from seedbed.data.checks import DEFAULT_SUPPRESS_BELOW, srm_check, suppress_counts
from seedbed.data.design import build_design
from seedbed.data.engines import Engine, ProgressCallback
from seedbed.data.errors import (
    KIND_CLUSTER_IN_SEVERAL_ARMS,
    KIND_EMPTY_ARM,
    KIND_MISSING_ARM,
    KIND_UNKNOWN_ARM,
    MAX_LISTED_PROBLEMS,
    MSG_CLUSTER_ARMS,
    MSG_EMPTY_ARM,
    MSG_MISSING_ARM_ROWS,
    MSG_NO_CONTROL,
    MSG_ONE_ARM,
    MSG_UNKNOWN_ARM_ROWS,
    DataError,
    Problem,
    build_report,
)
from seedbed.data.fitting import (
    ArmCoding,
    arm_n,
    cluster_starts,
    estimates,
    fit,
    stat_names,
)
from seedbed.data.mixedfit import clusters_per_arm, guard_one_cluster, mixed_estimates
from seedbed.data.moments import wald_test
from seedbed.data.pushdown import fetch_pushed, pushdown_applies
from seedbed.data.results import (
    AnalysisResult,
    ArmSummary,
    CostAnalysis,
    Estimate,
    OutcomeAnalysis,
    SRMCheck,
    SubgroupAnalysis,
    SubgroupLevel,
)
from seedbed.data.schema import TrialSchema
from seedbed.data.sql import cell_columns
from seedbed.stats.multiplicity import METHOD_HOLM, adjust_p_values

WARN_MISSING_OUTCOME = "missing_outcome_rows_dropped"
WARN_MISSING_COVARIATE = "missing_covariate_rows_dropped"
WARN_ROWS_WITHOUT_CLUSTER = "rows_without_cluster"
WARN_SAMPLE_RATIO_MISMATCH = "sample_ratio_mismatch"
WARN_COUNTS_SUPPRESSED = "small_counts_suppressed"
WARN_ARM_WITHOUT_OUTCOMES = "arm_without_outcomes"
"""An arm (or the control) has no observed outcome: its effect is not estimable (NaN)."""

METHOD_UNADJUSTED = "difference in means (OLS on arm)"
METHOD_ADJUSTED = "covariate-adjusted (ANCOVA: OLS on arm, covariate and strata)"
METHOD_PERIOD_ADJUSTED = "difference adjusted for period (OLS on arm and period)"


def _fixed(schema: TrialSchema, adjusted: bool) -> tuple[str, ...]:
    """Fixed-effect key columns of a model: strata when adjusted, and always the period."""
    base = schema.strata if adjusted else ()
    return (*base, schema.period) if schema.period else base


@dataclass(frozen=True)
class AnalysisOptions:
    """Choices of the analysis: control arm, alpha, allocation ratio, disclosure threshold."""

    control: str | None = None
    alpha: float = 0.05
    ratio: tuple[float, ...] | None = None
    suppress_below: int = DEFAULT_SUPPRESS_BELOW


def analyse(
    *, engine: Engine, schema: TrialSchema, options: AnalysisOptions | None = None,
    progress: ProgressCallback | None = None,
) -> AnalysisResult:
    """Push the cell aggregation down to ``engine`` and analyse the cells it returns."""
    if pushdown_applies(engine=engine, schema=schema):
        cells = fetch_pushed(engine=engine, schema=schema, progress=progress)
    else:
        cells = fetch_cells(engine=engine, schema=schema, progress=progress)
    return analyse_cells(
        cells=cells, schema=schema, options=options or AnalysisOptions(),
        engine=engine.dialect.name,
    )


def _arms(cells: Cells, schema: TrialSchema, options: AnalysisOptions) -> ArmCoding:
    key = cells.keys[schema.arm]
    labels = [str(v) for v in key.labels()]
    n_rows = np.bincount(key.codes[key.codes >= 0], weights=cells.stats["n_rows"][key.codes >= 0],
                         minlength=len(labels))
    problems: list[Problem] = []
    counts: Counter[str] = Counter()
    missing = int(cells.stats["n_arm_missing"].sum())
    if missing:
        problems.append(Problem(None, schema.arm, KIND_MISSING_ARM, MSG_MISSING_ARM_ROWS.format(
            column=schema.arm, count=f"{missing:,}")))
        counts[KIND_MISSING_ARM] += missing
    if schema.arms:
        expected = ", ".join(schema.arms)
        for code, label in enumerate(labels):
            if label not in schema.arms and n_rows[code] > 0:
                problems.append(Problem(None, schema.arm, KIND_UNKNOWN_ARM,
                                        MSG_UNKNOWN_ARM_ROWS.format(
                                            column=schema.arm, value=label,
                                            count=f"{int(n_rows[code]):,}", expected=expected)))
                counts[KIND_UNKNOWN_ARM] += int(n_rows[code])
        for label in schema.arms:
            if label not in labels:
                problems.append(Problem(None, schema.arm, KIND_EMPTY_ARM,
                                        MSG_EMPTY_ARM.format(column=schema.arm, value=label)))
                counts[KIND_EMPTY_ARM] += 1
        order = [labels.index(a) for a in schema.arms if a in labels]
    else:
        order = sorted(range(len(labels)), key=lambda c: labels[c])
    if problems:
        raise DataError(build_report(problems, counts))
    control_label = options.control or schema.control
    if control_label is None:
        control_label = "control" if "control" in labels else labels[order[0]] if order else ""
    if control_label not in labels:
        raise DataError.single(kind=KIND_EMPTY_ARM, column=schema.arm, message=MSG_NO_CONTROL.format(
            value=control_label, arms=", ".join(labels[c] for c in order)))
    control = labels.index(control_label)
    order = [control] + [c for c in order if c != control]
    if len(order) < 2:
        raise DataError.single(kind=KIND_EMPTY_ARM, column=schema.arm,
                               message=MSG_ONE_ARM.format(arms=", ".join(labels[c] for c in order)))
    return ArmCoding(labels=labels, order=order, control=control, treatments=order[1:])


def _check_clusters(cells: Cells, schema: TrialSchema, arms: ArmCoding) -> None:
    if not schema.cluster or cells.size == 0 or cells.pushed is not None or schema.period:
        return  # pushed clusters were checked in the engine; stepped-wedge ones cross over
    starts = cluster_starts(cells, schema)
    if len(starts) == cells.size:  # one cell per cluster: no cluster can span two arms
        return
    arm_codes = cells.keys[schema.arm].codes
    mixed = np.flatnonzero(
        np.maximum.reduceat(arm_codes, starts) != np.minimum.reduceat(arm_codes, starts)
    )
    if len(mixed) == 0:
        return
    key = cells.keys[schema.cluster]
    ends = np.r_[starts[1:], cells.size]
    problems = []
    for b in mixed[:MAX_LISTED_PROBLEMS]:
        code = int(key.codes[starts[b]])
        in_arms = sorted({arms.labels[int(c)] for c in arm_codes[starts[b]:ends[b]] if c >= 0})
        problems.append(Problem(None, schema.cluster, KIND_CLUSTER_IN_SEVERAL_ARMS,
                                MSG_CLUSTER_ARMS.format(
                                    column=schema.cluster, arms=", ".join(in_arms),
                                    value=key.label(code) or "")))
    raise DataError(build_report(problems, Counter({KIND_CLUSTER_IN_SEVERAL_ARMS: len(mixed)})))


def _summaries(cells: Cells, schema: TrialSchema, arms: ArmCoding, index: int,
               below: int) -> tuple[tuple[ArmSummary, ...], bool]:
    c = cell_columns(schema=schema, index=index)
    s = cells.stats
    arm_codes = cells.keys[schema.arm].codes
    per_arm = clusters_per_arm(cells, schema, len(arms.labels))
    ns, rows = [], []
    for a in arms.order:
        m = arm_codes == a
        n = float(s[c.n][m].sum())
        sy, syy = float(s[c.sy][m].sum()), float(s[c.syy][m].sum())
        mean = sy / n if n else math.nan
        var = (syy - sy * mean) / (n - 1) if n > 1 else math.nan
        sd = math.sqrt(max(var, 0.0)) if math.isfinite(var) else math.nan
        clusters = None if per_arm is None else int(per_arm[a])
        mean_cost = cost_per = None
        if c.ncost:
            nc_, sc = float(s[c.ncost][m].sum()), float(s[c.scost][m].sum())
            mean_cost = sc / nc_ if nc_ else math.nan
            cost_per = mean_cost / mean if mean else math.nan
        ns.append(int(round(n)))
        rows.append((arms.labels[a], mean, sd, clusters, mean_cost, cost_per))
    published = suppress_counts(ns, below=below)
    out = tuple(
        ArmSummary(arm=label, n=pub, n_suppressed=pub is None, mean=mean, sd=sd,
                   n_clusters=cl, mean_cost=mc, cost_per_outcome=cp)
        for (label, mean, sd, cl, mc, cp), pub in zip(rows, published, strict=True)
    )
    return out, any(p is None for p in published)


def _subgroup(cells: Cells, schema: TrialSchema, arms: ArmCoding, index: int, column: str,
              alpha: float, below: int) -> SubgroupAnalysis:
    adjusted = bool(schema.covariate or schema.strata)
    stat = stat_names(schema, index, adjusted)
    method = METHOD_ADJUSTED if adjusted else METHOD_UNADJUSTED
    key = cells.keys[column]
    labels = key.labels()
    present = sorted({int(v) for v in np.unique(key.codes) if v >= 0}, key=lambda v: str(labels[v]))
    levels, warnings = [], []
    for code in present:
        sub = cells.take(key.codes == code)
        design = build_design(cells=sub, arm=schema.arm, treatment_codes=arms.treatments,
                              arm_labels=arms.labels, covariate=schema.covariate if adjusted else None,
                              strata=_fixed(schema, adjusted))
        res = fit(cells=sub, schema=schema, design=design, stat=stat, alpha=alpha)
        warnings += list(res.warnings)
        n = int(round(float(sub.stats[stat["n"]].sum())))
        shown = suppress_counts([n], below=below, total_published=False)[0]
        levels.append(SubgroupLevel(level=str(labels[code]), n=shown,
                                    effects=estimates(res, design, arms, method,
                                                       arm_n(sub, schema, arms, stat["n"]))))
    sub = cells.take(key.codes >= 0)
    design = build_design(cells=sub, arm=schema.arm, treatment_codes=arms.treatments,
                          arm_labels=arms.labels, covariate=schema.covariate if adjusted else None,
                          strata=_fixed(schema, adjusted), subgroup=column)
    res = fit(cells=sub, schema=schema, design=design, stat=stat, alpha=alpha)
    f, p, q = wald_test(result=res, indices=design.interaction_cols)
    return SubgroupAnalysis(
        column=column, levels=tuple(levels), interaction_f=f, interaction_p=p,
        interaction_df=(q, res.df), method=method,
        warnings=tuple(dict.fromkeys(warnings + list(res.warnings))),
    )


def _cost(cells: Cells, schema: TrialSchema, arms: ArmCoding, index: int, alpha: float,
          unadjusted: tuple[Estimate, ...]) -> tuple[CostAnalysis, ...]:
    c = cell_columns(schema=schema, index=index)
    design = build_design(cells=cells, arm=schema.arm, treatment_codes=arms.treatments,
                          arm_labels=arms.labels, strata=_fixed(schema, False))
    res = fit(cells=cells, schema=schema, design=design,
               stat={"n": c.ncost, "sy": c.scost, "syy": c.scost2}, alpha=alpha)
    method = "difference in mean cost (OLS on arm" + (" and period)" if schema.period else ")")
    out = []
    costs = guard_one_cluster(estimates(res, design, arms, method,
                                        arm_n(cells, schema, arms, c.ncost)),
                              clusters_per_arm(cells, schema, len(arms.labels)), arms, schema, [])
    for est, cost in zip(unadjusted, costs, strict=True):
        icer = cost.effect / est.effect if est.effect else math.nan
        out.append(CostAnalysis(arm=est.arm, incremental_cost=cost,
                                incremental_outcome=est.effect, cost_per_outcome_gained=icer))
    return tuple(out)


def _outcome(cells: Cells, schema: TrialSchema, arms: ArmCoding, index: int,
             options: AnalysisOptions) -> tuple[OutcomeAnalysis, bool]:
    outcome = schema.outcomes[index]
    warnings: list[str] = []
    s = cells.stats
    c = cell_columns(schema=schema, index=index)
    if s[c.n].sum() < s["n_rows"].sum():
        warnings.append(WARN_MISSING_OUTCOME)
    if c.nc and s[c.nc].sum() < s[c.n].sum():
        warnings.append(WARN_MISSING_COVARIATE)
    summaries, suppressed = _summaries(cells, schema, arms, index, options.suppress_below)
    per_arm = clusters_per_arm(cells, schema, len(arms.labels))
    design = build_design(cells=cells, arm=schema.arm, treatment_codes=arms.treatments,
                          arm_labels=arms.labels, strata=_fixed(schema, False))
    res = fit(cells=cells, schema=schema, design=design,
               stat=stat_names(schema, index, False), alpha=options.alpha)
    warnings += res.warnings
    unadjusted = guard_one_cluster(
        estimates(res, design, arms, METHOD_PERIOD_ADJUSTED if schema.period
                  else METHOD_UNADJUSTED, arm_n(cells, schema, arms, c.n)),
        per_arm, arms, schema, warnings)
    if any(math.isnan(e.effect) for e in unadjusted):
        warnings.append(WARN_ARM_WITHOUT_OUTCOMES)
    adjusted: tuple[Estimate, ...] = ()
    adjusted_for: tuple[str, ...] = ()
    if schema.covariate or schema.strata:
        adjusted_for = tuple(x for x in (schema.covariate, *schema.strata) if x)
        design = build_design(cells=cells, arm=schema.arm, treatment_codes=arms.treatments,
                              arm_labels=arms.labels, covariate=schema.covariate,
                              strata=_fixed(schema, True))
        res = fit(cells=cells, schema=schema, design=design,
                   stat=stat_names(schema, index, True), alpha=options.alpha)
        warnings += res.warnings
        adjusted = guard_one_cluster(
            estimates(res, design, arms, METHOD_ADJUSTED,
                      arm_n(cells, schema, arms, stat_names(schema, index, True)["n"])),
            per_arm, arms, schema, warnings)
    mixed = mixed_estimates(cells=cells, schema=schema, arms=arms, index=index,
                            alpha=options.alpha, warnings=warnings)
    subgroups = tuple(
        _subgroup(cells, schema, arms, index, col, options.alpha, options.suppress_below)
        for col in schema.subgroups
    )
    cost = _cost(cells, schema, arms, index, options.alpha, unadjusted) if schema.cost else ()
    return OutcomeAnalysis(
        outcome=outcome, summaries=summaries, unadjusted=unadjusted, adjusted=adjusted,
        adjusted_for=adjusted_for, subgroups=subgroups, cost=cost,
        warnings=tuple(dict.fromkeys(warnings)), mixed=mixed,
    ), suppressed


def _holm_across_outcomes(results: list[OutcomeAnalysis]) -> list[OutcomeAnalysis]:
    """Holm adjustment of each arm's p-values across outcomes, per model (Holm 1979)."""
    out = list(results)
    for model in ("unadjusted", "adjusted", "mixed"):
        width = len(getattr(out[0], model))
        for j in range(width):
            ps = [getattr(o, model)[j].p for o in out]
            finite = [i for i, p in enumerate(ps) if math.isfinite(p)]
            if len(finite) < 2:
                continue
            adj = adjust_p_values(p_values=[ps[i] for i in finite], method=METHOD_HOLM)
            for i, p_adj in zip(finite, adj.p_adjusted, strict=True):
                ests = list(getattr(out[i], model))
                ests[j] = dataclasses.replace(ests[j], p_holm=p_adj)
                changes: dict[str, Any] = {model: tuple(ests)}
                out[i] = dataclasses.replace(out[i], **changes)
    return out


def analyse_cells(
    *, cells: Cells, schema: TrialSchema, options: AnalysisOptions | None = None,
    engine: str = "duckdb",
) -> AnalysisResult:
    """Analyse sorted cells (see ``seedbed.data.cells``) under ``schema``."""
    options = options or AnalysisOptions()
    arms = _arms(cells, schema, options)
    _check_clusters(cells, schema, arms)
    warnings: list[str] = []
    if schema.cluster and cells.pushed is None and (cells.keys[schema.cluster].codes < 0).any():
        warnings.append(WARN_ROWS_WITHOUT_CLUSTER)
    results = []
    for i in range(len(schema.outcomes)):
        result, suppressed = _outcome(cells, schema, arms, i, options)
        results.append(result)
        if suppressed:
            warnings.append(WARN_COUNTS_SUPPRESSED)
    if len(results) > 1:
        results = _holm_across_outcomes(results)
    arm_codes = cells.keys[schema.arm].codes
    per_arm = cells.pushed.clusters_per_arm if cells.pushed is not None else None
    if per_arm is not None:
        observed = [int(per_arm[a]) for a in arms.order]
    elif schema.cluster:  # clusters were randomised, so their counts are what the ratio governs
        first = arm_codes[cluster_starts(cells, schema)]
        observed = [int(np.count_nonzero(first == a)) for a in arms.order]
    else:
        observed = [int(round(math.fsum(cells.stats["n_rows"][arm_codes == a])))
                    for a in arms.order]
    srm = srm_check(observed=observed, ratio=options.ratio)
    if schema.period:  # the treated share of cluster-periods is set by the design
        srm = SRMCheck(observed=tuple(observed), expected=tuple(math.nan for _ in observed),
                       chi2=math.nan, df=len(observed) - 1, p=math.nan, mismatch=False)
    if srm.mismatch:
        warnings.append(WARN_SAMPLE_RATIO_MISMATCH)
    n_clusters = len(cluster_starts(cells, schema)) if schema.cluster else None
    if per_arm is not None:
        n_clusters = int(per_arm.sum())
    total = int(round(float(cells.stats["n_rows"].sum())))
    shown_total = suppress_counts([total], below=options.suppress_below,
                                  total_published=False)[0]
    return AnalysisResult(
        engine=engine, arms=tuple(arms.labels[a] for a in arms.order),
        control=arms.labels[arms.control], n_rows=shown_total, n_clusters=n_clusters,
        outcomes=tuple(results), srm=srm, warnings=tuple(dict.fromkeys(warnings)),
    )
