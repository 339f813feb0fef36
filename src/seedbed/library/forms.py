"""Library forms, rendered in the GOV.UK pattern."""

from __future__ import annotations

from django import forms

from seedbed.core.forms import GovUKWidgetsMixin
from seedbed.core.uploads import validate_upload_size
from seedbed.library.models import Case, Design, Direction, StoppedFor
from seedbed.library.selectors import STOPPED_CHOICES
from seedbed.portfolio.models import Innovation, ServiceArea, Typology


def _area_choices() -> list[tuple[str, str]]:
    return [("", "Any service area")] + [(a.slug, a.name) for a in ServiceArea.objects.order_by("name")]


def _year_choices() -> list[tuple[str, str]]:
    years = Case.objects.filter(status=Case.Status.PUBLISHED).values_list("year", flat=True).distinct()
    return [("", "Any year")] + [(str(y), str(y)) for y in sorted(set(years), reverse=True)]


def _stage_choices() -> list[tuple[str, str]]:
    stages = Case.objects.exclude(stage_reached="").values_list("stage_reached", flat=True).distinct()
    return [("", "Any stage")] + [(s, s) for s in sorted(set(stages))]


class SearchForm(GovUKWidgetsMixin, forms.Form):
    q = forms.CharField(label="What are you looking for?", required=False, max_length=300,
                        help_text="For example: what has been tried on school absence?")
    service_area = forms.ChoiceField(label="Service area", required=False, choices=_area_choices)
    typology = forms.ChoiceField(label="Type of innovation", required=False,
                                 choices=[("", "Any type"), *Typology.choices])
    stage_reached = forms.ChoiceField(label="Stage reached", required=False, choices=_stage_choices)
    design = forms.ChoiceField(label="Design", required=False, choices=[("", "Any design"), *Design.choices])
    level = forms.ChoiceField(label="Evidence level", required=False,
                              choices=[("", "Any level")] + [(str(n), f"Level {n}") for n in range(6)])
    sms_level = forms.ChoiceField(label="Maryland Scientific Methods Scale level", required=False,
                                  choices=[("", "Any level")] + [(str(n), f"Level {n}") for n in range(1, 6)])
    direction = forms.ChoiceField(label="Result", required=False,
                                  choices=[("", "Any result"), *Direction.choices])
    stopped = forms.ChoiceField(label="Stopped early", required=False,
                                choices=[("", "Whether or not it stopped early"), *STOPPED_CHOICES])
    year = forms.ChoiceField(label="Year", required=False, choices=_year_choices)


class CaseForm(GovUKWidgetsMixin, forms.Form):
    """A case from external evidence (or written by hand)."""

    title = forms.CharField(label="Title", max_length=200)
    summary = forms.CharField(label="Summary in plain language", widget=forms.Textarea(attrs={"rows": 3}))
    problem = forms.CharField(label="Problem", widget=forms.Textarea(attrs={"rows": 3}))
    what_was_done = forms.CharField(label="What was done", widget=forms.Textarea(attrs={"rows": 3}))
    setting = forms.CharField(label="Setting", required=False)
    design = forms.ChoiceField(label="Design", choices=Design.choices)
    year = forms.IntegerField(label="Year", min_value=1900, max_value=2100,
                              error_messages={"invalid": "Enter a year, like 2024"})
    outcome = forms.CharField(label="Outcome measured", required=False)
    effect = forms.FloatField(label="Effect", required=False, error_messages={"invalid": "Enter the effect as a number"})
    ci_low = forms.FloatField(label="95% interval: lower limit", required=False,
                              error_messages={"invalid": "Enter the lower limit as a number"})
    ci_high = forms.FloatField(label="95% interval: upper limit", required=False,
                               error_messages={"invalid": "Enter the upper limit as a number"})
    higher_is_better = forms.TypedChoiceField(label="Which way is better?", coerce=lambda v: v == "yes",
                                              choices=[("yes", "Higher is better"), ("no", "Lower is better")])
    stopped_for = forms.ChoiceField(label="Did the trial stop early?", required=False,
                                    choices=[("", "No, it ran as planned"), *StoppedFor.choices])
    stopped_on = forms.DateField(label="Date it stopped", required=False,
                                 help_text="For example, 2024-05-01",
                                 error_messages={"invalid": "Enter the date it stopped, like 2024-05-01"})
    stop_reasons = forms.CharField(label="Why it stopped (the decision and its reasons)", required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    n_intervention = forms.IntegerField(label="Number in intervention group", required=False, min_value=0)
    n_comparison = forms.IntegerField(label="Number in comparison group", required=False, min_value=0)
    independent_replications = forms.IntegerField(label="Independent replications confirming it", min_value=0,
                                                  initial=0)
    cost = forms.DecimalField(label="Cost (£)", required=False, min_value=0, max_digits=12, decimal_places=2)
    outcomes_achieved = forms.IntegerField(label="Outcomes achieved (for cost per outcome)", required=False,
                                           min_value=0)
    lessons_worked = forms.CharField(label="What worked", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    lessons_did_not = forms.CharField(label="What did not work", required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}))
    lessons_differently = forms.CharField(label="What we would do differently", required=False,
                                          widget=forms.Textarea(attrs={"rows": 2}))
    service_area = forms.ModelChoiceField(label="Service area", required=False, queryset=ServiceArea.objects.all())
    typology = forms.ChoiceField(label="Type of innovation", required=False,
                                 choices=[("", "Not given"), *Typology.choices])
    innovation = forms.ModelChoiceField(label="Innovation in our portfolio", required=False,
                                        queryset=Innovation.objects.all())
    citation = forms.CharField(label="Citation", required=False, max_length=500)
    external_url = forms.URLField(label="Web address of the evidence", required=False, assume_scheme="https")


class OverrideForm(GovUKWidgetsMixin, forms.Form):
    level = forms.TypedChoiceField(label="Evidence level", coerce=int, choices=[(n, f"Level {n}") for n in range(6)])
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "Give the reason for changing the evidence level"})


class AttachmentForm(GovUKWidgetsMixin, forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    file = forms.FileField(label="File", help_text="A PDF, CSV, plain-text or Markdown file, up to 10 MB.",
                           widget=forms.FileInput(attrs={"class": "govuk-file-upload"}),
                           error_messages={"required": "Choose a file", "empty": "The file is empty"},
                           validators=[validate_upload_size])
