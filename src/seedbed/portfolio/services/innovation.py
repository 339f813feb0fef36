"""Creating innovations, linking them to the golden thread, recording spend and evidence."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from seedbed.accounts.models import Organisation, User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.portfolio.models import (
    EfficiencyTag,
    Innovation,
    InnovationLink,
    InnovationOrganisation,
    ServiceArea,
    Stage,
    StageSet,
    Typology,
)
from seedbed.portfolio.rules import involvement_part
from seedbed.portfolio.services.lifecycle import stage_set_install

ERROR_TITLE = "Enter a title"
ERROR_PROBLEM = "Describe the problem the innovation addresses"
ERROR_TYPOLOGY = "Choose a type of innovation"
ERROR_TAG = "{tag!r} is not a radical-efficiency tag"
ERROR_BUDGET = "The budget cannot be negative"
ERROR_SPEND_NEGATIVE = "Enter a positive amount of spend"
ERROR_OVERSPEND = "This spend of £{amount} would take the total to £{total}, over the budget of £{budget}"
ERROR_STAGE_SET = "The stage is not part of the stage set"
ERROR_LINK_KIND = "{kind!r} is not a kind of link"
ERROR_LINK_TARGET = "Give either a record or a web address for the link"
ERROR_LINK_DUPLICATE = "This record is already linked to the innovation"
ERROR_EVIDENCE_LEVEL = "The evidence level must be between 0 and 5"
ERROR_FUTURE = "The stage cannot have been entered in the future"


def innovation_create(
    *, title: str, problem: str, owner: User, lead_organisation: Organisation, typology: str,
    service_area: ServiceArea, actor: User, efficiency_tags: Sequence[str] = (),
    stage_set: StageSet | None = None, stage: Stage | None = None,
    stage_entered_at: dt.datetime | None = None, budget: Decimal = Decimal("0"),
    expected_outcomes: str = "", expected_cost: Decimal | None = None,
    expected_saving: Decimal | None = None,
    involved: Sequence[tuple[Organisation, str]] = (),
) -> Innovation:
    """Record an innovation, in the first stage of its stage set unless a stage is given.

    ``stage_entered_at`` records an innovation already under way (when it entered its
    current stage); by default, now. ``involved`` lists (organisation, part) pairs, part one
    of commissioner/provider/community/partner.
    """
    problems: dict[str, str] = {}
    if not title.strip():
        problems["title"] = ERROR_TITLE
    if not problem.strip():
        problems["problem"] = ERROR_PROBLEM
    if typology not in Typology.values:
        problems["typology"] = ERROR_TYPOLOGY
    for tag in efficiency_tags:
        if tag not in EfficiencyTag.values:
            problems["efficiency_tags"] = ERROR_TAG.format(tag=tag)
    if budget < 0:
        problems["budget"] = ERROR_BUDGET
    now = timezone.now()
    if stage_entered_at is not None and stage_entered_at > now:
        problems["stage_entered_at"] = ERROR_FUTURE
    if problems:
        raise ValidationProblem(problems)
    with transaction.atomic():
        stage_set = stage_set or (stage.stage_set if stage else stage_set_install(slug="seedbed-default", actor=None))
        stage = stage or stage_set.stages.order_by("order").first()
        if stage is None or stage.stage_set_id != stage_set.pk:
            raise ValidationProblem({"stage": ERROR_STAGE_SET})
        innovation = Innovation(
            title=title.strip(), problem=problem.strip(), owner=owner,
            lead_organisation=lead_organisation, typology=typology,
            efficiency_tags=list(dict.fromkeys(efficiency_tags)), service_area=service_area,
            stage_set=stage_set, stage=stage, stage_entered_at=stage_entered_at or now,
            budget=budget, expected_outcomes=expected_outcomes, expected_cost=expected_cost,
            expected_saving=expected_saving,
        )
        innovation.full_clean()
        innovation.save()
        for organisation, part in involved:
            InnovationOrganisation.objects.get_or_create(
                innovation=innovation, organisation=organisation, part=part
            )
        audit_append(
            action="portfolio.innovation_create", actor=actor, obj=innovation,
            data={"typology": typology, "stage": stage.slug, "service_area": service_area.slug,
                  "budget": str(budget)},
        )
    return innovation


EDITABLE = ("title", "problem", "typology", "efficiency_tags", "service_area", "lead_organisation",
            "budget", "expected_outcomes", "expected_cost", "expected_saving", "involved")
def _involved_set(innovation: Innovation, organisations: Sequence[Organisation]) -> list[str] | None:
    """Make the non-commissioning organisations involved exactly ``organisations``;
    return [old, new] names when something changed."""
    current = innovation.involvements.exclude(part=InnovationOrganisation.Part.COMMISSIONER).select_related("organisation")
    old = sorted(i.organisation.name for i in current)
    wanted = {o.pk: o for o in organisations}
    current.exclude(organisation__in=list(wanted)).delete()
    for organisation in wanted.values():
        if not innovation.involvements.filter(organisation=organisation).exists():
            InnovationOrganisation.objects.create(innovation=innovation, organisation=organisation,
                                                  part=involvement_part(organisation))
    new = sorted(o.name for o in wanted.values())
    return None if old == new else ["; ".join(old), "; ".join(new)]
ERROR_BUDGET_BELOW_SPEND = "The budget cannot be less than what has been spent (£{spend})"


def innovation_update(*, innovation: Innovation, changes: dict[str, Any], actor: User) -> Innovation:
    """Change the innovation's record (not its stage: that moves only by a gate decision).

    The audit entry names every field that changed, with its old and new value.
    """
    changes = dict(changes)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationProblem({"__all__": f"These cannot be changed here: {', '.join(sorted(unknown))}"})
    problems: dict[str, str] = {}
    if "title" in changes and not str(changes["title"]).strip():
        problems["title"] = ERROR_TITLE
    if "problem" in changes and not str(changes["problem"]).strip():
        problems["problem"] = ERROR_PROBLEM
    if "typology" in changes and changes["typology"] not in Typology.values:
        problems["typology"] = ERROR_TYPOLOGY
    for tag in changes.get("efficiency_tags", ()):
        if tag not in EfficiencyTag.values:
            problems["efficiency_tags"] = ERROR_TAG.format(tag=tag)
    with transaction.atomic():
        innovation = Innovation.objects.select_for_update().get(pk=innovation.pk)
        if "budget" in changes:
            if changes["budget"] < 0:
                problems["budget"] = ERROR_BUDGET
            elif changes["budget"] < innovation.spend:
                problems["budget"] = ERROR_BUDGET_BELOW_SPEND.format(spend=f"{innovation.spend:,.2f}")
        if problems:
            raise ValidationProblem(problems)
        changed: dict[str, list[str]] = {}
        if "involved" in changes:
            involved = _involved_set(innovation, list(changes.pop("involved")))
            if involved:
                changed["involved"] = involved
        for name, value in changes.items():
            if name == "efficiency_tags":
                value = list(dict.fromkeys(value))
            elif isinstance(value, str):
                value = value.strip()
            old = getattr(innovation, name)
            if old != value:
                changed[name] = [str(old), str(value)]
                setattr(innovation, name, value)
        if set(changed) - {"involved"}:
            innovation.full_clean()
            innovation.save()
        if changed:
            audit_append(action="portfolio.innovation_update", actor=actor, obj=innovation,
                         data={"changed": changed})
    return innovation


def innovation_budget_add(*, innovation: Innovation, amount: Decimal, reason: str, actor: User) -> Innovation:
    """Raise the innovation's budget (say, a further award funds it), with the reason audited."""
    if amount <= 0:
        raise ValidationProblem({"amount": "Enter a positive amount to add to the budget"})
    with transaction.atomic():
        innovation = Innovation.objects.select_for_update().get(pk=innovation.pk)
        before = innovation.budget
        innovation.budget = before + amount
        innovation.save(update_fields=["budget"])
        audit_append(action="portfolio.innovation_budget_add", actor=actor, obj=innovation,
                     data={"amount": str(amount), "before": str(before), "after": str(innovation.budget),
                           "reason": reason[:300]})
    return innovation


def innovation_spend_record(
    *, innovation: Innovation, amount: Decimal, actor: User, note: str = ""
) -> Innovation:
    """Add spend to an innovation; refused when it would take spend over the budget."""
    if amount <= 0:
        raise ValidationProblem({"amount": ERROR_SPEND_NEGATIVE})
    with transaction.atomic():
        innovation = Innovation.objects.select_for_update().get(pk=innovation.pk)
        total = innovation.spend + amount
        if total > innovation.budget:
            raise ValidationProblem({"amount": ERROR_OVERSPEND.format(
                amount=amount, total=total, budget=innovation.budget)})
        innovation.spend = total
        innovation.save(update_fields=["spend"])
        audit_append(action="portfolio.innovation_spend_record", actor=actor, obj=innovation,
                     data={"amount": str(amount), "total": str(total)})
    return innovation


def innovation_link_add(
    *, innovation: Innovation, kind: str, label: str, actor: User,
    target: models.Model | None = None, url: str = "",
) -> InnovationLink:
    """Link a need, idea, award, probe, trial (``target``) or external evidence (``url``)."""
    if kind not in InnovationLink.Kind.values:
        raise ValidationProblem({"kind": ERROR_LINK_KIND.format(kind=kind)})
    if target is None and not url:
        raise ValidationProblem({"url": ERROR_LINK_TARGET})
    with transaction.atomic():
        link = InnovationLink(innovation=innovation, kind=kind, label=label[:200], url=url)
        if target is not None:
            link.content_type = ContentType.objects.get_for_model(target)
            link.object_id = str(target.pk)
            if InnovationLink.objects.filter(
                innovation=innovation, content_type=link.content_type, object_id=link.object_id
            ).exists():
                raise ValidationProblem({"target": ERROR_LINK_DUPLICATE})
        link.full_clean()
        link.save()
        _thread_add(innovation, kind, target)
        _case_attach(innovation, target, actor)
        audit_append(action="portfolio.innovation_link_add", actor=actor, obj=link,
                     data={"innovation": innovation.pk, "kind": kind,
                           "target": f"{link.content_type_id}:{link.object_id}" if target else url})
    return link


def _thread_add(innovation: Innovation, kind: str, target: models.Model | None) -> None:
    """Also hold needs, ideas and awards on the innovation's own relations."""
    if target is None:
        return
    label = target._meta.label_lower
    if kind == InnovationLink.Kind.NEED and label in ("participation.need", "participation.contribution"):
        innovation.needs.add(target.pk)
    elif kind == InnovationLink.Kind.IDEA and label in ("participation.idea", "participation.contribution"):
        innovation.ideas.add(target.pk)
    elif kind == InnovationLink.Kind.AWARD and label == "funding.award":
        innovation.awards.add(target.pk)
    elif kind == InnovationLink.Kind.PROBE and label == "trials.probe":
        innovation.probes.add(target.pk)
    elif kind == InnovationLink.Kind.TRIAL and label == "trials.trial":
        innovation.trials.add(target.pk)


def _case_attach(innovation: Innovation, target: models.Model | None, actor: User) -> None:
    """A probe or trial linked after its result was published brings its library case along:
    the case points at the innovation and, once published, its evidence is recorded on it."""
    if target is None or target._meta.label_lower not in ("trials.probe", "trials.trial"):
        return
    try:
        case = target.library_case  # type: ignore[attr-defined]
    except ObjectDoesNotExist:
        return
    if case.innovation_id is not None:
        return
    case.innovation = innovation
    case.save(update_fields=["innovation"])
    if case.is_published:
        innovation_evidence_record(innovation=innovation, level=case.level, direction=case.direction,
                                   source=f"Library case: {case.title}", actor=actor)


def innovation_create_from_award(
    *, award: Any, service_area: ServiceArea, typology: str, actor: User,
    efficiency_tags: Sequence[str] = (), stage: Stage | None = None,
) -> Innovation:
    """Put an awarded application into the portfolio as an innovation (budget = award).

    The innovation takes the application's title and summary, the applicant organisation
    as a provider (the fund's owner leads and commissions), and links the award (the
    funding service links the needs and ideas the application answers). Refused when the
    award already has an innovation.
    """
    application = award.application
    if Innovation.objects.filter(awards=award).exists():
        raise ValidationProblem({"award": ERROR_LINK_DUPLICATE})
    with transaction.atomic():
        involved = [(award.fund.owner, InnovationOrganisation.Part.COMMISSIONER)]
        if application.organisation is not None:
            involved.append((application.organisation, InnovationOrganisation.Part.PROVIDER))
        innovation = innovation_create(
            title=application.title, problem=application.summary or application.call.title,
            owner=actor, lead_organisation=award.fund.owner, typology=typology,
            efficiency_tags=efficiency_tags, service_area=service_area, stage=stage,
            budget=award.amount, involved=involved, actor=actor,
        )
        innovation_link_add(innovation=innovation, kind=InnovationLink.Kind.AWARD, target=award,
                            label=f"{award.reference}: £{award.amount:,.0f} from {award.fund.name}",
                            url=reverse("funding:award_detail", args=[award.pk]), actor=actor)
    return innovation


def innovation_evidence_record(
    *, innovation: Innovation, level: int, direction: str, source: str, actor: User
) -> Innovation:
    """Record evidence on an innovation (called when a library case is published).

    The innovation keeps its best evidence: a positive finding at a level at least as high
    replaces what it had; a null or negative finding at a higher level than a positive one
    replaces it too (the stronger design wins). Audited either way.
    """
    if not 0 <= level <= 5:
        raise ValidationProblem({"level": ERROR_EVIDENCE_LEVEL})
    with transaction.atomic():
        innovation = Innovation.objects.select_for_update().get(pk=innovation.pk)
        better = level > innovation.evidence_level or (
            level == innovation.evidence_level and direction == "positive"
        ) or not innovation.evidence_direction
        if better:
            innovation.evidence_level = level
            innovation.evidence_direction = direction
            innovation.evidence_source = source[:300]
            innovation.save(update_fields=["evidence_level", "evidence_direction", "evidence_source"])
        audit_append(action="portfolio.innovation_evidence_record", actor=actor, obj=innovation,
                     data={"level": level, "direction": direction, "kept": better})
    return innovation
