"""Funding home, calls and how they are set up."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from seedbed.core.access import gatekeeper
from seedbed.core.errors import ValidationProblem
from seedbed.core.forms import add_problems
from seedbed.funding import forms, selectors
from seedbed.funding.access import (
    access_actor,
    access_call,
    access_call_manage,
    access_funding_manage,
    is_funding_manager,
)
from seedbed.funding.models import Call
from seedbed.funding.services import calls as call_services
from seedbed.funding.views.common import run_form
from seedbed.participation.models import Theme
from seedbed.participation.selectors import ideas_answering


@require_http_methods(["GET"])
def index(request: HttpRequest) -> HttpResponse:
    manager = is_funding_manager(request.user)
    if manager and request.GET.get("theme"):  # "Turn into a challenge" on the Voices themes page
        return redirect(f"{reverse('funding:call_create')}?{urlencode({'theme': request.GET['theme']})}")
    return render(request, "funding/index.html", {
        "calls": [c for c in selectors.call_list(for_user=request.user, manager=manager) if c.kind != Call.Kind.PB],
        "rounds": selectors.pb_rounds_public(),
        "manager": manager,
        "my_applications": selectors.applications_for_applicant(user=request.user),
    })


def _theme(request: HttpRequest) -> Theme | None:
    return selectors.theme_get(theme_id=request.GET.get("theme", ""))


def _initial(theme: Theme | None) -> dict:
    """A call pre-filled from the Voices theme in ``?theme=``, if any (the themes page links here)."""
    if theme is None:
        return {}
    draft = selectors.challenge_draft_from_theme(theme=theme)
    return {**draft, "theme": theme.pk, "needs": [n.pk for n in draft["needs"]], "fund": selectors.fund_default(),
            "publish_now": "yes"}


@require_http_methods(["GET", "POST"])
@gatekeeper(access_funding_manage)
def call_create(request: HttpRequest) -> HttpResponse:
    """Create a call as a draft, or publish it in one step with the standard questions."""
    theme = _theme(request)
    form = forms.CallForm(request.POST or None, funds=selectors.fund_choices(), initial=_initial(theme),
                          one_step=theme is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        publish = data.get("publish_now") == "yes"
        try:
            call = (call_services.call_launch if publish else call_services.call_create)(
                fund=data["fund"], kind=data["kind"], title=data["title"], summary=data["summary"],
                max_amount=data["max_amount"], min_amount=data["min_amount"] or Decimal(0),
                eligible_kinds=data["eligible_kinds"], individuals_may_apply=data["individuals_may_apply"] == "yes",
                needs=list(data["needs"]), theme=data["theme"], actor=access_actor(request.user),
            )
        except ValidationProblem as problem:
            add_problems(form, problem)
        else:
            if publish:
                messages.success(request, "The call is published and open for applications. Add its stages and panel.")
            else:
                messages.success(request, "The call has been created as a draft. Add its stages, questions, criteria and panel.")
            return redirect("funding:call_manage", call_id=call.pk)
    return render(request, "funding/call_create.html", {"form": form, "theme": theme},
                  status=400 if form.errors else 200)


@require_http_methods(["GET"])
def call_detail(request: HttpRequest, call_id: int) -> HttpResponse:
    call = access_call(request.user, call_id)
    if call.kind == Call.Kind.PB:
        return redirect("funding:pb_round", round_id=call.pb_round.pk)
    decided = selectors.call_decided_list(call=call)
    return render(request, "funding/call_detail.html", {
        "call": call, "needs": selectors.call_need_list(call=call), "stages": selectors.call_stage_list(call=call), "questions": selectors.call_question_list(call=call),
        "criteria": selectors.call_criterion_list(call=call),
        "decided": decided, "manager": is_funding_manager(request.user),
        "ideas": ideas_answering(call) if call.kind == Call.Kind.CHALLENGE else [],
    })


def _manage_context(request: HttpRequest, call: Call) -> dict:
    people = selectors.panel_candidates()
    return {
        "call": call, "stages": selectors.call_stage_list(call=call), "questions": selectors.call_question_list(call=call),
        "criteria": selectors.call_criterion_list(call=call),
        "panel": selectors.panel_list(call=call),
        "stage_form": forms.StageForm(prefix="stage"), "question_form": forms.QuestionForm(prefix="question"),
        "criterion_form": forms.CriterionForm(prefix="criterion"), "panel_form": forms.PanelForm(prefix="panel", people=people),
        "people": people, "applications": selectors.call_application_list(call=call),
    }


@require_http_methods(["GET"])
def call_manage(request: HttpRequest, call_id: int) -> HttpResponse:
    call = access_call_manage(request.user, call_id)
    return render(request, "funding/call_manage.html", _manage_context(request, call))


def _manage_post(request: HttpRequest, call_id: int, name: str, form_class, action, success: str) -> HttpResponse:
    call = access_call_manage(request.user, call_id)
    context = _manage_context(request, call)
    kwargs = {"people": context["people"]} if name == "panel" else {}
    form = form_class(request.POST, prefix=name, **kwargs)
    context[f"{name}_form"] = form
    return run_form(request, form, lambda d: action(call, d), success=success,
                    redirect_to=reverse("funding:call_manage", args=[call.pk]),
                    template="funding/call_manage.html", context=context)


@require_POST
def call_stage_add(request: HttpRequest, call_id: int) -> HttpResponse:
    return _manage_post(request, call_id, "stage", forms.StageForm, lambda call, d: call_services.stage_set(
        call=call, kind=d["kind"], starts_on=d["starts_on"], ends_on=d["ends_on"], actor=access_actor(request.user)), "Stage dates saved.")


@require_POST
def call_question_add(request: HttpRequest, call_id: int) -> HttpResponse:
    return _manage_post(request, call_id, "question", forms.QuestionForm, lambda call, d: call_services.question_add(
        call=call, text=d["text"], max_words=d["max_words"], actor=access_actor(request.user)), "Question added.")


@require_POST
def call_criterion_add(request: HttpRequest, call_id: int) -> HttpResponse:
    return _manage_post(request, call_id, "criterion", forms.CriterionForm, lambda call, d: call_services.criterion_add(
        call=call, name=d["name"], weight=d["weight"], max_score=d["max_score"], actor=access_actor(request.user)), "Criterion added.")


@require_POST
def call_panel_add(request: HttpRequest, call_id: int) -> HttpResponse:
    return _manage_post(request, call_id, "panel", forms.PanelForm, lambda call, d: call_services.panel_member_add(
        call=call, user=d["user"], is_chair=d["is_chair"] == "yes", actor=access_actor(request.user)), "Panel member added.")


@require_POST
def call_publish(request: HttpRequest, call_id: int) -> HttpResponse:
    call = access_call_manage(request.user, call_id)
    try:
        call_services.call_publish(call=call, actor=access_actor(request.user))
    except ValidationProblem as problem:
        for message in problem.problems.values():
            messages.error(request, message)
    else:
        messages.success(request, "The call is published and open for applications.")
    return redirect("funding:call_manage", call_id=call.pk)


@require_POST
def call_close(request: HttpRequest, call_id: int) -> HttpResponse:
    call = access_call_manage(request.user, call_id)
    call_services.call_close(call=call, actor=access_actor(request.user))
    messages.success(request, "The call is closed to new applications.")
    return redirect("funding:call_manage", call_id=call.pk)
