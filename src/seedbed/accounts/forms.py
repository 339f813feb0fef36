"""Sign-in and account forms, rendered in the GOV.UK pattern."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

ERROR_SIGN_IN = "Enter a correct username and password. Both are case-sensitive."
ERROR_INACTIVE = "This account has been closed."


class GovUKWidgetsMixin:
    """Give each widget the GOV.UK classes and error/hint wiring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            widget = field.widget
            css = {
                forms.Textarea: "govuk-textarea",
                forms.Select: "govuk-select",
                forms.PasswordInput: "govuk-input govuk-password-input__input",
            }.get(type(widget), "govuk-input")
            widget.attrs.setdefault("class", css)
            described = []
            if field.help_text:
                described.append(f"id_{name}-hint")
            if self.errors.get(name) if self.is_bound else None:  # type: ignore[attr-defined]
                described.append(f"id_{name}-error")
                widget.attrs["class"] += " govuk-input--error"
            if described:
                widget.attrs["aria-describedby"] = " ".join(described)


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
