"""Minimisation in the product: registered with the protocol, used at enrolment, shown on the
registry, reproducible from the revealed seed, and refused to those who must not allocate."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from seedbed.accounts.services import api_token_issue
from seedbed.core.audit import audit_verify
from seedbed.core.errors import ValidationProblem
from seedbed.core.models import AuditEntry
from seedbed.stats.minimisation import minimise
from seedbed.trials.models import Allocation, RandomisationMethod, Trial
from seedbed.trials.selectors import CONCEALED_TEXT
from seedbed.trials.services.allocation import (
    ERROR_ALREADY,
    ERROR_FACTOR,
    ERROR_FULL_TRIAL,
    allocation_draw,
)
from seedbed.trials.services.protocols import (
    ERROR_FROZEN_FIELD,
    ERROR_MIN_DESIGN,
    ERROR_MIN_FACTORS,
    ERROR_MIN_PROBABILITY,
    ERROR_MIN_STRATA,
    ERROR_MIN_WEIGHTS,
    protocol_amend,
    protocol_update,
    trial_close,
)
from tests.trials.helpers import draft_trial

pytestmark = pytest.mark.django_db

SEED = "9d2c7a41e08b5f369d2c7a41e08b5f36"
FACTORS = "Age group: under 5, 5 to 11, 12 to 17\nArea: north, south"
MINIMISED: dict[str, Any] = {
    "randomisation_method": RandomisationMethod.MINIMISATION, "strata": "",
    "minimisation_factors": FACTORS, "minimisation_weights": "2, 1",
    "minimisation_probability": 0.8,
}
UNITS = [("under 5", "north"), ("5 to 11", "south"), ("under 5", "south"),
         ("12 to 17", "north"), ("under 5", "north"), ("5 to 11", "north"),
         ("12 to 17", "south"), ("under 5", "south"), ("5 to 11", "north"),
         ("under 5", "north"), ("12 to 17", "north"), ("5 to 11", "south")]


def _minimised_trial(world: dict[str, Any], **extra: Any) -> Trial:
    return draft_trial(world, register=True, seed=SEED, **(MINIMISED | extra))


def _enrol(world: dict[str, Any], trial: Trial, ref: str, levels: tuple[str, str]) -> Allocation:
    return allocation_draw(actor=world["users"]["frontline"], trial=trial, unit_ref=ref,
                           factors={"Age group": levels[0], "Area": levels[1]})


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"minimisation_factors": "Age group under 5, 5 to 11"}, "minimisation_factors",
     ERROR_MIN_FACTORS),
    ({"minimisation_factors": "Area: north"}, "minimisation_factors", ERROR_MIN_FACTORS),
    ({"minimisation_factors": "Area: north, south\narea: east, west"}, "minimisation_factors",
     ERROR_MIN_FACTORS),
    ({"minimisation_weights": "2"}, "minimisation_weights", ERROR_MIN_WEIGHTS),
    ({"minimisation_weights": "2, 0"}, "minimisation_weights", ERROR_MIN_WEIGHTS),
    ({"minimisation_probability": 0.4}, "minimisation_probability", ERROR_MIN_PROBABILITY),
    ({"strata": "under 5, 5 to 17"}, "strata", ERROR_MIN_STRATA),
    ({"design": "cluster", "clusters": "a\nb\nc\nd"}, "randomisation_method", ERROR_MIN_DESIGN),
])
def test_protocol_refuses_an_unusable_minimisation(trial_world, changes, field, message) -> None:
    trial = draft_trial(trial_world)
    with pytest.raises(ValidationProblem) as caught:
        protocol_update(actor=trial_world["users"]["analyst"], trial=trial,
                        changes=MINIMISED | changes)
    assert caught.value.problems[field] == message


def test_registration_freezes_the_method_and_generates_no_sequence(trial_world) -> None:
    trial = _minimised_trial(trial_world)
    assert not Allocation.objects.filter(trial=trial).exists()
    frozen = trial.versions.get(number=1).content["protocol"]
    assert frozen["randomisation_method"] == "minimisation"
    assert frozen["minimisation_factors"] == FACTORS
    assert frozen["minimisation_weights"] == "2, 1"
    assert frozen["minimisation_probability"] == 0.8
    register = AuditEntry.objects.filter(action="trials.trial_register").last()
    assert register is not None and register.data["slots"] == 0
    assert "block_warning" not in register.data
    with pytest.raises(ValidationProblem) as caught:
        protocol_amend(actor=trial_world["users"]["lead"], trial=trial,
                       changes={"minimisation_probability": 1.0}, reason="More balance")
    assert caught.value.problems["minimisation_probability"] == ERROR_FROZEN_FIELD.format(
        label="Probability of the arm that keeps the groups most alike")


def test_enrolment_allocates_by_minimisation_reproducibly_from_the_seed(trial_world) -> None:
    trial = _minimised_trial(trial_world)
    made = [_enrol(trial_world, trial, f"U-{i}", levels) for i, levels in enumerate(UNITS)]
    assert [a.position for a in made] == list(range(1, len(UNITS) + 1))
    # Anyone with the revealed seed, the registered settings and the units in enrolment order
    # gets the same arms.
    again = minimise(units=UNITS, factors=["Age group", "Area"], arms=["control", "intervention"],
                     seed=SEED, weights=[2, 1], probability=0.8)
    assert [a.arm for a in made] == again.labels()
    first, last = made[0], Allocation.objects.get(trial=trial, unit_ref="U-11")
    assert first.minimisation["kind"] == "all arms tied"
    assert last.factors == {"Age group": "5 to 11", "Area": "south"}
    assert last.minimisation["scores"] == dict(zip(
        ["control", "intervention"], again.steps[-1].scores, strict=True))
    entries = list(AuditEntry.objects.filter(action="trials.allocation").order_by("id"))
    assert len(entries) == len(UNITS)
    assert entries[0].data["method"] == "minimisation" and "arm" not in entries[0].data
    assert "scores" not in entries[0].data  # the explanation would reveal the arm
    assert audit_verify().ok


def test_enrolment_names_a_missing_or_unknown_level(trial_world) -> None:
    trial = _minimised_trial(trial_world)
    frontline = trial_world["users"]["frontline"]
    with pytest.raises(ValidationProblem) as caught:
        allocation_draw(actor=frontline, trial=trial, unit_ref="U-1",
                        factors={"Age group": "under 5", "Area": "east"})
    assert caught.value.problems == {"factor_1": ERROR_FACTOR.format(factor="area",
                                                                     levels="north, south")}
    with pytest.raises(ValidationProblem) as caught:
        allocation_draw(actor=frontline, trial=trial, unit_ref="U-1", factors={})
    assert set(caught.value.problems) == {"factor_0", "factor_1"}
    # Levels are matched without regard to case and stored as registered.
    made = allocation_draw(actor=frontline, trial=trial, unit_ref="U-1",
                           factors={"Age group": "Under 5", "Area": "NORTH"})
    assert made.factors == {"Age group": "under 5", "Area": "north"}
    with pytest.raises(ValidationProblem) as caught:
        _enrol(trial_world, trial, "U-1", ("under 5", "north"))
    assert caught.value.problems == {"unit_ref": ERROR_ALREADY}
    assert Allocation.objects.filter(trial=trial).count() == 1


def test_enrolment_stops_at_the_registered_sample_size(trial_world) -> None:
    trial = _minimised_trial(trial_world)
    trial.protocol.sample_size_per_arm = 1
    trial.protocol.save(update_fields=["sample_size_per_arm"])
    _enrol(trial_world, trial, "U-1", UNITS[0])
    _enrol(trial_world, trial, "U-2", UNITS[1])
    with pytest.raises(ValidationProblem) as caught:
        _enrol(trial_world, trial, "U-3", UNITS[2])
    assert caught.value.problems == {"__all__": ERROR_FULL_TRIAL}


def test_idempotent_replay_returns_the_same_minimised_allocation(trial_world) -> None:
    trial = _minimised_trial(trial_world)
    frontline = trial_world["users"]["frontline"]
    one = allocation_draw(actor=frontline, trial=trial, unit_ref="U-1", idempotency_key="k-1",
                          factors={"Age group": "under 5", "Area": "north"})
    two = allocation_draw(actor=frontline, trial=trial, unit_ref="U-1", idempotency_key="k-1",
                          factors={"Age group": "under 5", "Area": "north"})
    assert two.pk == one.pk and two.replayed  # type: ignore[attr-defined]
    assert Allocation.objects.filter(trial=trial).count() == 1


# --- through the web pages and the API, as the demo personas --------------------------------

def test_frontline_enrols_with_the_factors_and_learns_the_arm(demo_world, client_as) -> None:
    trial = _minimised_trial(demo_world, title="Minimised family calls")
    url = reverse("trials:enrol", args=[trial.pk])
    frontline = client_as("frontline")
    page = frontline.get(url).content.decode()
    assert 'name="factor_0"' in page and 'name="factor_1"' in page and "5 to 11" in page
    assert 'id="minimisation-note"' in page
    missing = frontline.post(url, {"action": "unit", "unit_ref": "W-1", "factor_0": "under 5"})
    assert "Choose the unit&#x27;s area" in missing.content.decode()
    assert not Allocation.objects.filter(trial=trial).exists()
    done = frontline.post(url, {"action": "unit", "unit_ref": "W-1", "factor_0": "under 5",
                                "factor_1": "south", "idempotency_key": "w-1"})
    arm = Allocation.objects.get(trial=trial, unit_ref="W-1").arm
    assert f'<strong id="allocated-arm">{arm}</strong>' in done.content.decode()


@pytest.mark.parametrize("role", ["provider", "lead", "analyst", "safety", "resident", "admin"])
def test_roles_that_must_not_allocate_are_refused(demo_world, client_as, role) -> None:
    trial = _minimised_trial(demo_world, title="Minimised family calls")
    url = reverse("trials:enrol", args=[trial.pk])
    response = client_as(role).post(url, {"action": "unit", "unit_ref": "R-1",
                                          "factor_0": "under 5", "factor_1": "south"})
    assert response.status_code == 403
    assert not Allocation.objects.filter(trial=trial).exists()


def test_a_foreign_or_forged_trial_id_is_refused_like_a_missing_one(demo_world, client_as) -> None:
    frontline = client_as("frontline")
    for trial_id in (999_999, 0):
        response = frontline.post(reverse("trials:enrol", args=[trial_id]),
                                  {"action": "unit", "unit_ref": "F-1"})
        assert response.status_code in (403, 404)
    anonymous = Client().post(reverse("trials:enrol", args=[999_999]), {"unit_ref": "F-1"})
    assert anonymous.status_code in (302, 403, 404)


def test_api_enrols_with_factors_and_refuses_the_provider(demo_world) -> None:
    trial = _minimised_trial(demo_world, title="Minimised family calls")
    url = f"/api/trials/{trial.pk}/enrolments"
    body = {"unit_ref": "A-1", "factors": {"Age group": "12 to 17", "Area": "north"}}
    for username, status in (("provider", 403), ("lead", 403), ("frontline", 201)):
        _, token = api_token_issue(user=demo_world["users"][username], name="t",
                                   scopes=("read", "write"))
        response = Client().post(url, body, content_type="application/json",
                                 HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == status, username
    assert Allocation.objects.get(trial=trial, unit_ref="A-1").factors["Age group"] == "12 to 17"
    entry = Client().get(f"/api/trials/{trial.pk}").json()
    assert entry["randomisation_method"] == "minimisation"
    assert entry["randomisation_method_text"] == RandomisationMethod.MINIMISATION.label
    assert entry["block_sizes"] is None


def test_registry_shows_the_method_in_plain_words(demo_world) -> None:
    trial = _minimised_trial(demo_world, title="Minimised family calls")
    page = Client().get(reverse("trials:registry_trial", args=[trial.pk])).content.decode()
    assert str(RandomisationMethod.MINIMISATION.label) in page
    assert "Age group (under 5, 5 to 11, 12 to 17); Area (north, south)" in page
    # The weights and the random element help predict the next arm: concealed while the trial
    # recruits, like block sizes, and shown once recruitment has ended.
    assert CONCEALED_TEXT in page and "with probability 0.8" not in page
    assert "Block sizes" not in page
    trial_close(actor=demo_world["users"]["lead"], trial=trial)
    ended = Client().get(reverse("trials:registry_trial", args=[trial.pk])).content.decode()
    assert "each unit goes to the arm that keeps the groups most alike with probability 0.8" in ended
    assert "2, 1" in ended and CONCEALED_TEXT not in ended
    blocks = Trial.objects.get(title="Weekly family-support calls")
    other = Client().get(reverse("trials:registry_trial", args=[blocks.pk])).content.decode()
    assert str(RandomisationMethod.BLOCKS.label) in other
    assert "Minimisation factors" not in other


def test_manage_page_versions_and_monitoring_show_the_method(demo_world, client_as) -> None:
    trial = _minimised_trial(demo_world, title="Minimised family calls")
    for i, levels in enumerate(UNITS[:6]):
        _enrol(demo_world, trial, f"M-{i}", levels)
    manage = client_as("lead").get(reverse("trials:manage", args=[trial.pk])).content.decode()
    assert str(RandomisationMethod.MINIMISATION.label) in manage
    assert "factors: Age group (under 5, 5 to 11, 12 to 17); Area (north, south)" in manage
    versions = Client().get(reverse("trials:versions", args=[trial.pk]))
    assert versions.status_code == 200
    assert "Minimisation factors" in versions.content.decode()
    monitoring = client_as("safety").get(reverse("trials:monitoring", args=[trial.pk]))
    page = monitoring.content.decode()
    assert 'id="minimisation-balance"' in page
    # The balance table counts the six enrolled units once per factor.
    table = page[page.index('id="minimisation-balance"'):]
    table = table[: table.index("</table>")]
    assert table.count('govuk-table__row') == 1 + 3 + 2
    blocks = Trial.objects.get(title="Weekly family-support calls")
    other = client_as("safety").get(reverse("trials:monitoring", args=[blocks.pk])).content.decode()
    assert 'id="minimisation-balance"' not in other


def test_primary_analysis_adjusts_for_the_minimisation_factors(trial_world) -> None:
    import numpy as np

    from seedbed.trials.services.results import analysis_run, outcome_upload
    from seedbed.trials.uploads import trial_schema

    trial = _minimised_trial(trial_world)
    assert trial_schema(trial).strata == ("age_group", "area")
    rng = np.random.default_rng(5)
    rows = []
    for i in range(60):
        levels = UNITS[i % len(UNITS)]
        made = _enrol(trial_world, trial, f"U-{i}", levels)
        outcome = 50 + 3 * (made.arm == "intervention") + 2 * (levels[1] == "north") + rng.normal(0, 2)
        rows.append(f"U-{i},{made.arm},{levels[0]},{levels[1]},{outcome:.3f}")
    trial = trial_close(actor=trial_world["users"]["lead"], trial=trial)
    analyst = trial_world["users"]["analyst"]
    content = ("unit,arm,age_group,area,outcome\n" + "\n".join(rows) + "\n").encode()
    outcome_upload(actor=analyst, trial=trial, filename="min.csv", content=content)
    result = analysis_run(actor=analyst, trial=trial, assessed=60, plain_summary="s")
    primary = result.analysis["outcomes"][0]
    assert primary["adjusted_for"] == ["age_group", "area"]
    assert primary["adjusted"][0]["effect"] == pytest.approx(3, abs=1.5)


def test_factor_names_that_collide_as_columns_are_refused(trial_world) -> None:
    from seedbed.trials.services.protocols import ERROR_MIN_COLUMNS

    trial = draft_trial(trial_world)
    with pytest.raises(ValidationProblem) as caught:
        protocol_update(actor=trial_world["users"]["analyst"], trial=trial, changes=MINIMISED | {
            "minimisation_factors": "Age group: a, b\nAge-group: c, d", "minimisation_weights": ""})
    assert caught.value.problems["minimisation_factors"] == ERROR_MIN_COLUMNS.format(
        columns="age_group, age_group")


@pytest.mark.django_db(transaction=True)
def test_concurrent_enrolments_follow_enrolment_order(live_server, trial_world) -> None:
    """60 enrolments from 8 threads: one allocation each, positions 1..60 without gaps, and
    the arms are exactly what the engine gives for the units in position order."""
    import json
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    trial = _minimised_trial(trial_world)
    _, token = api_token_issue(user=trial_world["users"]["frontline"], name="t", scopes=("write",))
    url = f"{live_server.url}/api/trials/{trial.pk}/enrolments"

    def post(i: int) -> int:
        levels = UNITS[i % len(UNITS)]
        body = {"unit_ref": f"C-{i}", "idempotency_key": f"c-{i}",
                "factors": {"Age group": levels[0], "Area": levels[1]}}
        request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                         headers={"Authorization": f"Bearer {token}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status)

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(post, range(60)))
    assert statuses == [201] * 60
    made = list(Allocation.objects.filter(trial=trial).order_by("position"))
    assert [a.position for a in made] == list(range(1, 61))
    again = minimise(units=[(a.factors["Age group"], a.factors["Area"]) for a in made],
                     factors=["Age group", "Area"], arms=["control", "intervention"],
                     seed=SEED, weights=[2, 1], probability=0.8)
    assert [a.arm for a in made] == again.labels()
    assert audit_verify().ok
