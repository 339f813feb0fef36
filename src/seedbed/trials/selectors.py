"""Reading probes and trials: the registry, versions, monitoring and results.

Counts that are published (the CONSORT flow, per-arm numbers, harm events) pass disclosure
control: ``seedbed.stats.disclosure.protect_counts`` suppresses counts from 1 to 9 and any
other count that would let the total give a suppressed one away.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from seedbed.accounts.models import Membership, Role, User
from seedbed.core.access import COUNCIL_KINDS, council_staff_users
from seedbed.core.models import Notification
from seedbed.stats.disclosure import (
    DEFAULT_THRESHOLD,
    PRIMARY,
    protect_counts_marked,
    protect_table,
)
from seedbed.stats.evidence import COMPARISON_NONE, evidence_level
from seedbed.trials.models import (
    NOTIFICATION_APP,
    Allocation,
    Probe,
    Protocol,
    ProtocolVersion,
    SafetyDecision,
    SafetyEvent,
    Trial,
    TrialResult,
)
from seedbed.trials.power import describe_power
from seedbed.trials.rules import CONCEALED_UNTIL_ENDED, parse_block_sizes, recruitment_ended

SUPPRESSED = "fewer than 10"
CONCEALED_TEXT = ("Concealed until recruitment ends, so that nobody can work out the next "
                  "allocation")
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
                        if first and recruitment_ended(trial) else None),
        "id": trial.pk, "title": trial.title, "status": trial.status,
        "organisation": trial.organisation.name, "registered_at": trial.registered_at,
        "protocol_hash": first.content_hash if first else "",
        "seed_commitment": trial.seed_commitment,
        "seed": trial.seed if trial.seed_revealed_at else None,
        "stopped_for": trial.stopped_for, "stopped_at": trial.stopped_at,
    }


def field_label(name: str) -> str:
    if name in {f.name for f in Protocol._meta.get_fields()}:
        return str(Protocol._meta.get_field(name).verbose_name).capitalize()  # type: ignore[union-attr]
    return name.replace("_", " ").capitalize()


def _flatten(content: dict[str, Any], *, conceal: bool) -> dict[str, str]:
    out: dict[str, str] = {"Title": str(content.get("title", ""))}
    for name, value in content.get("protocol", {}).items():
        if name in ("power_calculation",):
            out["Power calculation"] = describe_power(value or {})
            continue
        if conceal and name in CONCEALED_UNTIL_ENDED:
            out[field_label(name)] = CONCEALED_TEXT
            continue
        out[field_label(name)] = "" if value is None else str(value)
    out["Harm outcomes"] = "; ".join(
        f"{h['name']} (boundary: one-sided alpha {h['boundary_alpha']}, {h['boundary_spending']})"
        for h in content.get("harm_outcomes", [])
    )
    out["Stopping rules"] = "; ".join(content.get("stopping_rules", []))
    return out


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


def registered_protocol_rows(version: ProtocolVersion) -> list[tuple[str, str]]:
    """The registered protocol for the public registry (block sizes concealed until
    recruitment ends: ``rules.CONCEALED_UNTIL_ENDED``)."""
    conceal = not recruitment_ended(version.trial)
    return [(k, v) for k, v in _flatten(version.content, conceal=conceal).items() if v]


def enrolment_list(*, trial: Trial, organisation_ids: set[int] | frozenset[int]) -> QuerySet[Allocation]:
    """Units enrolled by the given organisations (arms are not part of this list)."""
    return (
        Allocation.objects.filter(trial=trial, organisation_id__in=organisation_ids)
        .exclude(unit_ref="").order_by("-enrolled_at")
    )


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
