"""Reading the incident register: the list's filters, the figures of the summary page, the metrics
registry, the management review and the dashboard. Filters come from the query string; a value that
cannot be understood is ignored, as on the other list pages."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement

from app.auth.models import User
from app.common.listing import SqlColumn, choice_arg, contains_text, id_arg
from app.common.timeutil import add_months, start_of_local_day, to_local
from app.extensions import db
from app.incidents.models import (
    Incident,
    IncidentAction,
    IncidentCategory,
    IncidentSeverity,
    IncidentSource,
    IncidentStatus,
    incident_department,
)

STATUS_ACTIVE, STATUS_ANY = "", "all"  # the list shows what awaits triage or is being handled unless asked
ACTIVE_VALUES = (IncidentStatus.REPORTED.value, IncidentStatus.OPEN.value)
INCIDENT_VALUES = (IncidentStatus.OPEN.value, IncidentStatus.CLOSED.value)
POPIA_CHOICES = {"track": "POPIA s22 track opened", "pending": "Notifications outstanding"}

SORT_COLUMNS: dict[str, SqlColumn] = {
    "reference": Incident.id, "title": sa.func.lower(Incident.title), "discovered": Incident.discovered_at,
    "status": Incident.status, "category": Incident.category, "source": Incident.source,
    "severity": sa.case({severity.value: rank for rank, severity in enumerate(IncidentSeverity, 1)},
                        value=Incident.severity, else_=0),
}
DEFAULT_SORT = "reference"


@dataclass(frozen=True)
class IncidentFilters:
    q: str = ""
    status: str = STATUS_ACTIVE
    category: str = ""
    severity: str = ""
    source: str = ""
    department_id: int | None = None
    popia: str = ""
    month: str = ""  # YYYY-MM of discovery, from the summary page

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> IncidentFilters:
        month = (args.get("month") or "").strip()
        try:
            date.fromisoformat(f"{month}-01")
        except ValueError:
            month = ""
        return cls(
            q=(args.get("q") or "").replace("\x00", "").strip()[:200],
            status=choice_arg(args, "status", {STATUS_ANY, *(s.value for s in IncidentStatus)}),
            category=choice_arg(args, "category", {c.value for c in IncidentCategory}),
            severity=choice_arg(args, "severity", {s.value for s in IncidentSeverity}),
            source=choice_arg(args, "source", {s.value for s in IncidentSource}),
            department_id=id_arg(args, "department"),
            popia=choice_arg(args, "popia", set(POPIA_CHOICES)),
            month=month,
        )

    def args(self) -> dict[str, str]:
        values = {"q": self.q, "status": self.status, "category": self.category, "severity": self.severity,
                  "source": self.source, "department": self.department_id or "", "popia": self.popia,
                  "month": self.month}
        return {key: str(value) for key, value in values.items() if value}

    def conditions(self) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if self.q:
            where.append(sa.or_(*(contains_text(column, self.q) for column in (
                Incident.reference, Incident.title, Incident.description, Incident.systems))))
        if self.status == STATUS_ACTIVE:
            where.append(Incident.status.in_(ACTIVE_VALUES))
        elif self.status != STATUS_ANY:
            where.append(Incident.status == self.status)
        for value, column in ((self.category, Incident.category), (self.severity, Incident.severity),
                              (self.source, Incident.source)):
            if value:
                where.append(column == value)
        if self.department_id:
            where.append(Incident.id.in_(sa.select(incident_department.c.incident_id).where(
                incident_department.c.department_id == self.department_id)))
        if self.popia == "track":
            where.append(sa.and_(Incident.personal_information_compromised.is_(True),
                                 Incident.status.in_(INCIDENT_VALUES)))
        elif self.popia == "pending":
            where.append(Incident.notification_pending.is_(True))
        if self.month:
            first = date.fromisoformat(f"{self.month}-01")
            where.append(Incident.discovered_at >= start_of_local_day(first))
            where.append(Incident.discovered_at < start_of_local_day(add_months(first, 1)))
        return where


def filtered(filters: IncidentFilters) -> sa.Select:
    from sqlalchemy.orm import selectinload

    handler = sa.orm.aliased(User)
    return (sa.select(Incident).outerjoin(handler, Incident.handler_id == handler.id).where(*filters.conditions())
            .options(selectinload(Incident.handler), selectinload(Incident.departments)))


def record_options() -> list:
    """What a record's page or report reads of it, loaded in a few queries rather than one per row."""
    from sqlalchemy.orm import selectinload

    from app.incidents.models import IncidentEvidence, IncidentRisk
    return [selectinload(Incident.handler), selectinload(Incident.reported_by), selectinload(Incident.departments),
            selectinload(Incident.assets), selectinload(Incident.failed_controls),
            selectinload(Incident.nonconformities), selectinload(Incident.actions).selectinload(IncidentAction.actor),
            selectinload(Incident.evidence).selectinload(IncidentEvidence.custody),
            selectinload(Incident.risk_links).selectinload(IncidentRisk.risk)]


def in_period(date_from: date | None, date_to: date | None, department_id: int | None = None,
              control_ids: set[int] | None = None) -> list[Incident]:
    """An evidence pack's incidents: reported by the end of the period and not closed before its start,
    of its department (one of those affected) and, for a pack of chosen controls, where one of them failed."""
    from app.incidents.models import incident_control

    statement = sa.select(Incident)
    if date_to is not None:
        statement = statement.where(Incident.discovered_at < start_of_local_day(date_to + timedelta(days=1)))
    if date_from is not None:
        statement = statement.where(sa.or_(Incident.closed_on.is_(None), Incident.closed_on >= date_from))
    if department_id is not None:
        statement = statement.where(Incident.id.in_(sa.select(incident_department.c.incident_id).where(
            incident_department.c.department_id == department_id)))
    if control_ids is not None:
        statement = statement.where(Incident.id.in_(sa.select(incident_control.c.incident_id).where(
            incident_control.c.control_id.in_(control_ids))))
    return list(db.session.scalars(statement.order_by(Incident.id).options(*record_options())))


# --- figures ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentFacts:
    """What the summary, the metrics and the review need of one incident, read in one query."""

    discovered_on: date
    category: str | None
    severity: str | None
    contained_on: date | None
    closed_on: date | None

    def days_to_contain(self) -> int | None:
        return (self.contained_on - self.discovered_on).days if self.contained_on else None

    def days_to_close(self) -> int | None:
        return (self.closed_on - self.discovered_on).days if self.closed_on else None


def incident_facts(since: date, until: date) -> list[IncidentFacts]:
    """The incidents (triaged as such) discovered from `since` to `until`, both days included."""
    rows = db.session.execute(sa.select(Incident.discovered_at, Incident.category, Incident.severity,
                                        Incident.contained_on, Incident.closed_on).where(
        Incident.status.in_(INCIDENT_VALUES), Incident.discovered_at >= start_of_local_day(since),
        Incident.discovered_at < start_of_local_day(until + timedelta(days=1))))
    return [IncidentFacts(to_local(discovered).date(), category, severity, contained, closed)
            for discovered, category, severity, contained, closed in rows]


def month_starts(today: date, months: int = 12) -> list[date]:
    first = today.replace(day=1)
    return [add_months(first, -offset) for offset in range(months - 1, -1, -1)]


@dataclass(frozen=True)
class Summary:
    months: list[date]
    by_category: dict[str, list[int]]  # category -> count per month
    by_severity: dict[str, list[int]]
    totals: list[int]
    mean_days_to_contain: float | None
    median_days_to_contain: float | None
    mean_days_to_close: float | None
    median_days_to_close: float | None
    count: int


def _mean(values: list[int]) -> float | None:
    return round(statistics.fmean(values), 1) if values else None


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def summary(today: date, months: int = 12) -> Summary:
    """Incidents by category and severity per month of discovery, and how long they took to contain
    and to close (A.5.27: learning from incidents starts from counting them)."""
    starts = month_starts(today, months)
    facts = incident_facts(starts[0], today)
    index = {start: position for position, start in enumerate(starts)}
    by_category = {category.value: [0] * months for category in IncidentCategory}
    by_severity = {severity.value: [0] * months for severity in IncidentSeverity}
    totals = [0] * months
    for fact in facts:
        position = index[fact.discovered_on.replace(day=1)]
        totals[position] += 1
        if fact.category:
            by_category[fact.category][position] += 1
        if fact.severity:
            by_severity[fact.severity][position] += 1
    contain = [days for fact in facts if (days := fact.days_to_contain()) is not None]
    close = [days for fact in facts if (days := fact.days_to_close()) is not None]
    return Summary(starts, {key: row for key, row in by_category.items() if any(row)}, by_severity, totals,
                   _mean(contain), _median(contain), _mean(close), _median(close), len(facts))


def incidents_in_month(as_of: date) -> int:
    return len(incident_facts(as_of.replace(day=1), as_of))


def mean_days_to_contain(as_of: date, window_days: int = 90) -> float:
    """Mean days from discovery to containment of the incidents discovered in the window before `as_of`
    and contained by it."""
    facts = incident_facts(as_of - timedelta(days=window_days - 1), as_of)
    days = [fact.days_to_contain() for fact in facts if fact.contained_on and fact.contained_on <= as_of]
    return _mean([value for value in days if value is not None]) or 0.0


def mean_days_to_close(as_of: date, window_days: int = 365) -> float:
    facts = incident_facts(as_of - timedelta(days=window_days - 1), as_of)
    days = [fact.days_to_close() for fact in facts if fact.closed_on and fact.closed_on <= as_of]
    return _mean([value for value in days if value is not None]) or 0.0


# --- what the dashboard and the reminders count ----------------------------------------------------


def counts() -> tuple[int, int, int]:
    """(awaiting triage, being handled, with POPIA notifications outstanding) in one query."""
    row = db.session.execute(sa.select(
        sa.func.count().filter(Incident.status == IncidentStatus.REPORTED.value),
        sa.func.count().filter(Incident.status == IncidentStatus.OPEN.value),
        sa.func.count().filter(Incident.notification_pending.is_(True)),
    ).where(Incident.status.in_(ACTIVE_VALUES))).one()
    return int(row[0]), int(row[1]), int(row[2])


def pending_notifications(limit: int | None = 10) -> list[Incident]:
    """Open notification tracks, oldest discovery first: the dashboard shows their age."""
    statement = (sa.select(Incident).where(Incident.notification_pending.is_(True))
                 .order_by(Incident.discovered_at, Incident.id))
    return list(db.session.scalars(statement if limit is None else statement.limit(limit)))


def untriaged(before: datetime) -> list[Incident]:
    """Events reported before `before` and still awaiting triage."""
    return list(db.session.scalars(sa.select(Incident).where(
        Incident.status == IncidentStatus.REPORTED.value, Incident.reported_at < before).order_by(Incident.id)))


def actions_due(until: date) -> list[IncidentAction]:
    """Follow-ups of incidents being handled, not done, due by `until`."""
    return list(db.session.scalars(sa.select(IncidentAction).join(Incident).where(
        IncidentAction.done.is_(False), IncidentAction.due_on <= until,
        Incident.status == IncidentStatus.OPEN.value).order_by(IncidentAction.due_on, IncidentAction.id)))


def by_status() -> Counter[str]:
    rows = db.session.execute(sa.select(Incident.status, sa.func.count()).group_by(Incident.status))
    return Counter({status: int(count) for status, count in rows})
