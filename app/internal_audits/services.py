"""Use cases of internal audit (ISO/IEC 27001:2022 9.2): the programme of a cycle, planning an audit
with its scope and auditors (objectivity checked: 9.2.1), the checklist, findings raised into the
nonconformity register, and issuing the report, after which the audit and its checklist are frozen.

Services flush and record their audit entries; the caller commits once (app.common.saving)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.admin import settings
from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import Department, Role, User
from app.auth.permissions import INTERNAL_AUDIT_CONDUCT
from app.common import uploads
from app.common.models import RuleError, StaleEditError
from app.common.timeutil import add_months, local_today, start_of_local_day, utcnow
from app.common.transactions import lock_chain_tail, lock_row
from app.controls.clauses import CLAUSES_BY_NUMBER, MANAGEMENT_CLAUSES
from app.controls.models import Control, ControlSource, Evidence, SoaEntry
from app.extensions import db
from app.internal_audits.models import (
    AuditProgramme,
    AuditStatus,
    ChecklistLine,
    InternalAudit,
    LineResult,
)
from app.nonconformities import services as nonconformities
from app.nonconformities.models import Nonconformity, NonconformitySource

# Settings this register owns (app.admin.settings: a register passes its own defaults).
CYCLE_YEARS = "internal_audit_cycle_years"
NOTICE_DAYS = "internal_audit_notice_days"
SETTING_DEFAULTS = {CYCLE_YEARS: 3, NOTICE_DAYS: 14}
# Who may be an internal auditor: anyone who runs or owns part of the ISMS. Not the `auditor` role (the
# certification auditor, who reads and never writes) and not HR.
AUDITOR_ROLES = (Role.ADMIN, Role.SECURITY_OFFICER, Role.RISK_OWNER, Role.MANAGER)
# Programme gaps are told to the security officers once a month in the cycle's last months.
GAP_WARNING_MONTHS = 6

PROGRAMME_FIELDS = ["starts_on", "ends_on", "frequency", "methods", "responsibilities"]
AUDIT_FIELDS = ["reference", "title", "criteria", "planned_start", "planned_end", "actual_start", "actual_end",
                "status", "lead_auditor_id", "auditee_contact_id", "independence_conflicts", "independence_reason",
                "independence_accepted_by_id", "summary", "conclusion", "issued_on", "issued_by_id", "report_sha256",
                "closed_on"]
LINE_FIELDS = ["result", "notes", "file_sha256", "file_name", "nonconformity_id"]


class InternalAuditRuleError(RuleError):
    pass


# What a button (start, close, raise) hands back to be flashed: a broken rule, or a stale page.
REFUSALS = (InternalAuditRuleError, StaleEditError, StaleDataError)


def setting(key: str) -> int:
    return int(settings.get(key, SETTING_DEFAULTS[key]))


# --- reading ---------------------------------------------------------------------------------------


def _audit_page_loads() -> list:
    """What an audit's pages and report show, loaded up front: a fixed number of queries however long its
    checklist. Built when asked (building them at import would configure the mappers before every model
    is imported)."""
    lines = selectinload(InternalAudit.lines)
    return [selectinload(InternalAudit.team), selectinload(InternalAudit.departments),
            lines.selectinload(ChecklistLine.control).selectinload(Control.soa_entry),
            lines.selectinload(ChecklistLine.evidence), lines.selectinload(ChecklistLine.nonconformity)]


def get_audit_or_403(user: User, audit_id: int, need: str) -> InternalAudit:
    """The audit, or 404. Reading and managing reach every audit (the route's permission decides);
    conducting one (its checklist, its report) is for its lead auditor and team only (403)."""
    internal_audit = db.session.get(InternalAudit, audit_id, options=_audit_page_loads())
    if internal_audit is None:
        abort(404)
    if need == INTERNAL_AUDIT_CONDUCT and not internal_audit.is_auditor(user):
        abort(403)
    return internal_audit


def get_line_or_403(user: User, audit_id: int, line_id: int, need: str) -> tuple[InternalAudit, ChecklistLine]:
    """The line of that audit (a line of another audit is 404, whoever asks), then as get_audit_or_403."""
    line = db.session.get(ChecklistLine, line_id)
    if line is None or line.audit_id != audit_id:
        abort(404)
    return get_audit_or_403(user, audit_id, need), line


def auditor_candidates(keep_ids: tuple[int, ...] = ()) -> list[User]:
    """Active users of the roles that may audit, by name (and anyone already chosen)."""
    chosen = sa.or_(sa.and_(User.active.is_(True), User.role.in_([role.value for role in AUDITOR_ROLES])),
                    User.id.in_(keep_ids))
    return list(db.session.scalars(sa.select(User).where(chosen).order_by(sa.func.lower(User.full_name), User.id)))


def applicable_controls() -> list[Control]:
    """The Annex A controls the Statement of Applicability includes (applicable = yes), in reference order."""
    return list(db.session.scalars(
        sa.select(Control).join(SoaEntry, SoaEntry.control_id == Control.id)
        .where(Control.source == ControlSource.ANNEX_A, SoaEntry.applicable.is_(True)).order_by(Control.sort_key)))


def scope_controls(keep_ids: tuple[int, ...] = ()) -> list[Control]:
    """What an audit's scope may name: the applicable Annex A controls and the internal controls in use
    (and any already in the scope)."""
    applicable = sa.select(SoaEntry.control_id).where(SoaEntry.applicable.is_(True))
    choosable = sa.or_(sa.and_(Control.source == ControlSource.ANNEX_A, Control.id.in_(applicable)),
                       sa.and_(Control.source != ControlSource.ANNEX_A, Control.active.is_(True)),
                       Control.id.in_(keep_ids))
    return list(db.session.scalars(sa.select(Control).where(choosable).order_by(Control.catalogue, Control.sort_key)))


# --- the programme ---------------------------------------------------------------------------------


def current_programme(today: date | None = None) -> AuditProgramme | None:
    """The cycle `today` falls in; else the one that began last (a cycle ended and no new one yet)."""
    today = today or local_today()
    running = db.session.scalar(sa.select(AuditProgramme).where(AuditProgramme.starts_on <= today,
                                                                AuditProgramme.ends_on >= today)
                                .order_by(AuditProgramme.starts_on.desc()).limit(1))
    return running or db.session.scalar(sa.select(AuditProgramme).order_by(AuditProgramme.starts_on.desc()).limit(1))


def programmes() -> list[AuditProgramme]:
    return list(db.session.scalars(sa.select(AuditProgramme).order_by(AuditProgramme.starts_on.desc())))


@dataclass
class ProgrammeInput:
    starts_on: date | None
    ends_on: date | None
    frequency: str = ""
    methods: str = ""
    responsibilities: str = ""


def _programme_problems(data: ProgrammeInput, programme: AuditProgramme | None) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    if data.starts_on is None:
        problems.append(("starts_on", "Enter the date the cycle starts."))
    if data.ends_on is None:
        problems.append(("ends_on", "Enter the date the cycle ends."))
    if data.starts_on and data.ends_on:
        if data.ends_on <= data.starts_on:
            problems.append(("ends_on", "The cycle must end after it starts."))
        overlapping = sa.select(AuditProgramme.id).where(AuditProgramme.starts_on <= data.ends_on,
                                                         AuditProgramme.ends_on >= data.starts_on)
        if programme is not None:
            overlapping = overlapping.where(AuditProgramme.id != programme.id)
        if db.session.scalar(overlapping.limit(1)) is not None:
            problems.append(("starts_on", "Another cycle of the audit programme covers some of these dates; a "
                                          "cycle starts after the one before it ends."))
        if programme is not None:
            outside = [a.reference for a in audits_of(programme)
                       if not data.starts_on <= a.planned_start <= data.ends_on]
            if outside:
                problems.append(("ends_on", f"Audits {', '.join(outside)} are planned outside these dates; move them "
                                            "first."))
    return problems


def save_programme(programme: AuditProgramme | None, data: ProgrammeInput, *, expected_version, actor: User
                   ) -> AuditProgramme:
    """A new cycle (programme None), or the current one edited."""
    if programme is not None:
        programme.check_version(expected_version, "audit programme")
    problems = _programme_problems(data, programme)
    if problems:
        raise InternalAuditRuleError(problems)
    before = audit.snapshot(programme, PROGRAMME_FIELDS) if programme else {}
    if programme is None:
        programme = AuditProgramme()
        db.session.add(programme)
    programme.starts_on, programme.ends_on = data.starts_on, data.ends_on  # type: ignore[assignment]  # checked above
    programme.frequency, programme.methods = data.frequency.strip(), data.methods.strip()
    programme.responsibilities = data.responsibilities.strip()
    db.session.flush()
    changes = audit.diff(before, audit.snapshot(programme, PROGRAMME_FIELDS))
    if changes:
        audit.record(AuditAction.UPDATE if before else AuditAction.CREATE, "audit_programme", programme.id,
                     changes=changes, summary=f"{'Changed' if before else 'Started'} the {programme}", actor=actor)
    return programme


def suggested_cycle(today: date) -> tuple[date, date]:
    """A new cycle's dates: from the day after the last one ended (else today), for the setting's years."""
    last = db.session.scalar(sa.select(sa.func.max(AuditProgramme.ends_on)))
    start = max(today, date.fromordinal(last.toordinal() + 1)) if last else today
    return start, date.fromordinal(add_months(start, 12 * setting(CYCLE_YEARS)).toordinal() - 1)


def audits_of(programme: AuditProgramme) -> list[InternalAudit]:
    return list(db.session.scalars(sa.select(InternalAudit).where(InternalAudit.programme_id == programme.id)
                                   .order_by(InternalAudit.planned_start, InternalAudit.id)
                                   .options(selectinload(InternalAudit.lead_auditor))))


@dataclass
class CoverageRow:
    """One clause or applicable control of the programme, and the audits of the cycle covering it."""

    subject: str  # "4.1" or "A.5.15"
    title: str
    control: Control | None
    audits: list[InternalAudit] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return any(a.frozen for a in self.audits)

    @property
    def planned(self) -> bool:
        return bool(self.audits)


@dataclass
class Coverage:
    clauses: list[CoverageRow]
    controls: list[CoverageRow]

    @property
    def rows(self) -> list[CoverageRow]:
        return self.clauses + self.controls

    @property
    def gaps(self) -> list[CoverageRow]:
        return [row for row in self.rows if not row.planned]

    @property
    def done_count(self) -> int:
        return sum(1 for row in self.rows if row.done)


def coverage(programme: AuditProgramme) -> Coverage:
    """Every clause 4.1-10.2 and every applicable Annex A control (the SoA's "yes"), each with the
    audits of the cycle whose scope names it: an Annex A control counts as covered by an audit of an
    internal control implementing it too. Three queries whatever the size of the programme."""
    audits = {a.id: a for a in audits_of(programme)}
    by_clause: dict[str, list[InternalAudit]] = {}
    by_control: dict[int, list[InternalAudit]] = {}
    if audits:
        lines = db.session.execute(sa.select(ChecklistLine.audit_id, ChecklistLine.clause, ChecklistLine.control_id)
                                   .where(ChecklistLine.audit_id.in_(list(audits)))
                                   .order_by(ChecklistLine.audit_id)).all()
        internal_ids = {control_id for _, _, control_id in lines if control_id is not None}
        implements = _annex_a_implemented(internal_ids)
        for audit_id, clause, control_id in lines:
            keys = [clause] if clause else []
            targets = [control_id, *implements.get(control_id, ())] if control_id is not None else []
            for key in keys:
                _add_once(by_clause.setdefault(key, []), audits[audit_id])
            for target in targets:
                _add_once(by_control.setdefault(target, []), audits[audit_id])
    clauses = [CoverageRow(clause.number, clause.title, None, by_clause.get(clause.number, []))
               for clause in MANAGEMENT_CLAUSES]
    controls = [CoverageRow(f"A.{control.reference}", control.title, control, by_control.get(control.id, []))
                for control in applicable_controls()]
    return Coverage(clauses, controls)


def _add_once(audits: list[InternalAudit], internal_audit: InternalAudit) -> None:
    if internal_audit not in audits:
        audits.append(internal_audit)


def _annex_a_implemented(control_ids: set[int]) -> dict[int, list[int]]:
    from app.controls.models import control_mapping

    if not control_ids:
        return {}
    mapped: dict[int, list[int]] = {}
    for internal_id, annex_id in db.session.execute(
            sa.select(control_mapping.c.internal_control_id, control_mapping.c.annex_a_control_id)
            .where(control_mapping.c.internal_control_id.in_(control_ids))):
        mapped.setdefault(internal_id, []).append(annex_id)
    return mapped


# --- planning an audit -----------------------------------------------------------------------------


@dataclass
class AuditInput:
    title: str
    criteria: str
    planned_start: date | None
    planned_end: date | None
    lead_auditor_id: int | None
    team_ids: list[int] = field(default_factory=list)
    department_ids: list[int] = field(default_factory=list)
    auditee_contact_id: int | None = None
    clauses: list[str] = field(default_factory=list)
    control_ids: list[int] = field(default_factory=list)
    independence_reason: str = ""


@dataclass(frozen=True)
class Conflict:
    """An auditor who would audit their own work (9.2.1: objectivity and impartiality)."""

    auditor: str
    what: str

    def __str__(self) -> str:
        return f"{self.auditor} {self.what}"


def conflicts_of(auditors: list[User], controls: list[Control], departments: list[Department],
                 auditee_contact_id: int | None) -> list[Conflict]:
    """Each auditor who owns a control in scope (the catalogue's owner or the SoA row's), belongs to an
    auditee department, or is the auditee's nominated person (the owner of the findings)."""
    department_ids = {department.id for department in departments}
    found = []
    for auditor in auditors:
        for control in controls:
            soa_owner = control.soa_entry.owner_id if control.soa_entry else None
            if auditor.id in (control.owner_id, soa_owner):
                found.append(Conflict(auditor.full_name, f"owns control {control.reference} {control.title}"))
        if auditor.department_id in department_ids and auditor.department is not None:
            found.append(Conflict(auditor.full_name, f"works in the audited department {auditor.department.code}"))
        if auditor.id == auditee_contact_id:
            found.append(Conflict(auditor.full_name, "is the auditee's nominated person for the findings"))
    return found


def _users(ids: list[int]) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.id.in_(set(ids))).order_by(User.full_name))) \
        if ids else []


def _controls(ids: list[int]) -> list[Control]:
    return list(db.session.scalars(sa.select(Control).where(Control.id.in_(set(ids)))
                                   .options(selectinload(Control.soa_entry))
                                   .order_by(Control.catalogue, Control.sort_key))) if ids else []


def _departments(ids: list[int]) -> list[Department]:
    return list(db.session.scalars(sa.select(Department).where(Department.id.in_(set(ids)))
                                   .order_by(Department.code))) if ids else []


def _plan_problems(data: AuditInput, lead: User | None, team: list[User], controls: list[Control],
                   departments: list[Department], internal_audit: InternalAudit | None, today: date
                   ) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    if not data.title.strip():
        problems.append(("title", "Give the audit a title, like “ISMS clauses 4 to 10”."))
    if not data.criteria.strip():
        problems.append(("criteria", "Name the audit criteria, like “ISO/IEC 27001:2022; the ICT Security "
                                     "Policy”."))
    if data.planned_start is None:
        problems.append(("planned_start", "Enter the planned start date."))
    if data.planned_end is None:
        problems.append(("planned_end", "Enter the planned end date."))
    elif data.planned_start and data.planned_end < data.planned_start:
        problems.append(("planned_end", "The planned end cannot be before the planned start."))
    keep = {internal_audit.lead_auditor_id, *(m.id for m in internal_audit.team)} if internal_audit else set()
    allowed = {role.value for role in AUDITOR_ROLES}
    if lead is None:
        problems.append(("lead_auditor_id", "Choose the lead auditor."))
    elif lead.id not in keep and (not lead.active or lead.role not in allowed):
        problems.append(("lead_auditor_id", "The lead auditor must be an active administrator, security officer, "
                                            "risk owner or manager (the certification auditor role cannot audit)."))
    unfit = [m.full_name for m in team if m.id not in keep and (not m.active or m.role not in allowed)]
    if unfit or len(team) != len(set(data.team_ids)):
        problems.append(("team_ids", "Team members must be active administrators, security officers, risk owners or "
                                     "managers" + (f"; not {', '.join(unfit)}." if unfit else ".")))
    if len(departments) != len(set(data.department_ids)):
        problems.append(("department_ids", "Choose departments from the list."))
    if data.auditee_contact_id is not None:
        contact = db.session.get(User, data.auditee_contact_id)
        if contact is None or (not contact.active and (internal_audit is None
                                                       or internal_audit.auditee_contact_id != contact.id)):
            problems.append(("auditee_contact_id", "Choose an active user as the auditee's nominated person."))
    unknown_clauses = [number for number in data.clauses if number not in CLAUSES_BY_NUMBER]
    if unknown_clauses:
        problems.append(("clauses", f"Not a clause of ISO/IEC 27001:2022 4.1-10.2: {', '.join(unknown_clauses)}."))
    choosable = {control.id for control in scope_controls(tuple(_scope_control_ids(internal_audit)))}
    if len(controls) != len(set(data.control_ids)) or any(control.id not in choosable for control in controls):
        problems.append(("control_ids", "Choose controls from the list: applicable Annex A controls (the Statement "
                                        "of Applicability's “yes”) and internal controls in use."))
    if not data.clauses and not data.control_ids:
        problems.append(("clauses", "Put at least one clause or control in the audit's scope."))
    if data.planned_start is not None and internal_audit is None and programme_for(data.planned_start) is None:
        problems.append(("planned_start", "No cycle of the audit programme covers this date; start the programme's "
                                          "cycle first (Internal audit → Programme)."))
    if data.planned_start is not None and internal_audit is None and data.planned_start < add_months(today, -12):
        problems.append(("planned_start", "An audit planned now cannot start more than a year ago; record the "
                                          "audit that took place with its real dates."))
    return problems


def _scope_control_ids(internal_audit: InternalAudit | None) -> list[int]:
    return [line.control_id for line in internal_audit.lines if line.control_id] if internal_audit else []


def programme_for(day: date) -> AuditProgramme | None:
    return db.session.scalar(sa.select(AuditProgramme).where(AuditProgramme.starts_on <= day,
                                                             AuditProgramme.ends_on >= day).limit(1))


def next_reference(year: int) -> str:
    """IA-2026-01, IA-2026-02...: one more than the year's highest (the caller holds the chain's lock)."""
    prefix = f"IA-{year}-"
    numbers = [int(ref.removeprefix(prefix)) for ref in db.session.scalars(
        sa.select(InternalAudit.reference).where(InternalAudit.reference.startswith(prefix))) if
        ref.removeprefix(prefix).isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:02d}"


def _check_independence(internal_audit: InternalAudit, found: list[Conflict], reason: str, actor: User,
                        today: date) -> None:
    """A conflict already accepted stays accepted; a new one needs a reason, recorded with who accepted it."""
    lines = [str(conflict) for conflict in found]
    accepted = set(filter(None, internal_audit.independence_conflicts.split("\n")))
    if not lines:
        internal_audit.independence_conflicts, internal_audit.independence_reason = "", ""
        internal_audit.independence_accepted_by_id, internal_audit.independence_accepted_at = None, None
        return
    if set(lines) <= accepted and not reason.strip():
        internal_audit.independence_conflicts = "\n".join(lines)
        return
    if not reason.strip():
        raise InternalAuditRuleError([("independence_reason", "Objectivity (9.2.1): " + "; ".join(lines) + ". Choose "
                                       "other auditors, or give the reason this is acceptable (it is recorded with "
                                       "your name).")])
    internal_audit.independence_conflicts = "\n".join(lines)
    internal_audit.independence_reason = reason.strip()
    internal_audit.independence_accepted_by_id = actor.id
    # Now; or, for a plan recorded after the fact (the demo's), the start of the day it was made.
    internal_audit.independence_accepted_at = utcnow() if today >= local_today() else start_of_local_day(today)


def _snapshot(internal_audit: InternalAudit) -> dict:
    values = audit.snapshot(internal_audit, AUDIT_FIELDS)
    values["team"] = sorted(m.id for m in internal_audit.team)
    values["departments"] = sorted(d.code for d in internal_audit.departments)
    values["scope"] = [line.subject for line in internal_audit.lines]
    return values


def plan_audit(data: AuditInput, *, actor: User, today: date | None = None) -> InternalAudit:
    return _save_plan(None, data, expected_version=None, actor=actor, today=today or local_today())[0]


def update_plan(internal_audit: InternalAudit, data: AuditInput, *, expected_version, actor: User,
                today: date | None = None) -> dict:
    """The plan changed (scope, auditors, dates) until the report is issued; returns what changed."""
    return _save_plan(internal_audit, data, expected_version=expected_version, actor=actor,
                      today=today or local_today())[1]


def _save_plan(internal_audit: InternalAudit | None, data: AuditInput, *, expected_version, actor: User,
               today: date) -> tuple[InternalAudit, dict]:
    if internal_audit is not None:
        refuse_if_frozen(internal_audit)
        internal_audit.check_version(expected_version, "internal audit")
    lead = db.session.get(User, data.lead_auditor_id) if data.lead_auditor_id else None
    team = _users([user_id for user_id in data.team_ids if user_id != data.lead_auditor_id])
    controls, departments = _controls(data.control_ids), _departments(data.department_ids)
    data.team_ids = [user_id for user_id in data.team_ids if user_id != data.lead_auditor_id]
    problems = _plan_problems(data, lead, team, controls, departments, internal_audit, today)
    if internal_audit is not None:
        problems += _removed_lines_with_work(internal_audit, data)
    if problems or lead is None or data.planned_start is None or data.planned_end is None:
        raise InternalAuditRuleError(problems)
    before = _snapshot(internal_audit) if internal_audit else {}
    version = internal_audit.version if internal_audit else 0
    if internal_audit is None:
        programme = programme_for(data.planned_start)
        if programme is None:  # _plan_problems names the missing cycle
            raise InternalAuditRuleError("No cycle of the audit programme covers this date.", "planned_start")
        lock_chain_tail(db.session)  # references are handed out one at a time: see next_reference
        internal_audit = InternalAudit(reference=next_reference(data.planned_start.year), programme=programme,
                                       status=AuditStatus.PLANNED.value, independence_conflicts="",
                                       independence_reason="", summary="", conclusion="")
        db.session.add(internal_audit)
    internal_audit.title, internal_audit.criteria = data.title.strip(), data.criteria.strip()
    internal_audit.planned_start, internal_audit.planned_end = data.planned_start, data.planned_end
    internal_audit.lead_auditor = lead
    internal_audit.team = team
    internal_audit.departments = departments
    internal_audit.auditee_contact_id = data.auditee_contact_id
    _set_scope(internal_audit, sorted(set(data.clauses), key=_clause_order), controls)
    _check_independence(internal_audit, conflicts_of([lead, *team], controls, departments, data.auditee_contact_id),
                        data.independence_reason, actor, today)
    db.session.flush()
    changes = audit.diff(before, _snapshot(internal_audit))
    if before:
        internal_audit.bump_if_only_links_changed(version, changes)
    if changes:
        audit.record(AuditAction.UPDATE if before else AuditAction.CREATE, "internal_audit", internal_audit.id,
                     changes=changes, summary=f"{'Changed the plan of' if before else 'Planned'} internal audit "
                                              f"{internal_audit}"[:300], actor=actor)
    return internal_audit, changes


def _clause_order(number: str) -> tuple[int, ...]:
    return tuple(int(part) for part in number.split("."))


def _removed_lines_with_work(internal_audit: InternalAudit, data: AuditInput) -> list[tuple[str | None, str]]:
    kept_clauses, kept_controls = set(data.clauses), set(data.control_ids)
    worked = [line.subject for line in internal_audit.lines
              if (line.result or line.notes or line.file_sha256 or line.evidence or line.nonconformity_id)
              and not (line.clause in kept_clauses if line.clause else line.control_id in kept_controls)]
    if worked:
        return [("clauses", f"The checklist lines of {', '.join(worked)} hold results or notes; clear them before "
                            "taking these out of the scope.")]
    return []


def _set_scope(internal_audit: InternalAudit, clauses: list[str], controls: list[Control]) -> None:
    """One checklist line per clause and control in scope: lines kept as they are, new ones added,
    those taken out of scope removed; then numbered clauses first, controls in catalogue order."""
    existing = {(line.clause, line.control_id): line for line in internal_audit.lines}
    wanted = [(clause, None) for clause in clauses] + [(None, control.id) for control in controls]
    lines = []
    for key in wanted:
        line = existing.pop(key, None)
        if line is None:
            line = ChecklistLine(clause=key[0], control_id=key[1], position=0, notes="")
        lines.append(line)
    internal_audit.lines = lines
    for position, line in enumerate(lines, start=1):
        if line.position != position:
            line.position = position


def asks_for(line: ChecklistLine) -> str:
    """What the auditor asks to see for the line: the clause's (app.controls.clauses), or the control's own
    words (how it is done here, else its title)."""
    if line.clause:
        return CLAUSES_BY_NUMBER[line.clause].asks_for
    if line.control is None:
        return ""
    return line.control.description or f"Evidence that “{line.control.title}” operates as designed."


def line_title(line: ChecklistLine) -> str:
    if line.clause:
        return str(CLAUSES_BY_NUMBER[line.clause])
    return f"{line.subject} {line.control.title}" if line.control else line.subject


# --- conducting --------------------------------------------------------------------------------------


def refuse_if_frozen(internal_audit: InternalAudit) -> None:
    if internal_audit.frozen:
        raise InternalAuditRuleError(
            f"The report of {internal_audit.reference} was issued on {internal_audit.issued_on}: the audit and its "
            "checklist are frozen and can no longer change.")


def start_audit(internal_audit: InternalAudit, *, expected_version, actor: User, today: date | None = None) -> None:
    """Planned → in progress, by its lead auditor, on the day fieldwork starts."""
    today = today or local_today()
    refuse_if_frozen(internal_audit)
    internal_audit.check_version(expected_version, "internal audit")
    if internal_audit.status != AuditStatus.PLANNED:
        raise InternalAuditRuleError(f"{internal_audit.reference} has already started.")
    if actor.id != internal_audit.lead_auditor_id:
        raise InternalAuditRuleError("Only the lead auditor starts the audit.")
    internal_audit.status, internal_audit.actual_start = AuditStatus.IN_PROGRESS.value, today
    db.session.flush()
    audit.record(AuditAction.UPDATE, "internal_audit", internal_audit.id, actor=actor,
                 changes={"status": ["planned", "in_progress"], "actual_start": [None, today.isoformat()]},
                 summary=f"Started internal audit {internal_audit.reference}")


@dataclass
class LineInput:
    result: str | None
    notes: str = ""
    evidence_ids: list[int] = field(default_factory=list)


def _refuse_unless_in_progress(internal_audit: InternalAudit) -> None:
    refuse_if_frozen(internal_audit)
    if internal_audit.status != AuditStatus.IN_PROGRESS:
        raise InternalAuditRuleError(f"{internal_audit.reference} has not started: its lead auditor starts it "
                                     "before the checklist is filled in.")


def _line_snapshot(line: ChecklistLine) -> dict:
    values = audit.snapshot(line, LINE_FIELDS)
    values["evidence"] = sorted(evidence.id for evidence in line.evidence)
    return values


def save_line(line: ChecklistLine, data: LineInput, *, expected_version, actor: User,
              upload: tuple[str, bytes] | None = None) -> dict:
    """The result, notes and evidence of one checklist line (a file the auditor keeps is checked and
    stored as control evidence is)."""
    internal_audit = line.audit
    lock_row(db.session, internal_audit)  # not while the report is being issued: see issue_report
    _refuse_unless_in_progress(internal_audit)
    line.check_version(expected_version, "checklist line")
    problems: list[tuple[str | None, str]] = []
    if data.result and data.result not in set(LineResult):
        problems.append(("result", "Choose a result from the list."))
    if data.result and data.result != LineResult.CONFORMING and not data.notes.strip():
        problems.append(("notes", "Describe what was found: the requirement, the evidence and what was missing."))
    if line.nonconformity_id and data.result != line.result:
        problems.append(("result", f"Nonconformity {line.nonconformity.reference if line.nonconformity else ''} "
                                   "was raised from this line; its result stays as it was raised."))
    evidence = list(db.session.scalars(sa.select(Evidence).where(Evidence.id.in_(set(data.evidence_ids))))) \
        if data.evidence_ids else []
    missing = sorted(set(data.evidence_ids) - {item.id for item in evidence})
    if missing:
        problems.append(("evidence_ids", f"Evidence item {', '.join(f'#{i}' for i in missing)} does not exist: it "
                                         "may have been deleted since the page was shown. Save the line without "
                                         "it, or find the evidence again with the search."))
    checked = None
    if upload is not None:
        try:
            checked = uploads.check_evidence(upload[0], upload[1])
        except RuleError as error:
            problems += error.problems
    if problems:
        raise InternalAuditRuleError(problems)
    before, version = _line_snapshot(line), line.version
    line.result, line.notes = data.result or None, data.notes.strip()
    line.evidence = evidence
    if checked is not None:
        line.file_sha256, line.file_name = uploads.store(checked), checked.filename
        line.file_size, line.file_media_type = len(checked.data), checked.media_type
    db.session.flush()
    changes = audit.diff(before, _line_snapshot(line))
    line.bump_if_only_links_changed(version, changes)
    if changes:
        audit.record(AuditAction.UPDATE, "checklist_line", line.id, changes=changes, actor=actor,
                     summary=f"Checklist of {internal_audit.reference}: {line.subject} "
                             f"{line.result_enum.label.lower() if line.result_enum else 'no result yet'}"[:300])
    return changes


def raise_for_line(line: ChecklistLine, *, expected_version, actor: User,
                   today: date | None = None) -> tuple[Nonconformity, bool]:
    """Raise the line's nonconformity in the register, once: the line keeps its id, and a second
    request (a double click, another auditor at the same moment, or issuing the report after) finds it
    raised and does nothing. Returns the nonconformity and whether this request raised it."""
    internal_audit = line.audit
    lock_row(db.session, internal_audit)  # the other request's nonconformity is seen, not raised twice
    _refuse_unless_in_progress(internal_audit)
    line.check_version(expected_version, "checklist line")
    raised_before = line.nonconformity_id is not None
    return _raise(line, actor=actor, today=today or local_today()), not raised_before


def _raise(line: ChecklistLine, *, actor: User, today: date) -> Nonconformity:
    if line.nonconformity is not None:
        return line.nonconformity
    result = line.result_enum
    if result is None or result.severity is None:
        raise InternalAuditRuleError(f"{line.subject} is not a nonconformity: only a major or minor nonconformity "
                                     "goes to the register.")
    if not line.notes.strip():
        raise InternalAuditRuleError(f"Describe the finding of {line.subject} in its notes before raising it.")
    internal_audit = line.audit
    departments = internal_audit.departments
    first_words = line.notes.strip().splitlines()[0]
    nonconformity = nonconformities.raise_nonconformity(nonconformities.NonconformityInput(
        title=f"{line.subject}: {first_words}"[:200], description=line.notes.strip(),
        source=NonconformitySource.INTERNAL_AUDIT.value, severity=result.severity,
        source_reference=f"{internal_audit.reference} / {line.subject}", clause=line.clause,
        control_id=line.control_id, department_id=departments[0].id if len(departments) == 1 else None,
        owner_id=internal_audit.auditee_contact_id, raised_on=today), actor=actor, today=today)
    line.nonconformity = nonconformity
    db.session.flush()
    audit.record(AuditAction.UPDATE, "checklist_line", line.id, actor=actor,
                 changes={"nonconformity_id": [None, nonconformity.id]},
                 summary=f"Checklist of {internal_audit.reference}: {line.subject} raised as {nonconformity.reference}")
    return nonconformity


def save_report_draft(internal_audit: InternalAudit, *, summary: str, conclusion: str, expected_version,
                      actor: User) -> dict:
    lock_row(db.session, internal_audit)
    internal_audit.check_version(expected_version, "internal audit")
    _refuse_unless_in_progress(internal_audit)
    before = audit.snapshot(internal_audit, ["summary", "conclusion"])
    internal_audit.summary, internal_audit.conclusion = summary.strip(), conclusion.strip()
    db.session.flush()
    changes = audit.diff(before, audit.snapshot(internal_audit, ["summary", "conclusion"]))
    if changes:
        audit.record(AuditAction.UPDATE, "internal_audit", internal_audit.id, changes=changes, actor=actor,
                     summary=f"Drafted the report of internal audit {internal_audit.reference}")
    return changes


def issue_report(internal_audit: InternalAudit, *, summary: str, conclusion: str, actual_end: date | None,
                 expected_version, actor: User, render: Callable[[InternalAudit], bytes],
                 today: date | None = None) -> InternalAudit:
    """The lead auditor issues the report: every nonconformity line not yet raised is raised now (the
    findings are final), the PDF is rendered (`render`, given by the caller: registers do not import
    the reports package) and kept by its SHA-256, and the audit and its checklist are frozen."""
    today = today or local_today()
    # Every write to the audit's checklist takes this row first: a line saved or a finding raised while
    # the report is issued waits, then finds the audit frozen (a second issue: the stale-edit message).
    lock_row(db.session, internal_audit)
    internal_audit.check_version(expected_version, "internal audit")
    _refuse_unless_in_progress(internal_audit)
    problems: list[tuple[str | None, str]] = []
    if actor.id != internal_audit.lead_auditor_id:
        problems.append((None, "Only the lead auditor issues the report."))
    open_lines = [line.subject for line in internal_audit.lines if not line.result]
    if open_lines:
        shown = ", ".join(open_lines[:10]) + (f" and {len(open_lines) - 10} more" if len(open_lines) > 10 else "")
        problems.append((None, f"Every checklist line needs a result before the report is issued; still open: "
                               f"{shown}."))
    if not summary.strip():
        problems.append(("summary", "Summarise the audit for the report."))
    if not conclusion.strip():
        problems.append(("conclusion", "Give the audit's conclusion: does the ISMS conform, and is it effectively "
                                       "implemented and maintained (9.2.1)?"))
    end = actual_end or today
    if end > today:
        problems.append(("actual_end", "The audit cannot end in the future."))
    elif internal_audit.actual_start and end < internal_audit.actual_start:
        problems.append(("actual_end", f"The audit started on {internal_audit.actual_start}; it cannot end before."))
    if problems:
        raise InternalAuditRuleError(problems)
    before = audit.snapshot(internal_audit, AUDIT_FIELDS)
    internal_audit.summary, internal_audit.conclusion = summary.strip(), conclusion.strip()
    internal_audit.actual_end = end
    for line in internal_audit.lines:
        if line.is_nonconformity:
            _raise(line, actor=actor, today=today)
    internal_audit.status, internal_audit.issued_on, internal_audit.issued_by_id = \
        AuditStatus.REPORTED.value, today, actor.id
    db.session.flush()
    content = render(internal_audit)
    report = uploads.CheckedUpload(internal_audit.report_filename, "application/pdf", content)
    internal_audit.report_sha256, internal_audit.report_size = uploads.store(report), len(content)
    db.session.flush()
    audit.record(AuditAction.ISSUE, "internal_audit", internal_audit.id, actor=actor,
                 changes=audit.diff(before, audit.snapshot(internal_audit, AUDIT_FIELDS)),
                 summary=f"Issued the report of internal audit {internal_audit.reference} "
                         f"(SHA-256 {internal_audit.report_sha256[:12]}…)")
    return internal_audit


def close_audit(internal_audit: InternalAudit, *, expected_version, actor: User, today: date | None = None) -> None:
    """Reported → closed: the follow-up of its findings is with the nonconformity register."""
    today = today or local_today()
    internal_audit.check_version(expected_version, "internal audit")
    if internal_audit.status != AuditStatus.REPORTED:
        raise InternalAuditRuleError("An audit is closed after its report is issued.")
    internal_audit.status, internal_audit.closed_on = AuditStatus.CLOSED.value, today
    db.session.flush()
    audit.record(AuditAction.CLOSE, "internal_audit", internal_audit.id, actor=actor,
                 changes={"status": ["reported", "closed"], "closed_on": [None, today.isoformat()]},
                 summary=f"Closed internal audit {internal_audit.reference}")


def record_report_download(internal_audit: InternalAudit, *, draft: bool, actor: User) -> None:
    audit.record(AuditAction.GENERATE if draft else AuditAction.DOWNLOAD, "internal_audit", internal_audit.id,
                 actor=actor, summary=(f"Previewed the draft report of internal audit {internal_audit.reference}"
                                       if draft else
                                       f"Downloaded the issued report of internal audit {internal_audit.reference}"))


def record_file_download(line: ChecklistLine, *, actor: User) -> None:
    audit.record(AuditAction.DOWNLOAD, "checklist_line", line.id, actor=actor,
                 summary=f"Downloaded {line.file_name} of {line.audit.reference} {line.subject}"[:300])
