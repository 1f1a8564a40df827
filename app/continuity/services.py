"""Use cases of business continuity: the business impact analysis (BIA) of a CMDB application or
service, its plans and their versions, its tests and their findings. Each writes its audit entry and
flushes (the caller commits once); a broken rule raises ContinuityRuleError."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import abort

from app.admin import settings
from app.assets.models import Asset, AssetKind
from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import User
from app.auth.permissions import CONTINUITY_EDIT, CONTINUITY_ISSUE, CONTINUITY_UPDATE, CONTINUITY_VIEW, user_can
from app.common import uploads
from app.common.models import RuleError
from app.common.timeutil import add_months, local_today
from app.common.transactions import lock_chain_tail, lock_row, unique_or_refused
from app.continuity import rules
from app.continuity.models import (
    ContinuityPlan,
    ContinuityTest,
    ImpactAnalysis,
    ImpactArea,
    PlanKind,
    PlanState,
    PlanVersion,
    TestFinding,
    TestKind,
    TestOutcome,
)
from app.controls import services as controls
from app.extensions import db
from app.nonconformities import services as nonconformities
from app.nonconformities.models import Nonconformity, NonconformitySource, Severity
from app.policies import workflow as document_workflow
from app.suppliers.models import Supplier, SupplierStatus

# Only applications and services are analysed: a BIA is about what the organisation delivers.
ANALYSED_KINDS = (AssetKind.APPLICATION.value, AssetKind.SERVICE.value)
ANALYSIS_AUDIT_FIELDS = ["asset_id", "description", "owner_id", "department_id", "rto_hours", "rpo_hours",
                         "mtd_hours", *(area.column for area in ImpactArea), "analysed_on", "review_on"]
DRAFT_AUDIT_FIELDS = ["change", "body", "document_name", "document_sha256"]
TEST_AUDIT_FIELDS = ["tested_on", "kind", "scenario", "outcome", "recovery_minutes", "notes", "plan_id",
                     "evidence_id"]
DEPENDENCY_LIMIT = 50
# The Annex A controls a test shows operating (A.5.30 ICT readiness; 8.13 backup; 8.14 redundancy).
EVIDENCED_CONTROLS = {TestKind.BACKUP_RESTORE: ("8.13", "5.30"), TestKind.FAILOVER: ("8.14", "5.30")}


class ContinuityRuleError(RuleError):
    pass


# --- reading and who may do what ---------------------------------------------------------------------


def may_edit(user: User) -> bool:
    return user_can(user, CONTINUITY_EDIT)


def may_update(user: User, analysis: ImpactAnalysis) -> bool:
    """Security officers and admins update any service; a risk owner or manager their own."""
    return may_edit(user) or (user_can(user, CONTINUITY_UPDATE) and analysis.owner_id == user.id)


def get_analysis_or_403(user: User, analysis_id: int, need: str) -> ImpactAnalysis:
    """The BIA for a holder of `need` on it: every reader of the register reads every BIA (continuity
    records are the management system's, not personal); updating it and recording its tests needs
    CONTINUITY_EDIT, or CONTINUITY_UPDATE and being the service's owner; issuing a plan CONTINUITY_ISSUE."""
    if need not in (CONTINUITY_VIEW, CONTINUITY_UPDATE, CONTINUITY_EDIT, CONTINUITY_ISSUE):
        raise KeyError(f"No per-record rule for {need!r}.")
    analysis = db.session.get(ImpactAnalysis, analysis_id)
    if analysis is None:
        abort(404)
    allowed = {CONTINUITY_VIEW: lambda: user_can(user, CONTINUITY_VIEW),
               CONTINUITY_UPDATE: lambda: may_update(user, analysis),
               CONTINUITY_EDIT: lambda: may_edit(user),
               CONTINUITY_ISSUE: lambda: user_can(user, CONTINUITY_ISSUE)}[need]()
    if not allowed:
        abort(403)
    return analysis


def plan_of(analysis: ImpactAnalysis, plan_id: int) -> ContinuityPlan:
    plan = db.session.get(ContinuityPlan, plan_id)
    if plan is None or plan.analysis_id != analysis.id:
        abort(404)
    return plan


def version_of(plan: ContinuityPlan, version_id: int) -> PlanVersion:
    version = db.session.get(PlanVersion, version_id)
    if version is None or version.plan_id != plan.id:
        abort(404)
    return version


def test_of(analysis: ImpactAnalysis, test_id: int) -> ContinuityTest:
    test = db.session.get(ContinuityTest, test_id)
    if test is None or test.analysis_id != analysis.id:
        abort(404)
    return test


def analysable_items(keep_id: int | None = None) -> list[Asset]:
    """Applications and services of the CMDB that have no BIA yet (and the one kept)."""
    taken = sa.select(ImpactAnalysis.asset_id)
    if keep_id is not None:
        taken = taken.where(ImpactAnalysis.asset_id != keep_id)
    return list(db.session.scalars(sa.select(Asset).where(Asset.kind.in_(ANALYSED_KINDS), Asset.id.not_in(taken))
                                   .order_by(Asset.name)))


def suppliers_to_choose(keep_ids=()) -> list[Supplier]:
    """Suppliers a service may depend on: the active ones, and those already named."""
    return list(db.session.scalars(sa.select(Supplier).where(sa.or_(Supplier.status != SupplierStatus.EXITED.value,
                                                                     Supplier.id.in_(list(keep_ids))))
                                   .order_by(Supplier.name)))


def _next_reference(column, prefix: str, width: int) -> str:
    """PREFIX-001...: one more than the highest of the same length (the numbers sort as text). Read under
    the audit chain's lock, as nonconformity numbers are: two records made at once get two numbers."""
    lock_chain_tail(db.session)
    longest = db.session.scalar(sa.select(sa.func.max(sa.func.length(column))).where(column.like(f"{prefix}-%")))
    if longest is None:
        return f"{prefix}-{1:0{width}d}"
    last = db.session.scalar(sa.select(sa.func.max(column)).where(column.like(f"{prefix}-%"),
                                                                 sa.func.length(column) == longest))
    return f"{prefix}-{int((last or f'{prefix}-0').removeprefix(prefix + '-')) + 1:0{width}d}"


# --- business impact analysis -------------------------------------------------------------------------


@dataclass
class AnalysisInput:
    asset_id: int | None
    rto_hours: int | None
    rpo_hours: int | None
    mtd_hours: int | None
    impacts: dict[str, int | None]  # ImpactArea.column -> 1..5
    analysed_on: date | None
    review_on: date | None
    description: str = ""
    owner_id: int | None = None
    department_id: int | None = None
    dependency_ids: list[int] = field(default_factory=list)
    supplier_ids: list[int] = field(default_factory=list)


def input_of(analysis: ImpactAnalysis) -> AnalysisInput:
    return AnalysisInput(
        asset_id=analysis.asset_id, rto_hours=analysis.rto_hours, rpo_hours=analysis.rpo_hours,
        mtd_hours=analysis.mtd_hours, impacts={area.column: analysis.impact_of(area) for area in ImpactArea},
        analysed_on=analysis.analysed_on, review_on=analysis.review_on, description=analysis.description,
        owner_id=analysis.owner_id, department_id=analysis.department_id,
        dependency_ids=[item.id for item in analysis.dependencies],
        supplier_ids=[supplier.id for supplier in analysis.suppliers])


def _analysis_problems(data: AnalysisInput, current: ImpactAnalysis | None, today: date) -> rules.Problems:
    problems = rules.objective_problems(data.rto_hours, data.rpo_hours, data.mtd_hours)
    problems += rules.impact_problems(data.impacts, {area.column: area.label for area in ImpactArea})
    item = db.session.get(Asset, data.asset_id) if data.asset_id else None
    if item is None or item.kind not in ANALYSED_KINDS:
        problems.append(("asset_id", "Choose the application or service of the CMDB this analysis is about."))
    elif db.session.scalar(sa.select(ImpactAnalysis.reference).where(
            ImpactAnalysis.asset_id == item.id, ImpactAnalysis.id != (current.id if current else -1))):
        problems.append(("asset_id", f"{item.name} already has a business impact analysis: edit that one."))
    if data.analysed_on is None:
        problems.append(("analysed_on", "Enter the date of the analysis."))
    elif data.analysed_on > today:
        problems.append(("analysed_on", "The analysis cannot be dated after today."))
    if data.review_on is None:
        problems.append(("review_on", "Enter the date of the next review."))
    elif data.analysed_on is not None and data.review_on <= data.analysed_on:
        problems.append(("review_on", "The next review must be after the analysis."))
    dependencies = set(data.dependency_ids)
    if len(dependencies) > DEPENDENCY_LIMIT:
        problems.append(("dependency_ids", f"Name at most {DEPENDENCY_LIMIT} dependencies; group the rest "
                                           "(a site, a cluster) in the CMDB."))
    elif data.asset_id in dependencies:
        problems.append(("dependency_ids", "A service cannot depend on itself."))
    elif dependencies and len(dependencies) != db.session.scalar(
            sa.select(sa.func.count()).select_from(Asset).where(Asset.id.in_(dependencies))):
        problems.append(("dependency_ids", "Choose dependencies from the CMDB."))
    suppliers = set(data.supplier_ids)
    if suppliers and len(suppliers) != db.session.scalar(
            sa.select(sa.func.count()).select_from(Supplier).where(Supplier.id.in_(suppliers))):
        problems.append(("supplier_ids", "Choose suppliers from the supplier register."))
    if data.owner_id is not None and db.session.get(User, data.owner_id) is None:
        problems.append(("owner_id", "Choose the owner from the list of users."))
    return problems


def _snapshot(analysis: ImpactAnalysis) -> dict:
    return {**audit.snapshot(analysis, ANALYSIS_AUDIT_FIELDS),
            "dependencies": [item.tag for item in analysis.dependencies],
            "suppliers": [supplier.name for supplier in analysis.suppliers]}


def _apply(analysis: ImpactAnalysis, data: AnalysisInput) -> None:
    assert data.asset_id is not None and data.rto_hours is not None and data.rpo_hours is not None
    assert data.mtd_hours is not None and data.analysed_on is not None and data.review_on is not None
    analysis.asset_id, analysis.description = data.asset_id, data.description.strip()
    analysis.owner_id, analysis.department_id = data.owner_id, data.department_id
    analysis.rto_hours, analysis.rpo_hours, analysis.mtd_hours = data.rto_hours, data.rpo_hours, data.mtd_hours
    for area in ImpactArea:
        setattr(analysis, area.column, data.impacts[area.column])
    analysis.overall_impact = rules.overall_impact([int(data.impacts[area.column] or 0) for area in ImpactArea])
    analysis.analysed_on, analysis.review_on = data.analysed_on, data.review_on
    analysis.dependencies = list(db.session.scalars(sa.select(Asset).where(Asset.id.in_(set(data.dependency_ids)))
                                                    .order_by(Asset.kind, Asset.name)))
    analysis.suppliers = list(db.session.scalars(sa.select(Supplier).where(Supplier.id.in_(set(data.supplier_ids)))
                                                 .order_by(Supplier.name)))


def create_analysis(data: AnalysisInput, *, actor: User | None, today: date | None = None) -> ImpactAnalysis:
    problems = _analysis_problems(data, None, today or local_today())
    if problems:
        raise ContinuityRuleError(problems)
    analysis = ImpactAnalysis(reference=_next_reference(ImpactAnalysis.reference, "BIA", 3))
    _apply(analysis, data)
    # Another officer may have analysed the same service since the check: one analysis per service.
    with unique_or_refused(lambda: ContinuityRuleError(_analysis_problems(data, None, today or local_today()))):
        db.session.add(analysis)
        db.session.flush()
    audit.record(AuditAction.CREATE, "impact_analysis", analysis.id, changes=audit.diff({}, _snapshot(analysis)),
                 summary=f"Recorded the business impact analysis {analysis}"[:300], actor=actor)
    return analysis


def update_analysis(analysis: ImpactAnalysis, data: AnalysisInput, *, expected_version, actor: User,
                    today: date | None = None) -> dict:
    analysis.check_version(expected_version, "business impact analysis")
    problems = _analysis_problems(data, analysis, today or local_today())
    if problems:
        raise ContinuityRuleError(problems)
    before, version = _snapshot(analysis), analysis.version
    _apply(analysis, data)
    db.session.flush()
    changes = audit.diff(before, _snapshot(analysis))
    analysis.bump_if_only_links_changed(version, changes)
    if changes:
        audit.record(AuditAction.UPDATE, "impact_analysis", analysis.id, changes=changes,
                     summary=f"Edited the business impact analysis {analysis}"[:300], actor=actor)
    return changes


# --- plans and their versions ---------------------------------------------------------------------------


def plan_review_months() -> int:
    return int(settings.get(settings.CONTINUITY_PLAN_REVIEW_MONTHS))


def create_plan(analysis: ImpactAnalysis, *, kind: str, title: str, owner_id: int | None,
                actor: User | None) -> ContinuityPlan:
    """A plan of the service with its first draft, version 1.0."""
    problems: rules.Problems = []
    if kind not in {k.value for k in PlanKind}:
        problems.append(("kind", "Choose a business continuity plan or a disaster recovery plan."))
    if not title.strip():
        problems.append(("title", "Give the plan a title, like “Disaster recovery plan: e-mail”."))
    elif len(title.strip()) > 200:
        problems.append(("title", "Use at most 200 characters for the title."))
    if problems:
        raise ContinuityRuleError(problems)
    plan = ContinuityPlan(reference=_next_reference(ContinuityPlan.reference, PlanKind(kind).prefix, 3),
                          analysis=analysis, kind=kind, title=title.strip(), owner_id=owner_id)
    plan.versions.append(PlanVersion(number="1.0", state=PlanState.DRAFT.value, change="Original"))
    db.session.add(plan)
    db.session.flush()
    audit.record(AuditAction.CREATE, "continuity_plan", plan.id,
                 changes={"reference": [None, plan.reference], "kind": [None, kind], "title": [None, plan.title]},
                 summary=f"Started the plan {plan} of {analysis}"[:300], actor=actor)
    return plan


def _frozen(version: PlanVersion) -> None:
    if version.state_enum != PlanState.DRAFT:
        day = version.approved_on.isoformat() if version.approved_on else "?"
        raise ContinuityRuleError(f"Version {version.number} was issued on {day} and is frozen: start a new "
                                  "version to change the plan.")


def update_draft(version: PlanVersion, *, change: str, body: str, document: uploads.CheckedUpload | None = None,
                 remove_document: bool = False, expected_version, actor: User | None) -> dict:
    _frozen(version)
    version.check_version(expected_version, "plan draft")
    if len(change.strip()) > 200:
        raise ContinuityRuleError("Say what this version changes in at most 200 characters.", "change")
    before = audit.snapshot(version, DRAFT_AUDIT_FIELDS)
    version.change, version.body = change.strip(), body.strip()
    if document is not None:
        version.document_sha256 = uploads.store(document)
        version.document_name, version.document_size = document.filename, len(document.data)
    elif remove_document:
        version.document_sha256 = version.document_name = version.document_size = None
    db.session.flush()
    changes = audit.diff(before, audit.snapshot(version, DRAFT_AUDIT_FIELDS))
    if changes:
        audit.record(AuditAction.UPDATE, "continuity_plan", version.plan_id, changes=changes,
                     summary=f"Edited draft {version}"[:300], actor=actor)
    return changes


def issue_version(version: PlanVersion, *, approved_on: date | None, next_review_on: date | None,
                  expected_version, actor: User, today: date) -> PlanVersion:
    """The draft becomes the plan in force, frozen; the version it replaces is superseded."""
    _frozen(version)
    version.check_version(expected_version, "plan draft")
    if not user_can(actor, CONTINUITY_ISSUE):
        raise ContinuityRuleError("Only a security officer or an administrator may issue a plan.")
    plan = version.plan
    current = plan.current
    problems: rules.Problems = []
    if not version.body.strip() and not version.document_sha256:
        problems.append((None, "The draft holds no plan yet: write its text or attach the signed plan first."))
    if not version.change.strip():
        problems.append((None, "Say what this version changes (for a first version: Original) before issuing it."))
    if approved_on is None:
        problems.append(("approved_on", "Enter the date the plan was approved."))
    elif approved_on > today:
        problems.append(("approved_on", "The approval cannot be dated in the future."))
    elif current is not None and current.approved_on is not None and approved_on < current.approved_on:
        problems.append(("approved_on", f"Version {current.number} was approved on "
                                        f"{current.approved_on.isoformat()}; a later version cannot be approved "
                                        "before it."))
    review = next_review_on or (add_months(approved_on, plan_review_months()) if approved_on else None)
    if approved_on is not None and review is not None and review <= approved_on:
        problems.append(("next_review_on", "The next review must be after the approval date."))
    if problems:
        raise ContinuityRuleError(problems)
    if current is not None:
        current.state, current.superseded_on = PlanState.SUPERSEDED.value, approved_on
    version.state, version.approved_on, version.approved_by_id = PlanState.ISSUED.value, approved_on, actor.id
    version.next_review_on = review
    db.session.flush()
    audit.record(AuditAction.ISSUE, "continuity_plan", plan.id, changes={
        "issued": [current.number if current else None, version.number],
        "next_review_on": [None, review.isoformat() if review else None]},
        summary=f"Issued {version}, approved on {approved_on}"[:300], actor=actor)
    return version


def start_new_version(plan: ContinuityPlan, *, major: bool, actor: User | None) -> PlanVersion:
    """A draft copy of the latest version's text (numbered as policies are: 1.1 or 2.0)."""
    lock_row(db.session, plan)  # two officers starting a draft at once: the second sees the first's draft
    if plan.draft is not None:
        raise ContinuityRuleError(f"Version {plan.draft.number} is still a draft: issue or edit it instead.")
    latest = plan.versions[-1]
    version = PlanVersion(number=document_workflow.next_number([v.number for v in plan.versions], major=major),
                          state=PlanState.DRAFT.value, body=latest.body, change="")
    plan.versions.append(version)
    db.session.flush()
    audit.record(AuditAction.CREATE, "continuity_plan", plan.id, changes={"version": [None, version.number]},
                 summary=f"Started draft {version} from version {latest.number}"[:300], actor=actor)
    return version


def plans_due_review(today: date) -> sa.Select:
    return (sa.select(PlanVersion).join(PlanVersion.plan)
            .where(PlanVersion.state == PlanState.ISSUED.value, PlanVersion.next_review_on <= today)
            .order_by(PlanVersion.next_review_on))


# --- tests and exercises ----------------------------------------------------------------------------------


@dataclass
class TestInput:
    tested_on: date | None
    kind: str
    scenario: str
    outcome: str
    recovery_minutes: int | None = None
    notes: str = ""
    plan_id: int | None = None
    findings: list[str] = field(default_factory=list)

    __test__ = False


def test_months() -> int:
    return int(settings.get(settings.CONTINUITY_TEST_MONTHS))


def _test_problems(analysis: ImpactAnalysis, data: TestInput, today: date) -> rules.Problems:
    problems: rules.Problems = []
    if data.kind not in {k.value for k in TestKind}:
        problems.append(("kind", "Choose the kind of test: tabletop, walkthrough, failover or backup restore."))
    if data.outcome not in {o.value for o in TestOutcome}:
        problems.append(("outcome", "Choose the outcome: passed, passed with findings, or failed."))
    if not data.scenario.strip():
        problems.append(("scenario", "Describe the scenario, like “Load-shedding stage 6 for 12 hours at the "
                                     "data centre”."))
    if data.plan_id is not None and data.plan_id not in {plan.id for plan in analysis.plans}:
        problems.append(("plan_id", "Choose one of this service's plans, or none."))
    technical = data.kind in {k.value for k in TestKind} and TestKind(data.kind).technical
    problems += rules.test_problems(technical=technical, passed=data.outcome == TestOutcome.PASSED,
                                    recovery_minutes=data.recovery_minutes, rto_hours=analysis.rto_hours,
                                    tested_on=data.tested_on, today=today)
    findings = [finding.strip() for finding in data.findings if finding.strip()]
    if data.outcome in (TestOutcome.PASSED_WITH_FINDINGS, TestOutcome.FAILED) and not findings:
        problems.append(("findings", "Record what the test found wanting: one finding a line."))
    return problems


def _evidence_input(analysis: ImpactAnalysis, test: ContinuityTest) -> controls.EvidenceInput:
    references = EVIDENCED_CONTROLS.get(test.kind_enum, ("5.30",))
    control_ids = [c.id for c in (controls.annex_a_control(reference) for reference in references) if c]
    return controls.EvidenceInput(
        title=f"{test.reference} {test.kind_enum.label}: {analysis.asset.name}"[:200], evidence_date=test.tested_on,
        description=f"{test.outcome_enum.label}. {test.scenario}"[:2000], control_ids=control_ids)


def record_test(analysis: ImpactAnalysis, data: TestInput, *, actor: User | None, today: date | None = None,
                filename: str | None = None, content: bytes | None = None) -> ContinuityTest:
    """A test with its findings. A file sent with it (a restore log, a report) is kept as evidence of
    operation of the controls the test shows working, in the controls' evidence store."""
    today = today or local_today()
    problems = _test_problems(analysis, data, today)
    if problems:
        raise ContinuityRuleError(problems)
    assert data.tested_on is not None
    test = ContinuityTest(reference=_next_reference(ContinuityTest.reference, "BCT", 4), analysis=analysis,
                          tested_on=data.tested_on, kind=data.kind, scenario=data.scenario.strip(),
                          outcome=data.outcome, recovery_minutes=data.recovery_minutes, notes=data.notes.strip(),
                          plan_id=data.plan_id, conducted_by_id=actor.id if actor else None)
    test.findings = [TestFinding(description=text.strip()) for text in data.findings if text.strip()]
    db.session.add(test)
    db.session.flush()
    if content is not None and actor is not None:
        try:
            test.evidence = controls.add_evidence(_evidence_input(analysis, test), actor=actor, filename=filename,
                                                  content=content)
        except controls.ControlRuleError as error:
            raise ContinuityRuleError([("file" if name in (None, "file") else name, message)
                                       for name, message in error.problems]) from None
    if analysis.last_tested_on is None or data.tested_on > analysis.last_tested_on:
        analysis.last_tested_on = data.tested_on
    db.session.flush()
    audit.record(AuditAction.CREATE, "continuity_test", test.id, changes={
        **audit.diff({}, audit.snapshot(test, TEST_AUDIT_FIELDS)),
        "findings": [None, [finding.description for finding in test.findings]]},
        summary=f"Recorded {test}: {test.outcome_enum.label.lower()}"[:300], actor=actor)
    return test


@dataclass
class FindingRaise:
    severity: str
    owner_id: int | None = None
    due_on: date | None = None


def raise_finding(finding: TestFinding, data: FindingRaise, *, actor: User | None,
                  today: date | None = None) -> Nonconformity:
    """The finding as a nonconformity (10.2): a continuity test is a test of controls A.5.29/5.30 (8.13
    for a restore, 8.14 for a failover), so its source is a control test, naming the test."""
    if finding.nonconformity_id is not None:
        raise ContinuityRuleError(f"This finding was already raised as {finding.nonconformity}.")
    if data.severity not in {s.value for s in Severity}:
        raise ContinuityRuleError("Choose whether the nonconformity is major or minor.", "severity")
    test = finding.test
    reference = EVIDENCED_CONTROLS.get(test.kind_enum, ("5.30",))[0]
    control = controls.annex_a_control(reference)
    try:
        nonconformity = nonconformities.raise_nonconformity(nonconformities.NonconformityInput(
            title=f"{test.kind_enum.label} of {test.analysis.asset.name}: finding"[:200],
            description=finding.description, source=NonconformitySource.CONTROL_TEST.value,
            severity=data.severity, source_reference=f"{test.reference} ({test.tested_on.isoformat()})",
            control_id=control.id if control else None, department_id=test.analysis.department_id,
            owner_id=data.owner_id or test.analysis.owner_id, due_on=data.due_on), actor=actor, today=today)
    except nonconformities.NonconformityRuleError as error:
        raise ContinuityRuleError(error.problems) from None
    finding.nonconformity = nonconformity
    db.session.flush()
    audit.record(AuditAction.UPDATE, "continuity_test", test.id,
                 changes={"finding_nonconformity": [None, nonconformity.reference]},
                 summary=f"Raised a finding of {test.reference} as {nonconformity.reference}"[:300], actor=actor)
    return nonconformity
