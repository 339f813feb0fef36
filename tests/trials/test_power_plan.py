"""The protocol's power calculation: exact cluster and stepped-wedge sizing, looks that
inflate only when they test for benefit, plain descriptions, and the power-curve charts."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from django.urls import reverse
from scipy.stats import multivariate_normal, norm

from seedbed.stats.boundaries import group_sequential_design, inflation_factor
from seedbed.trials.charts import power_charts
from seedbed.trials.rules import compute_power, describe_power
from tests.trials.helpers import draft_trial

SVG = "{http://www.w3.org/2000/svg}"


def _box_probability(mean: np.ndarray, cov: np.ndarray, b: np.ndarray) -> float:
    """P(-b < Z < b) for every component, by inclusion-exclusion over the box corners."""
    mvn = multivariate_normal(mean=mean, cov=cov, seed=1)
    total = 0.0
    for corner in range(2 ** len(b)):
        signs = np.array([1 if corner >> k & 1 else -1 for k in range(len(b))])
        total += np.prod(signs) * mvn.cdf(signs * b)
    return float(total)


def test_harm_only_looks_do_not_inflate_the_sample_size() -> None:
    """Issue 12: three looks that test harm only used to inflate n (176 -> 179 per arm)."""
    base = {"design": "individual", "effect_size": 0.3}
    none, _ = compute_power({**base, "interim_looks": 1})
    harm_only, _ = compute_power({**base, "interim_looks": 3, "efficacy_looks": False})
    assert harm_only["n_per_arm"] == none["n_per_arm"] == 176
    assert "inflation_factor" not in harm_only
    assert "check for harm only, so the sample size is not inflated" in describe_power(harm_only)


def test_efficacy_looks_inflate_by_the_spending_design() -> None:
    calc, problems = compute_power({"design": "individual", "effect_size": 0.3, "interim_looks": 3,
                                    "efficacy_looks": True, "spending": "obrien-fleming"})
    assert not problems
    r = inflation_factor(design=group_sequential_design(looks=3), power=0.8)
    # independently: with rpact's boundaries for 3 looks, a trial of r times the fixed
    # information has 80% power (multivariate normal integration of the three Z statistics)
    reference = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "reference"
    if not (reference / "group_sequential.json").exists():
        pytest.skip("reference data not found (../shared/data is absent)")
    table = json.loads((reference / "group_sequential.json").read_text())
    bounds = table["critical_z"]["obrien-fleming"]["3"]
    t = np.array([1 / 3, 2 / 3, 1.0])
    drift = math.sqrt(r) * (norm.ppf(0.975) + norm.ppf(0.8))
    cov = np.sqrt(np.minimum.outer(t, t) / np.maximum.outer(t, t))
    inside = _box_probability(drift * np.sqrt(t), cov, np.array(bounds))
    assert 1 - inside == pytest.approx(0.8, abs=2e-3)
    assert calc["n_per_arm"] == math.ceil(175.38 * r) == 178
    assert "stop early for benefit" in describe_power(calc)


def test_stepped_wedge_protocol_reproduces_kristunas() -> None:
    calc, problems = compute_power({"design": "stepped_wedge", "effect_size": 0.2, "icc": 0.05,
                                    "cluster_size": 10, "steps": 4, "interim_looks": 1})
    assert not problems
    assert calc["clusters"] == 44 and calc["clusters_per_step"] == 11
    # Hussey & Hughes closed form for 44 clusters, 5 periods, 10 per cluster-period
    i, t, s2, tau2 = 44, 5, 0.95 / 10, 0.05
    x = [[0] + [1 if j >= step else 0 for j in range(4)] for step in range(4) for _ in range(11)]
    u = sum(map(sum, x))
    w = sum(sum(r[j] for r in x) ** 2 for j in range(t))
    v = sum(sum(r) ** 2 for r in x)
    var = i * s2 * (s2 + t * tau2) / ((i * u - w) * s2 + (u * u + i * t * u - t * w - i * v) * tau2)
    assert calc["achieved_power"] == pytest.approx(norm.cdf(0.2 / math.sqrt(var) - 1.959964), abs=5e-4)
    text = describe_power(calc)
    assert "44 clusters" in text and "11 crossing over at each of 4 steps" in text


def test_cluster_protocol_uses_the_cluster_level_t_test() -> None:
    calc, _ = compute_power({"design": "cluster", "outcome_type": "binary", "p_control": 0.5,
                             "p_treatment": 0.65, "icc": 0.05, "cluster_size": 46})
    assert calc["clusters_per_arm"] == 13 and calc["n_per_arm"] == 13 * 46
    assert "13 clusters of 46 per arm" in describe_power(calc)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"design": "individual", "effect_size": float("nan")}, "effect_size"),
        ({"design": "individual", "effect_size": 0.3, "alpha": float("inf")}, "alpha"),
        ({"design": "cluster", "effect_size": 0.3, "icc": 0.05, "cluster_size": 0}, "cluster_size"),
        ({"design": "stepped_wedge", "effect_size": 0.3, "icc": 0.05, "cluster_size": 10,
          "steps": 3, "interim_looks": 5, "efficacy_looks": True}, "interim_looks"),
    ],
)
def test_problems_name_the_field(values, field) -> None:
    calc, problems = compute_power(values)
    assert calc == {} and field in problems


def test_power_charts_have_title_axes_legend_and_a_table() -> None:
    calc, _ = compute_power({"design": "stepped_wedge", "effect_size": 0.2, "icc": 0.05,
                             "cluster_size": 10, "steps": 4})
    charts = power_charts(calc)
    assert charts is not None
    for key in ("power_svg", "mde_svg"):
        root = ET.fromstring(charts[key])
        assert root.get("role") == "img" and root.get("aria-labelledby")
        assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}desc") is not None
        texts = [t.text for t in root.iter(f"{SVG}text")]
        assert "Clusters" in texts
        assert any(t and t.startswith("Recommended: 44") for t in texts)
        assert "script" not in charts[key] and "http://" not in charts[key].replace(
            'xmlns="http://www.w3.org/2000/svg"', "")
    assert "Power" in [t.text for t in ET.fromstring(charts["power_svg"]).iter(f"{SVG}text")]
    recommended = [r for r in charts["rows"] if r["recommended"]]
    assert [r["size"] for r in recommended] == [44]
    assert power_charts({}) is None


@pytest.mark.django_db
def test_protocol_page_shows_the_chart_and_saves_the_looks_questions(demo_world, client_as) -> None:
    trial = draft_trial(demo_world, title="Chart trial")
    analyst = client_as("analyst")
    url = reverse("trials:protocol_edit", args=[trial.pk])
    page = analyst.get(url).content.decode()
    assert 'aria-labelledby="power-curve-title power-curve-desc"' in page
    assert "Will the interim looks also check whether the intervention is clearly working?" in page
    assert "<script" not in page.split('id="power-curve-title"')[1].split("</svg>")[0]
    trial.protocol.refresh_from_db()
    n_before = trial.protocol.sample_size_per_arm
    form = {k: ("" if v is None else v) for k, v in analyst.get(url).context["form"].initial.items()}
    form.update(title="Chart trial", efficacy_looks="True", futility_looks="True", interim_looks=3,
                sides="2", higher_is_better="True", outcome_type="continuous", design="individual",
                spending="obrien-fleming")
    form.pop("power_calculation", None)
    response = analyst.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    trial.protocol.refresh_from_db()
    assert trial.protocol.efficacy_looks and trial.protocol.futility_looks
    assert trial.protocol.sample_size_per_arm > n_before
