"""The business continuity register at benchmark size (issue 20: a few hundred key services), and the
timing of its pages.

On top of the demo's six analyses, generate_continuity() analyses CMDB applications of the estate
through the register's own services (create_analysis, create_plan, issue_version, record_test,
raise_finding), so every row, link and audit entry is what the app writes: each service with its
recovery objectives and impacts, 2-6 CMDB dependencies and 0-2 suppliers, a disaster recovery plan
for most and a continuity plan for half (some in a second version), and three years of tests and
exercises (1-3 a year; restores and failovers with their recovery time, a few slower than the RTO
and failed, findings, a restore log kept as evidence now and then, a finding raised as a
nonconformity now and then). Tests are recorded oldest first, as they would have been. The data is
the same on every run (fixed random seed, dates relative to today).

measure_continuity() times the BIA list (first page, filters, search), the tests list, the busiest
analysis and plan, and the CSV export, as the security officer."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from app.assets.models import Asset, AssetKind
from app.auth.services import find_user_by_email
from app.common.timeutil import add_months, local_today
from app.continuity import services
from app.continuity.models import ContinuityPlan, ContinuityTest, ImpactAnalysis, ImpactArea, PlanVersion, TestKind
from app.extensions import db
from app.suppliers.models import Supplier

CONTINUITY_SEED = 20261208
SERVICES = 300  # analysed services, the demo's six included
YEARS = 3  # of tests and exercises
# (RTO, RPO, MTD) in hours: from a service that must be back in hours to one that can wait a week.
OBJECTIVES = [(2, 1, 8), (4, 4, 24), (8, 4, 24), (24, 24, 72), (48, 24, 120), (72, 24, 168)]
SCENARIOS = ["Energy supply outage: stage 6 load-shedding for 12 hours", "Water supply scarcity closes the data "
             "centre building", "Loss of a third-party IT service provider for a day", "Loss of ISP service at "
             "head office for two days", "Ransomware encrypts the application servers", "Restore of last night's "
             "database backup to the standby environment", "Fire alarm evacuates the operations centre"]
FINDINGS = ["Contact list out of date.", "Standby not patched to the production level.", "Generator fuel enough "
            "for one outage only.", "Restore runbook missed a step.", "Backup older than the RPO."]


@dataclass
class ContinuityReport:
    analyses: int = 0
    plans: int = 0
    plan_versions: int = 0
    tests: int = 0
    findings: int = 0
    raised: int = 0
    evidence_files: int = 0
    seconds: dict = field(default_factory=dict)
    record_id: int | None = None  # the analysis with the most tests: the record page timed
    plan_path: str = ""  # the plan with the most versions: /continuity/<analysis>/plans/<plan>


def _analysis_input(rng: random.Random, item: Asset, today: date, owners: list[int], dependencies: list[int],
                    suppliers: list[int]) -> services.AnalysisInput:
    rto, rpo, mtd = rng.choice(OBJECTIVES)
    analysed_on = today - timedelta(days=rng.randint(YEARS * 365, YEARS * 365 + 90))
    return services.AnalysisInput(
        asset_id=item.id, rto_hours=rto, rpo_hours=rpo, mtd_hours=mtd,
        impacts={area.column: rng.randint(1, 5) for area in ImpactArea}, analysed_on=analysed_on,
        review_on=today + timedelta(days=rng.randint(-60, 330)), description=f"What {item.name} does, for whom.",
        owner_id=rng.choice(owners), department_id=item.department_id,
        dependency_ids=rng.sample(dependencies, min(len(dependencies), rng.randint(2, 6))),
        supplier_ids=rng.sample(suppliers, min(len(suppliers), rng.randint(0, 2))))


def _items_to_analyse(count: int, officer) -> list[Asset]:
    """Applications of the estate without an analysis; service items made when the estate has too few."""
    from app.assets import services as assets

    analysed = sa.select(ImpactAnalysis.asset_id)
    items = list(db.session.scalars(sa.select(Asset).where(Asset.kind == AssetKind.APPLICATION.value,
                                                           Asset.id.not_in(analysed))
                                    .order_by(Asset.id).limit(count)))
    for number in range(len(items) + 1, count + 1):
        items.append(assets.create_asset(assets.AssetInput(
            tag=f"SVC-B{number:04}", name=f"Benchmark service {number}", kind=AssetKind.SERVICE.value,
            owner_id=officer.id), actor=officer))
    return items


def _issue(plan: ContinuityPlan, approved_on: date, officer, today: date, change: str) -> None:
    draft = plan.draft
    assert draft is not None
    services.update_draft(draft, change=change, body=f"# {plan.title}\n\n1. Declare the disaster.\n2. Recover.\n",
                          expected_version=draft.version, actor=officer)
    services.issue_version(draft, approved_on=approved_on, next_review_on=None, expected_version=draft.version,
                           actor=officer, today=today)


def _plans(rng: random.Random, analysis: ImpactAnalysis, officer, today: date, report: ContinuityReport) -> None:
    for kind, share in (("drp", 0.8), ("bcp", 0.5)):
        if rng.random() >= share:
            continue
        plan = services.create_plan(analysis, kind=kind, title=f"{kind.upper()}: {analysis.asset.name}"[:200],
                                    owner_id=analysis.owner_id, actor=officer)
        first = analysis.analysed_on + timedelta(days=rng.randint(10, 60))
        _issue(plan, first, officer, today, "Original")
        report.plans += 1
        report.plan_versions += 1
        if rng.random() < 0.4:  # reviewed and reissued about a year later
            services.start_new_version(plan, major=False, actor=officer)
            _issue(plan, min(today, add_months(first, 12)), officer, today, "Annual review: contacts updated")
            report.plan_versions += 1


def _test_input(rng: random.Random, analysis: ImpactAnalysis, on: date) -> tuple[services.TestInput, bool]:
    kind = rng.choice(list(TestKind))
    minutes, findings, outcome = None, [], "passed"
    if kind.technical:
        minutes = int(analysis.rto_hours * 60 * rng.uniform(0.3, 1.25))
        if minutes > analysis.rto_hours * 60:
            outcome, findings = "failed", [f"Recovery took {minutes} minutes, longer than the RTO."]
    if outcome == "passed" and rng.random() < 0.2:
        outcome, findings = "passed_with_findings", [rng.choice(FINDINGS)]
    plans = [plan.id for plan in analysis.plans]
    return services.TestInput(tested_on=on, kind=kind.value, scenario=rng.choice(SCENARIOS), outcome=outcome,
                              recovery_minutes=minutes, findings=findings,
                              plan_id=rng.choice(plans) if plans and rng.random() < 0.7 else None), \
        kind == TestKind.BACKUP_RESTORE and rng.random() < 0.1


def _tests(rng: random.Random, analyses: list[ImpactAnalysis], officer, today: date,
           report: ContinuityReport) -> None:
    """Every service's tests of the last YEARS years, recorded oldest first."""
    planned = sorted(((today - timedelta(days=rng.randint(0, YEARS * 365 - 1)), analysis.id, analysis)
                      for analysis in analyses for _ in range(rng.randint(YEARS, YEARS * 3))
                      if rng.random() < 0.95), key=lambda row: (row[0], row[1]))
    for number, (on, _, analysis) in enumerate(planned, 1):
        data, with_log = _test_input(rng, analysis, on)
        log = f"Restore of {analysis.asset.tag} on {on.isoformat()}: checksums match.\n".encode() if with_log else None
        test = services.record_test(analysis, data, actor=officer, today=today,
                                    filename=f"restore-log-{on.isoformat()}.txt" if log else None, content=log)
        report.tests += 1
        report.findings += len(test.findings)
        report.evidence_files += int(log is not None)
        if test.findings and rng.random() < 0.15:
            services.raise_finding(test.findings[0], services.FindingRaise(severity="minor"), actor=officer,
                                   today=today)
            report.raised += 1
        if number % 200 == 0:
            db.session.commit()


def generate_continuity(count: int = SERVICES, *, seed: int = CONTINUITY_SEED) -> ContinuityReport:
    """Grow the register to `count` analysed services (the demo's count towards it), with their plans and
    YEARS of tests, and commit."""
    rng, today, report = random.Random(seed), local_today(), ContinuityReport()
    started = time.perf_counter()
    officer = find_user_by_email("officer@example.org")
    owners = [user.id for user in (find_user_by_email(f"{name}@example.org") for name in ("officer", "owner",
                                                                                          "manager", "hod"))
              if user is not None]
    # What services depend on: servers, network devices and sites, a sample of the estate.
    dependencies = list(db.session.scalars(sa.select(Asset.id).where(Asset.kind.in_(
        [AssetKind.SERVER.value, AssetKind.NETWORK_DEVICE.value, AssetKind.SITE.value])).order_by(Asset.id)
        .limit(2000)))
    suppliers = list(db.session.scalars(sa.select(Supplier.id).order_by(Supplier.id).limit(200)))
    existing = db.session.scalar(sa.select(sa.func.count(ImpactAnalysis.id))) or 0
    analyses = []
    for item in _items_to_analyse(max(0, count - existing), officer):
        analysis = services.create_analysis(_analysis_input(rng, item, today, owners, dependencies, suppliers),
                                            actor=officer, today=today)
        _plans(rng, analysis, officer, today, report)
        analyses.append(analysis)
    db.session.commit()
    report.seconds["continuity_analyses"] = time.perf_counter() - started
    step = time.perf_counter()
    _tests(rng, analyses, officer, today, report)
    db.session.commit()
    report.seconds["continuity_tests"] = time.perf_counter() - step
    report.analyses = db.session.scalar(sa.select(sa.func.count(ImpactAnalysis.id))) or 0
    report.record_id = db.session.scalar(
        sa.select(ContinuityTest.analysis_id).group_by(ContinuityTest.analysis_id)
        .order_by(sa.func.count().desc(), ContinuityTest.analysis_id).limit(1))
    busiest = db.session.execute(
        sa.select(ContinuityPlan.analysis_id, ContinuityPlan.id).join(PlanVersion).group_by(ContinuityPlan.id)
        .order_by(sa.func.count().desc(), ContinuityPlan.id).limit(1)).first()
    report.plan_path = f"/continuity/{busiest[0]}/plans/{busiest[1]}" if busiest else ""
    return report


def measure_continuity(app, results, report: ContinuityReport | dict) -> None:
    """The BIA list (first page, filters, search), the tests list, the busiest analysis and plan, the export."""
    from benchmarks.run import OFFICER_EMAIL, PAGE_RUNS, PAGE_TARGET_MS, measure_pages, sign_in

    found = report if isinstance(report, ContinuityReport) else ContinuityReport(**report)
    with app.app_context():
        last_year = local_today().year - 1
    client = sign_in(app, OFFICER_EMAIL, app.config["DEMO_PASSWORD"])
    pages = [
        ("continuity_list", "/continuity", PAGE_RUNS, "Business impact analyses, first page, by reference, with "
         "the register's standing"),
        ("continuity_test_due", "/continuity?test_due=1&sort=tested", PAGE_RUNS, "Services not tested within the "
         "interval, least recently tested first"),
        ("continuity_filtered", "/continuity?impact=4&no_plan=1&sort=rto", PAGE_RUNS, "Major or worse impact "
         "without a plan in force, by RTO"),
        ("continuity_search", "/continuity?q=service", PAGE_RUNS, "Search: a word in the name, reference or "
         "description"),
        ("continuity_tests", "/continuity/tests", PAGE_RUNS, "Tests and exercises, newest first, first page"),
        ("continuity_tests_filtered", f"/continuity/tests?outcome=failed&year={last_year}", PAGE_RUNS,
         f"Failed tests of {last_year}"),
        ("continuity_record", f"/continuity/{found.record_id}", PAGE_RUNS, "The service with the most tests: its "
         "objectives, impacts, dependencies, suppliers, plans and tests"),
    ]
    if found.plan_path:
        pages.append(("continuity_plan", found.plan_path, PAGE_RUNS, "The plan with the most versions, the one "
                      "in force shown"))
    measure_pages(client, pages, results, found.analyses, PAGE_TARGET_MS)
    measure_pages(client, [("continuity_export_csv", "/continuity?export=csv", 5, "Every analysis as CSV")],
                  results, found.analyses)
