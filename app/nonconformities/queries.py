"""Reading the nonconformity register: the list's filters, its ageing and trend summaries, and what
the reminders and the dashboard count. Filters come from the query string; a value that cannot be
understood is ignored, as on the other list pages."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.sql import ColumnElement

from app import models  # noqa: F401  (every model mapped before the alias below configures the mappers)
from app.auth.models import Department, User
from app.common.listing import SqlColumn, choice_arg, contains_text, id_arg
from app.controls.clauses import CLAUSES_BY_NUMBER
from app.extensions import db
from app.nonconformities import workflow
from app.nonconformities.models import (
    OPEN_STATUSES,
    CorrectiveAction,
    CorrectiveActionStatus,
    Nonconformity,
    NonconformitySource,
    NonconformityStatus,
    Severity,
)

STATUS_OPEN, STATUS_ANY = "", "all"  # the list shows the open ones unless asked otherwise
OPEN_VALUES = tuple(sorted(status.value for status in OPEN_STATUSES))
UNFINISHED_ACTIONS = (CorrectiveActionStatus.PLANNED.value, CorrectiveActionStatus.IN_PROGRESS.value)

Owner = aliased(User)

SORT_COLUMNS: dict[str, SqlColumn] = {
    # References are numbered in order, so the id sorts them (NC-10000 after NC-9999).
    "reference": Nonconformity.id, "title": sa.func.lower(Nonconformity.title),
    "raised": Nonconformity.raised_on, "due": Nonconformity.due_on, "status": Nonconformity.status,
    "severity": Nonconformity.severity, "source": Nonconformity.source, "clause": Nonconformity.clause,
    "owner": sa.func.lower(Owner.full_name), "department": Department.code,
}
DEFAULT_SORT = "reference"


def overdue_action_exists(today: date) -> ColumnElement[bool]:
    return sa.exists().where(CorrectiveAction.nonconformity_id == Nonconformity.id,
                             CorrectiveAction.status.in_(UNFINISHED_ACTIONS), CorrectiveAction.due_on < today)


def overdue_condition(today: date) -> ColumnElement[bool]:
    """Open, and past its own due date or holding a corrective action past its due date."""
    return sa.and_(Nonconformity.status.in_(OPEN_VALUES),
                   sa.or_(Nonconformity.due_on < today, overdue_action_exists(today)))


def age_band_condition(key: str, today: date) -> ColumnElement[bool]:
    """Open nonconformities raised within the band's days before today (workflow.AGE_BANDS)."""
    first, last = next((first, last) for band, first, last in workflow.AGE_BANDS if band == key)
    condition = Nonconformity.raised_on <= today - timedelta(days=first)
    if last is not None:
        condition = sa.and_(condition, Nonconformity.raised_on >= today - timedelta(days=last))
    return sa.and_(Nonconformity.status.in_(OPEN_VALUES), condition)


@dataclass(frozen=True)
class NonconformityFilters:
    q: str = ""
    status: str = STATUS_OPEN
    source: str = ""
    severity: str = ""
    clause: str = ""
    control_id: int | None = None
    department_id: int | None = None
    owner_id: int | None = None
    overdue: bool = False
    age: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> NonconformityFilters:
        return cls(
            q=(args.get("q") or "").replace("\x00", "").strip()[:200],
            status=choice_arg(args, "status", {STATUS_ANY, *(s.value for s in NonconformityStatus)}),
            source=choice_arg(args, "source", {s.value for s in NonconformitySource}),
            severity=choice_arg(args, "severity", {s.value for s in Severity}),
            clause=choice_arg(args, "clause", set(CLAUSES_BY_NUMBER)),
            control_id=id_arg(args, "control"),
            department_id=id_arg(args, "department"),
            owner_id=id_arg(args, "owner"),
            overdue=args.get("overdue") == "1",
            age=choice_arg(args, "age", {band for band, _, _ in workflow.AGE_BANDS}),
        )

    def args(self) -> dict[str, str]:
        """The query string that gives these filters (for a queued report)."""
        values = {"q": self.q, "status": self.status, "source": self.source, "severity": self.severity,
                  "clause": self.clause, "control": self.control_id or "", "department": self.department_id or "",
                  "owner": self.owner_id or "", "overdue": "1" if self.overdue else "", "age": self.age}
        return {key: str(value) for key, value in values.items() if value}

    def conditions(self, today: date) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if self.q:
            where.append(sa.or_(*(contains_text(column, self.q) for column in (
                Nonconformity.reference, Nonconformity.title, Nonconformity.description,
                Nonconformity.source_reference))))
        if self.status == STATUS_OPEN:
            where.append(Nonconformity.status.in_(OPEN_VALUES))
        elif self.status != STATUS_ANY:
            where.append(Nonconformity.status == self.status)
        for value, column in ((self.source, Nonconformity.source), (self.severity, Nonconformity.severity),
                              (self.clause, Nonconformity.clause), (self.control_id, Nonconformity.control_id),
                              (self.department_id, Nonconformity.department_id),
                              (self.owner_id, Nonconformity.owner_id)):
            if value:
                where.append(column == value)
        if self.overdue:
            where.append(overdue_condition(today))
        if self.age:
            where.append(age_band_condition(self.age, today))
        return where


def filtered(filters: NonconformityFilters, today: date) -> sa.Select:
    """Nonconformities with what the list and its export show loaded up front."""
    return (sa.select(Nonconformity)
            .outerjoin(Owner, Nonconformity.owner_id == Owner.id)
            .outerjoin(Department, Nonconformity.department_id == Department.id)
            .where(*filters.conditions(today))
            .options(selectinload(Nonconformity.owner), selectinload(Nonconformity.department),
                     selectinload(Nonconformity.control), selectinload(Nonconformity.actions)))


def owners() -> list[User]:
    """People who own a nonconformity, for the owner filter."""
    return list(db.session.scalars(sa.select(User).where(User.id.in_(sa.select(Nonconformity.owner_id)))
                                   .order_by(sa.func.lower(User.full_name))))


def open_action_count(nonconformity: Nonconformity) -> int:
    return sum(1 for action in nonconformity.actions if action.status in UNFINISHED_ACTIONS)


def is_overdue(nonconformity: Nonconformity, today: date) -> bool:
    if not nonconformity.is_open:
        return False
    if nonconformity.due_on is not None and nonconformity.due_on < today:
        return True
    return any(action.is_overdue(today) for action in nonconformity.actions)


# --- summaries --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgeingRow:
    band: str
    label: str
    open: int
    overdue: int


def ageing(today: date) -> list[AgeingRow]:
    """Open nonconformities by age band, and how many of each are overdue: one query."""
    columns = []
    for band, _, _ in workflow.AGE_BANDS:
        in_band = age_band_condition(band, today)
        columns.append(sa.func.coalesce(sa.func.sum(sa.case((in_band, 1), else_=0)), 0))
        columns.append(sa.func.coalesce(sa.func.sum(sa.case((sa.and_(in_band, overdue_condition(today)), 1),
                                                            else_=0)), 0))
    row = db.session.execute(sa.select(*columns).select_from(Nonconformity)
                             .where(Nonconformity.status.in_(OPEN_VALUES))).one()
    return [AgeingRow(band, workflow.AGE_BAND_LABELS[band], row[2 * index], row[2 * index + 1])
            for index, (band, _, _) in enumerate(workflow.AGE_BANDS)]


def counts(today: date) -> tuple[int, int]:
    """(open, overdue) over the whole register, for the dashboard and the summary page."""
    row = db.session.execute(sa.select(
        sa.func.count(), sa.func.coalesce(sa.func.sum(sa.case((overdue_condition(today), 1), else_=0)), 0))
        .select_from(Nonconformity).where(Nonconformity.status.in_(OPEN_VALUES))).one()
    return row[0], row[1]


@dataclass(frozen=True)
class Trend:
    quarters: list[str]  # "2026 Q1", oldest first
    sources: list[NonconformitySource]
    by_quarter: dict[str, Counter]  # quarter -> source -> raised

    def total(self, quarter: str) -> int:
        return sum(self.by_quarter[quarter].values())

    @property
    def highest(self) -> int:
        return max((self.total(quarter) for quarter in self.quarters), default=0)


def trend_by_source(today: date, quarters: int = 8) -> Trend:
    """Raised per quarter by source, over the last `quarters` quarters (this one included)."""
    names = []
    year, quarter = today.year, (today.month - 1) // 3 + 1
    for _ in range(quarters):
        names.append(f"{year} Q{quarter}")
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    names.reverse()
    first_year, first_quarter = int(names[0][:4]), int(names[0][-1])
    since = date(first_year, 3 * (first_quarter - 1) + 1, 1)
    by_quarter: dict[str, Counter] = {name: Counter() for name in names}
    for raised_on, source in db.session.execute(sa.select(Nonconformity.raised_on, Nonconformity.source)
                                                .where(Nonconformity.raised_on >= since)):
        key = workflow.quarter_of(raised_on)
        if key in by_quarter:
            by_quarter[key][source] += 1
    return Trend(names, list(NonconformitySource), by_quarter)


@dataclass(frozen=True)
class ClauseRow:
    clause: str
    title: str
    open: int
    closed: int


def by_clause() -> list[ClauseRow]:
    """Nonconformities per clause of ISO/IEC 27001 (4-10), open and closed; those citing none last."""
    rows = db.session.execute(
        sa.select(Nonconformity.clause,
                  sa.func.coalesce(sa.func.sum(sa.case((Nonconformity.status.in_(OPEN_VALUES), 1), else_=0)), 0),
                  sa.func.coalesce(sa.func.sum(sa.case((Nonconformity.status == NonconformityStatus.CLOSED.value,
                                                        1), else_=0)), 0))
        .group_by(Nonconformity.clause)).all()
    found = {clause: (open_count, closed) for clause, open_count, closed in rows}
    result = [ClauseRow(number, clause.title, *found[number]) for number, clause in CLAUSES_BY_NUMBER.items()
              if number in found]
    if None in found:
        result.append(ClauseRow("", "No clause cited (an Annex A control, say)", *found[None]))
    return result


def by_status() -> dict[str, int]:
    return dict(db.session.execute(sa.select(Nonconformity.status, sa.func.count())
                                   .group_by(Nonconformity.status)).all())


# --- reminders --------------------------------------------------------------------------------------


def actions_due(until: date) -> list[CorrectiveAction]:
    """Unfinished corrective actions of open nonconformities due by `until` (overdue ones too)."""
    return list(db.session.scalars(
        sa.select(CorrectiveAction).join(Nonconformity, CorrectiveAction.nonconformity_id == Nonconformity.id)
        .where(CorrectiveAction.status.in_(UNFINISHED_ACTIONS), CorrectiveAction.due_on <= until,
               Nonconformity.status.in_(OPEN_VALUES))
        .order_by(CorrectiveAction.due_on, CorrectiveAction.id)
        .options(selectinload(CorrectiveAction.nonconformity))))


def awaiting_review() -> list[Nonconformity]:
    return list(db.session.scalars(
        sa.select(Nonconformity).where(Nonconformity.status == NonconformityStatus.VERIFYING.value)
        .order_by(Nonconformity.verifying_since, Nonconformity.id)))


def overdue(today: date) -> list[Nonconformity]:
    return list(db.session.scalars(sa.select(Nonconformity).where(overdue_condition(today))
                                   .order_by(Nonconformity.due_on, Nonconformity.id)
                                   .options(selectinload(Nonconformity.actions))))


# --- evidence packs and the report -------------------------------------------------------------------


def period_conditions(date_from: date | None, date_to: date | None) -> list[ColumnElement[bool]]:
    """Raised in the period, or open during it (raised before its end, not closed before its start)."""
    where: list[ColumnElement[bool]] = []
    if date_to is not None:
        where.append(Nonconformity.raised_on <= date_to)
    if date_from is not None:
        where.append(sa.or_(Nonconformity.closed_on.is_(None), Nonconformity.closed_on >= date_from))
    return where


def in_period(date_from: date | None, date_to: date | None, department_id: int | None = None,
              control_ids: set[int] | None = None) -> list[Nonconformity]:
    statement = sa.select(Nonconformity).where(*period_conditions(date_from, date_to))
    if department_id is not None:
        statement = statement.where(Nonconformity.department_id == department_id)
    if control_ids is not None:
        statement = statement.where(Nonconformity.control_id.in_(control_ids))
    return list(db.session.scalars(statement.order_by(Nonconformity.id).options(*record_options())))


def record_options() -> list:
    """What a report or extract of whole records reads, loaded in a fixed number of queries."""
    return [selectinload(Nonconformity.owner), selectinload(Nonconformity.department),
            selectinload(Nonconformity.control), selectinload(Nonconformity.raised_by),
            selectinload(Nonconformity.actions).selectinload(CorrectiveAction.owner),
            selectinload(Nonconformity.reviews), selectinload(Nonconformity.changes)]
