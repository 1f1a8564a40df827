"""The nonconformity register: what did not conform, where it came from, the correction, the cause,
the corrective actions and the review of their effectiveness before the record is closed."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Department, User
from app.common.models import Timestamped, Versioned
from app.controls.models import Control
from app.extensions import Model


class NonconformitySource(enum.StrEnum):
    """Where a nonconformity was found (10.2 asks the organisation to react to each, whatever its source)."""

    INTERNAL_AUDIT = "internal_audit"
    EXTERNAL_AUDIT = "external_audit"
    INCIDENT = "incident"
    CONTROL_TEST = "control_test"
    COMPLAINT = "complaint"
    SELF_IDENTIFIED = "self_identified"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Severity(enum.StrEnum):
    """As certification bodies grade findings: a major one puts the ISMS's ability to achieve its
    outcomes in doubt (a clause or control absent or failing throughout); a minor one is a lapse."""

    MAJOR = "major"
    MINOR = "minor"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class NonconformityStatus(enum.StrEnum):
    """Open until corrected and analysed; actions in progress; verifying once every action is done
    (the effectiveness review is due); closed only after an effective review (10.2 d)."""

    OPEN = "open"
    ACTION_IN_PROGRESS = "action_in_progress"
    VERIFYING = "verifying"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {"action_in_progress": "Actions in progress",
                "verifying": "Effectiveness review due"}.get(self.value, self.value.capitalize())


OPEN_STATUSES = frozenset({NonconformityStatus.OPEN, NonconformityStatus.ACTION_IN_PROGRESS,
                           NonconformityStatus.VERIFYING})


class Nonconformity(Model, Timestamped, Versioned):
    __tablename__ = "nonconformity"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)  # NC-0001
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)  # its nature: the requirement, and what was found instead
    source: Mapped[str] = mapped_column(String(24), index=True)
    # Which audit, incident, test or complaint: free text for sources Khusela does not hold (an
    # external audit report's paragraph); the registers that raise one link it on their side too.
    source_reference: Mapped[str] = mapped_column(String(200), default="")
    severity: Mapped[str] = mapped_column(String(8), index=True)
    clause: Mapped[str | None] = mapped_column(String(8), index=True)  # "9.2" of clauses 4-10, if any
    control_id: Mapped[int | None] = mapped_column(ForeignKey("control.id"), index=True)
    control: Mapped[Control | None] = relationship()
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    department: Mapped[Department | None] = relationship()
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    raised_on: Mapped[date] = mapped_column(Date, index=True)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    raised_by: Mapped[User | None] = relationship(foreign_keys=[raised_by_id])
    # When the corrective actions are to be done by: the date ageing and reminders read.
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(24), default=NonconformityStatus.OPEN.value, index=True)

    correction: Mapped[str] = mapped_column(Text, default="")  # what was done at once to contain it (10.2 a)
    root_cause: Mapped[str] = mapped_column(Text, default="")  # the analysis, e.g. five whys (10.2 b 2)
    similar_elsewhere: Mapped[str] = mapped_column(Text, default="")  # do similar ones exist or could occur (10.2 b 3)

    effectiveness_reviewed_on: Mapped[date | None] = mapped_column(Date)
    effectiveness_reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    effectiveness_reviewer: Mapped[User | None] = relationship(foreign_keys=[effectiveness_reviewer_id])
    effectiveness_effective: Mapped[bool | None]
    effectiveness_note: Mapped[str] = mapped_column(Text, default="")
    closed_on: Mapped[date | None] = mapped_column(Date, index=True)

    actions: Mapped[list[CorrectiveAction]] = relationship(
        back_populates="nonconformity", cascade="all, delete-orphan",
        order_by="(CorrectiveAction.due_on, CorrectiveAction.id)")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class CorrectiveActionStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class CorrectiveAction(Model, Timestamped, Versioned):
    """An action that removes a nonconformity's cause (10.2 c), with its owner and date."""

    __tablename__ = "corrective_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonconformity_id: Mapped[int] = mapped_column(ForeignKey("nonconformity.id", ondelete="CASCADE"), index=True)
    nonconformity: Mapped[Nonconformity] = relationship(back_populates="actions")
    title: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default=CorrectiveActionStatus.PLANNED.value, index=True)
    progress_note: Mapped[str] = mapped_column(Text, default="")
    completed_on: Mapped[date | None] = mapped_column(Date)

    def is_overdue(self, today: date) -> bool:
        return self.due_on < today and self.status in (CorrectiveActionStatus.PLANNED,
                                                       CorrectiveActionStatus.IN_PROGRESS)
