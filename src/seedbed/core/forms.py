"""Form helpers shared by every capability: GOV.UK classes and error wiring on widgets."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from seedbed.core.errors import ValidationProblem

# The largest id a 64-bit integer column holds.
_LARGEST_ID = 2**63 - 1

CSS_BY_WIDGET: dict[type, str] = {
    forms.Textarea: "govuk-textarea",
    forms.Select: "govuk-select",
    forms.PasswordInput: "govuk-input govuk-password-input__input",
}


class GovUKWidgetsMixin:
    """Give each widget the GOV.UK classes, and link hints and errors with aria-describedby.

    Ids follow the form's prefix (``id_<prefix>-<name>-hint``), and errors are wired after
    validation, so subclasses may still adjust fields (querysets, choices) in ``__init__``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            widget = field.widget
            widget.attrs.setdefault("class", CSS_BY_WIDGET.get(type(widget), "govuk-input"))
            if field.help_text:
                widget.attrs["aria-describedby"] = f"id_{self.add_prefix(name)}-hint"  # type: ignore[attr-defined]

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:  # type: ignore[attr-defined]
            field = self.fields.get(name)  # type: ignore[attr-defined]
            if field is None:
                continue
            attrs = field.widget.attrs
            error_id = f"id_{self.add_prefix(name)}-error"  # type: ignore[attr-defined]
            described = attrs.get("aria-describedby", "").split()
            if error_id not in described:
                attrs["aria-describedby"] = " ".join([*described, error_id])
            if "--error" not in attrs.get("class", ""):
                base = attrs.get("class", "govuk-input").split()[0]
                attrs["class"] = f"{attrs.get('class', base)} {base}--error"


class RecordsChoiceField(forms.ModelMultipleChoiceField):
    """Django's multiple choice of records, refusing an id too large for any column as "not
    one of the available choices" before it reaches the database (SQLite cannot even bind
    it; PostgreSQL finds no such record and gives that answer)."""

    def _check_values(self, value: Any) -> Any:
        for pk in value:
            text = str(pk).strip().lstrip("-")
            if text.isascii() and text.isdigit() and int(text) > _LARGEST_ID:
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                      params={"value": pk})
        return super()._check_values(value)  # type: ignore[misc]


def add_problems(
    form: forms.Form, problem: ValidationProblem, *, rename: dict[str, str] | None = None,
    name_other_fields: bool = False,
) -> None:
    """Show a service's ``ValidationProblem`` on the form, field by field.

    ``rename`` maps a service's argument name to the form's field name where they differ.
    Problems for anything that is not a field go above the form (the error summary); with
    ``name_other_fields`` each starts with the name it was given for (``Block sizes: …``).
    """
    for name, message in problem.problems.items():
        name = (rename or {}).get(name, name)
        if name in form.fields:
            form.add_error(name, message)
        elif name_other_fields and name != "__all__":
            form.add_error(None, f"{name.replace('_', ' ').capitalize()}: {message}")
        else:
            form.add_error(None, message)
