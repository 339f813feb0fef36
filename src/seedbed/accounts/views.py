"""Sign-in, sign-out, your account, and organisations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from seedbed.accounts import selectors, services
from seedbed.accounts.forms import ApiTokenForm, PasswordChangeForm, SignInForm
from seedbed.core.access import (
    access_api_token,
    access_organisation,
    access_signed_in,
    access_staff_area,
    gatekeeper,
    is_council_staff,
)
from seedbed.core.errors import ValidationProblem


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


@require_http_methods(["GET", "POST"])
@gatekeeper(access_signed_in)
def account(request: HttpRequest) -> HttpResponse:
    """Your account: roles, and your API tokens (list, create; the new secret is shown once)."""
    new_token = None
    form = ApiTokenForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        try:
            _, new_token = services.api_token_issue(
                user=request.user, name=form.cleaned_data["name"],  # type: ignore[arg-type]
                scopes=form.cleaned_data["scopes"], expires_in_days=form.cleaned_data["expires_in_days"],
            )
        except ValidationProblem as problem:
            for field, message in problem.problems.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, "Your API token has been created. Copy it now: it will not be shown again.")
            form = ApiTokenForm()
    return render(
        request,
        "accounts/account.html",
        {
            "memberships": selectors.membership_list(user=request.user),  # type: ignore[arg-type]
            "tokens": selectors.api_token_list(user=request.user),  # type: ignore[arg-type]
            "now": timezone.now(),
            "form": form,
            "new_token": new_token,
        },
    )


@require_http_methods(["GET", "POST"])
@gatekeeper(access_signed_in)
def password_change(request: HttpRequest) -> HttpResponse:
    """Change your own password; this also revokes every API token you hold."""
    form = PasswordChangeForm(request.user, request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        services.password_change(user=request.user, new_password=form.cleaned_data["new_password1"],  # type: ignore[arg-type]
                                 actor=request.user)  # type: ignore[arg-type]
        update_session_auth_hash(request, request.user)  # type: ignore[arg-type]
        messages.success(request, "Your password has been changed, and any API tokens you had have been revoked.")
        return redirect("accounts:account")
    return render(request, "accounts/password_change.html", {"form": form})


@require_http_methods(["POST"])
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke one API token: its owner's, or anyone's for an administrator."""
    token = access_api_token(request.user, token_id)
    services.api_token_revoke(token=token, actor=request.user)  # type: ignore[arg-type]
    messages.success(request, f"The API token ‘{token.name}’ has been revoked. It no longer works.")
    return redirect("accounts:account")


@require_http_methods(["GET"])
@gatekeeper(access_staff_area)
def organisations(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/organisation_list.html", {"organisations": selectors.organisation_list()})


@require_http_methods(["GET"])
def organisation_detail(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """An organisation's page: council staff see anyone's; members see their own, without
    residents' names (those are for council staff)."""
    organisation = access_organisation(request.user, organisation_id)
    residents_listed = is_council_staff(request.user)
    members = selectors.organisation_members(organisation=organisation, include_residents=residents_listed)
    return render(request, "accounts/organisation_detail.html", {
        "organisation": organisation, "members": members, "residents_listed": residents_listed,
    })


def signed_out(request: HttpRequest) -> HttpResponse:
    return redirect("core:home")
