"""Trial statistics: designs, power, randomisation, estimators, monitoring. No Django, no I/O.

Every public function takes keyword-only arguments and returns a frozen dataclass (or a
number); degenerate input is reported through warning codes (module constants), not
exceptions. Impossible parameters (alpha outside (0, 1), unknown methods) raise ValueError
with a message constant. Modules, by noun:

- ``power``, ``design_effects``: sample size, power and MDE; cluster, stepped-wedge and
  group-sequential inflation.
- ``randomisation``, ``allocation``: reproducible allocation (simple, permuted blocks,
  stratified, cluster), pre-generated sequences, stepped-wedge schedules, commitment hash,
  balance report.
- ``summaries``, ``compare``, ``adjustment``, ``exact``, ``sequential_ci``, ``bayes``:
  two-arm comparisons from summary statistics.
- ``boundaries``, ``sequential_integration``, ``monitoring``: group-sequential boundaries,
  harm and futility boundaries, per-look recommendations.
- ``regression``, ``cluster``: OLS from sufficient statistics, CR1 cluster-robust errors,
  cluster-level analysis, ICC.
- ``mixed``: linear mixed model with a random cluster intercept (REML from cluster
  moments; Satterthwaite or between-within df) for cluster and stepped-wedge trials.
- ``quality``: sample-ratio mismatch and baseline balance.
- ``multiplicity``, ``subgroups``: Holm and Benjamini-Hochberg; subgroup interaction tests.
- ``did``, ``its``: evaluations without randomisation: difference-in-differences (two-by-two
  with CR1 errors; Callaway & Sant'Anna staggered adoption) and interrupted time series
  (segmented regression with Newey-West errors).
- ``economics``: cost per outcome, ICER with bootstrap interval, net monetary benefit.
- ``disclosure``: small-cell and secondary suppression, rounding.
- ``evidence``: Nesta Standards of Evidence level.
- ``rd`` (with ``rd_fit``, ``rd_bandwidth``, ``rd_density``, ``rd_plot``): sharp and fuzzy
  regression discontinuity, robust bias-corrected (Calonico, Cattaneo & Titiunik), density test.
- ``synth`` (with ``synth_weights``): synthetic control with in-space placebo inference.
"""
