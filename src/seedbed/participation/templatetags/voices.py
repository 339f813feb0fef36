"""Template helpers for Voices."""

from __future__ import annotations

from django import template

from seedbed.core.links import is_local_path

register = template.Library()

STATUS_TAGS = {
    "received": "govuk-tag--grey",
    "under_consideration": "govuk-tag--blue",
    "taken_forward": "govuk-tag--green",
    "not_taken_forward": "govuk-tag--red",
    "merged": "govuk-tag--purple",
}


@register.filter
def status_tag(status: str) -> str:
    return STATUS_TAGS.get(status, "govuk-tag--grey")


@register.filter
def local_path(value: str) -> str:
    """The value when it is a path on this site, else "" (so the template draws no link);
    checked again when shown, since a stored value may predate the check."""
    return value if value and is_local_path(value) else ""
