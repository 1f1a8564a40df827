"""The context of the ISMS (ISO/IEC 27001:2022 4.1-4.3, 5.3): internal and external issues,
interested parties and their requirements, the scope statement and its issued versions, and who
holds which information-security role."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.common.models import Timestamped, UTCDateTime, Versioned
from app.extensions import Model, db

if TYPE_CHECKING:
    from app.controls.models import Control


class IssueKind(enum.StrEnum):
    """ISO/IEC 27001 4.1: issues inside the organisation and outside it."""

    INTERNAL = "internal"
    EXTERNAL = "external"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ContextStatus(enum.StrEnum):
    """An issue or a party still shapes the ISMS (active), or no longer does (retired: kept as history)."""

    ACTIVE = "active"
    RETIRED = "retired"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class PartyKind(enum.StrEnum):
    REGULATOR = "regulator"
    OVERSIGHT = "oversight"
    GOVERNMENT = "government"
    SUPPLIER = "supplier"
    PUBLIC = "public"
    STAFF = "staff"
    LABOUR = "labour"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"regulator": "Regulator", "oversight": "Oversight body", "government": "Political or executive "
                "authority", "supplier": "Supplier or service provider", "public": "The public",
                "staff": "Staff", "labour": "Organised labour", "other": "Other"}[self.value]


class ContextIssue(Model, Timestamped, Versioned):
    """An internal or external issue relevant to the ISMS and what it means for information security."""

    __tablename__ = "context_issue"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    effect: Mapped[str] = mapped_column(Text)  # what the issue means for information security and the ISMS
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    review_on: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), index=True, default=ContextStatus.ACTIVE.value)

    @property
    def kind_label(self) -> str:
        return IssueKind(self.kind).label

    def review_overdue(self, today: date) -> bool:
        return self.status == ContextStatus.ACTIVE and self.review_on is not None and self.review_on < today


# The controls through which the ISMS meets a requirement of an interested party.
requirement_control = Table(
    "party_requirement_control",
    db.metadata,
    Column("requirement_id", ForeignKey("party_requirement.id", ondelete="CASCADE"), primary_key=True),
    Column("control_id", ForeignKey("control.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class InterestedParty(Model, Timestamped, Versioned):
    """ISO/IEC 27001 4.2 a): a party relevant to the ISMS."""

    __tablename__ = "interested_party"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    description: Mapped[str] = mapped_column(Text, default="")  # who they are and why they matter to the ISMS
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    review_on: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), index=True, default=ContextStatus.ACTIVE.value)
    requirements: Mapped[list[PartyRequirement]] = relationship(
        back_populates="party", cascade="all, delete-orphan", order_by="PartyRequirement.id")

    @property
    def kind_label(self) -> str:
        return PartyKind(self.kind).label

    def review_overdue(self, today: date) -> bool:
        return self.status == ContextStatus.ACTIVE and self.review_on is not None and self.review_on < today


class PartyRequirement(Model, Timestamped, Versioned):
    """ISO/IEC 27001 4.2 b) and c): a requirement of an interested party, and whether (and how) the
    ISMS addresses it."""

    __tablename__ = "party_requirement"

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("interested_party.id", ondelete="CASCADE"), index=True)
    party: Mapped[InterestedParty] = relationship(back_populates="requirements")
    requirement: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(200), default="")  # e.g. "POPIA s19", a contract, a directive
    addressed: Mapped[bool] = mapped_column(Boolean, default=False)
    how_addressed: Mapped[str] = mapped_column(Text, default="")
    controls: Mapped[list[Control]] = relationship(
        secondary=requirement_control, order_by="(Control.catalogue, Control.sort_key)")


class ScopeState(enum.StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"


class ScopeStatement(Model, Timestamped, Versioned):
    """ISO/IEC 27001 4.3: the scope of the ISMS. At most one draft is edited at a time; issuing it
    records the approval and freezes it (app/context/scope.py)."""

    __tablename__ = "scope_statement"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A draft holds the number it will be issued as (the latest issued one's plus one), so the unique
    # number also keeps two drafts from being started at once.
    number: Mapped[int] = mapped_column(unique=True)
    state: Mapped[str] = mapped_column(String(8), index=True, default=ScopeState.DRAFT.value)
    in_scope: Mapped[str] = mapped_column(Text, default="")  # what the ISMS covers: organisation, services, sites
    out_of_scope: Mapped[str] = mapped_column(Text, default="")
    boundaries: Mapped[str] = mapped_column(Text, default="")  # organisational, physical and technical boundaries
    interfaces: Mapped[str] = mapped_column(Text, default="")  # interfaces and dependencies with others (4.3 c)
    exclusions: Mapped[list[dict]] = mapped_column(JSON, default=list)  # [{"what": ..., "reason": ...}]
    change_note: Mapped[str] = mapped_column(Text, default="")  # what this version changes, in a line or two
    approved_on: Mapped[date | None] = mapped_column(Date)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    approval_note: Mapped[str] = mapped_column(Text, default="")
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def issued(self) -> bool:
        return self.state == ScopeState.ISSUED


class IsmsRole(Model, Timestamped, Versioned):
    """ISO/IEC 27001 5.3: an information-security role with its responsibilities and authority."""

    __tablename__ = "isms_role"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    responsibilities: Mapped[str] = mapped_column(Text)
    authority: Mapped[str] = mapped_column(Text, default="")
    assignments: Mapped[list[RoleAssignment]] = relationship(
        back_populates="role", cascade="all, delete-orphan",
        order_by="(RoleAssignment.starts_on.desc(), RoleAssignment.id.desc())")


class RoleAssignment(Model, Timestamped, Versioned):
    """A person holding an ISMS role from one date (to another, or still)."""

    __tablename__ = "isms_role_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("isms_role.id", ondelete="CASCADE"), index=True)
    role: Mapped[IsmsRole] = relationship(back_populates="assignments")
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date, index=True)
    note: Mapped[str] = mapped_column(String(300), default="")  # e.g. the appointment letter's reference

    def current(self, today: date) -> bool:
        return self.starts_on <= today and (self.ends_on is None or self.ends_on >= today)
