"""Residents without an account: the emailed links, and seeing or deleting what they sent.

Following a link first shows a page with a button: the link is used (and the need or idea
published) only when the person presses it, so email scanners that open links do not use
them up. A used access link lets that browser see the address's data for an hour.
"""

from __future__ import annotations

import json
import time

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from seedbed.core.delivery import site_url
from seedbed.core.errors import ValidationProblem
from seedbed.core.forms import add_problems
from seedbed.participation import selectors, services
from seedbed.participation.forms import EmailAccessForm, EmailEraseForm
from seedbed.participation.models import EmailToken, Kind
from seedbed.participation.views.rate_limits import (
    email_key,
    over_limit_for,
    rate_limited,
    rate_limited_response,
)

SESSION_GRANT = "voices_email_access"
GRANT_SECONDS = 60 * 60
CONFIRMED = "Thank you for confirming your email address. Your {kind} {reference} is now published."
ALREADY_PUBLISHED = "Your {kind} {reference} is published."
LINK_SENT = (
    "If anything has been sent from that address, we have emailed it a link to see it. "
    "The link works for 24 hours."
)
ERASED = (
    "Your email address has been deleted from Voices: {deleted} not yet published deleted, "
    "{kept} published kept without your address."
)


def _grant(request: HttpRequest, email: str) -> None:
    request.session.cycle_key()  # a new session id once someone has proved an address
    request.session[SESSION_GRANT] = {"email": email, "until": time.time() + GRANT_SECONDS}


def granted_email(request: HttpRequest) -> str | None:
    """The address this browser proved by an emailed link in the last hour, if any."""
    grant = request.session.get(SESSION_GRANT)
    if not isinstance(grant, dict) or not isinstance(grant.get("until"), (int, float)):
        return None
    if grant["until"] < time.time():
        request.session.pop(SESSION_GRANT, None)
        return None
    return str(grant.get("email") or "") or None


def _problem(request: HttpRequest, problem: ValidationProblem) -> HttpResponse:
    return render(request, "participation/email_link.html",
                  {"problem": problem.problems.get("token", str(problem))}, status=400)


@require_http_methods(["GET", "POST"])
def email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method == "POST":
            contribution = services.email_confirm(token=token, actor=None)
        else:
            row = selectors.email_token_check(token=token, purpose=EmailToken.Purpose.CONFIRM)
            return render(request, "participation/email_link.html",
                          {"purpose": "confirm", "c": row.contribution})
    except ValidationProblem as problem:
        return _problem(request, problem)
    _grant(request, contribution.submitter_email)
    messages.success(request, CONFIRMED.format(kind=Kind(contribution.kind).label.lower(),
                                               reference=contribution.reference))
    return redirect("participation:detail", contribution_id=contribution.pk)


@require_http_methods(["GET", "POST"])
def email_access(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method == "POST":
            email = services.email_access_use(token=token, actor=None)
        else:
            selectors.email_token_check(token=token, purpose=EmailToken.Purpose.ACCESS)
            return render(request, "participation/email_link.html", {"purpose": "access"})
    except ValidationProblem as problem:
        return _problem(request, problem)
    _grant(request, email)
    return redirect("participation:email_data")


@require_http_methods(["GET", "POST"])
@rate_limited("submit")
def email_data(request: HttpRequest) -> HttpResponse:
    """With a proved address: what it sent. Without: a form to email a link to see it."""
    email = granted_email(request)
    form = EmailAccessForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        address = form.cleaned_data["access_email"]
        window = over_limit_for("email:address", email_key(address))
        if window is not None:
            return rate_limited_response(request, window)
        try:
            services.email_access_request(email=address, site_url=site_url() or request.build_absolute_uri("/"),
                                           actor=None)
        except ValidationProblem as problem:
            add_problems(form, problem, rename={"email": "access_email"})
        else:
            messages.success(request, LINK_SENT)
            return redirect("participation:email_data")
    return render(request, "participation/email_data.html", {
        "email": email, "form": form, "erase_form": EmailEraseForm(),
        "contributions": selectors.email_contributions(email=email) if email else [],
    })


@require_GET
def email_data_download(request: HttpRequest) -> HttpResponse:
    email = granted_email(request)
    if email is None:
        return redirect("participation:email_data")
    data = selectors.email_data_export(email=email)
    response = HttpResponse(json.dumps(data, indent=2), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="your-voices-data.json"'
    return response


@require_POST
def email_data_erase(request: HttpRequest) -> HttpResponse:
    email = granted_email(request)
    if email is None:
        return redirect("participation:email_data")
    form = EmailEraseForm(request.POST)
    if not form.is_valid():
        return render(request, "participation/email_data.html", {
            "email": email, "form": EmailAccessForm(), "erase_form": form,
            "contributions": selectors.email_contributions(email=email),
        }, status=400)
    counts = services.email_data_erase(email=email, actor=None)
    request.session.pop(SESSION_GRANT, None)
    messages.success(request, ERASED.format(deleted=counts["deleted"], kept=counts["kept_without_address"]))
    return redirect("participation:email_data")
