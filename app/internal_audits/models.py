"""Internal audit (ISO/IEC 27001:2022 9.2): the audit programme of a cycle, each audit with its scope,
criteria, auditors and auditees, its checklist (one line per clause and control in scope) and its
issued report, frozen with the PDF's SHA-256."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Department, User
from app.common.models import Timestamped, UTCDateTime, Versioned, names_stored_files
from app.controls.models import Control, Evidence
from app.extensions import Model, db
from app.nonconformities.models import Nonconformity


class AuditStatus(enum.StrEnum):
    """Planned, then in progress (the checklist is filled), then reported (the lead auditor issued the
    report: the audit and its checklist are frozen), then closed (the follow-up is done)."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    REPORTED = "reported"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {"in_progress": "In progress", "reported": "Report issued"}.get(self.value, self.value.capitalize())


FROZEN_STATUSES = frozenset({AuditStatus.REPORTED, AuditStatus.CLOSED})


class LineResult(enum.StrEnum):
    """What the auditor concluded on one clause or control, as certification bodies grade findings."""

    CONFORMING = "conforming"
    MAJOR_NC = "major_nc"
    MINOR_NC = "minor_nc"
    OBSERVATION = "observation"
    OPPORTUNITY = "opportunity"

    @property
    def label(self) -> str:
        return {"conforming": "Conforming", "major_nc": "Major nonconformity", "minor_nc": "Minor nonconformity",
                "observation": "Observation", "opportunity": "Opportunity for improvement"}[self.value]

    @property
    def severity(self) -> str | None:
        """The nonconformity register's severity of a nonconforming result; None for the others."""
        return {"major_nc": "major", "minor_nc": "minor"}.get(self.value)


class AuditProgramme(Model, Timestamped, Versioned):
    """The audit programme of one cycle (9.2.2): every clause 4.1-10.2 and every applicable Annex A
    control audited at least once between `starts_on` and `ends_on`, with how, how often and by whom."""

    __tablename__ = "audit_programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    frequency: Mapped[str] = mapped_column(Text, default="")
    methods: Mapped[str] = mapped_column(Text, default="")
    responsibilities: Mapped[str] = mapped_column(Text, default="")

    def __str__(self) -> str:
        return f"Audit programme {self.starts_on.isoformat()} to {self.ends_on.isoformat()}"


# The auditors of an audit besides its lead, and the departments it audits.
internal_audit_team = Table(
    "internal_audit_team",
    db.metadata,
    Column("audit_id", ForeignKey("internal_audit.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id"), primary_key=True, index=True),
)
internal_audit_department = Table(
    "internal_audit_department",
    db.metadata,
    Column("audit_id", ForeignKey("internal_audit.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("department.id"), primary_key=True, index=True),
)


class InternalAudit(Model, Timestamped, Versioned):
    __tablename__ = "internal_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)  # IA-2026-01: the year of the planned start
    programme_id: Mapped[int] = mapped_column(ForeignKey("audit_programme.id"), index=True)
    programme: Mapped[AuditProgramme] = relationship()
    title: Mapped[str] = mapped_column(String(200))
    criteria: Mapped[str] = mapped_column(Text)  # "ISO/IEC 27001:2022; the ICT Security Policy (ICT-POL-001)"
    planned_start: Mapped[date] = mapped_column(Date, index=True)
    planned_end: Mapped[date] = mapped_column(Date, index=True)
    actual_start: Mapped[date | None] = mapped_column(Date)
    actual_end: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=AuditStatus.PLANNED.value, index=True)
    lead_auditor_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    lead_auditor: Mapped[User] = relationship(foreign_keys=[lead_auditor_id])
    team: Mapped[list[User]] = relationship(secondary=internal_audit_team, order_by=lambda: User.full_name)
    departments: Mapped[list[Department]] = relationship(secondary=internal_audit_department,
                                                         order_by=lambda: Department.code)
    # Who the auditee nominated to answer for the findings: the owner of the nonconformities raised.
    auditee_contact_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    auditee_contact: Mapped[User | None] = relationship(foreign_keys=[auditee_contact_id])

    # 9.2.1: auditors chosen for objectivity. The conflicts found when they were last accepted, the
    # reason given, and who accepted them; a new conflict asks for a reason again.
    independence_conflicts: Mapped[str] = mapped_column(Text, default="")
    independence_reason: Mapped[str] = mapped_column(Text, default="")
    independence_accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    independence_accepted_by: Mapped[User | None] = relationship(foreign_keys=[independence_accepted_by_id])
    independence_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    summary: Mapped[str] = mapped_column(Text, default="")
    conclusion: Mapped[str] = mapped_column(Text, default="")
    issued_on: Mapped[date | None] = mapped_column(Date, index=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    # The issued report, kept in the evidence store by its SHA-256: the same document every later download.
    report_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    report_size: Mapped[int | None] = mapped_column(Integer)
    closed_on: Mapped[date | None] = mapped_column(Date)

    lines: Mapped[list[ChecklistLine]] = relationship(back_populates="audit", cascade="all, delete-orphan",
                                                      order_by="ChecklistLine.position")

    @property
    def status_enum(self) -> AuditStatus:
        return AuditStatus(self.status)

    @property
    def frozen(self) -> bool:
        return self.status in FROZEN_STATUSES

    @property
    def auditors(self) -> list[User]:
        """The lead first, then the team."""
        return [self.lead_auditor, *(user for user in self.team if user.id != self.lead_auditor_id)]

    def is_auditor(self, user) -> bool:
        return user is not None and (user.id == self.lead_auditor_id or any(m.id == user.id for m in self.team))

    @property
    def report_filename(self) -> str:
        return f"{self.reference}-internal-audit-report.pdf"

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


checklist_line_evidence = Table(
    "checklist_line_evidence",
    db.metadata,
    Column("line_id", ForeignKey("checklist_line.id", ondelete="CASCADE"), primary_key=True),
    Column("evidence_id", ForeignKey("evidence.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class ChecklistLine(Model, Timestamped, Versioned):
    """One clause (4.1-10.2) or one control in an audit's scope: what the auditor asks to see, the
    evidence examined, the result and notes, and the nonconformity it raised, if any. The lines are the
    audit's scope: the programme's coverage is read from them."""

    __tablename__ = "checklist_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("internal_audit.id", ondelete="CASCADE"), index=True)
    audit: Mapped[InternalAudit] = relationship(back_populates="lines")
    position: Mapped[int] = mapped_column(Integer)  # clauses in order, then controls in catalogue order
    clause: Mapped[str | None] = mapped_column(String(8), index=True)  # "9.2", or None for a control's line
    control_id: Mapped[int | None] = mapped_column(ForeignKey("control.id"), index=True)
    control: Mapped[Control | None] = relationship()
    result: Mapped[str | None] = mapped_column(String(16), index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[list[Evidence]] = relationship(secondary=checklist_line_evidence,
                                                    order_by=lambda: Evidence.evidence_date.desc())
    # A file the auditor examined and kept (a sample, a screenshot), checked and stored as control evidence is.
    file_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_size: Mapped[int | None] = mapped_column(Integer)
    file_media_type: Mapped[str | None] = mapped_column(String(120))
    nonconformity_id: Mapped[int | None] = mapped_column(ForeignKey("nonconformity.id"), index=True)
    nonconformity: Mapped[Nonconformity | None] = relationship()

    @property
    def result_enum(self) -> LineResult | None:
        return LineResult(self.result) if self.result else None

    @property
    def is_nonconformity(self) -> bool:
        return self.result in (LineResult.MAJOR_NC, LineResult.MINOR_NC)

    @property
    def subject(self) -> str:
        """What the line audits, as findings cite it: "9.2" or "A.8.8" (an internal control: its own reference)."""
        if self.clause:
            return self.clause
        if self.control is None:
            return ""
        return f"A.{self.control.reference}" if self.control.is_annex_a else self.control.reference


names_stored_files(ChecklistLine.file_sha256, "internal audit checklist file")
names_stored_files(InternalAudit.report_sha256, "issued internal audit report")
