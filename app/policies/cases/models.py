"""Policy-violation cases: an employee's breach of a policy clause, the corrective action the
organisation recommended and the one it decided on (with the reason when they differ), the
evidence, and the warnings given. Further steps (revoking privileges, training, the disciplinary
procedure) are kept in their own tables, each with the dates that reminders and checks need."""

from __future__ import annotations

import enum
import json
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Department, User
from app.common.models import Timestamped, UTCDateTime, Versioned
from app.common.timeutil import utcnow
from app.extensions import db
from app.policies.cases.recommendation import Action, SecurityRisk, Severity, WarningType
from app.policies.models import PolicyClause, PolicyVersion

if TYPE_CHECKING:
    from app.assets.models import Asset
    from app.employees.models import Employee
    from app.risks.models import Risk

# The 2025 Code of Good Practice: Dismissal took effect on publication and repealed Schedule 8.
CODE_2025_STARTS = date(2025, 9, 4)


class GoverningCode(enum.StrEnum):
    SCHEDULE_8 = "schedule_8"
    CODE_2025 = "code_2025"

    @property
    def label(self) -> str:
        if self == GoverningCode.SCHEDULE_8:
            return "Schedule 8 of the Labour Relations Act 66 of 1995 (Code of Good Practice: Dismissal)"
        return "the Code of Good Practice: Dismissal, 2025 (LRA s203(2A))"

    @classmethod
    def for_incident(cls, incident_on: date) -> GoverningCode:
        """The code in force on the day of the incident governs the case."""
        return cls.CODE_2025 if incident_on >= CODE_2025_STARTS else cls.SCHEDULE_8


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class PolicyCase(db.Model, Timestamped, Versioned):
    __tablename__ = "policy_case"
    __table_args__ = (Index("ix_policy_case_status_closed_on", "status", "closed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # CASE-2026-0001
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    employee: Mapped[Employee] = relationship()
    # The employee's department when the case was opened: whose manager sees it.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    department: Mapped[Department | None] = relationship()
    policy_version_id: Mapped[int] = mapped_column(ForeignKey("policy_version.id"), index=True)
    policy_version: Mapped[PolicyVersion] = relationship()
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("policy_clause.id"), index=True)
    clause: Mapped[PolicyClause | None] = relationship()
    incident_on: Mapped[date] = mapped_column(Date, index=True)
    description: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(16))
    security_risk: Mapped[str] = mapped_column(String(16))
    risk_id: Mapped[int | None] = mapped_column(ForeignKey("risk.id"), index=True)
    risk: Mapped[Risk | None] = relationship()
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id"), index=True)
    asset: Mapped[Asset | None] = relationship()
    code: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=CaseStatus.OPEN.value, index=True)
    # What the matrix and the employee's earlier warnings recommended when the case was opened.
    recommended_action: Mapped[str] = mapped_column(String(24))
    recommended_warning_type: Mapped[str | None] = mapped_column(String(16))
    recommendation_json: Mapped[str] = mapped_column(Text, default="[]")  # the reasons, as shown
    # What the decision-maker chose; a different action needs the reason on record.
    decided_action: Mapped[str | None] = mapped_column(String(24))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    closed_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[User | None] = relationship(foreign_keys="PolicyCase.created_by_id", viewonly=True)
    evidence: Mapped[list[CaseEvidence]] = relationship(back_populates="case", order_by="CaseEvidence.id",
                                                        cascade="all, delete-orphan")
    warnings: Mapped[list[CaseWarning]] = relationship(back_populates="case", order_by="CaseWarning.id",
                                                       cascade="all, delete-orphan")

    @property
    def severity_enum(self) -> Severity:
        return Severity(self.severity)

    @property
    def security_risk_enum(self) -> SecurityRisk:
        return SecurityRisk(self.security_risk)

    @property
    def code_enum(self) -> GoverningCode:
        return GoverningCode(self.code)

    @property
    def recommended(self) -> Action:
        return Action(self.recommended_action)

    @property
    def decided(self) -> Action | None:
        return Action(self.decided_action) if self.decided_action else None

    @property
    def recommendation_reasons(self) -> list[str]:
        return json.loads(self.recommendation_json or "[]")

    @property
    def status_enum(self) -> CaseStatus:
        return CaseStatus(self.status)

    def __str__(self) -> str:
        return self.reference


class CaseEvidence(db.Model):
    """A file supporting the case (a log extract, a screenshot, a signed statement), kept by content
    like control evidence, outside the web root."""

    __tablename__ = "case_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("policy_case.id", ondelete="CASCADE"), index=True)
    case: Mapped[PolicyCase] = relationship(back_populates="evidence")
    description: Mapped[str] = mapped_column(String(300), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column()
    media_type: Mapped[str] = mapped_column(String(120))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])


class CaseWarning(db.Model, Timestamped):
    """A warning given in a case: from management (verbal, recorded), written, or final written.
    It counts towards the next recommendation for the employee until `valid_until`."""

    __tablename__ = "case_warning"
    __table_args__ = (Index("ix_case_warning_employee_valid_until", "employee_id", "valid_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("policy_case.id", ondelete="CASCADE"), index=True)
    case: Mapped[PolicyCase] = relationship(back_populates="warnings")
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    warning_type: Mapped[str] = mapped_column(String(16))
    wording: Mapped[str] = mapped_column(Text)
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date, index=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    # The employee signs to acknowledge receipt, or refuses in front of a witness.
    acknowledged_on: Mapped[date | None] = mapped_column(Date)
    refused_to_sign: Mapped[bool] = mapped_column(Boolean, default=False)
    witness_name: Mapped[str] = mapped_column(String(200), default="")

    @property
    def type_enum(self) -> WarningType:
        return WarningType(self.warning_type)

    def valid_on(self, day: date) -> bool:
        return self.issued_on <= day <= self.valid_until
