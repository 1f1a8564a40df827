"""The demo province's suppliers, named as the seeds name them: SITA (network, hosting and procurement;
“Awaiting SITA Tier 3 data centre relocation”), the deck's “two major cloud service providers” (it
names neither, so neither is named here) and the Internet Service Provider (ISP) whose loss the deck
lists among business-continuity factors. (Sebata, which the municipal ICT strategy names, is the
municipality's, not the province's.) Each is linked to the demo risk it bears on (the deck's "Temporary
loss of a third-party IT service provider", "Cloud service unavailability (public or private cloud)" and
"Loss of Internet Service Provider (ISP) service") and to CMDB items; the records show the gaps an
auditor would find (an operator without a written contract, a cloud service without an exit plan, an
overdue assessment, a contract ending soon). Idempotent: nothing is added once any supplier exists."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from app.assets.models import Asset
from app.auth.services import find_user_by_email
from app.common.timeutil import add_months, local_today
from app.common.uploads import CheckedUpload
from app.extensions import db
from app.risks.demo import CLOUD_RISK, ISP_RISK, PROVIDER_RISK
from app.risks.models import Risk
from app.suppliers import services
from app.suppliers.models import AssessmentResult, SecurityClause, Supplier

EVERY_CLAUSE = [clause.value for clause in SecurityClause]


@dataclass(frozen=True)
class DemoSupplier:
    name: str
    owner: str  # the demo account's e-mail name
    criticality: str
    services: str
    information: str
    risks: tuple[str, ...]
    tags: tuple[str, ...]  # CMDB items of the demo estate (app/assets/demo.py)
    contract: tuple[int, int]  # its start in months from today, its end in days from today
    clauses: list[str] = field(default_factory=lambda: EVERY_CLAUSE)
    is_operator: bool = False
    operator_contract: str = ""  # its reference; blank: no written contract on record
    is_cloud: bool = False
    hosting_region: str = ""
    exit_plan: str = ""
    status: str = "active"
    assessed_months_ago: int | None = None  # the last assessment
    result: str = AssessmentResult.SATISFACTORY.value
    findings: str = ""
    review_in_days: int = 180


SUPPLIERS = [
    DemoSupplier(
        "State Information Technology Agency (SITA)", "owner", "critical",
        "Network, hosting and procurement for the province: the SITA data centre (awaiting the SITA Tier 3 data "
        "centre relocation), the network to connected sites, and procurement of ICT goods and services (SITA "
        "profile desktops PC3, PC4 and Note1).",
        "Line-of-business systems and the personal information they hold, hosted in the SITA data centre; network "
        "traffic of the corporate network.",
        (PROVIDER_RISK, ISP_RISK), ("SRV-00001", "SRV-00002", "SRV-00003", "NET-00001", "NET-00002"), (-33, 75),
        is_operator=True, operator_contract="SITA business agreement, schedule 4 (information security)",
        assessed_months_ago=10,
        findings="Annual supplier review against the provincial security schedule: ISO/IEC 27001 certificate of the "
                 "data centre seen; the Tier 3 relocation plan reviewed. No finding.", review_in_days=45),
    DemoSupplier(
        "Major cloud service provider 1", "owner", "critical",
        "Cloud hosting of WCG solutions (one of the “two major cloud service providers as well as SITA”): e-mail, "
        "collaboration and most migrated applications.",
        "Staff e-mail and documents, and the personal information of the applications migrated to the cloud.",
        (CLOUD_RISK, PROVIDER_RISK), ("APP-0001", "APP-0002", "APP-0003", "APP-0004"), (-20, 480),
        is_operator=True, operator_contract="Cloud services agreement with data processing addendum",
        is_cloud=True, hosting_region="South Africa",
        exit_plan="Export mailboxes and documents to the second provider's tenant or on-premises storage within 90 "
                  "days of notice; applications are redeployed from their infrastructure-as-code templates.",
        assessed_months_ago=5,
        findings="Provider's ISO/IEC 27001 and 27017 certificates and its latest SOC 2 report reviewed; "
                 "shared-responsibility matrix agreed.", review_in_days=120),
    DemoSupplier(
        "Major cloud service provider 2", "officer", "high",
        "Cloud hosting of WCG solutions (the second of the “two major cloud service providers”): line-of-business "
        "applications migrated to the cloud.",
        "Case and application records of the migrated line-of-business systems.",
        (CLOUD_RISK, PROVIDER_RISK), ("APP-0005", "APP-0006", "APP-0007"), (-8, 850),
        clauses=[clause for clause in EVERY_CLAUSE if clause not in ("right_to_audit", "return_or_destruction")],
        is_operator=True,  # no written operator contract on record: the gap POPIA s21 names
        is_cloud=True, hosting_region="South Africa",
        assessed_months_ago=7, result=AssessmentResult.IMPROVEMENTS_NEEDED.value,
        findings="Security questionnaire returned; the agreement gives no right to audit and says nothing of "
                 "returning information at the end. Exit plan to be written with the cloud security standard.",
        review_in_days=60),
    DemoSupplier(
        "Internet Service Provider (ISP)", "officer", "high",
        "Internet connectivity of the corporate network and the connected sites.",
        "Network traffic to and from the internet (encrypted in transit).",
        (ISP_RISK,), ("NET-00003", "NET-00004"), (-26, 300),
        clauses=["confidentiality", "security_measures", "service_continuity"],
        assessed_months_ago=14,
        findings="Service-level and continuity review: redundant links to the main sites confirmed.",
        review_in_days=-12),
]


def _assessment_file(supplier: DemoSupplier, on: date) -> CheckedUpload:
    text = (f"Supplier security assessment\nSupplier: {supplier.name}\nDate: {on.isoformat()}\n"
            f"Result: {AssessmentResult(supplier.result).label}\n\n{supplier.findings}\n")
    stem = supplier.name.split(" (")[0].lower().replace(" ", "-")
    return CheckedUpload(filename=f"{stem}-assessment-{on.isoformat()}.txt", media_type="text/plain",
                         data=text.encode())


def seed_demo_suppliers() -> list[str]:
    officer = find_user_by_email("officer@example.org")
    if officer is None or db.session.scalar(sa.select(Supplier.id).limit(1)) is not None:
        return []
    today = local_today()
    risks = {risk.title: risk.id for risk in db.session.scalars(sa.select(Risk))}
    tags = set(db.session.scalars(sa.select(Asset.tag).where(
        Asset.tag.in_([tag for supplier in SUPPLIERS for tag in supplier.tags]))))
    for demo in SUPPLIERS:
        owner = find_user_by_email(f"{demo.owner}@example.org") or officer
        start, end = add_months(today, demo.contract[0]), today + timedelta(days=demo.contract[1])
        supplier = services.create_supplier(services.SupplierInput(
            name=demo.name, services=demo.services, information=demo.information, status=demo.status,
            criticality=demo.criticality, owner_id=owner.id, is_operator=demo.is_operator,
            operator_contract_on=start if demo.operator_contract else None,
            operator_contract_reference=demo.operator_contract, contract_reference=f"Contract of {start.year}",
            contract_start=start, contract_end=end, security_clauses=demo.clauses, is_cloud=demo.is_cloud,
            hosting_region=demo.hosting_region, exit_plan=demo.exit_plan,
            review_on=today + timedelta(days=demo.review_in_days),
            asset_tags=[tag for tag in demo.tags if tag in tags],
            risk_ids=[risks[title] for title in demo.risks if title in risks]), actor=officer, today=today)
        if demo.assessed_months_ago is not None:
            on = add_months(today, -demo.assessed_months_ago)
            services.record_assessment(supplier, services.AssessmentInput(
                assessed_on=on, result=demo.result, summary=demo.findings, next_due_on=add_months(on, 12)),
                evidence=_assessment_file(demo, on), expected_version=supplier.version, actor=owner, today=today)
    db.session.flush()
    return [f"Suppliers ({len(SUPPLIERS)}: SITA, the two major cloud service providers and the ISP)"]
