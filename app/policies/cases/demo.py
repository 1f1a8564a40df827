"""Demo policy-violation cases: breaches of the demo policies' clauses by employees across the
departments (several in the Department of Health, whose manager is a demo account), at each point
of the procedure so far — recommended and undecided, decided, warned and signed, a refusal to sign
before a witness, a decision other than the recommendation with its reason, closed — and one
incident from before 4 September 2025, governed by Schedule 8. Dates are relative to today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from app.auth.models import Department
from app.common.timeutil import local_today
from app.employees.models import Employee, EmploymentStatus
from app.extensions import db
from app.policies import services as policies
from app.policies.cases import services
from app.policies.cases.models import PolicyCase
from app.policies.models import PolicyClause, PolicyVersion


@dataclass(frozen=True)
class DemoCase:
    department: str
    policy: str
    clause: str
    days_ago: int
    severity: str
    risk: str
    description: str
    decide: str | None = None  # "recommended", or an action with `reason`
    reason: str = ""
    warning: str = ""  # the wording, when a warning is given
    signed: str = ""  # "signed" or "refused"
    outcome: str = ""  # closes the case
    asset_tag: str = ""


CASES = [
    DemoCase("DOH", "ICT-POL-003", "2.2", 480, "medium", "medium",
             "Shared his network password with a temporary clerk so that she could print patient lists.",
             decide="recommended", warning="You shared your password with another person, which clause 2.2 of the "
             "Password Policy forbids. Never let anyone else work under your account. A further breach within six "
             "months will lead to a final written warning.", signed="signed",
             outcome="Written warning given and signed; password reset the same day."),
    DemoCase("DOH", "ICT-POL-003", "2.2", 60, "medium", "medium",
             "Left her password on a note stuck to the monitor at the clinic reception; a patient photographed it.",
             decide="recommended", warning="Your password was left in view of the public. Keep it secret (clause "
             "2.2); ICT will reset it. Attend the awareness session on 15 January.", signed="signed"),
    DemoCase("DOH", "ICT-POL-002", "3.4", 25, "high", "high",
             "Copied a spreadsheet of patient records to a personal, unencrypted USB stick to work at home.",
             asset_tag="PC-00001"),
    DemoCase("DOH", "ICT-POL-004", "5.3", 12, "low", "medium",
             "Opened a phishing attachment and entered his credentials on the fake sign-in page.",
             decide="training", reason="He reported it himself within the hour; awareness training addresses the "
             "cause better than a warning."),
    DemoCase("WCED", "ICT-POL-002", "3.3", 200, "low", "low",
             "Installed an unlicensed screen-recording tool on a school administration PC.",
             decide="recommended", warning="Install only software approved by ICT (clause 3.3). The tool was "
             "removed.", signed="signed", outcome="Warning from management recorded; the tool was removed."),
    DemoCase("PT", "ICT-POL-004", "5.2", 45, "medium", "low",
             "Forwarded budget working papers to a personal Gmail address.",
             decide="recommended", warning="You forwarded municipal e-mail to a private address, which clause 5.2 "
             "forbids. Delete the copies and do not do it again.", signed="refused"),
    DemoCase("DSD", "ICT-POL-002", "3.2", 90, "high", "low",
             "Used the office internet connection to stream and download pirated films during working hours.",
             decide="recommended"),
    DemoCase("DTPW", "ICT-POL-006", "4.1", 30, "medium", "high",
             "Changed the firewall rules on the depot router without a change request.",
             decide="disciplinary", reason="A deliberate bypass of change control on a perimeter device, after "
             "a briefing on the procedure a week earlier."),
    DemoCase("DOTP", "ICT-POL-001", "4.2", 400, "low", "medium",
             "Did not report a lost laptop for six days.", decide="recommended",
             warning="Report a lost device to the ICT Service Desk at once (clause 4.2).", signed="signed",
             outcome="Warning from management recorded."),
    DemoCase("DOA", "ICT-POL-003", "2.2", 5, "low", "low",
             "Logged in to a colleague's account, with her consent, to finish a report while she was on leave."),
]


def _clause(policy_code: str, reference: str, on: date) -> PolicyClause | None:
    """The clause of the version of the policy in force on the day."""
    versions = db.session.scalars(
        sa.select(PolicyVersion).join(PolicyVersion.policy)
        .where(policies.Policy.code == policy_code, PolicyVersion.approved_on <= on)
        .order_by(PolicyVersion.approved_on.desc()))
    version = next(iter(versions), None)
    return next((c for c in version.clauses if c.reference == reference), None) if version else None


def _employees(department_code: str) -> list[Employee]:
    return list(db.session.scalars(sa.select(Employee).join(Department, Employee.department_id == Department.id)
                                   .where(Department.code == department_code,
                                          Employee.status == EmploymentStatus.ACTIVE.value,
                                          Employee.user_id.is_(None)).order_by(Employee.number)))


def _load(demo: DemoCase, employee: Employee, today: date) -> PolicyCase | None:
    incident = today - timedelta(days=demo.days_ago)
    clause = _clause(demo.policy, demo.clause, incident)
    if clause is None:
        return None
    case = services.open_case(services.CaseInput(
        employee_id=employee.id, clause_id=clause.id, incident_on=incident, description=demo.description,
        severity=demo.severity, security_risk=demo.risk, asset_tag=demo.asset_tag), actor=None, today=incident)
    if demo.decide is None:
        return case
    decided_on = min(today, incident + timedelta(days=3))
    action = case.recommended_action if demo.decide == "recommended" else demo.decide
    services.decide(case, action, demo.reason, expected_version=case.version, actor=None, today=decided_on)
    if demo.warning:
        kind = "management" if action == "management_warning" else (case.recommended_warning_type or "written")
        warning = services.give_warning(case, services.WarningInput(kind, demo.warning, decided_on), actor=None,
                                        today=today)
        signed_on = min(today, decided_on + timedelta(days=1))
        if demo.signed == "signed":
            services.record_signature(case, warning.id, acknowledged_on=signed_on, refused=False, witness_name="",
                                      actor=None, today=today)
        elif demo.signed == "refused":
            services.record_signature(case, warning.id, acknowledged_on=None, refused=True,
                                      witness_name="Nomsa Dube (HR practitioner)", actor=None, today=today)
    if demo.outcome:
        services.close_case(case, demo.outcome, expected_version=case.version, actor=None,
                            today=min(today, decided_on + timedelta(days=7)))
    return case


def seed_demo_cases() -> list[str]:
    """The demo cases, unless there are cases already (or no policies or employees to base them on)."""
    if db.session.scalar(sa.select(sa.func.count(PolicyCase.id))):
        return []
    today = local_today()
    used: dict[str, int] = {}
    added = []
    for demo in sorted(CASES, key=lambda demo: -demo.days_ago):  # in the order they happened
        staff = _employees(demo.department)
        if not staff:
            continue
        employee = staff[used.get(demo.department, 0) % len(staff)]
        used[demo.department] = used.get(demo.department, 0) + 1
        case = _load(demo, employee, today)
        if case is not None:
            added.append(f"case {case.reference} ({demo.policy} {demo.clause}, {case.status})")
    return added
