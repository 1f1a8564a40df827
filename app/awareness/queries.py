"""Reading the awareness register: the campaign list and its filters, completion rates (per campaign,
per department, per month) counted in SQL, a campaign's attendance list and one person's training
record.

Rates: a campaign's audience is counted as it stands (services.audience_condition, one grouped query
for every campaign at once); its completions are the training records of
its audience that say completed or attended, counted from one index in the department the employee
was in when they were recorded. A rate is completions ÷ audience, at most 100%."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import ColumnElement

from app.auth.models import Department, User
from app.awareness import services
from app.awareness.models import (
    DONE_VALUES,
    AudienceRole,
    Campaign,
    Channel,
    Outcome,
    TrainingRecord,
    campaign_department,
)
from app.common.listing import SqlColumn, choice_arg, contains_text, id_arg
from app.common.timeutil import add_months
from app.employees import services as employees
from app.employees.models import EMPLOYED, Employee
from app.extensions import db
from app.objectives.charts import Point, trend_svg

# --- the campaign list ------------------------------------------------------------------------------

CAMPAIGN_SORT_COLUMNS: dict[str, SqlColumn] = {
    "reference": Campaign.reference, "topic": sa.func.lower(Campaign.topic), "channel": Campaign.channel,
    "starts": Campaign.starts_on, "ends": Campaign.ends_on,
}
STATES = {"planned": "Planned", "running": "Running", "ended": "Ended"}


@dataclass(frozen=True)
class CampaignFilters:
    q: str = ""  # part of the reference or topic
    channel: str = ""
    state: str = ""
    year: int | None = None  # the year it starts in
    department_id: int | None = None  # campaigns whose audience includes the department

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> CampaignFilters:
        year = (args.get("year") or "").strip()
        return cls(q=(args.get("q") or "").replace("\x00", "").strip()[:200],
                   channel=choice_arg(args, "channel", {channel.value for channel in Channel}),
                   state=choice_arg(args, "state", STATES),
                   year=int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else None,
                   department_id=id_arg(args, "department"))

    def conditions(self, today: date) -> list[ColumnElement]:
        where: list[ColumnElement] = []
        if self.q:
            where.append(sa.or_(contains_text(Campaign.reference, self.q), contains_text(Campaign.topic, self.q)))
        if self.channel:
            where.append(Campaign.channel == self.channel)
        if self.state == "planned":
            where.append(Campaign.starts_on > today)
        elif self.state == "running":
            where.append(sa.and_(Campaign.starts_on <= today, Campaign.ends_on >= today))
        elif self.state == "ended":
            where.append(Campaign.ends_on < today)
        if self.year:
            where.append(Campaign.starts_on.between(date(self.year, 1, 1), date(self.year, 12, 31)))
        if self.department_id:
            where.append(Campaign.id.in_(services.campaign_ids_with_audience_of(self.department_id)))
        return where


def campaigns(filters: CampaignFilters, today: date) -> sa.Select:
    return (sa.select(Campaign).where(*filters.conditions(today))
            .options(selectinload(Campaign.departments), selectinload(Campaign.roles), selectinload(Campaign.owner)))


# --- rates --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    audience: int
    done: int

    @property
    def percent(self) -> float:
        return min(100.0, round(100 * self.done / self.audience, 1)) if self.audience else 0.0

    def __add__(self, other: Rate) -> Rate:
        return Rate(self.audience + other.audience, self.done + other.done)


NO_RATE = Rate(0, 0)


def _audiences(campaigns: Iterable[Campaign]) -> dict[int, dict[int | None, int]]:
    """campaign id -> department id -> how many employees of its audience work there. One grouped scan
    of the employees still employed, by department and position, answers every campaign at once (a
    few hundred groups); services.audience_condition() says the same in SQL, services.in_audience()
    for one employee."""
    campaigns = list(campaigns)
    if not campaigns:
        return {}
    # By the position as written: services.position_key() matches it, never SQL (one rule).
    groups = [(department_id, services.position_key(position), count) for department_id, position, count in
              db.session.execute(sa.select(Employee.department_id, Employee.position, sa.func.count())
                                 .where(Employee.status.in_(sorted(EMPLOYED)))
                                 .group_by(Employee.department_id, Employee.position))]
    counts: dict[int, dict[int | None, int]] = {}
    for campaign in campaigns:
        department_ids = {d.id for d in campaign.departments}
        role_keys = {r.position_key for r in campaign.roles}
        per_department: dict[int | None, int] = defaultdict(int)
        for department_id, position, count in groups:
            if department_ids and department_id not in department_ids:
                continue
            if role_keys and position not in role_keys:
                continue
            per_department[department_id] += count
        counts[campaign.id] = dict(per_department)
    return counts


def _completions(campaign_ids: list[int], up_to: date | None = None) -> dict[int, dict[int | None, int]]:
    """campaign id -> department id -> completions or attendances by its audience (one index's query);
    `up_to`: only those completed on or before that day (a management review's date)."""
    counts: dict[int, dict[int | None, int]] = defaultdict(dict)
    if not campaign_ids:
        return counts
    where: list[ColumnElement[bool]] = [TrainingRecord.campaign_id.in_(campaign_ids),
                                        TrainingRecord.in_audience.is_(True), TrainingRecord.outcome.in_(DONE_VALUES)]
    if up_to is not None:
        where.append(TrainingRecord.completed_on <= up_to)
    rows = db.session.execute(
        sa.select(TrainingRecord.campaign_id, TrainingRecord.department_id, sa.func.count()).where(*where)
        .group_by(TrainingRecord.campaign_id, TrainingRecord.department_id))
    for campaign_id, department_id, count in rows:
        counts[campaign_id][department_id] = count
    return counts


def rates_by_department(campaigns: list[Campaign], up_to: date | None = None) -> dict[int, dict[int | None, Rate]]:
    """campaign id -> department id -> its Rate (`up_to`: completions on or before that day only)."""
    audiences, done = _audiences(campaigns), _completions([c.id for c in campaigns], up_to)
    result: dict[int, dict[int | None, Rate]] = {}
    for campaign in campaigns:
        audience, completions = audiences.get(campaign.id, {}), done.get(campaign.id, {})
        result[campaign.id] = {department_id: Rate(audience.get(department_id, 0), completions.get(department_id, 0))
                               for department_id in set(audience) | set(completions)}
    return result


def rates(campaigns: list[Campaign], up_to: date | None = None) -> dict[int, Rate]:
    """campaign id -> its Rate over every department."""
    return {campaign_id: sum(per_department.values(), NO_RATE)
            for campaign_id, per_department in rates_by_department(campaigns, up_to).items()}


def campaigns_in_period(date_from: date | None, date_to: date | None, department_id: int | None = None
                        ) -> list[Campaign]:
    """The campaigns that ran at any time in the period (None: open-ended), whose audience may include
    the department (None: any), in the order they started: a report's, a pack's and a review's."""
    where: list[ColumnElement] = []
    if date_from is not None:
        where.append(Campaign.ends_on >= date_from)
    if date_to is not None:
        where.append(Campaign.starts_on <= date_to)
    if department_id is not None:
        where.append(Campaign.id.in_(services.campaign_ids_with_audience_of(department_id)))
    return list(db.session.scalars(
        sa.select(Campaign).where(*where).order_by(Campaign.starts_on, Campaign.id)
        .options(selectinload(Campaign.departments), selectinload(Campaign.roles), selectinload(Campaign.owner))))


def ending_below_target(today: date, until: date, target: int) -> list[tuple[Campaign, Rate]]:
    """Campaigns ending from `today` to `until` whose audience's completion is below `target` percent
    (for the scheduler's reminder), soonest first. A campaign with nobody in its audience has no rate
    to raise and is left out."""
    ending = list(db.session.scalars(
        sa.select(Campaign).where(Campaign.ends_on >= today, Campaign.ends_on <= until)
        .options(selectinload(Campaign.departments), selectinload(Campaign.roles))
        .order_by(Campaign.ends_on, Campaign.id)))
    counted = rates(ending)
    return [(campaign, counted[campaign.id]) for campaign in ending
            if counted[campaign.id].audience and counted[campaign.id].percent < target]


def departments_by_id(ids: Iterable[int | None]) -> dict[int, Department]:
    wanted = [id_ for id_ in ids if id_ is not None]
    if not wanted:
        return {}
    return {d.id: d for d in db.session.scalars(sa.select(Department).where(Department.id.in_(wanted)))}


@dataclass(frozen=True)
class MonthRates:
    month: date  # its first day
    campaigns: list[Campaign]
    overall: Rate
    by_department: dict[int | None, Rate]


def monthly_rates(until: date, months: int = 12, department_id: int | None = None) -> list[MonthRates]:
    """The campaigns that ended in each of the `months` months up to `until`'s, and their rates: per
    department and overall (the departments' sums), or of one department only."""
    first = add_months(until.replace(day=1), -(months - 1))
    ended = list(db.session.scalars(
        sa.select(Campaign).where(Campaign.ends_on >= first, Campaign.ends_on <= until)
        .options(selectinload(Campaign.departments), selectinload(Campaign.roles)).order_by(Campaign.ends_on)))
    per_campaign = rates_by_department(ended)
    result = []
    for index in range(months):
        month = add_months(first, index)
        in_month = [c for c in ended if (c.ends_on.year, c.ends_on.month) == (month.year, month.month)]
        by_department: dict[int | None, Rate] = defaultdict(lambda: NO_RATE)
        for campaign in in_month:
            for dept, rate in per_campaign[campaign.id].items():
                if department_id is None or dept == department_id:
                    by_department[dept] = by_department[dept] + rate
        result.append(MonthRates(month, in_month, sum(by_department.values(), NO_RATE), dict(by_department)))
    return result


def completion_trend(months: list[MonthRates], target: int, chart_id: str) -> Markup:
    """The months' overall rates as a trend chart against the target (the rates page's and the PDF's)."""
    points = [Point(f"{month.month:%b %Y}", month.overall.percent, month.overall.percent >= target)
              for month in months if month.overall.audience]
    return trend_svg(chart_id, "Awareness completion rate by month", points, target=target, unit="%",
                     direction_label="Higher is better")


def completion_rate(as_of: date, months: int = 3) -> float:
    """The metric (objectives.computations): completions ÷ audience over the campaigns that ended in
    the `months` months up to `as_of` (a quarter: one month's campaign alone swings with the topic)."""
    first = add_months(as_of.replace(day=1), -(months - 1))
    ended = list(db.session.scalars(
        sa.select(Campaign).where(Campaign.ends_on >= first, Campaign.ends_on <= as_of)
        .options(selectinload(Campaign.departments), selectinload(Campaign.roles))))
    return sum(rates(ended).values(), NO_RATE).percent


# --- the programme at a glance (the certification-evidence page) ------------------------------------


@dataclass(frozen=True)
class ProgrammeCounts:
    campaigns: int
    held_last_year: int  # ran at some time in the twelve months up to the day
    ended_without_records: int  # of those, ended with no completion or attendance recorded
    records: int  # training records of completions and attendances
    last_change: datetime | None


def programme_counts(today: date) -> ProgrammeCounts:
    """Two aggregate queries, one over the campaigns and one over the training records' indexes (every
    record counts, a missed one too: counting only the completed read all 200,000 rows, ~18 ms)."""
    year_ago = add_months(today, -12)
    held = sa.and_(Campaign.ends_on >= year_ago, Campaign.starts_on <= today)
    recorded = sa.exists().where(TrainingRecord.campaign_id == Campaign.id, TrainingRecord.outcome.in_(DONE_VALUES))
    campaigns, held_count, unrecorded, campaign_change = db.session.execute(sa.select(
        sa.func.count(Campaign.id), sa.func.coalesce(sa.func.sum(sa.case((held, 1), else_=0)), 0),
        sa.func.coalesce(sa.func.sum(sa.case((sa.and_(held, Campaign.ends_on < today, ~recorded), 1), else_=0)), 0),
        sa.func.max(Campaign.updated_at))).one()
    # Each its own subquery: SQLite counts a table and reads a MAX from an index at once only apart.
    records, record_change = db.session.execute(sa.select(
        sa.select(sa.func.count()).select_from(TrainingRecord).scalar_subquery(),
        sa.select(sa.func.max(TrainingRecord.updated_at)).scalar_subquery())).one()
    return ProgrammeCounts(campaigns, held_count, unrecorded, records,
                           max(filter(None, (campaign_change, record_change)), default=None))


# --- a campaign's attendance --------------------------------------------------------------------------

ATTENDANCE_SORT_COLUMNS: dict[str, SqlColumn] = {
    "name": sa.func.lower(Employee.full_name), "number": Employee.number,
    "department": sa.select(Department.code).where(Department.id == TrainingRecord.department_id).scalar_subquery(),
    "outcome": TrainingRecord.outcome, "completed": TrainingRecord.completed_on,
}


@dataclass(frozen=True)
class AttendanceFilters:
    q: str = ""
    outcome: str = ""
    department_id: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> AttendanceFilters:
        return cls(q=(args.get("q") or "").replace("\x00", "").strip()[:200],
                   outcome=choice_arg(args, "outcome", {outcome.value for outcome in Outcome}),
                   department_id=id_arg(args, "department"))


def attendance(campaign: Campaign, user: User, filters: AttendanceFilters) -> sa.Select:
    """The campaign's training records of the employees `user` may see."""
    where: list[ColumnElement] = [TrainingRecord.campaign_id == campaign.id, employees.visibility(user)]
    if filters.q:
        where.append(sa.or_(contains_text(Employee.number, filters.q), contains_text(Employee.full_name, filters.q)))
    if filters.outcome:
        where.append(TrainingRecord.outcome == filters.outcome)
    if filters.department_id:
        where.append(TrainingRecord.department_id == filters.department_id)
    return (sa.select(TrainingRecord).join(Employee, Employee.id == TrainingRecord.employee_id).where(*where)
            .options(selectinload(TrainingRecord.employee)))


# --- one person's training record -------------------------------------------------------------------


@dataclass(frozen=True)
class PersonLine:
    campaign: Campaign
    record: TrainingRecord | None
    in_audience: bool

    def state(self, today: date) -> str:
        if self.record is not None and self.record.outcome_enum.done:
            return self.record.outcome_enum.label
        if today <= self.campaign.ends_on:
            return "Planned" if today < self.campaign.starts_on else "Open"
        return "Missed"


PERSON_LIMIT = 500  # campaigns on one person's page: twenty years of monthly campaigns and more


def person_lines(employee: Employee) -> list[PersonLine]:
    """Every campaign of the employee's audience and every campaign they have a record of, newest first."""
    department_ok = sa.or_(
        ~sa.exists().where(campaign_department.c.campaign_id == Campaign.id),
        sa.exists().where(campaign_department.c.campaign_id == Campaign.id,
                          campaign_department.c.department_id == employee.department_id))
    role_ok = sa.or_(~sa.exists().where(AudienceRole.campaign_id == Campaign.id),
                     sa.exists().where(AudienceRole.campaign_id == Campaign.id,
                                       AudienceRole.position_key == services.position_key(employee.position)))
    employed = employee.status in EMPLOYED
    audience = sa.and_(department_ok, role_ok) if employed else sa.false()
    rows = db.session.execute(
        sa.select(Campaign, TrainingRecord, audience.label("in_audience"))
        .outerjoin(TrainingRecord, sa.and_(TrainingRecord.campaign_id == Campaign.id,
                                           TrainingRecord.employee_id == employee.id))
        .where(sa.or_(audience, TrainingRecord.id.is_not(None)))
        .order_by(Campaign.starts_on.desc(), Campaign.id.desc()).limit(PERSON_LIMIT)).all()
    return [PersonLine(campaign, record, bool(member)) for campaign, record, member in rows]
