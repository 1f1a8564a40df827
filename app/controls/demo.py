"""Demo internal controls of a provincial ISMS partway to certification, mapped to Annex A, and
the demo risks' controls in place. Idempotent: a control whose reference exists is skipped."""

from __future__ import annotations

import sqlalchemy as sa

from app.admin.services import find_department_by_code
from app.auth.services import find_user_by_email
from app.controls import services
from app.controls.models import INTERNAL_CATALOGUE, Control
from app.extensions import db
from app.risks.models import Risk

# reference, title, type, frequency, Annex A refs, department, how it is done
INTERNAL_CONTROLS = [
    ("IC-001", "Information security policy set approved by the HoD and reviewed yearly", "Preventive", "annually",
     ["5.1", "5.4"], "DOTP", "The Provincial Information Security Policy and its subordinate policies are reviewed "
     "by the ISMS forum each year and approved by the Head of Department."),
    ("IC-002", "ICT asset register (CMDB) reconciled quarterly", "Detective", "quarterly", ["5.9", "5.11"], "DOTP",
     "Discovery scans are reconciled with the configuration management database every quarter."),
    ("IC-003", "Data classification and labelling standard", "Preventive", "continuous", ["5.12", "5.13"], "DOTP",
     "Documents and systems carry the provincial classification labels; owners confirm labels at creation."),
    ("IC-004", "Nightly backup to the provincial data centre with quarterly restore tests", "Corrective", "daily",
     ["8.13"], "DOTP", "Servers back up nightly; a sample is restored each quarter and the result recorded."),
    ("IC-005", "Joiner-mover-leaver process with quarterly access reviews", "Preventive", "quarterly",
     ["5.15", "5.16", "5.18"], "DOTP", "HR triggers account changes; system owners certify access quarterly."),
    ("IC-006", "Multi-factor authentication for remote and privileged access", "Preventive", "continuous",
     ["8.5", "5.17"], "DOTP", "MFA is enforced on VPN, e-mail from outside the network and administrator accounts."),
    ("IC-007", "Encryption of laptops and of data in transit", "Preventive", "continuous", ["8.24"], "DOTP",
     "Full-disk encryption on laptops; TLS 1.2 or later on every external service."),
    ("IC-008", "Supplier security clauses and annual supplier reviews", "Preventive", "annually",
     ["5.19", "5.20", "5.22"], "PT", "Contracts carry the provincial security schedule; critical suppliers are "
     "reviewed each year."),
    ("IC-009", "Security monitoring of firewall and server logs", "Detective", "continuous", ["8.15", "8.16"],
     "DOTP", "Logs are collected centrally; alerts are triaged on working days until the SOC is established."),
    ("IC-010", "Monthly patching of servers and end points", "Corrective", "monthly", ["8.8", "8.19"], "DOTP",
     "Patches are tested and deployed monthly; critical vulnerabilities within 14 days."),
    ("IC-011", "Security awareness training for all staff", "Preventive", "annually", ["6.3"], "DOTP",
     "Annual e-learning module with a completion report to the ISMS forum."),
    ("IC-012", "Incident response procedure with the provincial CSIRT", "Corrective", "ad_hoc",
     ["5.24", "5.25", "5.26"], "DOTP", "Incidents are logged, triaged and escalated to the CSIRT; lessons learnt "
     "are reviewed by the ISMS forum."),
]
# Controls in place of the demo's named risks (the rest of the register links none).
RISK_CONTROLS = {
    "Information Security": ["IC-001", "IC-005", "IC-006", "IC-009", "IC-010", "8.7", "8.20"],
    "Loss of a third-party IT service provider": ["IC-008", "5.30"],
    "Cloud service unavailability": ["5.23", "IC-004"],
    "Loss of ISP service": ["8.14", "5.30"],
}


def seed_demo_controls() -> list[str]:
    officer = find_user_by_email("officer@example.org")
    if officer is None:
        return []
    added = []
    existing = set(db.session.scalars(sa.select(Control.reference).where(
        Control.catalogue == INTERNAL_CATALOGUE)))
    for reference, title, kind, frequency, annex_refs, department_code, description in INTERNAL_CONTROLS:
        if reference in existing:
            continue
        department = find_department_by_code(department_code)
        control = services.create_internal_control(services.ControlInput(
            reference=reference, title=title, description=description, control_type=kind, frequency=frequency,
            owner_id=officer.id, department_id=department.id if department else None,
            annex_a_ids=[services.annex_a_control(ref).id for ref in annex_refs]), actor=officer)
        added.append(f"control {control.reference}")
    _link_demo_risks(officer)
    return added


def _link_demo_risks(officer) -> None:
    from app.risks import services as risks

    for title, references in RISK_CONTROLS.items():
        risk = db.session.scalar(sa.select(Risk).where(Risk.title == title).limit(1))
        if risk is None or risk.controls:
            continue
        controls = [services.control_by_reference(reference) for reference in references]
        data = risks.input_of(risk)
        data.control_ids = [control.id for control in controls if control is not None]
        risks.update_risk(risk, data, expected_version=risk.version, actor=officer)
