"""Applications: start a draft, save it, submit it once (idempotently)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from seedbed.accounts.models import Membership, Organisation, User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.funding.models import Answer, Application, BudgetLine, Call
from seedbed.funding.rules import completeness_problems, eligibility_problems
from seedbed.participation.models import Contribution

ERROR_CALL_NOT_OPEN = "This call is not open for applications"
ERROR_NOT_MEMBER = "You can only apply for an organisation you belong to"
ERROR_NOT_DRAFT = "This application has been submitted and can no longer be changed"
ERROR_AMOUNT = "Enter the amount you are asking for, greater than zero"


def application_start(
    *, call: Call, actor: User, title: str, amount: Decimal, organisation: Organisation | None = None,
    summary: str = "", answers_contribution: Contribution | None = None,
) -> Application:
    """Start a draft application by ``actor`` (the applicant), for an organisation they belong
    to or as an individual."""
    call = Call.objects.get(pk=call.pk)
    if call.status != Call.Status.OPEN or call.kind == Call.Kind.PB:
        raise ValidationProblem({"__all__": ERROR_CALL_NOT_OPEN})
    if organisation is not None and not Membership.objects.filter(user=actor, organisation=organisation).exists():
        raise ValidationProblem({"organisation": ERROR_NOT_MEMBER})
    if not title.strip():
        raise ValidationProblem({"title": "Enter a title for your project"})
    if amount <= 0:
        raise ValidationProblem({"amount": ERROR_AMOUNT})
    with transaction.atomic():
        application = Application.objects.create(
            call=call, applicant=actor, organisation=organisation, title=title.strip(),
            summary=summary, amount=amount, answers_contribution=answers_contribution,
        )
        audit_append(action="funding.application_start", actor=actor, obj=application, data={"call": call.pk})
    return application


def application_save(
    *, application: Application, actor: User, title: str | None = None, summary: str | None = None,
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


def application_submit(*, application: Application, actor: User) -> Application:
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
        problems = completeness_problems(
            questions=list(application.call.questions.all()),
            answers={a.question_id: a.text for a in application.answers.all()},
            budget=[line.amount for line in application.budget_lines.all()], amount=application.amount,
        )
        if problems:
            raise ValidationProblem(problems)
        failed = eligibility_problems(call=application.call, organisation=application.organisation,
                                      amount=application.amount)
        application.eligibility_problems = failed
        application.status = Application.Status.INELIGIBLE if failed else Application.Status.SUBMITTED
        application.submitted_at = timezone.now()
        application.save(update_fields=["eligibility_problems", "status", "submitted_at"])
        audit_append(action="funding.application_submit", actor=actor, obj=application,
                     data={"eligible": not failed, "amount": str(application.amount)})
    return application
