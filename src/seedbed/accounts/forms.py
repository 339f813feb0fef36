"""Sign-in and account forms, rendered in the GOV.UK pattern."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest

from seedbed.accounts.models import ApiScope
from seedbed.accounts.services import (
    ERROR_TOKEN_NAME,
    ERROR_TOKEN_NO_SCOPE,
    api_token_day_choices,
    api_token_default_days,
)
from seedbed.core.forms import GovUKWidgetsMixin

ERROR_SIGN_IN = "Enter a correct username and password. Both are case-sensitive."
ERROR_INACTIVE = "This account has been closed."
PASSWORD_RULES = (
    "At least 12 characters. Not a common password, not only numbers, and not like your name, "  # noqa: S105
    "username or email address."
)
ERROR_OLD_PASSWORD = "Your current password is not right. Enter it again."  # noqa: S105 - a message, not a secret
ERROR_PASSWORD_MISMATCH = "The two new passwords do not match"  # noqa: S105 - a message, not a secret
ERROR_TOKEN_EXPIRY = "Choose how long the token lasts"  # noqa: S105 - a message, not a secret
ERROR_TOKEN_PASSWORD_MISSING = "Enter your current password to create a token"  # noqa: S105 - a message, not a secret
ERROR_TOKEN_PASSWORD = "Your current password is not right. Enter it again to create a token."  # noqa: S105 - a message, not a secret
ERROR_PASSWORD_CHANGE_PAUSED = (
    "There have been too many wrong passwords for this account, so changing the password and "  # noqa: S105 - a message, not a secret
    "signing in are paused. Wait and try again later."
)
ERROR_TOKEN_SIGNIN_PAUSED = (
    "There have been too many wrong passwords for this account, so creating tokens and signing in "  # noqa: S105 - a message, not a secret
    "are paused. Wait and try again later."
)


class SignInForm(GovUKWidgetsMixin, AuthenticationForm):
    error_messages = {"invalid_login": ERROR_SIGN_IN, "inactive": ERROR_INACTIVE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "spellcheck": "false"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class _WholeFieldId:
    """Radios and checkboxes whose field id is the group's (the GOV.UK pattern), so that the
    error summary links to the group rather than to nothing."""

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        return id_ if index is None else super().id_for_label(id_, index)  # type: ignore[misc]


class GovUKRadios(_WholeFieldId, forms.RadioSelect):
    pass


class GovUKCheckboxes(_WholeFieldId, forms.CheckboxSelectMultiple):
    pass


class PasswordChangeForm(GovUKWidgetsMixin, auth_forms.PasswordChangeForm):
    """Your current password, then the new one twice (the password rules apply)."""

    error_messages = {
        **auth_forms.PasswordChangeForm.error_messages,
        "password_incorrect": ERROR_OLD_PASSWORD,
        "password_mismatch": ERROR_PASSWORD_MISMATCH,
    }

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.fields["old_password"].error_messages["required"] = "Enter your current password"
        self.fields["new_password1"].error_messages["required"] = "Enter a new password"
        self.fields["new_password2"].error_messages["required"] = "Enter the new password again"
        self.fields["new_password1"].help_text = PASSWORD_RULES
        self.fields["old_password"].widget.attrs["autocomplete"] = "current-password"
        for name in ("new_password1", "new_password2"):
            self.fields[name].widget.attrs["autocomplete"] = "new-password"


    def clean_old_password(self) -> str:
        """Checked as signing in is (``authenticate``): a wrong guess counts towards the sign-in
        limits, and a paused account changes nothing, so a borrowed session cannot guess the
        password here without limit."""
        old: str = self.cleaned_data["old_password"]
        request = self.request
        if request is None:
            raise forms.ValidationError(ERROR_OLD_PASSWORD)
        checked = authenticate(request, username=self.user.get_username(), password=old)
        if getattr(request, "axes_locked_out", False):
            raise forms.ValidationError(ERROR_PASSWORD_CHANGE_PAUSED)
        if checked is None or checked.pk != self.user.pk:
            raise forms.ValidationError(ERROR_OLD_PASSWORD)
        return old


class ApiTokenForm(GovUKWidgetsMixin, forms.Form):
    name = forms.CharField(
        label="Token name", max_length=100,
        help_text="What the token is for, so you can recognise it later (for example, 'enrolment tablet').",
        error_messages={"required": ERROR_TOKEN_NAME},
    )
    expires_in_days = forms.TypedChoiceField(
        label="How long the token lasts", coerce=int, widget=GovUKRadios,
        help_text="It stops working after this. A shorter life is safer.",
        error_messages={"required": ERROR_TOKEN_EXPIRY, "invalid_choice": ERROR_TOKEN_EXPIRY},
    )
    scopes = forms.MultipleChoiceField(
        label="What the token may do", choices=ApiScope.choices, widget=GovUKCheckboxes,
        help_text="Give it only what the other system needs. Your own roles still decide which records it reaches.",
        error_messages={"required": ERROR_TOKEN_NO_SCOPE, "invalid_choice": ERROR_TOKEN_NO_SCOPE},
    )

    password = forms.CharField(
        label="Your current password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="A token works without signing in, so we check it is you.",
        error_messages={"required": ERROR_TOKEN_PASSWORD_MISSING},
    )

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        days = self.fields["expires_in_days"]
        days.choices = [(d, f"{d} days") for d in api_token_day_choices()]  # type: ignore[attr-defined]
        days.initial = api_token_default_days()
        self.fields["scopes"].initial = [ApiScope.READ.value]

    def clean_password(self) -> str:
        """Check the password as signing in does (``authenticate``), so that a wrong one counts
        towards the sign-in limits (seedbed.accounts.lockout) and a paused account mints nothing."""
        password: str = self.cleaned_data["password"]
        request = self.request
        if request is None or not request.user.is_authenticated:
            raise forms.ValidationError(ERROR_TOKEN_PASSWORD)
        username = request.user.get_username()
        checked = authenticate(request, username=username, password=password)
        if getattr(request, "axes_locked_out", False):
            raise forms.ValidationError(ERROR_TOKEN_SIGNIN_PAUSED)
        if checked is None or checked.pk != request.user.pk:
            raise forms.ValidationError(ERROR_TOKEN_PASSWORD)
        return password
