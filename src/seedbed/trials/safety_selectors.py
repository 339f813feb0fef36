"""Reading for the safety lead: the unblinded monitoring page and their workspace.

Only the trial's named safety lead reaches these (``core.access.access_trial_monitoring``,
``access_safety_workspace``): they show arms. Nothing here is for blinded roles.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from seedbed.accounts.models import User
from seedbed.core.models import Notification
from seedbed.stats.monitoring import (
    RECOMMEND_CONSIDER_FUTILITY,
    RECOMMEND_STOP_BENEFIT,
    RECOMMEND_STOP_HARM,
)
from seedbed.trials.harm_data import (
    EXPOSED,
    UNEXPOSED,
    harm_comparisons,
    information_rate,
    planned_look_rates,
    stepped_wedge_information,
)
from seedbed.trials.models import (
    NOTIFICATION_APP,
    Design,
    InterimLook,
    SafetyEvent,
    Severity,
    Trial,
)
from seedbed.trials.monitoring_chart import HARM_COLOUR, Line, z_chart_svg

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


def harm_chart(looks: list[InterimLook]) -> str:
    """Each harm comparison's Z at each look with its own named harm boundary (never the
    efficacy boundary)."""
    lines: list[Line] = []
    keys: dict[tuple[int, str], str] = {}
    for look in looks:
        for r in look.results:
            keys.setdefault((r["harm_id"], r["arm"]), f"{r['harm']}: {r['arm']} against {r['control']}")
    for (harm_id, arm), label in keys.items():
        rows = [(look.information_rate, r) for look in looks for r in look.results
                if r["harm_id"] == harm_id and r["arm"] == arm]
        lines.append(Line(label=f"Z, {label}", points=tuple((t, r["z"]) for t, r in rows)))
        lines.append(Line(label=f"Harm boundary, {label} (crossing below it pauses enrolment)",
                          points=tuple((t, r["harm_boundary"]) for t, r in rows), boundary=True))
    return z_chart_svg(title="Harm statistic at each look against the harm boundary", lines=lines)


def efficacy_chart(looks: list[InterimLook]) -> str:
    """The primary outcome's Z at each look against the efficacy (and futility) boundary."""
    tested = [look.efficacy for look in looks if look.efficacy.get("status") == "tested"]
    lines = [Line(label="Z, primary outcome (above 0 favours the intervention)",
                  points=tuple((e["information_rate"], e["z"]) for e in tested))]
    lines.append(Line(label="Efficacy boundary (crossing above it: consider stopping for benefit)",
                      points=tuple((e["information_rate"], e["efficacy_boundary"]) for e in tested),
                      boundary=True, colour="#00703c"))
    if any(e.get("sides") == 2 for e in tested):
        lines.append(Line(label="Lower boundary (crossing below it: the intervention is worse)",
                          points=tuple((e["information_rate"], -e["efficacy_boundary"]) for e in tested),
                          boundary=True, colour=HARM_COLOUR))
    if any(e.get("futility_boundary") is not None for e in tested):
        lines.append(Line(label="Futility boundary, non-binding (below it: consider stopping for futility)",
                          points=tuple((e["information_rate"], e["futility_boundary"]) for e in tested),
                          boundary=True, colour="#505a5f"))
    return z_chart_svg(title="Primary outcome at each look against the efficacy boundary", lines=lines)


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
