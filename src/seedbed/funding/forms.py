"""Funding forms, rendered in the GOV.UK pattern. Services do the real validation."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms

from seedbed.accounts.models import Organisation, User
from seedbed.core.access import council_staff_users, id_from_text
from seedbed.core.errors import ValidationProblem
from seedbed.core.forms import GovUKWidgetsMixin, RecordsChoiceField
from seedbed.funding import selectors
from seedbed.funding.models import (
    PB_RULES,
    Call,
    Criterion,
    Decision,
    Fund,
    PbRound,
    Question,
    Report,
    Stage,
)
from seedbed.funding.rules import ERROR_PROGRAMMES_TOO_MANY, PROGRAMMES_MAX, fund_problems
from seedbed.participation.models import Contribution, Idea, Theme
from seedbed.portfolio.models import ServiceArea, Typology

YES_NO = [("no", "No"), ("yes", "Yes")]


class _Prepared(forms.Form):
    """Runs ``prepare`` after the fields exist and before the GOV.UK mixin validates and
    styles them, so choices and querysets given at run time are in place."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.prepare()

    def prepare(self) -> None:
        return None


class Base(GovUKWidgetsMixin, _Prepared):
    pass



ERROR_SHARE_PERCENT = "Enter the ring-fence target as a percentage above 0 and below 100, for example 3"
PROGRAMME_ROWS_SPARE = 2
PROGRAMME_ROWS_MIN = 3
# The most programme rows a fund form draws or reads, whatever row numbers are posted.
PROGRAMME_ROWS_MAX = PROGRAMMES_MAX
ERROR_TOO_MANY_PROGRAMMES = ERROR_PROGRAMMES_TOO_MANY
PROGRAMME_ROW_FIELD = re.compile(r"^programme_([0-9]{1,9})_(?:name|amount|organisation)$")


class FundForm(Base):
    """A fund's terms and its source programme budgets, one row of fields per programme.

    The ring-fence share is typed as a percentage (3 for 3%) and given to the services as a
    fraction; a row left wholly empty is ignored.
    """

    name = forms.CharField(label="Name of the fund", max_length=200, error_messages={"required": "Enter the name of the fund"})
    owner = forms.ModelChoiceField(label="Owner organisation", queryset=Organisation.objects.none(), empty_label=None)
    description = forms.CharField(label="Description (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    currency = forms.CharField(label="Currency", max_length=3, initial="GBP", help_text="Three letters, such as GBP",
                               error_messages={"required": "Enter a three-letter currency code such as GBP"},
                               widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-3"}))
    total = forms.DecimalField(label="Total of the fund", max_digits=14, decimal_places=2, min_value=0,
                               error_messages={"required": "Enter the total of the fund"})
    ring_fence_share = forms.DecimalField(
        label="Ring-fence target (% of programme budgets)", max_digits=6, decimal_places=2, min_value=0, max_value=100,
        error_messages={"required": ERROR_SHARE_PERCENT},
        help_text="The share of the programme budgets below to set aside for experimentation, for example 3",
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-4", "inputmode": "decimal"}))
    period_start = forms.DateField(label="Period starts on", help_text="For example, 2027-04-01",
                                   error_messages={"required": "Enter the date the period starts"},
                                   widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    period_end = forms.DateField(label="Period ends on", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                 error_messages={"required": "Enter the date the period ends"})
    rows = PROGRAMME_ROWS_MIN

    @staticmethod
    def rows_posted(data: Any) -> int:
        """The highest programme row number in posted data (0 when none); rows past
        ``PROGRAMME_ROWS_MAX`` are never drawn, and the form refuses them."""
        numbers = (int(m.group(1)) for m in map(PROGRAMME_ROW_FIELD.match, data) if m)
        return max(numbers, default=0)

    @classmethod
    def with_rows(cls, rows: int) -> type[FundForm]:
        """A form class with ``rows`` programme-budget rows (name, budget, organisation),
        at most ``PROGRAMME_ROWS_MAX``."""
        rows = min(rows, PROGRAMME_ROWS_MAX)
        fields: dict[str, Any] = {"rows": rows}
        for i in range(1, rows + 1):
            fields[f"programme_{i}_name"] = forms.CharField(label=f"Programme {i}: name", required=False, max_length=200)
            fields[f"programme_{i}_amount"] = forms.DecimalField(
                label=f"Programme {i}: budget", required=False, max_digits=14, decimal_places=2,
                widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-10", "inputmode": "decimal"}))
            fields[f"programme_{i}_organisation"] = forms.ModelChoiceField(
                label=f"Programme {i}: organisation (optional)", required=False, queryset=Organisation.objects.none(),
                empty_label="None")
        return type("FundFormWithRows", (cls,), fields)

    def prepare(self) -> None:
        organisations = Organisation.objects.order_by("name")
        for name, field in self.fields.items():
            if name == "owner" or name.endswith("_organisation"):
                field.queryset = organisations  # type: ignore[attr-defined]

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()

    def clean_ring_fence_share(self) -> Any:
        value = self.cleaned_data["ring_fence_share"]
        if not 0 < value < 100:
            raise forms.ValidationError(ERROR_SHARE_PERCENT)
        return value

    def clean(self) -> dict[str, Any]:
        """Check what the fields allow at once (period, programme rows) with the service's own
        rules, so every problem is named in one go; the service checks again when saving."""
        data = super().clean() or {}
        if self.is_bound and self.rows_posted(self.data) > PROGRAMME_ROWS_MAX:
            self.add_error(None, ERROR_TOO_MANY_PROGRAMMES.format(maximum=PROGRAMME_ROWS_MAX))
            return data
        problems = fund_problems(
            name=data.get("name") or "x", total=data.get("total") or Decimal(1),
            ring_fence_share=Decimal("0.5"), currency=data.get("currency") or "GBP",
            period_start=data.get("period_start") or dt.date.min,
            period_end=data.get("period_end") or dt.date.max, programmes=self.programmes(),
        )
        for field, message in problems.items():
            if field in self.fields and field not in self.errors:
                self.add_error(field, message)
        return data

    def share(self) -> Any:
        return self.cleaned_data["ring_fence_share"] / 100

    def programmes(self) -> list[tuple[str, Any, Any]]:
        """The rows filled in, in order (a row with only an organisation counts as filled)."""
        rows = []
        for i in range(1, self.rows + 1):
            name = (self.cleaned_data.get(f"programme_{i}_name") or "").strip()
            amount = self.cleaned_data.get(f"programme_{i}_amount")
            organisation = self.cleaned_data.get(f"programme_{i}_organisation")
            if name or amount is not None or organisation is not None:
                rows.append((name, amount, organisation))
        return rows

    def row_fields(self) -> list[list[Any]]:
        return [[self[f"programme_{i}_{part}"] for part in ("name", "amount", "organisation")]
                for i in range(1, self.rows + 1)]

    def main_fields(self) -> list[Any]:
        return [self[name] for name in ("name", "owner", "description", "currency", "total", "ring_fence_share",
                                         "period_start", "period_end")]

    @staticmethod
    def initial_for(fund: Fund) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": fund.name, "owner": fund.owner_id, "description": fund.description, "currency": fund.currency,
            "total": fund.total, "ring_fence_share": (fund.ring_fence_share * 100).normalize(),
            "period_start": fund.period_start, "period_end": fund.period_end,
        }
        for i, programme in enumerate(fund.programmes.order_by("pk"), start=1):
            initial[f"programme_{i}_name"] = programme.name
            initial[f"programme_{i}_amount"] = programme.amount
            initial[f"programme_{i}_organisation"] = programme.organisation_id
        return initial


class CallForm(Base):
    fund = forms.ModelChoiceField(queryset=Fund.objects.none(), label="Fund", empty_label=None)
    kind = forms.ChoiceField(label="Kind of call", choices=[c for c in Call.Kind.choices if c[0] != "pb"])
    title = forms.CharField(label="Title", max_length=200)
    summary = forms.CharField(label="Summary", widget=forms.Textarea(attrs={"rows": 4}))
    min_amount = forms.DecimalField(label="Smallest amount (£)", initial=0, max_digits=14, decimal_places=2, min_value=0)
    max_amount = forms.DecimalField(label="Largest amount (£)", max_digits=14, decimal_places=2, min_value=0)
    eligible_kinds = forms.MultipleChoiceField(
        label="Organisations that may apply", required=False, choices=Organisation.Kind.choices,
        widget=forms.SelectMultiple(attrs={"class": "govuk-select seedbed-multi"}),
        help_text="Leave empty to accept any kind of organisation.",
    )
    individuals_may_apply = forms.ChoiceField(label="May individuals apply?", choices=YES_NO)
    needs = RecordsChoiceField(
        label="Voices needs or ideas this call answers (optional)", required=False, queryset=Contribution.objects.none(),
        widget=forms.SelectMultiple(attrs={"class": "govuk-select seedbed-multi"}),
        help_text="For a challenge: the needs it answers. Their submitters will see what the need became.",
    )
    theme = forms.ModelChoiceField(label="Voices theme this call answers (optional)", required=False,
                                   queryset=Theme.objects.none(), empty_label="None")
    publish_now = forms.ChoiceField(
        label="Publish it now?", choices=[("no", "No, keep it as a draft to add questions, criteria and stages"),
                                          ("yes", "Yes, publish it now with the standard questions and criteria")],
        help_text="Publishing now opens the call to applications at once; stages and the panel can be added afterwards.")

    def __init__(self, *args: Any, funds: Any, one_step: bool = False, **kwargs: Any) -> None:
        self._funds = funds
        self._one_step = one_step
        super().__init__(*args, **kwargs)

    def prepare(self) -> None:
        self.fields["fund"].queryset = self._funds  # type: ignore[attr-defined]
        if not self._one_step:  # publishing in one step is offered when a theme becomes a challenge
            del self.fields["publish_now"]
        if "needs" in self.fields:
            self.fields["needs"].queryset = selectors.call_need_choices()  # type: ignore[attr-defined]
            self.fields["theme"].queryset = Theme.objects.order_by("-run__created_at", "position")  # type: ignore[attr-defined]


class StageForm(Base):
    kind = forms.ChoiceField(label="Stage", choices=Stage.Kind.choices)
    starts_on = forms.DateField(label="Starts on", help_text="For example, 2027-03-01",
                                widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="Ends on", widget=forms.DateInput(attrs={"type": "date"}))


class QuestionForm(Base):
    text = forms.CharField(label="Question", max_length=300)
    max_words = forms.IntegerField(label="Word limit", min_value=1, initial=150)


class CriterionForm(Base):
    name = forms.CharField(label="Criterion", max_length=200)
    weight = forms.IntegerField(label="Weight", min_value=1, initial=1)
    max_score = forms.IntegerField(label="Top score", min_value=1, initial=5)


class PanelForm(Base):
    user = forms.ModelChoiceField(queryset=User.objects.none(), label="Person", empty_label=None)
    is_chair = forms.ChoiceField(label="Chair of the panel?", choices=YES_NO)

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        self._people = people
        super().__init__(*args, **kwargs)

    def prepare(self) -> None:
        self.fields["user"].queryset = self._people  # type: ignore[attr-defined]


class ApplicationStartForm(Base):
    applying_as = forms.ChoiceField(label="Applying for")
    title = forms.CharField(label="Project title", max_length=200)
    amount = forms.DecimalField(label="Amount requested (£)", max_digits=14, decimal_places=2, min_value=0)
    answers_contribution = forms.ModelChoiceField(label="The need or idea it answers (optional)", required=False,
                                                  queryset=Contribution.objects.none(), empty_label="None")

    def __init__(self, *args: Any, choices: list[tuple[str, str]], contributions: Any, **kwargs: Any) -> None:
        self._choices = choices
        self._contributions = contributions
        super().__init__(*args, **kwargs)

    def prepare(self) -> None:
        self.fields["applying_as"].choices = self._choices  # type: ignore[attr-defined]
        self.fields["answers_contribution"].queryset = self._contributions  # type: ignore[attr-defined]


BUDGET_ROWS = 4


class ApplicationForm(Base):
    """The draft: title, summary, amount, one box per question and a few budget lines."""

    title = forms.CharField(label="Project title", max_length=200)
    summary = forms.CharField(label="Summary", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    amount = forms.DecimalField(label="Amount requested (£)", max_digits=14, decimal_places=2, min_value=0)

    @classmethod
    def for_questions(cls, questions: list[Question]) -> type[ApplicationForm]:
        """A form class with one box per question (built before the GOV.UK mixin styles it)."""
        fields: dict[str, Any] = {}
        for q in questions:
            fields[f"answer_{q.pk}"] = forms.CharField(
                label=q.text, required=False, help_text=f"Up to {q.max_words} words.",
                widget=forms.Textarea(attrs={"rows": 5}),
            )
        for i in range(1, BUDGET_ROWS + 1):
            fields[f"line_{i}_item"] = forms.CharField(label=f"Budget line {i}: item", required=False, max_length=200)
            fields[f"line_{i}_amount"] = forms.DecimalField(label=f"Budget line {i}: amount (£)", required=False, max_digits=14, decimal_places=2, min_value=0)
        return type("ApplicationFormForCall", (cls,), fields)

    def answers(self, questions: list[Question]) -> dict[int, str]:
        return {q.pk: self.cleaned_data.get(f"answer_{q.pk}", "") for q in questions}

    def budget_lines(self) -> list[tuple[str, Any]]:
        lines = []
        for i in range(1, BUDGET_ROWS + 1):
            item = self.cleaned_data.get(f"line_{i}_item") or ""
            amount = self.cleaned_data.get(f"line_{i}_amount")
            if item.strip() and amount is not None:
                lines.append((item, amount))
        return lines


class ConflictForm(Base):
    has_conflict = forms.ChoiceField(label="Do you have a conflict of interest with this applicant?", choices=YES_NO,
                                     help_text="For example, you work for them, are related to someone there, or advise them.")
    detail = forms.CharField(label="What is the conflict? (if any)", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ScoreForm(Base):
    comment = forms.CharField(label="Comment", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(label="Reason for changing a score after the decision (if any)", required=False, max_length=500)

    @classmethod
    def for_criteria(cls, criteria: list[Criterion]) -> type[ScoreForm]:
        fields: dict[str, Any] = {
            f"criterion_{c.pk}": forms.TypedChoiceField(
                label=f"{c.name} (weight {c.weight})", coerce=int, help_text=f"0 to {c.max_score}",
                choices=[("", "Choose a score")] + [(str(v), str(v)) for v in range(c.max_score + 1)],
                error_messages={"required": "Score every criterion"},
            )
            for c in criteria
        }
        fields["field_order"] = [*fields, "comment", "reason"]
        return type("ScoreFormForCall", (cls,), fields)

    def scores(self, criteria: list[Criterion]) -> dict[int, int]:
        return {c.pk: self.cleaned_data[f"criterion_{c.pk}"] for c in criteria
                if self.cleaned_data.get(f"criterion_{c.pk}") is not None}


class ConflictDecisionForm(Base):
    decision = forms.ChoiceField(label="Decision", choices=[
        ("waive", "Waive: they may review"), ("recuse", "Recuse: they do not review"),
        ("withdraw", "Withdraw: declared in error (a funding manager other than the declarer)")])
    reason = forms.CharField(label="Reason (needed to waive or withdraw)", required=False, max_length=500)


class AwardExceptionForm(Base):
    """A second funding manager's approval to award more than was asked for or the call's maximum."""

    amount = forms.DecimalField(label="Most that may be awarded (£)", max_digits=14, decimal_places=2, min_value=0)
    reason = forms.CharField(label="Reason for the exception", max_length=500)


class ModerationForm(Base):
    outcome = forms.ChoiceField(label="Moderation", choices=[("kept", "Keep the score"), ("adjusted", "Adjusted after discussion")])
    reason = forms.CharField(label="Reason", max_length=500)


class DecisionForm(Base):
    """The decision on an application; when funded, where the innovation it funds goes in the
    portfolio (service area and type; the service area is chosen from the fund if left empty)."""

    outcome = forms.ChoiceField(label="Decision", choices=Decision.Outcome.choices)
    amount = forms.DecimalField(label="Amount awarded (£)", required=False, max_digits=14, decimal_places=2, min_value=0,
                                help_text="Leave empty to award the amount asked for.")
    conditions = forms.CharField(label="Conditions of the award", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    public_reason = forms.CharField(label="Reason (published)", widget=forms.Textarea(attrs={"rows": 2}))
    service_area = forms.ModelChoiceField(label="Portfolio service area (if funded)", required=False,
                                          queryset=ServiceArea.objects.none(), empty_label="Chosen from the fund")
    typology = forms.ChoiceField(label="Type of innovation (if funded)", choices=Typology.choices, initial="service",
                                 required=False)

    def prepare(self) -> None:
        self.fields["service_area"].queryset = ServiceArea.objects.order_by("name")  # type: ignore[attr-defined]


class PitchOrderForm(Base):
    order = forms.CharField(label="Running order",
                            help_text="Application references in pitching order, separated by commas, e.g. APP-0002, APP-0001")

    def application_ids(self) -> list[int]:
        ids = []
        for part in self.cleaned_data["order"].replace(";", ",").split(","):
            digits = part.strip().upper().removeprefix("APP-")
            application_id = id_from_text(digits)
            if application_id is None:
                raise ValidationProblem({"order": f"{part.strip()!r} is not an application reference"})
            ids.append(application_id)
        return ids


class RespondForm(Base):
    response = forms.ChoiceField(label="Your answer", choices=[("accept", "I accept the award and its conditions"), ("decline", "I decline the award")])


class InstalmentForm(Base):
    amount = forms.DecimalField(label="Instalment amount (£)", max_digits=14, decimal_places=2, min_value=0)
    due_on = forms.DateField(label="Due on (optional)", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    milestone = forms.CharField(label="Or due on a milestone", required=False, max_length=200)


class PaymentForm(Base):
    amount = forms.DecimalField(label="Amount paid (£)", max_digits=14, decimal_places=2, min_value=0)
    paid_on = forms.DateField(label="Paid on", widget=forms.DateInput(attrs={"type": "date"}))


class ReportRequestForm(Base):
    kind = forms.ChoiceField(label="Report", choices=Report.Kind.choices)
    due_on = forms.DateField(label="Due on", widget=forms.DateInput(attrs={"type": "date"}))


class ReportReceiveForm(Base):
    summary = forms.CharField(label="Summary of the report", widget=forms.Textarea(attrs={"rows": 3}))


class ClawbackForm(Base):
    amount = forms.DecimalField(label="Amount recovered (£)", max_digits=14, decimal_places=2, min_value=0)
    reason = forms.CharField(label="Reason", max_length=500)


class PbRoundForm(Base):
    fund = forms.ModelChoiceField(queryset=Fund.objects.none(), label="Fund", empty_label=None)
    title = forms.CharField(label="Title", max_length=200)
    summary = forms.CharField(label="Summary", widget=forms.Textarea(attrs={"rows": 3}))
    budget = forms.DecimalField(label="Budget (£)", max_digits=14, decimal_places=2, min_value=0)
    ballot_kind = forms.ChoiceField(label="Ballot", choices=PbRound.Ballot.choices)
    min_choices = forms.IntegerField(label="Fewest projects a voter chooses", min_value=1, initial=1)
    max_choices = forms.IntegerField(label="Most projects a voter chooses", min_value=1, initial=3)
    points = forms.IntegerField(label="Points each voter shares out (cumulative ballots)", min_value=1, initial=10)
    rule = forms.ChoiceField(label="Counting rule", choices=PB_RULES, help_text="Fixed when voting opens.")

    def __init__(self, *args: Any, funds: Any, **kwargs: Any) -> None:
        self._funds = funds
        super().__init__(*args, **kwargs)

    def prepare(self) -> None:
        self.fields["fund"].queryset = self._funds  # type: ignore[attr-defined]


class PbProjectForm(Base):
    title = forms.CharField(label="Project", max_length=200)
    description = forms.CharField(label="Description", widget=forms.Textarea(attrs={"rows": 3}))
    cost = forms.DecimalField(label="Cost (£)", max_digits=14, decimal_places=2, min_value=0)
    idea = forms.ModelChoiceField(label="Voices idea it came from (optional)", required=False, queryset=Idea.objects.none(),
                                  empty_label="None")

    def prepare(self) -> None:
        self.fields["idea"].queryset = Idea.objects.filter(hidden=False).order_by("title")  # type: ignore[attr-defined]


class PbCheckForm(Base):
    feasible = forms.ChoiceField(label="Feasible?", choices=[("yes", "Feasible"), ("no", "Not feasible")])
    note = forms.CharField(label="What was checked", max_length=500)


class PbOpenForm(Base):
    rule = forms.ChoiceField(label="Counting rule (fixed from now on)", choices=PB_RULES)


class PaperBallotForm(Base):
    ballot_number = forms.CharField(label="Ballot number", max_length=40,
                                    help_text="The number printed on the ballot paper, like 7K3QM-9XCTA.")
    register_reference = forms.CharField(label="Voter's register reference", max_length=60,
                                         help_text="From the council's register, checked when the voter was given the ballot.")


class BallotNumbersIssueForm(Base):
    count = forms.IntegerField(label="How many ballot numbers to issue", min_value=1, max_value=2000,
                               help_text="One for each ballot paper you will print, up to 2,000 at a time.")


class PbOfficerForm(Base):
    """Council staff and partners (never a provider's or community group's people) other than
    the manager assigning (a manager never names themselves)."""

    user = forms.ModelChoiceField(label="Person", queryset=User.objects.none(), empty_label="Choose a person")

    def __init__(self, *args: Any, manager: Any = None, **kwargs: Any) -> None:
        self._manager_id = getattr(manager, "pk", None)
        super().__init__(*args, **kwargs)

    def prepare(self) -> None:
        people = council_staff_users()
        if self._manager_id is not None:
            people = people.exclude(pk=self._manager_id)
        self.fields["user"].queryset = people.order_by("display_name", "username")  # type: ignore[attr-defined]


class PbElectorForm(Base):
    email = forms.EmailField(label="Resident's email address", max_length=254)
    register_reference = forms.CharField(label="Register reference", max_length=60,
                                         help_text="As it appears on the council's register you checked the resident against.")
