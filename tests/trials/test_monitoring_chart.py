"""The monitoring chart is well-formed SVG that names every line and titles both axes."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from seedbed.trials.charts import Line, z_chart_svg

NS = "{http://www.w3.org/2000/svg}"


def test_chart_names_every_line_and_axis_and_wraps_long_labels() -> None:
    long_label = "Harm boundary, Emergency placement: intervention against control (crossing below it pauses enrolment)"
    svg = z_chart_svg(title="Harm <statistic> & boundary", lines=[
        Line(label="Z, Emergency placement", points=((0.3, -0.5), (0.6, math.nan), (1.0, -7.0))),
        Line(label=long_label, points=((0.3, -2.2), (0.6, -2.0), (1.0, -1.95)), boundary=True),
    ])
    root = ET.fromstring(svg)  # escapes the title: well-formed
    assert root.get("role") == "img" and "table that follows" in root.get("aria-label", "")
    texts = [" ".join(" ".join(t.itertext()).split()) for t in root.iter(f"{NS}text")]
    assert "Z statistic" in texts
    assert "Information fraction (share of the planned information)" in texts
    assert "Z, Emergency placement" in texts and long_label in " ".join(texts)
    assert any(len(list(t.iter(f"{NS}tspan"))) > 1 for t in root.iter(f"{NS}text"))  # wrapped
    dashed = [p for p in root.iter(f"{NS}polyline") if p.get("stroke-dasharray")]
    assert len(dashed) == 1  # the boundary is dashed, the statistic is not
    width = float(root.get("viewBox", "0 0 0 0").split()[2])
    circles = list(root.iter(f"{NS}circle"))
    assert len(circles) == 2  # the missing Z is not drawn; -7 is clipped into the plot
    assert all(0 <= float(c.get("cx", -1)) <= width for c in circles)
