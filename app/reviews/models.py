"""A management review meeting, its frozen review pack and its decisions and actions."""

from __future__ import annotations

import enum
import json
from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Integer, LargeBinary, String, Table, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.auth.models import User
from app.common.models import Timestamped, UTCDateTime, Versioned
from app.extensions import Model


class ReviewStatus(enum.StrEnum):
    """planned -> inputs compiled -> held (minutes recorded) -> approved. The pack is frozen once held;
    the whole review is read-only once approved (only its actions' progress goes on)."""

    PLANNED = "planned"
    INPUTS_COMPILED = "inputs_compiled"
    HELD = "held"
    APPROVED = "approved"

    @property
    def label(self) -> str:
        return {"inputs_compiled": "Inputs compiled", "held": "Held (minutes recorded)"}.get(
            self.value, self.value.capitalize())


COMPILABLE_STATUSES = (ReviewStatus.PLANNED.value, ReviewStatus.INPUTS_COMPILED.value)
HELD_STATUSES = (ReviewStatus.HELD.value, ReviewStatus.APPROVED.value)

management_review_attendee = Table(
    "management_review_attendee", Model.metadata,
    Column("review_id", ForeignKey("management_review.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id"), primary_key=True, index=True),
)


class ManagementReview(Model, Timestamped, Versioned):
    __tablename__ = "management_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    meeting_on: Mapped[date] = mapped_column(Date, index=True)
    chair_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    chair: Mapped[User] = relationship(foreign_keys=[chair_id])
    attendees: Mapped[list[User]] = relationship(secondary=management_review_attendee,
                                                 order_by="User.full_name")
    external_attendees: Mapped[str] = mapped_column(Text, default="")  # one name (and organisation) a line
    status: Mapped[str] = mapped_column(String(16), default=ReviewStatus.PLANNED.value, index=True)
    # Recorded by hand for the pack (9.3.2 e and g): what Khusela holds no register of.
    interested_party_feedback: Mapped[str] = mapped_column(Text, default="")
    improvement_opportunities: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[str] = mapped_column(Text, default="")
    held_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    pack: Mapped[ReviewPack | None] = relationship(back_populates="review", uselist=False,
                                                   cascade="all, delete-orphan")
    actions: Mapped[list[ReviewAction]] = relationship(back_populates="review", cascade="all, delete-orphan",
                                                       order_by="(ReviewAction.due_on, ReviewAction.id)")

    @property
    def status_enum(self) -> ReviewStatus:
        return ReviewStatus(self.status)

    @property
    def pack_frozen(self) -> bool:
        return self.status in HELD_STATUSES

    @property
    def read_only(self) -> bool:
        return self.status == ReviewStatus.APPROVED

    @property
    def external_names(self) -> list[str]:
        return [line.strip() for line in self.external_attendees.splitlines() if line.strip()]

    def __str__(self) -> str:
        return f"{self.title} ({self.meeting_on.isoformat()})"


class PdfStatus(enum.StrEnum):
    QUEUED = "queued"
    READY = "ready"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"queued": "Being prepared", "ready": "Ready", "failed": "Could not be prepared"}[self.value]


class ReviewPack(Model):
    """The review's inputs as compiled on a date: every section's figures (JSON, with the schema
    version of app.reviews.inputs), and the PDF made from them by the scheduler's `documents` job.
    Compiled again until the review is held, then frozen."""

    __tablename__ = "management_review_pack"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("management_review.id", ondelete="CASCADE"), unique=True)
    review: Mapped[ManagementReview] = relationship(back_populates="pack")
    revision: Mapped[int] = mapped_column(Integer, default=1)  # each compile; a PDF built from an older one is dropped
    as_of: Mapped[date] = mapped_column(Date)
    compiled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    compiled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    compiled_by: Mapped[User | None] = relationship(foreign_keys=[compiled_by_id])
    schema_version: Mapped[int] = mapped_column(Integer)
    figures_json: Mapped[str] = mapped_column(Text)
    pdf_status: Mapped[str] = mapped_column(String(8), default=PdfStatus.QUEUED.value, index=True)
    # The PDF is kept in the row (a few hundred KB): backups carry it with the figures it was made from.
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="")
    pdf_size: Mapped[int] = mapped_column(Integer, default=0)
    pdf_built_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pdf_error: Mapped[str] = mapped_column(Text, default="")

    @property
    def figures(self) -> dict:
        return json.loads(self.figures_json)

    @property
    def pdf_status_enum(self) -> PdfStatus:
        return PdfStatus(self.pdf_status)


class ActionStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


OPEN_ACTION_STATUSES = (ActionStatus.OPEN.value, ActionStatus.IN_PROGRESS.value)


class ReviewAction(Model, Timestamped, Versioned):
    """A decision of the review and the action that carries it out (9.3.3: decisions related to
    continual improvement and any need for changes to the ISMS), tracked by its owner until done."""

    __tablename__ = "management_review_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("management_review.id", ondelete="CASCADE"), index=True)
    review: Mapped[ManagementReview] = relationship(back_populates="actions")
    decision: Mapped[str] = mapped_column(Text)  # what the review decided
    title: Mapped[str] = mapped_column(String(300))  # the action that carries it out
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default=ActionStatus.OPEN.value, index=True)
    closed_on: Mapped[date | None] = mapped_column(Date)  # done or cancelled on
    progress_note: Mapped[str] = mapped_column(Text, default="")

    @property
    def status_enum(self) -> ActionStatus:
        return ActionStatus(self.status)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ACTION_STATUSES

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.due_on < today

    @property
    def reference(self) -> str:
        return f"MRA-{self.id:04d}"

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"
