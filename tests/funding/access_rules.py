"""Who may open which funding page (merged into tests/core/access_table.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

LOGIN = "login"
ROLES = ("anonymous", "resident", "frontline", "lead", "panel", "analyst", "safety", "admin", "provider")


def only(*allowed: str) -> dict[str, int | str]:
    """Signed-in personas in ``allowed`` get 200, others 403; anonymous is sent to sign in."""
    return {r: LOGIN if r == "anonymous" else (200 if r in allowed else 403) for r in ROLES}


MANAGERS = only("lead", "admin")
# Council staff and partners; the provider's frontline worker is external (docs/access.md).
COUNCIL_STAFF = only("frontline", "lead", "panel", "analyst", "safety", "admin")


def _micro(w: dict[str, Any]) -> Any:
    from seedbed.demo.funding import MICRO_TITLE
    from seedbed.funding.models import Call

    return Call.objects.get(title=MICRO_TITLE)


def _challenge(w: dict[str, Any]) -> Any:
    from seedbed.demo.funding import CHALLENGE_TITLE
    from seedbed.funding.models import Call

    return Call.objects.get(title=CHALLENGE_TITLE)


def _provider_application(w: dict[str, Any]) -> Any:
    return _micro(w).applications.get(title="Family breakfast club")


def _resident_award(w: dict[str, Any]) -> dict[str, int]:
    """Another recipient's award (a resident's street-play grant): not the provider's."""
    return {"award_id": _micro(w).applications.get(title="Street play Saturdays").award.pk}


def _round(w: dict[str, Any]) -> Any:
    from seedbed.funding.models import PbRound

    return PbRound.objects.get()


def _fund(w: dict[str, Any]) -> Any:
    from seedbed.funding.models import Fund

    return Fund.objects.get()


def _slot(w: dict[str, Any]) -> dict[str, int]:
    application = _provider_application(w)
    return {"call_id": application.call_id, "slot_id": application.pitch_slot.pk}


ACCESS_RULES: dict[str, tuple[Any, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "funding:index": ("public", lambda w: {}),
    # Fund ledgers show every recipient's money: council staff only, never a provider.
    "funding:fund_list": (COUNCIL_STAFF, lambda w: {}),
    "funding:fund_detail": (COUNCIL_STAFF, lambda w: {"fund_id": _fund(w).pk}),
    "funding:fund_create": (MANAGERS, lambda w: {}),
    "funding:fund_edit": (MANAGERS, lambda w: {"fund_id": _fund(w).pk}),
    "funding:call_create": (MANAGERS, lambda w: {}),
    "funding:call_detail": ("public", lambda w: {"call_id": _micro(w).pk}),
    "funding:call_manage": (MANAGERS, lambda w: {"call_id": _micro(w).pk}),
    "funding:application_start": ("signed_in", lambda w: {"call_id": _challenge(w).pk}),
    "funding:my_applications": ("signed_in", lambda w: {}),
    "funding:application_detail": (only("provider", "lead", "admin"), lambda w: {"application_id": _provider_application(w).pk}),
    "funding:panel_queue": ("signed_in", lambda w: {}),
    "funding:conflict_declare": (only("panel", "lead"), lambda w: {"application_id": _provider_application(w).pk}),
    "funding:review_score": (only("panel", "lead"), lambda w: {"application_id": _provider_application(w).pk}),
    "funding:call_reviews": (MANAGERS, lambda w: {"call_id": _micro(w).pk}),
    "funding:pitch_board": (MANAGERS, lambda w: {"call_id": _micro(w).pk}),
    "funding:pitch_score": (only("panel", "lead"), _slot),
    # An award page (payments, clawbacks): council staff and its recipient. Walked on the
    # resident's award, so the provider is refused another recipient's; the letter is walked on
    # the provider's own award, which its frontline worker may read.
    "funding:award_detail": (only("frontline", "lead", "panel", "analyst", "safety", "admin", "resident"), _resident_award),
    "funding:award_letter": (only("frontline", "lead", "panel", "analyst", "safety", "admin", "provider"),
                             lambda w: {"award_id": _provider_application(w).award.pk}),
    "funding:pb_round_create": (MANAGERS, lambda w: {}),
    "funding:pb_round": ("public", lambda w: {"round_id": _round(w).pk}),
    "funding:pb_manage": (MANAGERS, lambda w: {"round_id": _round(w).pk}),
    "funding:pb_vote": (only("resident"), lambda w: {"round_id": _round(w).pk}),
    # Paper ballots: only the round's assigned ballot officer (the demo frontline worker); the
    # register of ballot numbers: funding managers and that officer.
    "funding:pb_paper": (only("frontline"), lambda w: {"round_id": _round(w).pk}),
    "funding:pb_numbers": (only("lead", "admin", "frontline"), lambda w: {"round_id": _round(w).pk}),
    "funding:pb_numbers_csv": (only("lead", "admin", "frontline"), lambda w: {"round_id": _round(w).pk}),
    "funding:pb_electors": (MANAGERS, lambda w: {}),
    "funding:pb_results": ("public", lambda w: {"round_id": _round(w).pk}),
    "funding:open_data": ("public", lambda w: {}),
}

_POST = "POST only; tested in tests/funding through the HTTP interface"
_DOWNLOAD = "a file download, not an HTML page; tested in tests/funding/test_open_data.py and test_pb.py"
NOT_WALKED = {
    **{f"funding:{name}": _POST for name in (
        "call_stage_add", "call_question_add", "call_criterion_add", "call_panel_add", "call_publish", "call_close",
        "application_submit", "conflict_decide", "review_moderate", "decision_make", "pitch_order", "pitch_slot_status",
        "award_respond", "award_instalment", "award_payment", "award_report", "report_receive", "award_clawback",
        "pb_project_add", "pb_project_check", "pb_voting_open", "pb_count",
    )},
    **{f"funding:{name}": "POST only; every role walked in tests/funding/test_pb_paper.py" for name in (
        "pb_numbers_issue", "pb_officer_assign", "pb_officer_withdraw",
    )},
    "funding:award_exception": "POST only; every role tried in tests/funding/test_award_bounds.py",
    "funding:pb_export": _DOWNLOAD,
    "funding:grants_360_json": _DOWNLOAD,
    "funding:grants_360_csv": _DOWNLOAD,
    "funding:grants_transparency_csv": _DOWNLOAD,
    "api:funding_award": "JSON, not an HTML page; tested in tests/funding/test_api.py",
    "api:funding_pb_result": "JSON, not an HTML page; tested in tests/funding/test_api.py",
    "api:funding_grants": "JSON, not an HTML page; tested in tests/funding/test_api.py",
}
# Downloads the browser scan skips (the access walk still checks who may fetch them).
NOT_HTML = {"funding:pb_numbers_csv"}


# The record each id names, for the foreign-id walk (tests/core/test_access_walk.py): URL
# arguments, and form fields that carry an id (a prefix such as ``panel-`` is dropped).
ID_MODELS = {
    "fund_id": "funding.Fund", "call_id": "funding.Call", "application_id": "funding.Application",
    "conflict_id": "funding.Conflict", "review_id": "funding.Review", "slot_id": "funding.PitchSlot",
    "award_id": "funding.Award", "report_id": "funding.Report", "round_id": "funding.PbRound",
    "project_id": "funding.PbProject", "officer_id": "funding.PbOfficer",
}
FIELD_MODELS = {
    "fund": "funding.Fund", "needs": "participation.Contribution", "owner": "accounts.Organisation",
    "applying_as": "accounts.Organisation", "user": "accounts.User", "officer": "accounts.User",
    **{f"programme_{n}_organisation": "accounts.Organisation" for n in (1, 2, 3)},
}
