"""A metric's measurement periods: a month, a quarter, a half or a whole calendar year, each named
by its first day. Pure rules over dates."""

from __future__ import annotations

from datetime import date, timedelta

from app.objectives.models import Frequency


def period_start(day: date, frequency: Frequency) -> date:
    """The first day of the period holding `day` (quarters start in January, April, July, October)."""
    months = frequency.months
    month = ((day.month - 1) // months) * months + 1
    return date(day.year, month, 1)


def next_period_start(start: date, frequency: Frequency) -> date:
    month = start.month - 1 + frequency.months
    return date(start.year + month // 12, month % 12 + 1, 1)


def period_end(start: date, frequency: Frequency) -> date:
    """The last day of the period starting on `start`."""
    return next_period_start(start, frequency) - timedelta(days=1)


def previous_period_start(start: date, frequency: Frequency) -> date:
    month = start.month - 1 - frequency.months
    return date(start.year + month // 12, month % 12 + 1, 1)


def period_label(start: date, frequency: Frequency) -> str:
    """"Mar 2026", "Q2 2026", "H1 2026", "2026"."""
    if frequency == Frequency.MONTHLY:
        return start.strftime("%b %Y")
    if frequency == Frequency.QUARTERLY:
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    if frequency == Frequency.HALF_YEARLY:
        return f"H{(start.month - 1) // 6 + 1} {start.year}"
    return str(start.year)
