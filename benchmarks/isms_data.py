"""The management system at benchmark size (issue 19): three years of internal audits, 500
nonconformities, 36 months of measurements, objectives, the context and management reviews.

On top of the demo seed's ISMS year, everything goes through the registers' own services, dated on
the day each step happened (`today=` as the demo seeds do), so every row, status and audit entry is
what the app writes; the volumes are small enough (a few thousand service calls) that bulk writing
would save seconds only. In this order:

- the context: issues up to 30, interested parties up to 20 with 1-4 requirements each (met by
  applicable Annex A and internal controls), five more ISMS roles and their holders;
- internal audits: the cycle before the demo's (a programme per cycle), and about one audit a month
  over three years: the ISMS clauses, a theme of Annex A, a department's internal controls, and once
  a year the whole ISMS (every clause and applicable control, ~110 lines). Each is planned a month
  ahead, started, its checklist filled (results mostly conforming, some findings, evidence of the
  control examined) and its report issued (the findings raised into the register on that day) and,
  after a few months, closed; the latest is in progress, half filled in, and two are planned;
- nonconformities up to 500 from every source, raised over three years (more recently more), each
  taken as far as its age makes likely: analysed, corrective actions added and done, the
  effectiveness reviewed (sometimes not effective first) and closed; some overdue;
- metrics: two more, and every metric measured monthly for 36 months (by hand, or computed from the
  registers as of each month's end where they keep dates); objectives up to 15 with their status
  history;
- management reviews: four before the demo's two, every six months, each with its pack compiled a
  week before the meeting, decisions and actions, minutes and approval; and the next one planned,
  whose pack the benchmark compiles.

check_isms() then verifies the counts and the states in SQL. The data is the same on every run
(fixed random seed, dates relative to today).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace

import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.auth.models import Department, Role, User
from app.auth.services import find_user_by_email
from app.common import uploads
from app.common.timeutil import add_months, local_today
from app.context import services as context
from app.context.models import ContextIssue, InterestedParty, IsmsRole, PartyRequirement
from app.controls.clauses import MANAGEMENT_CLAUSES
from app.controls.models import Control, ControlSource, Evidence, SoaEntry, evidence_control
from app.extensions import db
from app.internal_audits import report as audit_report
from app.internal_audits import services as audits
from app.internal_audits.models import AuditProgramme, AuditStatus, ChecklistLine, InternalAudit
from app.nonconformities import services as ncs
from app.nonconformities.models import (
    CorrectiveAction,
    CorrectiveActionStatus,
    EffectivenessReview,
    Nonconformity,
    NonconformitySource,
    NonconformityStatus,
)
from app.objectives import periods
from app.objectives import services as objectives
from app.objectives.computations import COMPUTATIONS
from app.objectives.models import Frequency, Measurement, Metric, Objective, ObjectiveStatus, ObjectiveStatusChange
from app.reviews import services as reviews
from app.reviews.models import ActionStatus, ManagementReview, ReviewAction, ReviewStatus

ISMS_SEED = 27190  # the same management system on every run
CONTEXT_ISSUES = 30
INTERESTED_PARTIES = 20
NONCONFORMITIES = 500
MEASURED_MONTHS = 36
OBJECTIVES = 15
YEARS_OF_AUDITS = 3
DEMO_AUDIT_MONTHS = {7, 3}  # months ago the demo's two audits started: no generated audit then
COMMIT_EVERY = 50  # service calls' work committed in batches, as a long session of clicks would be

# --- the context ---------------------------------------------------------------------------------

ISSUE_TOPICS = [
    ("external", "Load-shedding beyond stage 4", "Sites without generators lose network and monitoring; UPS "
     "autonomy and the continuity plans of key applications are tested against longer outages."),
    ("external", "Ransomware attacks on other provinces and municipalities", "Threat intelligence shared through "
     "the government CSIRT; backups kept offline; incident response exercised."),
    ("external", "Information Regulator enforcement notices", "POPIA compliance of every register of personal "
     "information; breach notification within the Regulator's expectations."),
    ("external", "Exchange rate and licence cost increases", "Security tooling licences compete with other ICT "
     "spending; the risk register names what is not renewed."),
    ("external", "Skills shortage in the cyber-security market", "Reliance on suppliers for specialist skills; "
     "competence (7.2) planned with tertiary institutions."),
    ("external", "Cable theft and vandalism at remote sites", "Availability of broadband sites; physical security "
     "(7.x) of cabinets and masts."),
    ("external", "Cloud providers' changes to shared-responsibility terms", "Supplier agreements (5.20) and cloud "
     "security (5.23) reviewed with each renewal."),
    ("external", "Phishing campaigns impersonating the province", "Awareness (7.3) and e-mail protection; reports "
     "from residents taken as interested-party feedback."),
    ("external", "National directives on government ICT (DPSA)", "Policies aligned with the corporate governance "
     "of ICT framework; compliance reported to the ISMS forum."),
    ("external", "Audit findings of the Auditor-General on ICT controls", "Access, change and continuity controls "
     "evidenced in Khusela; findings tracked as nonconformities."),
    ("internal", "Staff turnover in the ICT security team", "Documented procedures and deputies for every control "
     "owner; knowledge transfer before leaving."),
    ("internal", "Hybrid work and personal devices", "Remote access (6.7), device management and acceptable use "
     "(5.10) cover home offices."),
    ("internal", "Legacy applications without vendor support", "Compensating controls and isolation until "
     "replaced; risk acceptance by the accounting officer."),
    ("internal", "Departments' own ICT purchases (shadow IT)", "The CMDB and the procurement process must see every "
     "system that holds provincial information."),
    ("internal", "Budget cuts to ICT maintenance", "Patching and refresh slip; the risk owners decide what waits."),
    ("internal", "Paper records still used in clinics", "Physical protection and classification of paper records "
     "(5.12, 7.10) until digitised."),
    ("internal", "Reorganisation of departments", "Role holders, owners and access rights reviewed after each "
     "change of structure."),
    ("internal", "Limited logging on older systems", "Logging (8.15) and monitoring (8.16) gaps named in the "
     "treatment plan."),
    ("internal", "Manual joiner-mover-leaver process", "Access rights removed late for leavers (5.18); automation "
     "planned with the identity directory."),
    ("internal", "Business continuity plans not tested in two years", "ICT readiness for business continuity "
     "(5.30) exercised each year."),
]
PARTY_SPECS = [
    ("National Treasury", "government", "Sets the financial systems (BAS, PERSAL) the province runs on."),
    ("Department of Public Service and Administration", "government", "Issues the public service's ICT "
     "governance framework and directives."),
    ("State Security Agency", "government", "Sets the Minimum Information Security Standards (MISS)."),
    ("Government CSIRT", "government", "Shares threat intelligence and coordinates incident response."),
    ("Internet service providers", "supplier", "Connect the broadband sites and the data centre."),
    ("Managed print service provider", "supplier", "Runs the printers and scanners in every department."),
    ("Software development contractors", "supplier", "Build and maintain the citizen-facing applications."),
    ("Municipalities sharing services", "government", "Share libraries, Thusong and Cape Access centres."),
    ("Patients of provincial health facilities", "public", "Whose health records the clinics and hospitals "
     "keep."),
    ("Learners and parents", "public", "Who use the education department's e-services."),
    ("Provincial Internal Audit", "oversight", "Audits the departments' governance, risk and controls."),
    ("Standing Committee on Premier and Constitutional Matters", "oversight", "The legislature's oversight "
     "of the Department of the Premier."),
]
REQUIREMENTS = [
    ("Personal information is processed lawfully and kept secure.", "POPIA s19"),
    ("Incidents that affect the service are reported within the agreed time.", "Service level agreement"),
    ("Access to shared systems is limited to authorised people and reviewed.", "MISS chapter 6"),
    ("Records are kept for the prescribed period and can be produced on request.", "National Archives Act"),
    ("Services stay available during outages, within the agreed recovery times.", "Service level agreement"),
    ("Security weaknesses found in audits are corrected and reported.", "Public Audit Act"),
    ("Changes to shared systems are planned, tested and approved.", "Change management standard"),
    ("Contractors follow the province's security policies and sign confidentiality undertakings.", "Contract"),
]
ROLE_SPECS = [
    ("Control owner coordinator", "Keeps the control owners' evidence of operation current; chases overdue tests."),
    ("Internal audit lead", "Plans the audit programme's audits with the ISMS manager; trains internal auditors."),
    ("Incident response lead", "Leads the response to information-security incidents out of hours."),
    ("Business continuity coordinator", "Keeps the ICT continuity plans and runs their yearly exercises."),
    ("Deputy information officer (POPIA)", "Handles the Information Regulator and data subjects' requests."),
]

# --- audits ----------------------------------------------------------------------------------------

# How checklist lines turn out (as certification audits find them: mostly conforming).
LINE_RESULTS = [("conforming", 80), ("minor_nc", 6), ("major_nc", 1.5), ("observation", 7), ("opportunity", 5.5)]
FINDING_NOTES = {
    "minor_nc": ["Two of 25 records sampled were not approved before the change was made.",
                 "The review due in the last quarter was not done; the previous one was.",
                 "The procedure is documented but its last version was not communicated to the staff who use it.",
                 "Evidence of operation for one month of the period could not be produced."],
    "major_nc": ["The control is not operating: no records exist for the period audited.",
                 "The requirement is not addressed at all: no process, owner or records."],
    "observation": ["Records exist but are kept in personal mailboxes rather than the shared register.",
                    "The owner relies on one person; no deputy is named."],
    "opportunity": ["Automating the monthly report would save the owner a day each month.",
                    "Reporting the figure against a target would show the trend to the ISMS forum."],
}
THEMES = [("Organisational controls", "5."), ("People controls", "6."), ("Physical controls", "7."),
          ("Technological controls", "8.")]
SUMMARY = ("The scope was audited by interviews with the process and control owners, inspection of records and "
           "evidence in Khusela, and samples of 25 records (or all, when fewer).")
CONCLUSION = ("The areas audited conform to the requirements apart from the findings listed; the corrective actions "
              "of the nonconformities are followed in the register.")

# --- nonconformities ------------------------------------------------------------------------------

SOURCES = [("incident", 30), ("self_identified", 35), ("control_test", 15), ("external_audit", 10),
           ("complaint", 10)]
NC_SUBJECTS = [
    "Leavers' accounts not disabled on time", "Firewall change made without approval", "Backup job failing unnoticed",
    "Visitor register not kept at the server room", "Policy acknowledgements missing for new staff",
    "Unencrypted laptop lost", "Supplier access not reviewed", "Critical patch missed for more than 30 days",
    "Incident not reported within the required time", "Log review not performed for a month",
    "Risk assessment not updated after a change", "Personal information e-mailed to the wrong recipient",
    "Shared administrator password in use", "Training records incomplete", "Asset not recorded in the CMDB",
]
ACTION_TITLES = ["Update the procedure and brief the staff who use it", "Automate the check and alert the owner",
                 "Add the step to the monthly checklist", "Train the team on the revised process",
                 "Review every similar record and correct the others", "Name a deputy for the control owner"]
WHYS = ["The step was not in the procedure.", "The procedure was last revised before the system changed.",
        "Nobody owned the revision after the previous owner left."]


@dataclass
class IsmsReport:
    context_issues: int = 0
    interested_parties: int = 0
    party_requirements: int = 0
    isms_roles: int = 0
    audit_programmes: int = 0
    internal_audits: int = 0
    internal_audits_issued: int = 0
    checklist_lines: int = 0
    nonconformities: int = 0
    nonconformities_from_audits: int = 0
    nonconformities_by_status: dict = field(default_factory=dict)
    corrective_actions: int = 0
    effectiveness_reviews: int = 0
    metrics: int = 0
    measurements: int = 0
    objectives: int = 0
    objective_status_changes: int = 0
    management_reviews: int = 0
    review_actions: int = 0
    audit_entries: int = 0
    seconds: dict = field(default_factory=dict)
    report_render_ms: list[float] = field(default_factory=list)  # issuing each audit report (WeasyPrint)
    # What the measurements need: a large issued audit, an in-progress audit's control line, the next review.
    large_audit_id: int = 0
    open_line: tuple[int, int] = (0, 0)
    next_review_id: int = 0


class People:
    """The demo accounts and the generated ones, by role (ids only: sessions are committed often)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        rows = db.session.execute(sa.select(User.id, User.role, User.department_id).where(User.active.is_(True))
                                  .order_by(User.id)).all()
        self.by_role: dict[str, list[int]] = {}
        self.department: dict[int, int | None] = {}
        for row in rows:
            self.by_role.setdefault(row.role, []).append(row.id)
            self.department[row.id] = row.department_id
        self.demo = {name: find_user_by_email(f"{name}@example.org").id for name in
                     ("officer", "owner", "manager", "hod", "ao", "admin")}
        self.officers = self.by_role[Role.SECURITY_OFFICER.value]
        self.owners = self.by_role[Role.RISK_OWNER.value] + self.by_role[Role.MANAGER.value]
        self.auditors = self.officers + self.owners

    def user(self, user_id: int) -> User:
        return db.session.get_one(User, user_id)

    def pick(self, pool: list[int]) -> int:
        return self.rng.choice(pool)

    def owner_in(self, department_id: int | None) -> int:
        here = [uid for uid in self.owners if self.department[uid] == department_id]
        return self.rng.choice(here or self.owners)


def _commit_now_and_then(counter: list[int]) -> None:
    counter[0] += 1
    if counter[0] % COMMIT_EVERY == 0:
        db.session.commit()


# --- the context --------------------------------------------------------------------------------


def grow_context(rng: random.Random, people: People, controls: list[int], today: date) -> None:
    departments = list(db.session.execute(sa.select(Department.id, Department.code).order_by(Department.id)))
    issues = db.session.scalar(sa.select(sa.func.count(ContextIssue.id)))
    officer = people.user(people.demo["officer"])
    for index in range(max(0, CONTEXT_ISSUES - issues)):
        kind, title, effect = ISSUE_TOPICS[index % len(ISSUE_TOPICS)]
        department = departments[index % len(departments)]
        overdue = index % 7 == 3
        review_on = today - timedelta(days=rng.randint(5, 60)) if overdue else add_months(today, rng.choice((3, 6, 12)))
        context.create_issue(context.IssueInput(
            kind=kind, title=title if index < len(ISSUE_TOPICS) else f"{title} ({department.code})",
            description=f"Raised at the ISMS forum by {department.code}.", effect=effect,
            owner_id=people.owner_in(department.id), review_on=review_on,
            status="retired" if index % 9 == 8 else "active"), actor=officer, today=min(today, review_on))
    parties = db.session.scalar(sa.select(sa.func.count(InterestedParty.id)))
    for name, kind, description in PARTY_SPECS[:max(0, INTERESTED_PARTIES - parties)]:
        party = context.create_party(context.PartyInput(
            name=name, kind=kind, description=description, owner_id=people.pick(people.officers + people.owners),
            review_on=add_months(today, rng.choice((6, 12)))), actor=officer, today=today)
        for text, source in rng.sample(REQUIREMENTS, rng.randint(1, 4)):
            context.add_requirement(party, context.RequirementInput(
                requirement=text, source=source, addressed=rng.random() < 0.75,
                how_addressed="Met through the controls linked and evidenced in Khusela.",
                control_ids=rng.sample(controls, rng.randint(1, 3))), actor=officer)
    for name, responsibilities in ROLE_SPECS:
        role = context.create_role(context.RoleInput(name, responsibilities, ""), actor=officer)
        first, second = rng.sample(people.officers + people.owners, 2)
        changed = add_months(today, -rng.randint(6, 20))
        context.assign_role(role, context.AssignmentInput(
            user_id=first, starts_on=add_months(changed, -rng.randint(12, 24)), ends_on=changed - timedelta(days=1),
            note="Appointment letter on file"), actor=officer)
        context.assign_role(role, context.AssignmentInput(user_id=second, starts_on=changed, note=""), actor=officer)
    db.session.commit()


# --- internal audits ----------------------------------------------------------------------------


@dataclass
class AuditPlan:
    title: str
    criteria: str
    clauses: list[str]
    control_ids: list[int]
    large: bool = False


class AuditPlanner:
    def __init__(self, rng: random.Random, people: People) -> None:
        self.rng, self.people = rng, people
        applicable = audits.applicable_controls()
        self.applicable = [(control.id, control.reference) for control in applicable]
        self.internal = list(db.session.execute(
            sa.select(Control.id, Control.department_id).where(Control.source == ControlSource.INTERNAL,
                                                               Control.active.is_(True)).order_by(Control.id)))
        self.departments = list(db.session.scalars(sa.select(Department.id).order_by(Department.id)))
        self.evidence: dict[int, list[tuple[int, date]]] = {}
        for evidence_id, control_id, evidence_date in db.session.execute(
                sa.select(Evidence.id, evidence_control.c.control_id, Evidence.evidence_date)
                .join(evidence_control, evidence_control.c.evidence_id == Evidence.id)):
            self.evidence.setdefault(control_id, []).append((evidence_id, evidence_date))

    def plan(self, number: int) -> tuple[AuditPlan, list[int]]:
        """The scope of the year's `number`th audit (0-11) and the departments it audits."""
        clauses = [clause.number for clause in MANAGEMENT_CLAUSES]
        if number == 0:
            return AuditPlan("Whole ISMS: clauses 4 to 10 and the applicable Annex A controls",
                             "ISO/IEC 27001:2022; the Statement of Applicability; the Provincial Information "
                             "Security Policy", clauses, [cid for cid, _ in self.applicable], large=True), \
                [self.departments[0]]
        if number == 6:
            return AuditPlan("ISMS clauses 4 to 10", "ISO/IEC 27001:2022 clauses 4 to 10; the ISMS forum's terms of "
                             "reference", clauses, []), [self.departments[0]]
        department = self.rng.choice(self.departments)
        if number % 3 == 2:
            own = [cid for cid, dept in self.internal if dept == department] or [cid for cid, _ in self.internal]
            return AuditPlan("Internal controls of a department", "The department's internal controls as "
                             "documented in the catalogue", [], self.rng.sample(own, min(len(own), 12))), [department]
        theme, prefix = THEMES[number % len(THEMES)]
        in_theme = [cid for cid, reference in self.applicable if reference.startswith(prefix)]
        chosen = sorted(self.rng.sample(in_theme, min(len(in_theme), self.rng.randint(8, 20))))
        extra = self.rng.sample(clauses, 3)
        return AuditPlan(theme, f"ISO/IEC 27001:2022 Annex A {prefix[:-1]}; the related standards and procedures",
                         extra, chosen), [department]

    def evidence_for(self, control_id: int | None, by: date) -> list[int]:
        if control_id is None or self.rng.random() < 0.5:
            return []
        found = [evidence_id for evidence_id, dated in self.evidence.get(control_id, ()) if dated <= by]
        return self.rng.sample(found, min(len(found), self.rng.randint(1, 2)))


def _result(rng: random.Random) -> str:
    return rng.choices([name for name, _ in LINE_RESULTS], weights=[weight for _, weight in LINE_RESULTS])[0]


def _fill_line(rng: random.Random, planner: AuditPlanner, line: ChecklistLine, lead: User, by: date) -> None:
    result = _result(rng)
    notes = rng.choice(FINDING_NOTES[result]) if result != "conforming" else ""
    audits.save_line(line, audits.LineInput(result=result, notes=notes,
                                            evidence_ids=planner.evidence_for(line.control_id, by)),
                     expected_version=line.version, actor=lead)


def _previous_programme(today: date) -> None:
    """The cycle before the demo's (which started ten months ago): a programme per cycle."""
    current = db.session.scalar(sa.select(sa.func.min(AuditProgramme.starts_on)))
    starts = add_months(current, -36)
    officer = db.session.get_one(User, find_user_by_email("officer@example.org").id)
    audits.save_programme(None, audits.ProgrammeInput(
        starts_on=starts, ends_on=current - timedelta(days=1), frequency="Every clause and applicable control once "
        "in the three-year cycle.", methods="Interviews, inspection of records, samples of 25.",
        responsibilities="The security officer keeps the programme."), expected_version=None, actor=officer)


def generate_audits(rng: random.Random, people: People, today: date, report: IsmsReport) -> None:
    _previous_programme(today)
    planner = AuditPlanner(rng, people)
    officer = people.user(people.demo["officer"])
    counter = [0]
    for months_ago in range(12 * YEARS_OF_AUDITS - 1, -3, -1):
        if months_ago in DEMO_AUDIT_MONTHS:
            continue
        # This month's (in progress) audits organisational controls, whose lines offer the most evidence.
        plan, departments = planner.plan(4 if months_ago == 0 else (12 * YEARS_OF_AUDITS - 1 - months_ago) % 12)
        start = add_months(today, -months_ago) + timedelta(days=rng.randint(0, 8))
        end = start + timedelta(days=rng.randint(5, 14) + (10 if plan.large else 0))
        in_progress = months_ago == 0  # this month's: fieldwork started five days ago
        if in_progress:
            start, end = today - timedelta(days=5), today + timedelta(days=5)
        lead_id, *team = rng.sample(people.auditors, 3)
        if in_progress:  # the measured line page is opened by the demo officer: a member of its team
            team = [team[0], people.demo["officer"]]
        internal_audit = audits.plan_audit(audits.AuditInput(
            title=plan.title, criteria=plan.criteria, planned_start=start, planned_end=end, lead_auditor_id=lead_id,
            team_ids=team, department_ids=departments, auditee_contact_id=people.owner_in(departments[0]),
            clauses=plan.clauses, control_ids=plan.control_ids,
            independence_reason="No other trained auditor was free in the audit window; the lead reviewed the "
                                "findings on the controls concerned."), actor=officer,
            today=min(today, start - timedelta(days=30)))
        if start > today:
            continue  # planned
        lead = people.user(lead_id)
        audits.start_audit(internal_audit, expected_version=internal_audit.version, actor=lead, today=start)
        lines = list(internal_audit.lines)
        if in_progress:
            for line in lines[:len(lines) // 2]:
                _fill_line(rng, planner, line, lead, today)
            open_line = next(line for line in lines[len(lines) // 2:] if line.control_id is not None) \
                if any(line.control_id for line in lines[len(lines) // 2:]) else lines[-1]
            report.open_line = (internal_audit.id, open_line.id)
            db.session.commit()
            continue
        for line in lines:
            _fill_line(rng, planner, line, lead, end)
            _commit_now_and_then(counter)
        issued_on = end + timedelta(days=7)
        began = time.perf_counter()
        audits.issue_report(internal_audit, summary=SUMMARY, conclusion=CONCLUSION, actual_end=end,
                            expected_version=internal_audit.version, actor=lead, today=issued_on,
                            render=lambda audited, by=lead.full_name: audit_report.render_report(
                                audited, draft=False, generated_by=by))
        report.report_render_ms.append((time.perf_counter() - began) * 1000)
        if plan.large:
            report.large_audit_id = internal_audit.id
        if add_months(issued_on, 4) < today:
            audits.close_audit(internal_audit, expected_version=internal_audit.version, actor=officer,
                               today=add_months(issued_on, 4))
        db.session.commit()


# --- nonconformities ----------------------------------------------------------------------------


def _days_between(rng: random.Random, start: date, end: date, low: int, high: int) -> date:
    """A day `low`-`high` days after `start`, never after `end`."""
    return min(end, start + timedelta(days=rng.randint(low, high)))


def _fate(rng: random.Random, age: int) -> str:
    """Where a nonconformity of that age stands: older ones are mostly closed."""
    weights = ({"closed": 85, "verifying": 4, "in_progress": 9, "open": 2} if age > 365 else
               {"closed": 60, "verifying": 10, "in_progress": 25, "open": 5} if age > 180 else
               {"closed": 25, "verifying": 15, "in_progress": 45, "open": 15} if age > 60 else
               {"closed": 3, "verifying": 7, "in_progress": 45, "open": 45})
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def raise_others(rng: random.Random, people: People, today: date, controls: list[int]) -> None:
    """Nonconformities from the other sources, up to NONCONFORMITIES in the register."""
    existing = db.session.scalar(sa.select(sa.func.count(Nonconformity.id)))
    clauses = [clause.number for clause in MANAGEMENT_CLAUSES]
    departments = list(db.session.scalars(sa.select(Department.id).order_by(Department.id)))
    officer = people.user(people.demo["officer"])
    counter = [0]
    raised = sorted(today - timedelta(days=int(365 * YEARS_OF_AUDITS * rng.random() ** 1.6))
                    for _ in range(max(0, NONCONFORMITIES - existing)))
    for raised_on in raised:
        source = rng.choices([name for name, _ in SOURCES], weights=[weight for _, weight in SOURCES])[0]
        department = rng.choice(departments) if rng.random() < 0.7 else None
        on_clause = rng.random() < 0.35
        subject = rng.choice(NC_SUBJECTS)
        ncs.raise_nonconformity(ncs.NonconformityInput(
            title=subject, description=f"{subject}: found on {raised_on:%d %B %Y}; the requirement and the records "
                                       "examined are in the source.", source=source,
            severity="major" if rng.random() < 0.12 else "minor",
            source_reference=f"{NonconformitySource(source).label} {raised_on:%Y-%m}",
            clause=rng.choice(clauses) if on_clause else None,
            control_id=None if on_clause else rng.choice(controls), department_id=department,
            owner_id=people.owner_in(department), raised_on=raised_on,
            due_on=raised_on + timedelta(days=rng.choice((30, 60, 90, 120)))), actor=officer, today=raised_on)
        _commit_now_and_then(counter)
    db.session.commit()


def progress_nonconformities(rng: random.Random, people: People, today: date, first_id: int) -> None:
    """Take each generated nonconformity as far as its age makes likely, each step on its own day."""
    ids = list(db.session.scalars(sa.select(Nonconformity.id).where(Nonconformity.id >= first_id)
                                  .order_by(Nonconformity.id)))
    counter = [0]
    for nonconformity_id in ids:
        nonconformity = db.session.get_one(Nonconformity, nonconformity_id)
        _progress(rng, people, nonconformity, today)
        _commit_now_and_then(counter)
    db.session.commit()


def _progress(rng: random.Random, people: People, nonconformity: Nonconformity, today: date) -> None:
    fate = _fate(rng, (today - nonconformity.raised_on).days)
    owner_id = nonconformity.owner_id or people.owner_in(nonconformity.department_id)
    officer = people.user(people.demo["officer"])
    ncs.record_analysis(nonconformity, ncs.AnalysisInput(
        correction="Contained on the day it was found.", five_whys=WHYS[:rng.randint(1, 3)],
        root_cause="The process did not make anyone responsible for the step.",
        similar_elsewhere="Checked in the other departments."), expected_version=nonconformity.version, actor=officer)
    if fate == "open":
        return
    rounds = 2 if fate == "closed" and rng.random() < 0.1 else 1
    planned_on = _days_between(rng, nonconformity.raised_on, today, 3, 20)
    for round_number in range(1, rounds + 1):
        actions = []
        for title in rng.sample(ACTION_TITLES, rng.randint(1, 3)):
            actions.append(ncs.add_action(nonconformity, title=title, owner_id=rng.choice((owner_id, owner_id,
                                                                                             people.pick(people.owners))),
                                          due_on=planned_on + timedelta(days=rng.choice((30, 45, 60, 90))),
                                          actor=officer, today=planned_on))
        if fate == "in_progress":
            for action in actions[:rng.randint(0, len(actions))]:
                ncs.update_own_action(action, expected_version=action.version, status="in_progress",
                                      progress_note="Started.", actor=people.user(action.owner_id),
                                      today=_days_between(rng, planned_on, today, 5, 30))
            return
        done_on = planned_on
        for action in actions:
            done_on = _days_between(rng, done_on, today, 10, 60)
            ncs.update_own_action(action, expected_version=action.version, status="done",
                                  progress_note="Done; the records are attached to the control's evidence.",
                                  actor=people.user(action.owner_id), today=done_on)
        if fate == "verifying":
            return
        reviewer = _independent_reviewer(rng, people, nonconformity)
        reviewed_on = _days_between(rng, done_on, today, 14, 45)
        effective = round_number == rounds
        ncs.record_review(nonconformity, effective=effective, reviewed_on=reviewed_on,
                          note="Sampled the records since the actions were done." if effective else
                          "The same lapse recurred in the sample: the cause was not removed.",
                          expected_version=nonconformity.version, actor=reviewer, today=reviewed_on)
        planned_on = reviewed_on


def _independent_reviewer(rng: random.Random, people: People, nonconformity: Nonconformity) -> User:
    involved = {nonconformity.owner_id, *(action.owner_id for action in nonconformity.actions)}
    return people.user(rng.choice([uid for uid in people.officers if uid not in involved]))


# --- objectives and measurements -------------------------------------------------------------------

MORE_METRICS = [
    objectives.MetricInput(title="Open nonconformities", target=10, direction="lower", unit="nonconformities",
                           description="Nonconformities raised and not yet closed.", computation="open_nonconformities",
                           evaluator_id=None),
    objectives.MetricInput(title="Security incidents resolved within target", target=90, direction="higher", unit="%",
                           description="Information-security incidents resolved within the time their priority "
                                       "allows.", method="The service desk's incident report for the month: incidents "
                                                         "of the security category resolved in time over all.",
                           evaluator_id=None),
]
DATED_COMPUTATIONS = {"evidence_coverage", "policy_acknowledgement_rate", "overdue_treatment_actions",
                      "old_open_nonconformities", "open_nonconformities"}
MORE_OBJECTIVES = [
    ("Certify the ISMS to ISO/IEC 27001:2022", "Stage 1 and stage 2 audits by an accredited certification body."),
    ("Test the ICT continuity plans every year", "A yearly exercise of each key application's recovery."),
    ("Review privileged access every quarter", "Quarterly reviews of administrator accounts on every system."),
    ("Encrypt every laptop", "Full-disk encryption on every corporate and health laptop."),
    ("Close audit findings within 90 days", "Corrective actions of internal and external audit findings on time."),
    ("Log every internet-facing system centrally", "Central logging and alerting for the internet-facing systems."),
    ("Train every system owner in their security duties", "A course and a yearly refresher for system owners."),
    ("Classify the information in every department", "Information classification schemes applied by each "
     "department."),
    ("Replace hardware older than eight years", "The technology refresh of servers and network equipment."),
    ("Screen every supplier with access to personal information", "Security clauses and yearly reviews."),
]
STATUS_PATH = [ObjectiveStatus.ON_TRACK, ObjectiveStatus.AT_RISK, ObjectiveStatus.ON_TRACK]


def generate_metrics(rng: random.Random, people: People, today: date) -> None:
    officer = people.user(people.demo["officer"])
    for data in MORE_METRICS:
        data.evaluator_id = people.demo["officer"]
        if data.computation is None:
            data.measurer_id = people.demo["owner"]
        objectives.create_metric(data, actor=officer)
    current = periods.period_start(today, Frequency.MONTHLY)
    starts = [add_months(current, -months) for months in range(MEASURED_MONTHS - 1, 0, -1)]
    for metric in db.session.scalars(sa.select(Metric).order_by(Metric.id)).all():
        measured = dict(db.session.execute(sa.select(Measurement.period_start, Measurement.value)
                                           .where(Measurement.metric_id == metric.id)).all())
        if metric.computation and current not in measured:
            objectives.record_computed(metric, today)
            measured[current] = db.session.scalar(sa.select(Measurement.value).where(
                Measurement.metric_id == metric.id, Measurement.period_start == current))
        earliest = measured[min(measured)] if measured else metric.target
        missing = [start for start in starts if start not in measured]
        for index, start in enumerate(missing):
            end = periods.period_end(start, Frequency.MONTHLY)
            if metric.computation in DATED_COMPUTATIONS:
                value = COMPUTATIONS[metric.computation].compute(end)
            else:  # worse further back, as the demo's values are: a noisy climb towards the earliest kept
                behind = len(missing) - index
                drift = abs(metric.target - earliest) * 0.02 * behind + 1
                worse = -drift if metric.direction == "higher" else drift
                value = round(max(0.0, earliest + worse + rng.uniform(-1, 1) * drift * 0.3), 1)
                if metric.unit == "%":
                    value = min(100.0, value)
            measurer = None if metric.computation else (people.user(metric.measurer_id) if metric.measurer_id
                                                        else None)
            objectives.add_measurement(metric, start, value=value, measured_on=end,
                                       computed=bool(metric.computation), note="", actor=measurer)
    db.session.commit()


def generate_objectives(rng: random.Random, people: People, today: date) -> None:
    officer = people.user(people.demo["officer"])
    metric_ids = list(db.session.scalars(sa.select(Metric.id).order_by(Metric.id)))
    existing = db.session.scalar(sa.select(sa.func.count(Objective.id)))
    for title, plan in MORE_OBJECTIVES[:max(0, OBJECTIVES - existing)]:
        set_on = add_months(today, -rng.randint(3, MEASURED_MONTHS - 1))
        due_on = add_months(set_on, rng.randint(9, 24))
        owner_id = rng.choice(people.officers + people.owners)
        objective = objectives.create_objective(objectives.ObjectiveInput(
            title=title, due_on=due_on, owner_id=owner_id, plan=plan, resources="Within the ICT budget.",
            evaluation="The linked metrics each month, reported to the ISMS forum.",
            metric_ids=rng.sample(metric_ids, rng.randint(1, 2))), actor=officer, today=set_on)
        on = set_on
        for status in STATUS_PATH[:rng.randint(1, len(STATUS_PATH))]:
            on = min(today, on + timedelta(days=rng.randint(30, 150)))
            objectives.change_status(objective, status.value, on=on, note="Reported at the ISMS forum.",
                                     expected_version=objective.version, actor=people.user(owner_id), today=on)
        if due_on < today:
            finished = ObjectiveStatus.ACHIEVED if rng.random() < 0.6 else ObjectiveStatus.NOT_ACHIEVED
            objectives.change_status(objective, finished.value, on=max(on, due_on), note="Evaluated at its due date.",
                                     expected_version=objective.version, actor=officer, today=max(on, due_on))
    db.session.commit()


# --- management reviews -------------------------------------------------------------------------

REVIEW_MONTHS_AGO = (37, 31, 25, 19)  # before the demo's two (13 months and six weeks ago)
DECISIONS = [("Close the gaps in evidence of operation.", "Chase the control owners with expired evidence"),
             ("Bring the overdue corrective actions back on track.", "Agree new dates with the action owners"),
             ("Strengthen awareness.", "Run a campaign on the month's most clicked phishing theme"),
             ("Renew end-of-support technology.", "Put the refresh plan to the executive committee"),
             ("Improve the audit programme's coverage.", "Plan audits for the controls not yet covered"),
             ("Keep the context current.", "Review the issues and parties overdue for review")]


def generate_reviews(rng: random.Random, people: People, today: date) -> None:
    hod, ao = people.demo["hod"], people.demo["ao"]
    for months_ago in REVIEW_MONTHS_AGO:
        meeting_on = add_months(today, -months_ago)
        review = reviews.create_review(reviews.ReviewInput(
            title=f"Management review {meeting_on:%B %Y}", meeting_on=meeting_on, chair_id=rng.choice((hod, ao)),
            attendee_ids=[people.demo["officer"], people.demo["owner"], *rng.sample(people.officers, 2)],
            external_attendees="Provincial Internal Audit (Department of the Premier)",
            interested_party_feedback="The Auditor-General's management letter and residents' complaints.",
            improvement_opportunities="Automate the evidence reminders."), actor=None)
        reviews.compile_pack(review, as_of=meeting_on - timedelta(days=7), actor=None, today=meeting_on)
        added = [reviews.add_action(review, reviews.ActionInput(decision, title, rng.choice(people.officers +
                                                                                           people.owners),
                                                                meeting_on + timedelta(days=rng.choice((30, 60, 90)))),
                                    actor=None) for decision, title in rng.sample(DECISIONS, rng.randint(3, 6))]
        reviews.record_minutes(review, "The committee considered the review pack and decided the actions below.",
                               expected_version=review.version, actor=None, today=meeting_on)
        chair = people.user(review.chair_id)
        reviews.approve(review, expected_version=review.version, actor=chair)
        for action in added:
            if rng.random() < 0.8:
                closed_on = min(today, action.due_on + timedelta(days=rng.randint(-20, 30)))
                reviews.update_progress(action, status=ActionStatus.DONE.value, closed_on=closed_on,
                                        note="Done and reported to the ISMS forum.",
                                        expected_version=action.version, actor=people.user(action.owner_id),
                                        today=closed_on)
        db.session.commit()


def plan_next_review(people: People, today: date) -> int:
    """The next review, planned: the benchmark compiles its pack (figures and PDF)."""
    review = reviews.create_review(reviews.ReviewInput(
        title=f"Management review {add_months(today, 1):%B %Y}", meeting_on=add_months(today, 1),
        chair_id=people.demo["ao"], attendee_ids=[people.demo["hod"], people.demo["officer"], people.demo["owner"]],
        interested_party_feedback="SITA asked for the firewall change window to be agreed.",
        improvement_opportunities="Report control test results on the dashboard."), actor=None)
    db.session.commit()
    return review.id


# --- all of it ----------------------------------------------------------------------------------


def generate_isms(first_generated_nonconformity: int, *, seed: int = ISMS_SEED) -> IsmsReport:
    """The management system on top of the demo's; `first_generated_nonconformity` is the id of the first
    nonconformity the benchmark raised (the control tests' failures are the first): from there on each is
    taken as far as its age makes likely, the demo's are left as the demo left them."""
    rng = random.Random(seed)
    today = local_today()
    report = IsmsReport()
    audit_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    people = People(rng)
    applicable = list(db.session.scalars(sa.select(SoaEntry.control_id).where(SoaEntry.applicable.is_(True))
                                         .order_by(SoaEntry.control_id)))
    internal = list(db.session.scalars(sa.select(Control.id).where(Control.source == ControlSource.INTERNAL,
                                                                   Control.active.is_(True)).order_by(Control.id)))

    step = time.perf_counter()
    grow_context(rng, people, applicable + internal, today)
    report.seconds["isms_context"] = time.perf_counter() - step

    step = time.perf_counter()
    before_audits = (db.session.scalar(sa.select(sa.func.max(Nonconformity.id))) or 0) + 1
    generate_audits(rng, people, today, report)
    report.nonconformities_from_audits = db.session.scalar(sa.select(sa.func.count(Nonconformity.id)).where(
        Nonconformity.id >= before_audits))
    report.seconds["internal_audits"] = time.perf_counter() - step

    step = time.perf_counter()
    raise_others(rng, people, today, applicable + internal)
    progress_nonconformities(rng, people, today, first_generated_nonconformity)
    report.seconds["nonconformities"] = time.perf_counter() - step

    step = time.perf_counter()
    generate_metrics(rng, people, today)
    generate_objectives(rng, people, today)
    report.seconds["objectives"] = time.perf_counter() - step

    step = time.perf_counter()
    generate_reviews(rng, people, today)
    report.next_review_id = plan_next_review(people, today)
    report.seconds["management_reviews"] = time.perf_counter() - step

    check_isms(today)
    _count(report, audit_before)
    return report


def _count(report: IsmsReport, audit_before: int) -> None:
    def count(model, *where) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))

    report.context_issues, report.interested_parties = count(ContextIssue), count(InterestedParty)
    report.party_requirements, report.isms_roles = count(PartyRequirement), count(IsmsRole)
    report.audit_programmes, report.internal_audits = count(AuditProgramme), count(InternalAudit)
    report.internal_audits_issued = count(InternalAudit, InternalAudit.issued_on.is_not(None))
    report.checklist_lines = count(ChecklistLine)
    report.nonconformities = count(Nonconformity)
    report.nonconformities_by_status = dict(db.session.execute(
        sa.select(Nonconformity.status, sa.func.count()).group_by(Nonconformity.status)).all())
    report.corrective_actions, report.effectiveness_reviews = count(CorrectiveAction), count(EffectivenessReview)
    report.metrics, report.measurements = count(Metric), count(Measurement)
    report.objectives, report.objective_status_changes = count(Objective), count(ObjectiveStatusChange)
    report.management_reviews, report.review_actions = count(ManagementReview), count(ReviewAction)
    report.audit_entries = count(AuditEntry) - audit_before


def check_isms(today: date) -> None:
    """The generated management system is what the registers allow: counts, states and their dates."""
    count = sa.func.count
    unfinished = (CorrectiveActionStatus.PLANNED.value, CorrectiveActionStatus.IN_PROGRESS.value)
    measured = sa.select(Measurement.metric_id, count().label("n")).group_by(Measurement.metric_id).subquery()
    current_round = sa.and_(CorrectiveAction.nonconformity_id == Nonconformity.id,
                            CorrectiveAction.action_round == Nonconformity.action_round)
    checks = {
        "nonconformities": (sa.select(count()).select_from(Nonconformity), NONCONFORMITIES),
        "nonconformities without their creation entry in the audit log": (
            sa.select(count()).select_from(Nonconformity).where(~sa.cast(Nonconformity.id, sa.String).in_(
                sa.select(AuditEntry.entity_id).where(AuditEntry.entity_type == "nonconformity",
                                                      AuditEntry.action == "create"))), 0),
        "closed nonconformities without an effective review on or before their closing": (
            sa.select(count()).select_from(Nonconformity).where(
                Nonconformity.status == NonconformityStatus.CLOSED.value,
                ~sa.exists().where(EffectivenessReview.nonconformity_id == Nonconformity.id,
                                   EffectivenessReview.effective.is_(True),
                                   EffectivenessReview.reviewed_on <= Nonconformity.closed_on)), 0),
        "nonconformities closed before raised, or dated in the future": (
            sa.select(count()).select_from(Nonconformity).where(sa.or_(
                Nonconformity.closed_on < Nonconformity.raised_on, Nonconformity.raised_on > today,
                Nonconformity.closed_on > today)), 0),
        "nonconformities awaiting review with an unfinished action": (
            sa.select(count()).select_from(Nonconformity).where(
                Nonconformity.status == NonconformityStatus.VERIFYING.value,
                sa.exists().where(current_round, CorrectiveAction.status.in_(unfinished))), 0),
        "nonconformities with actions in progress but none unfinished": (
            sa.select(count()).select_from(Nonconformity).where(
                Nonconformity.status == NonconformityStatus.ACTION_IN_PROGRESS.value,
                ~sa.exists().where(current_round, CorrectiveAction.status.in_(unfinished))), 0),
        "metrics measured for fewer than 36 months": (
            sa.select(count()).select_from(Metric).outerjoin(measured, measured.c.metric_id == Metric.id).where(
                sa.func.coalesce(measured.c.n, 0) < MEASURED_MONTHS - 1), 0),
        "issued audits with a line without a result": (
            sa.select(count()).select_from(ChecklistLine).join(InternalAudit).where(
                InternalAudit.status.in_((AuditStatus.REPORTED.value, AuditStatus.CLOSED.value)),
                ChecklistLine.result.is_(None)), 0),
        "issued audits' nonconforming lines not raised": (
            sa.select(count()).select_from(ChecklistLine).join(InternalAudit).where(
                InternalAudit.status.in_((AuditStatus.REPORTED.value, AuditStatus.CLOSED.value)),
                ChecklistLine.result.in_(("major_nc", "minor_nc")), ChecklistLine.nonconformity_id.is_(None)), 0),
        "audits outside their programme's cycle": (
            sa.select(count()).select_from(InternalAudit).join(AuditProgramme).where(sa.or_(
                InternalAudit.planned_start < AuditProgramme.starts_on,
                InternalAudit.planned_start > AuditProgramme.ends_on)), 0),
        "held reviews without a pack": (
            sa.select(count()).select_from(ManagementReview).where(
                ManagementReview.status.in_((ReviewStatus.HELD.value, ReviewStatus.APPROVED.value)),
                ManagementReview.pack == None), 0),  # noqa: E711 (SQL IS NULL through the relationship)
        "objectives whose status is not their latest history entry": (
            sa.select(count()).select_from(Objective).where(Objective.status != sa.select(
                ObjectiveStatusChange.status).where(ObjectiveStatusChange.objective_id == Objective.id).order_by(
                ObjectiveStatusChange.changed_on.desc(), ObjectiveStatusChange.id.desc()).limit(1)
                .scalar_subquery()), 0),
    }
    for name, (statement, expected) in checks.items():
        found = db.session.scalar(statement)
        if found != expected:
            raise RuntimeError(f"Generated ISMS: {found} {name}, expected {expected}")
    statuses = set(db.session.scalars(sa.select(Nonconformity.status).distinct()))
    if statuses != {status.value for status in NonconformityStatus}:
        raise RuntimeError(f"Generated ISMS: nonconformities only in {sorted(statuses)}, expected every status")
    for sha256 in db.session.scalars(sa.select(InternalAudit.report_sha256).where(
            InternalAudit.report_sha256.is_not(None))):
        if not uploads.stored_path(sha256).is_file():
            raise RuntimeError(f"Generated ISMS: the issued audit report {sha256} is not in the evidence store")


def summary_of(report: IsmsReport) -> SimpleNamespace:
    return SimpleNamespace(**{key: value for key, value in vars(report).items()
                              if key not in ("seconds", "report_render_ms", "open_line")})
