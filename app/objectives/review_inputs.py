"""The objectives' sections of a management review pack (9.3.2 d 2 and d 4): monitoring and
measurement results, and the fulfilment of the information-security objectives, as of the review's
date with what changed since the previous review. Named in app.reviews.inputs.PROVIDERS and called
when a pack is compiled.

Measurements and status changes are dated, so both sections are as they stood on the date: a
metric's latest value is the last period measured on or before it, an objective's status the last
one recorded for a day on or before it."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.objectives import periods
from app.objectives.models import Measurement, Metric, Objective, ObjectiveStatus, ObjectiveStatusChange
from app.reviews.inputs import ROWS_LISTED, figure, table


def _number(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def monitoring_for_review(as_of: date, since: date) -> dict | None:
    metrics = list(db.session.scalars(sa.select(Metric).order_by(sa.func.lower(Metric.title))))
    measured = list(db.session.scalars(sa.select(Measurement).where(Measurement.measured_on <= as_of)
                                       .order_by(Measurement.period_start)))
    if not metrics or not measured:
        return None
    latest: dict[int, Measurement] = {}
    at_since: dict[int, Measurement] = {}
    for measurement in measured:  # oldest first: the last one kept wins
        latest[measurement.metric_id] = measurement
        if measurement.measured_on <= since:
            at_since[measurement.metric_id] = measurement
    rows, on_target, off_target = [], 0, 0
    for metric in metrics:
        now, before = latest.get(metric.id), at_since.get(metric.id)
        if now is None:
            rows.append([metric.title, "", None, _number(metric.target), "not measured", None])
            continue
        met = metric.meets_target(now.value)
        on_target, off_target = on_target + met, off_target + (not met)
        rows.append([metric.title, periods.period_label(now.period_start, metric.frequency_enum), _number(now.value),
                     _number(metric.target), "on target" if met else "off target",
                     _number(before.value) if before else None])
    return {"figures": [figure("metrics", "Metrics", len(metrics)),
                        figure("metrics_on_target", "On target at their latest measurement", on_target),
                        figure("metrics_off_target", "Off target at their latest measurement", off_target),
                        figure("metrics_not_measured", "Not measured yet", len(metrics) - on_target - off_target)],
            "tables": [table("metric_results", "Each metric's latest value against its target, and its value at the "
                             "previous review", ["Metric", "Period", "Value", "Target", "Against the target",
                                                 "At the previous review"],
                             rows[:ROWS_LISTED], kind="items", more=max(0, len(rows) - ROWS_LISTED))],
            "note": "The latest measurement of each metric on or before the date, from the objectives and metrics "
                    "register (computed ones by Khusela once a period)."}


def objectives_for_review(as_of: date, since: date) -> dict | None:
    # An objective counts from the day its history starts (the day it was set), not the day it was typed in.
    changes = list(db.session.scalars(
        sa.select(ObjectiveStatusChange).where(ObjectiveStatusChange.changed_on <= as_of)
        .order_by(ObjectiveStatusChange.changed_on, ObjectiveStatusChange.id)))
    status_on: dict[int, ObjectiveStatusChange] = {}
    for change in changes:  # oldest first: the last one kept is the status on the date
        status_on[change.objective_id] = change
    if not status_on:
        return None
    objectives = list(db.session.scalars(sa.select(Objective).where(Objective.id.in_(status_on))
                                         .options(selectinload(Objective.owner))
                                         .order_by(Objective.due_on, Objective.id)))
    rows, counts = [], dict.fromkeys(ObjectiveStatus, 0)
    overdue = 0
    for objective in objectives:
        current = status_on[objective.id]
        status = ObjectiveStatus(current.status)
        counts[status] += 1
        late = objective.due_on < as_of and not status.finished
        overdue += late
        rows.append([objective.title, objective.owner.full_name if objective.owner else "",
                     objective.due_on.isoformat(), status.label + (" (overdue)" if late else ""),
                     "changed" if current.changed_on > since else ""])
    return {"figures": [figure("objectives", "Objectives", len(objectives)),
                        *(figure(f"objectives_{status.value}", status.label, counts[status])
                          for status in ObjectiveStatus),
                        figure("objectives_overdue", "Past their due date, not finished", overdue)],
            "tables": [table("objective_status", "Each objective's status on the date",
                             ["Objective", "Owner", "Due on", "Status", "Since the previous review"],
                             rows[:ROWS_LISTED], kind="items", more=max(0, len(rows) - ROWS_LISTED))],
            "note": "Each objective's status as recorded for a day on or before the date (its status history)."}
