"""The pure rules: measurement periods, and the trend chart's SVG (valid XML, accessible, a target line)."""

from __future__ import annotations

from datetime import date

import pytest

from app.objectives import charts, periods
from app.objectives.models import Frequency
from tests.objectives.conftest import svg_of

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(("day", "frequency", "start", "end", "label"), [
    (date(2026, 3, 17), Frequency.MONTHLY, date(2026, 3, 1), date(2026, 3, 31), "Mar 2026"),
    (date(2026, 2, 28), Frequency.MONTHLY, date(2026, 2, 1), date(2026, 2, 28), "Feb 2026"),
    (date(2026, 12, 31), Frequency.MONTHLY, date(2026, 12, 1), date(2026, 12, 31), "Dec 2026"),
    (date(2026, 5, 2), Frequency.QUARTERLY, date(2026, 4, 1), date(2026, 6, 30), "Q2 2026"),
    (date(2026, 12, 6), Frequency.QUARTERLY, date(2026, 10, 1), date(2026, 12, 31), "Q4 2026"),
    (date(2026, 7, 1), Frequency.HALF_YEARLY, date(2026, 7, 1), date(2026, 12, 31), "H2 2026"),
    (date(2026, 6, 30), Frequency.YEARLY, date(2026, 1, 1), date(2026, 12, 31), "2026"),
])
def test_a_day_falls_in_one_period(day, frequency, start, end, label):
    assert periods.period_start(day, frequency) == start
    assert periods.period_end(start, frequency) == end
    assert periods.period_label(start, frequency) == label
    assert periods.previous_period_start(periods.next_period_start(start, frequency), frequency) == start


def test_the_period_before_january_is_last_years():
    assert periods.previous_period_start(date(2026, 1, 1), Frequency.MONTHLY) == date(2025, 12, 1)
    assert periods.previous_period_start(date(2026, 1, 1), Frequency.QUARTERLY) == date(2025, 10, 1)


def _chart(points, target=5.0, small=False, unit="%"):
    return charts.trend_svg("phishing", "Phishing click rate: trend", points, target=target, unit=unit,
                            direction_label="Lower is better", small=small)


POINTS = [charts.Point("Jan 2026", 18.4, False), charts.Point("Feb 2026", 12.0, False),
          charts.Point("Mar 2026", 4.5, True)]


@pytest.mark.parametrize("small", [False, True])
def test_the_chart_is_an_accessible_svg_with_a_target_line(small):
    svg = svg_of(str(_chart(POINTS, small=small)))

    assert svg.tag == f"{SVG}svg" and svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "phishing-title phishing-desc"
    assert svg.find(f"{SVG}title").text == "Phishing click rate: trend"
    description = svg.find(f"{SVG}desc").text
    assert "Target 5% (lower is better)" in description
    assert "Jan 2026: 18.4%; Feb 2026: 12%; Mar 2026: 4.5%" in description
    [target] = [line for line in svg.iter(f"{SVG}line") if line.get("class") == "chart-target"]
    assert target.get("data-target") == "5" and target.get("stroke-dasharray")
    points = [circle for circle in svg.iter(f"{SVG}circle") if circle.get("class") == "chart-point"]
    assert [point.get("fill") for point in points] == [charts.MISSED_COLOUR, charts.MISSED_COLOUR, charts.MET_COLOUR]
    assert svg.find(f"{SVG}polyline") is not None


def test_the_target_line_sits_at_the_targets_height():
    svg = svg_of(str(_chart([charts.Point("Jan 2026", 0, True), charts.Point("Feb 2026", 100, True)],
                                   target=50)))
    low_y = float(list(svg.iter(f"{SVG}circle"))[0].get("cy"))
    high_y = float(list(svg.iter(f"{SVG}circle"))[1].get("cy"))
    [target] = [line for line in svg.iter(f"{SVG}line") if line.get("class") == "chart-target"]

    assert float(target.get("y1")) == pytest.approx((low_y + high_y) / 2, abs=0.2)


def test_text_in_the_chart_is_escaped():
    svg = str(charts.trend_svg("x", "Risks <script> & co", [charts.Point("Q1 <2026>", 3, True)], target=2,
                               unit="risks", direction_label="Lower is better"))

    assert "<script>" not in svg and "&lt;script&gt; &amp; co" in svg
    svg_of(svg)  # still well-formed


def test_a_chart_without_measurements_says_so():
    svg = svg_of(str(_chart([])))

    assert "no measurements yet" in svg.find(f"{SVG}desc").text
    assert any(text.text == "No measurements yet" for text in svg.iter(f"{SVG}text"))


@pytest.mark.parametrize(("values", "target", "expected"), [
    ([18.4, 7.3], 5, (0, 20, 5)),
    ([77.5], 80, (0, 100, 20)),  # headroom above the target
    ([0, 0], 0, (0, 1.25, 0.25)),
    ([-3, 4], 0, (-4, 6, 2)),
])
def test_the_value_axis_covers_the_values_and_the_target(values, target, expected):
    assert charts.value_axis(values, target) == expected


def test_a_percentage_axis_stops_at_100_unless_a_value_is_above_it():
    assert charts.value_axis([84.2, 12.2], 95, ceiling=100) == (0, 100, 25)
    assert charts.value_axis([84.2, 112], 95, ceiling=100) == (0, 150, 50)
