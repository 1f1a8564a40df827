"""The controls catalogue: ISO/IEC 27001:2022 Annex A, the organisation's own controls mapped to
it, the 2013 → 2022 correspondence, and which controls treat which risks."""

from __future__ import annotations

import enum
import json
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Department, User
from app.common.models import Timestamped, UTCDateTime, Versioned, names_stored_files
from app.common.timeutil import utcnow
from app.controls.annex_a import ANNEX_A_CATALOGUE  # noqa: F401  (re-exported: the catalogue's name)
from app.extensions import Model, db

if TYPE_CHECKING:
    from app.nonconformities.models import Nonconformity
    from app.risks.models import Risk, TreatmentAction

INTERNAL_CATALOGUE = "Internal"


class ControlSource(enum.StrEnum):
    ANNEX_A = "annex_a"
    INTERNAL = "internal"


class ControlType(enum.StrEnum):
    """ISO/IEC 27002:2022 attribute "control type"."""

    PREVENTIVE = "Preventive"
    DETECTIVE = "Detective"
    CORRECTIVE = "Corrective"


class Theme(enum.StrEnum):
    ORGANIZATIONAL = "Organizational"
    PEOPLE = "People"
    PHYSICAL = "Physical"
    TECHNOLOGICAL = "Technological"


SECURITY_PROPERTIES = ("Confidentiality", "Integrity", "Availability")
CYBERSECURITY_CONCEPTS = ("Identify", "Protect", "Detect", "Respond", "Recover")


class Frequency(enum.StrEnum):
    CONTINUOUS = "continuous"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMI_ANNUALLY = "semi_annually"
    ANNUALLY = "annually"
    AD_HOC = "ad_hoc"

    @property
    def label(self) -> str:
        return {"semi_annually": "Every six months", "ad_hoc": "As needed"}.get(
            self.value, self.value.replace("_", " ").capitalize())


# An internal control implements one or more Annex A controls.
control_mapping = Table(
    "control_mapping",
    db.metadata,
    Column("internal_control_id", ForeignKey("control.id", ondelete="CASCADE"), primary_key=True),
    Column("annex_a_control_id", ForeignKey("control.id", ondelete="CASCADE"), primary_key=True, index=True),
)

# The controls that treat a risk (its residual rating assumes them).
risk_control = Table(
    "risk_control",
    db.metadata,
    Column("risk_id", ForeignKey("risk.id", ondelete="CASCADE"), primary_key=True),
    Column("control_id", ForeignKey("control.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Control(Model, Timestamped, Versioned):
    __tablename__ = "control"
    __table_args__ = (UniqueConstraint("catalogue", "reference", name="uq_control_catalogue_reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16), index=True)
    # "ISO/IEC 27001:2022 Annex A", "Internal", or an imported standard's name.
    catalogue: Mapped[str] = mapped_column(String(120), index=True)
    reference: Mapped[str] = mapped_column(String(32))
    sort_key: Mapped[str] = mapped_column(String(64), index=True)  # annex_a.reference_sort_key(reference)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    theme: Mapped[str | None] = mapped_column(String(16), index=True)  # Annex A only
    # ISO/IEC 27002 attributes, ";"-separated (an Annex A control may have several of each).
    control_types: Mapped[str] = mapped_column(String(64), default="")
    security_properties: Mapped[str] = mapped_column(String(64), default="")
    cybersecurity_concepts: Mapped[str] = mapped_column(String(64), default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    frequency: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    annex_a_controls: Mapped[list[Control]] = relationship(
        secondary=control_mapping, primaryjoin=lambda: Control.id == control_mapping.c.internal_control_id,
        secondaryjoin=lambda: Control.id == control_mapping.c.annex_a_control_id,
        order_by=lambda: Control.sort_key, back_populates="implemented_by",
    )
    implemented_by: Mapped[list[Control]] = relationship(
        secondary=control_mapping, primaryjoin=lambda: Control.id == control_mapping.c.annex_a_control_id,
        secondaryjoin=lambda: Control.id == control_mapping.c.internal_control_id,
        order_by=lambda: (Control.catalogue, Control.sort_key), back_populates="annex_a_controls",
    )

    risks: Mapped[list[Risk]] = relationship(secondary=risk_control, back_populates="controls",
                                             order_by="Risk.reference")
    actions: Mapped[list[TreatmentAction]] = relationship(back_populates="control",
                                                          order_by="TreatmentAction.due_on")
    soa_entry: Mapped[SoaEntry | None] = relationship(back_populates="control", uselist=False)
    evidence: Mapped[list[Evidence]] = relationship(secondary="evidence_control", back_populates="controls",
                                                    order_by="Evidence.evidence_date.desc()")
    tests: Mapped[list[ControlTest]] = relationship(back_populates="control", cascade="all, delete-orphan",
                                                    order_by="(ControlTest.tested_on.desc(), ControlTest.id.desc())")

    @property
    def last_test(self) -> ControlTest | None:
        return self.tests[0] if self.tests else None

    @property
    def is_annex_a(self) -> bool:
        return self.source == ControlSource.ANNEX_A

    @staticmethod
    def split(values: str) -> list[str]:
        return [value for value in (values or "").split(";") if value]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class AnnexA2013Mapping(Model):
    """Where an ISO/IEC 27001:2013 Annex A control went in the 2022 edition (ISO/IEC 27002 Table B.1)."""

    __tablename__ = "annex_a_2013_mapping"
    __table_args__ = (UniqueConstraint("ref_2013", "ref_2022", name="uq_annex_a_2013_mapping_ref_2013_ref_2022"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ref_2013: Mapped[str] = mapped_column(String(16), index=True)
    title_2013: Mapped[str] = mapped_column(String(200))
    ref_2022: Mapped[str] = mapped_column(String(16), index=True)
    # The 2013 control relative to the 2022 one: equal, subset, superset or intersect.
    relation: Mapped[str] = mapped_column(String(16))


class InclusionReason(enum.StrEnum):
    """Why an Annex A control is in the Statement of Applicability (ISO/IEC 27001 6.1.3 d)."""

    RISK_TREATMENT = "risk_treatment"
    LEGAL_REGULATORY = "legal_regulatory"
    CONTRACTUAL = "contractual"
    BUSINESS = "business"

    @property
    def label(self) -> str:
        return {"risk_treatment": "Risk treatment", "legal_regulatory": "Legal or regulatory (e.g. POPIA)",
                "contractual": "Contractual", "business": "Business requirement"}[self.value]


class ImplementationStatus(enum.StrEnum):
    NOT_IMPLEMENTED = "not_implemented"
    PLANNED = "planned"
    PARTIALLY_IMPLEMENTED = "partially_implemented"
    IMPLEMENTED = "implemented"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class SoaEntry(Model, Timestamped, Versioned):
    """One Annex A control's row of the Statement of Applicability, as it stands now. A control
    without a row has not been decided yet."""

    __tablename__ = "soa_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    control_id: Mapped[int] = mapped_column(ForeignKey("control.id"), unique=True)
    control: Mapped[Control] = relationship(back_populates="soa_entry")
    applicable: Mapped[bool] = mapped_column(Boolean)
    justification: Mapped[str] = mapped_column(Text)
    # InclusionReason values, ";"-separated; empty when the control is excluded.
    inclusion_reasons: Mapped[str] = mapped_column(String(128), default="")
    implementation_status: Mapped[str] = mapped_column(String(24), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])

    @property
    def reasons(self) -> list[InclusionReason]:
        return [InclusionReason(value) for value in Control.split(self.inclusion_reasons)]

    @property
    def status(self) -> ImplementationStatus:
        return ImplementationStatus(self.implementation_status)


class SoaVersion(Model):
    """An issued, approved Statement of Applicability: its rows frozen as they were that day."""

    __tablename__ = "soa_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    approved_on: Mapped[date] = mapped_column(Date)
    approver: Mapped[str] = mapped_column(String(200))  # who approved it, e.g. "Head of Department, Adv. N. Dlamini"
    approval_note: Mapped[str] = mapped_column(Text, default="")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    rows_json: Mapped[str] = mapped_column(Text)  # [{reference, title, theme, applicable, ...}] in reference order

    @property
    def rows(self) -> list[dict]:
        return json.loads(self.rows_json)


class ControlReliance(Model):
    """How many open risks rely on an Annex A control, directly or through an internal control in use
    implementing it, and the first of them by reference. Derived data, kept by app/controls/reliance.py
    in the transaction that changes a risk, a link or a mapping, so that the SoA page reads a row per
    control instead of every link of the register. A control no open risk relies on has no row."""

    __tablename__ = "control_reliance"

    control_id: Mapped[int] = mapped_column(ForeignKey("control.id", ondelete="CASCADE"), primary_key=True)
    open_risk_count: Mapped[int]
    first_risk_ids: Mapped[list[int]] = mapped_column(JSON)  # in reference order, at most reliance.KEPT


# --- evidence ---------------------------------------------------------------------------------------

evidence_control = Table(
    "evidence_control",
    db.metadata,
    Column("evidence_id", ForeignKey("evidence.id", ondelete="CASCADE"), primary_key=True),
    Column("control_id", ForeignKey("control.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class EvidenceKind(enum.StrEnum):
    FILE = "file"
    LINK = "link"


class Evidence(Model, Timestamped, Versioned):
    """A document, record or link showing a control operates, valid until a date."""

    __tablename__ = "evidence"
    __table_args__ = (Index("ix_evidence_updated_at", "updated_at"),)  # when evidence last changed (ISMS page)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(8))
    url: Mapped[str | None] = mapped_column(String(2000))  # a link's address
    evidence_date: Mapped[date] = mapped_column(Date, index=True)  # the date the evidence is from
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)
    controls: Mapped[list[Control]] = relationship(secondary=evidence_control, back_populates="evidence",
                                                   order_by=lambda: (Control.catalogue, Control.sort_key))
    files: Mapped[list[EvidenceFile]] = relationship(back_populates="evidence", order_by="EvidenceFile.id.desc()",
                                                     cascade="all, delete-orphan")
    created_by: Mapped[User | None] = relationship(foreign_keys="Evidence.created_by_id", viewonly=True)

    @property
    def current_file(self) -> EvidenceFile | None:
        return self.files[0] if self.files else None

    def expired(self, today: date) -> bool:
        return self.valid_until is not None and self.valid_until < today


class EvidenceFile(Model):
    """One uploaded version of a file; replacing evidence adds a version and keeps the earlier ones.
    The bytes are stored once per content under instance/evidence/, named by their SHA-256."""

    __tablename__ = "evidence_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), index=True)
    evidence: Mapped[Evidence] = relationship(back_populates="files")
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column()
    media_type: Mapped[str] = mapped_column(String(120))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])


# --- control tests ----------------------------------------------------------------------------------


class TestResult(enum.StrEnum):
    EFFECTIVE = "effective"
    PARTIALLY_EFFECTIVE = "partially_effective"
    INEFFECTIVE = "ineffective"

    __test__ = False  # not a pytest test class, whatever its name

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class ControlTest(Model, Timestamped):
    """A test of a control's design or operation: the plan, when and by whom, the result, the
    findings and the follow-up. The newest test's result is the control's current one."""

    __tablename__ = "control_test"
    __test__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    control_id: Mapped[int] = mapped_column(ForeignKey("control.id", ondelete="CASCADE"), index=True)
    control: Mapped[Control] = relationship(back_populates="tests")
    what_is_checked: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(Text)  # how: inspection, re-performance, sampling...
    sample: Mapped[str] = mapped_column(String(500), default="")
    tested_on: Mapped[date] = mapped_column(Date, index=True)
    tester_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    tester: Mapped[User | None] = relationship(foreign_keys=[tester_id])
    result: Mapped[str] = mapped_column(String(24))
    findings: Mapped[str] = mapped_column(Text, default="")
    # Free text kept from before nonconformities: a test recorded since then raises one instead.
    follow_up: Mapped[str] = mapped_column(Text, default="")
    # The nonconformity a partly effective or ineffective result raised (ISO/IEC 27001 10.2).
    nonconformity_id: Mapped[int | None] = mapped_column(ForeignKey("nonconformity.id", ondelete="SET NULL"),
                                                         index=True)
    nonconformity: Mapped[Nonconformity | None] = relationship("Nonconformity")


names_stored_files(EvidenceFile.sha256, "control evidence file")
