"""One catalogue of warning codes and the plain-English sentence each one shows.

The engines (``seedbed.stats``, ``seedbed.data``) and a few app modules attach short warning
codes (``WARN_* = "code"`` constants) to their results; the participatory-budgeting count
(``seedbed.pb.outcome``) and the text engine (``seedbed.text.codes``) keep their own codes, whose
sentences live here too. Codes stay in stored results, JSON
output and tests; people see the sentence from :func:`warning_text`. Each sentence is written
for an innovation lead or a social worker: what the warning means for the result and, briefly,
what to do. A test checks that every ``WARN_*`` code in the source has an entry here and that
no entry outlives its code.

Framework-free: no Django import (the statistics engine's contract).
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["UNKNOWN_WARNING", "WARNING_TEXT", "warning_text", "warning_texts"]

UNKNOWN_WARNING = "The analysis noted: {code}. Ask the analysis team what this means for the result."
"""Shown for a code that has no sentence yet; it keeps the code so support can find it."""

WARNING_TEXT: dict[str, str] = {
    # Allocation and randomisation
    "partial_final_block": (
        "The last block of allocations in at least one group is incomplete, so the arms may "
        "differ in size by up to half a block. This is expected when recruitment stops "
        "mid-block."
    ),
    "stratum_varies_within_cluster": (
        "People in the same cluster were recorded in different strata (subgroups used to "
        "balance the arms); the first person's stratum was used for the whole cluster. Check "
        "the strata recorded for each cluster."
    ),
    "minimisation_without_random_element": (
        "Minimisation runs without a random element, so anyone who knows the earlier "
        "allocations can work out the next one. Register a probability below 1 (0.8 is "
        "usual) unless allocation is done centrally and the factors are hidden from "
        "recruiters."
    ),
    "strata_with_one_unit": (
        "Some strata (subgroups used to balance the arms) contain only one unit, so balancing "
        "within them does little. Use fewer, broader strata for a sample of this size."
    ),
    "clusters_not_divisible_by_steps": (
        "The clusters cannot be split evenly between the steps, so some steps switch one more "
        "cluster to the new way of working than others."
    ),
    "fewer_clusters_than_steps": (
        "There are fewer clusters than steps, so at some steps no cluster switches to the new "
        "way of working. Use fewer steps or add clusters."
    ),
    "fewer_than_20_clusters_per_arm": (
        "At least one arm has fewer than 20 clusters (groups such as teams or schools). With "
        "so few, the usual uncertainty estimates can be too optimistic: treat the interval and "
        "p-value with caution and use small-sample corrections."
    ),
    "fewer_than_20_clusters": (
        "The trial has fewer than 20 clusters (groups such as teams or schools), so the "
        "estimate is less certain than the interval may suggest: read it with caution."
    ),
    # Summaries and simple comparisons
    "n_below_two": (
        "An arm has fewer than two people with an outcome, so its spread cannot be measured "
        "and the comparison is not reliable. Wait for more outcomes."
    ),
    "empty_arm": (
        "An arm has no outcomes recorded, so the arms cannot be compared yet."
    ),
    "zero_variance": (
        "Every outcome is the same (there is no variation), so the uncertainty cannot be "
        "measured and no interval or p-value can be given. Check the outcome data."
    ),
    "control_mean_zero": (
        "The comparison group's average is zero, so a relative (percentage) change cannot be "
        "calculated; use the absolute difference instead."
    ),
    "zero_events": (
        "An arm has no events (or only events), so the usual interval is unreliable; an exact "
        "test is more trustworthy here."
    ),
    "small_expected_counts": (
        "Some of the expected counts are below five, so the usual test is approximate; an exact "
        "test is more trustworthy here."
    ),
    "zero_cell": (
        "One of the four counts in the two-by-two table is zero, so the odds ratio (a measure "
        "of how much more likely the outcome is in one arm) is zero or infinite. Read the "
        "exact test's p-value rather than the ratio."
    ),
    # Safety and harm monitoring
    "no_people_in_an_arm": (
        "Nobody has been enrolled in one arm (or condition) yet, so harm cannot be compared."
    ),
    "no_events_yet": (
        "No harm events have been recorded in either arm yet, so there is no evidence of harm "
        "so far."
    ),
    "fewer_than_two_clusters_in_an_arm": (
        "The harm check needs at least two clusters with people in each arm; until then no "
        "comparison is possible."
    ),
    "no_exposed_and_unexposed_person_time": (
        "No cluster or period yet has time both with and without the new way of working and "
        "with events, so harm cannot be compared yet."
    ),
    "invalid_counts": (
        "Some harm counts or time at risk are negative, missing or inconsistent, so no harm "
        "statistic was calculated. Check the safety records."
    ),
    "stepped_wedge_schedule_missing": (
        "The stepped-wedge period schedule (first period start and period length) is missing, "
        "so harm cannot be compared. Add the schedule to the protocol."
    ),
    # Interim looks (group-sequential monitoring)
    "more_looks_than_planned": (
        "There were more interim looks at the data than the plan allows; the extra looks were "
        "not assessed."
    ),
    "missing_z_statistic": (
        "A look had no usable test statistic, so it was recorded as 'continue'. Check the data "
        "for that look."
    ),
    "observed_information_rates_ignored": (
        "The share of information seen at each look could not be used (it did not increase "
        "steadily, or the design's boundaries cannot be recalculated), so the planned stopping "
        "boundaries were applied."
    ),
    "no_new_information_since_the_last_look": (
        "No new information has arrived since the last look, so nothing changes at this look."
    ),
    "already_stopped_at_an_earlier_look": (
        "A stop was already recommended at an earlier look; later looks are shown for the "
        "record only."
    ),
    "information_rates_do_not_end_at_one": (
        "The last planned look is before all the data are in, so the full allowance for a "
        "false positive is not used and the trial is less powerful than it could be."
    ),
    "tuning_parameter_not_positive": (
        "The planned sample size used to tune the always-valid interval was not positive; the "
        "current sample size was used instead."
    ),
    # Planning and power
    "zero_effect": (
        "The effect to detect is zero, so no sample size can reach the chosen power. Enter the "
        "smallest effect that would matter."
    ),
    "sample_size_below_two_per_arm": (
        "The calculation gave fewer than two per arm, which is too few to analyse; it was "
        "raised to two per arm."
    ),
    "power_unreachable": (
        "The chosen power cannot be reached with this sample size, so no minimum detectable "
        "effect is given. Increase the sample or accept lower power."
    ),
    "infinite_sample_size": (
        "With no effect to detect, the sample size needed is infinite. Enter the smallest "
        "effect that would matter."
    ),
    # Subgroups
    "subgroup_not_prespecified": (
        "This subgroup was not named in the registered protocol, so read the result as an idea "
        "to test in future, not as a finding."
    ),
    "subgroup_level_without_standard_error": (
        "Some subgroup has too little data to measure its uncertainty and was left out of the "
        "test of whether the effect differs between subgroups."
    ),
    "fewer_than_two_levels": (
        "Fewer than two subgroups have usable data, so there is no test of whether the effect "
        "differs between them."
    ),
    # Regression and cluster analysis
    "singular_design": (
        "Some of the factors in the analysis duplicate each other (for example, a covariate "
        "that is the same as the arm), so the results for them are not meaningful. Remove or "
        "merge those factors."
    ),
    "n_not_greater_than_k": (
        "There are no more people than factors in the analysis, so the uncertainty cannot be "
        "measured. Use fewer covariates or wait for more data."
    ),
    "one_cluster": (
        "All the data come from one cluster, so the uncertainty between clusters cannot be "
        "measured and no interval is given."
    ),
    "one_cluster_per_arm": (
        "An arm has only one cluster, so differences between clusters cannot be separated from "
        "the effect and no interval is given."
    ),
    "unsupported_cov_type": (
        "The requested way of measuring uncertainty needs row-by-row data; the standard "
        "method was used instead."
    ),
    "no_data": (
        "There were no usable rows to analyse."
    ),
    "empty_cluster": (
        "A cluster with no outcomes was left out of the analysis."
    ),
    "too_few_clusters_for_cr1": (
        "There are too few clusters to measure uncertainty between clusters, so no interval "
        "or p-value is given."
    ),
    "fewer_than_two_clusters": (
        "Fewer than two clusters have outcomes, so variation between clusters cannot be "
        "estimated."
    ),
    "no_between_cluster_df": (
        "There are too few clusters (for example one per arm) to measure uncertainty between "
        "them, so some results are not given."
    ),
    "no_residual_df": (
        "There are no more outcomes than factors in the model, so nothing can be estimated. "
        "Wait for more data or use fewer covariates."
    ),
    "zero_within_cluster_variance": (
        "Within every cluster the outcomes are all the same, so the uncertainty cannot be "
        "measured. Check the outcome data."
    ),
    "collinear_design": (
        "Some effects cannot be separated by this design (for example, there is no period with "
        "both treated and untreated clusters), so they are not reported."
    ),
    "cluster_variance_estimated_zero": (
        "The clusters look no more different from each other than chance would explain, so "
        "the model treated them as alike. This is common with few clusters and is not an "
        "error."
    ),
    "mixed_model_not_fitted_clusters_in_engine": (
        "There are so many clusters that the mixed model (which allows for each cluster's own "
        "level) was not fitted; only the cluster-robust estimate is given."
    ),
    "no_treated_and_untreated_periods": (
        "No period has both clusters using and clusters not yet using the new way of working, "
        "so the effect cannot be estimated."
    ),
    # Difference-in-differences (seedbed.stats.did)
    "unbalanced_panel_units_dropped": (
        "Some units have no outcome for at least one period and were left out, because the "
        "method needs every unit in every period. If many are missing, or more in one group, "
        "the result may be biased: find out why."
    ),
    "treated_after_last_period": (
        "Some units were first treated after the last period in the data, so they were "
        "counted as never treated."
    ),
    "treated_in_first_period_dropped": (
        "Some units were already treated in the first period, so there is no before-period "
        "to compare them with and they were left out."
    ),
    "no_never_treated_units": (
        "Every unit is treated at some point, so the last group to be treated serves as the "
        "comparison and the periods from when it was treated are left out."
    ),
    "cells_without_comparison_units": (
        "For some groups and periods there were no comparison units (none never treated or "
        "not yet treated), so those effects are not estimated and not in the averages."
    ),
    "did_fewer_than_20_clusters": (
        "Fewer than 20 clusters (or units, when no cluster is given) are treated, or fewer "
        "than 20 serve as the comparison, so the interval may be too narrow: read it with "
        "caution."
    ),
    "pretrend_test_failed": (
        "Before the change, the treated and comparison groups were already moving apart "
        "(the pre-trend test is significant), so the main assumption of this method is in "
        "doubt and the estimate may be biased. Look at the event-study plot before trusting "
        "the result."
    ),
    "no_pretrend_test": (
        "There are too few periods before treatment to check whether the groups moved in "
        "step beforehand, so the main assumption of this method cannot be checked."
    ),
    "no_treated_groups": (
        "No treated group has both a period before treatment and units to compare with, so "
        "no effect can be estimated. Check the first-treated column."
    ),
    "did_uneven_periods": (
        "The periods are not evenly spaced (one is missing, or months are coded as YYYYMM). "
        "The event study counts periods in order, not their numbers, so the estimates are "
        "right; but a period is not always the same length of time. Check none is missing."
    ),
    "empty_did_cell": (
        "One of the four combinations of group (treated or comparison) and period (before or "
        "after) has no data, so the difference-in-differences cannot be calculated."
    ),
    # Interrupted time series (seedbed.stats.its)
    "its_autocorrelation": (
        "Neighbouring periods' outcomes are correlated beyond what the trend explains. The "
        "uncertainty allows for this over a few periods, but a seasonal pattern or a change "
        "that builds up slowly may be missing from the model: look at the plotted series."
    ),
    "its_fewer_than_8_points_per_segment": (
        "There are fewer than 8 periods before or after the change, so the trends are "
        "uncertain and the interval may be too narrow. Use more periods if you can."
    ),
    "its_no_periods_before_or_after": (
        "There are not enough periods before the change, or none after it, to estimate a "
        "change. Check the start date and the periods in the data."
    ),
    "its_autocorrelation_not_checked": (
        "The check for correlation between neighbouring periods could not be run: the lag "
        "is too long for the number of periods. Use a shorter lag or more periods."
    ),
    "its_exact_fit": (
        "The outcome follows straight lines exactly (for example, it is the same in every "
        "period), so there is no variation to measure uncertainty from and no change is "
        "estimated. Check the outcome column."
    ),
    "its_missing_rows_dropped": (
        "Some periods had no outcome (or no comparison value) and were left out."
    ),
    # Data checks and quality
    "missing_outcome_rows_dropped": (
        "Some people had no outcome recorded and were left out. If many are missing, or more "
        "in one arm, the result may be biased: find out why they are missing."
    ),
    "missing_covariate_rows_dropped": (
        "Some people had a missing background characteristic used for adjustment and were "
        "left out. If many are missing, the result may be biased."
    ),
    "rows_without_cluster": (
        "Some rows had no cluster recorded and were left out of the cluster analysis. Check "
        "the cluster column."
    ),
    "sample_ratio_mismatch": (
        "The numbers in each arm are very unlikely under the planned split, which suggests a "
        "problem with allocation or data collection. Check how people were allocated before "
        "trusting the result."
    ),
    "no_units": (
        "No people or units were counted, so the allocation check could not be run."
    ),
    "baseline_imbalance": (
        "The arms differed at the start on at least one background characteristic; consider "
        "adjusting for it in the analysis."
    ),
    "smd_undefined": (
        "The balance between arms could not be measured for some characteristic (too few "
        "people, or no variation in it)."
    ),
    "small_counts_suppressed": (
        "Some small counts are hidden to protect people's privacy, so figures may not add up."
    ),
    "arm_without_outcomes": (
        "An arm has no outcomes recorded, so it could not be compared."
    ),
    "negative_counts": (
        "Some counts were negative, which is not possible for a count; they were published as "
        "given. Check the table."
    ),
    "everything_suppressed": (
        "Every figure had to be hidden to protect people's privacy, so the table should not "
        "be published."
    ),
    # Regression discontinuity (seedbed.stats.rd, rd_density)
    "rd_constant_outcome": (
        "The outcome takes one value on each side of the cutoff, so there is no variation "
        "to estimate a jump or its uncertainty from. Check the outcome column."
    ),
    "rd_no_data_on_a_side": (
        "There are no observations on one side of the cutoff, so there is no jump to "
        "measure. Check the cutoff and the score column."
    ),
    "rd_few_observations_near_cutoff": (
        "Fewer than 20 observations lie close to the cutoff on at least one side, so the "
        "estimate rests on very few people and may change a lot with more data."
    ),
    "rd_too_few_for_bandwidth": (
        "There are too few observations, or too few different scores, near the cutoff to "
        "estimate the jump, so no result is given. Collect more data near the cutoff."
    ),
    "rd_mass_points": (
        "The score takes only a few different values (many people share the same score), so "
        "the comparison near the cutoff is coarser than it looks; read the result with care."
    ),
    "rd_density_jump_at_cutoff": (
        "There are noticeably more (or fewer) people just above the cutoff than just below, "
        "which suggests people may have been able to choose their side. If so, the two "
        "sides are not comparable and the estimate may be biased."
    ),
    "rd_density_not_tested": (
        "There were too few observations near the cutoff to check whether people could "
        "choose their side of it."
    ),
    "rd_weak_first_stage": (
        "Crossing the cutoff changed take-up of the new way of working only a little, so the "
        "estimate divides by a small, uncertain number and may be far off. Read it with "
        "great caution."
    ),
    "rd_missing_rows_dropped": (
        "Some rows had no score or no outcome and were left out. If many are missing near "
        "the cutoff, the result may be biased."
    ),
    # Synthetic control (seedbed.stats.synth)
    "synth_treated_outside_donor_range": (
        "Before the start, the treated area's outcome was higher (or lower) than every "
        "comparison area's in most periods, so no mix of them can follow it and the "
        "estimated effect is unreliable. Look for comparison areas more like it."
    ),
    "synth_placebo_exact_fit_excluded": (
        "At least one comparison area is matched exactly before the change by the others "
        "(for example, it appears twice), so its placebo comparison means nothing and was "
        "left out of the placebo p-value."
    ),
    "synth_duplicate_donors": (
        "Two comparison areas have the same outcome in every period. Check whether one area "
        "was entered twice under different names."
    ),
    "synth_poor_pre_fit": (
        "Before the start, the weighted mix of comparison areas does not follow the treated "
        "area closely, so it is a poor guide to what would have happened afterwards. Treat "
        "the estimate with caution; try other comparison areas or a longer pre-period."
    ),
    "synth_few_donors": (
        "There are fewer than 19 comparison areas, so the placebo test cannot give a p-value "
        "below 0.05 however large the effect. Read the size of the gap, not the p-value."
    ),
    "synth_weights_concentrated": (
        "One comparison area carries most of the weight, so the result is close to a "
        "comparison with that one area and depends on anything special about it."
    ),
    "synth_donors_dropped_incomplete": (
        "Some comparison areas lacked an outcome (or covariate) in at least one period and "
        "were left out."
    ),
    "synth_not_estimable": (
        "No synthetic control could be built: there must be comparison areas, periods both "
        "before and after the start, and a complete series for the treated area."
    ),
    # Costs
    "icer_interval_undefined": (
        "The effect could be either better or worse than the comparison, so no range is given "
        "for the cost per extra outcome."
    ),
    "zero_incremental_effect": (
        "The arms achieved the same outcomes, so the cost per extra outcome cannot be "
        "calculated."
    ),
    "arm_with_fewer_than_two_units": (
        "An arm has fewer than two units, so no uncertainty range for costs can be given."
    ),
    "no_outcomes": (
        "No outcomes were achieved, so the cost per outcome cannot be calculated."
    ),
    # Bayesian reading, multiple outcomes, evidence levels
    "standard_error_missing": (
        "The estimate has no usable uncertainty, so the Bayesian reading shows only the prior "
        "belief, not the trial's evidence."
    ),
    "missing_p_values": (
        "Some outcomes have no p-value and were left out of the adjustment for testing "
        "several outcomes."
    ),
    "non_random_comparison_group": (
        "The comparison group was not chosen at random, so other differences between the "
        "groups may explain the result."
    ),
    "no_theory_of_change": (
        "There is no account of why the innovation should work, so even the first level of "
        "evidence is not met. Add a theory of change."
    ),
    "replications_do_not_confirm": (
        "Independent repeats of this work did not confirm the finding, so the highest level "
        "of evidence is not reached."
    ),
    # Participatory budgeting counts (seedbed.pb.outcome)
    "no-voters": "No ballots were cast, so the count chose nothing on voters' behalf.",
    "no-projects": "The vote listed no projects, so there was nothing to fund.",
    "points-as-utility": (
        "Voters gave points, so each project's points were used as its value to the voter."
    ),
    "utility-ignored": (
        "This counting rule uses only which projects each voter approved; the chosen measure "
        "of value was not used."
    ),
    "threshold-from-meta": (
        "No minimum score was given, so the minimum recorded in the vote's file (or zero) was "
        "used."
    ),
    "nothing-funded": (
        "No project could be funded within the budget under this rule. Check the budget and "
        "the project costs."
    ),
    # Text search and themes (seedbed.text.codes)
    "empty_corpus": "There is no text to search or group yet.",
    "empty_query": "The search was empty, so nothing was matched. Type some words to search.",
    "empty_texts_skipped": "Some entries had no text and were left out.",
    "single_text": "There is only one text, so there is nothing to compare it or group it with.",
    "identical_texts": "All the texts are the same, so they cannot be told apart or grouped.",
    "k_exceeds_corpus": (
        "More matches were asked for than there are texts, so every text is shown."
    ),
    "query_out_of_vocabulary": (
        "None of the search words appear in the texts, so no match is better than another. "
        "Try other words."
    ),
    "no_themes": (
        "No group of similar texts was large enough to count as a theme."
    ),
    "no_label_words": (
        "The texts have no meaningful words (only common words, numbers or symbols) to name "
        "the themes with."
    ),
    "themes_approximate": (
        "There are many texts, so the themes were built from small groups first and are "
        "approximate."
    ),
    "index_refitted": (
        "The texts changed a lot, so the search index was rebuilt from scratch."
    ),
    "index_not_saved": (
        "The search index could not be saved, so it was kept in memory for this run only."
    ),
}


def _code_of(warning: object) -> tuple[str, str]:
    """Split a warning into (code, detail). Warnings are plain codes; "code: detail" is allowed."""
    text = str(warning).strip()
    code, sep, detail = text.partition(":")
    if sep and code.strip() in WARNING_TEXT:
        return code.strip(), detail.strip()
    return text, ""


def warning_text(code: object) -> str:
    """The plain-English sentence for a warning code (a generic sentence for unknown codes)."""
    key, detail = _code_of(code)
    text = WARNING_TEXT.get(key)
    if text is None:
        return UNKNOWN_WARNING.format(code=key)
    return f"{text} ({detail})" if detail else text


def warning_texts(codes: Iterable[object]) -> list[str]:
    """The sentences for several codes, in order, without repeats."""
    return list(dict.fromkeys(warning_text(c) for c in codes))
