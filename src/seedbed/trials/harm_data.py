"""Reading a trial's enrolment and safety events into the harm statistics, per design.

Read-only (used by the interim look service and the monitoring page). Every comparison
counts PEOPLE (see ``seedbed.stats.harm`` for the statistics and their sources):

- individually randomised: each enrolled unit is a person; per arm, people with at least
  one event of the harm / people enrolled (``harm_risk_z``);
- cluster randomised: an ``Allocation`` is a cluster; the people are its ``Participant``
  rows. Each cluster's risk (its people with an event / its people) is compared between
  arms at the cluster level (``cluster_harm_z``);
- stepped wedge: a cluster is unexposed before its crossover step and exposed from it.
  The protocol's schedule (``first_period_start``, ``period_days``) dates each period;
  each person is at risk from their enrolment date until their first event of the harm or
  the look, and that person-time is split by cluster and period. First events per
  person-time, exposed against unexposed, are tested with cluster and period effects
  (``stepped_wedge_harm_z``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict
from typing import Any

import numpy as np
from django.db.models import Count, Min

from seedbed.stats.harm import (
    HarmStatistic,
    cluster_harm_z,
    harm_risk_z,
    stepped_wedge_harm_z,
)
from seedbed.stats.sw_power import gls_variance, stepped_wedge_look_rates, stepped_wedge_matrix
from seedbed.trials.models import Allocation, Design, HarmOutcome, Participant, SafetyEvent, Trial

WARN_NO_SCHEDULE = "stepped_wedge_schedule_missing"
"""The protocol has no period schedule (first period start and period length): exposed and
unexposed person-time cannot be told apart."""
UNEXPOSED, EXPOSED = "unexposed periods", "exposed periods"


def _stat(stat: HarmStatistic) -> dict[str, Any]:
    data = asdict(stat)
    return {"method": data["method"], "measure": data["measure"], "estimate": data["estimate"],
            "z": data["z"], "df": data["df"], "warnings": list(data["warnings"])}


def planned_people(trial: Trial) -> int:
    """The planned number of people (or, without a cluster size, of clusters) for the look's
    information fraction."""
    protocol = trial.protocol
    if protocol.design == Design.INDIVIDUAL:
        return max(int(protocol.sample_size_per_arm or 0) * len(protocol.arm_list), 1)
    clusters = max(len(protocol.cluster_list), 1)
    return clusters * int(protocol.cluster_size) if protocol.cluster_size else clusters


def information_rate(trial: Trial, *, as_of: dt.date) -> float:
    """The share of the planned information reached by ``as_of`` (0 to 1).

    Individual: people enrolled / planned. Cluster: people enrolled in clusters / clusters x
    cluster size (clusters enrolled / clusters without a cluster size). Stepped wedge: days
    elapsed / the whole schedule (steps + 1 periods), since every cluster takes part from
    the start and information accrues with time.
    """
    protocol = trial.protocol
    if protocol.design == Design.STEPPED_WEDGE and protocol.first_period_start and protocol.period_days:
        total = protocol.period_days * (int(protocol.steps or 2) + 1)
        elapsed = (as_of - protocol.first_period_start).days + 1
        return min(max(elapsed / total, 0.0), 1.0)
    if protocol.design == Design.INDIVIDUAL or not protocol.cluster_size:
        enrolled = Allocation.objects.filter(trial=trial).exclude(unit_ref="").count()
    else:
        enrolled = Participant.objects.filter(trial=trial).count()
    return min(enrolled / planned_people(trial), 1.0)


def _wedge_plan(trial: Trial) -> tuple[int, float, float]:
    """(steps, ICC, people per cluster per period) of a stepped wedge, as the plan used them."""
    protocol = trial.protocol
    icc = float(protocol.icc) if protocol.icc is not None else 0.05
    return int(protocol.steps or 2), icc, float(protocol.cluster_size or 10)


def periods_completed(trial: Trial, *, as_of: dt.date) -> int:
    """Stepped wedge: whole periods (of steps + 1, one baseline) ended by ``as_of``."""
    protocol = trial.protocol
    if not protocol.first_period_start or not protocol.period_days:
        return 0
    days = (as_of - protocol.first_period_start).days + 1
    return min(max(days // int(protocol.period_days), 0), int(protocol.steps or 2) + 1)


def stepped_wedge_information(trial: Trial, *, as_of: dt.date) -> float:
    """Stepped wedge: the GLS information of the periods completed by ``as_of`` over that of
    the whole design (Hussey & Hughes 2007 model, as the plan used:
    ``seedbed.stats.sw_power.stepped_wedge_look_rates``); 0 before any cluster has completed
    an exposed period."""
    steps, icc, m = _wedge_plan(trial)
    done = periods_completed(trial, as_of=as_of)
    if done < 2:
        return 0.0
    x = stepped_wedge_matrix(steps=steps)
    full = gls_variance(x=x, sigma2=1.0, icc=icc, cluster_size=m)
    return float(min(full / gls_variance(x=x[:, :done], sigma2=1.0, icc=icc, cluster_size=m), 1.0))


def planned_look_rates(trial: Trial) -> tuple[tuple[float, ...], tuple[int, ...] | None]:
    """The information fractions at which the planned looks fall, and, for a stepped wedge
    with efficacy looks, the period after which each falls (as sized by the plan)."""
    protocol = trial.protocol
    looks = max(int(protocol.interim_looks or 1), 1)
    if protocol.design == Design.STEPPED_WEDGE and protocol.efficacy_looks:
        steps, icc, m = _wedge_plan(trial)
        if looks <= steps:
            ends, rates = stepped_wedge_look_rates(steps=steps, looks=looks, icc=icc, cluster_size=m)
            return tuple(float(r) for r in rates), tuple(int(e) for e in ends)
    return tuple((k + 1) / looks for k in range(looks)), None


def people_enrolled(trial: Trial) -> int:
    """People enrolled: units in an individual trial, people within clusters otherwise."""
    if trial.protocol.design == Design.INDIVIDUAL:
        return Allocation.objects.filter(trial=trial).exclude(unit_ref="").count()
    return Participant.objects.filter(trial=trial).count()


def _individual(trial: Trial, harm: HarmOutcome) -> list[dict[str, Any]]:
    arms = trial.protocol.arm_list
    enrolled = dict(
        Allocation.objects.filter(trial=trial).exclude(unit_ref="")
        .values_list("arm").annotate(n=Count("id")).values_list("arm", "n")
    )
    harmed = dict(
        Allocation.objects.filter(trial=trial, events__harm_outcome=harm)
        .values_list("arm").annotate(n=Count("id", distinct=True)).values_list("arm", "n")
    )
    out = []
    for arm in arms[1:]:
        stat = harm_risk_z(events_control=harmed.get(arms[0], 0), n_control=enrolled.get(arms[0], 0),
                           events_intervention=harmed.get(arm, 0), n_intervention=enrolled.get(arm, 0))
        out.append({"arm": arm, "control": arms[0],
                    "n_control": enrolled.get(arms[0], 0), "events_control": harmed.get(arms[0], 0),
                    "n_arm": enrolled.get(arm, 0), "events_arm": harmed.get(arm, 0), **_stat(stat)})
    return out


def _cluster(trial: Trial, harm: HarmOutcome) -> list[dict[str, Any]]:
    arms = trial.protocol.arm_list
    people = dict(
        Participant.objects.filter(trial=trial).values_list("allocation_id")
        .annotate(n=Count("id")).values_list("allocation_id", "n")
    )
    harmed = dict(
        Participant.objects.filter(trial=trial, events__harm_outcome=harm)
        .values_list("allocation_id").annotate(n=Count("id", distinct=True))
        .values_list("allocation_id", "n")
    )
    by_arm: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for pk, arm in Allocation.objects.filter(trial=trial).exclude(unit_ref="").values_list("pk", "arm"):
        if people.get(pk):
            by_arm[arm].append((people[pk], harmed.get(pk, 0)))
    out = []
    control = by_arm.get(arms[0], [])
    for arm in arms[1:]:
        mine = by_arm.get(arm, [])
        stat = cluster_harm_z(control_risks=[e / n for n, e in control],
                              intervention_risks=[e / n for n, e in mine])
        out.append({"arm": arm, "control": arms[0],
                    "clusters_control": len(control), "clusters_arm": len(mine),
                    "n_control": sum(n for n, _ in control), "events_control": sum(e for _, e in control),
                    "n_arm": sum(n for n, _ in mine), "events_arm": sum(e for _, e in mine),
                    **_stat(stat)})
    return out


def stepped_wedge_cells(trial: Trial, harm: HarmOutcome, *, as_of: dt.date) -> dict[str, Any] | None:
    """Person-days at risk and first events by cluster and period (None without a schedule)."""
    protocol = trial.protocol
    start, length = protocol.first_period_start, protocol.period_days
    if not start or not length:
        return None
    steps = int(protocol.steps or 2)
    clusters = dict(Allocation.objects.filter(trial=trial).exclude(unit_ref="").values_list("pk", "step"))
    rows = list(Participant.objects.filter(trial=trial, allocation_id__in=clusters)
                .values_list("pk", "allocation_id", "enrolled_on"))
    first = dict(
        SafetyEvent.objects.filter(trial=trial, harm_outcome=harm, participant__isnull=False)
        .values_list("participant_id").annotate(first=Min("occurred_on"))
        .values_list("participant_id", "first")
    )
    last_day = (as_of - start).days + 1  # at-risk days are [begin, end) in days from start
    begin = np.array([max((on - start).days, 0) for _, _, on in rows], dtype=float)
    event_day = np.array([(first[pk] - start).days if pk in first else np.nan for pk, _, _ in rows])
    has_event = ~np.isnan(event_day) & (event_day < last_day)
    event_day = np.where(has_event, np.maximum(event_day, begin), np.nan)
    end = np.where(has_event, event_day + 1, last_day).astype(float)
    lower = np.arange(steps + 1, dtype=float) * length
    upper = np.r_[lower[1:], np.inf]
    overlap = np.clip(np.minimum(end[:, None], upper[None, :]) - np.maximum(begin[:, None], lower[None, :]),
                      0, None)
    cluster_ids = sorted(clusters)
    index = {pk: i for i, pk in enumerate(cluster_ids)}
    ci = np.array([index[a] for _, a, _ in rows], dtype=np.int64)
    time = np.zeros((len(cluster_ids), steps + 1))
    events = np.zeros_like(time)
    if rows:
        np.add.at(time, ci, overlap)
        period_of_event = np.clip(np.floor(np.nan_to_num(event_day) / length), 0, steps).astype(np.int64)
        np.add.at(events, (ci[has_event], period_of_event[has_event]), 1.0)
    step = np.array([clusters[pk] or 0 for pk in cluster_ids], dtype=float)
    exposed = (np.arange(steps + 1)[None, :] >= step[:, None]).astype(int)
    person_exposed = (overlap * exposed[ci] if rows else overlap).sum(axis=1) > 0
    person_unexposed = (overlap * (1 - exposed[ci]) if rows else overlap).sum(axis=1) > 0
    event_exposed = np.zeros(len(rows), dtype=bool)
    if rows:
        event_exposed[has_event] = exposed[ci[has_event], period_of_event[has_event]] == 1
    return {
        "cluster": np.repeat(np.asarray(cluster_ids), steps + 1).astype(str).tolist(),
        "period": np.tile(np.arange(steps + 1), len(cluster_ids)).tolist(),
        "exposed": exposed.ravel().tolist(),
        "events": events.ravel().tolist(),
        "person_time": time.ravel().tolist(),
        "people": {EXPOSED: int(person_exposed.sum()), UNEXPOSED: int(person_unexposed.sum())},
        "people_with_event": {EXPOSED: int((has_event & event_exposed).sum()),
                              UNEXPOSED: int((has_event & ~event_exposed).sum())},
    }


def _stepped(trial: Trial, harm: HarmOutcome, as_of: dt.date) -> list[dict[str, Any]]:
    cells = stepped_wedge_cells(trial, harm, as_of=as_of)
    if cells is None:
        return [{"arm": EXPOSED, "control": UNEXPOSED, "n_control": 0, "events_control": 0,
                 "n_arm": 0, "events_arm": 0, "method": "", "measure": "", "estimate": None,
                 "z": float("nan"), "df": None, "warnings": [WARN_NO_SCHEDULE]}]
    exposed = np.asarray(cells["exposed"])
    time = np.asarray(cells["person_time"])
    stat = stepped_wedge_harm_z(cluster=cells["cluster"], period=cells["period"],
                                exposed=cells["exposed"], events=cells["events"],
                                person_time=cells["person_time"])
    return [{"arm": EXPOSED, "control": UNEXPOSED,
             "n_control": cells["people"][UNEXPOSED], "events_control": cells["people_with_event"][UNEXPOSED],
             "n_arm": cells["people"][EXPOSED], "events_arm": cells["people_with_event"][EXPOSED],
             "time_control": float(time[exposed == 0].sum()), "time_arm": float(time[exposed == 1].sum()),
             **_stat(stat)}]


def harm_comparisons(trial: Trial, harm: HarmOutcome, *, as_of: dt.date) -> list[dict[str, Any]]:
    """One comparison per intervention arm (per exposure, in a stepped wedge) for this harm:
    counts of people, the statistic and its Z (Z < 0: more harm under the intervention)."""
    design = trial.protocol.design
    if design == Design.STEPPED_WEDGE:
        return _stepped(trial, harm, as_of)
    if design == Design.CLUSTER:
        return _cluster(trial, harm)
    return _individual(trial, harm)


def enrolled_clusters(trial: Trial) -> list[str]:
    """Clusters already enrolled (people can be enrolled within them), in registered order."""
    return list(
        Allocation.objects.filter(trial=trial).exclude(unit_ref="").exclude(cluster="")
        .order_by("position").values_list("cluster", flat=True)
    )
