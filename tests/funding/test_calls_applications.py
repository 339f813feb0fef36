"""Calls and applications: the micro-grant's hard caps, drafts, one idempotent submission,
automatic eligibility, anonymity of individuals, and the pages that do it."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from seedbed.core.errors import ValidationProblem
from seedbed.core.models import AuditEntry
from seedbed.funding.models import MICRO_MAX_QUESTIONS, Application, Call
from seedbed.funding.rules import (
    ELIGIBLE_AMOUNT,
    ELIGIBLE_KIND,
    ERROR_TOO_MANY_WORDS,
)
from seedbed.funding.services import applications, calls
from seedbed.funding.services.calls import ERROR_MICRO_QUESTIONS, ERROR_MICRO_WORDS
from tests.funding.conftest import client_for, micro_call, submitted


def test_micro_grant_has_a_hard_cap_on_questions_and_words(world) -> None:  # type: ignore[no-untyped-def]
    lead = world["users"]["lead"]
    call = calls.call_create(fund=world["fund"], kind="micro", title="Tiny", summary="Small.", max_amount=Decimal("500"), actor=lead)
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_MICRO_WORDS)) as excinfo:
        calls.question_add(call=call, text="Tell us everything", max_words=1000, actor=lead)
    assert excinfo.value.problems == {"max_words": ERROR_MICRO_WORDS}
    for i in range(MICRO_MAX_QUESTIONS):
        calls.question_add(call=call, text=f"Question {i}", max_words=100, actor=lead)
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_MICRO_QUESTIONS)) as excinfo:
        calls.question_add(call=call, text="One more", max_words=50, actor=lead)
    assert excinfo.value.problems == {"text": ERROR_MICRO_QUESTIONS}
    # An open call has no such cap.
    open_call = calls.call_create(fund=world["fund"], kind="open", title="Big", summary="Big.", max_amount=Decimal("500"), actor=lead)
    calls.question_add(call=open_call, text="Tell us everything", max_words=1000, actor=lead)


def test_a_challenge_answers_voices_needs_and_tells_their_submitters(world) -> None:  # type: ignore[no-untyped-def]
    import uuid

    from seedbed.participation.models import Status
    from seedbed.participation.services.contributions import contribution_submit

    lead, resident = world["users"]["lead"], world["users"]["resident"]
    need = contribution_submit(actor=resident, kind="need", title="Lonely evenings",
                               body="Older neighbours have nobody to talk to in the evenings.", idempotency_key=uuid.uuid4())
    call = calls.call_create(fund=world["fund"], kind="challenge", title="Evenings together", summary="S",
                             max_amount=Decimal("9"), needs=[need], actor=lead)
    with pytest.raises(ValidationProblem, match=re.escape(calls.ERROR_NO_QUESTIONS)) as excinfo:
        calls.call_publish(call=call, actor=lead)
    assert set(excinfo.value.problems) == {"questions", "criteria"}
    calls.question_add(call=call, text="What would you do?", max_words=300, actor=lead)
    calls.criterion_add(call=call, name="Answers the need", weight=1, actor=lead)
    calls.call_publish(call=call, actor=lead)
    need.refresh_from_db()
    assert need.status == Status.TAKEN_FORWARD
    assert need.outcome_label == "Challenge: Evenings together" and need.outcome_url == reverse("funding:call_detail", args=[call.pk])
    page = client_for(resident).get(reverse("funding:call_detail", args=[call.pk])).content.decode()
    assert "Lonely evenings" in page


def test_submission_is_idempotent(world) -> None:  # type: ignore[no-untyped-def]
    call = micro_call(world)
    provider = world["users"]["provider"]
    application = submitted(call, provider, org=world["provider_org"])
    first = application.submitted_at
    again = applications.application_submit(application=application, actor=provider)
    assert again.status == Application.Status.SUBMITTED
    assert again.submitted_at == first
    assert AuditEntry.objects.filter(action="funding.application_submit", object_id=str(application.pk)).count() == 1


def test_over_long_answers_are_refused_on_submission_but_the_draft_is_kept(world) -> None:  # type: ignore[no-untyped-def]
    call = micro_call(world)
    provider = world["users"]["provider"]
    application = applications.application_start(call=call, actor=provider, organisation=world["provider_org"],
                                                 title="Long", amount=Decimal("500"))
    q1, q2 = call.questions.all()
    long_text = "word " * 25
    applications.application_save(application=application, actor=provider, answers={q1.pk: long_text, q2.pk: "ok"})
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_TOO_MANY_WORDS.format(words=25, limit=20))) as excinfo:
        applications.application_submit(application=application, actor=provider)
    assert excinfo.value.problems == {f"answer_{q1.pk}": ERROR_TOO_MANY_WORDS.format(words=25, limit=20)}
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT
    assert application.answers.get(question=q1).text == long_text


def test_eligibility_is_checked_automatically(world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.accounts.services import membership_grant

    call = micro_call(world, max_amount="2000")
    provider = world["users"]["provider"]
    too_much = submitted(call, provider, org=world["provider_org"], amount="3000")
    assert too_much.status == Application.Status.INELIGIBLE
    assert too_much.eligibility_problems == [ELIGIBLE_AMOUNT.format(amount=Decimal("3000.00"), low=Decimal("100.00"), high=Decimal("2000.00"))]
    membership_grant(user=provider, organisation=world["council"], role="frontline")
    council = submitted(call, provider, org=world["council"])
    assert council.eligibility_problems == [ELIGIBLE_KIND.format(kinds="provider, community group")]


def test_applicant_drafts_and_submits_through_the_pages(world) -> None:  # type: ignore[no-untyped-def]
    call = micro_call(world)
    resident = world["users"]["resident"]
    client = client_for(resident)
    response = client.post(reverse("funding:application_start", args=[call.pk]),
                           {"applying_as": "individual", "title": "Play street", "amount": "300"})
    application = Application.objects.get(title="Play street")
    assert response.status_code == 302 and application.organisation is None
    q1, q2 = call.questions.all()
    form = {"title": "Play street", "summary": "", "amount": "300", f"answer_{q1.pk}": "Close the street.",
            f"answer_{q2.pk}": "", "line_1_item": "Cones", "line_1_amount": "300"}
    response = client.post(reverse("funding:application_detail", args=[application.pk]), {**form, "action": "submit"})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode() and "Answer this question" in response.content.decode()
    application.refresh_from_db()
    assert application.status == "draft" and application.answers.get(question=q1).text == "Close the street."
    form[f"answer_{q2.pk}"] = "Count children playing."
    response = client.post(reverse("funding:application_detail", args=[application.pk]), {**form, "action": "submit"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "submitted"
    response = client.post(reverse("funding:application_submit", args=[application.pk]))
    assert response.status_code == 302  # a second submission is harmless
    # Someone else cannot read it.
    assert client_for(world["users"]["resident2"]).get(reverse("funding:application_detail", args=[application.pk])).status_code == 403


def test_individuals_are_anonymous_to_reviewers(world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.funding.services.reviews import conflict_declare

    call = micro_call(world)
    resident = world["users"]["resident"]
    application = submitted(call, resident, title="Street play")
    panel = world["users"]["panel"]
    conflict_declare(application=application, actor=panel, has_conflict=False)
    page = client_for(panel).get(reverse("funding:review_score", args=[application.pk])).content.decode()
    assert f"Individual applicant ({application.reference})" in page
    assert resident.display_name not in page and resident.username not in page.replace("resident2", "")


def test_lead_creates_and_publishes_a_call_through_the_pages(world) -> None:  # type: ignore[no-untyped-def]
    lead = client_for(world["users"]["lead"])
    response = lead.post(reverse("funding:call_create"), {
        "fund": world["fund"].pk, "kind": "micro", "title": "Quick wins", "summary": "Small money fast.",
        "min_amount": "0", "max_amount": "1000", "individuals_may_apply": "yes", "answers_kind": "need",
    })
    call = Call.objects.get(title="Quick wins")
    assert response.status_code == 302
    bad = lead.post(reverse("funding:call_question_add", args=[call.pk]), {"question-text": "Long?", "question-max_words": "900"})
    assert bad.status_code == 400 and ERROR_MICRO_WORDS in bad.content.decode()
    lead.post(reverse("funding:call_question_add", args=[call.pk]), {"question-text": "What?", "question-max_words": "100"})
    lead.post(reverse("funding:call_criterion_add", args=[call.pk]), {"criterion-name": "Need", "criterion-weight": "1", "criterion-max_score": "5"})
    lead.post(reverse("funding:call_publish", args=[call.pk]))
    call.refresh_from_db()
    assert call.status == "open"
    assert client_for(world["users"]["resident"]).post(reverse("funding:call_publish", args=[call.pk])).status_code == 403
