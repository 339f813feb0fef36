"""Who may change what: the table the POST walk (test_post_walk.py) checks, URL by URL.

Pages with a form are in the GET access table (tests/core/access_table.py and
tests/<app>/access_rules.py); whoever may open such a page may also send its form, unless
``POST_OVERRIDES`` says otherwise. URLs that only take POST (one-click actions) are listed in
``POST_RULES`` with the personas who may use them. Files and JSON that only answer GET are in
``READ_ONLY``: nobody may change anything through them. A URL in none of these makes the walk
fail, so a new action cannot ship without saying who may use it.

Each rule is ``name -> (roles allowed, kwargs builder)``; the builder takes the demo world.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ROLES = ("anonymous", "resident", "frontline", "lead", "panel", "analyst", "safety", "admin", "provider")
SIGNED_IN = frozenset(ROLES) - {"anonymous"}
EVERYONE = frozenset(ROLES)
NOBODY: frozenset[str] = frozenset()
FUNDING_MANAGERS = frozenset({"lead", "admin"})
VOICES_HANDLERS = frozenset({"lead", "admin"})
LIBRARY_EDITORS = frozenset({"lead", "analyst", "admin"})
PORTFOLIO_MANAGERS = frozenset({"lead", "admin"})
EVALUATION_MANAGERS = frozenset({"lead", "analyst", "admin"})

Kwargs = Callable[[dict[str, Any]], dict[str, Any]]


# --- the demo records each URL acts on -----------------------------------------------------


def _registered_evaluation(w: dict[str, Any]) -> dict[str, Any]:
    from tests.evaluations.access_rules import _registered

    return _registered(w)


def _micro() -> Any:
    from seedbed.demo.funding import MICRO_TITLE
    from seedbed.funding.models import Call

    return Call.objects.get(title=MICRO_TITLE)


def _challenge() -> Any:
    from seedbed.demo.funding import CHALLENGE_TITLE
    from seedbed.funding.models import Call

    return Call.objects.get(title=CHALLENGE_TITLE)


def _provider_application() -> Any:
    return _micro().applications.get(title="Family breakfast club")


def _call(w: dict[str, Any]) -> dict[str, Any]:
    return {"call_id": _micro().pk}


def _call_application(w: dict[str, Any]) -> dict[str, Any]:
    application = _provider_application()
    return {"call_id": application.call_id, "application_id": application.pk}


def _conflict(w: dict[str, Any]) -> dict[str, Any]:
    from seedbed.funding.models import Conflict

    conflict = Conflict.objects.filter(application=_provider_application()).order_by("pk").first()
    return {"call_id": _micro().pk, "conflict_id": conflict.pk}


def _review(w: dict[str, Any]) -> dict[str, Any]:
    from seedbed.funding.models import Review

    review = Review.objects.filter(application=_provider_application()).order_by("pk").first()
    return {"call_id": _micro().pk, "review_id": review.pk}


def _slot(w: dict[str, Any]) -> dict[str, Any]:
    application = _provider_application()
    return {"call_id": application.call_id, "slot_id": application.pitch_slot.pk}


def _application(w: dict[str, Any]) -> dict[str, Any]:
    return {"application_id": _provider_application().pk}


def _award(w: dict[str, Any]) -> dict[str, Any]:
    return {"award_id": _provider_application().award.pk}


def _award_report(w: dict[str, Any]) -> dict[str, Any]:
    award = _provider_application().award
    return {"award_id": award.pk, "report_id": award.reports.order_by("pk").first().pk}


def _round_obj() -> Any:
    from seedbed.funding.models import PbRound

    return PbRound.objects.get()


def _round(w: dict[str, Any]) -> dict[str, Any]:
    return {"round_id": _round_obj().pk}


def _round_project(w: dict[str, Any]) -> dict[str, Any]:
    pb_round = _round_obj()
    return {"round_id": pb_round.pk, "project_id": pb_round.projects.order_by("pk").first().pk}


def _round_officer(w: dict[str, Any]) -> dict[str, Any]:
    pb_round = _round_obj()
    return {"round_id": pb_round.pk, "officer_id": pb_round.officers.order_by("pk").first().pk}


def _contribution(w: dict[str, Any]) -> dict[str, Any]:
    from seedbed.participation.models import Contribution

    return {"contribution_id": Contribution.objects.get(title="No safe place to cross near Northfield Primary").pk}


def _voices_report(w: dict[str, Any]) -> dict[str, Any]:
    from seedbed.participation.models import Report

    return {"report_id": Report.objects.order_by("pk").first().pk}


def _case(w: dict[str, Any]) -> dict[str, Any]:
    from seedbed.library.models import Case

    return {"case_id": Case.objects.get(title="Attendance mentors in eight primary schools").pk}


def _innovation(w: dict[str, Any]) -> dict[str, Any]:
    from seedbed.portfolio.models import Innovation

    return {"innovation_id": Innovation.objects.get(title="Family group conferencing at first contact").pk}


def _running_trial(w: dict[str, Any]) -> dict[str, Any]:
    from seedbed.trials.models import Trial

    return {"trial_id": Trial.objects.get(title="Weekly family-support calls").pk}


def _safety_event(w: dict[str, Any]) -> dict[str, Any]:
    from seedbed.trials.models import SafetyEvent

    return {"event_id": SafetyEvent.objects.order_by("pk").first().pk}


def _case_attachment(w: dict[str, Any]) -> dict[str, Any]:
    """A file attached to a published case (made here: the demo attaches none)."""
    from django.core.files.base import ContentFile

    from seedbed.library.models import Attachment, Case

    case = Case.objects.get(title="Attendance mentors in eight primary schools")
    attachment = Attachment.objects.filter(case=case).first()
    if attachment is None:
        attachment = Attachment(case=case, title="Walk attachment", filename="walk.csv",
                                content_type="text/csv", size=4)
        attachment.file.save("walk.csv", ContentFile(b"a,b\n"), save=True)
    return {"attachment_id": attachment.pk}


def _api_token(w: dict[str, Any]) -> dict[str, Any]:
    """The demo analyst's API token (made here: the demo issues none)."""
    from seedbed.accounts.models import ApiToken
    from seedbed.accounts.services import api_token_issue

    analyst = w["users"]["analyst"]
    token = ApiToken.objects.filter(user=analyst).first() or api_token_issue(user=analyst, name="walk")[0]
    return {"token_id": token.pk}


def _token(w: dict[str, Any]) -> dict[str, Any]:
    return {"token": "not-a-real-link-token"}


def _safety_event_body(w: dict[str, Any]) -> dict[str, Any]:
    from seedbed.trials.models import HarmOutcome, Trial

    trial = Trial.objects.get(title="Weekly family-support calls")
    unit = trial.participants.order_by("pk").first()
    return {"unit_ref": unit.unit_ref if unit else "WALK-0001", "harm_outcome_id": HarmOutcome.objects.filter(trial=trial).first().pk,
            "severity": "serious", "description": "Walk: a safety event", "occurred_on": "2026-06-01"}


def _analysed_evaluation(w: dict[str, Any]) -> dict[str, Any]:
    from tests.evaluations.access_rules import _analysed

    return _analysed(w)


# --- one-click actions (POST only) ---------------------------------------------------------

POST_RULES: dict[str, tuple[frozenset[str], Kwargs]] = {
    "accounts:logout": (EVERYONE, lambda w: {}),
    # A token's owner revokes it; an administrator may revoke anyone's.
    "accounts:api_token_revoke": (frozenset({"analyst", "admin"}), _api_token),
    # Voices: any signed-in person may support, follow, comment on and report what they can see.
    "participation:support": (SIGNED_IN, _contribution),
    "participation:follow": (SIGNED_IN, _contribution),
    "participation:comment": (SIGNED_IN, _contribution),
    "participation:report": (SIGNED_IN, _contribution),
    "participation:status_set": (VOICES_HANDLERS, _contribution),
    "participation:merge": (VOICES_HANDLERS, _contribution),
    "participation:hide": (VOICES_HANDLERS, _contribution),
    "participation:report_dismiss": (VOICES_HANDLERS, _voices_report),
    "participation:themes_refresh": (VOICES_HANDLERS, lambda w: {}),
    # Emailed links: anyone holding the link; a made-up token must change nothing.
    "participation:email_confirm": (EVERYONE, _token),
    "participation:email_access": (EVERYONE, _token),
    "participation:email_data_erase": (EVERYONE, lambda w: {}),
    # Funding: setting a call up is for funding managers; chair actions for managers and the
    # call's chair (the demo lead chairs the micro-grant panel).
    **{f"funding:{name}": (FUNDING_MANAGERS, _call) for name in (
        "call_stage_add", "call_question_add", "call_criterion_add", "call_panel_add", "call_publish",
        "call_close", "pitch_order")},
    "funding:pitch_slot_status": (FUNDING_MANAGERS, _slot),
    "funding:conflict_decide": (FUNDING_MANAGERS, _conflict),
    "funding:review_moderate": (FUNDING_MANAGERS, _review),
    "funding:decision_make": (FUNDING_MANAGERS, _call_application),
    "funding:award_exception": (FUNDING_MANAGERS, _call_application),
    # The applicant's organisation (the provider) submits; managers may too.
    "funding:application_submit": (frozenset({"provider"}) | FUNDING_MANAGERS, _application),
    # Only the applicant answers the award offer.
    "funding:award_respond": (frozenset({"provider"}), _award),
    **{f"funding:{name}": (FUNDING_MANAGERS, _award) for name in (
        "award_instalment", "award_payment", "award_report", "award_clawback")},
    "funding:report_receive": (FUNDING_MANAGERS, _award_report),
    "funding:pb_project_add": (FUNDING_MANAGERS, _round),
    "funding:pb_project_check": (FUNDING_MANAGERS, _round_project),
    "funding:pb_voting_open": (FUNDING_MANAGERS, _round),
    "funding:pb_count": (FUNDING_MANAGERS, _round),
    "funding:pb_numbers_issue": (FUNDING_MANAGERS, _round),
    "funding:pb_officer_assign": (FUNDING_MANAGERS, _round),
    "funding:pb_officer_withdraw": (FUNDING_MANAGERS, _round_officer),
    # Trials: the trial's safety lead reviews safety events; frontline staff of the trial's
    # organisation enrol and report through the API.
    "trials:event_review": (frozenset({"safety"}), _safety_event),
    "api:trial_enrol": (frozenset({"frontline"}), _running_trial),
    "api:trial_safety_event": (frozenset({"frontline"}), _running_trial),
    "library:case_publish": (LIBRARY_EDITORS, _case),
    # Evaluations: leads, analysts and administrators publish an analysed evaluation's report.
    "evaluations:report_publish": (EVALUATION_MANAGERS, _analysed_evaluation),
    "portfolio:spend_record": (PORTFOLIO_MANAGERS, _innovation),
    "portfolio:risks_roll_up": (PORTFOLIO_MANAGERS, _innovation),
    # Evaluations: those who may change an evaluation run its registered analysis.
    "evaluations:evaluation_analyse": (EVALUATION_MANAGERS, _registered_evaluation),
}

# JSON bodies for API actions (the API checks a body's shape before its gatekeeper runs, so a
# refused persona must send a well-formed one to reach the gate); other API actions get ``{}``.
API_BODIES: dict[str, Kwargs] = {
    "api:trial_enrol": lambda w: {"unit_ref": "WALK-0001"},
    "api:trial_safety_event": _safety_event_body,
}

# Pages in the GET access table whose form has a different audience from the page.
POST_OVERRIDES: dict[str, frozenset[str]] = {
    # Anyone may try to sign in (a signed-in person is sent on).
    "accounts:login": EVERYONE,
    # A redirect answers every method the same way.
    "api-home": EVERYONE,
}

# Files and JSON that answer GET only, with the arguments to reach them.
READ_ONLY: dict[str, Kwargs] = {
    "participation:export_csv": lambda w: {},
    "participation:export_json": lambda w: {},
    "participation:export_csv_metadata": lambda w: {},
    "participation:your_data_download": lambda w: {},
    "participation:email_data_download": lambda w: {},
    "api:voices_similar": lambda w: {},
    "funding:pb_export": _round,
    "funding:grants_360_json": lambda w: {},
    "funding:grants_360_csv": lambda w: {},
    "funding:grants_transparency_csv": lambda w: {},
    "api:funding_award": _award,
    "api:funding_pb_result": _round,
    "api:funding_grants": lambda w: {},
    "api:trials_registry": lambda w: {},
    "api:trial_registry_entry": _running_trial,
    "api:trial_registration": _running_trial,
    "api:portfolio_innovations": lambda w: {},
    "api:portfolio_innovation": _innovation,
    "api:library_cases": lambda w: {},
    "api:library_case": lambda w: {"case_id": _case(w)["case_id"]},
    "library:export_json": lambda w: {},
    "library:export_csv": lambda w: {},
    "library:export_metadata": lambda w: {},
    "library:attachment_download": _case_attachment,
}

# URL names the walk cannot reach, with the reason.
NOT_WALKED = {
    "api:api-root": "shadowed by api-home (/api/ redirects to the API documentation)",
}

# URLs that answer every method as they answer GET (nothing is changed: the walk still checks
# that), with the reason.
ANY_METHOD = {
    "accounts:login": "Django's sign-in view treats PUT as POST; a PUT body is never read as a form",
    "api-home": "a redirect to the API documentation",
    "api:openapi-json": "django-ninja's schema view answers any method",
    "api:openapi-view": "django-ninja's documentation page answers any method",
}

# Actions too slow to run for every persona allowed them in the fast walk (refusals are still
# walked; the allowed persona is tried once in a ``slow`` test).
SLOW_ACTIONS = {
    "participation:themes_refresh": "recomputes every theme from all needs (about 15 s)",
}
