"""Template context: the service navigation for the person signed in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from seedbed.core.access import external_organisation_of, has_role, is_council_staff

CAPABILITY_PAGES = (
    ("Voices", "participation:index"),
    ("Funding", "funding:index"),
    ("Trials", "trials:index"),
    ("Evaluations", "evaluations:index"),
    ("Portfolio", "portfolio:index"),
    ("Library", "library:index"),
)


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    items: list[dict[str, Any]] = [{"text": "Home", "href": reverse("core:home")}]
    items += [{"text": label, "href": reverse(url_name)} for label, url_name in CAPABILITY_PAGES]
    if user is not None and user.is_authenticated:
        if is_council_staff(user):
            items.append({"text": "Organisations", "href": reverse("accounts:organisations")})
        elif (own := external_organisation_of(user)) is not None:
            # A provider or community group sees its own page, not the list (docs/access.md).
            items.append({"text": "Your organisation", "href": reverse("accounts:organisation_detail", args=[own.pk])})
        if has_role(user, "safety_lead"):
            items.append({"text": "Safety", "href": reverse("trials:safety_workspace")})
        if has_role(user, "administrator"):
            items.append({"text": "Audit log", "href": reverse("core:audit")})
        items.append({"text": "Your account", "href": reverse("accounts:account")})
    path = request.path
    for item in items:
        item["active"] = item["href"] == path or (item["href"] != "/" and path.startswith(item["href"]))
    return {
        "service_name": settings.SEEDBED_SERVICE_NAME,
        "council_name": settings.SEEDBED_COUNCIL_NAME,
        "nav_items": items,
    }
