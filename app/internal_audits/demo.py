"""Demo internal audits: a three-year programme started about ten months ago, and this year's two audits,
both reported: the ISMS clauses 4 to 10 (whose finding on management review the 2026 review of the reviews
demo corrects), and access control and operations. Their leads own none of the
controls they audit (the security officer owns every SoA row, so leads come from elsewhere); one team
member works in the audited department and the reason is recorded. Their nonconformities are raised into
the register on the day each report was issued; the rest of the programme is partly planned, so the gaps
show. Idempotent: nothing is added once a programme exists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

import sqlalchemy as sa

from app.admin.services import find_department_by_code
from app.auth.models import User
from app.auth.services import find_user_by_email
from app.common.timeutil import add_months, local_today
from app.controls import services as control_services
from app.controls.clauses import MANAGEMENT_CLAUSES
from app.controls.models import Control, Evidence
from app.extensions import db
from app.internal_audits import report, services
from app.internal_audits.models import AuditProgramme, InternalAudit

PROGRAMME_TEXT = {
    "frequency": "Every clause 4 to 10 and every applicable Annex A control is audited at least once in the three-"
                 "year cycle; the ISMS clauses and the controls treating High and Critical risks every year, and an "
                 "area with a major nonconformity again within six months.",
    "methods": "Interviews with the process owners, inspection of records and evidence in Khusela, observation on "
               "site, and samples of at least 25 records (or all, when fewer).",
    "responsibilities": "The security officer keeps the programme and proposes audits to the ISMS forum. Lead "
                        "auditors are trained risk owners and managers who own none of the controls they audit; "
                        "reports go to the ISMS forum and the Head of Department (management review).",
}


@dataclass(frozen=True)
class DemoLine:
    subject: str  # a clause ("6.2") or an Annex A control ("A.5.18")
    result: str
    notes: str = ""
    evidence: tuple[str, ...] = ()  # titles of demo evidence examined


# A finding's first line is the title of the nonconformity it raises; the lines after it, the detail.
CLAUSE_FINDINGS = {
    "6.2": DemoLine("6.2", "minor_nc",
                    "Objectives not evaluated against their measures nor communicated to staff\n"
                    "The objectives have measures, owners and due dates, but their status is not evaluated against "
                    "those measures: \u201cBring cyber risks within tolerance\u201d has been recorded as planned since "
                    "it was set four months ago while its metrics show the risks above tolerance falling too slowly "
                    "(6.2 d); and the objectives were communicated to the ISMS forum only, not to the staff whose "
                    "work they depend on (6.2 e)."),
    "7.2": DemoLine("7.2", "observation", "Training records exist for the ICT security staff; the competence "
                                          "required of the system owners who certify access is not written down."),
    "9.1": DemoLine("9.1", "opportunity", "The metrics cover controls, risks, policies, patching and awareness; "
                                          "none measures incident management (for example the time to contain an "
                                          "incident), one of the ISMS's main processes."),
    "9.3": DemoLine("9.3", "minor_nc",
                    "The management review did not consider the inputs of 9.3.2\n"
                    "The only management review, held six months ago as the ISMS forum's first meeting, took place "
                    "before the ISMS operated: its pack and minutes consider no changes in issues or interested "
                    "parties (9.3.2 b, c) and no feedback on performance (9.3.2 d: nonconformities, measurement, "
                    "audit results, objectives); its decision to report the treatment plan every quarter has no "
                    "owner or date and was not carried out (9.3.3); and no further review is planned."),
}
CONTROL_FINDINGS = {
    "5.18": DemoLine("A.5.18", "minor_nc",
                     "Access reviews do not cover the departments' own systems\n"
                     "Access rights are reviewed quarterly for the transversal systems (PERSAL, BAS and LOGIS) since "
                     "the Auditor-General's finding, but not for the departments' own systems that hold personal "
                     "information: 3 of 25 users sampled in two DOTP systems held rights their posts no longer need.",
                     ("Quarterly access review, Q2",)),
    "8.8": DemoLine("A.8.8", "observation", "11 of 41 servers missed a critical patch by more than 30 days; they are "
                                            "the unsupported Windows Server 2012 hosts whose refresh is a treatment "
                                            "action of risk R-0001. No interim safeguard is recorded for them until "
                                            "then; the control's test, due in two months, should confirm it.",
                    ("Patch compliance report, last month",)),
    "8.16": DemoLine("A.8.16", "opportunity", "The SOC triages security alerts on working days only (the NIOC "
                                              "monitors the network continuously, not security alerts); the "
                                              "Security Operations Centre Enhancement would cover weekends, when "
                                              "two of this year's incidents began.",
                     ("Firewall and server log review",)),
    "8.13": DemoLine("A.8.13", "conforming", "Restore tests of a sample of data-centre servers each quarter, all "
                                             "successful; the regional offices' missed restore tests are already a "
                                             "nonconformity in the register.",
                     ("Backup restore test, last quarter",)),
}
ACCESS_AND_OPERATIONS = ("5.15", "5.16", "5.17", "5.18", "8.2", "8.5", "8.8", "8.13", "8.15", "8.16")
# Planned for next year, so part of the programme is planned and the rest shows as gaps.
PLANNED_NEXT = ("5.19", "5.20", "5.21", "5.22", "5.23", "5.24", "5.25", "5.26")


def _user(email: str) -> User:
    user = find_user_by_email(email)
    if user is None:
        raise LookupError(f"The demo account {email} is missing.")
    return user


def _annex_a(reference: str) -> Control:
    control = control_services.annex_a_control(reference)
    if control is None:
        raise LookupError(f"Annex A control {reference} is missing: run flask --app wsgi db upgrade.")
    return control


def demo_audit_steps() -> list[tuple[date, Callable[[], list[str]]]]:
    """(date, step): the programme on its first day, each audit on the day its report was issued (when it
    raises its nonconformities), and next quarter's audit planned today. app/core/demo.py runs them in date
    order with the nonconformity register's own raises, so NC references follow the raised dates."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(AuditProgramme)):
        return []
    today = local_today()
    start = add_months(today, -10)
    return [(start, partial(_programme, start)), (_issued_on(CLAUSES_MONTHS_AGO, CLAUSES_DAYS), _clauses_audit),
            (_issued_on(CONTROLS_MONTHS_AGO, CONTROLS_DAYS), _controls_audit), (today, _next_audit)]


# When each audit started (months before today), how many days its fieldwork took, and the report a week after.
CLAUSES_MONTHS_AGO, CLAUSES_DAYS = 7, 9
CONTROLS_MONTHS_AGO, CONTROLS_DAYS = 3, 14
REPORT_DAYS_AFTER_FIELDWORK = 7


def _window(months_ago: int, days: int) -> tuple[date, date]:
    start = add_months(local_today(), -months_ago)
    return start, start + timedelta(days=days)


def _issued_on(months_ago: int, days: int) -> date:
    return _window(months_ago, days)[1] + timedelta(days=REPORT_DAYS_AFTER_FIELDWORK)


def _programme(start: date) -> list[str]:
    programme = services.save_programme(None, services.ProgrammeInput(
        starts_on=start, ends_on=add_months(start, 36) - timedelta(days=1), **PROGRAMME_TEXT),
        expected_version=None, actor=_user("officer@example.org"))
    return [f"{programme}"]


def _dotp_id() -> int:
    department = find_department_by_code("DOTP")
    if department is None:
        raise LookupError("The demo department DOTP is missing.")
    return department.id


def _clauses_audit() -> list[str]:
    officer, manager, owner = _user("officer@example.org"), _user("manager@example.org"), _user("owner@example.org")
    planned_start, planned_end = _window(CLAUSES_MONTHS_AGO, CLAUSES_DAYS)
    clauses = _audit(
        services.AuditInput(
            title="ISMS clauses 4 to 10", criteria="ISO/IEC 27001:2022 clauses 4 to 10; the ICT Security Policy "
            "(ICT-POL-001); the ISMS forum's terms of reference", planned_start=planned_start,
            planned_end=planned_end, lead_auditor_id=manager.id, team_ids=[owner.id],
            department_ids=[_dotp_id()], auditee_contact_id=officer.id,
            clauses=[clause.number for clause in MANAGEMENT_CLAUSES],
            independence_reason="Anele Risk-Owner audits clauses 7.2 to 7.5 only, alongside the lead auditor, who "
                                "reviewed her findings; no other trained auditor outside DOTP was available in the "
                                "audit window."),
        CLAUSE_FINDINGS, officer=officer, lead=manager,
        summary="The ISMS has been established with its scope, policy, roles, risk methodology and Statement of "
                "Applicability in place. Records were examined for each clause, and the ICT director, risk manager "
                "and HR were interviewed.",
        conclusion="The ISMS conforms to the requirements of clauses 4 to 10 and is implemented, with two minor "
                   "nonconformities in how it is evaluated: the objectives are not evaluated against their measures "
                   "nor communicated (6.2), and the only management review did not consider the inputs 9.3.2 asks "
                   "for (9.3). Both must be corrected before the certification audit; the next management review "
                   "should be the evidence for 9.3.")
    return [f"internal audit {clauses.reference}"]


def _controls_audit() -> list[str]:
    officer, manager, accounting_officer = (_user("officer@example.org"), _user("manager@example.org"),
                                            _user("ao@example.org"))
    planned_start, planned_end = _window(CONTROLS_MONTHS_AGO, CONTROLS_DAYS)
    controls = _audit(
        services.AuditInput(
            title="Access control and operations (A.5.15-5.18, A.8)", criteria="ISO/IEC 27001:2022 Annex A 5.15 to "
            "5.18 and 8.2 to 8.16; the Password Policy (ICT-POL-003); the Backup Policy (ICT-POL-005)",
            planned_start=planned_start, planned_end=planned_end, lead_auditor_id=accounting_officer.id,
            team_ids=[manager.id], department_ids=[_dotp_id()], auditee_contact_id=officer.id,
            control_ids=[_annex_a(reference).id for reference in ACCESS_AND_OPERATIONS]),
        CONTROL_FINDINGS, officer=officer, lead=accounting_officer,
        summary="Ten controls of access control and ICT operations were audited by sampling accounts, access "
                "reviews, patch reports, backups and log reviews in DOTP.",
        conclusion="The controls are designed adequately; access reviews do not yet reach the departments' own "
                   "systems (A.5.18, minor), and the unsupported servers await the technology refresh already "
                   "planned, with no interim safeguard recorded (A.8.8, observation).")
    return [f"internal audit {controls.reference}"]


def _next_audit() -> list[str]:
    today = local_today()
    officer, manager, accounting_officer = (_user("officer@example.org"), _user("manager@example.org"),
                                            _user("ao@example.org"))
    services.plan_audit(services.AuditInput(
        title="Supplier relationships and incident management (A.5.19-5.26)",
        criteria="ISO/IEC 27001:2022 Annex A 5.19 to 5.26; the supplier security schedule; the incident response "
                 "procedure", planned_start=add_months(today, 3), planned_end=add_months(today, 3) + timedelta(days=9),
        lead_auditor_id=manager.id, team_ids=[accounting_officer.id], department_ids=[_dotp_id()],
        auditee_contact_id=officer.id, control_ids=[_annex_a(reference).id for reference in PLANNED_NEXT]),
        actor=officer, today=today)
    return ["internal audit planned for next quarter"]


def _audit(data: services.AuditInput, findings: dict[str, DemoLine], *, officer: User, lead: User, summary: str,
           conclusion: str) -> InternalAudit:
    """Planned by the security officer, started by its lead, its checklist filled, its report issued with the
    nonconformities raised on the issue date: each step on the day it happened."""
    assert data.planned_start is not None and data.planned_end is not None  # the demo's own dates
    internal_audit = services.plan_audit(data, actor=officer, today=data.planned_start - timedelta(days=30))
    services.start_audit(internal_audit, expected_version=internal_audit.version, actor=lead,
                         today=data.planned_start)
    for line in internal_audit.lines:
        key = line.clause or (line.control.reference if line.control else "")
        finding = findings.get(key, DemoLine(key, "conforming"))
        services.save_line(line, services.LineInput(result=finding.result, notes=finding.notes,
                                                    evidence_ids=_evidence(finding.evidence, data.planned_end)),
                           expected_version=line.version, actor=lead)
    issued_on = data.planned_end + timedelta(days=REPORT_DAYS_AFTER_FIELDWORK)
    services.issue_report(internal_audit, summary=summary, conclusion=conclusion, actual_end=data.planned_end,
                          expected_version=internal_audit.version, actor=lead, today=issued_on,
                          render=lambda audited: report.render_report(audited, draft=False,
                                                                             generated_by=lead.full_name))
    return internal_audit


def _evidence(titles: tuple[str, ...], by: date) -> list[int]:
    """The demo evidence of these titles dated by the end of the audit (an auditor examines what existed)."""
    if not titles:
        return []
    return list(db.session.scalars(sa.select(Evidence.id).where(Evidence.title.in_(titles),
                                                                Evidence.evidence_date <= by)))
