"""The risk register's tables: matrix versions, categories, risks and what hangs off a risk."""

from __future__ import annotations

import enum
import json
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import AcceptanceAuthority, Department, User
from app.common.models import Timestamped, UTCDateTime, Versioned
from app.common.timeutil import utcnow
from app.extensions import Model
from app.risks import scoring

if TYPE_CHECKING:
    from app.assets.models import Asset
    from app.controls.models import Control


class RiskStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    IN_TREATMENT = "in_treatment"
    ACCEPTED = "accepted"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class TreatmentStrategy(enum.StrEnum):
    """ISO/IEC 27005:2022 risk treatment options."""

    MODIFY = "modify"
    RETAIN = "retain"
    AVOID = "avoid"
    SHARE = "share"

    @property
    def label(self) -> str:
        return {"modify": "Modify (mitigate)", "retain": "Retain (accept)", "avoid": "Avoid",
                "share": "Share (transfer)"}[self.value]


class ActionStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class FactorRating(enum.StrEnum):
    HIGH = "H"
    MEDIUM = "M"
    LOW = "L"


class RatingKind(enum.StrEnum):
    INHERENT = "inherent"
    RESIDUAL = "residual"
    TARGET = "target"


class RiskMatrix(Model, Timestamped):
    """One version of the organisation's risk matrix. Versions are never edited: a change is a
    new version, and each risk keeps the version it was scored on until it is re-scored."""

    __tablename__ = "risk_matrix"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_number: Mapped[int] = mapped_column(Integer, unique=True)
    size: Mapped[int] = mapped_column(Integer)
    likelihoods_json: Mapped[str] = mapped_column(Text)
    impacts_json: Mapped[str] = mapped_column(Text)
    bands_json: Mapped[str] = mapped_column(Text)
    change_note: Mapped[str] = mapped_column(String(500), default="")

    def to_scoring(self) -> scoring.Matrix:
        return scoring.Matrix(
            size=self.size,
            likelihoods=tuple(scoring.Level(**level) for level in json.loads(self.likelihoods_json)),
            impacts=tuple(scoring.Level(**level) for level in json.loads(self.impacts_json)),
            bands=tuple(scoring.Band(**band) for band in json.loads(self.bands_json)),
        )


class RiskCategory(Model, Timestamped, Versioned):
    """A category, or a subcategory when it has a parent."""

    __tablename__ = "risk_category"
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_risk_category_parent_id_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("risk_category.id"), index=True)
    parent: Mapped[RiskCategory | None] = relationship(remote_side=[id])
    active: Mapped[bool] = mapped_column(default=True)


class Risk(Model, Timestamped, Versioned):
    __tablename__ = "risk"
    # The open risks in reference order from the index alone: the SoA reads every link that way.
    # updated_at: the ISMS evidence page and the dashboard show when the register last changed (MAX()).
    __table_args__ = (Index("ix_risk_reference_status", "reference", "status"),
                      Index("ix_risk_updated_at", "updated_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    title: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    consequences: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int] = mapped_column(ForeignKey("risk_category.id"), index=True)
    category: Mapped[RiskCategory] = relationship(foreign_keys=[category_id])
    subcategory_id: Mapped[int | None] = mapped_column(ForeignKey("risk_category.id"), index=True)
    subcategory: Mapped[RiskCategory | None] = relationship(foreign_keys=[subcategory_id])
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    matrix_id: Mapped[int] = mapped_column(ForeignKey("risk_matrix.id"), index=True)
    matrix: Mapped[RiskMatrix] = relationship()

    inherent_likelihood: Mapped[int] = mapped_column(Integer)
    inherent_impact: Mapped[int] = mapped_column(Integer)
    # Scores are stored (not only computed) so lists sort and filter on them in SQL.
    inherent_score: Mapped[int] = mapped_column(Integer, index=True)
    residual_likelihood: Mapped[int | None] = mapped_column(Integer)
    residual_impact: Mapped[int | None] = mapped_column(Integer)
    residual_score: Mapped[int | None] = mapped_column(Integer, index=True)
    target_likelihood: Mapped[int | None] = mapped_column(Integer)
    target_impact: Mapped[int | None] = mapped_column(Integer)
    target_score: Mapped[int | None] = mapped_column(Integer)
    tolerance: Mapped[int] = mapped_column(Integer)

    status: Mapped[str] = mapped_column(String(16), default=RiskStatus.DRAFT.value, index=True)
    strategy: Mapped[str | None] = mapped_column(String(16))
    review_frequency_months: Mapped[int] = mapped_column(Integer, default=12)
    next_review_on: Mapped[date | None] = mapped_column(Date, index=True)

    factors: Mapped[list[ContributingFactor]] = relationship(
        back_populates="risk", cascade="all, delete-orphan", order_by="ContributingFactor.position"
    )
    actions: Mapped[list[TreatmentAction]] = relationship(
        back_populates="risk", cascade="all, delete-orphan", order_by="TreatmentAction.due_on"
    )
    controls: Mapped[list[Control]] = relationship(
        secondary="risk_control", back_populates="risks", order_by="Control.reference"
    )
    assets: Mapped[list[Asset]] = relationship(secondary="asset_risk", back_populates="risks", order_by="Asset.tag")
    # The acceptance in force (none ended): what the register's list, CSV and PDF show beside
    # "Accepted". services.accept_risk ends the previous one first, so there is at most one.
    standing_acceptance: Mapped[RiskAcceptance | None] = relationship(
        primaryjoin="and_(RiskAcceptance.risk_id == Risk.id, RiskAcceptance.ended_at.is_(None))",
        viewonly=True, uselist=False)

    @property
    def status_enum(self) -> RiskStatus:
        return RiskStatus(self.status)

    @property
    def out_of_tolerance(self) -> bool:
        return scoring.out_of_tolerance(self.residual_score, self.tolerance)

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class ContributingFactor(Model):
    __tablename__ = "risk_factor"

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risk.id", ondelete="CASCADE"), index=True)
    risk: Mapped[Risk] = relationship(back_populates="factors")
    description: Mapped[str] = mapped_column(String(300))
    rating: Mapped[str] = mapped_column(String(1))
    position: Mapped[int] = mapped_column(Integer, default=0)


class TreatmentAction(Model, Timestamped, Versioned):
    __tablename__ = "risk_action"
    __table_args__ = (Index("ix_risk_action_updated_at", "updated_at"),)  # when the plan last changed

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risk.id", ondelete="CASCADE"), index=True)
    risk: Mapped[Risk] = relationship(back_populates="actions")
    title: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default=ActionStatus.PLANNED.value)
    progress_note: Mapped[str] = mapped_column(Text, default="")
    # Set by the service when the status becomes done (the organisation's date), cleared if it is reopened.
    completed_on: Mapped[date | None] = mapped_column(Date)
    # The control the action puts in place or improves.
    control_id: Mapped[int | None] = mapped_column(ForeignKey("control.id"), index=True)
    control: Mapped[Control | None] = relationship(back_populates="actions")

    def is_overdue(self, today: date) -> bool:
        return (self.due_on is not None and self.due_on < today
                and self.status in (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS))


class AcceptanceStatus(enum.StrEnum):
    """Where an acceptance stands: in force, past its date, or ended before it (re-scored, replaced,
    closed, its status changed)."""

    CURRENT = "current"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return self.value.capitalize()


# RiskAcceptance.end_reason of an acceptance the daily job ended on its date (services.expire_acceptances).
EXPIRED_REASON = "Expired"


class RiskAcceptance(Model, Timestamped):
    """The formal acceptance of residual risk above tolerance (27001 6.1.3 f), by whoever held the
    authority its band needs (app.risks.authority)."""

    __tablename__ = "risk_acceptance"

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risk.id", ondelete="CASCADE"), index=True)
    risk: Mapped[Risk] = relationship(foreign_keys=[risk_id])
    accepted_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    accepted_by: Mapped[User] = relationship(foreign_keys=[accepted_by_id])
    justification: Mapped[str] = mapped_column(Text)
    accepted_on: Mapped[date] = mapped_column(Date, index=True)
    expires_on: Mapped[date] = mapped_column(Date, index=True)
    residual_score: Mapped[int] = mapped_column(Integer)
    tolerance: Mapped[int] = mapped_column(Integer)
    # The residual band when accepted (its name on the risk's matrix version then), and the authority
    # the acceptor held for it (an AcceptanceAuthority; None for acceptances before authorities).
    residual_band: Mapped[str] = mapped_column(String(60), default="", server_default="")
    authority: Mapped[str | None] = mapped_column(String(32))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(200))

    def status_on(self, today: date) -> AcceptanceStatus:
        if self.ended_at is None:
            return AcceptanceStatus.CURRENT if self.expires_on >= today else AcceptanceStatus.EXPIRED
        return AcceptanceStatus.EXPIRED if self.end_reason == EXPIRED_REASON else AcceptanceStatus.WITHDRAWN

    @property
    def authority_label(self) -> str:
        return AcceptanceAuthority(self.authority).label if self.authority else ""


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    WITHDRAWN = "withdrawn"  # by the security officer, or because the risk no longer needs acceptance

    @property
    def label(self) -> str:
        return self.value.capitalize()


class AcceptanceRequest(Model, Timestamped):
    """A security officer's request that the holder of the needed authority accept a risk above
    tolerance: it tells them (a notification, the dashboard) and ends when the risk is accepted or
    no longer needs it. Whoever asked may not accept it themselves (segregation of duties)."""

    __tablename__ = "risk_acceptance_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risk.id", ondelete="CASCADE"), index=True)
    risk: Mapped[Risk] = relationship(foreign_keys=[risk_id])
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    requested_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    # What the risk needed when asked: the residual band and the authority it names.
    residual_score: Mapped[int] = mapped_column(Integer)
    residual_band: Mapped[str] = mapped_column(String(60), default="")
    authority: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.OPEN.value, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(200))
    acceptance_id: Mapped[int | None] = mapped_column(ForeignKey("risk_acceptance.id", ondelete="SET NULL"))
    acceptance: Mapped[RiskAcceptance | None] = relationship(foreign_keys=[acceptance_id])

    @property
    def status_enum(self) -> RequestStatus:
        return RequestStatus(self.status)

    @property
    def authority_enum(self) -> AcceptanceAuthority:
        return AcceptanceAuthority(self.authority)


class PlanApproval(Model, Timestamped):
    """The risk owner's approval of their risk's treatment plan (ISO/IEC 27001 6.1.3 f), as it stood:
    `fingerprint` is the SHA-256 of the plan's material content (app.risks.plans), `plan_json` that
    content. The approval holds while the plan's fingerprint is unchanged; rows are never edited."""

    __tablename__ = "risk_plan_approval"

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risk.id", ondelete="CASCADE"), index=True)
    approved_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    approved_by: Mapped[User] = relationship(foreign_keys=[approved_by_id])
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    fingerprint: Mapped[str] = mapped_column(String(64))
    plan_json: Mapped[str] = mapped_column(Text)


class RiskReview(Model, Timestamped):
    __tablename__ = "risk_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risk.id", ondelete="CASCADE"), index=True)
    reviewed_on: Mapped[date] = mapped_column(Date)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
    notes: Mapped[str] = mapped_column(Text, default="")
    next_review_on: Mapped[date | None] = mapped_column(Date)


class RatingChange(Model):
    """One change of one rating: the risk page's timeline (who, when, from -> to, why)."""

    __tablename__ = "risk_rating_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risk.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    from_likelihood: Mapped[int | None] = mapped_column(Integer)
    from_impact: Mapped[int | None] = mapped_column(Integer)
    to_likelihood: Mapped[int | None] = mapped_column(Integer)
    to_impact: Mapped[int | None] = mapped_column(Integer)
    from_matrix_id: Mapped[int | None] = mapped_column(ForeignKey("risk_matrix.id"))
    matrix_id: Mapped[int] = mapped_column(ForeignKey("risk_matrix.id"))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    changed_by: Mapped[User | None] = relationship(foreign_keys=[changed_by_id])
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")

    @property
    def from_score(self) -> int | None:
        if self.from_likelihood is None or self.from_impact is None:  # saved as a pair: both or neither
            return None
        return scoring.rating(self.from_likelihood, self.from_impact)

    @property
    def to_score(self) -> int | None:
        if self.to_likelihood is None or self.to_impact is None:  # saved as a pair: both or neither
            return None
        return scoring.rating(self.to_likelihood, self.to_impact)
