"""Block sizes: random and larger by default, a warning when fixed or small blocks are chosen,
and hidden from the public registry (page and API) and from enrolling staff until
recruitment ends, then shown for transparency."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse

from seedbed.core.models import AuditEntry
from seedbed.trials.models import Allocation, Trial
from seedbed.trials.rules import (
    WARN_PREDICTABLE_BLOCKS,
    WHY_FIXED,
    WHY_SMALL,
    block_size_warning,
    default_block_sizes,
)
from seedbed.trials.selectors import CONCEALED_TEXT
from seedbed.trials.services.protocols import protocol_update, trial_close
from tests.trials.helpers import draft_trial

pytestmark = pytest.mark.django_db

RUNNING = "Weekly family-support calls"


def _registry(client: Client, trial: Trial) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
    page = client.get(reverse("trials:registry_trial", args=[trial.pk]))
    versions = client.get(reverse("trials:versions", args=[trial.pk]))
    assert page.status_code == 200 and versions.status_code == 200
    one = client.get(f"/api/trials/{trial.pk}").json()
    listed = {e["id"]: e for e in client.get("/api/trials/").json()}[trial.pk]
    return page.content.decode(), versions.content.decode(), one, listed


def _block_row(page: str, value: str) -> bool:
    """Whether the page has a "Block sizes" row whose value is ``value``."""
    return bool(re.search(r"Block sizes</(dt|th)>\s*<(dd|td)[^>]*>\s*" + re.escape(value), page))


@pytest.mark.parametrize("role", ["anonymous", "frontline"])
def test_block_sizes_are_hidden_while_recruiting_and_shown_after(demo_world, client_as, role) -> None:
    trial = Trial.objects.get(title=RUNNING)
    assert trial.status == Trial.Status.RECRUITING
    sizes = trial.protocol.block_sizes
    client = client_as(role)
    page, versions, one, listed = _registry(client, trial)
    for text in (page, versions):
        assert not _block_row(text, sizes) and _block_row(text, CONCEALED_TEXT)
    assert one["block_sizes"] is None and listed["block_sizes"] is None
    # the enrolment pages say nothing of the blocks either
    if role == "frontline":
        enrol = client.get(reverse("trials:enrol", args=[trial.pk])).content.decode()
        assert "block size" not in enrol.lower() and sizes not in enrol

    trial_close(actor=demo_world["users"]["lead"], trial=trial)
    page, versions, one, listed = _registry(client, trial)
    assert _block_row(page, sizes) and _block_row(versions, sizes)
    assert one["block_sizes"] == listed["block_sizes"] == trial.protocol.block_size_list


def test_a_published_trial_can_be_reproduced_from_its_published_seed_and_blocks(demo_world) -> None:
    from seedbed.stats.allocation import allocation_sequence

    finished = {e["title"]: e for e in Client().get("/api/trials/").json()}[
        "Peer mentoring for care leavers"]
    assert finished["seed"] and finished["block_sizes"]
    trial = Trial.objects.get(pk=finished["id"])
    taken = list(Allocation.objects.filter(trial=trial).exclude(unit_ref="").order_by("position"))
    again = allocation_sequence(arms=trial.protocol.arm_list, seed=finished["seed"],
                                length=len(taken), block_sizes=finished["block_sizes"])
    assert [a.arm for a in taken] == [e.arm for e in again.by_stratum[""][: len(taken)]]


def test_default_blocks_are_random_larger_and_scale_with_the_arms(trial_world) -> None:
    trial = draft_trial(trial_world, strata="")
    assert trial.protocol.block_sizes == "4, 6, 8" == default_block_sizes(2)
    protocol = protocol_update(actor=trial_world["users"]["analyst"], trial=trial,
                               changes={"arms": "usual care, calls, visits"})
    assert protocol.block_sizes == "6, 9, 12"
    # chosen sizes are kept as chosen
    protocol = protocol_update(actor=trial_world["users"]["analyst"], trial=trial,
                               changes={"arms": "usual care, calls", "block_sizes": "2, 4"})
    assert protocol.block_sizes == "2, 4"
    protocol = protocol_update(actor=trial_world["users"]["analyst"], trial=trial,
                               changes={"arms": "usual care, calls, visits", "block_sizes": "3"})
    assert protocol.block_sizes == "3"


def test_the_default_blocks_draw_several_sizes(trial_world) -> None:
    trial = draft_trial(trial_world, register=True, seed="block-default-seed-3b9d7f1a5c2e8046",
                        strata="")
    sizes = set(Allocation.objects.filter(trial=trial).values_list("block_size", flat=True))
    assert sizes == {4, 6, 8}


def test_fixed_or_small_blocks_are_warned_of() -> None:
    assert block_size_warning(block_sizes=[2, 4], arms=2) == WARN_PREDICTABLE_BLOCKS.format(
        sizes="2, 4", why=WHY_SMALL, suggested="4, 6, 8")
    assert block_size_warning(block_sizes=[6], arms=2) == WARN_PREDICTABLE_BLOCKS.format(
        sizes="6", why=WHY_FIXED, suggested="4, 6, 8")
    assert block_size_warning(block_sizes=[3, 6], arms=3) != ""
    assert block_size_warning(block_sizes=[4, 6, 8], arms=2) == ""
    assert block_size_warning(block_sizes=[6, 9, 12], arms=3) == ""


def _guess_rate(sizes: list[int], blocks: int, rng: np.random.Generator) -> float:
    """The share of next arms an enroller guesses right with the convergence strategy
    (guess the arm allocated less often so far in the current block, at random on a tie),
    knowing the block sizes and where each block starts, simulated for two-arm permuted
    blocks of sizes drawn at random from ``sizes``."""
    right = total = 0
    for size in rng.choice(sizes, size=blocks):
        block = rng.permutation(np.repeat([0, 1], size // 2))
        seen = np.zeros(2, dtype=int)
        ties = rng.integers(2, size=size)
        for i, arm in enumerate(block):
            guess = int(ties[i]) if seen[0] == seen[1] else int(np.argmin(seen))
            right += guess == arm
            total += 1
            seen[arm] += 1
    return right / total


def _expected_right(size: int) -> float:
    """Blackwell & Hodges (Ann Math Stat 1957;28:449-460): in a two-arm permuted block of
    2m, the convergence strategy expects m + (2^(2m) / C(2m, m) - 1) / 2 right guesses
    (1.5 of 2 in a block of 2; 17/6 of 4 in a block of 4)."""
    from math import comb

    m = size // 2
    return m + (2 ** (2 * m) / comb(2 * m, m) - 1) / 2


def test_the_warning_is_about_real_predictability() -> None:
    """Blocks of 2 and 4 let an enroller who knows them guess about 72% of next arms (the
    security review's "71%"); the default 4, 6, 8 fewer, and hiding the sizes (as the
    registry now does until recruitment ends) takes away the boundaries the guess needs."""
    assert _expected_right(2) == pytest.approx(1.5) and _expected_right(4) == pytest.approx(17 / 6)
    rng = np.random.default_rng(2026)
    for sizes in ([2, 4], [4, 6, 8]):
        expected = sum(_expected_right(s) for s in sizes) / sum(sizes)
        assert _guess_rate(sizes, 20_000, rng) == pytest.approx(expected, abs=0.006)
    small = sum(_expected_right(s) for s in (2, 4)) / 6
    default = sum(_expected_right(s) for s in (4, 6, 8)) / 18
    assert small == pytest.approx(26 / 36) and default < small - 0.035
    assert block_size_warning(block_sizes=[2, 4], arms=2) and not block_size_warning(
        block_sizes=[4, 6, 8], arms=2)


def test_registration_warns_of_predictable_blocks(demo_world, client_as) -> None:
    lead = client_as("lead")
    trial = draft_trial(demo_world, title="Blocks of two", block_sizes="2, 4")
    url = reverse("trials:manage", args=[trial.pk])
    warning = WARN_PREDICTABLE_BLOCKS.format(sizes="2, 4", why=WHY_SMALL, suggested="4, 6, 8")
    before = lead.get(url).content.decode()
    assert 'id="block-warning"' in before
    registered = lead.post(url, {"action": "register"}, follow=True)
    assert registered.status_code == 200
    trial.refresh_from_db()
    assert trial.status == Trial.Status.RECRUITING
    text = registered.content.decode().replace("&#x27;", "'")
    assert warning.split(":")[0] in text
    entry = AuditEntry.objects.get(action="trials.trial_register", object_id=str(trial.pk))
    assert entry.data["block_warning"] == warning


def test_enrolling_reveals_no_block_size(demo_world) -> None:
    trial = Trial.objects.get(title=RUNNING)
    response = Client().post(
        f"/api/trials/{trial.pk}/enrolments", {"unit_ref": "BLOCK-1", "stratum": "under 5"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer " + _token(demo_world, "frontline"))
    assert response.status_code == 201
    assert not {"block", "block_size", "position"} & set(response.json())


def _token(world: dict[str, Any], username: str) -> str:
    from tests.trials.test_api import _token as api_token

    header = api_token(world, username)["HTTP_AUTHORIZATION"]
    return str(header).removeprefix("Bearer ")


def test_the_protocol_hash_does_not_give_the_block_sizes_away(trial_world) -> None:
    """Everything in the registered content but the block sizes can be rebuilt from the
    public registry; were that all, trying the few likely block sizes against the public
    protocol hash would find them. A random salt in the content stops that."""
    from seedbed.trials.rules import content_hash
    from seedbed.trials.services.protocols import protocol_amend

    trial = draft_trial(trial_world, register=True, seed="salt-test-seed-9e3a1c7f5b2d8064",
                        block_sizes="2, 4")
    version = trial.versions.get()
    known = {k: v for k, v in version.content.items() if k != "salt"}
    guesses = {content_hash({**known, "protocol": {**known["protocol"], "block_sizes": b}})
               for b in ("2, 4", "2,4", "4, 6, 8", "2", "4", "6", "2, 4, 6", "4, 8")}
    assert version.content_hash not in guesses
    salt = version.content["salt"]
    assert re.fullmatch(r"[0-9a-f]{32}", salt)
    amended = protocol_amend(actor=trial_world["users"]["analyst"], trial=trial,
                             changes={"setting": "Also Eastside"}, reason="A second team joined")
    assert amended.content["salt"] == salt
