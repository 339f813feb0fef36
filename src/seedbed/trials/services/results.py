"""Outcome data, the registered analysis, and publishing the result.

Outcome files (CSV or Excel) go through the data engine (``seedbed.data.ingest``), which
validates every row against the trial's schema and allocation list and either accepts the
whole file or rejects it with every problem by row and column; only an accepted file is
stored (as typed Parquet), so nothing from a rejected file is ever kept.

Blinding: while the trial recruits, a blinded uploader (``rules.arms_concealed_from``) is
answered from the file alone. Checking the units against the concealed allocation list would
tell them each unit's arm ("differs from the allocated arm") and who is enrolled, and even a
bare accept or reject of a one-row file would; so the file is checked for everything but the
allocation, and the allocation check runs later, where the arms may be seen: at the safety
lead's efficacy looks and before the registered analysis (``allocation_mismatches``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from seedbed.accounts.models import User
from seedbed.core.audit import audit_append, audit_checkpoint_current, checkpoint_public
from seedbed.core.errors import ValidationProblem
from seedbed.core.uploads import spool_upload, upload_too_large
from seedbed.library.services import case_create_from_trial
from seedbed.stats.evidence import DIRECTION_HARMFUL, TrialEvidence, trial_evidence
from seedbed.trials.models import (
    Allocation,
    Design,
    OutcomeDataset,
    Trial,
    TrialResult,
)
from seedbed.trials.rules import arms_concealed_from, json_safe
from seedbed.trials.selectors import stopping_record
from seedbed.trials.uploads import (
    ERROR_ANALYSIS,
    SW_ARM_NAMES,
    SW_ARMS,
    SW_CLUSTER,
    SW_TREATED,
    allocation_mismatch_message,
    allocation_mismatches,
    dataset_analyse,
    validated_parquet,
)

ERROR_FILE_TYPE = "The file must be a CSV or Excel file (.csv, .xlsx)"
ERROR_FILE_EMPTY = "The selected file is empty"
ERROR_NOT_ANALYSABLE = "The analysis is run once recruitment has closed or the trial has stopped"
ERROR_NO_DATA = "Upload the outcome data first"
ERROR_ASSESSED = "Enter how many were assessed for eligibility (at least the number randomised, {n})"
ERROR_SUMMARY = "Write a plain-language summary of what the trial found"
ERROR_NO_RESULT = "Run the analysis before publishing"
ERROR_PUBLISHED = "The result is already published"
ALLOWED_SUFFIXES = (".csv", ".xlsx", ".xls")
ANALYSABLE = (Trial.Status.CLOSED, Trial.Status.STOPPED)
SW_OBSERVATIONS = "person-period observations"
NOTICE_BLINDED = (
    "While the trial is recruiting, outcome data are not checked against the concealed "
    "allocation list here, so that nothing about who is in which arm is shown. That check runs "
    "at the safety lead's interim looks and again before the registered analysis."
)


def outcome_upload(
    *, actor: User, trial: Trial, filename: str, content: bytes | Iterable[bytes],
    encoding: str = "utf-8",
) -> OutcomeDataset:
    """Validate an outcome file and store it whole, or raise ``DataRejected`` (nothing stored).

    Individually randomised trials are checked against the allocation list: every unit must
    have been enrolled, in the arm it was allocated; except when the arms are concealed from
    ``actor`` (a blinded role while the trial recruits), who is answered from the file alone
    (see the module's note on blinding). ``content`` is the file's bytes or its chunks
    (written to disk one at a time); ``encoding`` is the text encoding of a CSV file.
    """
    suffix = Path(filename).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ValidationProblem({"file": ERROR_FILE_TYPE})
    with tempfile.TemporaryDirectory(prefix="seedbed-trial-") as tmp:
        source = Path(tmp) / f"upload{suffix}"
        size = spool_upload(content=content, path=source)
        if too_large := upload_too_large(size):
            raise ValidationProblem({"file": too_large})
        if source.stat().st_size == 0:
            raise ValidationProblem({"file": ERROR_FILE_EMPTY})
        parquet, rows = validated_parquet(
            trial=trial, source=source, workdir=Path(tmp), encoding=encoding,
            check_allocation=not arms_concealed_from(trial=trial, user=actor))
    return dataset_store(actor=actor, trial=trial, filename=Path(filename).name[:200],
                         rows=rows, parquet=parquet, action="trials.outcome_upload")


def dataset_store(
    *, actor: User, trial: Trial, filename: str, rows: int, parquet: bytes, action: str,
    source: dict[str, Any] | None = None,
) -> OutcomeDataset:
    """Store validated outcome data (only ever called after validation passed)."""
    with transaction.atomic():
        record = OutcomeDataset.objects.create(
            trial=trial, filename=filename, rows=rows, parquet=parquet, source=source or {},
            uploaded_by=actor, uploaded_at=timezone.now(),
        )
        audit_append(action=action, actor=actor, obj=record,
                     data={"trial": trial.pk, "rows": rows, **(source or {})})
    return record


def _consort(trial: Trial, assessed: int, followed: dict[str, int], analysed: dict[str, int]) -> dict[str, Any]:
    """The CONSORT flow. In a stepped wedge every enrolled cluster is allocated to both
    conditions (control periods, then intervention periods); observations are followed up
    and analysed in each."""
    protocol = trial.protocol
    enrolled = Allocation.objects.filter(trial=trial).exclude(unit_ref="")
    if protocol.design == Design.STEPPED_WEDGE:
        arms: list[str] = list(SW_ARM_NAMES.values())
        allocated = dict.fromkeys(arms, enrolled.count())
    else:
        arms = protocol.arm_list
        allocated = {arm: enrolled.filter(arm=arm).count() for arm in arms}
    stepped = protocol.design == Design.STEPPED_WEDGE
    return {
        "assessed": assessed,
        "randomised": enrolled.count(),
        "unit": "clusters" if protocol.design != Design.INDIVIDUAL else protocol.randomisation_unit,
        # a stepped wedge allocates clusters but follows up and analyses cluster-period
        # observations of people: the flow names both units (never clusters as people)
        **({"observation_unit": SW_OBSERVATIONS} if stepped else {}),
        "arms": [
            {"arm": arm, "allocated": allocated.get(arm), "followed_up": followed.get(arm, 0),
             "analysed": analysed.get(arm, 0)}
            for arm in arms
        ],
    }


def _clusters_with_data(dataset: OutcomeDataset, arms: list[str], column: str = "arm") -> list[int]:
    """Per arm, the number of distinct clusters with outcome data (cluster designs); for a
    stepped wedge (``column`` "treated", arms "0" and "1"), the clusters with data in their
    control and in their intervention periods."""
    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory(prefix="seedbed-trial-") as tmp:
        path = Path(tmp) / "outcomes.parquet"
        path.write_bytes(bytes(dataset.parquet))
        data = pq.read_table(path, columns=[column, SW_CLUSTER]).to_pydict()
    seen = {(str(a), str(c)) for a, c in zip(data[column], data[SW_CLUSTER], strict=True)
            if a is not None and c is not None}
    return [sum(1 for a, _ in seen if a == arm) for arm in arms]


def _evidence(trial: Trial, dataset: OutcomeDataset, consort: dict[str, Any],
              effect: Any, ci: tuple[Any, Any], analysis: dict[str, Any]) -> TrialEvidence:
    """The evidence level from what happened (``seedbed.stats.evidence.trial_evidence``).

    Individually randomised: people randomised and analysed per arm, power of the two-arm
    test on the people analysed. Cluster randomised: attrition of clusters (randomised, and
    with outcome data); power as planned, the cluster-level t-test on 2G - 2 df
    (``seedbed.stats.cluster_power.cluster_power``) at the clusters analysed and their mean
    size. Stepped wedge: every cluster is in both conditions, so attrition is of clusters
    with data in their control and in their intervention periods (the sample ratio, equal by
    design, is not judged); power is the plan's Hussey & Hughes power at the clusters and
    people per cluster-period analysed.
    """
    protocol = trial.protocol
    stepped = protocol.design == Design.STEPPED_WEDGE
    arms = list(SW_ARM_NAMES.values()) if stepped else protocol.arm_list
    flow = {a["arm"]: a for a in consort.get("arms", [])}
    allocated = analysed = people = None
    if all(a in flow for a in arms):
        allocated = [int(flow[a]["allocated"] or 0) for a in arms]
        people = [int(flow[a]["analysed"] or 0) for a in arms]
        if stepped:
            analysed = _clusters_with_data(dataset, list(SW_ARMS), SW_TREATED)
        elif protocol.design == Design.CLUSTER:
            analysed = _clusters_with_data(dataset, arms)
        else:
            analysed = people
    binary = protocol.outcome_type == "binary"
    if stepped:
        power = _stepped_wedge_power(trial, analysis)
    elif protocol.design == Design.CLUSTER:
        power = _cluster_power(trial, analysed, people)
    else:
        power = None  # trial_evidence: the two-arm test on the people analysed

    def finite(v: Any) -> float | None:
        return float(v) if isinstance(v, int | float) and v == v else None

    low, high = finite(ci[0]), finite(ci[1])
    try:
        return trial_evidence(
            effect=finite(effect), ci=(low, high) if low is not None and high is not None else None,
            higher_is_better=protocol.higher_is_better, randomised=True,
            allocated=allocated, analysed=analysed,
            analysed_people=None if protocol.design != Design.INDIVIDUAL else people,
            effect_size=None if binary else protocol.effect_size,
            p_control=protocol.p_control if binary else None,
            p_treatment=protocol.p_treatment if binary else None,
            alpha=protocol.alpha, sides=protocol.sides,
            stopped_for=trial.stopped_for, power=power,
        )
    except ValueError as exc:
        raise ValidationProblem({"__all__": ERROR_ANALYSIS.format(detail=str(exc))}) from None


def _outcome(protocol: Any) -> Any:
    """The planned effect on the planning scale (None without one)."""
    from seedbed.stats.cluster_power import binary_outcome, continuous_outcome

    if protocol.outcome_type == "binary":
        if protocol.p_control is None or protocol.p_treatment is None:
            return None
        return binary_outcome(p_control=protocol.p_control, p_treatment=protocol.p_treatment)
    if protocol.effect_size is None:
        return None
    return continuous_outcome(effect_size=protocol.effect_size)


def _cluster_power(trial: Trial, clusters: list[int] | None, people: list[int] | None) -> float | None:
    """Achieved power of a cluster-parallel trial with the plan's own maths: the noncentral t
    on 2G - 2 df (``cluster_power``) at the registered ICC, the mean number of people per
    cluster analysed and G the clusters analysed per arm. With unequal arms G is the
    harmonic mean of the two, rounded down: the variance of the difference is then exact
    for equal people per cluster and the degrees of freedom (2G - 2 <= G_c + G_t - 2) err
    on the cautious side. 0 with fewer than two clusters in an arm; None without a plan."""
    from seedbed.stats.cluster_power import cluster_power

    protocol = trial.protocol
    outcome = _outcome(protocol)
    if outcome is None or protocol.icc is None or not clusters or not people or len(clusters) < 2:
        return None
    g_c, g_t = clusters[0], clusters[1]
    if min(g_c, g_t) < 2:
        return 0.0
    g = int(2.0 * g_c * g_t / (g_c + g_t) + 1e-9)
    m = (people[0] + people[1]) / (g_c + g_t)
    if m <= 0:
        return 0.0
    try:
        return cluster_power(outcome=outcome, clusters_per_arm=g, cluster_size=m,
                             icc=float(protocol.icc), alpha=protocol.alpha, sides=protocol.sides)
    except ValueError:
        return None


def _stepped_wedge_power(trial: Trial, analysis: dict[str, Any]) -> float | None:
    """Achieved power of a stepped wedge: the registered steps and ICC, the clusters analysed
    and the mean number of people per cluster and period analysed (None if unknown)."""
    from seedbed.stats.evidence import achieved_power_stepped_wedge

    protocol = trial.protocol
    sw = analysis.get("stepped_wedge") or {}
    clusters, periods, n = sw.get("n_clusters"), sw.get("n_periods"), sw.get("n")
    if not (clusters and periods and n and protocol.steps and protocol.icc is not None):
        return None
    binary = protocol.outcome_type == "binary"
    try:
        return achieved_power_stepped_wedge(
            clusters=int(clusters), steps=int(protocol.steps),
            people_per_cluster_period=float(n) / (int(clusters) * int(periods)),
            icc=float(protocol.icc), effect_size=None if binary else protocol.effect_size,
            p_control=protocol.p_control if binary else None,
            p_treatment=protocol.p_treatment if binary else None,
            alpha=protocol.alpha, sides=protocol.sides,
        )
    except ValueError:
        return None


def analysis_run(
    *, actor: User, trial: Trial, assessed: int, plain_summary: str, lessons: str = ""
) -> TrialResult:
    """Run the registered analysis on the latest accepted outcome data (unpublished result).

    Primary effect: for a cluster trial the mixed-model estimate (random cluster intercept,
    G - 2 df); otherwise the covariate/strata-adjusted estimate when there is one, else the
    difference in means, of the first intervention arm against control; for a stepped-wedge
    trial, the period-adjusted mixed-model estimate of ``seedbed.stats.stepped_wedge``
    (intervention against control periods). The direction and the Nesta evidence level, with
    each downgrade and its reason (attrition, sample ratio, achieved power, stopping early),
    come from ``seedbed.stats.evidence.trial_evidence``. A trial stopped early
    (``Trial.stopped_for``) is analysed as it stands: the stop, the decision's reasons and
    the harm counts at the last look go into ``analysis["stopping"]``, and a trial stopped
    for harm is recorded as harmful (``analysis["finding"]``; direction "negative"), never
    as null. Running again replaces an unpublished result.
    """
    if trial.status not in ANALYSABLE:
        raise ValidationProblem({"__all__": ERROR_NOT_ANALYSABLE})
    dataset = trial.datasets.order_by("-uploaded_at", "-id").first()
    if dataset is None:
        raise ValidationProblem({"__all__": ERROR_NO_DATA})
    if mismatched := allocation_mismatches(trial, dataset):
        raise ValidationProblem({"__all__": allocation_mismatch_message(mismatched)})
    randomised = Allocation.objects.filter(trial=trial).exclude(unit_ref="").count()
    problems: dict[str, str] = {}
    if assessed < randomised:
        problems["assessed"] = ERROR_ASSESSED.format(n=randomised)
    if not plain_summary.strip():
        problems["plain_summary"] = ERROR_SUMMARY
    if problems:
        raise ValidationProblem(problems)
    existing = TrialResult.objects.filter(trial=trial).first()
    if existing is not None and existing.is_published:
        raise ValidationProblem({"__all__": ERROR_PUBLISHED})
    analysis, estimate, followed, cost_analysis = dataset_analyse(trial=trial, dataset=dataset)
    primary = analysis["outcomes"][0]
    if isinstance(estimate, dict):
        effect, ci, p = estimate["effect"], tuple(estimate["ci"]), estimate["p"]
    else:
        effect, ci, p = estimate.effect, tuple(estimate.ci), estimate.p
    analysed = {s["arm"]: int(s["n"] or 0) for s in primary["summaries"]}
    cost = cost_analysis.cost_per_outcome_gained if cost_analysis else None
    consort = _consort(trial, assessed, followed, analysed)
    found = _evidence(trial, dataset, consort, effect, ci, analysis)
    stopping = stopping_record(trial)
    analysis["stopping"] = stopping
    analysis["finding"] = found.direction
    analysis["primary_direction"] = found.primary_direction
    analysis["achieved_power"] = json_safe(found.achieved_power)
    analysis["attrition"] = json_safe(asdict(found.attrition)) if found.attrition else None
    # a stepped wedge's clusters are in both conditions: no sample ratio to judge
    analysis["sample_ratio_p"] = None if trial.protocol.design == Design.STEPPED_WEDGE \
        else json_safe(found.sample_ratio_p)
    # TrialResult.direction keeps its four values: a trial stopped for harm did worse.
    direction = TrialResult.Direction.NEGATIVE if found.direction == DIRECTION_HARMFUL \
        else found.direction
    values = {
        "dataset": dataset, "analysis": analysis,
        "consort": consort, "assessed": assessed,
        "effect": json_safe(effect), "ci_low": json_safe(ci[0]),
        "ci_high": json_safe(ci[1]), "p_value": json_safe(p),
        "direction": direction, "cost_per_outcome": json_safe(cost),
        "evidence_level": found.level,
        "evidence_reasons": [{"code": d.code, "text": d.text} for d in found.downgrades],
        "plain_summary": plain_summary.strip(),
        "lessons": lessons.strip(), "run_by": actor, "run_at": timezone.now(),
    }
    with transaction.atomic():
        record, _ = TrialResult.objects.update_or_create(trial=trial, defaults=values)
        audit_append(action="trials.analysis_run", actor=actor, obj=record, data={
            "trial": trial.pk, "dataset": dataset.pk, "effect": values["effect"],
            "ci": [values["ci_low"], values["ci_high"]], "direction": direction,
            "finding": found.direction, "evidence_level": found.level,
            "downgrades": [d.code for d in found.downgrades],
            "stopped_for": trial.stopped_for,
        })
    return record


def result_publish(*, actor: User, trial: Trial) -> TrialResult:
    """Publish the result (positive, null or negative alike), reveal the seed and create the
    published library case, all in one transaction.

    With the seed anyone can regenerate the allocation sequence and check it against the
    commitment hash published at registration. A checkpoint of the audit chain taken after
    the publication's own entries is stored with the result (``analysis["audit_checkpoint"]``)
    and printed on the result page and report. The case comes from
    ``seedbed.library.services.case_create_from_trial``; if it cannot be written, nothing is
    published.
    """
    with transaction.atomic():
        trial = Trial.objects.select_for_update().get(pk=trial.pk)
        result = TrialResult.objects.filter(trial=trial).first()
        if result is None:
            raise ValidationProblem({"__all__": ERROR_NO_RESULT})
        if result.is_published:
            raise ValidationProblem({"__all__": ERROR_PUBLISHED})
        now = timezone.now()
        result.published_at = now
        result.save(update_fields=["published_at"])
        trial.status = Trial.Status.PUBLISHED
        trial.seed_revealed_at = now
        trial.save(update_fields=["status", "seed_revealed_at"])
        audit_append(action="trials.result_publish", actor=actor, obj=result, data={
            "trial": trial.pk, "direction": result.direction, "seed": trial.seed,
            "seed_commitment": trial.seed_commitment,
        })
        case_create_from_trial(trial=trial, actor=actor)
        # A checkpoint of the audit chain at publication, printed with the result, so that
        # anyone who keeps the page can later show the log was not rewritten or cut short.
        checkpoint = audit_checkpoint_current(reason=f"trials.result_publish trial {trial.pk}")
        if checkpoint is not None:
            result.analysis = {**result.analysis, "audit_checkpoint": checkpoint_public(checkpoint)}
            result.save(update_fields=["analysis"])
    return result
