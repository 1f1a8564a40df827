"""The scheduler's `measurements` job: each computed metric's value for the current period, once.

The first run in a period records the value as of that day; later runs in the same period find it
there and record nothing (one measurement per metric and period: services.record_computed, and the
table's unique constraint behind it). The job's runner commits."""

from __future__ import annotations

from datetime import date

from app.common.timeutil import local_today
from app.common.wording import counted
from app.objectives import queries, services


def record_computed_measurements(today: date | None = None) -> str:
    today = today or local_today()
    recorded = [measurement for metric in queries.computed_metrics()
                if (measurement := services.record_computed(metric, today)) is not None]
    return f"{counted(len(recorded), 'computed measurement')} recorded"
