"""The supplier register at benchmark size (issue 20: 1,000 suppliers), and the timing of its pages.

On top of the demo's five suppliers, generate_suppliers() adds suppliers through the register's own
services (create_supplier, record_assessment), so every row, link and audit entry is what the app
writes: each with services, a criticality, an owner among the demo's people, 0-6 CMDB items and 0-2
risks, a contract (some ending within 90 days, some ended), a share of POPIA operators and cloud
services with their gaps, and 0-3 assessments (a small evidence file on some). A thousand suppliers
take a few thousand service calls: bulk writing would save seconds only. The data is the same on
every run (fixed random seed, dates relative to today).

measure_suppliers() times the list (first page, filters, search), the record with the most
assessments and links, and the CSV export, as the security officer."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from app.assets.models import Asset
from app.auth.services import find_user_by_email
from app.common.timeutil import add_months, local_today
from app.common.uploads import CheckedUpload
from app.extensions import db
from app.risks.models import Risk
from app.suppliers import services
from app.suppliers.models import AssessmentResult, Criticality, SecurityClause, Supplier, SupplierAssessment

SUPPLIER_SEED = 20261207
SUPPLIERS = 1000
SERVICES = ["Network support", "Hosting", "Application maintenance", "Printing and scanning", "Cloud e-mail",
            "Payroll processing", "Call centre", "Courier of records", "Security monitoring", "Backup storage",
            "Software licences", "Desktop support", "Data capturing", "Document shredding", "Website hosting"]
KINDS = ["Technologies", "Solutions", "Systems", "Services", "Consulting", "Networks", "Data"]
PLACES = ["Cape", "Boland", "Karoo", "Overberg", "Garden Route", "West Coast", "Winelands", "Table Bay"]


@dataclass
class SupplierReport:
    suppliers: int = 0
    assessments: int = 0
    files: int = 0
    links: int = 0
    seconds: dict = field(default_factory=dict)
    record_id: int | None = None  # the supplier with the most assessments and links: the record page timed


def _input(rng: random.Random, number: int, owners: list[int], tags: list[str], risks: list[int], today):
    is_operator, is_cloud = rng.random() < 0.45, rng.random() < 0.3
    clauses = [clause.value for clause in SecurityClause if rng.random() < 0.7]
    start = add_months(today, -rng.randint(1, 60))
    end = max(start + timedelta(days=90), today + timedelta(days=rng.randint(-60, 1500)))
    end = end if rng.random() < 0.9 else None  # a tenth without an end date
    return services.SupplierInput(
        name=f"{rng.choice(PLACES)} {rng.choice(KINDS)} {number:04}", services=rng.choice(SERVICES),
        information="Records of the department it serves.", criticality=rng.choice(list(Criticality)).value,
        status="onboarding" if rng.random() < 0.05 else "active", owner_id=rng.choice(owners),
        is_operator=is_operator, operator_contract_on=start if is_operator and rng.random() < 0.8 else None,
        operator_contract_reference="Operator agreement" if is_operator else "", contract_reference=f"C-{number:05}",
        contract_start=start, contract_end=end, security_clauses=clauses, is_cloud=is_cloud,
        hosting_region=rng.choice(["South Africa", "South Africa", "European Union", ""]) if is_cloud else "",
        exit_plan="Export and move to another provider within 90 days." if is_cloud and rng.random() < 0.6 else "",
        review_on=today + timedelta(days=rng.randint(-30, 365)),
        asset_tags=rng.sample(tags, rng.randint(0, min(6, len(tags)))),
        risk_ids=rng.sample(risks, rng.randint(0, min(2, len(risks)))))


def generate_suppliers(count: int = SUPPLIERS, *, seed: int = SUPPLIER_SEED) -> SupplierReport:
    """Grow the register to `count` suppliers (the demo's count towards it) and commit."""
    rng, today, report = random.Random(seed), local_today(), SupplierReport()
    started = time.perf_counter()
    officer = find_user_by_email("officer@example.org")
    owners = [user.id for user in (find_user_by_email(f"{name}@example.org") for name in ("officer", "owner",
                                                                                          "manager", "hod"))
              if user is not None]
    # Items suppliers touch: applications and servers, a sample of the estate (reading 100,000 tags is not needed).
    tags = list(db.session.scalars(sa.select(Asset.tag).where(Asset.kind.in_(["application", "server", "service"]))
                                   .order_by(Asset.id).limit(2000)))
    risks = list(db.session.scalars(sa.select(Risk.id).order_by(Risk.id).limit(500)))
    existing = db.session.scalar(sa.select(sa.func.count(Supplier.id))) or 0
    for number in range(existing + 1, count + 1):
        data = _input(rng, number, owners, tags, risks, today)
        supplier = services.create_supplier(data, actor=officer, today=today)
        report.links += len(data.asset_tags) + len(data.risk_ids)
        for done in range(rng.choice([0, 1, 1, 2, 3])):
            on = today - timedelta(days=rng.randint(30, 1000) + done * 20)
            evidence = None
            if rng.random() < 0.5:
                evidence = CheckedUpload(f"assessment-{number}-{done}.txt", "text/plain",
                                         f"Assessment of supplier {number}, {on.isoformat()}".encode())
                report.files += 1
            services.record_assessment(supplier, services.AssessmentInput(
                assessed_on=on, result=rng.choice(list(AssessmentResult)).value, summary="Questionnaire reviewed.",
                next_due_on=add_months(on, 12)), evidence=evidence, expected_version=supplier.version,
                actor=officer, today=today)
            report.assessments += 1
        if number % 200 == 0:
            db.session.commit()
    db.session.commit()
    report.suppliers = db.session.scalar(sa.select(sa.func.count(Supplier.id))) or 0
    report.record_id = db.session.scalar(
        sa.select(SupplierAssessment.supplier_id).group_by(SupplierAssessment.supplier_id)
        .order_by(sa.func.count().desc(), SupplierAssessment.supplier_id).limit(1))
    report.seconds["suppliers"] = time.perf_counter() - started
    return report


def measure_suppliers(app, results, report: SupplierReport | dict) -> None:
    """The register's list (first page, filters, search), the busiest record and the CSV export."""
    from benchmarks.run import OFFICER_EMAIL, PAGE_RUNS, PAGE_TARGET_MS, measure_pages, sign_in

    found = report if isinstance(report, SupplierReport) else SupplierReport(**report)
    client = sign_in(app, OFFICER_EMAIL, app.config["DEMO_PASSWORD"])
    measure_pages(client, [
        ("suppliers_list", "/suppliers", PAGE_RUNS, "Suppliers not exited, first page, by name"),
        ("suppliers_gaps", "/suppliers?gap=operator_contract", PAGE_RUNS,
         "POPIA operators without a written contract"),
        ("suppliers_filtered", "/suppliers?criticality=critical&cloud=yes&assessment=overdue&sort=contract_end",
         PAGE_RUNS, "Critical cloud services with an overdue assessment, by contract end"),
        ("suppliers_clause_missing", "/suppliers?clause_missing=right_to_audit&status=all", PAGE_RUNS,
         "Every supplier whose agreement lacks the right to audit"),
        ("suppliers_search", "/suppliers?q=hosting", PAGE_RUNS, "Search: a word in the name, services or contract"),
        ("supplier_record", f"/suppliers/{found.record_id}", PAGE_RUNS,
         "The supplier with the most assessments: its clauses, gaps, CMDB items and risks"),
    ], results, found.suppliers, PAGE_TARGET_MS)
    measure_pages(client, [("suppliers_export_csv", "/suppliers?status=all&export=csv", 5,
                            "Every supplier as CSV")], results, found.suppliers)
