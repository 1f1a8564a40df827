"""Demo policy-violation cases: breaches of the demo policies' clauses by employees across the
departments (several in the Department of Health, whose manager is a demo account), at each point
of the procedure so far — recommended and undecided, decided, warned and signed, a refusal to sign
before a witness, a decision other than the recommendation with its reason, privileges revoked
(one revocation still in force, one restored and closed), training assigned and training completed,
closed — one disciplinary case through the whole procedure to the appeal's outcome, one the
fairness checks flagged (a hearing two working days after the notice, gone ahead with a recorded
reason) — and one incident from before 4 September 2025, governed by Schedule 8. Dates are
relative to today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from app.auth.models import Department
from app.common.timeutil import local_today
from app.employees.models import Employee, EmploymentStatus
from app.extensions import db
from app.policies import services as policies
from app.policies.cases import disciplinary, fairness, privileges, services
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
    revoke: tuple[str, ...] = ()  # resources revoked from the decision day, for `revoke_days`
    revoke_days: int = 30
    restored: bool = False  # given back on the end day
    training: str = ""  # the course assigned on the decision day, due 30 days later
    trained: bool = False  # completed two weeks after the decision
    procedure: str = ""  # the disciplinary procedure: "full" (to the appeal's outcome) or "flagged"


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
             "cause better than a warning.", training="Information security awareness (classroom, half a day)"),
    DemoCase("WCED", "ICT-POL-002", "3.3", 200, "low", "low",
             "Installed an unlicensed screen-recording tool on a school administration PC.",
             decide="recommended", warning="Install only software approved by ICT (clause 3.3). The tool was "
             "removed.", signed="signed", outcome="Warning from management recorded; the tool was removed."),
    DemoCase("PT", "ICT-POL-004", "5.2", 45, "medium", "low",
             "Forwarded budget working papers to a personal Gmail address.",
             decide="recommended", warning="You forwarded official e-mail to a private address, which clause 5.2 "
             "forbids. Delete the copies and do not do it again.", signed="refused"),
    DemoCase("DSD", "ICT-POL-002", "3.2", 90, "high", "low",
             "Used the office internet connection to stream and download pirated films during working hours.",
             decide="recommended"),
    DemoCase("DOI", "ICT-POL-006", "4.1", 30, "medium", "high",
             "Changed the firewall rules on the depot router without a change request.",
             decide="disciplinary", reason="A deliberate bypass of change control on a perimeter device, after "
             "a briefing on the procedure a week earlier."),
    DemoCase("DOTP", "ICT-POL-001", "4.2", 400, "low", "medium",
             "Did not report a lost laptop for six days.", decide="recommended",
             warning="Report a lost device to the ICT Service Desk at once (clause 4.2).", signed="signed",
             outcome="Warning from management recorded."),
    DemoCase("DOH", "ICT-POL-002", "3.4", 10, "medium", "high",
             "Used an unencrypted personal USB stick to take the clinic's monthly statistics to a meeting.",
             decide="revoke_privileges", reason="Removable media were misused; the statistics can be shared on the "
             "network drive instead.", revoke=("removable_media",)),
    DemoCase("PT", "ICT-POL-002", "3.2", 150, "medium", "high",
             "Downloaded pirated software through the office internet connection and installed it at home.",
             decide="revoke_privileges", reason="Internet access was the means; he needs only the intranet and "
             "e-mail for his work.", revoke=("internet",), revoke_days=30, restored=True,
             outcome="Internet access revoked for 30 days and restored; the software was removed."),
    DemoCase("WCED", "ICT-POL-004", "5.3", 120, "low", "medium",
             "Clicked a link in a phishing e-mail about a salary adjustment and entered her password.",
             decide="training", reason="A first breach, reported by herself; the awareness course addresses it.",
             training="Phishing awareness (e-learning, 2 hours)", trained=True,
             outcome="Completed the phishing awareness course."),
    DemoCase("DSD", "ICT-POL-006", "4.1", 120, "high", "high",
             "Created a VPN account for a contractor whose contract had ended and gave him the password, without a "
             "change request or the manager's approval.",
             decide="disciplinary", reason="A deliberate bypass of access control on a perimeter system by the "
             "administrator entrusted with it.", procedure="full",
             outcome="Dismissed after a hearing; the written outcome gave notice of the right to refer the dispute; "
             "the internal appeal was dismissed."),
    DemoCase("PT", "ICT-POL-004", "5.2", 20, "high", "medium",
             "Forwarded the bid evaluation report of an open tender to a bidder's personal e-mail address.",
             decide="disciplinary", reason="Confidential procurement information reached a bidder.",
             procedure="flagged"),
    DemoCase("DOA", "ICT-POL-003", "2.2", 5, "low", "low",
             "Logged in to a colleague's account, with her consent, to finish a report while she was on leave."),
    # More of the everyday: warnings from management and written warnings across the departments.
    DemoCase("WCED", "ICT-POL-004", "5.3", 150, "low", "low",
             "Clicked a link in a fake courier e-mail; the proxy blocked the download.",
             decide="recommended", warning="Do not open links from unknown senders (clause 5.3); report suspicious "
             "e-mail to the Service Desk.", signed="signed", outcome="Warning from management recorded."),
    DemoCase("WCED", "ICT-POL-002", "3.1", 95, "low", "low",
             "Ran a private online business from a school office PC during working hours.",
             decide="recommended", warning="Limited private use only (clause 3.1): stop running your business on "
             "government equipment.", signed="signed", outcome="Warning from management recorded."),
    DemoCase("DOI", "ICT-POL-006", "4.3", 70, "medium", "medium",
             "Made an emergency change to the building-management server and did not record it for nine days.",
             decide="recommended", warning="Record an emergency change within two working days (clause 4.3).",
             signed="signed"),
    DemoCase("DOI", "ICT-POL-005", "3.2", 40, "low", "medium",
             "Signed off the quarterly restore test as done without running it.",
             decide="recommended", warning="A restore test is run and its result recorded (clause 3.2); a test "
             "signed off without being run is a false record.", signed="signed"),
    DemoCase("DCAS", "ICT-POL-002", "3.4", 130, "medium", "medium",
             "Took the library's borrower list home on an unencrypted USB stick.",
             decide="recommended", warning="Use only encrypted media issued by ICT for government information "
             "(clause 3.4).", signed="signed", outcome="Written warning given; the stick was wiped."),
    DemoCase("DCAS", "ICT-POL-004", "5.1", 20, "low", "low",
             "Used the official e-mail address to register on a betting site."),
    DemoCase("DEDAT", "ICT-POL-003", "2.3", 110, "low", "low",
             "Did not change her password after a colleague saw her type it in a meeting.",
             decide="recommended", warning="Change a password at once when someone may know it (clause 2.3).",
             signed="signed", outcome="Warning from management recorded."),
    DemoCase("DEDAT", "ICT-POL-001", "4.2", 15, "medium", "low",
             "Found malware on his laptop and tried to remove it himself instead of reporting it.",
             decide="recommended"),
    DemoCase("DLG", "ICT-POL-002", "3.3", 85, "low", "medium",
             "Installed a browser extension that reads every page visited.",
             decide="recommended", warning="Install only software approved by ICT (clause 3.3).", signed="refused"),
    DemoCase("DLG", "ICT-POL-004", "5.2", 8, "medium", "medium",
             "Set up automatic forwarding of all official e-mail to a private address."),
    DemoCase("DOCS", "ICT-POL-001", "4.1", 160, "low", "low",
             "Left a laptop with an unlocked screen in a public meeting room for an hour.",
             decide="recommended", warning="Lock your screen and keep the laptop with you (clause 4.1).",
             signed="signed", outcome="Warning from management recorded."),
    DemoCase("DOCS", "ICT-POL-003", "2.1", 55, "low", "low",
             "Set a six-character password by having the Service Desk override the length rule.",
             decide="management_warning", reason="The Service Desk agent's override is the larger fault; the "
             "employee gets counselling, the agent's case is separate.",
             warning="Passwords have at least 12 characters (clause 2.1).", signed="signed"),
    DemoCase("DEA&DP", "ICT-POL-004", "5.3", 35, "medium", "high",
             "Entered her credentials on a phishing page; the account sent 400 spam messages before it was locked.",
             decide="recommended"),
    DemoCase("DEA&DP", "ICT-POL-007", "6.2", 230, "low", "medium",
             "As plan owner, skipped the yearly disaster-recovery test without telling anyone.",
             decide="recommended", warning="The disaster recovery plan is tested once a year (clause 6.2).",
             signed="signed", outcome="Warning from management recorded; the test was held a month later."),
    DemoCase("PT", "ICT-POL-003", "2.2", 3, "low", "medium",
             "Shared a login to the budget system with a colleague so that she could approve while he was ill."),
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
        severity=demo.severity, security_risk=demo.risk, asset_tag=demo.asset_tag), actor=None,
        today=min(today, incident + timedelta(days=1)))
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
    done_on = _later_steps(demo, case, decided_on, today)
    if demo.procedure:
        done_on = max(done_on, _disciplinary_steps(demo, case, decided_on, today))
    if demo.outcome:
        services.close_case(case, demo.outcome, expected_version=case.version, actor=None,
                            today=min(today, max(done_on, decided_on + timedelta(days=7))))
    return case


def _later_steps(demo: DemoCase, case: PolicyCase, decided_on: date, today: date) -> date:
    """Revoking privileges and training, as the demo case says; the day the last of them was done."""
    done_on = decided_on
    if demo.revoke:
        revocation = privileges.revoke_privileges(case, privileges.RevocationInput(
            list(demo.revoke), decided_on, decided_on + timedelta(days=demo.revoke_days), True,
            "The employee's work does not need it: a colleague helps with the rare exception."),
            actor=None, today=today)
        if demo.restored:
            done_on = min(today, revocation.ends_on)
            privileges.record_restoration(case, revocation.id, done_on, actor=None, today=today)
    if demo.training:
        training = privileges.assign_training(case, demo.training, "ICT Security Office",
                                              decided_on + timedelta(days=30), actor=None, today=decided_on)
        if demo.trained:
            done_on = min(today, decided_on + timedelta(days=14))
            privileges.record_training_completion(case, training.id, done_on, actor=None, today=today)
    return done_on


def _disciplinary_steps(demo: DemoCase, case: PolicyCase, decided_on: date, today: date) -> date:
    """The disciplinary procedure: "full" to the appeal's outcome (a dismissal), "flagged" to the written
    outcome with a hearing two working days after the notice, gone ahead with a reason on record."""
    full = demo.procedure == "full"
    started = decided_on + timedelta(days=1)
    disciplinary.record_investigation(case, investigator="Lerato Mokoena (ICT Security Office)", started_on=started,
                                      actor=None, today=today)
    if full:
        disciplinary.record_suspension(case, disciplinary.SuspensionInput(
            started, None, started + timedelta(days=14), True,
            "Administrator access to the firewall and the VPN: the logs must be kept intact while the inquiry is "
            "pending."), actor=None)
    completed = started + timedelta(days=(6 if full else 2))
    disciplinary.complete_investigation(case, completed_on=completed, findings="The VPN and firewall logs show the "
                                        "account created and used; the change register has no request for it."
                                        if full else "The mail gateway log shows the report forwarded to the "
                                        "bidder's address.", actor=None, today=today)
    # The "flagged" employee is a NEHAWU shop steward: the union is told before the notice (Sch 8 item 4(2)).
    union = disciplinary.UnionInput(False) if full else disciplinary.UnionInput(
        True, "NEHAWU", completed, "Mr L. Jacobs (branch secretary)",
        "Letter delivered by hand to the branch office; the branch raised no objection to the hearing going ahead.")
    disciplinary.record_union_status(case, union, actor=None, today=today)
    disciplinary.add_allegation(case, f"On {case.incident_on.isoformat()} you {case.description[0].lower()}"
                                      f"{case.description[1:]}", actor=None)
    issued = fairness.add_working_days(completed, 1)
    hearing_on = fairness.add_working_days(issued, 5 if full else 2)
    language = case.employee.language or "English"
    disciplinary.issue_notice(case, disciplinary.NoticeInput(
        issued, hearing_on, "10:00", "Boardroom 3, head office", language, "Ms P. Mahlangu (Director: "
        "Corporate Services)", issued_by_name="Nomsa Dube", issued_by_position="HR Practitioner"),
        override_reason="" if full else "The employee asked in writing for an early hearing: the tender award "
        "waits on the outcome, and her representative was available.", actor=None, today=today)
    disciplinary.record_hearing(case, disciplinary.HearingInput(
        hearing_on, "Ms P. Mahlangu", attendees="Chair, initiator (HR), the employee, her shop steward, a minute-taker",
        representative="Shop steward (NEHAWU)", interpreter="",
        employee_response="Admitted the conduct; said it was a mistake." if not full else
        "Admitted creating the account; said the contractor still had work to finish.",
        evidence_summary="The logs, the change register and the investigator's report."), actor=None, today=today)
    allegation = case.allegations[0]
    disciplinary.record_finding(case, allegation.id, finding="guilty", reasons="Admitted, and the logs confirm it.",
                                actor=None)
    decided = hearing_on + timedelta(days=2)
    disciplinary.record_sanction(case, disciplinary.SanctionInput(
        "dismissal" if full else "final_written_warning",
        "Access control on the perimeter was bypassed deliberately by the administrator entrusted with it, and an "
        "outsider had remote access for 11 days; the trust the role needs is gone." if full else
        "Confidential procurement information reached a bidder; she admitted it at once and has a clean record.",
        decided, True, True, True, True, True,
        rule_importance="The perimeter's access control protects every system of the department." if full else
        "Confidentiality of bids is required by the supply chain management regulations.",
        harm_caused="An outsider had VPN access for 11 days; no misuse found." if full else
        "The tender may have to be cancelled and re-advertised.",
        representations_on_sanction=True, clean_record=True if full else None, service_years=11 if full else None,
        record_weighed="Eleven years' clean service weigh for her, but the deliberate bypass of the controls she was "
        "trusted to keep outweighs them: no lesser sanction would restore the trust the role needs." if full else "",
        wrongdoing_acknowledged=not full,
        business_impact="Every remote session had to be reviewed and the VPN's accounts audited." if full else
        "The tender's award is delayed while the procurement committee decides whether to re-advertise."),
        override_reason="The ICT policy briefing register signed on appointment is on the personnel file; the "
        "earlier cases for the clause involved no confidential information.", actor=None, today=today)
    outcome_on = decided + timedelta(days=1)
    disciplinary.record_outcome_issued(case, issued_on=outcome_on, referral_notice_given=True, actor=None,
                                       today=today)
    if not full:
        return outcome_on
    lodged = outcome_on + timedelta(days=5)
    disciplinary.record_appeal(case, lodged_on=lodged, grounds="The sanction is too harsh for a first offence "
                               "with eleven years' clean service.", actor=None, today=today)
    disciplinary.record_appeal_outcome(case, outcome="dismissed", outcome_on=lodged + timedelta(days=14),
                                       chair="Dr N. Petersen", chair_position="Head of Department", chair_senior=True,
                                       reasons="The chair weighed the years of service against the role's trust "
                                       "and the harm; the dismissal was fair.", actor=None, today=today)
    return lodged + timedelta(days=14)


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
