"""Reading the continuity register: the BIA list and the tests list (filters from the query string;
a value that cannot be understood is ignored), their exports, the reminders, the dashboard, the
certification-evidence page and the management review's figures."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.sql import ColumnElement

from app.assets.models import Asset, AssetKind, Lifecycle
from app.auth.models import Department, User
from app.common.listing import SqlColumn, choice_arg, contains_text, id_arg
from app.common.timeutil import add_months
from app.continuity.models import (
    ContinuityPlan,
    ContinuityTest,
    ImpactAnalysis,
    PlanState,
    PlanVersion,
    TestFinding,
    TestKind,
    TestOutcome,
)
from app.controls.models import Evidence
from app.extensions import db

Owner = aliased(User)
Analysed = aliased(ImpactAnalysis)
Item = aliased(Asset)

ANALYSIS_SORT_COLUMNS: dict[str, SqlColumn] = {
    "reference": ImpactAnalysis.reference, "name": sa.func.lower(Item.name), "impact": ImpactAnalysis.overall_impact,
    "rto": ImpactAnalysis.rto_hours, "owner": sa.func.lower(Owner.full_name), "review": ImpactAnalysis.review_on,
    "tested": ImpactAnalysis.last_tested_on,
}
TEST_SORT_COLUMNS: dict[str, SqlColumn] = {
    "reference": ContinuityTest.reference, "date": ContinuityTest.tested_on, "kind": ContinuityTest.kind,
    "outcome": ContinuityTest.outcome, "service": sa.func.lower(Item.name),
}


def test_due_before(today: date, months: int) -> date:
    """A service last tested before this day is due a test."""
    return add_months(today, -months)


@dataclass(frozen=True)
class AnalysisFilters:
    q: str = ""
    impact: int | None = None  # the overall impact at least
    owner_id: int | None = None
    department_id: int | None = None
    test_due: bool = False
    review_due: bool = False
    no_plan: bool = False  # no issued plan: neither a BCP nor a DRP in force
    within_months: int | None = None  # "test due" over this many months instead of the setting's (the dashboard's)
    plan_review_due: bool = False  # a plan in force is due for review

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> AnalysisFilters:
        impact = choice_arg(args, "impact", {str(n) for n in range(1, 6)})
        within = choice_arg(args, "within", {str(n) for n in range(1, 121)})
        return cls(q=(args.get("q") or "").replace("\x00", "").strip()[:200], impact=int(impact) if impact else None,
                   owner_id=id_arg(args, "owner"), department_id=id_arg(args, "department"),
                   test_due=args.get("test_due") == "1", review_due=args.get("review_due") == "1",
                   no_plan=args.get("no_plan") == "1", plan_review_due=args.get("plan_review_due") == "1",
                   within_months=int(within) if within else None)

    @property
    def any(self) -> bool:
        return bool(self.q or self.impact or self.owner_id or self.department_id or self.test_due or self.review_due
                    or self.no_plan or self.plan_review_due)


def test_due_condition(today: date, months: int) -> ColumnElement:
    return sa.or_(ImpactAnalysis.last_tested_on.is_(None),
                  ImpactAnalysis.last_tested_on <= test_due_before(today, months))


def _issued_plans() -> sa.Select:
    """The analyses with a plan in force (a version issued), as a subquery."""
    return sa.select(ContinuityPlan.analysis_id).join(PlanVersion).where(PlanVersion.state == PlanState.ISSUED.value)


def _plans_due_review(today: date) -> sa.Select:
    return _issued_plans().where(PlanVersion.next_review_on <= today)


def analyses(filters: AnalysisFilters, today: date, months: int) -> sa.Select:
    conditions: list[ColumnElement] = []
    if filters.q:
        conditions.append(sa.or_(contains_text(Item.name, filters.q),
                                 contains_text(ImpactAnalysis.reference, filters.q),
                                 contains_text(ImpactAnalysis.description, filters.q)))
    if filters.impact:
        conditions.append(ImpactAnalysis.overall_impact >= filters.impact)
    if filters.owner_id:
        conditions.append(ImpactAnalysis.owner_id == filters.owner_id)
    if filters.department_id:
        conditions.append(ImpactAnalysis.department_id == filters.department_id)
    if filters.test_due:
        conditions.append(test_due_condition(today, filters.within_months or months))
    if filters.review_due:
        conditions.append(ImpactAnalysis.review_on <= today)
    if filters.no_plan:
        conditions.append(ImpactAnalysis.id.not_in(_issued_plans()))
    if filters.plan_review_due:
        conditions.append(ImpactAnalysis.id.in_(_plans_due_review(today)))
    return (sa.select(ImpactAnalysis).join(Item, Item.id == ImpactAnalysis.asset_id)
            .outerjoin(Owner, Owner.id == ImpactAnalysis.owner_id).where(*conditions)
            .options(selectinload(ImpactAnalysis.asset), selectinload(ImpactAnalysis.owner),
                     selectinload(ImpactAnalysis.department), selectinload(ImpactAnalysis.dependencies),
                     selectinload(ImpactAnalysis.suppliers),
                     selectinload(ImpactAnalysis.plans).selectinload(ContinuityPlan.versions)))


@dataclass(frozen=True)
class TestFilters:
    q: str = ""
    kind: str = ""
    outcome: str = ""
    year: int | None = None

    __test__ = False

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> TestFilters:
        year = args.get("year", "")
        return cls(q=(args.get("q") or "").replace("\x00", "").strip()[:200],
                   kind=choice_arg(args, "kind", {kind.value for kind in TestKind}),
                   outcome=choice_arg(args, "outcome", {outcome.value for outcome in TestOutcome}),
                   year=int(year) if year.isdigit() and 1990 <= int(year) <= 2200 else None)

    @property
    def any(self) -> bool:
        return bool(self.q or self.kind or self.outcome or self.year)


def tests(filters: TestFilters) -> sa.Select:
    conditions: list[ColumnElement] = []
    if filters.q:
        conditions.append(sa.or_(contains_text(Item.name, filters.q), contains_text(ContinuityTest.scenario, filters.q),
                                 contains_text(ContinuityTest.reference, filters.q)))
    if filters.kind:
        conditions.append(ContinuityTest.kind == filters.kind)
    if filters.outcome:
        conditions.append(ContinuityTest.outcome == filters.outcome)
    if filters.year:
        conditions.append(ContinuityTest.tested_on.between(date(filters.year, 1, 1), date(filters.year, 12, 31)))
    return (sa.select(ContinuityTest).join(ImpactAnalysis, ImpactAnalysis.id == ContinuityTest.analysis_id)
            .join(Item, Item.id == ImpactAnalysis.asset_id).where(*conditions)
            .options(selectinload(ContinuityTest.analysis).selectinload(ImpactAnalysis.asset),
                     selectinload(ContinuityTest.findings).selectinload(TestFinding.nonconformity),
                     selectinload(ContinuityTest.evidence).selectinload(Evidence.files)))


def owners() -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.id.in_(sa.select(ImpactAnalysis.owner_id)))
                                   .order_by(User.full_name)))


def departments() -> list[Department]:
    return list(db.session.scalars(sa.select(Department).where(
        Department.id.in_(sa.select(ImpactAnalysis.department_id))).order_by(Department.name)))


def anything_analysed() -> bool:
    return db.session.scalar(sa.select(ImpactAnalysis.id).limit(1)) is not None


def every_analysis(today: date, months: int) -> list[ImpactAnalysis]:
    return list(db.session.scalars(analyses(AnalysisFilters(), today, months).order_by(ImpactAnalysis.reference)))


def tests_between(date_from: date | None, date_to: date | None) -> list[ContinuityTest]:
    """Every test and exercise held in the period (either end open), oldest first: an evidence pack's extract."""
    statement = tests(TestFilters())
    if date_from:
        statement = statement.where(ContinuityTest.tested_on >= date_from)
    if date_to:
        statement = statement.where(ContinuityTest.tested_on <= date_to)
    return list(db.session.scalars(statement.order_by(ContinuityTest.tested_on, ContinuityTest.id)))


# --- figures: reminders, dashboard, the evidence page, the management review --------------------------


# A CMDB application or service in use whose business impact is this or worse (4 Major, 5 Catastrophic)
# is a key one: the deck's "BCP/DRP based on Business Impact Assessment of key applications".
KEY_BUSINESS_IMPACT = 4


@dataclass(frozen=True)
class Standing:
    analyses: int
    test_due: int
    review_due: int
    without_plan: int
    plans_review_due: int
    key_services_unanalysed: int
    last_change: datetime | None


def standing(today: date, months: int) -> Standing:
    """The register's figures in two queries (the certification-evidence page and the dashboard)."""
    due_before = test_due_before(today, months)
    unanalysed = (sa.select(sa.func.count(Asset.id)).where(
        Asset.kind.in_([AssetKind.APPLICATION.value, AssetKind.SERVICE.value]), Asset.status == Lifecycle.IN_USE.value,
        Asset.business_impact >= KEY_BUSINESS_IMPACT, Asset.id.not_in(sa.select(Analysed.asset_id)))
        .correlate(None).scalar_subquery())  # its own count, not one per analysis row
    row = db.session.execute(sa.select(
        sa.func.count(ImpactAnalysis.id),
        sa.func.count(sa.case((sa.or_(ImpactAnalysis.last_tested_on.is_(None),
                                      ImpactAnalysis.last_tested_on <= due_before), 1))),
        sa.func.count(sa.case((ImpactAnalysis.review_on <= today, 1))),
        sa.func.count(sa.case((ImpactAnalysis.id.not_in(_issued_plans()), 1))),
        sa.func.max(ImpactAnalysis.updated_at), unanalysed)).one()
    plans_due = db.session.scalar(sa.select(sa.func.count(PlanVersion.id)).where(
        PlanVersion.state == PlanState.ISSUED.value, PlanVersion.next_review_on <= today)) or 0
    return Standing(row[0], row[1], row[2], row[3], plans_due, row[5], row[4])


# The dashboard counts services not tested within this many months, in its own window like the suppliers'
# figure: reading the interval setting would cost the page another query. Its link carries the window.
DASHBOARD_TEST_MONTHS = 12


def test_due_count(today: date, months: int) -> int:
    """The dashboard's figure: one COUNT over the last_tested_on index."""
    return db.session.scalar(sa.select(sa.func.count(ImpactAnalysis.id)).where(test_due_condition(today, months))) or 0


def services_due_a_test(today: date, months: int) -> list[ImpactAnalysis]:
    return list(db.session.scalars(sa.select(ImpactAnalysis).where(test_due_condition(today, months))
                                   .options(selectinload(ImpactAnalysis.asset), selectinload(ImpactAnalysis.owner))
                                   .order_by(ImpactAnalysis.reference)))


def plan_versions_due_review(today: date) -> list[PlanVersion]:
    return list(db.session.scalars(sa.select(PlanVersion).where(
        PlanVersion.state == PlanState.ISSUED.value, PlanVersion.next_review_on <= today)
        .options(selectinload(PlanVersion.plan).selectinload(ContinuityPlan.owner))
        .order_by(PlanVersion.next_review_on, PlanVersion.id)))


@dataclass(frozen=True)
class TestResults:
    """Tests and exercises in a period, by outcome, for the management review (9.3.2 d)."""

    total: int
    by_outcome: dict[str, int]
    rto_missed: int
    findings: int
    findings_raised: int


def test_results(start: date, end: date) -> TestResults:
    in_period = ContinuityTest.tested_on.between(start, end)
    by_outcome = dict(db.session.execute(sa.select(ContinuityTest.outcome, sa.func.count(ContinuityTest.id))
                                         .where(in_period).group_by(ContinuityTest.outcome)).all())
    missed = db.session.scalar(sa.select(sa.func.count(ContinuityTest.id)).join(ImpactAnalysis).where(
        in_period, ContinuityTest.recovery_minutes > ImpactAnalysis.rto_hours * 60)) or 0
    findings, raised = db.session.execute(sa.select(
        sa.func.count(TestFinding.id), sa.func.count(TestFinding.nonconformity_id)).join(ContinuityTest)
        .where(in_period)).one()
    return TestResults(sum(by_outcome.values()), {o.value: by_outcome.get(o.value, 0) for o in TestOutcome},
                       missed, findings, raised)
