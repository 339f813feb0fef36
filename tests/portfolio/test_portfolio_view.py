"""The leaders' portfolio view against totals computed by hand from the demo data
(see the docstring of seedbed/demo/portfolio.py)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from seedbed.portfolio import registry, selectors

pytestmark = pytest.mark.django_db


def test_summary_matches_hand_computed_totals(demo_world) -> None:
    summary = selectors.portfolio_summary(for_user=demo_world["users"]["lead"])
    assert summary.total == 7
    assert summary.by_status == {"Active": 5, "Held on the shelf": 1, "Stopped": 1}
    (funnel,) = summary.funnels
    assert [(r.slug, r.count) for r in funnel.rows] == [
        ("latent", 2), ("design-discovery", 1), ("mobilisation", 2), ("mainstreaming", 1), ("embedding", 0)]
    # 120k + 80k + 30k + 0 + 10k + 50k + 3k (award) budgets; 45k + 80k + 12k + 0 + 6k + 20k spend.
    assert summary.spend.budget == Decimal("293000")
    assert summary.spend.spend == Decimal("163000")
    expected_ring_fence = registry.ring_fence_total() or Decimal("293000")
    assert summary.spend.ring_fence == expected_ring_fence
    # Open residual risks: (L2, I5), (L2, I3), (L1, I2), (L3, I3), (L2, I4).
    assert sum(map(sum, summary.heat)) == 5
    assert summary.heat[4][1] == 1 and summary.heat[2][1] == 1 and summary.heat[1][0] == 1
    assert summary.heat[2][2] == 1 and summary.heat[3][1] == 1
    # Above appetite: 10 > cautious 9; 9 > minimal 6; 8 > minimal 6.
    assert sorted(r.residual_score for r, _ in summary.above_appetite) == [8, 9, 10]
    # After the library demo publishes its cases: the family probe (level 1), the mentors
    # trial (3, positive) and the bulky-waste comparison (3, null) reach their innovations.
    assert summary.evidence_levels == (4, 1, 0, 2, 0, 0)
    assert sorted(i.title for i, _ in summary.stuck) == [
        "Digital reablement check-ins", "Peer support for unpaid carers"]


def test_the_page_shows_the_same_totals_and_filters(client_as) -> None:
    client = client_as("lead")
    html = client.get(reverse("portfolio:index")).content.decode()
    assert 'data-total="7"' in html
    ring_fence = registry.ring_fence_total() or Decimal("293000")
    share = f"{float(Decimal('163000') / ring_fence * 100):.1f}"
    assert f"Spend of £163,000 is {share}% of the ring-fence of £{ring_fence:,.0f}" in html
    assert html.count('role="img"') == 4  # funnel, spend, heat map, evidence
    filtered = client.get(reverse("portfolio:index"), {"service_area": "adult-social-care"}).content.decode()
    assert 'data-total="2"' in filtered
    by_type = client.get(reverse("portfolio:index"), {"typology": "process"}).content.decode()
    assert 'data-total="2"' in by_type
    by_stage = client.get(reverse("portfolio:index"), {"stage": "mobilisation"}).content.decode()
    assert 'data-total="2"' in by_stage
    assert re.search(r"Peer support for unpaid carers</a>: \d+ days in Mobilisation", by_stage)


def test_every_chart_has_a_title_description_and_a_data_table(client_as) -> None:
    html = client_as("analyst").get(reverse("portfolio:index")).content.decode()
    charts = re.findall(r'<svg[^>]*role="img"[^>]*aria-labelledby="([^"]+)"', html)
    assert len(charts) == 4
    for labels in charts:
        title, desc = labels.split()
        assert f'<title id="{title}">' in html and f'<desc id="{desc}">' in html
    assert html.count("<table") >= 4
    assert "style=" not in html
