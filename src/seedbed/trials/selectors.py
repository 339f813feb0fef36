"""Reading probes and trials: the registry, versions, monitoring, harm statistics and results.

Counts that are published (the CONSORT flow, per-arm numbers, harm events) pass disclosure
control: ``seedbed.stats.disclosure.protect_counts`` suppresses counts from 1 to 9 and any
other count that would let the total give a suppressed one away.

Harm monitoring reads a trial's enrolment and safety events into the harm statistics, per
design (used by the interim look service and the monitoring page). Every comparison counts
PEOPLE (see ``seedbed.stats.harm`` for the statistics and their sources):

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

The safety lead's readings (the unblinded monitoring page and their workspace) are reached
only through ``trials.access.access_trial_monitoring`` and ``access_safety_workspace``: they
show arms. Nothing in that section is for blinded roles.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from collections import defaultdict
from dataclasses import asdict
from typing import Any

import numpy as np
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Min, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from seedbed.accounts.models import Membership, Role, User
from seedbed.core.access import COUNCIL_KINDS, council_staff_users
from seedbed.core.errors import ValidationProblem
from seedbed.core.models import Notification
from seedbed.stats.boundaries import group_sequential_design
from seedbed.stats.disclosure import (
    DEFAULT_THRESHOLD,
    PRIMARY,
    protect_counts_marked,
    protect_table,
)
from seedbed.stats.evidence import COMPARISON_NONE, evidence_level
from seedbed.stats.harm import (
    HarmStatistic,
    cluster_harm_z,
    harm_risk_z,
    stepped_wedge_harm_z,
)
from seedbed.stats.monitoring import (
    RECOMMEND_CONSIDER_FUTILITY,
    RECOMMEND_STOP_BENEFIT,
    RECOMMEND_STOP_HARM,
    evaluate_looks,
)
from seedbed.stats.sw_power import gls_variance, stepped_wedge_look_rates, stepped_wedge_matrix
from seedbed.trials import opendata
from seedbed.trials.charts import efficacy_chart, harm_chart
from seedbed.trials.models import (
    NOTIFICATION_APP,
    Allocation,
    Design,
    HarmOutcome,
    InterimLook,
    OutcomeDataset,
    Participant,
    Probe,
    Protocol,
    ProtocolVersion,
    RandomisationMethod,
    SafetyDecision,
    SafetyEvent,
    Severity,
    Trial,
    TrialResult,
)
from seedbed.trials.opendata import CONCEALED_TEXT as CONCEALED_TEXT
from seedbed.trials.rules import (
    PROTOCOL_FIELDS,
    json_safe,
    minimisation_factors,
    parse_block_sizes,
    recruitment_ended,
    z_from_p,
)
from seedbed.trials.uploads import (
    allocation_mismatch_message,
    allocation_mismatches,
    dataset_analyse,
)

SUPPRESSED = "fewer than 10"
# A count hidden only so that a small count beside it cannot be worked out (it may be large).
SUPPRESSED_SECONDARY = "suppressed to protect other figures"


def trial_registry_list() -> QuerySet[Trial]:
    """Registered trials (not drafts), newest registration first."""
    return (
        Trial.objects.exclude(status=Trial.Status.DRAFT)
        .select_related("organisation").order_by("-registered_at", "-id")
    )


def probe_registry_list() -> QuerySet[Probe]:
    """Probes that have started (drafts are not public)."""
    return Probe.objects.exclude(status=Probe.Status.DRAFT).select_related("organisation")


def harm_outcome_list(*, trial: Trial) -> QuerySet[HarmOutcome]:
    """The trial's pre-specified harm outcomes, in the order they were added."""
    return trial.harm_outcomes.all()


def harm_outcome_get(*, trial: Trial, harm_outcome_id: int) -> HarmOutcome | None:
    """One of the trial's harm outcomes (None if the id is not one of this trial's)."""
    return HarmOutcome.objects.filter(trial=trial, pk=harm_outcome_id).first()


def dataset_recent_list(*, trial: Trial, limit: int = 5) -> QuerySet[OutcomeDataset]:
    """The trial's latest accepted outcome data sets, newest first."""
    return trial.datasets.all()[:limit]


def version_list(*, trial: Trial) -> QuerySet[ProtocolVersion]:
    """The trial's frozen protocol versions (1 is what was registered)."""
    return trial.versions.all()


def trial_with_organisation_list() -> QuerySet[Trial]:
    """Every trial with its organisation (for the enrolment gatekeeper, which names it)."""
    return Trial.objects.select_related("organisation")


def trial_is_safety_led_by(*, trial_id: int, user: Any) -> bool:
    """Whether ``user`` is the named safety lead of the trial ``trial_id`` (False if none)."""
    return Trial.objects.filter(pk=trial_id, safety_lead_id=user.pk).exists()


def trial_result_get(*, trial: Trial) -> TrialResult | None:
    """The trial's result, published or not, if it has been run."""
    return TrialResult.objects.filter(trial=trial).first()


def safety_event_with_trial_list() -> QuerySet[SafetyEvent]:
    """Every safety event with its trial (for the gatekeeper that checks the trial's safety lead)."""
    return SafetyEvent.objects.select_related("trial")


def trial_workspace_list() -> QuerySet[Trial]:
    return Trial.objects.select_related("organisation", "safety_lead").order_by("-created_at", "-id")


def probe_workspace_list() -> QuerySet[Probe]:
    return Probe.objects.select_related("organisation", "safety_lead")


def registry_entry(trial: Trial) -> dict[str, Any]:
    """What the public registry shows about a trial (the seed only once revealed; the block
    sizes only once recruitment has ended; why and when it stopped early, if it did,
    whatever its status now)."""
    first = trial.versions.order_by("number").first()
    registered = (first.content.get("protocol", {}) if first else {})
    return {
        "block_sizes": (parse_block_sizes(str(registered.get("block_sizes") or ""))
                        if first and recruitment_ended(trial)
                        and registered.get("randomisation_method") != RandomisationMethod.MINIMISATION
                        else None),
        "id": trial.pk, "title": trial.title, "status": trial.status,
        "organisation": trial.organisation.name, "registered_at": trial.registered_at,
        "protocol_hash": first.content_hash if first else "",
        "seed_commitment": trial.seed_commitment,
        "seed": trial.seed if trial.seed_revealed_at else None,
        "stopped_for": trial.stopped_for, "stopped_at": trial.stopped_at,
        **randomisation_method_of(registered),
    }


def randomisation_method_of(registered: dict[str, Any]) -> dict[str, str]:
    """The registered randomisation method (a protocol's frozen fields), as its code and in
    plain words; protocols registered before minimisation existed used permuted blocks."""
    method = str(registered.get("randomisation_method") or RandomisationMethod.BLOCKS)
    return {"randomisation_method": method,
            "randomisation_method_text": str(RandomisationMethod(method).label)}


def field_label(name: str) -> str:
    if name in {f.name for f in Protocol._meta.get_fields()}:
        return str(Protocol._meta.get_field(name).verbose_name).capitalize()  # type: ignore[union-attr]
    return name.replace("_", " ").capitalize()


def _flatten(content: dict[str, Any], *, conceal: bool) -> dict[str, str]:
    return opendata.registration_rows(content, conceal=conceal)


def version_comparison(trial: Trial) -> dict[str, Any]:
    """The registered version and the latest one side by side, changed fields marked (what
    would help predict allocations concealed until recruitment ends)."""
    versions = list(trial.versions.order_by("number"))
    if not versions:
        return {"versions": [], "rows": []}
    conceal = not recruitment_ended(trial)
    first = _flatten(versions[0].content, conceal=conceal)
    latest = _flatten(versions[-1].content, conceal=conceal)
    rows = [
        {"field": name, "registered": first.get(name, ""), "latest": latest.get(name, ""),
         "changed": first.get(name, "") != latest.get(name, "")}
        for name in dict.fromkeys([*first, *latest])
    ]
    return {"versions": versions, "rows": rows, "first": versions[0], "latest": versions[-1]}


def registered_protocol_sections(version: ProtocolVersion) -> list[tuple[str, list[tuple[str, str]]]]:
    """The registered protocol for the public registry, by section, in plain English ("Not
    stated" where empty; what helps predict allocations concealed until recruitment ends:
    ``rules.CONCEALED_UNTIL_ENDED``)."""
    conceal = not recruitment_ended(version.trial)
    return opendata.registration_sections(version.content, conceal=conceal)


def registration_facts(trial: Trial, *, url: str) -> opendata.RegistrationFacts:
    """What the registration export and the SPIRIT checklist say besides the frozen content."""
    return opendata.RegistrationFacts(
        id=trial.pk, url=url, status=trial.status, status_text=str(trial.get_status_display()),
        organisation=trial.organisation.name, registered_at=trial.registered_at,
        seed_commitment=trial.seed_commitment,
        seed=trial.seed if trial.seed_revealed_at else None,
        stopped_for=trial.stopped_for, stopped_at=trial.stopped_at,
        versions=[{"number": v.number, "frozen_at": v.frozen_at, "reason": v.reason,
                   "content_hash": v.content_hash} for v in trial.versions.order_by("number")],
    )


def registration_export(trial: Trial, *, url: str) -> dict[str, Any] | None:
    """The machine-readable registration of a registered trial (None for a draft):
    ``trials.opendata.registration_export`` on the registered version, with what helps
    predict allocations concealed until recruitment ends."""
    first = trial.versions.order_by("number").first()
    if first is None:
        return None
    return opendata.registration_export(first.content, facts=registration_facts(trial, url=url),
                                        conceal=not recruitment_ended(trial))


def spirit_checklist(trial: Trial, *, url: str) -> list[dict[str, Any]]:
    """The SPIRIT 2013 items a registration answers, each with where the registered protocol
    answers it ([] for a draft)."""
    first = trial.versions.order_by("number").first()
    if first is None:
        return []
    return opendata.spirit_checklist(first.content, facts=registration_facts(trial, url=url))


def enrolment_list(*, trial: Trial, organisation_ids: set[int] | frozenset[int]) -> QuerySet[Allocation]:
    """Units enrolled by the given organisations (arms are not part of this list)."""
    return (
        Allocation.objects.filter(trial=trial, organisation_id__in=organisation_ids)
        .exclude(unit_ref="").order_by("-enrolled_at")
    )


def minimisation_balance(trial: Trial) -> list[dict[str, Any]]:
    """Under minimisation, the enrolled units by factor level and arm, with the largest
    difference between arms at each level ([] for other trials). It shows arms: for the
    unblinded safety lead only."""
    factors = minimisation_factors(trial.protocol)
    if not factors:
        return []
    arms = trial.protocol.arm_list
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    enrolled = Allocation.objects.filter(trial=trial).exclude(unit_ref="")
    for levels, arm in enrolled.values_list("factors", "arm"):
        for name, _ in factors:
            counts[(name, str(levels.get(name, "")), arm)] += 1
    rows = []
    for name, levels in factors:
        for level in levels:
            by_arm = [counts[(name, level, arm)] for arm in arms]
            rows.append({"factor": name, "level": level, "counts": by_arm,
                         "difference": max(by_arm) - min(by_arm)})
    return rows


def enrolled_count(trial: Trial) -> int:
    return Allocation.objects.filter(trial=trial).exclude(unit_ref="").count()


def safety_lead_choices() -> QuerySet[User]:
    ids = Membership.objects.filter(role=Role.SAFETY_LEAD, organisation__kind__in=sorted(COUNCIL_KINDS)).values_list(
        "user_id", flat=True)
    return User.objects.filter(pk__in=ids, is_active=True).order_by("display_name", "username")


def risk_owner_choices() -> QuerySet[User]:
    """Who may own a trial's or probe's risk: council staff (a provider's worker is not offered;
    the council stays accountable for the risks of its tests)."""
    owners: QuerySet[User] = council_staff_users().order_by("display_name", "username")
    return owners


def notifications_for(user: User, trial: Trial) -> QuerySet[Notification]:
    return Notification.objects.filter(app=NOTIFICATION_APP, user=user, trial=trial)


def suppressed_label(status: str) -> str:
    """What a suppressed count says: small itself, or hidden to protect another."""
    return SUPPRESSED if status == PRIMARY else SUPPRESSED_SECONDARY


def _protected(values: list[int]) -> list[int | str]:
    """Counts with their total last: a small count reads ``SUPPRESSED``, a count hidden to
    protect it ``SUPPRESSED_SECONDARY`` (it may well be 10 or more)."""
    protected = protect_counts_marked(counts=values, threshold=DEFAULT_THRESHOLD)
    return [suppressed_label(c.status) if c.value is None else c.value for c in protected]


def consort_published(result: TrialResult) -> dict[str, Any]:
    """The CONSORT flow with disclosure control on every count."""
    consort = result.consort
    arms = consort.get("arms", [])
    out: dict[str, Any] = {
        "assessed": _protected([consort.get("assessed", 0)])[0],
        "randomised": _protected([consort.get("randomised", 0)])[0],
        "unit": consort.get("unit", "people"),
        "arms": [{"arm": a["arm"]} for a in arms],
    }
    observations = consort.get("observation_unit")  # a stepped wedge: clusters, then observations
    if observations:  # clusters assessed and randomised, named in the public protocol
        out.update(observation_unit=observations, assessed=int(consort.get("assessed") or 0),
                   randomised=int(consort.get("randomised") or 0))
    for stage in ("allocated", "followed_up", "analysed"):
        raw = [int(a.get(stage) or 0) for a in arms]
        # a stepped wedge's allocated clusters are named in the public protocol, not people
        values = raw if observations and stage == "allocated" else _protected(raw)[:-1]
        for row, value in zip(out["arms"], values, strict=False):
            row[stage] = value
    return out


def _short(value: int | str) -> int | str:
    """A count as it fits a diagram box: a count hidden to protect another reads "suppressed"
    (the table beside the diagram gives the full wording)."""
    return "suppressed" if value == SUPPRESSED_SECONDARY else value


def consort_svg(result: TrialResult) -> dict[str, Any]:
    """Box geometry for the CONSORT flow diagram: one column of boxes per arm."""
    flow = consort_published(result)
    n = max(len(flow["arms"]), 1)
    width = max(640, 260 * n)
    col = width / n
    boxes = []
    for i, arm in enumerate(flow["arms"]):
        cx = col * i + col / 2
        for j, (stage, label) in enumerate(
            (("allocated", "Allocated"), ("followed_up", "Followed up"), ("analysed", "Analysed"))
        ):
            title = f"{label} to {arm['arm']}" if stage == "allocated" else label
            if flow.get("observation_unit"):  # a stepped wedge: name the unit of each count
                title = f"Clusters in {arm['arm']}" if stage == "allocated" else f"{label} (observations)"
            boxes.append({"x": round(cx - 110, 1), "y": 200 + j * 90, "cx": round(cx, 1),
                          "title": title,
                          "value": arm[stage], "short": _short(arm[stage]), "last": j == 2})
    mid = round(width / 2)
    return {"width": width, "height": 470, "mid": mid, "mid_left": mid - 130, "flow": flow,
            "boxes": boxes,
            "arm_centres": [round(col * i + col / 2, 1) for i in range(n)]}


def harm_results_published(trial: Trial) -> list[dict[str, Any]]:
    """Per harm outcome and arm: units with an event, with disclosure control."""
    arms = trial.protocol.arm_list
    rows = []
    for harm in trial.harm_outcomes.all():
        counts = dict(
            Allocation.objects.filter(trial=trial, events__harm_outcome=harm)
            .values_list("arm").annotate(n=Count("id", distinct=True)).values_list("arm", "n")
        )
        values = _protected([counts.get(a, 0) for a in arms])
        rows.append({"harm": harm.name, "arms": list(zip(arms, values[:-1], strict=False)),
                     "total": values[-1]})
    return rows


def trial_result_summary(trial: Trial) -> dict[str, Any] | None:
    """What a library case needs from a trial's published result, or None if unpublished.

    Keys: title, design (label), question, effect, ci (low, high), p_value, direction
    (positive / null / negative / not measured), finding (in words; a stopped trial says so),
    stopped_for and stopped_at (empty / None unless it stopped early), cost_per_outcome, evidence_level (Nesta
    1-5, from ``seedbed.stats.evidence``), plain_summary, lessons, outcome (primary outcome
    text), published_at, organisation_id, registry_path.
    """
    result = TrialResult.objects.filter(trial=trial, published_at__isnull=False).first()
    if result is None:
        return None
    protocol = trial.protocol
    return {
        "title": trial.title,
        "design": protocol.get_design_display(),
        "question": protocol.question,
        "outcome": protocol.primary_outcome,
        "effect": result.effect,
        "ci": (result.ci_low, result.ci_high),
        "p_value": result.p_value,
        "direction": result.direction,
        "finding": finding_label(trial, result),
        "stopped_for": trial.stopped_for, "stopped_at": trial.stopped_at,
        "cost_per_outcome": result.cost_per_outcome,
        "evidence_level": result.evidence_level,
        "plain_summary": result.plain_summary,
        "lessons": result.lessons,
        "published_at": result.published_at,
        "organisation_id": trial.organisation_id,
        "registry_path": reverse("trials:registry_trial", args=[trial.pk]),
    }


def probe_result_summary(probe: Probe) -> dict[str, Any] | None:
    """What a library case needs from a published probe, or None if unpublished."""
    if probe.status != Probe.Status.PUBLISHED:
        return None
    return {
        "title": probe.title, "design": "Safe-to-fail probe (no comparison group)",
        "challenge": probe.challenge, "hypothesis": probe.hypothesis,
        "outcome": probe.get_outcome_display(), "reasons": probe.outcome_reasons,
        "cost_cap": probe.cost_cap, "spent": probe.spent,
        "evidence_level": evidence_level(
            theory_of_change=True, measured_change=True, comparison=COMPARISON_NONE
        ).level,
        "published_at": probe.published_at, "organisation_id": probe.organisation_id,
        "registry_path": reverse("trials:registry_probe", args=[probe.pk]),
    }


def probes_on_challenge(probe: Probe) -> QuerySet[Probe]:
    """Other probes on the same challenge (several may run in parallel)."""
    return Probe.objects.filter(challenge__iexact=probe.challenge).exclude(pk=probe.pk).exclude(
        ~Q(status__in=[Probe.Status.RUNNING, Probe.Status.FINISHED, Probe.Status.PUBLISHED])
    )


def library_case(record: Trial | Probe) -> Any | None:
    """The library case made when the trial's result or the probe was published, if any."""
    try:
        return record.library_case
    except ObjectDoesNotExist:
        return None


def _harm_rows(row: dict[str, Any]) -> list[dict[str, Any]]:
    """One harm outcome at one look, per arm: enrolled, with an event, and the rate, through
    disclosure control of the arm x (event, no event) table with its margins."""
    arms = [(row["control"], row["n_control"], row["events_control"]),
            (row["arm"], row["n_arm"], row["events_arm"])]
    table = protect_table(counts=[[e, max(n - e, 0)] for _, n, e in arms],
                          threshold=DEFAULT_THRESHOLD)
    out = []
    for i, (arm, _, _) in enumerate(arms):
        events, enrolled = table.values[i][0], table.values[i][2]
        out.append({
            "arm": arm,
            "enrolled": enrolled if enrolled is not None else suppressed_label(table.status(i, 2)),
            "with_event": events if events is not None else suppressed_label(table.status(i, 0)),
            "rate": f"{100 * events / enrolled:.0f}%" if events is not None and enrolled else
            "not shown",
        })
    return out


def stop_summary(trial: Trial, result: TrialResult | None = None) -> dict[str, Any] | None:
    """How a trial that stopped early is shown at the top of every page about it, or None.

    From the published (or previewed) result's record of the stop when there is one, else
    from the trial and its latest stop decision. Keys: reason (harm / benefit / futility /
    other), label ("Stopped early for harm"), at (datetime), decision_reasons, look,
    information_rate, harms (per harm outcome: its name and per-arm rows with counts that
    have passed disclosure control).
    """
    from django.utils.dateparse import parse_datetime

    if not trial.stopped_for:
        return None
    record = (result.analysis.get("stopping") if result is not None else None) or {}
    if not record:
        decision = (SafetyDecision.objects.filter(trial=trial, decision=SafetyDecision.Decision.STOP)
                    .select_related("look").order_by("-decided_at", "-id").first())
        look = decision.look if decision is not None else None
        record = {
            "reason": trial.stopped_for, "label": trial.get_stopped_for_display(),
            "at": trial.stopped_at.isoformat() if trial.stopped_at else None,
            "decision_reasons": decision.reasons if decision is not None else "",
            "look": look.number if look is not None else None,
            "information_rate": look.information_rate if look is not None else None,
            "harms": [r for r in (look.results if look is not None else [])
                      if all(isinstance(r.get(k), int) for k in
                             ("n_control", "events_control", "n_arm", "events_arm"))],
        }
    at = parse_datetime(record["at"]) if record.get("at") else trial.stopped_at
    return {
        "reason": record.get("reason", trial.stopped_for),
        "label": record.get("label") or trial.get_stopped_for_display(),
        "at": at,
        "decision_reasons": record.get("decision_reasons", ""),
        "look": record.get("look"),
        "information_rate": record.get("information_rate"),
        "harms": [{"harm": r.get("harm", ""), "rows": _harm_rows(r)}
                  for r in record.get("harms") or []],
    }


PRIMARY_FINDING = {
    "positive": "the intervention helped on the primary outcome",
    "null": "no clear difference on the primary outcome",
    "negative": "the intervention did worse on the primary outcome",
    "not measured": "the primary outcome could not be estimated",
}


def result_warnings(result: TrialResult) -> list[str]:
    """Every warning code the analysis recorded, once each: the run's, each outcome's and the
    stepped-wedge model's. Pages show them as sentences (the ``warning_text`` filter)."""
    analysis = result.analysis or {}
    codes = list(analysis.get("warnings") or [])
    for outcome in analysis.get("outcomes") or []:
        codes += outcome.get("warnings") or []
    codes += (analysis.get("stepped_wedge") or {}).get("warnings") or []
    return list(dict.fromkeys(str(c) for c in codes))


def finding_label(trial: Trial, result: TrialResult) -> str:
    """What a result found, in words: a stopped trial says so first, and one stopped for
    harm says it did harm (never "null")."""
    stop = trial.stopped_for
    if stop == "harm":
        return f"{trial.get_stopped_for_display()}: the intervention did harm"
    if stop:
        primary = result.analysis.get("primary_direction", result.direction)
        return f"{trial.get_stopped_for_display()}; {PRIMARY_FINDING.get(primary, primary)}"
    return result.get_direction_display()


def trial_status_label(trial: Trial) -> str:
    """The status shown on lists: a trial that stopped early says why, even once published."""
    if trial.stopped_for:
        text = trial.get_stopped_for_display()
        return f"{text} · result published" if trial.status == Trial.Status.PUBLISHED else text
    return trial.get_status_display()


def probe_linkable_list() -> QuerySet[Probe]:
    """Probes an innovation may link to, newest first."""
    return Probe.objects.order_by("-id")


def trial_linkable_list() -> QuerySet[Trial]:
    """Trials an innovation may link to, newest first."""
    return Trial.objects.order_by("-id")


# --- harm statistics from enrolment and safety events ---------------------------------------

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


# --- the safety lead: unblinded monitoring and their workspace ------------------------------

RECOMMENDATION_TEXT = {
    RECOMMEND_STOP_HARM: "Harm boundary crossed: consider stopping for harm",
    RECOMMEND_STOP_BENEFIT: "Efficacy boundary crossed: consider stopping for benefit",
    RECOMMEND_CONSIDER_FUTILITY: "Below the futility boundary: consider stopping for futility",
    "continue": "Continue",
    "final_analysis_not_significant": "Final look: no boundary crossed",
}
MONITORED = (Trial.Status.RECRUITING, Trial.Status.PAUSED)


def recommendation_text(code: str) -> str:
    return RECOMMENDATION_TEXT.get(code, code.replace("_", " ").capitalize())


def monitoring_summary(trial: Trial) -> dict[str, Any]:
    """Unblinded: harm by arm now (in people), every look, events, decisions and the charts."""
    today = timezone.localdate()
    harms = [{"harm": harm, "rows": harm_comparisons(trial, harm, as_of=today)}
             for harm in trial.harm_outcomes.all()]
    looks = list(trial.looks.order_by("number"))
    for look in looks:
        for r in look.results:
            r["text"] = recommendation_text(r["recommendation"])
        if look.efficacy.get("recommendation"):
            look.efficacy["text"] = recommendation_text(look.efficacy["recommendation"])
    awaiting = trial.looks.filter(decision_needed=True).order_by("-number").first()
    return {
        "harms": harms, "looks": looks, "awaiting": awaiting,
        "stepped": trial.protocol.design == Design.STEPPED_WEDGE,
        "clustered": trial.protocol.design == Design.CLUSTER,
        "exposed_label": EXPOSED, "unexposed_label": UNEXPOSED,
        "efficacy_planned": trial.protocol.efficacy_looks,
        "events": SafetyEvent.objects.filter(trial=trial).select_related(
            "allocation", "participant", "harm_outcome", "reported_by"
        )[:100],
        "decisions": trial.decisions.select_related("decided_by", "look"),
        "harm_chart": harm_chart(looks) if looks else "",
        "efficacy_chart": efficacy_chart(looks) if any(
            look.efficacy.get("status") == "tested" for look in looks) else "",
    }


def look_due(trial: Trial) -> bool:
    """The next planned look is due: the information reached the plan's next fraction (k/K,
    or a stepped wedge's GLS fractions for efficacy looks) and no look has been taken at it.

    Harm looks can be taken at any time besides; this is the planned schedule.
    """
    if trial.status not in MONITORED:
        return False
    planned, _ends = planned_look_rates(trial)
    today = timezone.localdate()
    looks = list(trial.looks.all())
    if trial.protocol.efficacy_looks:
        taken = sum(look.efficacy.get("status") == "tested" for look in looks)
        stepped = trial.protocol.design == Design.STEPPED_WEDGE
        now = stepped_wedge_information(trial, as_of=today) if stepped else information_rate(trial, as_of=today)
    else:
        reached = max((look.information_rate for look in looks), default=0.0)
        taken = sum(reached >= r - 1e-9 for r in planned)
        now = information_rate(trial, as_of=today)
    return taken < len(planned) and now >= planned[taken] - 1e-9


def safety_workspace(user: User) -> dict[str, Any]:
    """The safety lead's trials, looks due, unreviewed serious events, crossings awaiting a
    decision, and messages to them that could not be emailed."""
    trials = list(
        Trial.objects.filter(safety_lead=user).exclude(status=Trial.Status.DRAFT)
        .select_related("protocol").annotate(
            looks_taken=Count("looks", distinct=True),
            unreviewed=Count("safety_events", filter=Q(safety_events__reviewed_at__isnull=True,
                                                      safety_events__severity=Severity.SERIOUS),
                             distinct=True),
        ).order_by("title")
    )
    for trial in trials:
        trial.look_due = look_due(trial)  # type: ignore[attr-defined]
    return {
        "trials": trials,
        "due": [t for t in trials if t.look_due],  # type: ignore[attr-defined]
        "events": unreviewed_serious_events(user),
        "awaiting": InterimLook.objects.filter(trial__safety_lead=user, decision_needed=True)
        .select_related("trial").order_by("-taken_at"),
        "undelivered": Notification.objects.filter(app=NOTIFICATION_APP, user=user, sent_at__isnull=True)
        .exclude(failure="").order_by("-created_at", "-id")[:20],
    }


def unreviewed_serious_events(user: User) -> QuerySet[SafetyEvent]:
    return (
        SafetyEvent.objects.filter(trial__safety_lead=user, severity=Severity.SERIOUS,
                                   reviewed_at__isnull=True)
        .select_related("trial", "harm_outcome", "allocation", "participant")
        .order_by("reported_at", "id")
    )


# --- efficacy at an interim look -------------------------------------------------------------
#
# The primary outcome at an interim look, against the efficacy (and futility) boundary.
#
# Only when the protocol plans efficacy looks (``Protocol.efficacy_looks``); otherwise no
# efficacy test is done at any look. The primary outcome is analysed from the latest
# accepted outcome data by the registered analysis (``uploads.dataset_analyse``, the same code
# that produces the result), and its two-sided p-value is turned into a Z on the engine's
# scale (Z > 0 favours the intervention, whichever direction is better for the outcome):
#
#     Z = s * Phi^-1(1 - p / 2),   s = sign(effect), reversed when lower is better.
#
# (For a t-based p this is the normal score with the same tail probability.) The Z of every
# look so far is evaluated by ``seedbed.stats.monitoring.evaluate_looks`` against the
# protocol's group-sequential design (its alpha, sides and spending function; Lan & DeMets
# boundaries at the observed information fractions). When futility looks are planned, a
# non-binding futility boundary at Z = 0 (the primary outcome not in the hoped-for direction)
# is added; being non-binding, it does not change the efficacy boundaries.
# The information fraction is people analysed / planned people for an individually
# randomised trial, the look's enrolment fraction for a cluster trial, and, for a stepped
# wedge, the GLS information of the periods completed over that of the whole design (the
# fractions the plan sized its looks at, ``seedbed.stats.sw_power.stepped_wedge_look_rates``),
# not calendar time.
#
# An efficacy look is only taken when it is due: look k of the K planned is due once the
# information reaches the plan's k-th fraction (k/K, or the stepped wedge's GLS fractions).
# Before then the primary outcome is not tested and the look records when it will be due,
# so that early safety looks cannot use up the efficacy looks. Harm is checked at every look
# whatever the efficacy schedule (``seedbed.trials.services.monitoring``).

STATUS_TESTED = "tested"
STATUS_NO_DATA = "no_data"
STATUS_FAILED = "analysis_failed"
STATUS_NOT_DUE = "not_due"
STATUS_ALL_TAKEN = "all_taken"
STATUS_DATA_MISMATCH = "allocation_mismatch"
MESSAGE_NO_DATA = "No outcome data uploaded yet: the primary outcome was not tested at this look"
MESSAGE_NOT_DUE = (
    "Efficacy look {look} of {looks} is not due yet: it is due at {due:.0%} of the planned "
    "information{when} (now {now:.0%}). The primary outcome was not tested at this look"
)
MESSAGE_NOT_DUE_PERIOD = ", at the end of period {period} of {periods} ({date:%d %B %Y})"
MESSAGE_ALL_TAKEN = (
    "All {looks} planned efficacy looks have been taken: the primary outcome was not tested "
    "again at this look"
)
FUTILITY_Z = 0.0
NEEDS_DECISION = (RECOMMEND_STOP_BENEFIT, RECOMMEND_STOP_HARM, RECOMMEND_CONSIDER_FUTILITY)


def _primary(trial: Trial) -> tuple[float, float, int] | dict[str, Any]:
    dataset = trial.datasets.order_by("-uploaded_at", "-id").first()
    if dataset is None:
        return {"status": STATUS_NO_DATA, "message": MESSAGE_NO_DATA}
    # data uploaded by a blinded role were not checked against the allocation list then
    if mismatched := allocation_mismatches(trial, dataset):
        return {"status": STATUS_DATA_MISMATCH, "message": allocation_mismatch_message(mismatched)}
    try:
        analysis, estimate, _followed, _cost = dataset_analyse(trial=trial, dataset=dataset)
    except ValidationProblem as problem:
        return {"status": STATUS_FAILED, "message": "; ".join(problem.problems.values())}
    if isinstance(estimate, dict):
        effect, p = estimate["effect"], estimate["p"]
    else:
        effect, p = estimate.effect, estimate.p
    analysed = sum(int(s.get("n") or 0) for s in analysis["outcomes"][0]["summaries"])
    return float(effect if effect is not None else math.nan), float(
        p if p is not None else math.nan), analysed


def _not_due(trial: Trial, taken: int, planned: tuple[float, ...], ends: tuple[int, ...] | None,
             rate: float) -> dict[str, Any]:
    """The efficacy part of a look taken before the next efficacy look is due."""
    protocol = trial.protocol
    when = ""
    if ends is not None and protocol.first_period_start and protocol.period_days:
        end = ends[taken]
        date = protocol.first_period_start + dt.timedelta(days=end * int(protocol.period_days) - 1)
        when = MESSAGE_NOT_DUE_PERIOD.format(period=end, periods=int(protocol.steps or 2) + 1, date=date)
    return {"status": STATUS_NOT_DUE, "due_rate": planned[taken], "information_rate": rate,
            "message": MESSAGE_NOT_DUE.format(look=taken + 1, looks=len(planned), due=planned[taken],
                                              when=when, now=rate)}


def efficacy_look(*, trial: Trial, rate: float, previous: list[InterimLook],
                  as_of: dt.date) -> dict[str, Any]:
    """The primary outcome at this look ({} when the protocol plans no efficacy looks; not
    tested, with the reason, before the next efficacy look is due or after the last)."""
    protocol = trial.protocol
    if not protocol.efficacy_looks:
        return {}
    history = [look.efficacy for look in previous if look.efficacy.get("status") == STATUS_TESTED]
    planned, ends = planned_look_rates(trial)
    if len(history) >= len(planned):
        return {"status": STATUS_ALL_TAKEN, "message": MESSAGE_ALL_TAKEN.format(looks=len(planned))}
    if protocol.design == Design.STEPPED_WEDGE:
        rate = stepped_wedge_information(trial, as_of=as_of)
    # due at the plan's next fraction, and only with new information since the last one
    due = max(planned[len(history)], history[-1]["information_rate"] + 1e-6 if history else 0.0)
    if protocol.design != Design.INDIVIDUAL and rate < due - 1e-9:
        return _not_due(trial, len(history), planned, ends, rate)
    primary = _primary(trial)
    if isinstance(primary, dict):
        return primary
    effect, p, analysed = primary
    z = z_from_p(effect=effect, p=p, higher_is_better=protocol.higher_is_better)
    if protocol.design == Design.INDIVIDUAL:
        rate = min(max(analysed / planned_people(trial), 1e-6), 1.0)
        if rate < due - 1e-9:
            return _not_due(trial, len(history), planned, ends, rate)
    zs = [h["z"] if h["z"] is not None else math.nan for h in history] + [z]
    rates = [h["information_rate"] for h in history] + [rate]
    design = group_sequential_design(
        looks=len(planned), information_rates=planned, alpha=protocol.alpha, sides=protocol.sides,
        spending=protocol.spending,
        futility_z=FUTILITY_Z if protocol.futility_looks else None,
    )
    decision = evaluate_looks(design=design, z_statistics=zs, observed_information_rates=rates)[-1]
    return {
        "status": STATUS_TESTED, "outcome": protocol.primary_outcome[:200],
        "effect": effect if math.isfinite(effect) else None, "p": p if math.isfinite(p) else None,
        "z": z if math.isfinite(z) else None, "analysed": analysed, "information_rate": rate,
        "efficacy_boundary": decision.efficacy_z, "futility_boundary": decision.futility_z,
        "sides": protocol.sides, "recommendation": decision.recommendation,
        "warnings": list(decision.warnings),
    }


# --- the protocol as registered content ---------------------------------------------------------

def _concealment_salt(trial: Trial) -> str:
    """128 random bits in every frozen version of a trial's protocol (drawn at registration,
    kept by amendments). Its hash is public while the block sizes are not: without the salt
    anyone could rebuild the content from the registry page and try the few likely block
    sizes until the hash matched."""
    first = trial.versions.order_by("number").first()
    salt = first.content.get("salt") if first is not None else None
    return str(salt) if salt else secrets.token_hex(16)


def protocol_content(trial: Trial) -> dict[str, Any]:
    """The protocol as registered content: every field, harms, stopping rules, safety lead,
    and a random salt (``_concealment_salt``)."""
    protocol = trial.protocol
    fields = {name: getattr(protocol, name) for name in PROTOCOL_FIELDS}
    # Dates (the stepped-wedge period schedule) are frozen as ISO text.
    fields = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in fields.items()}
    return {
        "title": trial.title,
        "organisation": trial.organisation_id,
        "safety_lead": trial.safety_lead_id,
        "protocol": fields,
        "harm_outcomes": [
            {"name": h.name, "definition": h.definition, "boundary_alpha": h.boundary_alpha,
             "boundary_spending": h.boundary_spending}
            for h in trial.harm_outcomes.all()
        ],
        "stopping_rules": [r.rule for r in trial.stopping_rules.all()],
        "salt": _concealment_salt(trial),
    }


# --- safety decisions and early stops -------------------------------------------------------

def decision_awaited(trial: Trial) -> InterimLook | None:
    """The latest look awaiting the safety lead's decision, if any."""
    return trial.looks.filter(decision_needed=True).order_by("-number").first()


def stopping_record(trial: Trial) -> dict[str, Any] | None:
    """Why and when the trial stopped early, the decision's reasons, and the harm outcomes'
    counts per arm at the last look before the stop (None if it did not stop early).

    Kept in ``TrialResult.analysis["stopping"]`` so that the published result states it;
    counts are raw here and pass disclosure control where they are shown.
    """
    if not trial.stopped_for:
        return None
    decision = (SafetyDecision.objects.filter(trial=trial, decision=SafetyDecision.Decision.STOP)
                .select_related("look").order_by("-decided_at", "-id").first())
    look = decision.look if decision is not None and decision.look_id else \
        trial.looks.order_by("-number").first()
    harms = []
    for row in (look.results if look is not None else []):
        keys = ("n_control", "events_control", "n_arm", "events_arm")
        if not all(isinstance(row.get(k), int | float) for k in keys):
            continue
        harms.append({"harm": row.get("harm", ""), "control": row.get("control", ""),
                      "arm": row.get("arm", ""), **{k: int(row[k]) for k in keys}})
    stopped_at = trial.stopped_at or (decision.decided_at if decision else None)
    return json_safe({
        "reason": trial.stopped_for, "label": trial.get_stopped_for_display(),
        "at": stopped_at.isoformat() if stopped_at else None,
        "decision_reasons": decision.reasons if decision is not None else "",
        "decided_at": decision.decided_at.isoformat() if decision is not None else None,
        "look": look.number if look is not None else None,
        "information_rate": look.information_rate if look is not None else None,
        "harms": harms,
    })
