"""Template helpers for Voices."""

from __future__ import annotations

from django import template

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
