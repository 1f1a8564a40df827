"""Reading the supplier register: the list's filters, what the reminders, the dashboard and the
certification-evidence page count. Filters come from the query string; a value that cannot be
understood is ignored, as on the other list pages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.sql import ColumnElement

from app import models  # noqa: F401  (every model mapped before the alias below configures the mappers)
from app.admin import settings
from app.auth.models import User
from app.common.listing import SqlColumn, choice_arg, contains_text, id_arg
from app.extensions import db
from app.suppliers.models import (
    Criticality,
    SecurityClause,
    Supplier,
    SupplierAssessment,
    SupplierStatus,
    supplier_risk,
)
from app.suppliers.rules import MUST_BE_ASSESSED, OPERATOR_CLAUSES

STATUS_CURRENT, STATUS_ANY = "", "all"  # the list shows those not exited unless asked otherwise
CURRENT_VALUES = (SupplierStatus.ACTIVE.value, SupplierStatus.ONBOARDING.value)
YES_NO = {"yes", "no"}
# The list's "what is missing" filter: each a condition over one row, as rules.gaps() words it.
GAP_LABELS = {
    "operator_contract": "Operator without a written contract (POPIA s21)",
    "operator_clauses": "Operator contract lacking POPIA s20-21 clauses",
    "cloud_region": "Cloud service without a hosting region",
    "cloud_exit": "Cloud service without an exit plan",
    "never_assessed": "High or critical, never assessed",
    "contract_ended": "Contract ended, supplier still current",
}
ASSESSMENT_LABELS = {"overdue": "Assessment overdue", "due": "Assessment due within 30 days",
                     "never": "Never assessed"}
ASSESSMENT_SOON_DAYS = 30

Owner = aliased(User)

CRITICALITY_ORDER = sa.case({value.value: rank for rank, value in enumerate(Criticality)},
                            value=Supplier.criticality, else_=0)
SORT_COLUMNS: dict[str, SqlColumn] = {
    "name": sa.func.lower(Supplier.name), "criticality": CRITICALITY_ORDER, "status": Supplier.status,
    "contract_end": Supplier.contract_end, "assessed": Supplier.last_assessed_on,
    "assessment_due": Supplier.assessment_due_on, "review": Supplier.review_on,
    "owner": sa.func.lower(Owner.full_name),
}
DEFAULT_SORT = "name"


def contract_reminder_days() -> int:
    """Days before a contract ends that its owner is reminded and the list and dashboard count it."""
    return int(settings.get(settings.SUPPLIER_CONTRACT_REMINDER_DAYS))


def has_clause(clause: SecurityClause) -> ColumnElement[bool]:
    """The JSON list holds the clause: its text contains the quoted value (the same on SQLite and PostgreSQL)."""
    return contains_text(sa.cast(Supplier.security_clauses, sa.Text), f'"{clause.value}"')


def gap_condition(key: str, today: date) -> ColumnElement[bool]:
    current = Supplier.status.in_(CURRENT_VALUES)
    conditions: dict[str, ColumnElement[bool]] = {
        "operator_contract": sa.and_(Supplier.is_operator.is_(True), Supplier.operator_contract_on.is_(None)),
        "operator_clauses": sa.and_(Supplier.is_operator.is_(True),
                                    sa.not_(sa.and_(*(has_clause(clause) for clause in OPERATOR_CLAUSES)))),
        "cloud_region": sa.and_(Supplier.is_cloud.is_(True), sa.func.trim(Supplier.hosting_region) == ""),
        "cloud_exit": sa.and_(Supplier.is_cloud.is_(True), sa.func.trim(Supplier.exit_plan) == ""),
        "never_assessed": sa.and_(Supplier.last_assessed_on.is_(None),
                                  Supplier.criticality.in_(sorted(MUST_BE_ASSESSED))),
        "contract_ended": Supplier.contract_end < today,
    }
    return sa.and_(current, conditions[key])


def assessment_condition(key: str, today: date) -> ColumnElement[bool]:
    current = Supplier.status.in_(CURRENT_VALUES)
    return sa.and_(current, {
        "overdue": Supplier.assessment_due_on < today,
        "due": Supplier.assessment_due_on.between(today, today + timedelta(days=ASSESSMENT_SOON_DAYS)),
        "never": Supplier.last_assessed_on.is_(None),
    }[key])


def contract_ending_condition(today: date, days: int) -> ColumnElement[bool]:
    return sa.and_(Supplier.status.in_(CURRENT_VALUES),
                   Supplier.contract_end.between(today, today + timedelta(days=days)))


def _days_arg(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and 0 < int(value) <= 3650 else None


@dataclass(frozen=True)
class SupplierFilters:
    q: str = ""
    status: str = STATUS_CURRENT
    criticality: str = ""
    owner_id: int | None = None
    operator: str = ""  # "yes", "no" or any
    cloud: str = ""
    gap: str = ""
    assessment: str = ""
    contract_ending: bool = False
    within: int | None = None  # the contract_ending window in days; None: the setting's
    review_overdue: bool = False
    clause_missing: str = ""
    risk_id: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> SupplierFilters:
        return cls(
            q=(args.get("q") or "").replace("\x00", "").strip()[:200],
            status=choice_arg(args, "status", {STATUS_ANY, *(s.value for s in SupplierStatus)}),
            criticality=choice_arg(args, "criticality", {c.value for c in Criticality}),
            owner_id=id_arg(args, "owner"),
            operator=choice_arg(args, "operator", YES_NO),
            cloud=choice_arg(args, "cloud", YES_NO),
            gap=choice_arg(args, "gap", set(GAP_LABELS)),
            assessment=choice_arg(args, "assessment", set(ASSESSMENT_LABELS)),
            contract_ending=args.get("contract_ending") == "1",
            within=_days_arg(args.get("within")),
            review_overdue=args.get("review_overdue") == "1",
            clause_missing=choice_arg(args, "clause_missing", {c.value for c in SecurityClause}),
            risk_id=id_arg(args, "risk"),
        )

    def args(self) -> dict[str, str]:
        """The query string that gives these filters (for a queued report)."""
        values = {"q": self.q, "status": self.status, "criticality": self.criticality, "owner": self.owner_id or "",
                  "operator": self.operator, "cloud": self.cloud, "gap": self.gap, "assessment": self.assessment,
                  "contract_ending": "1" if self.contract_ending else "", "within": self.within or "",
                  "review_overdue": "1" if self.review_overdue else "", "clause_missing": self.clause_missing,
                  "risk": self.risk_id or ""}
        return {key: str(value) for key, value in values.items() if value}

    def conditions(self, today: date) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if self.q:
            where.append(sa.or_(*(contains_text(column, self.q) for column in (
                Supplier.name, Supplier.services, Supplier.contract_reference))))
        if self.status == STATUS_CURRENT:
            where.append(Supplier.status.in_(CURRENT_VALUES))
        elif self.status != STATUS_ANY:
            where.append(Supplier.status == self.status)
        if self.criticality:
            where.append(Supplier.criticality == self.criticality)
        if self.owner_id:
            where.append(Supplier.owner_id == self.owner_id)
        for value, column in ((self.operator, Supplier.is_operator), (self.cloud, Supplier.is_cloud)):
            if value:
                where.append(column.is_(value == "yes"))
        if self.gap:
            where.append(gap_condition(self.gap, today))
        if self.assessment:
            where.append(assessment_condition(self.assessment, today))
        if self.contract_ending:
            where.append(contract_ending_condition(today, self.within or contract_reminder_days()))
        if self.review_overdue:
            where.append(sa.and_(Supplier.status.in_(CURRENT_VALUES), Supplier.review_on < today))
        if self.clause_missing:
            where.append(sa.not_(has_clause(SecurityClause(self.clause_missing))))
        if self.risk_id:
            where.append(Supplier.id.in_(sa.select(supplier_risk.c.supplier_id)
                                         .where(supplier_risk.c.risk_id == self.risk_id)))
        return where


def filtered(filters: SupplierFilters, today: date) -> sa.Select:
    """Suppliers with what the list and its export show loaded up front."""
    return (sa.select(Supplier).outerjoin(Owner, Supplier.owner_id == Owner.id)
            .where(*filters.conditions(today)).options(selectinload(Supplier.owner)))


def record_options() -> tuple:
    """What a report or export of whole records reads of each supplier, loaded in a few queries."""
    return (selectinload(Supplier.owner), selectinload(Supplier.assets), selectinload(Supplier.risks),
            selectinload(Supplier.assessments).selectinload(SupplierAssessment.assessor))


def owners() -> list[User]:
    """People who own a supplier, for the owner filter."""
    return list(db.session.scalars(sa.select(User).where(User.id.in_(sa.select(Supplier.owner_id)))
                                   .order_by(sa.func.lower(User.full_name))))


def all_assessments() -> list[SupplierAssessment]:
    return list(db.session.scalars(sa.select(SupplierAssessment)
                                   .order_by(SupplierAssessment.assessed_on, SupplierAssessment.id)
                                   .options(selectinload(SupplierAssessment.supplier),
                                            selectinload(SupplierAssessment.assessor))))


# --- reminders --------------------------------------------------------------------------------------


def contracts_ending(today: date, until: date) -> list[Supplier]:
    """Current suppliers whose contract ends from today to `until`."""
    return list(db.session.scalars(sa.select(Supplier).where(
        Supplier.status.in_(CURRENT_VALUES), Supplier.contract_end.between(today, until)).order_by(Supplier.id)))


def assessments_due(until: date) -> list[Supplier]:
    """Current suppliers whose next security assessment falls due by `until` (overdue ones too)."""
    return list(db.session.scalars(sa.select(Supplier).where(
        Supplier.status.in_(CURRENT_VALUES), Supplier.assessment_due_on <= until).order_by(Supplier.id)))


def reviews_due(until: date) -> list[Supplier]:
    return list(db.session.scalars(sa.select(Supplier).where(
        Supplier.status.in_(CURRENT_VALUES), Supplier.review_on <= until).order_by(Supplier.id)))


# --- aggregates: the dashboard and the certification-evidence page -------------------------------


@dataclass(frozen=True)
class Counts:
    current: int
    total: int
    contracts_ending: int
    assessments_overdue: int
    reviews_overdue: int
    operators_without_contract: int
    operator_clauses_missing: int
    cloud_without_exit: int
    never_assessed: int
    contracts_ended: int
    last_update: datetime | None


def counts(today: date) -> Counts:
    """The register's figures in one query."""
    def number(condition: ColumnElement[bool]):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    cloud_exit = sa.or_(gap_condition("cloud_exit", today), gap_condition("cloud_region", today))
    row = db.session.execute(sa.select(
        number(Supplier.status.in_(CURRENT_VALUES)), sa.func.count(Supplier.id),
        number(contract_ending_condition(today, contract_reminder_days())),
        number(assessment_condition("overdue", today)),
        number(sa.and_(Supplier.status.in_(CURRENT_VALUES), Supplier.review_on < today)),
        number(gap_condition("operator_contract", today)), number(gap_condition("operator_clauses", today)),
        number(cloud_exit), number(gap_condition("never_assessed", today)),
        number(gap_condition("contract_ended", today)), sa.func.max(Supplier.updated_at))).one()
    return Counts(*row)


DASHBOARD_ENDING_DAYS = 90  # the dashboard's window: fixed, so the figure costs one query and no settings read


def contracts_ending_count(today: date, days: int = DASHBOARD_ENDING_DAYS) -> int:
    """The dashboard's one figure: one COUNT over the contract_end index."""
    return db.session.scalar(sa.select(sa.func.count(Supplier.id)).where(
        contract_ending_condition(today, days))) or 0
