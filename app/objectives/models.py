"""Objectives (6.2), metrics and their measurements (9.1)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Column, Date, Float, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.models import Timestamped, UTCDateTime, Versioned
from app.common.timeutil import utcnow
from app.extensions import Model

if TYPE_CHECKING:
    from app.auth.models import User


class ObjectiveStatus(enum.StrEnum):
    PLANNED = "planned"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    ACHIEVED = "achieved"
    NOT_ACHIEVED = "not_achieved"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def finished(self) -> bool:
        """Achieved or not, the objective is over: it is no longer overdue."""
        return self in (ObjectiveStatus.ACHIEVED, ObjectiveStatus.NOT_ACHIEVED)


OPEN_OBJECTIVE_STATUSES = (ObjectiveStatus.PLANNED.value, ObjectiveStatus.ON_TRACK.value,
                           ObjectiveStatus.AT_RISK.value)


class Frequency(enum.StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    YEARLY = "yearly"

    @property
    def label(self) -> str:
        return self.value.replace("_", "-").capitalize()

    @property
    def months(self) -> int:
        return {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}[self.value]


class Direction(enum.StrEnum):
    HIGHER = "higher"  # higher is better: the target is a floor
    LOWER = "lower"  # lower is better: the target is a ceiling

    @property
    def label(self) -> str:
        return f"{self.value.capitalize()} is better"


objective_metric = Table(
    "objective_metric", Model.metadata,
    Column("objective_id", ForeignKey("objective.id", ondelete="CASCADE"), primary_key=True),
    Column("metric_id", ForeignKey("metric.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Objective(Model, Timestamped, Versioned):
    """An information-security objective (27001 6.2: what, resources, who, when, how evaluated)."""

    __tablename__ = "objective"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    plan: Mapped[str] = mapped_column(Text, default="")  # what will be done
    resources: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    due_on: Mapped[date] = mapped_column(Date, index=True)
    evaluation: Mapped[str] = mapped_column(Text, default="")  # how results are evaluated
    status: Mapped[str] = mapped_column(String(16), default=ObjectiveStatus.PLANNED.value, index=True)
    metrics: Mapped[list[Metric]] = relationship(secondary=objective_metric, back_populates="objectives",
                                                 order_by="Metric.title")
    history: Mapped[list[ObjectiveStatusChange]] = relationship(
        back_populates="objective",
        order_by="[ObjectiveStatusChange.changed_on.desc(), ObjectiveStatusChange.id.desc()]",
        cascade="all, delete-orphan", passive_deletes=True)

    @property
    def status_enum(self) -> ObjectiveStatus:
        return ObjectiveStatus(self.status)

    def is_overdue(self, today: date) -> bool:
        return self.due_on < today and not self.status_enum.finished

    def __str__(self) -> str:
        return self.title


class ObjectiveStatusChange(Model):
    """One dated entry of an objective's status over time: the status it took, who said so, and why."""

    __tablename__ = "objective_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(ForeignKey("objective.id", ondelete="CASCADE"), index=True)
    objective: Mapped[Objective] = relationship(back_populates="history")
    status: Mapped[str] = mapped_column(String(16))
    changed_on: Mapped[date] = mapped_column(Date)  # the organisation's date the status held from
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    changed_by: Mapped[User | None] = relationship(foreign_keys=[changed_by_id])
    note: Mapped[str] = mapped_column(Text, default="")

    @property
    def status_enum(self) -> ObjectiveStatus:
        return ObjectiveStatus(self.status)


class Metric(Model, Timestamped, Versioned):
    """What is measured (27001 9.1 a-f): method, frequency, who measures, who evaluates, the target."""

    __tablename__ = "metric"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")  # what is measured
    method: Mapped[str] = mapped_column(Text, default="")
    frequency: Mapped[str] = mapped_column(String(16), default=Frequency.MONTHLY.value)
    measurer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    measurer: Mapped[User | None] = relationship(foreign_keys=[measurer_id])
    evaluator_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    evaluator: Mapped[User | None] = relationship(foreign_keys=[evaluator_id])
    target: Mapped[float] = mapped_column(Float)
    direction: Mapped[str] = mapped_column(String(8), default=Direction.HIGHER.value)
    unit: Mapped[str] = mapped_column(String(24), default="")  # "%", "risks", "days"
    # A name of computations.COMPUTATIONS: Khusela measures it; None: someone records it by hand.
    computation: Mapped[str | None] = mapped_column(String(48))
    headline: Mapped[bool] = mapped_column(Boolean, default=False, index=True)  # its trend is on the dashboard
    # No longer measured (kept, with its measurements, for the record): not computed, not reminded, not
    # on the dashboard, not offered to objectives; it can be reinstated.
    retired_on: Mapped[date | None] = mapped_column(Date)
    retirement_reason: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[list[Objective]] = relationship(secondary=objective_metric, back_populates="metrics",
                                                       order_by="Objective.title")
    measurements: Mapped[list[Measurement]] = relationship(
        back_populates="metric", order_by="Measurement.period_start", cascade="all, delete-orphan",
        passive_deletes=True)

    @property
    def frequency_enum(self) -> Frequency:
        return Frequency(self.frequency)

    @property
    def direction_enum(self) -> Direction:
        return Direction(self.direction)

    def meets_target(self, value: float) -> bool:
        return value >= self.target if self.direction == Direction.HIGHER else value <= self.target

    def __str__(self) -> str:
        return self.title


class Measurement(Model, Timestamped, Versioned):
    """A metric's value for one period (a month, a quarter...), named by the period's first day: one
    per metric and period, so the computing job and a second click record nothing twice. A value
    recorded by hand can be corrected, with a reason; the audit log keeps what it was."""

    __tablename__ = "measurement"
    __table_args__ = (UniqueConstraint("metric_id", "period_start", name="uq_measurement_period"),
                      Index("ix_measurement_period_start", "period_start"))

    id: Mapped[int] = mapped_column(primary_key=True)
    metric_id: Mapped[int] = mapped_column(ForeignKey("metric.id", ondelete="CASCADE"))
    metric: Mapped[Metric] = relationship(back_populates="measurements")
    period_start: Mapped[date] = mapped_column(Date)
    measured_on: Mapped[date] = mapped_column(Date)  # the day the value held (a computation's as_of)
    value: Mapped[float] = mapped_column(Float)
    computed: Mapped[bool] = mapped_column(Boolean, default=False)  # by a computation, not by hand
    measured_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    measured_by: Mapped[User | None] = relationship(foreign_keys=[measured_by_id])
    note: Mapped[str] = mapped_column(Text, default="")
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    corrected_by: Mapped[User | None] = relationship(foreign_keys=[corrected_by_id])
    correction_reason: Mapped[str] = mapped_column(Text, default="")
