"""The demo's evaluations: one of each design, registered and analysed through the services,
each finding the effect its data were generated with; two reported and in the library."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from seedbed.demo import evaluations as demo
from seedbed.evaluations.models import Design, Evaluation, EvaluationResult
from seedbed.library.models import Case

# design -> (title, payload key of the estimate, of its interval, the true effect)
EXPECTED = {
    Design.DID: (demo.DID_TITLE, "att", "ci", demo.DID_EFFECT),
    Design.ITS: (demo.ITS_TITLE, "level_change", "ci_level", demo.ITS_LEVEL),
    Design.SYNTH: (demo.SYNTH_TITLE, "att", None, demo.SYNTH_EFFECT),
    Design.RD: (demo.RD_TITLE, "estimate", "ci_robust", demo.RD_EFFECT),
}


def test_each_design_is_registered_analysed_and_finds_its_effect(demo_world: dict[str, Any]) -> None:
    for design, (title, key, interval, effect) in EXPECTED.items():
        evaluation = Evaluation.objects.get(title=title)
        assert evaluation.design == design
        spec = next(s for s in demo.EVALUATIONS if s["title"] == title)
        assert evaluation.status == (Evaluation.Status.REPORTED if spec.get("report")
                                     else Evaluation.Status.ANALYSED)
        result = EvaluationResult.objects.get(evaluation=evaluation)
        assert result.plan_version.number == 1 and result.dataset.rows > 0
        estimate = result.payload[key]
        if interval:
            low, high = result.payload[interval]
            assert low < effect < high and high < 0, (title, low, high)
        else:  # synthetic control: no interval; the placebo test is as small as it can be
            assert abs(estimate - effect) < 1.0, (title, estimate)
            assert result.payload["placebo_p"] == result.payload["min_attainable_p"]


def test_the_demo_evaluations_are_public(client_as, demo_world: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    page = client_as("anonymous").get(reverse("evaluations:index")).content.decode()
    for title, *_ in EXPECTED.values():
        assert title in page
    detail = client_as("anonymous").get(reverse(
        "evaluations:evaluation_detail",
        args=[Evaluation.objects.get(title=demo.RD_TITLE).pk])).content.decode()
    assert "support_grants.csv: 1200 rows" in detail


def test_reported_states_and_library_cases(client_as, demo_world: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    states = {e.title: e.status for e in Evaluation.objects.filter(
        title__in=[t for t, *_ in EXPECTED.values()])}
    assert states == {demo.DID_TITLE: "reported", demo.ITS_TITLE: "analysed",
                      demo.SYNTH_TITLE: "analysed", demo.RD_TITLE: "reported"}
    cases = {c.title: c for c in Case.objects.filter(source="evaluation")}
    assert set(cases) == {demo.DID_TITLE, demo.RD_TITLE}
    # Lower re-referrals and arrears are better, and both intervals exclude zero below it.
    assert {c.direction for c in cases.values()} == {"positive"}
    assert cases[demo.RD_TITLE].sms_level == 4
    anonymous = client_as("anonymous")
    rd = Evaluation.objects.get(title=demo.RD_TITLE)
    assert anonymous.get(reverse("evaluations:report", args=[rd.pk])).status_code == 200
    synth = Evaluation.objects.get(title=demo.SYNTH_TITLE)
    assert anonymous.get(reverse("evaluations:report", args=[synth.pk])).status_code in (302, 403)
