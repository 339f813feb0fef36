"""Forms for Voices, rendered in the GOV.UK pattern. Services re-check everything."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib.contenttypes.models import ContentType

from seedbed.core.forms import GovUKWidgetsMixin
from seedbed.participation.models import (
    COMMENT_MAX,
    REASON_MAX,
    SHORT_TEXT_MAX,
    TEXT_MAX,
    TITLE_MAX,
    EfficiencyTag,
    Frequency,
    Status,
)
from seedbed.participation.rules import ERROR_EMAIL_EMPTY, ERROR_EMAIL_INVALID
from seedbed.participation.selectors import challenge_choices, merge_choices, need_choices

ERROR_HONEYPOT = "Your message could not be sent. Leave the last field empty and try again."
ERROR_LONG = "This must be {limit_value} characters or fewer (you entered {show_value})"
ERROR_POINT = "Enter a number, for example 52.4100"
OUTCOME_APPS = ("funding", "trials", "portfolio", "library")


def long(message_required: str) -> dict[str, str]:
    return {"required": message_required, "max_length": ERROR_LONG.replace("{", "%(").replace("}", ")s")}


class HoneypotMixin(forms.Form):
    # Hidden from people (and assistive technology) with the ``hidden`` attribute; bots that
    # fill every field fill this one.
    website = forms.CharField(required=False, label="Leave this field empty")

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(ERROR_HONEYPOT)
        return ""


class ContributionForm(GovUKWidgetsMixin, HoneypotMixin, forms.Form):
    """What needs and ideas share; ``NeedForm`` and ``IdeaForm`` add their own fields."""

    kind = ""
    title = forms.CharField(label="Title", max_length=TITLE_MAX,
                            error_messages=long("Enter a short title"))
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=TEXT_MAX,
                           error_messages=long("Describe it"))
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    email = forms.EmailField(
        label="Your email address", max_length=254,
        help_text=("We will email you a link. What you send is published only after you follow "
                   "it, and we will tell you at this address when its status changes. We do not "
                   "publish your address."),
        error_messages={"required": ERROR_EMAIL_EMPTY, "invalid": ERROR_EMAIL_INVALID,
                        "max_length": ERROR_EMAIL_INVALID},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, with_email: bool = False, **kwargs: Any) -> None:
        """``with_email``: ask for an address (someone who has not signed in)."""
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("idempotency_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        if not with_email:
            del self.fields["email"]
        elif self.data.get("action") == "check":
            self.fields["email"].required = False  # checking for similar ones needs no address
        # Keep the honeypot last.
        self.fields["website"] = self.fields.pop("website")
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        # Validation waits for ``is_valid()`` (subclasses still set querysets after this);
        # ``GovUKWidgetsMixin.full_clean`` then marks fields in error.
        self.fields["body"].widget.attrs["class"] = "govuk-textarea"

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("website", None)
        return data


POINT_ERRORS = {"invalid": ERROR_POINT, "max_digits": ERROR_POINT,
                "max_decimal_places": ERROR_POINT, "max_whole_digits": ERROR_POINT}


class NeedForm(ContributionForm):
    kind = "need"
    title = forms.CharField(label="Title", max_length=TITLE_MAX,
                            help_text="For example, 'No safe place to cross near the school'.",
                            error_messages=long("Enter a short title"))
    body = forms.CharField(label="What is the problem?", widget=forms.Textarea(attrs={"rows": 5}),
                           max_length=TEXT_MAX,
                           help_text="Describe what happens and why it matters. Do not include anyone's name.",
                           error_messages=long("Describe the need"))
    who_affected = forms.CharField(label="Who is affected? (optional)", required=False,
                                   max_length=SHORT_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}),
                                   error_messages=long(""))
    how_often = forms.ChoiceField(label="How often does it happen? (optional)", required=False,
                                  choices=Frequency.choices)
    area_name = forms.CharField(label="Where? (optional)", required=False, max_length=150,
                                help_text="A street, estate or neighbourhood.", error_messages=long(""))
    latitude = forms.DecimalField(label="Latitude of a map point (optional)", required=False,
                                  max_digits=9, decimal_places=6, help_text="For example, 52.4100",
                                  widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                                  error_messages=POINT_ERRORS)
    longitude = forms.DecimalField(label="Longitude of a map point (optional)", required=False,
                                   max_digits=9, decimal_places=6, help_text="For example, -1.9650",
                                   widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                                   error_messages=POINT_ERRORS)


class IdeaForm(ContributionForm):
    kind = "idea"
    title = forms.CharField(label="Title", max_length=TITLE_MAX,
                            help_text="For example, 'Walking bus from the estate to school'.",
                            error_messages=long("Enter a short title"))
    body = forms.CharField(label="What is your idea?", widget=forms.Textarea(attrs={"rows": 5}),
                           max_length=TEXT_MAX, help_text="What would change, and who would it help?",
                           error_messages=long("Describe your idea"))
    answers_need = forms.ModelChoiceField(label="Which need does it answer? (optional)",
                                          required=False, queryset=need_choices(),
                                          empty_label="None in particular")
    answers_call: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Which challenge does it answer? (optional)", required=False, queryset=None,
        empty_label="None", help_text="Challenges the council has opened for ideas.",
        error_messages={"invalid_choice": "Choose an open challenge from the list"},
    )
    efficiency_tags = forms.MultipleChoiceField(label="What makes it different? (optional)",
                                                required=False, choices=EfficiencyTag.choices,
                                                widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["answers_call"].queryset = challenge_choices()  # type: ignore[attr-defined]


class CommentForm(GovUKWidgetsMixin, HoneypotMixin, forms.Form):
    text = forms.CharField(label="Your comment", max_length=COMMENT_MAX,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages=long("Enter a comment"))
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReportForm(GovUKWidgetsMixin, forms.Form):
    report_reason = forms.CharField(label="What is wrong with it?", max_length=REASON_MAX,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="For example, it names someone or it is abusive.",
                             error_messages=long("Tell us what is wrong with it"))
    report_comment = forms.IntegerField(required=False, widget=forms.HiddenInput)


class StatusForm(GovUKWidgetsMixin, forms.Form):
    status = forms.ChoiceField(
        label="New status",
        choices=[(v, label) for v, label in Status.choices if v != Status.MERGED],
    )
    note = forms.CharField(label="Reason or note (needed when not taken forward)", required=False,
                             max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages=long(""))
    outcome_label = forms.CharField(label="Taken forward as", required=False, max_length=200,
                                    help_text="For example, 'Safer school streets challenge'.",
                                    error_messages=long(""))
    outcome_url = forms.CharField(label="Link to it on this site (optional)", required=False,
                                  max_length=300, help_text="For example, /funding/calls/3/",
                                  error_messages=long(""))
    outcome_type = forms.ModelChoiceField(
        label="Kind of record (optional)", required=False, empty_label="Not linked",
        queryset=ContentType.objects.filter(app_label__in=OUTCOME_APPS).order_by("app_label", "model"),
    )
    outcome_id = forms.IntegerField(label="Record number (optional)", required=False, min_value=1)


class MergeForm(GovUKWidgetsMixin, forms.Form):
    into = forms.ModelChoiceField(label="Merge into", queryset=merge_choices(),
                                  error_messages={"required": "Choose the one to merge into"})


class HideForm(GovUKWidgetsMixin, forms.Form):
    hide_reason = forms.CharField(label="Reason for hiding", max_length=REASON_MAX,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages=long("Give the reason for hiding it"))
    hide_comment = forms.IntegerField(required=False, widget=forms.HiddenInput)


class AccountDeleteForm(GovUKWidgetsMixin, forms.Form):
    confirm = forms.BooleanField(
        label="I understand my account will be closed and cannot be opened again",
        error_messages={"required": "Confirm that you want to close your account"},
    )


class SimilarCheckForm(forms.Form):
    text = forms.CharField(required=False, max_length=2000)


class EmailAccessForm(GovUKWidgetsMixin, HoneypotMixin, forms.Form):
    """Ask for a link to see what an email address has sent."""

    access_email = forms.EmailField(
        label="Email address", max_length=254,
        help_text="The address you gave when you sent a need or idea without signing in.",
        error_messages={"required": "Enter the email address you used",
                        "invalid": ERROR_EMAIL_INVALID, "max_length": ERROR_EMAIL_INVALID},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


class EmailEraseForm(GovUKWidgetsMixin, forms.Form):
    erase_confirm = forms.BooleanField(
        label="Delete my email address and anything not yet published",
        error_messages={"required": "Confirm that you want to delete your data"},
    )
