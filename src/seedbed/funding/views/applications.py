"""Applying: start a draft, edit it, submit it once."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from seedbed.core.access import access_signed_in, gatekeeper
from seedbed.core.errors import ValidationProblem
from seedbed.core.forms import add_problems
from seedbed.funding import forms, selectors
from seedbed.funding.access import access_actor, access_application, access_call
from seedbed.funding.models import Application
from seedbed.funding.services import applications as services


@require_http_methods(["GET"])
@gatekeeper(access_signed_in)
def my_applications(request: HttpRequest) -> HttpResponse:
    return render(request, "funding/my_applications.html",
                  {"applications": selectors.applications_for_applicant(user=request.user)})


def _applying_as(request: HttpRequest, call) -> list[tuple[str, str]]:
    user: Any = request.user
    choices = [(str(o.pk), o.name) for o in selectors.organisation_list_for(user=user)]
    if call.individuals_may_apply:
        choices.append(("individual", "Myself, as an individual"))
    return choices


@require_http_methods(["GET", "POST"])
@gatekeeper(access_signed_in)
def application_start(request: HttpRequest, call_id: int) -> HttpResponse:
    call = access_call(request.user, call_id)
    form = forms.ApplicationStartForm(request.POST or None, choices=_applying_as(request, call),
                                      contributions=selectors.contribution_answerable_list(call=call))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organisation = None if data["applying_as"] == "individual" else selectors.organisation_get(
            organisation_id=int(data["applying_as"]))
        try:
            application = services.application_start(call=call, actor=access_actor(request.user), title=data["title"],
                                                      amount=data["amount"], organisation=organisation,
                                                      answers_contribution=data["answers_contribution"])
        except ValidationProblem as problem:
            add_problems(form, problem)
        else:
            messages.success(request, "Your draft has been saved. Answer the questions, then submit it.")
            return redirect("funding:application_detail", application_id=application.pk)
    return render(request, "funding/application_start.html", {"call": call, "form": form}, status=400 if form.errors else 200)


def _initial(application: Application, questions) -> dict:
    initial = {"title": application.title, "summary": application.summary, "amount": application.amount}
    for answer in selectors.answer_list(application=application):
        initial[f"answer_{answer.question_id}"] = answer.text
    for i, line in enumerate(selectors.budget_line_list(application=application)[: forms.BUDGET_ROWS], start=1):
        initial[f"line_{i}_item"] = line.item
        initial[f"line_{i}_amount"] = line.amount
    return initial


@require_http_methods(["GET", "POST"])
def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    application = access_application(request.user, application_id)
    questions = list(selectors.call_question_list(call=application.call))
    form_class = forms.ApplicationForm.for_questions(questions)
    editable = application.status == Application.Status.DRAFT and application.applicant_id == request.user.pk
    status = 200
    if request.method == "POST" and editable:
        form = form_class(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.application_save(
                    application=application, actor=access_actor(request.user), title=data["title"], summary=data["summary"],
                    amount=data["amount"], answers=form.answers(questions), budget_lines=form.budget_lines(),
                )
                if request.POST.get("action") == "submit":
                    application = services.application_submit(application=application, actor=access_actor(request.user))
                    messages.success(request, f"Application {application.reference} submitted.")
                else:
                    messages.success(request, "Your draft has been saved.")
                return redirect("funding:application_detail", application_id=application.pk)
            except ValidationProblem as problem:
                add_problems(form, problem)
        status = 400
    else:
        form = form_class(initial=_initial(application, questions))
    return render(request, "funding/application_detail.html", {
        "application": application, "form": form, "editable": editable, "questions": questions,
        "answers": selectors.answer_list(application=application), "lines": selectors.budget_line_list(application=application),
        "decision": getattr(application, "decision", None), "award": getattr(application, "award", None),
    }, status=status)


@require_POST
def application_submit(request: HttpRequest, application_id: int) -> HttpResponse:
    """Submit as it was last saved (idempotent: submitting twice changes nothing)."""
    application = access_application(request.user, application_id)
    try:
        application = services.application_submit(application=application, actor=access_actor(request.user))
    except ValidationProblem as problem:
        for message in problem.problems.values():
            messages.error(request, message)
    else:
        messages.success(request, f"Application {application.reference} submitted.")
    return redirect("funding:application_detail", application_id=application.pk)
