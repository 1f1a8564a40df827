"""Policy documents: each policy has versions (draft → in review → approved → superseded, or a draft
recorded as the organisation issued it, its review and approval still to come) with the
municipality's document-control tables (author, reviewers, approval, version history) and their
signatures, clauses a case can cite, the Annex A controls it answers, and a register of who
acknowledged each version."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, Column, Date, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.common.models import Timestamped, UTCDateTime, Versioned, names_stored_files
from app.common.timeutil import utcnow
from app.extensions import Model, db

if TYPE_CHECKING:
    from app.controls.models import Control
    from app.employees.models import Employee


class PolicyState(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    SUPERSEDED = "superseded"
    # A version as the organisation issued it before (or outside) Khusela, kept as it stands: its
    # document-control table names an author but no review or approval yet. Read-only, never in force.
    RECORDED = "recorded"

    @property
    def label(self) -> str:
        if self == PolicyState.RECORDED:
            return "Review and approval pending"
        return self.value.replace("_", " ").capitalize()

    @property
    def editable(self) -> bool:
        return self == PolicyState.DRAFT


class AcknowledgementMethod(enum.StrEnum):
    IN_APP = "in_app"  # the employee, signed in, pressed "I have read and understood"
    PAPER = "paper"  # a signed sheet, recorded by HR or a security officer
    IMPORT = "import"  # a register imported from a file (training system, sign-in sheets)

    @property
    def label(self) -> str:
        return {"in_app": "In Khusela", "paper": "Signed on paper", "import": "Imported"}[self.value]


policy_control = Table(
    "policy_control",
    db.metadata,
    Column("policy_id", ForeignKey("policy.id", ondelete="CASCADE"), primary_key=True),
    Column("control_id", ForeignKey("control.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Policy(Model, Timestamped, Versioned):
    __tablename__ = "policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    controls: Mapped[list[Control]] = relationship(secondary=policy_control,
                                                   order_by="(Control.catalogue, Control.sort_key)")
    versions: Mapped[list[PolicyVersion]] = relationship(back_populates="policy", order_by="PolicyVersion.id",
                                                         cascade="all, delete-orphan")

    @property
    def current(self) -> PolicyVersion | None:
        """The approved version in force, if any."""
        return next((v for v in reversed(self.versions) if v.state == PolicyState.APPROVED), None)

    @property
    def latest(self) -> PolicyVersion:
        return self.versions[-1]

    @property
    def open_version(self) -> PolicyVersion | None:
        """The draft or in-review version being worked on, if any (at most one at a time)."""
        latest = self.latest if self.versions else None
        return latest if latest and latest.state in (PolicyState.DRAFT, PolicyState.IN_REVIEW) else None

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class PolicyVersion(Model, Timestamped, Versioned):
    __tablename__ = "policy_version"
    __table_args__ = (UniqueConstraint("policy_id", "number", name="uq_policy_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policy.id", ondelete="CASCADE"), index=True)
    policy: Mapped[Policy] = relationship(back_populates="versions")
    number: Mapped[str] = mapped_column(String(16))  # "1.0", "1.1", "2.0"
    state: Mapped[str] = mapped_column(String(16), default=PolicyState.DRAFT.value, index=True)
    change: Mapped[str] = mapped_column(String(200), default="")  # the history table's "state/change"
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown, shown sanitised
    # An attached PDF of the signed document, kept by content like evidence files.
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    document_name: Mapped[str | None] = mapped_column(String(255))
    document_size: Mapped[int | None] = mapped_column(Integer)
    author_name: Mapped[str] = mapped_column(String(200), default="")
    author_designation: Mapped[str] = mapped_column(String(200), default="")
    author_contact: Mapped[str] = mapped_column(String(200), default="")
    submitted_on: Mapped[date | None] = mapped_column(Date)
    approver_name: Mapped[str] = mapped_column(String(200), default="")
    approver_designation: Mapped[str] = mapped_column(String(200), default="")
    approved_on: Mapped[date | None] = mapped_column(Date)
    next_review_on: Mapped[date | None] = mapped_column(Date, index=True)
    superseded_on: Mapped[date | None] = mapped_column(Date)
    reviewers: Mapped[list[PolicyReviewer]] = relationship(back_populates="version", order_by="PolicyReviewer.id",
                                                           cascade="all, delete-orphan")
    clauses: Mapped[list[PolicyClause]] = relationship(back_populates="version", order_by="PolicyClause.position",
                                                       cascade="all, delete-orphan")
    signatures: Mapped[list[PolicySignature]] = relationship(back_populates="version", order_by="PolicySignature.id",
                                                             cascade="all, delete-orphan")

    @property
    def state_enum(self) -> PolicyState:
        return PolicyState(self.state)

    @property
    def history_date(self) -> date | None:
        """The version-history table's date: approved, else sent for review, else (a draft) created.
        A recorded version shows only a date its document gives: none, for one never reviewed."""
        if self.approved_on or self.submitted_on:
            return self.approved_on or self.submitted_on
        return None if self.state == PolicyState.RECORDED else self.created_at.date()

    def signature(self, slot: str) -> PolicySignature | None:
        return next((signature for signature in self.signatures if signature.slot == slot), None)

    def review_overdue(self, today: date) -> bool:
        return self.state == PolicyState.APPROVED and self.next_review_on is not None and self.next_review_on < today

    def __str__(self) -> str:
        return f"{self.policy.code} version {self.number}"


class PolicyReviewer(Model):
    """A row of the document's "reviewed by" table: who reviewed this version, and when."""

    __tablename__ = "policy_reviewer"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("policy_version.id", ondelete="CASCADE"), index=True)
    version: Mapped[PolicyVersion] = relationship(back_populates="reviewers")
    name: Mapped[str] = mapped_column(String(200))
    designation: Mapped[str] = mapped_column(String(200), default="")
    reviewed_on: Mapped[date] = mapped_column(Date)


class SignatureMethod(enum.StrEnum):
    IN_APP = "in_app"  # the person named in the row, signed in to Khusela, signed it
    SCAN = "scan"  # a scan of the page they signed by hand, uploaded

    @property
    def label(self) -> str:
        return {"in_app": "Signed in Khusela", "scan": "Signed scan"}[self.value]


AUTHOR_SLOT = "author"
APPROVAL_SLOT = "approval"


def review_slot(reviewer_id: int) -> str:
    return f"review:{reviewer_id}"


class PolicySignature(Model):
    """The signature column of a document-control row (the author, a reviewer, the approval): either
    the named person signed in Khusela (who and when), or a scan of their handwritten signature."""

    __tablename__ = "policy_signature"
    __table_args__ = (UniqueConstraint("version_id", "slot", name="uq_policy_signature_slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("policy_version.id", ondelete="CASCADE"), index=True)
    version: Mapped[PolicyVersion] = relationship(back_populates="signatures")
    slot: Mapped[str] = mapped_column(String(32))  # AUTHOR_SLOT, APPROVAL_SLOT or review_slot(reviewer id)
    # The reviewer's row it signs: removing the reviewer removes the signature with it.
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("policy_reviewer.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))  # the row's name when it was signed
    method: Mapped[str] = mapped_column(String(16))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # in Khusela: the signer
    signed_by: Mapped[User | None] = relationship(foreign_keys=[signed_by_id])
    scan_sha256: Mapped[str | None] = mapped_column(String(64))
    scan_name: Mapped[str | None] = mapped_column(String(255))
    scan_size: Mapped[int | None] = mapped_column(Integer)
    scan_media_type: Mapped[str | None] = mapped_column(String(120))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])

    @property
    def method_enum(self) -> SignatureMethod:
        return SignatureMethod(self.method)


class PolicyClause(Model):
    """A numbered clause of one version; a case cites the clause of the version in force."""

    __tablename__ = "policy_clause"
    __table_args__ = (UniqueConstraint("version_id", "reference", name="uq_policy_clause_reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("policy_version.id", ondelete="CASCADE"), index=True)
    version: Mapped[PolicyVersion] = relationship(back_populates="clauses")
    reference: Mapped[str] = mapped_column(String(32))  # "4.2"
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    # Sort key of the number: 4.10 after 4.9, up to four levels of 999 (needs more than 32 bits).
    position: Mapped[int] = mapped_column(BigInteger, default=0)

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class AcknowledgementSheet(Model):
    """The scanned signed sheet (acknowledgement or attendance register) behind acknowledgements
    recorded from paper: checked and kept by content like evidence files, outside the web root. It
    names and carries the signatures of everyone on it, so only those who see every name open it."""

    __tablename__ = "acknowledgement_sheet"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("policy_version.id", ondelete="CASCADE"), index=True)
    version: Mapped[PolicyVersion] = relationship()
    signed_on: Mapped[date] = mapped_column(Date)
    sha256: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(120))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])


class PolicyAcknowledgement(Model):
    """An employee's statement that they read and understood one version of a policy."""

    __tablename__ = "policy_acknowledgement"
    __table_args__ = (UniqueConstraint("version_id", "employee_id", name="uq_policy_acknowledgement"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("policy_version.id", ondelete="CASCADE"))
    version: Mapped[PolicyVersion] = relationship()
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id", ondelete="CASCADE"), index=True)
    employee: Mapped[Employee] = relationship()
    acknowledged_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(16))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    # The signed sheet of an acknowledgement recorded from paper (none for older paper records).
    sheet_id: Mapped[int | None] = mapped_column(ForeignKey("acknowledgement_sheet.id", ondelete="SET NULL"),
                                                 index=True)
    sheet: Mapped[AcknowledgementSheet | None] = relationship()


names_stored_files(PolicyVersion.document_sha256, "document of policy version")
names_stored_files(AcknowledgementSheet.sha256, "signed acknowledgement sheet")
names_stored_files(PolicySignature.scan_sha256, "signed scan of a policy's document-control row")
