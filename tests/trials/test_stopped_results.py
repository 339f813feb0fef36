"""A trial stopped early is published as stopped, everywhere its record appears: the
registry, the result page, the report and PDF, the library case, its search and open data,
and the portfolio. Built through the services, as the demo builds it.

Regression: a trial stopped for harm was published as "Null (no clear difference)" at
evidence level 3, with the stop decision and its reasons nowhere."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse

from seedbed.stats.evidence import DOWNGRADE_LOW_POWER, DOWNGRADE_STOPPED
from seedbed.trials.models import Trial, TrialResult

pytestmark = pytest.mark.django_db

NULL = "Null (no clear difference)"


@pytest.fixture
def stopped(trial_world) -> Trial:  # type: ignore[no-untyped-def]
    from seedbed.demo.trial_outcomes import stopped_for_harm_trial

    return stopped_for_harm_trial(trial_world)


def _page(client: Any, name: str, *args: Any) -> str:
    response = client.get(reverse(name, args=list(args)))
    assert response.status_code == 200, name
    return " ".join(response.content.decode().split())


def _headline(trial: Trial) -> str:
    return f"Stopped early for harm on {trial.stopped_at:%-d %B %Y}"


def test_the_stopped_trial_goes_through_analysis_and_publishing_as_harmful(stopped) -> None:
    stopped.refresh_from_db()
    result = stopped.result
    assert stopped.status == Trial.Status.PUBLISHED and stopped.stopped_for == "harm"
    assert result.is_published and result.direction == TrialResult.Direction.NEGATIVE
    assert result.analysis["finding"] == "harmful"
    assert result.evidence_level == 2
    codes = [r["code"] for r in result.evidence_reasons]
    assert DOWNGRADE_STOPPED["harm"] in codes and DOWNGRADE_LOW_POWER in codes
    assert all(r["text"] for r in result.evidence_reasons)
    stop = result.analysis["stopping"]
    assert stop["reason"] == "harm" and stop["look"] == 1
    assert stop["decision_reasons"].startswith("At the first look")
    harm = stop["harms"][0]
    assert (harm["events_control"], harm["events_arm"]) == (10, 24)
    from seedbed.trials.selectors import trial_result_summary

    summary = trial_result_summary(stopped)
    assert summary["finding"] == "Stopped early for harm: the intervention did harm"
    assert summary["stopped_for"] == "harm" and summary["direction"] != "null"


@pytest.mark.parametrize("name", ["trials:result", "trials:report", "trials:registry_trial"])
def test_every_page_of_the_trial_says_it_stopped_for_harm(stopped, client, name) -> None:
    page = _page(client, name, stopped.pk)
    assert _headline(stopped) in page
    assert NULL not in page
    assert stopped.result.analysis["stopping"]["decision_reasons"][:60] in page
    assert "Emergency re-referral at the last look before the stop" in page
    assert ">24<" in page.replace(" ", "") and "53%" in page  # 24 of 45 on monthly visits
    if name != "trials:registry_trial":
        assert "Stopped early for harm: the intervention did harm" in page
        assert 'data-code="stopped_early_for_harm"' in page and "Level 2" in page


def test_the_registry_list_shows_the_stop_not_just_published(stopped, client) -> None:
    page = _page(client, "trials:index")
    row = page[page.index(stopped.title):][:600]
    assert "Stopped early for harm" in row and 'data-stopped="harm"' in row


def test_the_pdf_says_stopped_early_for_harm(stopped, client) -> None:
    from pypdf import PdfReader

    response = client.get(reverse("trials:report_pdf", args=[stopped.pk]))
    assert response.status_code == 200
    text = " ".join(" ".join((p.extract_text() or "") for p in PdfReader(
        io.BytesIO(response.content)).pages).split())
    assert _headline(stopped) in text
    assert "the intervention did harm" in text and NULL not in text


def test_a_stopped_trial_can_be_analysed_before_it_is_published(trial_world, monkeypatch) -> None:
    """The analysis accepts a stopped trial and its preview already says it stopped."""
    from seedbed.demo import trial_outcomes
    from seedbed.trials.selectors import finding_label, stop_summary

    monkeypatch.setattr(trial_outcomes, "result_publish", lambda **kw: None)
    trial = trial_outcomes.stopped_for_harm_trial(trial_world)
    assert trial.status == Trial.Status.STOPPED
    result = trial.result
    assert not result.is_published
    assert finding_label(trial, result).startswith("Stopped early for harm")
    assert stop_summary(trial, result)["harms"][0]["rows"][1]["with_event"] == 24


def test_the_demo_stepped_wedge_trial_is_analysed_by_period_and_published(trial_world, client) -> None:
    from seedbed.demo.trial_outcomes import WEDGE_SCHOOLS, stepped_wedge_trial

    trial = stepped_wedge_trial(trial_world)
    assert trial.status == Trial.Status.PUBLISHED and not trial.stopped_for
    result = trial.result
    assert result.analysis["stepped_wedge"]["n_clusters"] == len(WEDGE_SCHOOLS)
    assert result.ci_low < result.effect < result.ci_high
    assert not [r for r in result.evidence_reasons if r["code"].startswith("stopped")]
    from seedbed.stats.evidence import achieved_power_stepped_wedge

    assert result.analysis["achieved_power"] == pytest.approx(achieved_power_stepped_wedge(
        clusters=8, steps=4, people_per_cluster_period=10, icc=0.05, effect_size=0.4))
    assert result.analysis["achieved_power"] > 0.5 and result.evidence_reasons == []
    # cluster attrition is judged (clusters with data in their control and intervention
    # periods, of those enrolled); the sample ratio, equal by design, is not
    assert result.analysis["attrition"]["overall"] == 0 and result.analysis["sample_ratio_p"] is None
    # the plan needs 12 schools for 80% power; the 8 listed are recorded as a visible warning
    shortfall = trial.protocol.power_calculation["cluster_shortfall"]
    assert "lists 8 clusters" in shortfall and "needs 12" in shortfall and "with 8 the trial has 69% power" in shortfall
    client.force_login(trial_world["users"]["lead"])
    assert shortfall in _page(client, "trials:manage", trial.pk).replace("&#x27;", "'")
    client.logout()
    page = _page(client, "trials:result", trial.pk)
    assert "stopped early" not in page.lower() and "Stepped-wedge" in page
    # Regression: the flow suppressed the 8 schools as "fewer than 10" (as if people) beside
    # 200 person-period rows; it now names both units and shows the public cluster counts.
    from seedbed.trials.selectors import consort_published

    flow = consort_published(result)
    assert [a["allocated"] for a in flow["arms"]] == [8, 8] and flow["randomised"] == 8
    assert flow["observation_unit"] == "person-period observations"
    assert "Clusters in control" in page and "Followed up (observations)" in page
    assert "clusters allocated (every cluster spends periods in both conditions); " \
           "person-period observations followed up and analysed" in page
    assert "Participant flow by arm (clusters)" not in page
    # Regression: the demo had no period schedule and nobody enrolled within its schools, so
    # its harm monitoring could never compute a statistic.
    import datetime as dt

    from seedbed.demo.trial_outcomes import WEDGE_FAMILIES, WEDGE_PERIOD_DAYS, WEDGE_START
    from seedbed.trials.selectors import WARN_NO_SCHEDULE, harm_comparisons

    end = WEDGE_START + dt.timedelta(days=5 * WEDGE_PERIOD_DAYS - 1)
    (row,) = harm_comparisons(trial, trial.harm_outcomes.get(), as_of=end)
    assert row["z"] == row["z"] and WARN_NO_SCHEDULE not in row["warnings"], {k: v for k, v in row.items()}
    # everyone starts unexposed; the three with an event before their hub opened leave the
    # risk set then and never add exposed time
    assert row["n_control"] == len(WEDGE_SCHOOLS) * WEDGE_FAMILIES
    assert row["n_arm"] == len(WEDGE_SCHOOLS) * WEDGE_FAMILIES - 3
    assert row["events_control"] == row["events_arm"] == 3


def test_the_registry_api_says_why_and_when_the_trial_stopped(stopped, client) -> None:
    entry = client.get(f"/api/trials/{stopped.pk}").json()
    assert entry["status"] == "published" and entry["stopped_for"] == "harm"
    assert entry["stopped_at"].startswith(stopped.stopped_at.date().isoformat())
    listed = {e["id"]: e for e in client.get("/api/trials/").json()}
    assert listed[stopped.pk]["stopped_for"] == "harm"


def test_staff_lists_and_pages_say_why_the_trial_stopped(stopped, trial_world, client) -> None:
    client.force_login(trial_world["users"]["lead"])
    for name, args in (("trials:workspace", []), ("trials:manage", [stopped.pk])):
        page = _page(client, name, *args)
        assert 'data-stopped="harm">Stopped early for harm<' in page, name
    client.force_login(trial_world["users"]["safety"])
    assert 'data-stopped="harm"' in _page(client, "trials:monitoring", stopped.pk)
    assert 'data-stopped="harm"' in _page(client, "trials:safety_workspace")
