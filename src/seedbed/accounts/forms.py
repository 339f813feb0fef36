"""Sign-in and account forms, rendered in the GOV.UK pattern."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from seedbed.core.forms import GovUKWidgetsMixin

ERROR_SIGN_IN = "Enter a correct username and password. Both are case-sensitive."
ERROR_INACTIVE = "This account has been closed."


class SignInForm(GovUKWidgetsMixin, AuthenticationForm):
    error_messages = {"invalid_login": ERROR_SIGN_IN, "inactive": ERROR_INACTIVE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "spellcheck": "false"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class ApiTokenForm(GovUKWidgetsMixin, forms.Form):
    name = forms.CharField(
        label="Token name", max_length=100,
        help_text="What the token is for, so you can recognise it later (for example, 'enrolment tablet').",
        error_messages={"required": "Enter a name for the token"},
    )
