"""The columns of the objectives', metrics' and measurements' CSV and XLSX downloads; evidence packs
use the same (app.reports.pack_archive)."""

from __future__ import annotations

from app.common.export import Column
from app.common.timeutil import to_local
from app.objectives import periods
from app.objectives.computations import computation_named
from app.objectives.models import Measurement, Metric


def _name(user) -> str:
    return user.full_name if user else ""


def _how_measured(metric: Metric) -> str:
    computation = computation_named(metric.computation)
    return f"Computed: {computation.title}" if computation else "By hand"


OBJECTIVE_COLUMNS = [
    Column("Objective", lambda o: o.title, 40),
    Column("Status", lambda o: o.status_enum.label, 14),
    Column("Since", lambda o: o.history[0].changed_on if o.history else None, 12),
    Column("Owner", lambda o: _name(o.owner), 24),
    Column("Due on", lambda o: o.due_on, 12),
    Column("What will be done", lambda o: o.plan, 60),
    Column("Resources", lambda o: o.resources, 40),
    Column("How results are evaluated", lambda o: o.evaluation, 50),
    Column("Metrics", lambda o: "; ".join(metric.title for metric in o.metrics), 40),
]


def metric_columns(latest: dict[int, Measurement]) -> list[Column]:
    """With each metric's latest value (from queries.latest_measurements, read once for the rows)."""

    def latest_value(metric: Metric):
        found = latest.get(metric.id)
        return found.value if found else None

    def latest_period(metric: Metric) -> str:
        found = latest.get(metric.id)
        return periods.period_label(found.period_start, metric.frequency_enum) if found else ""

    def on_target(metric: Metric) -> str:
        found = latest.get(metric.id)
        return "" if found is None else ("yes" if metric.meets_target(found.value) else "no")

    return [
        Column("Metric", lambda m: m.title, 40),
        Column("What is measured", lambda m: m.description, 50),
        Column("How measured", _how_measured, 30),
        Column("Method", lambda m: m.method, 40),
        Column("Frequency", lambda m: m.frequency_enum.label, 12),
        Column("Who measures", lambda m: _name(m.measurer), 24),
        Column("Who evaluates", lambda m: _name(m.evaluator), 24),
        Column("Target", lambda m: m.target, 10),
        Column("Better when", lambda m: m.direction_enum.value, 10),
        Column("Unit", lambda m: m.unit, 10),
        Column("Headline", lambda m: "yes" if m.headline else "no", 10),
        Column("Latest period", latest_period, 14),
        Column("Latest value", latest_value, 12),
        Column("On target", on_target, 10),
        Column("Retired on", lambda m: m.retired_on, 12),
        Column("Why retired", lambda m: m.retirement_reason, 40),
    ]


MEASUREMENT_COLUMNS = [
    Column("Metric", lambda m: m.metric.title, 40),
    Column("Period", lambda m: periods.period_label(m.period_start, m.metric.frequency_enum), 12),
    Column("Period start", lambda m: m.period_start, 12),
    Column("Measured on", lambda m: m.measured_on, 12),
    Column("Value", lambda m: m.value, 10),
    Column("Unit", lambda m: m.metric.unit, 10),
    Column("Target", lambda m: m.metric.target, 10),
    Column("On target", lambda m: "yes" if m.metric.meets_target(m.value) else "no", 10),
    Column("How", lambda m: "computed" if m.computed else "by hand", 10),
    Column("Measured by", lambda m: _name(m.measured_by) if not m.computed else "Khusela", 24),
    Column("Note", lambda m: m.note, 50),
    Column("Corrected on", lambda m: to_local(m.corrected_at).date() if m.corrected_at else None, 12),
    Column("Corrected by", lambda m: _name(m.corrected_by), 24),
    Column("Why corrected", lambda m: m.correction_reason, 50),
]
