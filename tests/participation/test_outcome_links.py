"""An outcome link is a page on this site: anything a browser would take off-site (``//``,
``/\\``, a scheme, control characters) is refused when saved and never drawn as a link."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from seedbed.participation.models import Contribution, Status
from seedbed.participation.services import handling

pytestmark = pytest.mark.django_db

OFF_SITE = [
    "/\\evil.example",
    "/\\/evil.example",
    "//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/ /evil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "/%09/evil.example\\x",
    "/trials/\x00",
]


def _need() -> Contribution:
    return Contribution.objects.get(title="Home care visits are rushed and late")


@pytest.mark.parametrize("link", OFF_SITE)
def test_an_off_site_outcome_link_is_refused_naming_the_field(demo_world, link: str) -> None:  # type: ignore[no-untyped-def]
    need = _need()
    with pytest.raises(handling.ValidationProblem, match=re.escape(handling.ERROR_OUTCOME_URL)) as refused:
        handling.contribution_status_set(contribution=need, status=Status.TAKEN_FORWARD, actor=demo_world["users"]["lead"],
                                         outcome_label="Home care trial", outcome_url=link)
    assert refused.value.problems == {"outcome_url": handling.ERROR_OUTCOME_URL}
    need.refresh_from_db()
    assert need.status != Status.TAKEN_FORWARD


def test_the_form_refuses_a_backslash_link(client_as) -> None:  # type: ignore[no-untyped-def]
    need = _need()
    response = client_as("lead").post(reverse("participation:status_set", args=[need.pk]), {
        "status": "taken_forward", "outcome_label": "X", "outcome_url": "/\\evil.example"})
    assert handling.ERROR_OUTCOME_URL in response.content.decode()
    need.refresh_from_db()
    assert need.status != Status.TAKEN_FORWARD


@pytest.mark.parametrize("link", ["/trials/", "/funding/calls/3/?tab=panel#top", "/participation/ideas/NF-0001/"])
def test_a_page_on_this_site_is_accepted_and_linked(demo_world, client_as, link: str) -> None:  # type: ignore[no-untyped-def]
    need = _need()
    handling.contribution_status_set(contribution=need, status=Status.TAKEN_FORWARD, actor=demo_world["users"]["lead"],
                                     outcome_label="Home care trial", outcome_url=link)
    page = client_as("anonymous").get(reverse("participation:detail", args=[need.pk])).content.decode()
    assert f'href="{link.replace("&", "&amp;")}">Home care trial</a>' in page


@pytest.mark.parametrize("link", OFF_SITE)
def test_a_stored_off_site_link_is_shown_as_plain_text(demo_world, client_as, link: str) -> None:  # type: ignore[no-untyped-def]
    """A link saved before the check (or written around the service) is not drawn as a link."""
    from django.db import connection

    if "\x00" in link and connection.vendor == "postgresql":
        pytest.skip("PostgreSQL cannot store a NUL character in text, so no such link can be stored")
    need = _need()
    Contribution.objects.filter(pk=need.pk).update(status=Status.TAKEN_FORWARD, outcome_label="Home care trial",
                                                   outcome_url=link)
    page = client_as("anonymous").get(reverse("participation:detail", args=[need.pk])).content.decode()
    assert "Taken forward as: Home care trial." in page
    assert "evil.example" not in page and "javascript:" not in page
