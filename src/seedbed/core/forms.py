"""Form helpers shared by every capability: GOV.UK classes and error wiring on widgets."""

from __future__ import annotations

from typing import Any

from django import forms


class GovUKWidgetsMixin:
    """Give each widget the GOV.UK classes and error/hint wiring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            widget = field.widget
            css_by_widget: dict[type, str] = {
                forms.Textarea: "govuk-textarea",
                forms.Select: "govuk-select",
                forms.PasswordInput: "govuk-input govuk-password-input__input",
            }
            css = css_by_widget.get(type(widget), "govuk-input")
            widget.attrs.setdefault("class", css)
            described = []
            if field.help_text:
                described.append(f"id_{name}-hint")
            if self.errors.get(name) if self.is_bound else None:  # type: ignore[attr-defined]
                described.append(f"id_{name}-error")
                widget.attrs["class"] += " govuk-input--error"
            if described:
                widget.attrs["aria-describedby"] = " ".join(described)
