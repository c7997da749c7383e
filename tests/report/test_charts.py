"""The SVG charts: well-formed, one tooltip per mark, values placed on the scale."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from livecart.report.charts import bar_chart, compact, line_chart, nice_ticks

NS = "{http://www.w3.org/2000/svg}"


def test_nice_ticks_cover_the_top_in_1_2_5_steps():
    assert nice_ticks(97.5) == [0, 20, 40, 60, 80, 100]
    assert nice_ticks(4.2) == pytest.approx([0, 1, 2, 3, 4, 5])
    assert nice_ticks(0) == [0.0, 1.0]


def test_compact_labels():
    assert (compact(1500), compact(2_000_000), compact(0.25)) == ("1.5k", "2M", "0.25")


def test_stacked_bars_have_a_tooltip_each_and_stack_heights():
    svg = bar_chart(
        ["d1", "d2"], {"US": [30.0, 10.0], "ID <x>": [10.0, 0.0]}, title="GMV by day", unit="USD"
    )
    root = ET.fromstring(svg)  # well-formed, labels escaped
    bars = root.findall(f"{NS}rect[@class='bar']")
    assert len(bars) == 4
    titles = [b.find(f"{NS}title").text for b in bars]
    assert "d1 · US: 30.00 USD" in titles and "d1 · ID <x>: 10.00 USD" in titles
    h = {t: float(b.get("height")) for t, b in zip(titles, bars, strict=True)}
    assert h["d1 · US: 30.00 USD"] == pytest.approx(3 * h["d1 · ID <x>: 10.00 USD"])
    # the first day's stack (40) starts where the US bar ends
    us, idr = bars[0], bars[1]
    assert float(idr.get("y")) + float(idr.get("height")) == pytest.approx(float(us.get("y")))


def test_line_chart_breaks_at_gaps_and_titles_points():
    svg = line_chart(["a", "b", "c"], {"x": [1.0, None, 3.0]}, title="t")
    root = ET.fromstring(svg)
    path = root.find(f"{NS}path").get("d")
    assert path.count("M") == 2  # the gap starts a new segment
    assert len(root.findall(f"{NS}circle")) == 2
