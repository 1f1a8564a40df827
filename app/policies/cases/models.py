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
from app.common.models import Timestamped, UTCDateTime, Versioned, names_stored_files
from app.common.timeutil import utcnow
from app.extensions import Model
from app.policies.cases.codes import GoverningCode, code_in_force
from app.policies.cases.recommendation import Action, SecurityRisk, Severity, WarningType
from app.policies.models import PolicyClause, PolicyVersion

if TYPE_CHECKING:
    from app.assets.models import Asset
    from app.employees.models import Employee
    from app.risks.models import Risk

class SpecialCategory(enum.StrEnum):
    """Special personal information (POPIA s26) a case may hold: processing it needs an authorisation
    (s27: e.g. to establish, exercise or defend a right or obligation in law), and it is kept from
    auditors even when a case's files are released to them. The three first are the usual ones in
    disciplinary files."""

    HEALTH = "health"
    TRADE_UNION = "trade_union"
    CRIMINAL = "criminal"
    RELIGION = "religion"
    RACE = "race"
    POLITICS = "politics"
    SEX_LIFE = "sex_life"
    BIOMETRIC = "biometric"

    @property
    def label(self) -> str:
        return {"health": "Health", "trade_union": "Trade-union membership",
                "criminal": "Criminal behaviour (an alleged offence or its proceedings)",
                "religion": "Religious or philosophical beliefs", "race": "Race or ethnic origin",
                "politics": "Political persuasion", "sex_life": "Sex life",
                "biometric": "Biometric information"}[self.value]

    @property
    def short_label(self) -> str:
        return {"criminal": "Alleged offence"}.get(self.value, self.label)


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class PolicyCase(Model, Timestamped, Versioned):
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
    # When the breach was reported (datable: it may be recorded in Khusela later); no step carries out
    # the decision before it, and the decision follows it. Not given: the day the case was opened.
    reported_on: Mapped[date] = mapped_column(Date, default=lambda ctx: ctx.get_current_parameters()["opened_on"])
    opened_on: Mapped[date] = mapped_column(Date)  # the day the case was recorded in Khusela (local date)
    description: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(16))
    security_risk: Mapped[str] = mapped_column(String(16))
    risk_id: Mapped[int | None] = mapped_column(ForeignKey("risk.id"), index=True)
    risk: Mapped[Risk | None] = relationship()
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id"), index=True)
    asset: Mapped[Asset | None] = relationship()
    # The code in force on the day of the incident (for statistics): each step follows the code in force
    # on its own date (app.policies.cases.codes).
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
    # The case file's own marking, on its pages and on every page of its letters and PDFs.
    classification: Mapped[str] = mapped_column(String(32), default="CONFIDENTIAL", server_default="CONFIDENTIAL")
    special_categories_json: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")  # SpecialCategory
    # Evidence files are withheld from readers who see the case under a pseudonym, until HR releases
    # them for an audit (with the reason on record); never for a case with special personal information.
    evidence_released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    evidence_released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    evidence_released_by: Mapped[User | None] = relationship(foreign_keys=[evidence_released_by_id])
    evidence_release_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_by: Mapped[User | None] = relationship(foreign_keys="PolicyCase.created_by_id", viewonly=True)
    evidence: Mapped[list[CaseEvidence]] = relationship(back_populates="case", order_by="CaseEvidence.id",
                                                        cascade="all, delete-orphan")
    warnings: Mapped[list[CaseWarning]] = relationship(back_populates="case", order_by="CaseWarning.id",
                                                       cascade="all, delete-orphan")
    # The later steps, each in its own table (cascade: destroying a case removes them all).
    revocations: Mapped[list[CaseRevocation]] = relationship(order_by="CaseRevocation.id", viewonly=True)
    trainings: Mapped[list[CaseTraining]] = relationship(order_by="CaseTraining.id", viewonly=True)
    investigation: Mapped[CaseInvestigation | None] = relationship(viewonly=True)
    suspensions: Mapped[list[CaseSuspension]] = relationship(order_by="CaseSuspension.id", viewonly=True)
    allegations: Mapped[list[CaseAllegation]] = relationship(order_by="CaseAllegation.position", viewonly=True)
    notices: Mapped[list[CaseHearingNotice]] = relationship(order_by="CaseHearingNotice.id", viewonly=True)
    hearing: Mapped[CaseHearing | None] = relationship(viewonly=True)
    sanction: Mapped[CaseSanction | None] = relationship(viewonly=True)
    appeal: Mapped[CaseAppeal | None] = relationship(viewonly=True)
    union_consultation: Mapped[CaseUnionConsultation | None] = relationship(viewonly=True)
    fairness_overrides: Mapped[list[CaseFairnessOverride]] = relationship(order_by="CaseFairnessOverride.id",
                                                                          viewonly=True)

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

    @property
    def special_categories(self) -> list[SpecialCategory]:
        """In the enum's order, whatever order they were ticked in."""
        stored = set(json.loads(self.special_categories_json or "[]"))
        return [category for category in SpecialCategory if category.value in stored]

    def __str__(self) -> str:
        return self.reference


class CaseEvidence(Model):
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


class CaseWarning(Model, Timestamped):
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

    @property
    def code(self) -> GoverningCode:
        """The code in force on the day the warning was given."""
        return code_in_force(self.issued_on)


# --- revoking privileges and training ----------------------------------------------------------------


class Resource(enum.StrEnum):
    """What a revocation takes away for a while."""

    INTERNET = "internet"
    EMAIL = "email"
    VPN = "vpn"
    REMOVABLE_MEDIA = "removable_media"
    APPLICATION = "application"  # one application, from the CMDB where it is there
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"internet": "Internet access", "email": "E-mail", "vpn": "VPN (remote access)",
                "removable_media": "Removable media (USB)", "application": "An application",
                "other": "Other"}[self.value]


class CaseRevocation(Model, Timestamped):
    """Privileges revoked for a limited period, never harming the employee's job functions (the
    municipal policy), and given back when the period ends."""

    __tablename__ = "case_revocation"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("policy_case.id", ondelete="CASCADE"), index=True)
    case: Mapped[PolicyCase] = relationship()
    resources_json: Mapped[str] = mapped_column(Text, default="[]")  # Resource values
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id"))  # the application, if one
    asset: Mapped[Asset | None] = relationship()
    other_resource: Mapped[str] = mapped_column(String(200), default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    no_harm_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    no_harm_note: Mapped[str] = mapped_column(Text, default="")  # how the job's functions are kept
    restored_on: Mapped[date | None] = mapped_column(Date)
    restored_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    restored_by: Mapped[User | None] = relationship(foreign_keys=[restored_by_id])

    @property
    def resources(self) -> list[Resource]:
        return [Resource(value) for value in json.loads(self.resources_json or "[]")]


class CaseTraining(Model, Timestamped):
    __tablename__ = "case_training"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("policy_case.id", ondelete="CASCADE"), index=True)
    case: Mapped[PolicyCase] = relationship()
    course: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[date] = mapped_column(Date, index=True)
    completed_on: Mapped[date | None] = mapped_column(Date)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("case_evidence.id", ondelete="SET NULL"))
    evidence: Mapped[CaseEvidence | None] = relationship()


# --- the disciplinary procedure (Schedule 8 / the 2025 Code) -------------------------------------------


class Finding(enum.StrEnum):
    GUILTY = "guilty"
    NOT_GUILTY = "not_guilty"

    @property
    def label(self) -> str:
        return {"guilty": "Guilty", "not_guilty": "Not guilty"}[self.value]


class Sanction(enum.StrEnum):
    NONE = "none"
    WRITTEN_WARNING = "written_warning"
    FINAL_WRITTEN_WARNING = "final_written_warning"
    SUSPENSION_WITHOUT_PAY = "suspension_without_pay"
    DEMOTION = "demotion"
    DISMISSAL = "dismissal"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class AppealOutcome(enum.StrEnum):
    UPHELD = "upheld"  # the appeal succeeds: the sanction is set aside
    DISMISSED = "dismissed"  # the sanction stands
    VARIED = "varied"  # a different sanction

    @property
    def label(self) -> str:
        return {"upheld": "Appeal upheld (sanction set aside)", "dismissed": "Appeal dismissed (sanction stands)",
                "varied": "Sanction varied"}[self.value]


class CaseInvestigation(Model, Timestamped):
    __tablename__ = "case_investigation"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("policy_case.id", ondelete="CASCADE"), unique=True)
    investigator: Mapped[str] = mapped_column(String(200))
    started_on: Mapped[date] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    findings: Mapped[str] = mapped_column(Text, default="")


class CaseSuspension(Model, Timestamped):
    """A precautionary suspension pending the inquiry: on full pay and not a sanction."""

    __tablename__ = "case_suspension"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("policy_case.id", ondelete="CASCADE"), index=True)
    case: Mapped[PolicyCase] = relationship()
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    review_on: Mapped[date | None] = mapped_column(Date, index=True)
    with_pay: Mapped[bool] = mapped_column(Boolean, default=True)
    reasons: Mapped[str] = mapped_column(Text)


class CaseAllegation(Model):
    """One allegation, put in writing in the notice, and the finding on it after the hearing."""

    __tablename__ = "case_allegation"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("policy_case.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    text: Mapped[str] = mapped_column(Text)
    finding: Mapped[str | None] = mapped_column(String(16))
    finding_reasons: Mapped[str] = mapped_column(Text, default="")


# The letters are written in English; a notice in another language is a translation, attached.
LETTER_LANGUAGES = frozenset({"english", "en"})


class CaseHearingNotice(Model, Timestamped):
    """The notice of the disciplinary hearing (a new one when the hearing is postponed)."""

    __tablename__ = "case_hearing_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("policy_case.id", ondelete="CASCADE"), index=True)
    issued_on: Mapped[date] = mapped_column(Date)
    hearing_on: Mapped[date] = mapped_column(Date)
    hearing_time: Mapped[str] = mapped_column(String(5), default="09:00")
    venue: Mapped[str] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(40))  # one the employee understands
    chair: Mapped[str] = mapped_column(String(200), default="")
    allegations_included: Mapped[bool] = mapped_column(Boolean, default=True)
    representation_stated: Mapped[bool] = mapped_column(Boolean, default=True)  # shop steward or fellow employee
    interpreter_stated: Mapped[bool] = mapped_column(Boolean, default=True)
    # What is at stake, so that the employee prepares for it (and may speak to the sanction).
    dismissal_possible: Mapped[bool] = mapped_column(Boolean, default=True)
    # Who signs the letter, as printed on it (kept as issued, whatever the account's name or post later).
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    issued_by_name: Mapped[str] = mapped_column(String(200), default="")
    issued_by_position: Mapped[str] = mapped_column(String(200), default="")
    # The notice translated into the employee's language, uploaded as case evidence.
    translation_id: Mapped[int | None] = mapped_column(ForeignKey("case_evidence.id", ondelete="SET NULL"))
    translation: Mapped[CaseEvidence | None] = relationship()

    @property
    def code(self) -> GoverningCode:
        """The procedure follows the code in force on the day the notice is issued."""
        return code_in_force(self.issued_on)

    @property
    def in_letter_language(self) -> bool:
        """Is the employee's language the one the letter is written in (English)?"""
        return self.language.strip().casefold() in LETTER_LANGUAGES

    @property
    def language_note(self) -> str:
        """How the notice reaches the employee in their language, as the case page and timeline say it."""
        if self.in_letter_language:
            return f"in {self.language}"
        if self.translation_id is not None:
            return f"in English, with a translation into {self.language} attached"
        if self.interpreter_stated:
            return f"in English; an interpreter into {self.language} at the hearing"
        return f"in English; no translation into {self.language} attached and no interpreter stated"

    @property
    def issuer(self) -> str:
        """The name and position printed under "Issued by"."""
        return ", ".join(part for part in (self.issued_by_name, self.issued_by_position) if part)


class CaseHearing(Model, Timestamped):
    __tablename__ = "case_hearing"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("policy_case.id", ondelete="CASCADE"), unique=True)
    held_on: Mapped[date] = mapped_column(Date)
    chair: Mapped[str] = mapped_column(String(200))
    attendees: Mapped[str] = mapped_column(Text, default="")
    employee_present: Mapped[bool] = mapped_column(Boolean, default=True)
    representative: Mapped[str] = mapped_column(String(200), default="")
    interpreter: Mapped[str] = mapped_column(String(200), default="")
    employee_response: Mapped[str] = mapped_column(Text, default="")
    evidence_summary: Mapped[str] = mapped_column(Text, default="")


class CaseSanction(Model, Timestamped):
    """The sanction with its reasons and the substantive-fairness questions (Sch 8 item 7; the
    2025 Code item 8 adds the importance of the rule, the harm caused, the acknowledgement of
    wrongdoing, the impact on the business, and item 11 representations on sanction), weighed under
    the code in force on the day the sanction is decided."""

    __tablename__ = "case_sanction"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("policy_case.id", ondelete="CASCADE"), unique=True)
    sanction: Mapped[str] = mapped_column(String(32))
    reasons: Mapped[str] = mapped_column(Text, default="")
    decided_on: Mapped[date] = mapped_column(Date)
    rule_existed: Mapped[bool] = mapped_column(Boolean, default=False)
    rule_valid: Mapped[bool] = mapped_column(Boolean, default=False)
    rule_known: Mapped[bool] = mapped_column(Boolean, default=False)
    consistently_applied: Mapped[bool] = mapped_column(Boolean, default=False)
    sanction_appropriate: Mapped[bool] = mapped_column(Boolean, default=False)
    rule_importance: Mapped[str] = mapped_column(Text, default="")
    harm_caused: Mapped[str] = mapped_column(Text, default="")
    representations_on_sanction: Mapped[bool] = mapped_column(Boolean, default=False)
    wrongdoing_acknowledged: Mapped[bool] = mapped_column(Boolean, default=False)  # 2025 Code item 8
    business_impact: Mapped[str] = mapped_column(Text, default="")  # 2025 Code item 8
    outcome_issued_on: Mapped[date | None] = mapped_column(Date)  # the written outcome given to the employee
    referral_notice_given: Mapped[bool] = mapped_column(Boolean, default=False)  # CCMA / bargaining council
    # Sch 8 item 3(5) / 2025 Code item 8: the employee's record and length of service are weighed before a
    # dismissal (required for one, kept for any sanction when given).
    clean_record: Mapped[bool | None] = mapped_column(Boolean)
    service_years: Mapped[int | None] = mapped_column()
    record_weighed: Mapped[str] = mapped_column(Text, default="")

    @property
    def sanction_enum(self) -> Sanction:
        return Sanction(self.sanction)

    @property
    def code(self) -> GoverningCode:
        """The sanction's factors are those of the code in force on the day it was decided."""
        return code_in_force(self.decided_on)


class CaseAppeal(Model, Timestamped):
    __tablename__ = "case_appeal"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("policy_case.id", ondelete="CASCADE"), unique=True)
    lodged_on: Mapped[date] = mapped_column(Date)
    grounds: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_on: Mapped[date | None] = mapped_column(Date)
    outcome_reasons: Mapped[str] = mapped_column(Text, default="")
    varied_sanction: Mapped[str | None] = mapped_column(String(32))
    # Who decided the appeal: someone other than the hearing's chair, senior to them.
    chair: Mapped[str] = mapped_column(String(200), default="")
    chair_position: Mapped[str] = mapped_column(String(200), default="")
    chair_senior: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def outcome_enum(self) -> AppealOutcome | None:
        return AppealOutcome(self.outcome) if self.outcome else None


class CaseUnionConsultation(Model, Timestamped):
    """Whether the employee is a shop steward or an office-bearer or official of a trade union and, if so,
    when the union was informed and consulted: disciplinary action against one is not instituted before
    (Schedule 8 item 4(2); the 2025 Code item 11). Trade-union membership is special personal
    information (POPIA s26): kept here, where the procedure needs it, not on the employee register."""

    __tablename__ = "case_union_consultation"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("policy_case.id", ondelete="CASCADE"), unique=True)
    union_representative: Mapped[bool] = mapped_column(Boolean)
    union_name: Mapped[str] = mapped_column(String(200), default="")
    informed_on: Mapped[date | None] = mapped_column(Date)
    informed_whom: Mapped[str] = mapped_column(String(200), default="")  # at the union: name and position
    notes: Mapped[str] = mapped_column(Text, default="")  # how, and what the union said

    @property
    def consulted(self) -> bool:
        return not self.union_representative or self.informed_on is not None


class CaseFairnessOverride(Model):
    """A fairness check warned and the person went on anyway: why, who, when."""

    __tablename__ = "case_fairness_override"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("policy_case.id", ondelete="CASCADE"), index=True)
    check: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


# --- retention -----------------------------------------------------------------------------------------


class CaseStatistic(Model):
    """What is kept of a case destroyed at the end of its retention period: no one can be identified
    from it, but the numbers (how many, which clauses, which actions) survive for management reports."""

    __tablename__ = "case_statistic"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    policy_code: Mapped[str] = mapped_column(String(32))
    clause_reference: Mapped[str] = mapped_column(String(32), default="")
    incident_year: Mapped[int] = mapped_column()
    severity: Mapped[str] = mapped_column(String(16))
    security_risk: Mapped[str] = mapped_column(String(16))
    recommended_action: Mapped[str] = mapped_column(String(24))
    decided_action: Mapped[str | None] = mapped_column(String(24))
    sanction: Mapped[str | None] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(16))
    closed_year: Mapped[int | None] = mapped_column()
    destroyed_on: Mapped[date] = mapped_column(Date)
    destroyed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


names_stored_files(CaseEvidence.sha256, "case evidence file")
