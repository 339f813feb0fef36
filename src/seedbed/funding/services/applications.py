"""Applications: start a draft, save it, submit it once (idempotently)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from seedbed.accounts.models import Membership, Organisation
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.funding.models import Answer, Application, BudgetLine, Call
from seedbed.participation.models import Contribution

ERROR_CALL_NOT_OPEN = "This call is not open for applications"
ERROR_NOT_MEMBER = "You can only apply for an organisation you belong to"
ERROR_NOT_DRAFT = "This application has been submitted and can no longer be changed"
ERROR_ANSWER_MISSING = "Answer this question"
ERROR_TOO_MANY_WORDS = "Your answer has {words} words; the limit is {limit}"
ERROR_BUDGET_SUM = "Your budget lines add up to {total} but you ask for {amount}"
ERROR_AMOUNT = "Enter the amount you are asking for, greater than zero"
ELIGIBLE_AMOUNT = "The amount asked for ({amount}) is outside the call's range ({low} to {high})"
ELIGIBLE_KIND = "This call is open to: {kinds}"
ELIGIBLE_INDIVIDUAL = "This call is open to organisations only"


def words(text: str) -> int:
    return len(text.split())


def application_start(
    *, call: Call, applicant: Any, title: str, amount: Decimal, organisation: Organisation | None = None,
    summary: str = "", answers_contribution: Contribution | None = None,
) -> Application:
    """Start a draft application, for an organisation the applicant belongs to or as an individual."""
    call = Call.objects.get(pk=call.pk)
    if call.status != Call.Status.OPEN or call.kind == Call.Kind.PB:
        raise ValidationProblem({"__all__": ERROR_CALL_NOT_OPEN})
    if organisation is not None and not Membership.objects.filter(user=applicant, organisation=organisation).exists():
        raise ValidationProblem({"organisation": ERROR_NOT_MEMBER})
    if not title.strip():
        raise ValidationProblem({"title": "Enter a title for your project"})
    if amount <= 0:
        raise ValidationProblem({"amount": ERROR_AMOUNT})
    with transaction.atomic():
        application = Application.objects.create(
            call=call, applicant=applicant, organisation=organisation, title=title.strip(),
            summary=summary, amount=amount, answers_contribution=answers_contribution,
        )
        audit_append(action="funding.application_start", actor=applicant, obj=application, data={"call": call.pk})
    return application


def application_save(
    *, application: Application, actor: Any, title: str | None = None, summary: str | None = None,
    amount: Decimal | None = None, answers: Mapping[int, str] | None = None,
    budget_lines: Sequence[tuple[str, Decimal]] | None = None,
) -> Application:
    """Save a draft as it is (limits are checked on submission, so nothing typed is lost)."""
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status != Application.Status.DRAFT:
            raise ValidationProblem({"__all__": ERROR_NOT_DRAFT})
        if amount is not None and amount <= 0:
            raise ValidationProblem({"amount": ERROR_AMOUNT})
        if title is not None and title.strip():
            application.title = title.strip()
        if summary is not None:
            application.summary = summary
        if amount is not None:
            application.amount = amount
        application.save()
        question_ids = set(application.call.questions.values_list("pk", flat=True))
        for question_id, text in (answers or {}).items():
            if question_id in question_ids:
                Answer.objects.update_or_create(application=application, question_id=question_id, defaults={"text": text})
        if budget_lines is not None:
            application.budget_lines.all().delete()
            for item, line_amount in budget_lines:
                if item.strip():
                    BudgetLine.objects.create(application=application, item=item.strip(), amount=line_amount)
    return application


def eligibility_problems(application: Application) -> list[str]:
    """The call's eligibility rules that the application does not meet (checked automatically)."""
    call = application.call
    problems = []
    if not (call.min_amount <= application.amount <= call.max_amount):
        problems.append(ELIGIBLE_AMOUNT.format(amount=application.amount, low=call.min_amount, high=call.max_amount))
    if application.organisation is None:
        if not call.individuals_may_apply:
            problems.append(ELIGIBLE_INDIVIDUAL)
    elif call.eligible_kinds and application.organisation.kind not in call.eligible_kinds:
        labels = ", ".join(str(Organisation.Kind(k).label).lower() for k in call.eligible_kinds)
        problems.append(ELIGIBLE_KIND.format(kinds=labels))
    return problems


def completeness_problems(application: Application) -> dict[str, str]:
    """What the applicant must fix before submitting: answers, word limits, budget."""
    problems: dict[str, str] = {}
    answers = {a.question_id: a.text for a in application.answers.all()}
    for question in application.call.questions.all():
        text = answers.get(question.pk, "").strip()
        if not text:
            problems[f"answer_{question.pk}"] = ERROR_ANSWER_MISSING
        elif words(text) > question.max_words:
            problems[f"answer_{question.pk}"] = ERROR_TOO_MANY_WORDS.format(words=words(text), limit=question.max_words)
    lines = list(application.budget_lines.all())
    if lines:
        total = sum((line.amount for line in lines), Decimal(0))
        if total != application.amount:
            problems["budget"] = ERROR_BUDGET_SUM.format(total=total, amount=application.amount)
    return problems


def application_submit(*, application: Application, actor: Any) -> Application:
    """Submit once: a second submission returns the application unchanged (idempotent).

    Incomplete applications are refused with the fields to fix; complete ones are checked
    against the eligibility rules and marked submitted or not eligible (with the reasons).
    """
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status != Application.Status.DRAFT:
            return application
        if application.call.status != Call.Status.OPEN:
            raise ValidationProblem({"__all__": ERROR_CALL_NOT_OPEN})
        problems = completeness_problems(application)
        if problems:
            raise ValidationProblem(problems)
        failed = eligibility_problems(application)
        application.eligibility_problems = failed
        application.status = Application.Status.INELIGIBLE if failed else Application.Status.SUBMITTED
        application.submitted_at = timezone.now()
        application.save(update_fields=["eligibility_problems", "status", "submitted_at"])
        audit_append(action="funding.application_submit", actor=actor, obj=application,
                     data={"eligible": not failed, "amount": str(application.amount)})
    return application
