"""The evaluation charts: valid SVG, one mark per point, every text escaped, the figures also
given as tables, and missing values (NaN stored as None) skipped rather than drawn."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from seedbed.evaluations.charts import (
    NOT_AVAILABLE,
    Chart,
    design_charts,
    did_chart,
    its_chart,
    number,
    period,
    rd_chart,
    synth_charts,
)
from seedbed.stats.disclosure import DEFAULT_THRESHOLD
from tests.evaluations.payloads import payload

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = 'rate <script>alert("x")</script> & more'


def _tree(chart: Chart) -> ET.Element:
    root = ET.fromstring(chart.svg)  # raises on anything that is not well-formed XML
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby", "").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}desc").get("id") == desc_id
    return root


def _points(root: ET.Element) -> list[ET.Element]:
    return [c for c in root.iter(f"{SVG}circle") if c.get("class") == "point"]


def _texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter() if t.tag in (f"{SVG}text", f"{SVG}title", f"{SVG}desc")]


@pytest.mark.parametrize("design", ["did", "its", "synth", "rd"])
def test_every_design_draws_valid_svg_with_title_axes_legend_and_table(design: str) -> None:
    charts = design_charts(design, payload(design), outcome="referrals", running="need score")
    assert charts
    for chart in charts:
        root = _tree(chart)
        texts = _texts(root)
        assert any("referrals" in t.lower() or "gap" in t.lower() for t in texts)
        assert chart.tables and all(t.rows for t in chart.tables)
        assert "<script" not in chart.svg and "href" not in chart.svg
        assert chart.svg.count("<polyline") + chart.svg.count("<circle") > 0


def test_event_study_draws_one_point_and_one_interval_per_event_time() -> None:
    data = payload("did")
    chart = did_chart(data, outcome="referrals")
    root = _tree(chart)
    rows = data["event_study"]
    assert len(_points(root)) == len(rows)
    assert len([p for p in root.iter(f"{SVG}path") if p.get("class") == "interval"]) == len(rows)
    # Before treatment hollow, after filled: the same split as the table's "before"/"after".
    hollow = [c for c in _points(root) if c.get("fill") == "#ffffff"]
    assert len(hollow) == sum(1 for r in rows if r["e"] < 0)
    assert [r[1] for r in chart.tables[0].rows] == ["before" if r["e"] < 0 else "after" for r in rows]
    assert chart.tables[0].rows[0][2] == number(rows[0]["att"])


def test_interrupted_time_series_draws_every_observed_period_and_a_dashed_counterfactual() -> None:
    data = payload("its")
    chart = its_chart(data, outcome="visits")
    root = _tree(chart)
    assert len(_points(root)) == len(data["series"])
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == 3  # fitted before, fitted after, counterfactual
    assert sum(1 for ln in lines if ln.get("stroke-dasharray")) == 1
    assert f"period {number(data['first_post_time'])}" in " ".join(_texts(root))
    after = [r for r in chart.tables[0].rows if r[1] == "after"]
    assert len(after) == data["n_post"] and all(r[4] != "" for r in after)


def test_interrupted_time_series_draws_the_comparison_series_with_its_key_and_column() -> None:
    data = payload("its")
    assert all(p["comparison"] is None for p in data["series"])  # none in this analysis
    for p in data["series"]:
        p["comparison"] = p["observed"] - 7.5
    data["series"][3]["comparison"] = None  # a missing value breaks the line, never drawn as 0
    chart = its_chart(data, outcome="visits")
    root = _tree(chart)
    dotted = [ln for ln in root.iter(f"{SVG}polyline")
              if ln.get("stroke-dasharray") == "10 3 2 3"]
    assert len(dotted) == 2
    assert "Comparison series (observed)" in _texts(root)
    table = chart.tables[0]
    assert table.columns[-1] == "Comparison series"
    assert [r[-1] for r in table.rows] == [
        number(p["comparison"]) if p["comparison"] is not None else NOT_AVAILABLE
        for p in data["series"]]


def test_synthetic_control_draws_treated_against_synthetic_and_the_placebo_fan() -> None:
    data = payload("synth")
    main, fan = synth_charts(data, outcome="rate")
    main_root, fan_root = _tree(main), _tree(fan)
    assert len(_points(main_root)) == len(data["series"])
    assert len(_points(fan_root)) == len(data["series"])
    faint = [ln for ln in fan_root.iter(f"{SVG}polyline") if ln.get("stroke-opacity")]
    assert len(faint) == len(data["placebos"]) > 0
    assert [r[0] for r in fan.tables[1].rows] == [p["unit"] for p in data["placebos"]]
    assert "Northfield" in " ".join(_texts(main_root))


def test_rd_draws_one_point_per_bin_and_hides_bins_of_few_people() -> None:
    data = payload("rd")
    data["bins"][0]["n"] = DEFAULT_THRESHOLD - 1
    data["fit"] = None
    chart = rd_chart(data, outcome="months at home", running="need score")
    root = _tree(chart)
    assert len(_points(root)) == len(data["bins"]) - 1
    assert len(chart.tables[0].rows) == len(data["bins"]) - 1
    assert f"fewer than {DEFAULT_THRESHOLD} people not shown" in chart.tables[0].caption
    assert number(data["bins"][0]["y_mean"]) not in [r[4] for r in chart.tables[0].rows]
    assert not list(root.iter(f"{SVG}polyline"))  # no fit in the payload: no line invented
    assert len(list(root.iter(f"{SVG}rect"))) == 2  # the bandwidth, and its legend sample


def test_rd_draws_the_local_linear_fits_when_the_payload_gives_them() -> None:
    data = payload("rd")
    data["fit"] = {"left": {"intercept": 26.0, "slope": 0.1}, "right": {"intercept": 29.0, "slope": 0.1}}
    root = _tree(rd_chart(data, outcome="months at home", running="need score"))
    assert len(list(root.iter(f"{SVG}polyline"))) == 2


def test_rd_analysis_carries_the_local_linear_fits_and_the_chart_draws_them() -> None:
    data = payload("rd")
    fit = data["fit"]
    assert fit["right"]["intercept"] - fit["left"]["intercept"] == pytest.approx(data["estimate"])
    root = _tree(rd_chart(data, outcome="months at home", running="need score"))
    assert len(list(root.iter(f"{SVG}polyline"))) == 2
    assert "Local linear fit within the bandwidth" in _texts(root)


@pytest.mark.parametrize("design", ["did", "its", "synth", "rd"])
def test_every_text_is_escaped(design: str) -> None:
    data: dict[str, Any] = payload(design)
    if design == "synth":
        data["treated"] = HOSTILE
        for p in data["placebos"]:
            p["unit"] = HOSTILE
    for chart in design_charts(design, data, outcome=HOSTILE, running=HOSTILE):
        assert "<script" not in chart.svg
        root = _tree(chart)
        assert any("<script>" in t for t in _texts(root))  # shown as text, not markup
    # Tables hold plain text: the template escapes them.


def test_missing_values_are_skipped_not_drawn() -> None:
    data = payload("did")
    data["event_study"][0]["att"] = None
    data["event_study"][1]["ci"] = [None, None]
    chart = did_chart(data, outcome="referrals")
    root = _tree(chart)
    assert len(_points(root)) == len(data["event_study"]) - 1
    assert chart.tables[0].rows[0][2] == NOT_AVAILABLE
    assert "nan" not in chart.svg.lower()


def test_an_empty_payload_still_draws_a_valid_chart() -> None:
    for design in ("did", "its", "synth", "rd"):
        for chart in design_charts(design, {}, outcome="x"):
            _tree(chart)


def test_number_formats() -> None:
    assert number(None) == NOT_AVAILABLE and number(math.nan) == NOT_AVAILABLE
    assert number(0) == "0" and number(1.23456) == "1.235" and number(123456.7) == "123,457"
    assert number(True) == NOT_AVAILABLE


def test_periods_coded_as_year_and_month_read_as_written() -> None:
    assert period(202403) == "202403" and period(2024.0) == "2024" and period(-2) == "-2"
    assert period(2.5) == "2.5" and period(None) == NOT_AVAILABLE
    data = payload("its")
    for row in data["series"]:
        row["time"] = 202000 + row["time"]
    data["first_post_time"] = 202025
    chart = its_chart(data, outcome="visits")
    assert chart.tables[0].rows[0][0] == "202001" and "period 202025" in chart.svg
