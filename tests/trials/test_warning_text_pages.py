"""Pages show analysis warnings as plain-English sentences (seedbed.stats.warnings), never as
codes such as ``missing_outcome_rows_dropped``: the trial result page, its printable report,
and a library case."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from seedbed.data.analysis import WARN_MISSING_OUTCOME, WARN_SAMPLE_RATIO_MISMATCH
from seedbed.library.models import Case
from seedbed.stats.evidence import WARN_NON_RANDOM_COMPARISON
from seedbed.stats.warnings import WARNING_TEXT
from seedbed.trials.models import Trial, TrialResult

pytestmark = pytest.mark.django_db

FINISHED = "Peer mentoring for care leavers"
UNKNOWN = "a_code_without_a_sentence"


def _text(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_result_page_and_report_show_warning_sentences(demo_world, client_as) -> None:
    trial = Trial.objects.get(title=FINISHED)
    result = TrialResult.objects.get(trial=trial)
    codes = [WARN_MISSING_OUTCOME, WARN_SAMPLE_RATIO_MISMATCH]
    result.analysis = {**result.analysis, "warnings": [*codes, UNKNOWN]}
    result.save(update_fields=["analysis"])
    resident = client_as("resident")
    for url in (reverse("trials:result", args=[trial.pk]),
                reverse("trials:report", args=[trial.pk])):
        page = _text(resident.get(url))
        assert "Analysis warnings" in page, url
        for code in codes:
            assert WARNING_TEXT[code] in page, (url, code)
            assert code not in page, (url, code)
        # an unknown code still says something, and keeps the code for support
        assert f"The analysis noted: {UNKNOWN}." in page, url


def test_library_case_shows_evidence_warning_sentences(demo_world, client_as) -> None:
    case = Case.objects.get(title="Text reminders for bulky waste collections")
    assert case.evidence_warnings == [WARN_NON_RANDOM_COMPARISON]  # from the demo, not set here
    page = _text(client_as("resident").get(reverse("library:case_detail", args=[case.pk])))
    assert WARNING_TEXT[WARN_NON_RANDOM_COMPARISON] in page
    assert WARN_NON_RANDOM_COMPARISON not in page


def test_the_stepped_wedge_models_warning_reaches_the_result_page_and_report(
        demo_world, client_as) -> None:
    """The period-adjusted model's own warning (8 schools: fewer than 20 clusters) was kept in
    the stored analysis but shown nowhere; the pages now list every warning the analysis
    recorded, as sentences."""
    from seedbed.stats.stepped_wedge import WARN_FEW_CLUSTERS

    trial = Trial.objects.get(title="Family hubs, school by school")
    assert WARN_FEW_CLUSTERS in trial.result.analysis["stepped_wedge"]["warnings"]  # the demo's
    resident = client_as("resident")
    for url in (reverse("trials:result", args=[trial.pk]),
                reverse("trials:report", args=[trial.pk])):
        page = _text(resident.get(url))
        assert WARNING_TEXT[WARN_FEW_CLUSTERS] in page, url
        assert WARN_FEW_CLUSTERS not in page, url


def test_the_monitoring_page_explains_a_harm_rows_warning(
        trial_world, django_capture_on_commit_callbacks) -> None:
    """A harm row's warning (here: no events yet, so Z is 0) and an efficacy look's warning are
    stored with the look; the monitoring page shows their sentences next to the
    recommendation, never the codes."""
    from django.test import Client

    from seedbed.stats.harm import WARN_NO_EVENTS
    from seedbed.stats.monitoring import WARN_NO_NEW_INFORMATION
    from tests.trials.test_harm_monitoring import _individual, _look

    trial = _individual(trial_world, seed=21, risk_control=0.0, risk_arm=0.0)
    look, trial = _look(trial_world, trial, django_capture_on_commit_callbacks)
    assert WARN_NO_EVENTS in look.results[0]["warnings"]  # from the real harm statistic
    client = Client()
    client.force_login(trial_world["users"]["safety"])
    page = _text(client.get(reverse("trials:monitoring", args=[trial.pk])))
    assert WARNING_TEXT[WARN_NO_EVENTS] in page
    assert WARN_NO_EVENTS not in page
    # an efficacy look's warning (as selectors.efficacy_look stores it) is explained the same way
    look.efficacy = {"status": "tested", "outcome": "primary", "effect": 0.1, "p": 0.5, "z": 0.6,
                     "analysed": 120, "information_rate": 0.5, "efficacy_boundary": 2.96,
                     "futility_boundary": None, "sides": 2, "recommendation": "continue",
                     "warnings": [WARN_NO_NEW_INFORMATION]}
    look.save(update_fields=["efficacy"])
    type(trial.protocol).objects.filter(pk=trial.protocol.pk).update(efficacy_looks=True)
    page = _text(client.get(reverse("trials:monitoring", args=[trial.pk])))
    assert WARNING_TEXT[WARN_NO_NEW_INFORMATION] in page
    assert WARN_NO_NEW_INFORMATION not in page
