"""The incident register (ISO/IEC 27001:2022 A.5.24-5.28, A.6.8): events anyone reports, the security
officer's triage, the handling (timeline, containment, eradication, recovery, evidence with its chain
of custody, lessons learned), and, when personal information may have been accessed or acquired by an
unauthorised person, the POPIA s22 notification of the Information Regulator and the data subjects."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.assets.models import Asset
from app.auth.models import Department, User
from app.common.models import Timestamped, UTCDateTime, Versioned, names_stored_files
from app.common.timeutil import utcnow
from app.controls.models import Control
from app.extensions import Model, db
from app.nonconformities.models import Nonconformity
from app.risks.models import Risk
from app.suppliers.models import Supplier


class IncidentStatus(enum.StrEnum):
    """Reported until the security officer triages it; then an incident being handled, or not an
    incident (with the reason); closed once recovered and its lessons recorded."""

    REPORTED = "reported"
    NOT_AN_INCIDENT = "not_an_incident"
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {"reported": "Awaiting triage", "not_an_incident": "Not an incident", "open": "Being handled",
                "closed": "Closed"}[self.value]


class IncidentCategory(enum.StrEnum):
    MALWARE = "malware"
    PHISHING = "phishing"
    UNAUTHORISED_ACCESS = "unauthorised_access"
    DATA_LEAKAGE = "data_leakage"
    DENIAL_OF_SERVICE = "denial_of_service"
    LOST_OR_STOLEN_DEVICE = "lost_or_stolen_device"
    MISUSE = "misuse"
    SERVICE_OUTAGE = "service_outage"
    PHYSICAL = "physical"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"data_leakage": "Data leakage or loss", "denial_of_service": "Denial of service",
                "lost_or_stolen_device": "Lost or stolen device", "misuse": "Misuse of systems or policy breach",
                "service_outage": "Service outage or failure", "physical": "Physical or environmental"}.get(
            self.value, self.value.replace("_", " ").capitalize())


class IncidentSeverity(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def label(self) -> str:
        return self.value.capitalize()


SEVERITY_ORDER = {severity.value: rank for rank, severity in enumerate(IncidentSeverity, start=1)}


class IncidentSource(enum.StrEnum):
    """Who told the organisation: its own staff, its Security Operations Centre's monitoring, an
    operator processing personal information for it (POPIA s21 obliges it to report a breach at
    once), or someone outside (a data subject, a member of the public, another organisation)."""

    STAFF = "staff"
    SOC = "soc"
    OPERATOR = "operator"
    EXTERNAL = "external"

    @property
    def label(self) -> str:
        return {"staff": "Staff report", "soc": "Security Operations Centre", "operator": "Operator (POPIA s21)",
                "external": "Outside party"}[self.value]


class NoticeMethod(enum.StrEnum):
    """POPIA s22(4): the ways a notice reaches data subjects."""

    MAIL = "mail"
    EMAIL = "email"
    WEBSITE = "website"
    NEWS_MEDIA = "news_media"
    AS_DIRECTED = "as_directed"

    @property
    def label(self) -> str:
        return {"mail": "Mail to their last known address", "email": "E-mail to their last known address",
                "website": "Prominently on the organisation's website", "news_media": "In the news media",
                "as_directed": "As the Information Regulator directed"}[self.value]


incident_asset = Table(
    "incident_asset", db.metadata,
    Column("incident_id", ForeignKey("incident.id", ondelete="CASCADE"), primary_key=True),
    Column("asset_id", ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True, index=True),
)
incident_department = Table(
    "incident_department", db.metadata,
    Column("incident_id", ForeignKey("incident.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("department.id", ondelete="CASCADE"), primary_key=True, index=True),
)
incident_control = Table(  # the controls that failed (A.5.27: learn from incidents)
    "incident_control", db.metadata,
    Column("incident_id", ForeignKey("incident.id", ondelete="CASCADE"), primary_key=True),
    Column("control_id", ForeignKey("control.id", ondelete="CASCADE"), primary_key=True, index=True),
)
incident_nonconformity = Table(
    "incident_nonconformity", db.metadata,
    Column("incident_id", ForeignKey("incident.id", ondelete="CASCADE"), primary_key=True),
    Column("nonconformity_id", ForeignKey("nonconformity.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Incident(Model, Timestamped, Versioned):
    __tablename__ = "incident"
    __table_args__ = (
        # The summary counts by month of discovery, category and severity of the incidents only.
        Index("ix_incident_status_discovered", "status", "discovered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)  # INC-0001
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)  # what the reporter saw
    source: Mapped[str] = mapped_column(String(16), default=IncidentSource.STAFF.value, index=True)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    reported_by: Mapped[User | None] = relationship(foreign_keys=[reported_by_id])
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The operator (POPIA s21: it must tell the organisation of a breach at once) that reported it, when
    # the source is an operator: a supplier of the register marked as an operator.
    reporting_operator_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id", ondelete="SET NULL"),
                                                              index=True)
    reporting_operator: Mapped[Supplier | None] = relationship()
    # When the organisation became aware of it: the POPIA clock runs from here.
    discovered_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # The reporter's impression, before triage: "yes", "no" or "unsure".
    reporter_personal_information: Mapped[str] = mapped_column(String(8), default="unsure")

    status: Mapped[str] = mapped_column(String(16), default=IncidentStatus.REPORTED.value, index=True)
    triaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    triaged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    triaged_by: Mapped[User | None] = relationship(foreign_keys=[triaged_by_id])
    triage_reason: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str | None] = mapped_column(String(24), index=True)
    severity: Mapped[str | None] = mapped_column(String(8), index=True)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    handler: Mapped[User | None] = relationship(foreign_keys=[handler_id])
    systems: Mapped[str] = mapped_column(Text, default="")  # affected systems not (yet) in the CMDB
    personal_information_involved: Mapped[bool] = mapped_column(Boolean, default=False)
    # POPIA s22(1): reasonable grounds to believe personal information was accessed or acquired by an
    # unauthorised person. True opens the notification track.
    personal_information_compromised: Mapped[bool] = mapped_column(Boolean, default=False, index=True)

    contained_on: Mapped[date | None] = mapped_column(Date)
    eradicated_on: Mapped[date | None] = mapped_column(Date)
    recovered_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date, index=True)
    lessons_learned: Mapped[str] = mapped_column(Text, default="")

    # POPIA s22 notification track
    regulator_notified_on: Mapped[date | None] = mapped_column(Date)
    regulator_reference: Mapped[str] = mapped_column(String(64), default="")  # the eServices portal's reference
    subjects_notified_on: Mapped[date | None] = mapped_column(Date)
    subjects_count: Mapped[int | None] = mapped_column(Integer)
    subjects_unidentifiable: Mapped[bool] = mapped_column(Boolean, default=False)  # s22(2): identity unknown
    notice_method: Mapped[str | None] = mapped_column(String(16))
    notice_text: Mapped[str] = mapped_column(Text, default="")  # s22(5)(a): the possible consequences
    measures_taken: Mapped[str] = mapped_column(Text, default="")  # s22(5)(b)
    recommendations: Mapped[str] = mapped_column(Text, default="")  # s22(5)(c)
    intruder_identity: Mapped[str] = mapped_column(String(300), default="")  # s22(5)(d), if known
    delay_reason: Mapped[str] = mapped_column(Text, default="")  # s22(3): e.g. a law-enforcement request
    # Denormalised for the dashboard and the reminders: track open and not yet completed.
    notification_pending: Mapped[bool] = mapped_column(Boolean, default=False, index=True)

    assets: Mapped[list[Asset]] = relationship(secondary=incident_asset, order_by="Asset.name")
    departments: Mapped[list[Department]] = relationship(secondary=incident_department, order_by="Department.code")
    failed_controls: Mapped[list[Control]] = relationship(secondary=incident_control,
                                                         order_by="(Control.catalogue, Control.sort_key)")
    nonconformities: Mapped[list[Nonconformity]] = relationship(secondary=incident_nonconformity,
                                                               order_by="Nonconformity.id")
    actions: Mapped[list[IncidentAction]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="(IncidentAction.at, IncidentAction.id)")
    evidence: Mapped[list[IncidentEvidence]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="IncidentEvidence.id")
    risk_links: Mapped[list[IncidentRisk]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="IncidentRisk.id")

    @property
    def status_enum(self) -> IncidentStatus:
        return IncidentStatus(self.status)

    @property
    def is_incident(self) -> bool:
        return self.status in (IncidentStatus.OPEN, IncidentStatus.CLOSED)

    @property
    def category_label(self) -> str:
        return IncidentCategory(self.category).label if self.category else ""

    @property
    def severity_label(self) -> str:
        return IncidentSeverity(self.severity).label if self.severity else ""

    @property
    def source_label(self) -> str:
        return IncidentSource(self.source).label

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class IncidentAction(Model, Timestamped):
    """One line of the incident's timeline: who did what, and when."""

    __tablename__ = "incident_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    incident: Mapped[Incident] = relationship(back_populates="actions")
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    description: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date, index=True)  # a follow-up still to do, if any
    done: Mapped[bool] = mapped_column(Boolean, default=True)


class IncidentEvidence(Model, Timestamped):
    """A file collected as evidence (A.5.28), kept by its SHA-256 in the evidence store as control
    evidence is, with its chain of custody."""

    __tablename__ = "incident_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    incident: Mapped[Incident] = relationship(back_populates="evidence")
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column()
    media_type: Mapped[str] = mapped_column(String(120))
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    collected_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    collected_by: Mapped[User | None] = relationship(foreign_keys=[collected_by_id])
    custody: Mapped[list[CustodyEntry]] = relationship(
        back_populates="evidence", cascade="all, delete-orphan", order_by="(CustodyEntry.at, CustodyEntry.id)")


class CustodyAction(enum.StrEnum):
    COLLECTED = "collected"
    TRANSFERRED = "transferred"
    EXAMINED = "examined"
    COPIED = "copied"
    STORED = "stored"
    RETURNED = "returned"
    DISPOSED = "disposed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class CustodyEntry(Model, Timestamped):
    """Who handled an evidence item, when, and what they did with it (A.5.28: chain of custody)."""

    __tablename__ = "incident_custody"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("incident_evidence.id", ondelete="CASCADE"), index=True)
    evidence: Mapped[IncidentEvidence] = relationship(back_populates="custody")
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    handler: Mapped[User | None] = relationship(foreign_keys=[handler_id])
    action: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")  # where it is kept, to whom it went, what was found

    @property
    def action_label(self) -> str:
        return CustodyAction(self.action).label


class RiskLinkKind(enum.StrEnum):
    """An incident realises a risk already in the register (which is then due for reassessment), or
    raises one the register did not hold."""

    REALISED = "realised"
    RAISED = "raised"

    @property
    def label(self) -> str:
        return {"realised": "Realised: reassess the risk", "raised": "New risk raised"}[self.value]


class IncidentRisk(Model, Timestamped):
    __tablename__ = "incident_risk"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    incident: Mapped[Incident] = relationship(back_populates="risk_links")
    risk_id: Mapped[int] = mapped_column(ForeignKey("risk.id", ondelete="CASCADE"), index=True)
    risk: Mapped[Risk] = relationship()
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")

    @property
    def kind_label(self) -> str:
        return RiskLinkKind(self.kind).label


names_stored_files(IncidentEvidence.sha256, "incident evidence file")
