"""Service areas and their appetite for risk (averse ... eager)."""

from __future__ import annotations

from django.db import transaction

from seedbed.accounts.models import Organisation, User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.portfolio.models import Appetite, ServiceArea

ERROR_APPETITE = "Choose a risk appetite"


def service_area_create(
    *, name: str, slug: str, actor: User, appetite: str = Appetite.CAUTIOUS,
    organisation: Organisation | None = None, appetite_reason: str = "",
) -> ServiceArea:
    """Create a service area with its risk appetite."""
    if appetite not in Appetite.values:
        raise ValidationProblem({"appetite": ERROR_APPETITE})
    with transaction.atomic():
        area = ServiceArea(name=name, slug=slug, appetite=appetite, organisation=organisation,
                           appetite_reason=appetite_reason)
        area.full_clean()
        area.save()
        audit_append(action="portfolio.service_area_create", actor=actor, obj=area,
                     data={"appetite": appetite})
    return area


def service_area_appetite_set(
    *, service_area: ServiceArea, appetite: str, reason: str, actor: User
) -> ServiceArea:
    """Change a service area's risk appetite, with the reason (audited)."""
    problems = {}
    if appetite not in Appetite.values:
        problems["appetite"] = ERROR_APPETITE
    if not reason.strip():
        problems["reason"] = "Give the reason for the change of appetite"
    if problems:
        raise ValidationProblem(problems)
    with transaction.atomic():
        before = service_area.appetite
        service_area.appetite = appetite
        service_area.appetite_reason = reason.strip()
        service_area.save(update_fields=["appetite", "appetite_reason"])
        audit_append(action="portfolio.service_area_appetite_set", actor=actor, obj=service_area,
                     data={"from": before, "to": appetite})
    return service_area
