"""Residents without an account: send with an email address, confirm by link, hear back,
see and delete what they sent — with forged, expired and used links refused clearly."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seedbed.core.errors import ValidationProblem
from seedbed.core.models import AuditEntry, Notification
from seedbed.participation import opendata, rules, selectors
from seedbed.participation.models import Contribution, EmailToken, Status
from seedbed.participation.services import email as svc
from seedbed.participation.services import notifications_deliver, themes_refresh
from seedbed.participation.views import email as views

pytestmark = pytest.mark.django_db
ADDRESS = "sam@example.net"
LINK = re.compile(r"https?://[^\s]+/voices/email/(confirm|access)/([^/\s]+)/")


def _send(client: Client, *, title: str = "Potholes on Station Road", email: str = ADDRESS,
          kind: str = "need", **extra: str) -> tuple[object, Contribution | None]:
    data = {
        "title": title, "body": "Deep potholes on Station Road have burst two tyres this month.",
        "email": email, "idempotency_key": str(uuid.uuid4()), "website": "", "action": "submit",
        "how_often": "", "latitude": "", "longitude": "",
    }
    data.update(extra)
    response = client.post(reverse(f"participation:{kind}_new"), data)
    return response, Contribution.objects.filter(title=title).first()


def _links(contribution: Contribution | None = None, email: str = ADDRESS) -> dict[str, str]:
    """The newest links emailed to ``email`` (as paths), by purpose."""
    rows = Notification.objects.filter(email=email).order_by("-created_at", "-id")
    if contribution is not None:
        rows = rows.filter(contribution=contribution)
    # A sent message keeps its link only in the email itself (the outbox drops the secret once
    # it has gone); an unsent one still holds it.
    subjects = {row.subject for row in rows}
    bodies = [m.body for m in reversed(mail.outbox) if email in m.to and m.subject in subjects]
    bodies += [row.body for row in rows]
    found: dict[str, str] = {}
    for body in bodies:
        for purpose, token in LINK.findall(body):
            found.setdefault(purpose, reverse(f"participation:email_{purpose}", args=[token]))
    return found


def test_a_resident_without_an_account_sends_a_need_confirms_it_and_hears_back(
    client_as, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response, need = _send(client, email="  Sam@Example.NET ")
    assert response.status_code == 302 and response["Location"] == reverse("participation:email_sent")
    assert need is not None and need.held and need.submitter_id is None
    assert need.submitter_email == ADDRESS and need.voice_of == "resident"
    assert ADDRESS in client.get(response["Location"]).content.decode()
    # The confirmation went through the outbox to that address, with both links.
    sent = [m for m in mail.outbox if ADDRESS in m.to]
    assert len(sent) == 1 and "Confirm your need" in sent[0].subject
    links = _links(need)
    assert set(links) == {"confirm", "access"}
    assert links["confirm"] in sent[0].body
    # Held: not public, not listed, not similar, not in open data or themes.
    assert client.get(reverse("participation:detail", args=[need.pk])).status_code == 302
    assert client_as("resident").get(reverse("participation:detail", args=[need.pk])).status_code == 403
    assert client_as("lead").get(reverse("participation:detail", args=[need.pk])).status_code == 200
    assert need.title not in client.get(reverse("participation:index")).content.decode()
    assert need.reference not in {row["reference"] for row in opendata.open_rows()}
    assert need.pk not in [c.pk for c in selectors.contribution_similar(text=need.title, kind="need")]
    run = themes_refresh(actor=None)
    assert not run.themes.filter(members=need).exists()
    # Following the link shows what will be published; pressing the button publishes it.
    page = client.get(links["confirm"])
    assert page.status_code == 200 and "Confirm and publish" in page.content.decode()
    assert Contribution.objects.get(pk=need.pk).held  # a GET (an email scanner) changes nothing
    published = client.post(links["confirm"])
    assert published.status_code == 302
    assert published["Location"] == reverse("participation:detail", args=[need.pk])
    need.refresh_from_db()
    assert not need.held
    assert AuditEntry.objects.filter(action="participation.email_confirm", object_id=str(need.pk)).exists()
    assert ADDRESS not in json.dumps(list(AuditEntry.objects.values_list("data", flat=True)))
    assert need.title in Client().get(reverse("participation:index")).content.decode()
    # Used once: the same link now says so, and changes nothing.
    again = client.post(links["confirm"])
    assert again.status_code == 400 and rules.ERROR_LINK_USED in again.content.decode()
    # A status change reaches the address at once.
    mail.outbox.clear()
    response = client_as("lead").post(reverse("participation:status_set", args=[need.pk]),
                                      {"status": Status.UNDER_CONSIDERATION, "note": "Roads team asked"})
    assert response.status_code == 302
    note = Notification.objects.get(email=ADDRESS, contribution=need, subject__contains="under consideration")
    assert note.immediate and note.user_id is None
    notifications_deliver()
    assert any(m.to == [ADDRESS] and "under consideration" in m.subject for m in mail.outbox)


def test_bad_addresses_and_the_honeypot_save_nothing(client) -> None:  # type: ignore[no-untyped-def]
    for email, message in (("", rules.ERROR_EMAIL_EMPTY), ("not-an-address", rules.ERROR_EMAIL_INVALID),
                           ("a@b", rules.ERROR_EMAIL_INVALID), ("x" * 250 + "@example.org", rules.ERROR_EMAIL_INVALID)):
        response, need = _send(client, email=email)
        assert response.status_code == 200, email
        assert message in response.content.decode(), email
        assert need is None
    response, need = _send(client, website="http://spam.example/")
    assert response.status_code == 200 and "Leave the last field empty" in response.content.decode()
    assert need is None and not Notification.objects.exists()


def test_the_service_refuses_a_bad_address_too(db) -> None:  # type: ignore[no-untyped-def]
    from seedbed.participation.services import contribution_submit

    with pytest.raises(ValidationProblem, match=re.escape(rules.ERROR_EMAIL_INVALID)) as problem:
        contribution_submit(actor=None, kind="need", title="T", body="B", email="nope",
                            idempotency_key=uuid.uuid4(), site_url="http://testserver/")
    assert problem.value.problems == {"email": rules.ERROR_EMAIL_INVALID}
    assert not Contribution.objects.exists()


def test_checking_for_similar_needs_asks_for_no_address(client) -> None:  # type: ignore[no-untyped-def]
    response, need = _send(client, email="", action="check")
    assert response.status_code == 200 and need is None
    assert rules.ERROR_EMAIL_EMPTY not in response.content.decode()


def test_a_double_click_sends_one_need_and_one_email(client) -> None:  # type: ignore[no-untyped-def]
    key = str(uuid.uuid4())
    first, _ = _send(client, idempotency_key=key)
    second, _ = _send(client, idempotency_key=key)
    assert first.status_code == second.status_code == 302
    assert Contribution.objects.filter(title="Potholes on Station Road").count() == 1
    assert Notification.objects.filter(email=ADDRESS).count() == 1
    # The same form sent with another address is someone else's token.
    third, _ = _send(client, idempotency_key=key, email="other@example.net")
    assert third.status_code == 200 and "already used by someone else" in third.content.decode()


def test_expired_forged_and_wrong_purpose_links_are_refused_clearly(client) -> None:  # type: ignore[no-untyped-def]
    _, need = _send(client)
    links = _links(need)
    confirm = links["confirm"]
    token = confirm.rstrip("/").rsplit("/", 1)[1]
    forged = [
        reverse("participation:email_confirm", args=[token[:-2] + ("AA" if token[-2:] != "AA" else "BB")]),
        reverse("participation:email_confirm", args=["nonsense"]),
        # An access link's token is signed for another purpose.
        reverse("participation:email_confirm", args=[links["access"].rstrip("/").rsplit("/", 1)[1]]),
    ]
    for url in forged:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 400, url
            assert rules.ERROR_LINK_FORGED in response.content.decode(), url
    # A genuine link after 24 hours has expired; nothing is published.
    EmailToken.objects.filter(contribution=need).update(
        created_at=need.created_at - dt.timedelta(seconds=rules.TOKEN_MAX_AGE + 60)
    )
    for method in (client.get, client.post):
        response = method(confirm)
        assert response.status_code == 400 and rules.ERROR_LINK_EXPIRED in response.content.decode()
    assert Contribution.objects.get(pk=need.pk).held


def test_see_download_and_delete_what_an_address_sent(client) -> None:  # type: ignore[no-untyped-def]
    _, held = _send(client, title="Never confirmed need")
    _, kept = _send(client, title="Confirmed need")
    client.post(_links(kept)["confirm"])
    held_confirm = _links(held)["confirm"]
    other = Client()
    # Without a proved address the page offers to email a link, and reveals nothing.
    page = other.get(reverse("participation:email_data")).content.decode()
    assert "Email me a link" in page and "Confirmed need" not in page
    assert other.get(reverse("participation:email_data_download"))["Location"] == reverse("participation:email_data")
    # Asking for a link says the same whether or not the address sent anything.
    Notification.objects.all().delete()
    unknown = other.post(reverse("participation:email_data"), {"access_email": "nobody@example.net", "website": ""}, follow=True)
    known = other.post(reverse("participation:email_data"), {"access_email": ADDRESS, "website": ""}, follow=True)
    assert views.LINK_SENT in unknown.content.decode() and views.LINK_SENT in known.content.decode()
    assert not Notification.objects.filter(email="nobody@example.net").exists()
    bad = other.post(reverse("participation:email_data"), {"access_email": "nope", "website": ""})
    assert rules.ERROR_EMAIL_INVALID in bad.content.decode()
    access = _links()["access"]
    assert "Continue" in other.get(access).content.decode()
    response = other.post(access)
    assert response["Location"] == reverse("participation:email_data")
    page = other.get(reverse("participation:email_data")).content.decode()
    assert "Never confirmed need" in page and "Confirmed need" in page and "waiting for you" in page
    assert other.post(access).status_code == 400  # the access link works once
    download = json.loads(other.get(reverse("participation:email_data_download")).content)
    assert download["email"] == ADDRESS
    assert {c["title"]: c["published"] for c in download["contributions"]} == {
        "Never confirmed need": False, "Confirmed need": True}
    # Deleting needs the box ticked.
    refused = other.post(reverse("participation:email_data_erase"), {})
    assert refused.status_code == 400 and "Confirm that you want to delete your data" in refused.content.decode()
    erased = other.post(reverse("participation:email_data_erase"), {"erase_confirm": "on"}, follow=True)
    assert "1 not yet published deleted, 1 published kept" in erased.content.decode()
    assert not Contribution.objects.filter(pk=held.pk).exists()
    kept.refresh_from_db()
    assert kept.submitter_email == "" and not kept.held
    assert not Notification.objects.filter(email=ADDRESS).exists() and not EmailToken.objects.exists()
    assert "Email me a link" in other.get(reverse("participation:email_data")).content.decode()
    assert AuditEntry.objects.filter(action="participation.email_data_erase").exists()
    # A link to something deleted says so.
    gone = client.get(held_confirm)
    assert gone.status_code == 400 and rules.ERROR_LINK_GONE in gone.content.decode()


def test_one_address_cannot_be_flooded_with_emails(client) -> None:  # type: ignore[no-untyped-def]
    limit = 5
    for n in range(limit):
        assert _send(client, title=f"Need {n}")[0].status_code == 302
    response, need = _send(client, title="One too many")
    assert response.status_code == 429 and need is None
    assert "Nothing you sent before has been lost" in response.content.decode()
    assert Notification.objects.filter(email=ADDRESS).count() == limit


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_link_altered_anywhere_is_refused(db, data) -> None:  # type: ignore[no-untyped-def]
    """Invariant: changing any one character of a genuine link makes it invalid."""
    from seedbed.participation.services import contribution_submit

    need = Contribution.objects.filter(title="Altered link need").first() or contribution_submit(
        actor=None, kind="need", title="Altered link need", body="Body", email=ADDRESS,
        idempotency_key=uuid.uuid4(), site_url="http://testserver/",
    )
    token = _links(need)["confirm"].rstrip("/").rsplit("/", 1)[1]
    position = data.draw(st.integers(min_value=0, max_value=len(token) - 1))
    replacement = data.draw(st.sampled_from("ABCabc0189-_:").filter(lambda c: c != token[position]))
    altered = token[:position] + replacement + token[position + 1:]
    with pytest.raises(ValidationProblem, match=re.escape(rules.ERROR_LINK_FORGED)) as problem:
        selectors.email_token_check(token=altered, purpose=EmailToken.Purpose.CONFIRM)
    assert problem.value.problems == {"token": rules.ERROR_LINK_FORGED}
    assert selectors.email_token_check(token=token, purpose=EmailToken.Purpose.CONFIRM).contribution_id == need.pk


def test_needs_never_confirmed_are_deleted_after_a_week(client) -> None:  # type: ignore[no-untyped-def]
    import io

    from django.core.management import call_command

    _, stale = _send(client, title="Stale unconfirmed need")
    _, fresh = _send(client, title="Fresh unconfirmed need")
    _, confirmed = _send(client, title="Confirmed long ago")
    client.post(_links(confirmed)["confirm"])
    old = stale.created_at - dt.timedelta(days=svc.UNCONFIRMED_KEEP_DAYS, minutes=1)
    Contribution.objects.filter(pk__in=[stale.pk, confirmed.pk]).update(created_at=old)
    out = io.StringIO()
    call_command("voices_digest", stdout=out)
    assert "1 never-confirmed needs and ideas deleted" in out.getvalue()
    assert set(Contribution.objects.values_list("title", flat=True)) == {
        "Fresh unconfirmed need", "Confirmed long ago"}
    assert AuditEntry.objects.filter(action="participation.email_unconfirmed_purge", data__deleted=1).exists()


def test_messages_link_to_the_page_when_the_site_address_is_set(client, settings) -> None:  # type: ignore[no-untyped-def]
    from seedbed.participation.services import contribution_status_set

    settings.SEEDBED_SITE_URL = "https://voices.example.gov.uk/"
    _, need = _send(client)
    client.post(_links(need)["confirm"])
    need.refresh_from_db()
    contribution_status_set(contribution=need, status=Status.UNDER_CONSIDERATION, actor=None)
    note = Notification.objects.get(email=ADDRESS, subject__contains="under consideration")
    assert note.body.endswith(f"See it: https://voices.example.gov.uk/voices/{need.pk}/")


def test_a_held_need_cannot_be_answered_or_merged_into(client_as) -> None:  # type: ignore[no-untyped-def]
    from seedbed.participation.services import handling

    _, held = _send(Client(), title="Held need")
    resident, lead = client_as("resident"), client_as("lead")
    response = resident.post(reverse("participation:idea_new"), {
        "title": "Answer to a held need", "body": "B", "answers_need": str(held.pk),
        "idempotency_key": str(uuid.uuid4()), "website": "", "action": "submit",
    })
    assert response.status_code == 200 and not Contribution.objects.filter(title="Answer to a held need").exists()
    duplicate = Contribution.objects.filter(kind="need", held=False).first()
    with pytest.raises(ValidationProblem, match=re.escape(handling.ERROR_MERGE_TARGET)) as problem:
        handling.contribution_merge(duplicate=duplicate, into=held, actor=None)
    assert problem.value.problems == {"into": handling.ERROR_MERGE_TARGET}
    assert lead.post(reverse("participation:merge", args=[duplicate.pk]), {"into": held.pk}).status_code == 200
    assert Contribution.objects.get(pk=duplicate.pk).status != Status.MERGED
