"""The municipality's name, departments and demo accounts (one per role, the province's password).

Its accounts are @municipality.example.org: the two demos live in separate databases, but distinct
addresses let `flask demo-logins` and the refusal to mix them tell which one a database holds."""

from __future__ import annotations

from app.admin.services import find_department_by_code
from app.auth.models import AcceptanceAuthority, Role
from app.core.demo import DemoAccount
from app.municipality_demo.strategy import AUTHOR, MUNICIPALITY

NAME = MUNICIPALITY
# The strategy names ICT (its custodian, lines 171-181) and the CFO (lines 246-247); it names no
# directorate. Corporate Services (where HR sits) and the Municipal Manager's office (the accounting
# officer) are invented, as every municipality has them: the demo's HR officer and accounting officer work there.
DEPARTMENTS = [
    ("ICT", "Information and Communication Technology"),
    ("CFO", "Office of the CFO"),
    ("CORP", "Corporate Services"),  # invented (see above)
    ("MM", "Office of the Municipal Manager"),  # invented (see above)
]
DOMAIN = "municipality.example.org"


def _email(local: str) -> str:
    return f"{local}@{DOMAIN}"


ACCOUNTS = [
    DemoAccount(_email("admin"), "Lwazi Administrator", Role.ADMIN, "ICT"),  # names other than the author: invented
    # The strategy's author and Security Officer (line 296) keeps the ISMS: he can sign his own rows in Khusela.
    DemoAccount(_email("officer"), AUTHOR[0], Role.SECURITY_OFFICER, "ICT"),
    DemoAccount(_email("owner"), "Nomsa Risk-Owner", Role.RISK_OWNER, "ICT"),
    DemoAccount(_email("manager"), "Johannes Manager", Role.MANAGER, "CFO"),
    DemoAccount(_email("hr"), "Palesa HR-Officer", Role.HR_OFFICER, "CORP"),
    DemoAccount(_email("auditor"), "Ayanda Auditor", Role.AUDITOR, None),
    # Who accepts the High and Critical risks: the CFO as head of a department, the Municipal Manager
    # as the accounting officer (MFMA s60).
    DemoAccount(_email("hod"), "Kagiso Chief-Financial-Officer", Role.RISK_OWNER, "CFO",
                AcceptanceAuthority.HEAD_OF_DEPARTMENT),
    DemoAccount(_email("ao"), "Mpho Municipal-Manager", Role.RISK_OWNER, "MM", AcceptanceAuthority.ACCOUNTING_OFFICER),
]


def department_id(code: str) -> int:
    """The id of one of DEPARTMENTS (seed_organisation() made them first)."""
    department = find_department_by_code(code)
    if department is None:
        raise LookupError(f"The municipality's department {code} is missing: load the organisation first.")
    return department.id
