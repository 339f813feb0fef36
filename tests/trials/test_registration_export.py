"""Registration fields (SPIRIT 2013 and the AEA registry), the public registry in plain
English, the machine-readable export against its JSON Schema, and the SPIRIT checklist."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import importlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from jsonschema import Draft202012Validator

from seedbed.core.errors import ValidationProblem
from seedbed.trials import opendata
from seedbed.trials.models import (
    Design,
    OutcomeType,
    ProtocolVersion,
    RandomisationMethod,
    Spending,
    StopReason,
    Trial,
)
from seedbed.trials.rules import (
    ERROR_DATE_ORDER,
    ERROR_OUTCOME_NAME,
    PROTOCOL_FIELDS,
    content_hash,
    secondary_outcome_entries,
)
from seedbed.trials.services.protocols import protocol_amend, protocol_update, trial_close
from tests.trials.helpers import draft_trial

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs/schemas/trial-registration.schema.json").read_text())
DOC = (ROOT / "docs/trial-registration-export.md").read_text()
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)

NEW_FIELDS: dict[str, Any] = {
    "primary_outcome_measure": "Family Wellbeing Scale, asked by a researcher blind to arm",
    "primary_outcome_timepoint": "Six months after enrolment",
    "secondary_outcomes": [
        {"name": "Re-referral", "measure": "Case records", "timepoint": "12 months"},
        {"name": "School attendance", "measure": "", "timepoint": "One school year"},
    ],
    "start_date": dt.date(2026, 9, 1), "recruitment_end_date": dt.date(2027, 3, 31),
    "follow_up_end_date": dt.date(2027, 9, 30),
    "missing_data_plan": "Multiple imputation by arm; complete cases as a sensitivity analysis",
    "funding_source": "The council's experimentation fund",
    "conflicts_of_interest": "No one running the trial gains from either result",
    "data_sharing_statement": "Code and a de-identified data set with the result",
    "cost_measures": "Staff time per family", "subgroups": "deprivation",
    "cost_column": "cost",
}
CLUSTER: dict[str, Any] = {
    "design": Design.CLUSTER, "strata": "", "outcome_type": OutcomeType.BINARY,
    "p_control": 0.3, "p_treatment": 0.2, "effect_size": None, "icc": 0.05, "cluster_size": 20,
    "clusters": "\n".join(f"School {i}" for i in range(1, 13)), "efficacy_looks": True,
    "futility_looks": True, "spending": Spending.POCOCK, "higher_is_better": False,
}
MINIMISED: dict[str, Any] = {
    "randomisation_method": RandomisationMethod.MINIMISATION, "strata": "",
    "minimisation_factors": "Age group: under 5, 5 to 17\nArea: north, south",
    "minimisation_weights": "2, 1", "minimisation_probability": 0.8,
}


def _registered(world: dict[str, Any], title: str, **fields: Any) -> Trial:
    seed = hashlib.sha256(title.encode()).hexdigest()[:32]
    return draft_trial(world, register=True, seed=seed, title=title, **fields)


# --- services ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_every_protocol_field_is_on_the_registry_and_in_the_export() -> None:
    # A field added to the protocol must be given a label, a section and an export type.
    assert set(PROTOCOL_FIELDS) <= set(opendata.LABELS)
    assert set(opendata.EXPORT_FIELDS) == set(SCHEMA["properties"]["registration"]["properties"])
    for name in opendata.EXPORT_FIELDS:
        opendata._export_value(name, None)  # every field has a type (KeyError otherwise)


def test_the_new_fields_are_frozen_and_covered_by_the_hash(trial_world) -> None:
    trial = _registered(trial_world, "Full", **NEW_FIELDS)
    version = trial.versions.get()
    frozen = version.content["protocol"]
    assert frozen["start_date"] == "2026-09-01" and frozen["follow_up_end_date"] == "2027-09-30"
    assert frozen["secondary_outcomes"] == NEW_FIELDS["secondary_outcomes"]
    assert frozen["funding_source"] == NEW_FIELDS["funding_source"]
    assert version.content_hash == content_hash(version.content)
    # changing a new field is an amendment: a new version with another hash
    amended = protocol_amend(actor=trial_world["users"]["lead"], trial=trial,
                             changes={"funding_source": "A charitable grant"},
                             reason="Funding changed")
    assert amended.content["protocol"]["funding_source"] == "A charitable grant"
    assert amended.content_hash == content_hash(amended.content) != version.content_hash


def test_a_version_frozen_before_the_new_fields_still_verifies_and_reads(trial_world) -> None:
    trial = _registered(trial_world, "Old")
    version = trial.versions.get()
    old = json.loads(json.dumps(version.content))
    for name in [*NEW_FIELDS, "primary_outcome_measure"]:
        old["protocol"].pop(name, None)
    old["protocol"]["secondary_outcomes"] = "Re-referral within 12 months; school attendance"
    ProtocolVersion.objects.filter(pk=version.pk).update(content=old, content_hash=content_hash(old))
    version.refresh_from_db()
    assert version.content_hash == content_hash(version.content)
    rows = opendata.registration_rows(version.content, conceal=True)
    assert rows["Funding"] == rows["Trial starts on"] == opendata.NOT_STATED
    assert rows["Secondary outcomes"].splitlines()[1].startswith("school attendance")
    export = Client().get(reverse("trials:registration_json", args=[trial.pk])).json()
    VALIDATOR.validate(export)
    assert export["registration"]["funding_source"] is None
    assert [o["name"] for o in export["registration"]["secondary_outcomes"]] == [
        "Re-referral within 12 months", "school attendance"]


def test_free_text_secondary_outcomes_become_structured_in_the_migration() -> None:
    migration = importlib.import_module("seedbed.trials.migrations.0008_registration_fields")
    text = "Re-referral within 12 months; school attendance\nHospital admissions\n\n"
    assert migration._entries(text) == secondary_outcome_entries(text) == [
        {"name": "Re-referral within 12 months", "measure": "", "timepoint": ""},
        {"name": "school attendance", "measure": "", "timepoint": ""},
        {"name": "Hospital admissions", "measure": "", "timepoint": ""},
    ]


def test_text_given_to_the_service_is_stored_as_outcomes(trial_world) -> None:
    trial = draft_trial(trial_world, secondary_outcomes="Re-referral\nAttendance")
    assert [e["name"] for e in trial.protocol.secondary_outcomes] == ["Re-referral", "Attendance"]


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"start_date": dt.date(2026, 9, 1), "recruitment_end_date": dt.date(2026, 8, 1)},
     "recruitment_end_date", ERROR_DATE_ORDER[("start_date", "recruitment_end_date")]),
    ({"recruitment_end_date": dt.date(2027, 1, 1), "follow_up_end_date": dt.date(2026, 12, 1)},
     "follow_up_end_date", ERROR_DATE_ORDER[("recruitment_end_date", "follow_up_end_date")]),
    ({"secondary_outcomes": [{"name": "", "measure": "Records", "timepoint": "12 months"}]},
     "secondary_outcomes", ERROR_OUTCOME_NAME),
])
def test_dates_out_of_order_and_unnamed_outcomes_are_refused(trial_world, changes, field, message) -> None:
    trial = draft_trial(trial_world)
    with pytest.raises(ValidationProblem) as caught:
        protocol_update(actor=trial_world["users"]["analyst"], trial=trial, changes=changes)
    assert caught.value.problems == {field: message}
    registered = _registered(trial_world, "Registered")
    with pytest.raises(ValidationProblem) as caught:
        protocol_amend(actor=trial_world["users"]["lead"], trial=registered, changes=changes,
                       reason="Dates")
    assert caught.value.problems[field] == message


# --- the public registry in plain English ----------------------------------------------------

RAW_KEYS = {str(v) for enum in (Design, OutcomeType, RandomisationMethod, Spending, StopReason,
                                Trial.Status) for v in enum.values}
RAW_WORDS = re.compile(r"\b(True|False|None|nan)\b")


def _values(page: str) -> list[str]:
    """The text of every value cell (summary-list values and table cells) of a page."""
    cells = re.findall(r'<(dd|td)\b[^>]*>(.*?)</\1>', page, flags=re.S)
    return [html.unescape(re.sub(r"<[^>]+>", " ", c)).strip() for _, c in cells]


def _raw_values(page: str) -> list[str]:
    main = page[page.index("<main"):page.index("</main>")]
    text = html.unescape(re.sub(r"<[^>]+>", " ", main))
    found = [v for v in _values(main) if not v or v in RAW_KEYS or RAW_WORDS.search(v)]
    found += [k for k in RAW_KEYS if ("-" in k or "_" in k) and k in text]
    return found


@pytest.mark.django_db(transaction=False)
def test_registry_pages_show_no_raw_values(demo_world) -> None:
    full = _registered(demo_world, "Full cluster", **NEW_FIELDS, **CLUSTER)
    minimised = _registered(demo_world, "Full minimised", **NEW_FIELDS, **MINIMISED)
    sparse = _registered(demo_world, "Sparse")
    trials = [full, minimised, sparse, *Trial.objects.exclude(status=Trial.Status.DRAFT)]
    client = Client()
    for trial in trials:
        for name in ("trials:registry_trial", "trials:versions", "trials:spirit"):
            response = client.get(reverse(name, args=[trial.pk]))
            assert response.status_code == 200
            assert _raw_values(response.content.decode()) == [], (trial.title, name)
    page = client.get(reverse("trials:registry_trial", args=[full.pk])).content.decode()
    for text in ("1 September 2026", "31 March 2027", "30 September 2027",
                 "Re-referral: measured by Case records; 12 months",
                 "A lower primary outcome is better", "Pocock type (even across looks)",
                 str(Design.CLUSTER.label), str(OutcomeType.BINARY.label)):
        assert html.escape(text) in page or text in page, text
    sparse_page = client.get(reverse("trials:registry_trial", args=[sparse.pk])).content.decode()
    values = dict(re.findall(r'<dt class="govuk-summary-list__key">(.*?)</dt>'
                             r'<dd class="govuk-summary-list__value">(.*?)</dd>', sparse_page))
    for label in ("Funding", "Trial starts on", "Secondary outcomes", "Data sharing",
                  "How missing outcome data will be handled", "Conflicts of interest"):
        assert values[label] == opendata.NOT_STATED, label
    assert "Intra-cluster correlation" not in sparse_page  # not asked of an individual design


def test_spirit_checklist_says_where_each_item_is_answered(demo_world) -> None:
    full = _registered(demo_world, "Full", **NEW_FIELDS)
    sparse = _registered(demo_world, "Sparse")
    client = Client()
    full_page = client.get(reverse("trials:spirit", args=[full.pk])).content.decode()
    row = full_page[full_page.index('id="spirit-4"'):]
    assert "Funding, interests, data sharing and ethics: Funding" in row[:row.index("</tr>")]
    row = full_page[full_page.index('id="spirit-13"'):]
    assert "Dates: Follow-up ends on" in row[:row.index("</tr>")]
    sparse_page = client.get(reverse("trials:spirit", args=[sparse.pk])).content.decode()
    for number in ("4", "13", "20c", "28", "31c"):
        row = sparse_page[sparse_page.index(f'id="spirit-{number}"'):]
        assert opendata.NOT_STATED in row[:row.index("</tr>")], number
    items = {i.number for i in opendata.SPIRIT_ITEMS}
    assert {"2a", "12", "16a", "16b", "20a", "22", "24", "25"} <= items
    assert sparse_page.count('govuk-tag--grey">Not stated') == 6  # 4, 13, 20c, 28, 31c, 20b
    # a draft has no checklist yet; only editors may open it
    draft = Trial.objects.get(title="Family group conferences before care proceedings")
    assert client.get(reverse("trials:spirit", args=[draft.pk])).status_code in (302, 403)


# --- the machine-readable export ---------------------------------------------------------------

def test_the_schema_refuses_fields_it_does_not_name() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["additionalProperties"] is False
    assert SCHEMA["properties"]["registration"]["additionalProperties"] is False
    assert all(d["additionalProperties"] is False for d in SCHEMA["$defs"].values())


def test_the_docs_page_names_every_field() -> None:
    names = [*SCHEMA["properties"], *SCHEMA["properties"]["registration"]["properties"]]
    missing = [n for n in names if f"`{n}`" not in DOC]
    assert missing == []


def test_the_export_of_demo_trials_validates_against_the_schema(demo_world) -> None:
    _registered(demo_world, "Full cluster", **NEW_FIELDS, **CLUSTER)
    minimised = _registered(demo_world, "Full minimised", **NEW_FIELDS, **MINIMISED)
    _registered(demo_world, "Sparse")
    client = Client()
    exports = {}
    for trial in Trial.objects.exclude(status=Trial.Status.DRAFT):
        response = client.get(reverse("trials:registration_json", args=[trial.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/json"
        export = response.json()
        errors = sorted(VALIDATOR.iter_errors(export), key=lambda e: list(e.path))
        assert not errors, (trial.title, [f"{list(e.path)}: {e.message}" for e in errors])
        assert client.get(f"/api/trials/{trial.pk}/registration").json() == export
        exports[trial.title] = export
    assert len(exports) >= 7
    running = exports["Weekly family-support calls"]
    assert running["registration"]["start_date"] == "2026-09-01"
    assert running["registration"]["secondary_outcomes"][0]["measure"] == "Case management records"
    assert running["concealed"] == ["block_sizes"] and running["registration"]["block_sizes"] is None
    assert exports["Full minimised"]["concealed"] == [
        "minimisation_probability", "minimisation_weights"]
    assert exports["Full cluster"]["registration"]["icc"] == 0.05
    assert exports["Sparse"]["registration"]["funding_source"] is None
    # a field in the export that the schema does not name fails validation
    extra = {**running, "registration": {**running["registration"], "sponsor": "x"}}
    assert not VALIDATOR.is_valid(extra)
    assert not VALIDATOR.is_valid({**running, "note": "x"})
    # once recruitment ends the concealed fields are published
    trial_close(actor=demo_world["users"]["lead"], trial=minimised)
    ended = client.get(reverse("trials:registration_json", args=[minimised.pk])).json()
    VALIDATOR.validate(ended)
    assert ended["concealed"] == [] and ended["registration"]["minimisation_weights"] == [2.0, 1.0]


def test_a_draft_has_no_export(demo_world, client_as) -> None:
    draft = Trial.objects.get(title="Family group conferences before care proceedings")
    assert client_as("lead").get(reverse("trials:registration_json", args=[draft.pk])).status_code == 404
    assert client_as("frontline").get(reverse("trials:registration_json", args=[draft.pk])).status_code == 403
    assert Client().get(f"/api/trials/{draft.pk}/registration").status_code == 403
    assert Client().get("/api/trials/2000000000/registration").status_code == 403


# --- who may change registration fields --------------------------------------------------------

@pytest.mark.parametrize("role", ["frontline", "safety", "provider", "resident", "panel"])
def test_roles_that_may_not_change_registration_fields(demo_world, client_as, role) -> None:
    running = Trial.objects.get(title="Weekly family-support calls")
    draft = Trial.objects.get(title="Family group conferences before care proceedings")
    before = (running.protocol.funding_source, draft.protocol.funding_source,
              running.versions.count())
    client = client_as(role)
    amend = client.post(reverse("trials:amend", args=[running.pk]),
                        {"reason": "x", "funding_source": "Changed", "start_date": "2030-01-01"})
    edit = client.post(reverse("trials:protocol_edit", args=[draft.pk]),
                       {"funding_source": "Changed", "secondary_1_name": "Changed"})
    assert amend.status_code == edit.status_code == 403
    running.protocol.refresh_from_db()
    draft.protocol.refresh_from_db()
    assert (running.protocol.funding_source, draft.protocol.funding_source,
            running.versions.count()) == before


def test_the_protocol_form_saves_structured_outcomes_and_dates(demo_world, client_as) -> None:
    draft = Trial.objects.get(title="Family group conferences before care proceedings")
    client = client_as("analyst")
    form = client.get(reverse("trials:protocol_edit", args=[draft.pk])).context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items()
            if not isinstance(value, list | dict)}
    data.update({
        "secondary_1_name": "Re-referral", "secondary_1_measure": "Case records",
        "secondary_1_timepoint": "12 months", "secondary_2_name": "", "start_date": "2027-01-04",
        "recruitment_end_date": "2027-06-30", "funding_source": "Experimentation fund",
    })
    response = client.post(reverse("trials:protocol_edit", args=[draft.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    draft.protocol.refresh_from_db()
    assert draft.protocol.secondary_outcomes == [
        {"name": "Re-referral", "measure": "Case records", "timepoint": "12 months"}]
    assert draft.protocol.start_date == dt.date(2027, 1, 4)
    assert draft.protocol.funding_source == "Experimentation fund"
    again = client.get(reverse("trials:protocol_edit", args=[draft.pk])).content.decode()
    assert 'name="secondary_1_measure"' in again and "Case records" in again
    assert 'name="secondary_2_name"' in again
