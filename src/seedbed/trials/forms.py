"""Forms for probes and trials, in the GOV.UK pattern."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from seedbed.accounts.models import Organisation
from seedbed.core.errors import ValidationProblem
from seedbed.core.forms import GovUKWidgetsMixin, add_problems
from seedbed.core.uploads import validate_upload_size
from seedbed.trials.models import (
    Design,
    OutcomeType,
    ProbeOutcome,
    RandomisationMethod,
    RiskItem,
    RiskLevel,
    SafetyDecision,
    Severity,
    Spending,
    StopReason,
)
from seedbed.trials.rules import OUTCOME_KEYS, secondary_outcome_entries

# Secondary outcome rows on the protocol form: at least this many, and one more than entered.
SECONDARY_SLOTS = 3


class TrialForm(GovUKWidgetsMixin, forms.Form):
    """GOV.UK widgets (as ``GovUKWidgetsMixin``), with two changes: subclasses set their
    querysets and choices in ``prepare`` before the form is validated, and hint and error
    ids also work when the form has a prefix (several forms on one page)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._options = kwargs.pop("options", {})
        forms.Form.__init__(self, *args, **kwargs)
        self.prepare(**self._options)
        for name, field in self.fields.items():
            widget = field.widget
            css = {  # type: ignore[call-overload]
                forms.Textarea: "govuk-textarea",
                forms.Select: "govuk-select",
                forms.ClearableFileInput: "govuk-file-upload",
                forms.FileInput: "govuk-file-upload",
            }.get(type(widget), "govuk-input")
            widget.attrs.setdefault("class", css)
            html_id = f"id_{self.add_prefix(name)}"
            described = []
            if field.help_text:
                described.append(f"{html_id}-hint")
            if self.is_bound and self.errors.get(name):
                described.append(f"{html_id}-error")
                widget.attrs["class"] += " govuk-input--error"
            if described:
                widget.attrs["aria-describedby"] = " ".join(described)

    def prepare(self, **options: Any) -> None:
        """Set querysets and choices from ``options`` (before validation)."""

    def apply(self, problem: ValidationProblem) -> None:
        """Show a service's problems on the fields they name (others above the form, named)."""
        add_problems(self, problem, name_other_fields=True)


def _text(label: str, *, required: bool = True, help_text: str = "", rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": f"Enter the {label.lower()}"},
    )


def _line(label: str, *, required: bool = True, help_text: str = "", max_length: int = 200) -> forms.CharField:
    return forms.CharField(label=label, required=required, help_text=help_text,
                           max_length=max_length,
                           error_messages={"required": f"Enter the {label.lower()}"})


def _date(label: str, *, help_text: str = "") -> forms.DateField:
    return forms.DateField(label=label, required=False, help_text=help_text,
                           widget=forms.DateInput(attrs={"type": "date"}),
                           error_messages={"invalid": "Enter a real date"})


def _number(label: str, *, help_text: str = "", required: bool = False, **kw: Any) -> forms.FloatField:
    return forms.FloatField(label=label, required=required, help_text=help_text, **kw,
                            error_messages={"invalid": f"Enter a number for {label.lower()}"})


class TrialCreateForm(TrialForm):
    title = _line("Title", help_text="A short name the public registry will show.")
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.all(), label="Organisation running the trial",
        error_messages={"required": "Choose the organisation running the trial"},
    )
    question = _text("Question", required=False, help_text="What the trial will find out.")


class ProtocolForm(TrialForm):
    """Every registration field; drafts may be saved incomplete."""

    title = _line("Title")
    question = _text("Question", required=False)
    population = _text("Population and eligibility", required=False)
    setting = _text("Setting", required=False)
    intervention = _text("Intervention", required=False)
    comparator = _text("Comparator", required=False, help_text="What the control arm receives.")
    primary_outcome = _text("Primary outcome", required=False)
    primary_outcome_measure = _text(
        "How the primary outcome is measured", required=False, rows=2,
        help_text="The tool, record or question that gives each unit's value, and its scale.")
    primary_outcome_timepoint = _line(
        "When the primary outcome is measured", required=False,
        help_text="For example: six months after enrolment.")
    outcome_type = forms.ChoiceField(label="Type of primary outcome", choices=OutcomeType.choices)
    higher_is_better = forms.TypedChoiceField(
        label="Is a higher primary outcome better?", choices=(("True", "Yes"), ("False", "No")),
        coerce=lambda v: v == "True",
    )
    design = forms.ChoiceField(label="Design", choices=Design.choices)
    randomisation_unit = _line("Randomisation unit", required=False,
                               help_text="For example: person, family, school, team.")
    arms = _line("Arms", required=False,
                 help_text="Separated by commas; the first is the control arm.")
    strata = _line("Strata", required=False,
                   help_text="Stratum labels separated by commas (individual designs); leave empty for none.")
    block_sizes = _line("Block sizes", required=False,
                        help_text=("Permuted block sizes separated by commas, each a multiple of the "
                                   "number of arms; each block's size is drawn at random from "
                                   "the list. Larger, varied blocks (such as 4, 6, 8 for two "
                                   "arms) keep the next allocation hard to guess."))
    randomisation_method = forms.ChoiceField(
        label="How units are allocated to arms", choices=RandomisationMethod.choices,
        help_text=("Permuted blocks keep the arms the same size (within each stratum). "
                   "Minimisation keeps the arms alike on several factors at once, even in a "
                   "small trial: each unit goes, usually, to the arm that keeps the groups "
                   "most alike (individually randomised trials only)."))
    minimisation_factors = _text(
        "Minimisation factors", required=False, rows=4,
        help_text=("One factor per line: its name, a colon, then its levels separated by "
                   "commas, such as “Age group: under 5, 5 to 11, 12 to 17”. Each unit's "
                   "level of each factor is asked for at enrolment."))
    minimisation_weights = _line(
        "Minimisation weights", required=False, max_length=100,
        help_text=("How much each factor counts, in the same order, separated by commas, "
                   "such as 2, 1 to count the first twice as much. Leave empty to count them "
                   "equally."))
    minimisation_probability = _number(
        "Probability of the arm that keeps the groups most alike", min_value=0.5, max_value=1,
        help_text=("The random element: 0.8 means 4 units in 5 go to that arm and the rest to "
                   "another arm at random, so nobody can be sure of the next allocation."))
    clusters = _text("Clusters", required=False,
                     help_text="Cluster and stepped-wedge designs: one cluster name per line.")
    steps = forms.IntegerField(label="Steps (stepped wedge)", required=False, min_value=2)
    cluster_size = forms.IntegerField(
        label="Average cluster size", required=False, min_value=1,
        help_text="Stepped wedge: the average number of people per cluster in each period.",
    )
    icc = _number("Intra-cluster correlation (ICC)", min_value=0, max_value=0.99)
    first_period_start = forms.DateField(
        label="First period starts on (stepped wedge)", required=False,
        widget=forms.DateInput(attrs={"type": "date"}), error_messages={"invalid": "Enter a real date"},
        help_text="Period 0 (every cluster unexposed) starts on this date; harm monitoring uses it.")
    period_days = forms.IntegerField(label="Period length in days (stepped wedge)", required=False,
                                     min_value=1, max_value=3650)
    effect_size = _number("Standardised effect size", help_text="Continuous outcomes: the smallest effect worth detecting, in standard deviations.")
    p_control = _number("Expected proportion in the control arm", help_text="Binary outcomes only.", min_value=0, max_value=1)
    p_treatment = _number("Expected proportion in the intervention arm", help_text="Binary outcomes only.", min_value=0, max_value=1)
    alpha = _number("Significance level", required=True, min_value=0.0001, max_value=0.5)
    power = _number("Power", required=True, min_value=0.5, max_value=0.999)
    sides = forms.TypedChoiceField(label="Sides of the test", choices=(("2", "Two-sided"), ("1", "One-sided")), coerce=int)
    interim_looks = forms.IntegerField(label="Planned looks (interim and final)", min_value=1, max_value=10)
    efficacy_looks = forms.TypedChoiceField(
        label="Will the interim looks also check whether the intervention is clearly working?",
        choices=(("False", "No, the looks check for harm only"),
                 ("True", "Yes, the trial may stop early if it is clearly working")),
        coerce=lambda v: v == "True",
        help_text="If yes, the sample size is raised a little to pay for these extra checks.",
    )
    futility_looks = forms.TypedChoiceField(
        label="Will the interim looks also check whether the intervention is unlikely to work?",
        choices=(("False", "No"), ("True", "Yes, as advice only: the trial may carry on")),
        coerce=lambda v: v == "True",
        help_text="This check never changes the sample size.",
    )
    spending = forms.ChoiceField(label="Alpha spending", choices=Spending.choices)
    start_date = _date("Trial starts on", help_text="The day the first unit can be enrolled.")
    recruitment_end_date = _date("Recruitment ends on", help_text="The last day a unit can be enrolled.")
    follow_up_end_date = _date("Follow-up ends on",
                               help_text="The day the last outcome is measured.")
    analysis_plan = _text("Analysis plan", required=False)
    missing_data_plan = _text(
        "How missing outcome data will be handled", required=False,
        help_text=("For example: how many units you expect to lose, how you will try to keep "
                   "them, and how the analysis treats units with no outcome."))
    funding_source = _text("Funding", required=False,
                           help_text="Who pays for the trial and the intervention.")
    conflicts_of_interest = _text(
        "Conflicts of interest", required=False,
        help_text="Anything that could make someone running the trial prefer one result, or “None”.")
    data_sharing_statement = _text(
        "Data sharing", required=False,
        help_text="What will be shared after the trial (data, code, materials), with whom and when.")
    subgroups = _line("Pre-specified subgroups (equity)", required=False,
                      help_text="Column names of subgroup variables, separated by commas.")
    cost_measures = _text("Cost measures", required=False)
    safeguarding_plan = _text("Safeguarding plan", required=False)
    ethics_reference = _line("Ethics or DPIA reference", required=False)
    data_protection_basis = _line("Data protection basis", required=False)
    outcome_column = _line("Outcome column in the data file", required=False, max_length=60)
    cost_column = _line("Cost column in the data file", required=False, max_length=60)

    FIELDSETS = (
        ("The question", ("title", "question", "population", "setting", "intervention",
                          "comparator")),
        ("Outcomes", ("primary_outcome", "primary_outcome_measure", "primary_outcome_timepoint",
                      "outcome_type", "higher_is_better", "cost_measures")),
        ("Dates", ("start_date", "recruitment_end_date", "follow_up_end_date")),
        ("Design and randomisation", ("design", "randomisation_unit", "arms",
                                      "randomisation_method", "strata", "block_sizes",
                                      "minimisation_factors", "minimisation_weights",
                                      "minimisation_probability", "clusters", "steps", "cluster_size", "icc",
                                      "first_period_start", "period_days")),
        ("Sample size and monitoring", ("effect_size", "p_control", "p_treatment", "alpha",
                                        "power", "sides", "interim_looks", "efficacy_looks",
                                        "futility_looks", "spending")),
        ("Analysis, equity and safeguards", ("analysis_plan", "missing_data_plan", "subgroups",
                                             "safeguarding_plan", "outcome_column",
                                             "cost_column")),
        ("Funding, interests, data sharing and ethics", (
            "funding_source", "conflicts_of_interest", "data_sharing_statement",
            "ethics_reference", "data_protection_basis")),
    )
    # Secondary outcomes are shown after the fieldset of this title, one fieldset each.
    SECONDARY_AFTER = "Outcomes"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        data = args[0] if args else kwargs.get("data")
        existing = secondary_outcome_entries((kwargs.get("initial") or {}).get("secondary_outcomes"))
        posted = [int(m.group(1)) for key in (data or {})
                  if (m := re.fullmatch(r"secondary_(\d{1,2})_name", key))]
        self._slots = max(SECONDARY_SLOTS, len(existing) + 1, *posted)
        super().__init__(*args, **kwargs)
        for i, entry in enumerate(existing, start=1):
            for key in OUTCOME_KEYS:
                self.initial[f"secondary_{i}_{key}"] = entry[key]

    def prepare(self, **options: Any) -> None:
        for i in range(1, self._slots + 1):
            self.fields[f"secondary_{i}_name"] = _text(f"Secondary outcome {i}", required=False, rows=2)
            self.fields[f"secondary_{i}_measure"] = _text(
                f"How secondary outcome {i} is measured", required=False, rows=2)
            self.fields[f"secondary_{i}_timepoint"] = _line(
                f"When secondary outcome {i} is measured", required=False)

    def fieldsets(self) -> list[tuple[str, list[Any]]]:
        sets = []
        for title, names in self.FIELDSETS:
            sets.append((title, [self[name] for name in names]))
            if title == self.SECONDARY_AFTER:
                sets += [(f"Secondary outcome {i}",
                          [self[f"secondary_{i}_{key}"] for key in OUTCOME_KEYS])
                         for i in range(1, self._slots + 1)]
        return sets

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["secondary_outcomes"] = [
            {key: data.pop(f"secondary_{i}_{key}", "") or "" for key in OUTCOME_KEYS}
            for i in range(1, self._slots + 1)
        ]
        for name in ("randomisation_unit", "arms", "block_sizes", "outcome_column",
                     "minimisation_probability"):
            if data.get(name) in (None, ""):
                data.pop(name, None)
        return data


class AmendmentForm(ProtocolForm):
    reason = _text("Reason for the amendment", help_text="Shown beside the change on the public registry.")

    FIELDSETS = (("Why the protocol changes", ("reason",)),) + ProtocolForm.FIELDSETS  # type: ignore[assignment]


class SafetyLeadForm(TrialForm):
    safety_lead = forms.ModelChoiceField(  # type: ignore[var-annotated]
        queryset=None, label="Safety lead",
        error_messages={"required": "Choose the safety lead"},
    )

    def prepare(self, *, choices: Any) -> None:  # type: ignore[override]
        self.fields["safety_lead"].queryset = choices  # type: ignore[attr-defined]


class HarmOutcomeForm(TrialForm):
    name = _line("Harm outcome")
    definition = _text("How the harm is defined and counted")
    boundary_alpha = _number("Boundary level (one-sided alpha)", required=True,
                             help_text="For example 0.05: lower stops sooner for smaller excesses of harm.",
                             min_value=0.001, max_value=0.49)
    boundary_spending = forms.ChoiceField(label="Boundary spending", choices=Spending.choices,
                                          initial=Spending.POCOCK)


class StoppingRuleForm(TrialForm):
    rule = _text("Stopping rule", rows=2)


class RiskForm(TrialForm):
    description = _text("Risk", rows=2)
    likelihood = forms.TypedChoiceField(label="Likelihood", choices=RiskLevel.choices, coerce=int)
    impact = forms.TypedChoiceField(label="Impact", choices=RiskLevel.choices, coerce=int)
    owner = forms.ModelChoiceField(queryset=None, label="Owner",  # type: ignore[var-annotated]
                                   error_messages={"required": "Choose who owns the risk"})
    treatment = forms.ChoiceField(label="Treatment", choices=RiskItem.Treatment.choices)
    treatment_plan = _text("How it is treated", required=False, rows=2)

    def prepare(self, *, owners: Any) -> None:  # type: ignore[override]
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]


UPLOAD_ENCODINGS = (
    ("utf-8", "UTF-8 (most files, and Excel's “CSV UTF-8”)"),
    ("cp1252", "Windows-1252 (Excel's ordinary “CSV” on Windows)"),
    ("latin-1", "Latin-1 (ISO 8859-1)"),
)


class UploadForm(TrialForm):
    file = forms.FileField(label="Outcome file", help_text="A CSV or Excel file (.csv, .xlsx).",
                           error_messages={"required": "Choose a file to upload"},
                           validators=[validate_upload_size])
    encoding = forms.ChoiceField(
        label="Text encoding of a CSV file", choices=UPLOAD_ENCODINGS, initial="utf-8",
        required=False,
        help_text="Leave as UTF-8 unless the check names a byte that reads as a Windows "
                  "character; Excel files do not need it.",
        error_messages={"invalid_choice": "Choose one of the listed encodings"})

    def clean_encoding(self) -> str:
        return self.cleaned_data.get("encoding") or "utf-8"



class ConnectionForm(TrialForm):
    """Pick a named connection and a table or view, and map its columns to the trial's."""

    connection = forms.ChoiceField(label="Connection", choices=(),
                                   error_messages={"required": "Choose a connection",
                                                   "invalid_choice": "Choose a connection"})
    table = forms.CharField(label="Table or view", max_length=200,
                            help_text="Its name, or schema.name, for example trial_outcomes.",
                            error_messages={"required": "Enter the table or view"})

    def prepare(self, **options: Any) -> None:
        self.fields["connection"].choices = [("", "Choose a connection")] + [  # type: ignore[attr-defined]
            (name, name) for name in options.get("connections", ())]
        for role in options.get("roles", ()):
            self.fields[f"column_{role}"] = forms.CharField(
                label=f'Column for "{role}"', max_length=200, initial=role,
                error_messages={"required": f"Enter the table's column for {role}"})

    def column_map(self) -> dict[str, str]:
        return {name.removeprefix("column_"): value for name, value in self.cleaned_data.items()
                if name.startswith("column_")}


class ConnectionRelationsForm(TrialForm):
    """The tables and views one named connection may read, one per line."""

    connection = forms.ChoiceField(label="Connection", choices=(), widget=forms.HiddenInput,
                                   error_messages={"required": "Choose a connection",
                                                   "invalid_choice": "Choose a connection"})
    relations = forms.CharField(
        label="Tables and views it may read", required=False, max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text="One per line, as name or schema.name, for example reporting.trial_outcomes. "
                  "Nothing else in the database can be read through this connection; leave "
                  "empty to read nothing.")

    def prepare(self, **options: Any) -> None:
        self.fields["connection"].choices = [(n, n) for n in options.get("connections", ())]  # type: ignore[attr-defined]

    def relation_lines(self) -> list[str]:
        return str(self.cleaned_data.get("relations") or "").splitlines()


class AnalysisForm(TrialForm):
    assessed = forms.IntegerField(label="Number assessed for eligibility", min_value=0,
                                  error_messages={"required": "Enter the number assessed for eligibility"})
    plain_summary = _text("Plain-language summary", rows=5,
                          help_text="What the trial found, for residents, in a few sentences.")
    lessons = _text("Lessons learned", required=False, rows=3)


class EnrolForm(TrialForm):
    unit_ref = _line("Unit reference", required=False, max_length=100,
                     help_text="The service's own reference for the person or family, never a name.")
    stratum = forms.ChoiceField(label="Stratum", required=False)
    cluster = forms.ChoiceField(label="Cluster", required=False)

    def prepare(self, *, strata: list[str], clusters: list[str],  # type: ignore[override]
                factors: list[tuple[str, list[str]]] | None = None) -> None:
        self.fields["stratum"].choices = [(s, s) for s in strata]  # type: ignore[attr-defined]
        self.fields["cluster"].choices = [(c, c) for c in clusters]  # type: ignore[attr-defined]
        if not strata:
            del self.fields["stratum"]
        if clusters:
            del self.fields["unit_ref"]
        else:
            del self.fields["cluster"]
        self._factor_names = [name for name, _ in factors or []]
        for i, (name, levels) in enumerate(factors or []):
            self.fields[f"factor_{i}"] = forms.ChoiceField(
                label=name, choices=[("", f"Choose the {name.lower()}")] + [(v, v) for v in levels],
                error_messages={"required": f"Choose the unit's {name.lower()}"})

    @property
    def minimised(self) -> bool:
        """Whether the form asks for minimisation factors."""
        return bool(self._factor_names)

    def factor_levels(self) -> dict[str, str]:
        """The unit's level of each minimisation factor, by factor name (after validation)."""
        return {name: self.cleaned_data.get(f"factor_{i}", "")
                for i, name in enumerate(self._factor_names)}


class SafetyEventForm(TrialForm):
    unit_ref = _line("Unit reference", max_length=100,
                     help_text="The service's own reference for the person, never a name.")
    harm_outcome = forms.ModelChoiceField(queryset=None, label="Which harm",  # type: ignore[var-annotated]
                                          error_messages={"required": "Choose which harm this is"})
    severity = forms.ChoiceField(label="Severity", choices=Severity.choices)
    occurred_on = forms.DateField(label="Date it happened", widget=forms.DateInput(attrs={"type": "date"}),
                                  error_messages={"required": "Enter the date it happened",
                                                  "invalid": "Enter a real date"})
    description = _text("What happened", help_text="Do not include names.")

    def prepare(self, *, harms: Any, clustered: bool = False) -> None:  # type: ignore[override]
        self.fields["harm_outcome"].queryset = harms  # type: ignore[attr-defined]
        if clustered:
            self.fields["unit_ref"].label = "Person's reference"
            self.fields["unit_ref"].help_text = (
                "The reference of the person within their cluster (enrolled on the enrolment "
                "page), never a name.")


class PersonEnrolForm(TrialForm):
    """Enrol a person within an enrolled cluster (cluster and stepped-wedge trials)."""

    cluster = forms.ChoiceField(label="Cluster", error_messages={"required": "Choose the cluster"})
    unit_ref = _line("Person's reference", max_length=100,
                     help_text="The service's own reference for the person, never a name.")
    enrolled_on = forms.DateField(label="Date they joined", widget=forms.DateInput(attrs={"type": "date"}),
                                  error_messages={"required": "Enter the date they joined",
                                                  "invalid": "Enter a real date"})

    def prepare(self, *, clusters: list[str]) -> None:  # type: ignore[override]
        self.fields["cluster"].choices = [("", "Choose a cluster")] + [(c, c) for c in clusters]  # type: ignore[attr-defined]


class GovUKRadios(forms.RadioSelect):
    """Radios whose field id is the first radio's (the GOV.UK pattern), so that the error
    summary links to it."""

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        return id_ if index is None else super().id_for_label(id_, index)


class DecisionForm(TrialForm):
    """The safety lead's decision after a crossing: nothing is chosen for them (radios with
    no default), and stopping asks why."""

    decision = forms.ChoiceField(
        label="Your decision", choices=SafetyDecision.Decision.choices, widget=GovUKRadios,
        error_messages={"required": "Choose whether to continue or stop"},
    )
    stop_reason = forms.ChoiceField(
        label="If you stop the trial, why", required=False, choices=StopReason.choices,
        widget=GovUKRadios, help_text="Shown wherever the trial appears: "
        "on its registry page, its result, its report and its library case.",
    )
    reasons = _text("Reasons", help_text="Recorded in the audit chain and shown to the trial team.")


class ProbeForm(TrialForm):
    title = _line("Title")
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.all(), label="Organisation running the probe",
        error_messages={"required": "Choose the organisation"},
    )
    challenge = _line("Challenge", help_text="Probes on the same challenge are shown together.", max_length=300)
    hypothesis = _text("Hypothesis")
    monitored = _text("What we will monitor")
    success_signs = _text("Signs of success")
    amplify_plan = _text("How we would amplify")
    failure_signs = _text("Signs of failure")
    recover_plan = _text("How we would recover or dampen")
    unintended_consequences = _text("Unintended consequences", required=False)
    cost_cap = forms.DecimalField(label="Cost cap (£)", min_value=0, decimal_places=2,
                                  error_messages={"required": "Enter the cost cap",
                                                  "invalid": "Enter the cost cap in pounds"})
    end_date = forms.DateField(label="End date", widget=forms.DateInput(attrs={"type": "date"}),
                               error_messages={"required": "Enter the end date",
                                               "invalid": "Enter a real date"})


class ProbeOutcomeForm(TrialForm):
    outcome = forms.ChoiceField(label="What happens next", choices=ProbeOutcome.choices)
    outcome_reasons = _text("Why, and what was learned")
    spent = forms.DecimalField(label="Amount spent (£)", min_value=0, decimal_places=2,
                               error_messages={"required": "Enter the amount spent",
                                               "invalid": "Enter the amount in pounds"})
