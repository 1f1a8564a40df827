"""The awareness register: campaigns and the training records of the employees who took them.

A campaign's audience is the employees still employed in its departments (every department when it
names none) whose position is one of its roles (any position when it names none). Employment keeps
no history (the employee register holds who is employed now), so the audience is counted as it
stands: an employee who left drops out of every campaign's rate."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Department, User
from app.common.models import Timestamped, Versioned, names_stored_files
from app.employees.models import Employee
from app.extensions import Model, db


class Channel(enum.StrEnum):
    """How a campaign reaches people: the delivery modes of the province's ICT Training Unit
    (online, webinars, face-to-face), and the awareness campaign's own e-mails, posters and simulations."""

    ONLINE = "online"
    WEBINAR = "webinar"
    FACE_TO_FACE = "face_to_face"
    EMAIL = "email"
    POSTER = "poster"
    PHISHING_SIMULATION = "phishing_simulation"

    @property
    def label(self) -> str:
        return {"online": "Online (self-directed, self-paced)", "webinar": "Webinar",
                "face_to_face": "Face-to-face", "email": "E-mail bulletin", "poster": "Posters and intranet",
                "phishing_simulation": "Phishing simulation"}[self.value]


class Outcome(enum.StrEnum):
    """What a training record says about one employee and one campaign."""

    COMPLETED = "completed"  # an online course or test finished
    ATTENDED = "attended"  # a session or webinar attended
    NOT_COMPLETED = "not_completed"  # enrolled, or in the training system's extract, but not finished

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def done(self) -> bool:
        return self in DONE


DONE = frozenset({Outcome.COMPLETED, Outcome.ATTENDED})
DONE_VALUES = sorted(outcome.value for outcome in DONE)

campaign_department = Table(
    "awareness_campaign_department", db.metadata,
    Column("campaign_id", ForeignKey("awareness_campaign.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("department.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Campaign(Model, Timestamped, Versioned):
    __tablename__ = "awareness_campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)  # AW-0001
    topic: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(24), index=True)
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    # The material: a file checked and kept as control evidence is (by its SHA-256), or a link.
    material_url: Mapped[str] = mapped_column(String(500), default="")
    material_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    material_name: Mapped[str | None] = mapped_column(String(255))
    material_size: Mapped[int | None] = mapped_column(Integer)
    material_media_type: Mapped[str | None] = mapped_column(String(120))

    departments: Mapped[list[Department]] = relationship(secondary=campaign_department,
                                                         order_by=Department.code)
    roles: Mapped[list[AudienceRole]] = relationship(back_populates="campaign", cascade="all, delete-orphan",
                                                     order_by="AudienceRole.position")

    @property
    def channel_enum(self) -> Channel:
        return Channel(self.channel)

    @property
    def role_names(self) -> list[str]:
        return [role.position for role in self.roles]

    def state(self, today: date) -> str:
        if today < self.starts_on:
            return "Planned"
        return "Running" if today <= self.ends_on else "Ended"

    def __str__(self) -> str:
        return f"{self.reference} {self.topic}"


class AudienceRole(Model):
    """A position the campaign is for (the employee register's "Position", matched ignoring case)."""

    __tablename__ = "awareness_audience_role"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("awareness_campaign.id", ondelete="CASCADE"), index=True)
    campaign: Mapped[Campaign] = relationship(back_populates="roles")
    position: Mapped[str] = mapped_column(String(200))
    position_key: Mapped[str] = mapped_column(String(200), index=True)  # lower-cased, spaces collapsed


class TrainingRecord(Model, Timestamped):
    """One employee's completion or attendance of one campaign (one record per pair)."""

    __tablename__ = "training_record"
    __table_args__ = (
        UniqueConstraint("campaign_id", "employee_id", name="uq_training_record_campaign_employee"),
        Index("ix_training_record_employee_campaign", "employee_id", "campaign_id"),
        # The list's and the rates' counts read this index alone: per campaign, the completions of its
        # audience per department.
        Index("ix_training_record_counts", "campaign_id", "in_audience", "outcome", "department_id"),
        Index("ix_training_record_updated_at", "updated_at"),  # when the records last changed (ISMS page)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("awareness_campaign.id", ondelete="CASCADE"))
    campaign: Mapped[Campaign] = relationship()
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id", ondelete="CASCADE"))
    employee: Mapped[Employee] = relationship()
    outcome: Mapped[str] = mapped_column(String(16))
    # As they were when the record was written (and again when the campaign's audience is edited): the
    # department a completion counts for, and whether the employee was in the campaign's audience.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="SET NULL"))
    in_audience: Mapped[bool] = mapped_column(default=True)
    completed_on: Mapped[date | None] = mapped_column(Date, index=True)
    score: Mapped[int | None] = mapped_column(Integer)  # a test's percentage, when the training system gives one
    source: Mapped[str] = mapped_column(String(16), default="hand")  # "hand" or "import"
    note: Mapped[str] = mapped_column(String(500), default="")

    @property
    def outcome_enum(self) -> Outcome:
        return Outcome(self.outcome)


names_stored_files(Campaign.material_sha256, "awareness campaign material")
