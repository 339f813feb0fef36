"""Who may open which trials page (merged into tests/core/access_table.py).

- the public registry, registry pages and published results: everyone;
- drafting and running tests (workspace, protocol, data, analysis): innovation leads and
  analysts (and administrators, who hold every role);
- unblinded monitoring: only the trial's named safety lead (the ``safety`` persona);
- the safety workspace: people with the safety-lead role (the ``safety`` persona, and
  administrators, who hold every role; each sees only the trials they are safety lead of);
- enrolment and safety events: frontline staff of the trial's organisation (Children's
  Services: ``frontline``; the provider's frontline worker is refused).
"""

from __future__ import annotations

from typing import Any

from tests.conftest import ROLES

EDITORS = {"lead", "analyst", "admin"}


def _running(w: dict[str, Any]) -> dict[str, Any]:
    from seedbed.trials.models import Trial

    return {"trial_id": Trial.objects.get(title="Weekly family-support calls").pk}


def _finished(w: dict[str, Any]) -> dict[str, Any]:
    from seedbed.trials.models import Trial

    return {"trial_id": Trial.objects.get(title="Peer mentoring for care leavers").pk}


def _probe(w: dict[str, Any]) -> dict[str, Any]:
    from seedbed.trials.models import Probe

    return {"probe_id": Probe.objects.get(title="Text reminders before home visits").pk}


def _draft(w: dict[str, Any]) -> dict[str, Any]:
    from seedbed.trials.models import Trial

    return {"trial_id": Trial.objects.get(title="Family group conferences before care proceedings").pk}


def _draft_probe(w: dict[str, Any]) -> dict[str, Any]:
    from seedbed.trials.models import Probe

    return {"probe_id": Probe.objects.get(title="Video calls for out-of-hours support").pk}


def _editors_only() -> dict[str, int | str]:
    return {
        role: ("login" if role == "anonymous" else 200 if role in EDITORS else 403)
        for role in ROLES
    }


def _only(*allowed: str) -> dict[str, int | str]:
    return {
        role: ("login" if role == "anonymous" else 200 if role in allowed else 403)
        for role in ROLES
    }


def _api_only(*allowed: str) -> dict[str, int | str]:
    return {
        role: (401 if role == "anonymous" else 200 if role in allowed else 403)
        for role in ROLES
    }


ACCESS_RULES: dict[str, tuple[Any, Any]] = {
    "trials:index": ("public", lambda w: {}),
    "trials:registry_trial": ("public", _running),
    "trials:versions": ("public", _running),
    "trials:spirit": ("public", _running),
    "trials:registration_json": ("public", _running),
    "trials:result": ("public", _finished),
    "trials:report": ("public", _finished),
    "trials:report_pdf": ("public", _finished),
    "trials:registry_probe": ("public", _probe),
    "trials:workspace": (_editors_only(), lambda w: {}),
    "trials:trial_create": (_editors_only(), lambda w: {}),
    "trials:manage": (_editors_only(), _running),
    "trials:protocol_edit": (_editors_only(), _draft),
    "trials:amend": (_editors_only(), _running),
    "trials:data": (_editors_only(), _finished),
    "trials:data_connect": (_editors_only(), _finished),
    "trials:data_connections": (_only("admin"), lambda w: {}),
    "trials:analysis": (_editors_only(), _finished),
    "trials:probe_create": (_editors_only(), lambda w: {}),
    "trials:probe_manage": (_editors_only(), _probe),
    "trials:probe_edit": (_editors_only(), _draft_probe),
    "trials:enrol": (_only("frontline"), _running),
    "trials:event_report": (_only("frontline"), _running),
    "trials:monitoring": (_only("safety"), _running),
    "trials:safety_workspace": (_only("safety", "admin"), lambda w: {}),
}

_JSON = "JSON, not a page the axe scan can read; access tested in tests/trials/test_api.py"
NOT_WALKED: dict[str, str] = {
    "api:trials_registry": _JSON,
    "api:trial_registry_entry": _JSON,
    "api:trial_registration": "JSON; every role and a draft tested in tests/trials/test_registration_export.py",
    "api:trial_enrol": "POST only; tested in tests/trials/test_api.py and the concurrency test",
    "api:trial_safety_event": "POST only; tested in tests/trials/test_api.py",
    "trials:event_review": "POST only; every role tested in tests/trials/test_safety_workspace.py",
}

# Not HTML pages for the axe scan (a download, the registration's JSON).
NOT_HTML: set[str] = {"trials:report_pdf", "trials:registration_json"}


# The record each id names, for the foreign-id walk (tests/core/test_access_walk.py).
ID_MODELS = {"trial_id": "trials.Trial", "probe_id": "trials.Probe", "event_id": "trials.SafetyEvent"}
FIELD_MODELS = {
    "harm_outcome": "trials.HarmOutcome", "harm_outcome_id": "trials.HarmOutcome",
    "organisation": "accounts.Organisation",
}
