"""A metric's trend as an SVG image drawn on the server: no script and nothing fetched, so the
page, the dashboard and the PDF (WeasyPrint draws inline SVG) show the same picture.

The image is `role="img"` with a title and a description that gives every value, and its pages
show the same values as a table beside it; the target is a dashed line labelled with its value.
Pure: plain values in, markup out."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from app.common.wording import counted

LINE_COLOUR = "#0b5ed7"
TARGET_COLOUR = "#b02a37"
MET_COLOUR, MISSED_COLOUR = "#146c43", "#b02a37"


@dataclass(frozen=True)
class Point:
    label: str  # the period: "Mar 2026"
    value: float
    meets_target: bool


@dataclass(frozen=True)
class Size:
    width: int
    height: int
    left: int  # room for the value axis's labels
    bottom: int  # room for the periods' labels
    top: int = 14
    right: int = 70  # room for the target's label
    font: int = 11


FULL = Size(640, 260, 56, 44)
SMALL = Size(300, 130, 40, 24, top=10, right=48, font=10)


def number(value: float) -> str:
    """12, 72.5, 1,250: as people write them, without a trailing .0."""
    text = f"{value:,.1f}"
    return text[:-2] if text.endswith(".0") else text


def with_unit(value: float, unit: str) -> str:
    if not unit:
        return number(value)
    return f"{number(value)}{unit}" if unit == "%" else f"{number(value)} {unit}"


def _nice_step(span: float, ticks: int) -> float:
    """A step of 1, 2, 2.5 or 5 times a power of ten giving about `ticks` gridlines over `span`."""
    raw = span / max(ticks, 1)
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if raw <= multiple * power:
            return multiple * power
    return 10 * power


def value_axis(values: list[float], target: float, ticks: int = 4,
               ceiling: float | None = None) -> tuple[float, float, float]:
    """(lowest, highest, step) of the value axis: from zero (or below it) to above every value and the
    target, but not past `ceiling` (100 for a percentage) when nothing is above it."""
    low = min(0.0, target, *values)
    high = max(target, *values) if values else target
    if high == low:
        high = low + 1
    step = _nice_step(high - low, ticks)
    top = math.ceil(high / step) * step
    # Headroom above the highest value or the target, so the line is not drawn on the frame's edge.
    top = top + step if top - high < step / 4 else top
    if ceiling is not None and high <= ceiling < top:
        top = ceiling
    return math.floor(low / step) * step, top, step


def trend_svg(chart_id: str, title: str, points: list[Point], *, target: float, unit: str,
              direction_label: str, small: bool = False) -> Markup:
    size = SMALL if small else FULL
    plot_w = size.width - size.left - size.right
    plot_h = size.height - size.top - size.bottom
    low, high, step = value_axis([point.value for point in points], target, 3 if small else 4,
                                 ceiling=100 if unit == "%" else None)

    def y_of(value: float) -> float:
        return round(size.top + plot_h * (high - value) / (high - low), 1)

    def x_of(index: int) -> float:
        if len(points) == 1:
            return round(size.left + plot_w / 2, 1)
        return round(size.left + plot_w * index / (len(points) - 1), 1)

    described = "; ".join(f"{point.label}: {with_unit(point.value, unit)}" for point in points) or "no measurements yet"
    description = (f"Target {with_unit(target, unit)} ({direction_label.lower()}). "
                   f"{counted(len(points), 'measurement')}: {described}.")
    parts = [
        f'<svg class="trend-chart" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {size.width} {size.height}" width="{size.width}" height="{size.height}" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="{size.font}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    # Gridlines and the value axis's labels.
    tick = low
    while tick <= high + step / 1000:
        y = y_of(tick)
        parts.append(f'<line class="chart-grid" x1="{size.left}" x2="{size.left + plot_w}" y1="{y}" y2="{y}" '
                     f'stroke="#dee2e6" stroke-width="1"/>')
        parts.append(f'<text x="{size.left - 6}" y="{y + 4}" text-anchor="end" fill="#495057">'
                     f'{escape(with_unit(tick, unit if unit == "%" else ""))}</text>')
        tick += step
    # The axes, and what the value axis counts.
    parts.append(f'<line x1="{size.left}" x2="{size.left}" y1="{size.top}" y2="{size.top + plot_h}" '
                 'stroke="#6c757d"/>')
    parts.append(f'<line x1="{size.left}" x2="{size.left + plot_w}" y1="{size.top + plot_h}" '
                 f'y2="{size.top + plot_h}" stroke="#6c757d"/>')
    if not small and unit and unit != "%":
        parts.append(f'<text class="chart-axis-title" x="12" y="{size.top + plot_h / 2}" text-anchor="middle" '
                     f'transform="rotate(-90 12 {size.top + plot_h / 2})" fill="#495057">{escape(unit.capitalize())}'
                     '</text>')
    # The periods' labels: every one on the full chart when they fit, else every other; first and last when small.
    every = 1 if not small and len(points) <= 8 else (2 if not small else max(len(points) - 1, 1))
    for index, point in enumerate(points):
        if (len(points) - 1 - index) % every:  # counted from the last, which is always labelled
            continue
        anchor = "middle" if not small else ("start" if index == 0 else "end")
        parts.append(f'<text class="chart-period" x="{x_of(index)}" y="{size.top + plot_h + 16}" '
                     f'text-anchor="{anchor}" fill="#495057">{escape(point.label)}</text>')
    if not small:
        parts.append(f'<text class="chart-axis-title" x="{size.left + plot_w / 2}" y="{size.height - 6}" '
                     'text-anchor="middle" fill="#495057">Period measured</text>')
    # The target: a dashed line across, labelled at its right end.
    target_y = y_of(target)
    parts.append(f'<line class="chart-target" data-target="{target:g}" x1="{size.left}" '
                 f'x2="{size.left + plot_w}" y1="{target_y}" y2="{target_y}" stroke="{TARGET_COLOUR}" '
                 'stroke-width="1.5" stroke-dasharray="6 4"/>')
    # The margin holds the figure ("5", "95%"); another unit than % is on the value axis (or, small, beside it).
    figure = with_unit(target, unit if unit == "%" else "")
    target_text = figure if small else f"Target {figure}"
    parts.append(f'<text class="chart-target-label" x="{size.left + plot_w + 4}" y="{target_y + 4}" '
                 f'fill="{TARGET_COLOUR}">{escape(target_text)}</text>')
    # The values: a line through them, and a point each (green on target, red off it).
    if len(points) > 1:
        coordinates = " ".join(f"{x_of(i)},{y_of(p.value)}" for i, p in enumerate(points))
        parts.append(f'<polyline class="chart-line" points="{coordinates}" fill="none" stroke="{LINE_COLOUR}" '
                     'stroke-width="2"/>')
    for index, point in enumerate(points):
        colour = MET_COLOUR if point.meets_target else MISSED_COLOUR
        parts.append(f'<circle class="chart-point" cx="{x_of(index)}" cy="{y_of(point.value)}" '
                     f'r="{3 if small else 4}" fill="{colour}"><title>{escape(point.label)}: '
                     f'{escape(with_unit(point.value, unit))}</title></circle>')
    if not points:
        parts.append(f'<text x="{size.left + plot_w / 2}" y="{size.top + plot_h / 2}" text-anchor="middle" '
                     'fill="#495057">No measurements yet</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every text above is escaped; the rest is numbers)
