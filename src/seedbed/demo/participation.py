"""Voices demo data: needs and ideas from Northfield's residents, staff and providers.

Deterministic: the same texts, people, supports and statuses on every run, built through
the Voices services. Several needs are near-duplicates on purpose (so similar-needs and
themes have something to find), one duplicate is merged, and statuses cover the loop.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.urls import reverse

from seedbed.participation import services
from seedbed.participation.models import Contribution, Status

NAMESPACE = uuid.UUID("5eedbed0-0000-4000-8000-000000000007")

# topic, submitter, title, body, who is affected, area
NEEDS: tuple[tuple[str, str, str, str, str, str], ...] = (
    # Neighbourhoods: fly-tipping and rubbish
    ("rubbish", "resident", "Fly-tipping behind the Eastside shops",
     "Bags of rubbish, old mattresses and fridges are dumped in the alley behind the Eastside shops every week. The fly-tipping attracts rats and the smell is awful.",
     "People living above the shops and families walking to school", "Eastside"),
    ("rubbish", "frontline", "Dumped rubbish and mattresses in the alleyways",
     "Alleyways on the estate are full of dumped rubbish, mattresses and sofas. Fly-tipping gets reported but it comes back within days and rats are now a problem.",
     "Tenants on the Bourne estate", "Bourne estate"),
    ("rubbish", "resident", "Rats and fly-tipping near the recycling point",
     "The recycling point on Mill Road overflows and people dump rubbish bags beside it. There is fly-tipping most weekends and we have seen rats.",
     "Everyone on Mill Road", "Mill Road"),
    ("rubbish", "provider", "Bulky waste collection costs too much so people fly-tip",
     "Families we support cannot afford the bulky waste collection charge, so old furniture and mattresses end up dumped in the street as fly-tipping.",
     "Low-income families", ""),
    ("rubbish", "resident", "Rubbish dumped behind the shops at Eastside again",
     "Someone keeps dumping rubbish and old fridges behind the shops at Eastside. The fly-tipping is getting worse and there are rats.",
     "Residents near the Eastside shops", "Eastside"),
    # Neighbourhoods: unsafe roads near schools
    ("school_roads", "resident", "No safe place to cross near Northfield Primary",
     "Cars speed along Church Lane at school time and there is no crossing. Children have to run across the road between parked cars to get to school.",
     "Children walking to Northfield Primary and their parents", "Church Lane"),
    ("school_roads", "resident", "Speeding cars outside the school gates",
     "Drivers speed past the school gates at drop-off and pick-up. There is no crossing patrol and children cross the road between parked cars.",
     "Pupils and parents", "Church Lane"),
    ("school_roads", "frontline", "Parents park on the zig-zags and block the crossing",
     "At school time parents park on the zig-zag lines so children cannot see the traffic when they cross the road to school. The speeding makes it dangerous.",
     "Children at three primary schools", ""),
    ("school_roads", "resident", "Children crossing a busy road to get to school",
     "My children have to cross a busy road with speeding traffic to get to school. We need a crossing or a lollipop person.",
     "Families on the west side", "Westgate"),
    ("school_roads", "provider", "Walking to school feels unsafe because of traffic",
     "Parents we work with drive short distances because the walk to school means crossing a fast road with no crossing and speeding cars.",
     "Families with young children", ""),
    # Adult social care: home care visits
    ("home_care", "resident", "Home care visits are rushed and late",
     "The carers who visit my mother are always rushed. Visits are meant to be 30 minutes but they stay 10, and they are often two hours late so she misses her medication.",
     "Older people receiving home care", ""),
    ("home_care", "frontline", "Carers do not have time to do the care visit properly",
     "Home care workers are given 15-minute visits with no travel time, so visits are rushed and late and people do not get their medication or a proper meal.",
     "People who receive home care and the care workers", ""),
    ("home_care", "resident", "Different carer at every home care visit",
     "My father has a different carer at almost every home care visit. They do not know him, the visits are rushed, and he gets anxious and confused.",
     "People with dementia receiving home care", ""),
    ("home_care", "provider", "Late home care visits because of travel between calls",
     "Our care workers cannot reach the next home care visit on time because no travel time is paid between calls, so visits run late and are cut short.",
     "Home care workers and the people they visit", ""),
    ("home_care", "resident", "Mum's carers are rushed and arrive late",
     "Mum's home care visits are rushed and the carers come late in the evening, so she goes to bed hungry and misses her tablets.",
     "My mother and others like her", ""),
    # Adult social care: unpaid carers' breaks
    ("carer_respite", "resident", "No break for unpaid carers",
     "I look after my husband who has had a stroke. I have not had a break in two years because there is no respite care available and I am exhausted.",
     "Unpaid carers", ""),
    ("carer_respite", "resident", "Respite care for carers is impossible to get",
     "As an unpaid carer for my son I was told respite care has a long waiting list. Carers like me never get a break and our own health suffers.",
     "Parent carers and family carers", ""),
    ("carer_respite", "frontline", "Unpaid carers are burning out without respite",
     "We see unpaid carers at breaking point. Respite care and short breaks are hard to find, so carers burn out and the person they care for ends up in hospital.",
     "Unpaid family carers", ""),
    ("carer_respite", "provider", "Short breaks for family carers have stopped",
     "The short breaks service for family carers closed, and now carers have no respite at all. They tell us they are exhausted and isolated.",
     "Family carers", ""),
    ("carer_respite", "resident", "I need a break from caring for my mother",
     "I care for my mother full time and need a short break now and then. Respite care is never available and I am exhausted.",
     "Unpaid carers", ""),
    # Children's services: things for teenagers to do
    ("youth", "resident", "Nothing for teenagers to do in the holidays",
     "The youth club closed and in the school holidays teenagers have nothing to do and nowhere to go, so they hang around the park and get into trouble.",
     "Young people aged 13 to 17", "Northfield"),
    ("youth", "frontline", "Young people have nowhere safe to go after school",
     "Since the youth centre shut, young people have nowhere safe to go after school or in the holidays. Some are being drawn into exploitation.",
     "Teenagers on the estates", ""),
    ("youth", "resident", "Bring back the youth club",
     "Our youth club closed last year. Teenagers now have nothing to do in the evenings or school holidays and nowhere to meet friends safely.",
     "Teenagers and their parents", "Eastside"),
    ("youth", "provider", "Holiday activities for teenagers are full or too expensive",
     "Holiday activities for young people are full within hours or cost too much, so teenagers from poorer families have nothing to do all summer.",
     "Teenagers from low-income families", ""),
    ("youth", "resident", "Teenagers have nothing to do and nowhere to go",
     "There is nothing for teenagers to do here. With no youth club they have nowhere to go in the holidays and evenings.",
     "Young people", "Westgate"),
    # Children's services: waiting for family support
    ("early_help", "resident", "Waiting months for family support",
     "We asked for help with our son's behaviour and were put on a waiting list for family support. Six months later we are still waiting and things are getting worse.",
     "Families who ask for early help", ""),
    ("early_help", "frontline", "Early help waiting lists are too long",
     "Families referred for early help wait months before a family support worker is allocated. By then problems have often become a crisis.",
     "Families referred for early help", ""),
    ("early_help", "provider", "Families wait too long for a family support worker",
     "Families we refer wait a long time on the waiting list for a family support worker, and nobody tells them how long the wait will be.",
     "Families referred by providers", ""),
    ("early_help", "resident", "Nobody tells us how long the wait for support is",
     "We were referred for family support but nobody tells us where we are on the waiting list or how long we will be waiting.",
     "Parents waiting for early help", ""),
    ("early_help", "frontline", "Parenting support has a long waiting list",
     "Parenting support groups have a long waiting list, so families who need help now wait months for family support.",
     "Parents of young children", ""),
)

IDEAS: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    # submitter, answers (need title), title, body, tags
    ("resident", "No safe place to cross near Northfield Primary", "School streets on Church Lane",
     "Close Church Lane to through traffic for 30 minutes at drop-off and pick-up, with volunteer marshals from the parents.",
     ("new_resources", "new_suppliers")),
    ("provider", "No break for unpaid carers", "Carer-to-carer sitting swap",
     "Trained carers take turns sitting with each other's relatives for an afternoon, so each gets a regular break without waiting for respite care.",
     ("new_insight", "new_resources")),
    ("frontline", "Nothing for teenagers to do in the holidays", "Open school sports halls in the holidays",
     "Schools open their sports halls to teenagers in the holidays, run by youth workers and local sports clubs.",
     ("new_resources", "new_suppliers")),
    ("resident", "Fly-tipping behind the Eastside shops", "Free bulky waste day each month",
     "A free bulky waste collection day each month on each estate, so people have a way to get rid of mattresses and furniture.",
     ("new_customers",)),
    ("provider", "Waiting months for family support", "Text updates for families on the waiting list",
     "Send families on the early help waiting list a monthly text with their place and a named contact, and offer a parent peer group while they wait.",
     ("new_insight", "new_customers")),
)

SUPPORTS = {
    "No safe place to cross near Northfield Primary": ("resident", "frontline", "provider", "lead", "panel"),
    "Fly-tipping behind the Eastside shops": ("resident", "frontline", "analyst"),
    "Home care visits are rushed and late": ("frontline", "provider", "safety"),
    "No break for unpaid carers": ("provider", "frontline"),
    "Nothing for teenagers to do in the holidays": ("frontline", "provider", "panel"),
    "Rubbish dumped behind the shops at Eastside again": ("provider", "panel"),
}


def _key(label: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, label)


def build(context: dict[str, Any]) -> None:
    """Create the Voices demo (needs, ideas, supports, comments, statuses, a merge).

    Themes are not computed here (every test that builds the demo would pay for it): run
    ``manage.py voices_themes``, or "Refresh themes now" with a task worker running.
    """
    users = context["users"]
    lead = users["lead"]
    by_title: dict[str, Contribution] = {}
    for _topic, who, title, body, affected, area in NEEDS:
        by_title[title] = services.contribution_submit(
            actor=users[who], kind="need", title=title, body=body, who_affected=affected,
            area_name=area, how_often="often", idempotency_key=_key(f"need:{title}"),
            refresh_themes=False,
        )
    for who, answers, title, body, tags in IDEAS:
        by_title[title] = services.contribution_submit(
            actor=users[who], kind="idea", title=title, body=body,
            answers_need=by_title[answers], efficiency_tags=tags,
            idempotency_key=_key(f"idea:{title}"),
        )
    for title, supporters in SUPPORTS.items():
        for who in supporters:
            services.support_add(contribution=by_title[title], actor=users[who])
    services.follow_add(contribution=by_title["Rubbish dumped behind the shops at Eastside again"], actor=users["panel"])
    services.contribution_merge(
        duplicate=by_title["Rubbish dumped behind the shops at Eastside again"],
        into=by_title["Fly-tipping behind the Eastside shops"], actor=lead,
    )
    for title in ("Home care visits are rushed and late", "Nothing for teenagers to do in the holidays",
                  "No break for unpaid carers", "Fly-tipping behind the Eastside shops"):
        services.contribution_status_set(contribution=by_title[title], status=Status.UNDER_CONSIDERATION,
                                         actor=lead, reason="Talking to the service about it.")
    services.contribution_status_set(
        contribution=by_title["No safe place to cross near Northfield Primary"],
        status=Status.TAKEN_FORWARD, actor=lead, outcome_label="Safer school streets challenge",
        outcome_url=reverse("funding:index"),
    )
    services.contribution_status_set(
        contribution=by_title["Bring back the youth club"], status=Status.NOT_TAKEN_FORWARD, actor=lead,
        reason="The building is being sold; the need is part of the holiday activities work instead.",
    )
    first = services.comment_add(
        contribution=by_title["No safe place to cross near Northfield Primary"], actor=users["resident"],
        body="A crossing patrol in the mornings would already help.",
    )
    reply = services.comment_add(
        contribution=by_title["No safe place to cross near Northfield Primary"], actor=users["frontline"],
        body="Agreed. The afternoons are worse because of the parked cars.", parent=first,
    )
    services.comment_add(
        contribution=by_title["No safe place to cross near Northfield Primary"], actor=users["provider"],
        body="Families we work with say the same.", parent=reply,
    )
    services.report_make(
        contribution=by_title["Mum's carers are rushed and arrive late"], actor=users["frontline"],
        reason="This may identify the person's mother; please check before it stays up.",
    )
