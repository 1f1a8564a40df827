"""Business continuity: one business impact analysis (BIA) per CMDB application or service with its
recovery objectives and dependencies; continuity (BCP) and disaster-recovery (DRP) plans per service,
each a document with numbered versions (draft, issued and frozen, superseded); tests and exercises
with their findings, a finding raised as a nonconformity, a restore test's file kept as control evidence."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import Column, Date, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.assets.models import Asset
from app.auth.models import Department, User
from app.common.models import Timestamped, Versioned, names_stored_files
from app.controls.models import Evidence
from app.extensions import Model, db
from app.nonconformities.models import Nonconformity
from app.suppliers.models import Supplier

# The impact scale of the risk matrix's default (1 Insignificant ... 5 Catastrophic), so that a BIA's
# ratings read like the risk register's impact.
IMPACT_LABELS = {1: "Insignificant", 2: "Minor", 3: "Moderate", 4: "Major", 5: "Catastrophic"}


class ImpactArea(enum.StrEnum):
    """What an outage harms: each rated 1-5; the analysis's overall impact is the worst of them."""

    SERVICE_DELIVERY = "service_delivery"
    FINANCIAL = "financial"
    REPUTATIONAL = "reputational"
    LEGAL = "legal"

    @property
    def label(self) -> str:
        return {"service_delivery": "Service delivery", "financial": "Financial", "reputational": "Reputational",
                "legal": "Legal and regulatory"}[self.value]

    @property
    def column(self) -> str:
        return f"impact_{self.value}"


impact_analysis_dependency = Table(
    "impact_analysis_dependency",
    db.metadata,
    Column("analysis_id", ForeignKey("impact_analysis.id", ondelete="CASCADE"), primary_key=True),
    Column("asset_id", ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True, index=True),
)

impact_analysis_supplier = Table(
    "impact_analysis_supplier",
    db.metadata,
    Column("analysis_id", ForeignKey("impact_analysis.id", ondelete="CASCADE"), primary_key=True),
    Column("supplier_id", ForeignKey("suppliers.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class ImpactAnalysis(Model, Timestamped, Versioned):
    """The business impact analysis of one application or service of the CMDB."""

    __tablename__ = "impact_analysis"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)  # BIA-001
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id"), unique=True)
    asset: Mapped[Asset] = relationship(foreign_keys=[asset_id])
    description: Mapped[str] = mapped_column(Text, default="")  # what the service does for whom
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    # Recovery objectives, in hours: restored within the RTO, losing at most the RPO's data; the
    # organisation cannot bear an outage longer than the maximum tolerable downtime (MTD).
    rto_hours: Mapped[int] = mapped_column(Integer, index=True)
    rpo_hours: Mapped[int] = mapped_column(Integer)
    mtd_hours: Mapped[int] = mapped_column(Integer)
    impact_service_delivery: Mapped[int] = mapped_column(Integer)
    impact_financial: Mapped[int] = mapped_column(Integer)
    impact_reputational: Mapped[int] = mapped_column(Integer)
    impact_legal: Mapped[int] = mapped_column(Integer)
    overall_impact: Mapped[int] = mapped_column(Integer, index=True)  # the worst of the four, kept to sort on
    analysed_on: Mapped[date] = mapped_column(Date)
    review_on: Mapped[date] = mapped_column(Date, index=True)
    # The day of the latest test or exercise: kept here so the register and the reminders need no
    # aggregate over every test (services.record_test and remove_test keep it).
    last_tested_on: Mapped[date | None] = mapped_column(Date, index=True)
    dependencies: Mapped[list[Asset]] = relationship(secondary=impact_analysis_dependency,
                                                     order_by="(Asset.kind, Asset.name)")
    # The suppliers the service cannot run without (SITA, the cloud providers): "Loss of a third-party IT
    # service provider" is a continuity risk of every service that names one.
    suppliers: Mapped[list[Supplier]] = relationship(secondary=impact_analysis_supplier, order_by="Supplier.name")
    plans: Mapped[list[ContinuityPlan]] = relationship(back_populates="analysis", order_by="ContinuityPlan.reference")
    tests: Mapped[list[ContinuityTest]] = relationship(
        back_populates="analysis", order_by="(ContinuityTest.tested_on.desc(), ContinuityTest.id.desc())")

    @property
    def name(self) -> str:
        return self.asset.name

    @property
    def overall_label(self) -> str:
        return IMPACT_LABELS.get(self.overall_impact, str(self.overall_impact))

    def impact_of(self, area: ImpactArea) -> int:
        return getattr(self, area.column)

    def review_overdue(self, today: date) -> bool:
        return self.review_on < today

    def __str__(self) -> str:
        return f"{self.reference} {self.asset.name}"


class PlanKind(enum.StrEnum):
    BCP = "bcp"  # how the business carries on (people, sites, manual workarounds)
    DRP = "drp"  # how ICT restores the service (A.5.30 ICT readiness)

    @property
    def label(self) -> str:
        return {"bcp": "Business continuity plan", "drp": "Disaster recovery plan"}[self.value]

    @property
    def prefix(self) -> str:
        return self.value.upper()


class PlanState(enum.StrEnum):
    """A draft is edited; an issued version is frozen; issuing the next supersedes it."""

    DRAFT = "draft"
    ISSUED = "issued"
    SUPERSEDED = "superseded"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ContinuityPlan(Model, Timestamped, Versioned):
    __tablename__ = "continuity_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)  # BCP-001, DRP-001
    analysis_id: Mapped[int] = mapped_column(ForeignKey("impact_analysis.id", ondelete="CASCADE"), index=True)
    analysis: Mapped[ImpactAnalysis] = relationship(back_populates="plans")
    kind: Mapped[str] = mapped_column(String(8), index=True)
    title: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    versions: Mapped[list[PlanVersion]] = relationship(back_populates="plan", order_by="PlanVersion.id",
                                                       cascade="all, delete-orphan")

    @property
    def kind_enum(self) -> PlanKind:
        return PlanKind(self.kind)

    @property
    def current(self) -> PlanVersion | None:
        """The issued version in force, if any."""
        return next((v for v in reversed(self.versions) if v.state == PlanState.ISSUED), None)

    @property
    def draft(self) -> PlanVersion | None:
        latest = self.versions[-1] if self.versions else None
        return latest if latest is not None and latest.state == PlanState.DRAFT else None

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class PlanVersion(Model, Timestamped, Versioned):
    __tablename__ = "continuity_plan_version"
    __table_args__ = (UniqueConstraint("plan_id", "number", name="uq_continuity_plan_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("continuity_plan.id", ondelete="CASCADE"), index=True)
    plan: Mapped[ContinuityPlan] = relationship(back_populates="versions")
    number: Mapped[str] = mapped_column(String(16))  # "1.0", "1.1", "2.0" as policies number theirs
    state: Mapped[str] = mapped_column(String(16), default=PlanState.DRAFT.value, index=True)
    change: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown, shown sanitised
    # The signed plan as a file, kept by content like evidence files.
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    document_name: Mapped[str | None] = mapped_column(String(255))
    document_size: Mapped[int | None] = mapped_column(Integer)
    approved_on: Mapped[date | None] = mapped_column(Date)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    next_review_on: Mapped[date | None] = mapped_column(Date, index=True)
    superseded_on: Mapped[date | None] = mapped_column(Date)

    @property
    def state_enum(self) -> PlanState:
        return PlanState(self.state)

    def review_overdue(self, today: date) -> bool:
        return self.state == PlanState.ISSUED and self.next_review_on is not None and self.next_review_on < today

    def __str__(self) -> str:
        return f"{self.plan.reference} version {self.number}"


class TestKind(enum.StrEnum):
    TABLETOP = "tabletop"
    WALKTHROUGH = "walkthrough"
    FAILOVER = "failover"
    BACKUP_RESTORE = "backup_restore"

    __test__ = False  # not a pytest test class, whatever its name

    @property
    def label(self) -> str:
        return {"tabletop": "Tabletop exercise", "walkthrough": "Walkthrough", "failover": "Failover test",
                "backup_restore": "Backup restore test"}[self.value]

    @property
    def technical(self) -> bool:
        """A test that restores something, so its recovery time is measured against the RTO."""
        return self in (TestKind.FAILOVER, TestKind.BACKUP_RESTORE)


class TestOutcome(enum.StrEnum):
    PASSED = "passed"
    PASSED_WITH_FINDINGS = "passed_with_findings"
    FAILED = "failed"

    __test__ = False

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class ContinuityTest(Model, Timestamped, Versioned):
    """A test or exercise of a service's continuity: when, which scenario, how it went."""

    __tablename__ = "continuity_test"
    __test__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)  # BCT-0001
    analysis_id: Mapped[int] = mapped_column(ForeignKey("impact_analysis.id", ondelete="CASCADE"), index=True)
    analysis: Mapped[ImpactAnalysis] = relationship(back_populates="tests")
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("continuity_plan.id", ondelete="SET NULL"), index=True)
    plan: Mapped[ContinuityPlan | None] = relationship()
    tested_on: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    scenario: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(24), index=True)
    # How long the restore or failover took, for technical tests: compared with the RTO.
    recovery_minutes: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    conducted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    conducted_by: Mapped[User | None] = relationship(foreign_keys=[conducted_by_id])
    # The restore log or report, kept as evidence of operation of 8.13 / 8.14 / 5.30 in the controls' store.
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="SET NULL"), index=True)
    evidence: Mapped[Evidence | None] = relationship()
    findings: Mapped[list[TestFinding]] = relationship(back_populates="test", order_by="TestFinding.id",
                                                       cascade="all, delete-orphan")

    @property
    def kind_enum(self) -> TestKind:
        return TestKind(self.kind)

    @property
    def outcome_enum(self) -> TestOutcome:
        return TestOutcome(self.outcome)

    def __str__(self) -> str:
        return f"{self.reference} {TestKind(self.kind).label} of {self.analysis.asset.name}"


class TestFinding(Model, Timestamped):
    """Something a test found wanting; raised as a nonconformity when it needs corrective action."""

    __tablename__ = "continuity_finding"
    __test__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    test_id: Mapped[int] = mapped_column(ForeignKey("continuity_test.id", ondelete="CASCADE"), index=True)
    test: Mapped[ContinuityTest] = relationship(back_populates="findings")
    description: Mapped[str] = mapped_column(Text)
    nonconformity_id: Mapped[int | None] = mapped_column(ForeignKey("nonconformity.id", ondelete="SET NULL"),
                                                         index=True)
    nonconformity: Mapped[Nonconformity | None] = relationship()


names_stored_files(PlanVersion.document_sha256, "document of continuity plan version")
