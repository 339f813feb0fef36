"""Demo library: positive, null and negative cases, a probe, and one imported external
evidence entry (illustrative, not a real study). Built only through the library services.

Then every trial and probe the trials demo published becomes a case through
``case_create_from_trial`` / ``case_create_from_probe`` (unless the trials app's publish step
already made it). The hand-written six: directions positive 4, null 1, negative 1;
Children's Services 4 cases.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import reverse

from seedbed.library import services
from seedbed.portfolio.models import Innovation, ServiceArea
from seedbed.trials.models import Probe, Trial


def build(context: dict[str, Any]) -> None:
    analyst = context["users"]["analyst"]
    areas = {a.slug: a for a in ServiceArea.objects.all()}
    innovations = {i.title: i for i in Innovation.objects.all()}
    children, adults, streets = (areas.get("childrens-services"), areas.get("adult-social-care"),
                                 areas.get("neighbourhoods"))
    services.case_create(
        title="Attendance mentors in eight primary schools",
        summary="Pupils who often missed school were given a weekly mentor from the community. "
                "Attendance rose by about three percentage points compared with pupils without a mentor.",
        problem="Persistent school absence in two wards: one pupil in five missed a tenth of sessions.",
        what_was_done="Trained volunteer mentors met each pupil weekly and called home after any absence.",
        setting="Eight primary schools in Northfield; pupils aged 7 to 11.",
        design="rct", year=2026, outcome="Attendance (percentage of sessions)", effect=3.1, ci=(1.2, 5.0),
        effect_unit="percentage points", n_intervention=412, n_comparison=398,
        cost=Decimal("80000"), outcomes_achieved=130, outcome_unit="pupil no longer persistently absent",
        lessons_worked="Mentors from the pupils' own neighbourhood; a call home the same day.",
        lessons_did_not="Group sessions at lunchtime were poorly attended.",
        lessons_differently="Start in the autumn term, when absence patterns set in.",
        innovation=innovations.get("Attendance mentors for persistent school absence"),
        registry_url=reverse("trials:index"), actor=analyst, source="trial", publish=True,
    )
    services.case_create(
        title="Warning letters to parents about school absence",
        summary="Sending formal warning letters about fines to parents of absent pupils made attendance "
                "slightly worse than the usual phone call.",
        problem="Schools wanted a cheaper way to contact parents of persistently absent pupils.",
        what_was_done="A formal letter mentioning penalty notices replaced the pastoral phone call.",
        setting="Twelve secondary schools.", design="rct", year=2024,
        outcome="Attendance (percentage of sessions)", effect=-1.2, ci=(-2.0, -0.4),
        effect_unit="percentage points", n_intervention=620, n_comparison=604, typology="policy",
        service_area=children, cost=Decimal("6000"), source="trial",
        lessons_did_not="Parents read the letter as a threat and engaged less with the school.",
        lessons_differently="Keep the relationship first; test softer wording before any scale-up.",
        actor=analyst, publish=True,
    )
    services.case_create(
        title="Text reminders for bulky waste collections",
        summary="Texting residents the day before a bulky waste collection did not reduce missed "
                "collections compared with a similar ward.",
        problem="Bulky waste collections fail when items are not put out.",
        what_was_done="An SMS reminder the evening before each booked collection.",
        setting="One ward, compared with a matched neighbouring ward.", design="non_random", year=2026,
        outcome="Missed collections per 100 bookings", effect=-0.4, ci=(-2.1, 1.3),
        higher_is_better=False, n_intervention=540, n_comparison=515, cost=Decimal("6000"),
        lessons_did_not="Most missed collections were access problems, not forgetting.",
        lessons_differently="Look at why collections fail before choosing the fix.",
        innovation=innovations.get("Text reminders for bulky waste collections"),
        service_area=streets, actor=analyst, source="trial", publish=True,
    )
    services.case_create(
        title="Family group conferencing probe with twelve families",
        summary="Twelve families referred to children's social care were offered a family group "
                "conference at first contact; most stayed engaged, so the idea was amplified.",
        problem="Families referred to children's social care often disengage after the first visit.",
        what_was_done="An independent coordinator brought the wider family together to make a plan.",
        setting="Children's Services front door, with Northfield Family Support CIC.",
        design="probe", year=2026, direction="positive", cost=Decimal("8000"), outcomes_achieved=9,
        outcome_unit="family still engaged after eight weeks",
        lessons_worked="Meeting in the family's own community venue.",
        innovation=innovations.get("Family group conferencing at first contact"),
        actor=analyst, source="probe", publish=True,
    )
    services.case_create(
        title="Video check-ins after leaving hospital",
        summary="Older people leaving hospital had a video call with a reablement worker on their first "
                "day home; fewer were readmitted than before, but there was no comparison group.",
        problem="People discharged from hospital wait days for a reablement visit and some are readmitted.",
        what_was_done="A tablet and a same-day video call with a reablement worker.",
        setting="Adult Social Care, with Northfield Health Partnership.", design="before_after", year=2025,
        outcome="Readmissions within 30 days (per 100 discharges)", effect=-2.0, ci=(-3.5, -0.5),
        higher_is_better=False, n_intervention=6, typology="process", service_area=adults,
        lessons_differently="Run it with a comparison group next time.", actor=analyst, source="probe",
        publish=True,
    )
    services.case_create(
        title="Free school breakfast clubs and attendance (external evaluation)",
        summary="An independent cluster randomised evaluation elsewhere found that free breakfast clubs "
                "improved attendance; an illustrative demo entry for imported external evidence.",
        problem="Pupils arriving hungry or late miss learning and whole sessions.",
        what_was_done="Free, universal breakfast clubs before the school day.",
        setting="Primary schools in another region (illustrative).", design="cluster_rct", year=2025,
        outcome="Attendance (percentage of sessions)", effect=0.6, ci=(0.1, 1.1),
        effect_unit="percentage points", independent_replications=1, typology="service",
        service_area=children, citation="Illustrative external evaluation (demo data)",
        external_url="https://example.org/evidence/breakfast-clubs", actor=analyst, source="external",
        publish=True,
    )
    _from_trials(analyst)


def _from_trials(actor: Any) -> None:
    for trial in Trial.objects.filter(result__published_at__isnull=False, library_case__isnull=True).order_by("pk"):
        services.case_create_from_trial(trial=trial, actor=actor)
    for probe in Probe.objects.filter(status="published", library_case__isnull=True).order_by("pk"):
        services.case_create_from_probe(probe=probe, actor=actor)
