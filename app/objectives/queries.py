"""Reading objectives, metrics and measurements for the lists, exports, dashboard, reports and
reminders. Every role that reads objectives reads them all: there is no per-reader scope."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import ColumnElement

from app.auth.models import User
from app.common.listing import SqlColumn, choice_arg, id_arg
from app.common.timeutil import local_zone
from app.extensions import db
from app.objectives import charts, periods
from app.objectives.models import (
    OPEN_OBJECTIVE_STATUSES,
    Measurement,
    Metric,
    Objective,
    ObjectiveStatus,
)

SORT_COLUMNS: dict[str, SqlColumn] = {"title": sa.func.lower(Objective.title), "due_on": Objective.due_on,
                                      "status": Objective.status}
DEFAULT_SORT = "due_on"
METRIC_SORT_COLUMNS: dict[str, SqlColumn] = {"title": sa.func.lower(Metric.title), "frequency": Metric.frequency}
METRIC_DEFAULT_SORT = "title"
KIND_MANUAL, KIND_COMPUTED = "manual", "computed"
STATE_IN_USE, STATE_RETIRED = "in_use", "retired"
IN_USE = Metric.retired_on.is_(None)
CHART_PERIODS = 12  # a year of monthly measurements on the charts


@dataclass(frozen=True)
class ObjectiveFilters:
    q: str = ""
    status: str = ""  # an ObjectiveStatus, "open" (not achieved nor not achieved), or "" (any)
    owner_id: int | None = None
    overdue: bool = False

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ObjectiveFilters:
        return cls(q=(args.get("q") or "").replace("\x00", "").strip()[:200],
                   status=choice_arg(args, "status", {"open", *(s.value for s in ObjectiveStatus)}),
                   owner_id=id_arg(args, "owner"), overdue=args.get("overdue") in ("1", "yes", "on", "true"))

    def conditions(self, today: date) -> list[ColumnElement]:
        where: list[ColumnElement] = []
        if self.q:
            needle = self.q.lower()
            where.append(sa.or_(*(sa.func.lower(column).contains(needle, autoescape=True)
                                  for column in (Objective.title, Objective.plan))))
        if self.status == "open":
            where.append(Objective.status.in_(OPEN_OBJECTIVE_STATUSES))
        elif self.status:
            where.append(Objective.status == self.status)
        if self.owner_id is not None:
            where.append(Objective.owner_id == self.owner_id)
        if self.overdue:
            where.append(sa.and_(*overdue_conditions(today)))
        return where


def overdue_conditions(today: date) -> list[ColumnElement]:
    """Objectives not yet achieved (nor given up as not achieved) past their due date."""
    return [Objective.status.in_(OPEN_OBJECTIVE_STATUSES), Objective.due_on < today]


def filtered_objectives(filters: ObjectiveFilters, today: date) -> sa.Select:
    return (sa.select(Objective).where(*filters.conditions(today))
            .options(selectinload(Objective.owner), selectinload(Objective.metrics)))


def objective_owners() -> list[User]:
    """The people who own an objective, for the list's filter."""
    return list(db.session.scalars(sa.select(User).where(User.id.in_(sa.select(Objective.owner_id)))
                                   .order_by(sa.func.lower(User.full_name))))


def all_objectives() -> list[Objective]:
    return list(db.session.scalars(filtered_objectives(ObjectiveFilters(), date.min)
                                   .options(selectinload(Objective.history))
                                   .order_by(Objective.due_on, Objective.id)))


# --- metrics ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricFilters:
    q: str = ""
    kind: str = ""  # manual, computed, or "" (both)
    headline: bool = False
    state: str = ""  # in_use, retired, or "" (both)

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> MetricFilters:
        return cls(q=(args.get("q") or "").replace("\x00", "").strip()[:200],
                   kind=choice_arg(args, "kind", {KIND_MANUAL, KIND_COMPUTED}),
                   headline=args.get("headline") in ("1", "yes", "on", "true"),
                   state=choice_arg(args, "state", {STATE_IN_USE, STATE_RETIRED}))

    def conditions(self) -> list[ColumnElement]:
        where: list[ColumnElement] = []
        if self.q:
            needle = self.q.lower()
            where.append(sa.or_(*(sa.func.lower(column).contains(needle, autoescape=True)
                                  for column in (Metric.title, Metric.description))))
        if self.kind == KIND_MANUAL:
            where.append(Metric.computation.is_(None))
        elif self.kind == KIND_COMPUTED:
            where.append(Metric.computation.is_not(None))
        if self.headline:
            where.append(Metric.headline.is_(True))
        if self.state == STATE_IN_USE:
            where.append(IN_USE)
        elif self.state == STATE_RETIRED:
            where.append(~IN_USE)
        return where


def filtered_metrics(filters: MetricFilters) -> sa.Select:
    return (sa.select(Metric).where(*filters.conditions())
            .options(selectinload(Metric.measurer), selectinload(Metric.evaluator)))


def all_metrics() -> list[Metric]:
    return list(db.session.scalars(filtered_metrics(MetricFilters()).order_by(sa.func.lower(Metric.title))))


def metrics_to_link(linked: list[Metric]) -> list[Metric]:
    """The metrics an objective may be linked to: those in use, and those it is linked to already."""
    kept = {metric.id for metric in linked}
    return [metric for metric in all_metrics() if metric.retired_on is None or metric.id in kept]


def latest_measurements(metric_ids: list[int]) -> dict[int, Measurement]:
    """Each metric's latest measurement, in one query."""
    if not metric_ids:
        return {}
    latest = (sa.select(Measurement.metric_id, sa.func.max(Measurement.period_start).label("start"))
              .where(Measurement.metric_id.in_(metric_ids)).group_by(Measurement.metric_id).subquery())
    rows = db.session.scalars(sa.select(Measurement).join(
        latest, sa.and_(Measurement.metric_id == latest.c.metric_id, Measurement.period_start == latest.c.start)))
    return {measurement.metric_id: measurement for measurement in rows}


def recent_measurements(metric_ids: list[int], count: int = CHART_PERIODS) -> dict[int, list[Measurement]]:
    """Each metric's last `count` measurements, oldest first (one query for all the metrics)."""
    if not metric_ids:
        return {}
    rank = sa.func.row_number().over(partition_by=Measurement.metric_id,
                                     order_by=Measurement.period_start.desc()).label("rank")
    ranked = sa.select(Measurement.id, rank).where(Measurement.metric_id.in_(metric_ids)).subquery()
    rows = db.session.scalars(sa.select(Measurement).join(ranked, ranked.c.id == Measurement.id)
                              .where(ranked.c.rank <= count).order_by(Measurement.period_start))
    found: dict[int, list[Measurement]] = {metric_id: [] for metric_id in metric_ids}
    for measurement in rows:
        found[measurement.metric_id].append(measurement)
    return found


def measurements_statement(metric_id: int | None = None, date_from: date | None = None,
                           date_to: date | None = None) -> sa.Select:
    statement = (sa.select(Measurement).join(Metric, Metric.id == Measurement.metric_id)
                 .options(selectinload(Measurement.metric), selectinload(Measurement.measured_by),
                          selectinload(Measurement.corrected_by))
                 .order_by(sa.func.lower(Metric.title), Measurement.period_start))
    if metric_id is not None:
        statement = statement.where(Measurement.metric_id == metric_id)
    if date_from is not None:
        statement = statement.where(Measurement.period_start >= date_from)
    if date_to is not None:
        statement = statement.where(Measurement.period_start <= date_to)
    return statement


def headline_metrics() -> list[Metric]:
    return list(db.session.scalars(sa.select(Metric).where(Metric.headline.is_(True), IN_USE)
                                   .order_by(sa.func.lower(Metric.title))))


def computed_metrics() -> list[Metric]:
    return list(db.session.scalars(sa.select(Metric).where(Metric.computation.is_not(None), IN_USE)
                                   .order_by(Metric.id)))


# --- reminders -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasurementDue:
    metric: Metric
    period_start: date
    due_on: date  # the period's last day


def manual_measurements_due(today: date, until: date) -> list[MeasurementDue]:
    """The hand-measured metrics whose period ending on or before `until` has no measurement yet: the
    current period (when it ends by `until`) and the one before it (then overdue). A period that
    ended before the metric was set up is not asked for."""
    metrics = list(db.session.scalars(sa.select(Metric).where(Metric.computation.is_(None), IN_USE,
                                                              Metric.measurer_id.is_not(None)).order_by(Metric.id)))
    if not metrics:
        return []
    measured = {(metric_id, start) for metric_id, start in db.session.execute(
        sa.select(Measurement.metric_id, Measurement.period_start)
        .where(Measurement.metric_id.in_([m.id for m in metrics])))}
    due = []
    for metric in metrics:
        frequency = metric.frequency_enum
        current = periods.period_start(today, frequency)
        set_up_on = metric.created_at.astimezone(local_zone()).date() if isinstance(metric.created_at, datetime) \
            else today
        for start in (periods.previous_period_start(current, frequency), current):
            end = periods.period_end(start, frequency)
            if end > until or end < set_up_on or (metric.id, start) in measured:
                continue
            due.append(MeasurementDue(metric, start, end))
    return due


# --- trends ----------------------------------------------------------------------------------------


def trend_points(metric: Metric, measurements: list[Measurement]) -> list[charts.Point]:
    return [charts.Point(periods.period_label(m.period_start, metric.frequency_enum), m.value,
                         metric.meets_target(m.value)) for m in measurements]


def trend_chart(metric: Metric, measurements: list[Measurement], *, small: bool = False,
                chart_id: str | None = None) -> Markup:
    """The metric's trend against its target (app.objectives.charts); its page shows the same values as a table."""
    return charts.trend_svg(chart_id or f"metric-{metric.id}-trend", f"{metric.title}: trend against the target",
                            trend_points(metric, measurements), target=metric.target, unit=metric.unit,
                            direction_label=metric.direction_enum.label, small=small)


def anything_set_up() -> bool:
    """Whether there is an objective or a metric (an evidence pack then holds their report and extracts)."""
    return bool(db.session.scalar(sa.select(sa.exists().where(Objective.id.is_not(None)))) or
                db.session.scalar(sa.select(sa.exists().where(Metric.id.is_not(None)))))
