"""Portfolio forms, rendered in the GOV.UK pattern."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import slugify

from seedbed.accounts.models import STAFF_ROLES, Organisation, User
from seedbed.core.access import COUNCIL_KINDS
from seedbed.core.forms import GovUKWidgetsMixin, RecordsChoiceField
from seedbed.portfolio.models import (
    EfficiencyTag,
    GateDecision,
    ServiceArea,
    Stage,
    StageSet,
    Typology,
)
from seedbed.portfolio.rules import StageSpec

SCORES = [(n, f"{n}") for n in range(1, 6)]


def _area_choices() -> list[tuple[str, str]]:
    return [("", "All service areas")] + [(a.slug, a.name) for a in ServiceArea.objects.order_by("name")]


def _stage_choices() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for stage in Stage.objects.order_by("stage_set__name", "order"):
        seen.setdefault(stage.slug, stage.name)
    return [("", "All stages"), *seen.items()]


# Choices are callables: the GOV.UK mixin validates a bound form while it is constructed.
class FilterForm(GovUKWidgetsMixin, forms.Form):
    service_area = forms.ChoiceField(label="Service area", required=False, choices=_area_choices)
    typology = forms.ChoiceField(label="Type", required=False,
                                 choices=[("", "All types"), *Typology.choices])
    stage = forms.ChoiceField(label="Stage", required=False, choices=_stage_choices)


class InnovationForm(GovUKWidgetsMixin, forms.Form):
    title = forms.CharField(label="Title", max_length=200,
                            error_messages={"required": "Enter a title"})
    problem = forms.CharField(label="Problem", widget=forms.Textarea(attrs={"rows": 4}),
                              help_text="The problem in the words of the people who have it.",
                              error_messages={"required": "Describe the problem the innovation addresses"})
    typology = forms.ChoiceField(label="Type of innovation", choices=Typology.choices,
                                 widget=forms.RadioSelect,
                                 error_messages={"required": "Choose a type of innovation"})
    efficiency_tags = forms.MultipleChoiceField(
        label="Radical efficiency", required=False, choices=EfficiencyTag.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Where a better outcome for less money could come from.")
    service_area = forms.ModelChoiceField(label="Service area", queryset=ServiceArea.objects.all(),
                                          error_messages={"required": "Choose a service area"})
    lead_organisation = forms.ModelChoiceField(label="Lead organisation", queryset=Organisation.objects.all(),
                                               error_messages={"required": "Choose the lead organisation"})
    stage_set = forms.ModelChoiceField(label="Lifecycle", queryset=StageSet.objects.all(), required=False,
                                       help_text="Leave empty for the Seedbed lifecycle.")
    budget = forms.DecimalField(label="Budget (£)", min_value=0, max_digits=12, decimal_places=2,
                                initial=0, error_messages={"invalid": "Enter the budget as a number, like 25000",
                                                           "min_value": "The budget cannot be negative"})
    expected_outcomes = forms.CharField(label="Benefits expected", required=False,
                                        widget=forms.Textarea(attrs={"rows": 3}))
    expected_cost = forms.DecimalField(
        label="Expected cost to run it for a year (£, optional)", required=False, min_value=0, max_digits=12,
        decimal_places=2, error_messages={"invalid": "Enter the cost as a number, like 40000",
                                          "min_value": "The cost cannot be negative"})
    expected_saving = forms.DecimalField(
        label="Expected saving a year (£, optional)", required=False, min_value=0, max_digits=12,
        decimal_places=2, error_messages={"invalid": "Enter the saving as a number, like 60000",
                                          "min_value": "Enter the saving as a positive number"})
    involved = RecordsChoiceField(
        label="Other organisations involved (optional)", required=False, queryset=Organisation.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Providers, community groups and partners working on it with the lead organisation.")


class InnovationEditForm(InnovationForm):
    """The record's fields; the lifecycle is fixed once the innovation exists."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["stage_set"]


class GateDecisionForm(GovUKWidgetsMixin, forms.Form):
    decision = forms.ChoiceField(label="Decision", choices=GateDecision.Decision.choices,
                                 widget=forms.RadioSelect, error_messages={"required": "Choose a decision"})
    reasons = forms.CharField(label="Reasons", widget=forms.Textarea(attrs={"rows": 4}),
                              error_messages={"required": "Give the reasons for this decision"})
    checklist_done = forms.MultipleChoiceField(label="Exit checklist done", required=False,
                                               widget=forms.CheckboxSelectMultiple)
    reviewers = RecordsChoiceField(
        label="Reviewers", required=False, widget=forms.CheckboxSelectMultiple,
        queryset=User.objects.filter(memberships__role__in=sorted(STAFF_ROLES - {"frontline"}),
                                     memberships__organisation__kind__in=sorted(COUNCIL_KINDS),
                                     is_active=True).distinct().order_by("username"))
    exception_reasons = forms.CharField(
        label="Exception (only if the evidence or checklist is not met)", required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the innovation should advance without the evidence or checklist the gate asks for.")
    learning = forms.CharField(label="What was learnt (needed to stop)", required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))


def gate_decision_form(data: Any, *, checklist: list[str]) -> GateDecisionForm:
    """The gate form with the current stage's exit checklist as its checkbox choices."""
    field = forms.MultipleChoiceField(label="Exit checklist done", required=False,
                                      widget=forms.CheckboxSelectMultiple,
                                      choices=[(item, item) for item in checklist])
    form_class = type("StageGateDecisionForm", (GateDecisionForm,), {"checklist_done": field})
    return form_class(data)


class RiskForm(GovUKWidgetsMixin, forms.Form):
    title = forms.CharField(label="Risk", max_length=200, error_messages={"required": "Describe the risk in a few words"})
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    likelihood = forms.TypedChoiceField(label="Likelihood before mitigation (1 to 5)", choices=SCORES, coerce=int)
    impact = forms.TypedChoiceField(label="Impact before mitigation (1 to 5)", choices=SCORES, coerce=int)
    mitigation = forms.CharField(label="Mitigation", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    residual_likelihood = forms.TypedChoiceField(label="Likelihood after mitigation (1 to 5)", choices=SCORES, coerce=int)
    residual_impact = forms.TypedChoiceField(label="Impact after mitigation (1 to 5)", choices=SCORES, coerce=int)


class SpendForm(GovUKWidgetsMixin, forms.Form):
    amount = forms.DecimalField(label="Spend to add (£)", min_value=0.01, max_digits=12, decimal_places=2,
                                error_messages={"required": "Enter the amount spent",
                                                "invalid": "Enter the amount as a number, like 1500",
                                                "min_value": "Enter a positive amount of spend"})


class LinkForm(GovUKWidgetsMixin, forms.Form):
    record = forms.ChoiceField(
        label="Record to link", help_text="A need, idea, award, probe or trial that belongs to this innovation.",
        error_messages={"required": "Choose the record to link",
                        "invalid_choice": "Choose a record from the list"},
    )

    def __init__(self, *args: Any, choices: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        record = self.fields["record"]
        assert isinstance(record, forms.ChoiceField)
        record.choices = [("", "Choose a record"), *choices]


STAGES_HELP = (
    "One stage per line, in order: the stage name, then optionally | the evidence level (0 to 5) "
    "an innovation needs to enter it | its exit checklist items separated by semicolons. "
    "For example: Scale up | 3 | Costs known; Owner agreed"
)


class StageSetForm(GovUKWidgetsMixin, forms.Form):
    name = forms.CharField(label="Name of the lifecycle", max_length=150,
                           error_messages={"required": "Enter a name for the lifecycle"})
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    stuck_after_days = forms.IntegerField(
        label="Days in one stage before an innovation counts as stuck", initial=180, min_value=1, max_value=3650,
        error_messages={"required": "Enter a number of days", "invalid": "Enter a whole number of days, like 180",
                        "min_value": "Enter at least 1 day", "max_value": "Enter at most 3650 days"})
    stages = forms.CharField(label="Stages", help_text=STAGES_HELP, widget=forms.Textarea(attrs={"rows": 8}),
                             error_messages={"required": "List the stages, one per line"})

    def clean_stages(self) -> list[Any]:
        specs = []
        for number, line in enumerate(self.cleaned_data["stages"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) > 3:
                raise forms.ValidationError(f"Line {number}: use at most two | separators (name | level | checklist)")
            name = parts[0]
            if not name or not slugify(name):
                raise forms.ValidationError(f"Line {number}: start the line with the stage's name")
            level_text = parts[1] if len(parts) > 1 else ""
            if level_text and (not level_text.isascii() or not level_text.isdigit() or len(level_text) > 1 or not 0 <= int(level_text) <= 5):
                raise forms.ValidationError(f"Line {number}: the evidence level must be a whole number from 0 to 5, "
                                            f"not {level_text!r}")
            checklist = tuple(i.strip() for i in (parts[2] if len(parts) > 2 else "").split(";") if i.strip())
            specs.append(StageSpec(slug=slugify(name)[:80], name=name[:150], description="",
                                   exit_checklist=checklist, min_evidence_level=int(level_text or 0)))
        return specs
