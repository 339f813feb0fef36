"""Needs and ideas: the list, reporting a need, proposing an idea, what I sent, and a need or
idea's own page (``detail_response``, which every form on it re-renders with its errors)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from seedbed.core.access import access_signed_in, gatekeeper, id_from_text, is_council_staff
from seedbed.core.delivery import site_url
from seedbed.core.errors import ValidationProblem
from seedbed.core.forms import add_problems
from seedbed.participation import selectors, services
from seedbed.participation.access import (
    access_contribution,
    access_voices_participant,
    is_voices_handler,
)
from seedbed.participation.forms import (
    CommentForm,
    HideForm,
    IdeaForm,
    MergeForm,
    NeedForm,
    ReportForm,
    StatusForm,
)
from seedbed.participation.models import Contribution, Kind, Status, VoiceOf
from seedbed.participation.views.rate_limits import (
    email_key,
    over_limit_for,
    rate_limited,
    rate_limited_response,
)

RECEIVED = "Thank you. Your {kind} has been received: its reference is {reference}. You will hear when its status changes."
SESSION_SENT = "voices_email_sent"


def detail_response(
    request: HttpRequest, contribution: Contribution, *, status: int = 200, **forms: Any
) -> HttpResponse:
    """The need/idea page, with any bound form (showing its errors) passed in ``forms``."""
    handler = is_voices_handler(request.user)
    merge_form = forms.get("merge_form") or MergeForm()
    if handler and not merge_form.is_bound:
        merge_form.fields["into"].queryset = selectors.merge_targets(contribution=contribution)  # type: ignore[union-attr]
    bound = next((f for f in forms.values() if f is not None and f.is_bound and f.errors), None)
    context = {
        "view": selectors.contribution_view(contribution=contribution, for_user=request.user),
        "c": contribution,
        "handler": handler,
        "comment_form": forms.get("comment_form") or CommentForm(),
        "report_form": forms.get("report_form") or ReportForm(),
        "status_form": forms.get("status_form") or StatusForm(initial={"status": contribution.status}),
        "merge_form": merge_form,
        "hide_form": forms.get("hide_form") or HideForm(),
        "form": bound,
    }
    return render(request, "participation/contribution_detail.html", context, status=status)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    query = request.GET.get("q", "").strip()[:200]
    voice_of = request.GET.get("from", "")
    sort = request.GET.get("sort", "newest")
    sort = sort if sort in selectors.SORTS else "newest"
    page = selectors.contribution_page(kind=kind, status=status, query=query, voice_of=voice_of,
                                       sort=sort, page_number=request.GET.get("page", 1))
    return render(request, "participation/index.html", {
        "page": page, "kind": kind, "status": status, "query": query, "voice_of": voice_of,
        "sort": sort, "kinds": Kind.choices, "statuses": Status.choices, "voices": VoiceOf.choices,
        "sorts": [(key, label) for key, (label, _) in selectors.SORTS.items()],
        "staff": is_council_staff(request.user), "handler": is_voices_handler(request.user),
    })


def _contribution_new(request: HttpRequest, kind: str) -> HttpResponse:
    form_class = NeedForm if kind == Kind.NEED else IdeaForm
    initial = {}
    if kind == Kind.IDEA:
        for field, parameter in (("answers_need", "need"), ("answers_call", "challenge")):
            chosen = id_from_text(request.GET.get(parameter, ""))
            if chosen is not None:
                initial[field] = chosen
    anonymous = not request.user.is_authenticated
    form = form_class(request.POST if request.method == "POST" else None, initial=initial,
                      with_email=anonymous)
    similar = None
    checked = False
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") == "check":
            checked = True
            text = f"{form.cleaned_data['title']}. {form.cleaned_data['body']}"
            similar = selectors.contribution_similar(text=text, kind=kind)
        elif anonymous:
            return _submit_by_email(request, form, kind)
        else:
            try:
                contribution = services.contribution_submit(
                    actor=access_voices_participant(request.user), kind=kind, **form.service_kwargs()
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
    return _form_page(request, form, kind, similar=similar, checked=checked)


def _form_page(request: HttpRequest, form: Any, kind: str, **extra: Any) -> HttpResponse:
    return render(request, "participation/contribution_form.html", {
        "form": form, "kind": kind, "similar": None, "checked": False, **extra,
    })


def _submit_by_email(request: HttpRequest, form: Any, kind: str) -> HttpResponse:
    """Someone who has not signed in: hold what they sent and email them a link to confirm."""
    window = over_limit_for("email:address", email_key(form.cleaned_data["email"]))
    if window is not None:
        return rate_limited_response(request, window)
    try:
        contribution = services.contribution_submit(
            actor=None, kind=kind, site_url=site_url() or request.build_absolute_uri("/"),
            **form.service_kwargs(),
        )
    except ValidationProblem as problem:
        add_problems(form, problem)
        return _form_page(request, form, kind)
    request.session[SESSION_SENT] = {
        "email": contribution.submitter_email, "kind": kind, "reference": contribution.reference,
    }
    return redirect("participation:email_sent")


@require_http_methods(["GET", "POST"])
@rate_limited("submit")
def need_new(request: HttpRequest) -> HttpResponse:
    """Report a need: signed in, or (for residents without an account) with an email address."""
    return _contribution_new(request, Kind.NEED)


@require_http_methods(["GET", "POST"])
@rate_limited("submit")
def idea_new(request: HttpRequest) -> HttpResponse:
    """Propose an idea: signed in, or with an email address."""
    return _contribution_new(request, Kind.IDEA)


@require_GET
def email_sent(request: HttpRequest) -> HttpResponse:
    """After sending without signing in: check your email."""
    return render(request, "participation/email_sent.html", {"sent": request.session.get(SESSION_SENT)})


@require_GET
@gatekeeper(access_signed_in)
def mine(request: HttpRequest) -> HttpResponse:
    """What became of what I said: everything this person sent, with its status and history."""
    return render(request, "participation/mine.html", {
        "contributions": selectors.contributions_of(user=request.user)[:200],
    })


@require_GET
def detail(request: HttpRequest, contribution_id: int) -> HttpResponse:
    contribution = access_contribution(request.user, contribution_id)
    return detail_response(request, contribution)
