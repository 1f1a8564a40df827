"""Evidence packs: a ZIP an auditor asked for, built in the background, kept for a number of days."""

from __future__ import annotations

import enum
import json
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.common.models import UTCDateTime
from app.common.timeutil import utcnow
from app.extensions import Model


class PackStatus(enum.StrEnum):
    QUEUED = "queued"
    BUILDING = "building"
    READY = "ready"
    FAILED = "failed"
    EXPIRED = "expired"  # past its retention: the file is removed, the record kept for the audit trail

    @property
    def label(self) -> str:
        return self.value.capitalize()


class EvidencePack(Model):
    __tablename__ = "evidence_pack"
    __table_args__ = (Index("ix_evidence_pack_status_expires", "status", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    requested_by: Mapped[User] = relationship()
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    scope_json: Mapped[str] = mapped_column(Text)  # app.reports.packs.Scope as JSON
    scope_label: Mapped[str] = mapped_column(String(500))  # "Whole ISMS", "Controls 5.1, 8.7", ...
    status: Mapped[str] = mapped_column(String(10), default=PackStatus.QUEUED.value)
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent
    progress_note: Mapped[str] = mapped_column(String(300), default="")
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a stale one is built again
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    file_name: Mapped[str] = mapped_column(String(200), default="")  # under instance/packs/
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    file_count: Mapped[int] = mapped_column(Integer, default=0)
    missing_count: Mapped[int] = mapped_column(Integer, default=0)  # evidence files not found on disk
    error: Mapped[str] = mapped_column(Text, default="")

    @property
    def scope(self) -> dict:
        return json.loads(self.scope_json)

    @property
    def status_enum(self) -> PackStatus:
        return PackStatus(self.status)
