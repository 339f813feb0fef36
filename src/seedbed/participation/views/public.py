"""Listing, reporting a need, proposing an idea, and a need or idea's own page."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from seedbed.core.access import (
    access_contribution,
    access_signed_in,
    gatekeeper,
    is_staff_member,
    is_voices_handler,
)
from seedbed.core.errors import ValidationProblem
from seedbed.participation import selectors, services
from seedbed.participation.forms import IdeaForm, NeedForm, add_problems
from seedbed.participation.limits import rate_limited
from seedbed.participation.models import Kind, Status
from seedbed.participation.views.common import detail_response

RECEIVED = "Thank you. Your {kind} has been received: its reference is {reference}. You will hear when its status changes."


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    query = request.GET.get("q", "").strip()[:200]
    page = selectors.contribution_page(kind=kind, status=status, query=query, page_number=request.GET.get("page", 1))
    return render(request, "participation/index.html", {
        "page": page, "kind": kind, "status": status, "query": query,
        "kinds": Kind.choices, "statuses": Status.choices,
        "staff": is_staff_member(request.user), "handler": is_voices_handler(request.user),
    })


def _contribution_new(request: HttpRequest, kind: str) -> HttpResponse:
    form_class = NeedForm if kind == Kind.NEED else IdeaForm
    initial = {}
    if kind == Kind.IDEA and request.GET.get("need", "").isdigit():
        initial["answers_need"] = int(request.GET["need"])
    form = form_class(request.POST if request.method == "POST" else None, initial=initial)
    similar = None
    checked = False
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") == "check":
            checked = True
            text = f"{form.cleaned_data['title']}. {form.cleaned_data['body']}"
            similar = selectors.contribution_similar(text=text, kind=kind)
        else:
            try:
                contribution = services.contribution_submit(
                    submitter=request.user, kind=kind, **form.service_kwargs()
                )
            except ValidationProblem as problem:
                add_problems(form, problem)
            else:
                messages.success(request, RECEIVED.format(kind=kind, reference=contribution.reference))
                return redirect("participation:detail", contribution_id=contribution.pk)
    elif request.method == "POST" and request.POST.get("action") == "check":
        # Still show what is similar to whatever was typed, alongside the errors.
        text = f"{request.POST.get('title', '')}. {request.POST.get('body', '')}"[:2000]
        similar = selectors.contribution_similar(text=text, kind=kind) if text.strip(". ") else []
        checked = True
    return render(request, "participation/contribution_form.html", {
        "form": form, "kind": kind, "similar": similar, "checked": checked,
    })


@require_http_methods(["GET", "POST"])
@gatekeeper(access_signed_in)
@rate_limited("submit")
def need_new(request: HttpRequest) -> HttpResponse:
    return _contribution_new(request, Kind.NEED)


@require_http_methods(["GET", "POST"])
@gatekeeper(access_signed_in)
@rate_limited("submit")
def idea_new(request: HttpRequest) -> HttpResponse:
    return _contribution_new(request, Kind.IDEA)


@require_GET
def detail(request: HttpRequest, contribution_id: int) -> HttpResponse:
    contribution = access_contribution(request.user, contribution_id)
    return detail_response(request, contribution)

