"""Notifications (in the app and by e-mail), each user's e-mail choices, and the record of every
job run that /admin/jobs shows."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.common.models import UTCDateTime
from app.common.timeutil import utcnow
from app.extensions import Model


class EmailStatus(enum.StrEnum):
    NOT_WANTED = "not_wanted"  # the user chose no e-mail for this kind, or SMTP is not configured
    PENDING = "pending"  # waiting to be sent, or sending failed and will be retried
    SENT = "sent"
    FAILED = "failed"  # gave up after the last retry

    @property
    def label(self) -> str:
        return {"not_wanted": "Not sent by e-mail", "pending": "E-mail pending", "sent": "E-mailed",
                "failed": "E-mail failed"}[self.value]


class Notification(Model):
    """One reminder (or digest) for one user about one item and its due date. The unique key makes
    a reminder once-only: a job that runs twice finds the row and adds nothing."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "item_key", "due_on", name="uq_notification_once"),
        Index("ix_notification_user_read", "user_id", "read_at"),
        Index("ix_notification_email_status", "email_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    user: Mapped[User] = relationship()
    kind: Mapped[str] = mapped_column(String(40))  # a reminder kind (app.scheduler.reminders) or "digest"
    item_key: Mapped[str] = mapped_column(String(80))  # e.g. "risk:12", "digest:2026-W49"
    due_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")  # a path inside Khusela
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_status: Mapped[str] = mapped_column(String(12), default=EmailStatus.NOT_WANTED.value)
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    email_last_error: Mapped[str] = mapped_column(Text, default="")
    email_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationPreference(Model):
    """Whether a user wants a kind of reminder by e-mail (in the app they always see it)."""

    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_notification_preference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    email: Mapped[bool] = mapped_column(Boolean, default=True)


class JobStatus(enum.StrEnum):
    RUNNING = "running"
    OK = "ok"
    ERROR = "error"

    @property
    def label(self) -> str:
        return {"running": "Running", "ok": "Finished", "error": "Failed"}[self.value]


class JobRun(Model):
    """One run of a scheduled job: when, how long, what it did, and the error if it failed."""

    __tablename__ = "job_run"
    __table_args__ = (Index("ix_job_run_job_started", "job_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(60))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default=JobStatus.RUNNING.value)
    summary: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    host: Mapped[str] = mapped_column(String(200), default="")  # host and process id of the runner

    @property
    def duration_seconds(self) -> float | None:
        return (self.finished_at - self.started_at).total_seconds() if self.finished_at else None
