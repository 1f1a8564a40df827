"""Evidence packs and prepared PDF reports: files a user asked for, built in the background, kept for a while."""

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


class DocumentStatus(enum.StrEnum):
    QUEUED = "queued"
    BUILDING = "building"
    READY = "ready"
    FAILED = "failed"
    EXPIRED = "expired"  # past its retention: the file is removed, the record kept for the page's message

    @property
    def label(self) -> str:
        return {"queued": "Waiting to be prepared", "building": "Being prepared", "ready": "Ready to download",
                "failed": "Could not be prepared", "expired": "Removed"}[self.value]

    @property
    def pending(self) -> bool:
        return self in (DocumentStatus.QUEUED, DocumentStatus.BUILDING)


PENDING_DOCUMENT_STATUSES = (DocumentStatus.QUEUED.value, DocumentStatus.BUILDING.value)


class PreparedDocument(Model):
    """A PDF report a user asked for, prepared by the scheduler process (app.reports.prepared) and
    kept for its requester to download until its retention ends."""

    __tablename__ = "prepared_document"
    __table_args__ = (Index("ix_prepared_document_status_expires", "status", "expires_at"),
                      Index("ix_prepared_document_requester_status", "requested_by_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    report: Mapped[str] = mapped_column(String(40))  # a name in app.reports.documents.REPORTS
    params_json: Mapped[str] = mapped_column(Text)  # the checked parameters, canonical JSON
    title: Mapped[str] = mapped_column(String(200))  # "Asset register summary"
    scope_label: Mapped[str] = mapped_column(String(500))  # "Department DOH — Health"
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    requested_by: Mapped[User] = relationship()
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default=DocumentStatus.QUEUED.value)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a build older than the limit has died
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    file_name: Mapped[str] = mapped_column(String(200), default="")  # in the documents folder
    download_name: Mapped[str] = mapped_column(String(200), default="")  # "asset-register-2026-03-31.pdf"
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    error: Mapped[str] = mapped_column(Text, default="")  # why it could not be prepared, for its requester

    @property
    def params(self) -> dict:
        return json.loads(self.params_json)

    @property
    def status_enum(self) -> DocumentStatus:
        return DocumentStatus(self.status)
