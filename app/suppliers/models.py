"""The supplier register's tables: a supplier with its contract, POPIA operator status (s20-21),
security clauses and cloud details; the security assessments made of it (each with its evidence
file, stored by SHA-256 like control evidence); and its links to CMDB items and risks."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.assets.models import Asset
from app.auth.models import User
from app.common.models import Timestamped, Versioned, names_stored_files
from app.extensions import Model, db
from app.risks.models import Risk


class Criticality(enum.StrEnum):
    """How much the organisation depends on the supplier: what losing it would do to its services."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class SupplierStatus(enum.StrEnum):
    """A supplier delivers now (active), is being taken on (onboarding), or no longer does (exited:
    kept as history, its records and assessments are evidence)."""

    ONBOARDING = "onboarding"
    ACTIVE = "active"
    EXITED = "exited"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class SecurityClause(enum.StrEnum):
    """The information-security clauses A.5.20 expects a supplier agreement to hold (and POPIA s21
    asks of an operator's written contract: confidentiality and the security measures of s19)."""

    CONFIDENTIALITY = "confidentiality"
    SECURITY_MEASURES = "security_measures"
    BREACH_NOTIFICATION = "breach_notification"
    RIGHT_TO_AUDIT = "right_to_audit"
    SUBCONTRACTING = "subcontracting"
    RETURN_OR_DESTRUCTION = "return_or_destruction"
    ACCEPTABLE_USE = "acceptable_use"
    DATA_LOCATION = "data_location"
    SERVICE_CONTINUITY = "service_continuity"
    STAFF_SCREENING = "staff_screening"

    @property
    def label(self) -> str:
        return {
            "confidentiality": "Confidentiality (non-disclosure)",
            "security_measures": "Security measures to be kept (POPIA s19)",
            "breach_notification": "Breach notification to us without delay (POPIA s21(2))",
            "right_to_audit": "Right to audit or assess",
            "subcontracting": "Subcontracting only with our consent, on the same terms",
            "return_or_destruction": "Return or destruction of information at the end",
            "acceptable_use": "Acceptable use of our information and systems",
            "data_location": "Where information is stored and processed",
            "service_continuity": "Service levels and continuity",
            "staff_screening": "Screening and training of the supplier's staff",
        }[self.value]


class AssessmentResult(enum.StrEnum):
    SATISFACTORY = "satisfactory"
    IMPROVEMENTS_NEEDED = "improvements_needed"
    UNSATISFACTORY = "unsatisfactory"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


# The CMDB items (applications, services, information assets, servers, sites) a supplier touches.
supplier_asset = Table(
    "supplier_asset",
    db.metadata,
    Column("supplier_id", ForeignKey("suppliers.id", ondelete="CASCADE"), primary_key=True),
    Column("asset_id", ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True, index=True),
)

# The risks a supplier brings or bears on (the temporary loss of a third-party IT service provider, say).
supplier_risk = Table(
    "supplier_risk",
    db.metadata,
    Column("supplier_id", ForeignKey("suppliers.id", ondelete="CASCADE"), primary_key=True),
    Column("risk_id", ForeignKey("risk.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Supplier(Model, Timestamped, Versioned):
    """A supplier of products or services whose work touches the organisation's information."""

    __tablename__ = "suppliers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    services: Mapped[str] = mapped_column(Text, default="")  # what they supply
    information: Mapped[str] = mapped_column(Text, default="")  # the information they see or hold
    contact: Mapped[str] = mapped_column(String(200), default="")  # account manager, e-mail or phone
    status: Mapped[str] = mapped_column(String(16), default=SupplierStatus.ACTIVE.value, index=True)
    criticality: Mapped[str] = mapped_column(String(16), default=Criticality.MEDIUM.value, index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])

    # POPIA s20-21: an operator processes personal information for the organisation and must do so
    # under a written contract that binds it to the security measures of s19.
    is_operator: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    operator_contract_on: Mapped[date | None] = mapped_column(Date)
    operator_contract_reference: Mapped[str] = mapped_column(String(200), default="")

    contract_reference: Mapped[str] = mapped_column(String(200), default="")
    contract_start: Mapped[date | None] = mapped_column(Date)
    contract_end: Mapped[date | None] = mapped_column(Date, index=True)
    # SecurityClause values the contract holds, in the enum's order.
    security_clauses: Mapped[list[str]] = mapped_column(JSON, default=list)

    # A.5.23: a cloud service, where it hosts the organisation's information and how to leave it.
    is_cloud: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    hosting_region: Mapped[str] = mapped_column(String(200), default="")
    exit_plan: Mapped[str] = mapped_column(Text, default="")

    # The newest assessment's date and result, kept by the services so the list filters and sorts on them.
    last_assessed_on: Mapped[date | None] = mapped_column(Date, index=True)
    last_assessment_result: Mapped[str | None] = mapped_column(String(24), index=True)
    assessment_due_on: Mapped[date | None] = mapped_column(Date, index=True)  # the next assessment
    review_on: Mapped[date | None] = mapped_column(Date, index=True)  # the next review of the record
    notes: Mapped[str] = mapped_column(Text, default="")

    assets: Mapped[list[Asset]] = relationship(secondary=supplier_asset, order_by="Asset.tag")
    risks: Mapped[list[Risk]] = relationship(secondary=supplier_risk, order_by="Risk.reference")
    assessments: Mapped[list[SupplierAssessment]] = relationship(
        back_populates="supplier", cascade="all, delete-orphan",
        order_by="(SupplierAssessment.assessed_on.desc(), SupplierAssessment.id.desc())")

    @property
    def status_enum(self) -> SupplierStatus:
        return SupplierStatus(self.status)

    @property
    def criticality_enum(self) -> Criticality:
        return Criticality(self.criticality)

    @property
    def clauses(self) -> list[SecurityClause]:
        return [clause for clause in SecurityClause if clause.value in (self.security_clauses or [])]

    @property
    def missing_clauses(self) -> list[SecurityClause]:
        return [clause for clause in SecurityClause if clause.value not in (self.security_clauses or [])]

    def __str__(self) -> str:
        return self.name


class SupplierAssessment(Model, Timestamped):
    """A security assessment of a supplier (A.5.22 monitoring and review): when, by whom, the result,
    and the evidence (a questionnaire, a certificate, an audit report) stored like control evidence."""

    __tablename__ = "supplier_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"), index=True)
    supplier: Mapped[Supplier] = relationship(back_populates="assessments")
    assessed_on: Mapped[date] = mapped_column(Date, index=True)
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    assessor: Mapped[User | None] = relationship(foreign_keys=[assessor_id])
    result: Mapped[str] = mapped_column(String(24))
    summary: Mapped[str] = mapped_column(Text, default="")  # what was looked at and found
    file_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_size: Mapped[int | None] = mapped_column(Integer)
    file_media_type: Mapped[str | None] = mapped_column(String(120))

    @property
    def result_enum(self) -> AssessmentResult:
        return AssessmentResult(self.result)


names_stored_files(SupplierAssessment.file_sha256, "supplier assessment evidence file")
