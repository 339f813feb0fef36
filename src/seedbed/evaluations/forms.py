"""Evaluation forms, rendered in the GOV.UK pattern."""

from __future__ import annotations

from typing import Any

from django import forms

from seedbed.core.forms import GovUKWidgetsMixin
from seedbed.core.uploads import validate_upload_size
from seedbed.evaluations import selectors
from seedbed.evaluations.models import Design, Plan
from seedbed.evaluations.rules import plan_fields, required_fields

ERROR_REASON_BLANK = "Give the reason for the amendment"


class EvaluationForm(GovUKWidgetsMixin, forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    design = forms.ChoiceField(
        label="Design", choices=[("", "Choose a design"), *Design.choices],
        help_text="Difference-in-differences compares the change in treated and untreated "
                  "groups; an interrupted time series the trend before and after a start; "
                  "a synthetic control one area against a weighted mix of others; a "
                  "regression discontinuity people just above and below a cutoff.")
    question = forms.CharField(label="Question", widget=forms.Textarea(attrs={"rows": 3}),
                               required=False, help_text="What the evaluation will answer.")
    organisation = forms.ModelChoiceField(label="Organisation",
                                          queryset=selectors.organisation_choices(),
                                          empty_label="Choose an organisation")
    service_area = forms.ModelChoiceField(label="Service area (optional)",
                                          queryset=selectors.service_area_choices(),
                                          required=False, empty_label="None")


_TEXT_FIELDS = frozenset(("question", "outcome", "comparison", "period", "assumptions", "success"))
_CHOICE_FIELDS = frozenset(("control",))


class PlanForm(GovUKWidgetsMixin, forms.Form):
    """A plan form: ``plan_form_for`` gives one with the fields of one design."""

    def plan_changes(self) -> dict[str, Any]:
        """The plan fields as entered (text trimmed; an empty number is None; a choice not
        made leaves the plan's as it is)."""
        return {name: value for name, value in self.cleaned_data.items()
                if name != "reason" and not (name in _CHOICE_FIELDS and not value)}


def plan_form_for(design: str, *, amend: bool = False) -> type[PlanForm]:
    """The plan form for ``design``: only the fields it uses, labelled and explained as the
    model has them; an amendment also asks for its reason and needs every field the design
    needs filled (its optional choices may stay empty)."""
    fields: dict[str, forms.Field] = {}
    required = set(required_fields(design))
    for name in plan_fields(design):
        field = Plan._meta.get_field(name).formfield()  # type: ignore[union-attr]
        assert field is not None, name
        field.label = str(field.label).capitalize()
        field.required = amend and name in required
        if name in _TEXT_FIELDS:
            field.widget = forms.Textarea(attrs={"rows": 3})
        fields[name] = field
    if amend:
        fields["reason"] = forms.CharField(
            label="Reason for the amendment", widget=forms.Textarea(attrs={"rows": 3}),
            error_messages={"required": ERROR_REASON_BLANK})
    return type("PlanForm", (PlanForm,), fields)


class RegisterForm(GovUKWidgetsMixin, forms.Form):
    """Registering has nothing to fill in: the button confirms it."""


DATA_ENCODINGS = (
    ("utf-8", "UTF-8 (most files, and Excel's “CSV UTF-8”)"),
    ("cp1252", "Windows-1252 (Excel's ordinary “CSV” on Windows)"),
    ("latin-1", "Latin-1 (ISO 8859-1)"),
)


class DataUploadForm(GovUKWidgetsMixin, forms.Form):
    file = forms.FileField(
        label="Data file", help_text="A CSV, Excel or Parquet file (.csv, .xlsx, .parquet).",
        error_messages={"required": "Choose a file to upload"},
        validators=[validate_upload_size],
        widget=forms.ClearableFileInput(attrs={"class": "govuk-file-upload"}))
    encoding = forms.ChoiceField(
        label="Text encoding of a CSV file", choices=DATA_ENCODINGS, initial="utf-8",
        required=False,
        help_text="Leave as UTF-8 unless the check names a byte that reads as a Windows "
                  "character; Excel and Parquet files do not need it.",
        error_messages={"invalid_choice": "Choose one of the listed encodings"})

    def clean_encoding(self) -> str:
        return self.cleaned_data.get("encoding") or "utf-8"


class DataConnectForm(GovUKWidgetsMixin, forms.Form):
    """Pick one of the tables the administrator's connections offer."""

    source = forms.ChoiceField(label="Table or view", choices=(),
                               error_messages={"required": "Choose a table or view",
                                               "invalid_choice": "Choose a table or view"})

    def __init__(self, *args: Any, offered: dict[str, tuple[str, ...]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [("", "Choose a table or view")] + [  # type: ignore[attr-defined]
            (f"{name}/{table}", f"{table} ({name})")
            for name, tables in offered.items() for table in tables]

    def picked(self) -> tuple[str, str]:
        """The chosen (connection, table): a table name never holds "/"."""
        connection, _, table = self.cleaned_data["source"].rpartition("/")
        return connection, table


class AnalyseForm(GovUKWidgetsMixin, forms.Form):
    """Running the analysis has nothing to fill in: the button confirms it."""


ERROR_CASE_SUMMARY = "Enter a summary in plain language"
ERROR_CASE_WHAT_WAS_DONE = "Enter what was changed"
ERROR_CASE_DIRECTION = "Choose whether a higher or a lower outcome is better"


class CaseForm(GovUKWidgetsMixin, forms.Form):
    """Adding a reported evaluation to the library: what the plan does not hold."""

    summary = forms.CharField(
        label="Summary in plain language", widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What was changed and what the evaluation found, for someone deciding "
                  "whether to try it.", error_messages={"required": ERROR_CASE_SUMMARY})
    what_was_done = forms.CharField(
        label="What was changed", widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": ERROR_CASE_WHAT_WAS_DONE})
    higher_is_better = forms.TypedChoiceField(
        label="Which way is better for the outcome?", coerce=lambda value: value == "yes",
        choices=[("yes", "Higher is better"), ("no", "Lower is better")],
        widget=forms.RadioSelect, error_messages={"required": ERROR_CASE_DIRECTION},
        help_text="This decides whether the finding is recorded as positive or negative.")
    lessons_worked = forms.CharField(label="What worked (optional)", required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    lessons_did_not = forms.CharField(label="What did not work (optional)", required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}))
    lessons_differently = forms.CharField(label="What we would do differently (optional)",
                                          required=False, widget=forms.Textarea(attrs={"rows": 2}))
