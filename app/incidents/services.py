"""Use cases of the incident register: reporting an event, triage, handling, evidence and its chain of
custody, the links to risks, controls and nonconformities, and the POPIA s22 notification. Services
flush; the view commits once (app.common.saving)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask import abort

from app.admin import settings
from app.assets.models import Asset
from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import Department, Role, User
from app.auth.permissions import INCIDENT_HANDLE, INCIDENT_REPORT, INCIDENT_VIEW, user_can
from app.common import uploads
from app.common.models import RuleError
from app.common.timeutil import local_today, start_of_local_day, to_local, utcnow
from app.common.transactions import lock_chain_tail
from app.controls.models import Control
from app.extensions import db
from app.incidents import popia
from app.incidents.models import (
    CustodyAction,
    CustodyEntry,
    Incident,
    IncidentAction,
    IncidentCategory,
    IncidentEvidence,
    IncidentRisk,
    IncidentSeverity,
    IncidentSource,
    IncidentStatus,
    NoticeMethod,
    RiskLinkKind,
)
from app.nonconformities import services as nonconformities
from app.nonconformities.models import Nonconformity, NonconformitySource
from app.risks import scoring
from app.risks import services as risks
from app.risks.models import Risk
from app.suppliers.models import Supplier

AUDITED_FIELDS = ["reference", "title", "description", "source", "reported_by_id", "discovered_at",
                  "reporter_personal_information", "status", "triage_reason", "category", "severity", "handler_id",
                  "systems", "personal_information_involved", "personal_information_compromised", "contained_on",
                  "eradicated_on", "recovered_on", "closed_on", "lessons_learned", "regulator_notified_on",
                  "regulator_reference", "subjects_notified_on", "subjects_count", "subjects_unidentifiable",
                  "notice_method", "notice_text", "measures_taken", "recommendations", "intruder_identity",
                  "delay_reason", "notification_pending", "reporting_operator_id"]
REPORTER_PI_ANSWERS = {"yes": "Yes", "no": "No", "unsure": "Not sure"}


class IncidentRuleError(RuleError):
    pass


def expected_days() -> int:
    """How many days the organisation holds "as soon as reasonably possible" to be (popia)."""
    return int(settings.get(settings.INCIDENT_NOTIFICATION_DAYS))


# --- who may do what ------------------------------------------------------------------------------


def may_handle(user: User) -> bool:
    return user_can(user, INCIDENT_HANDLE)


def get_incident_or_404(incident_id: int) -> Incident:
    incident = db.session.get(Incident, incident_id)
    if incident is None:
        abort(404)
    return incident


def get_own_report_or_404(user: User, report_id: int, need: str) -> Incident:
    """A reporter's own report, for a holder of `need` (incident.report); someone else's is not found
    (its existence is not theirs to learn), whoever asks: the register's readers use its own pages."""
    if need != INCIDENT_REPORT:
        raise KeyError(f"No per-report rule for {need!r}.")
    incident = db.session.get(Incident, report_id)
    if incident is None or incident.reported_by_id != user.id:
        abort(404)
    return incident


def own_reports(user: User) -> list[Incident]:
    return list(db.session.scalars(sa.select(Incident).where(Incident.reported_by_id == user.id)
                                   .order_by(Incident.reported_at.desc(), Incident.id.desc()).limit(200)))


def possible_handlers(keep_id: int | None = None) -> list[User]:
    """Who may handle an incident: active security officers and administrators."""
    roles = [Role.ADMIN.value, Role.SECURITY_OFFICER.value]
    clause = sa.and_(User.active.is_(True), User.role.in_(roles))
    if keep_id is not None:
        clause = sa.or_(clause, User.id == keep_id)
    return list(db.session.scalars(sa.select(User).where(clause).order_by(sa.func.lower(User.full_name))))


# --- the record and its audit ---------------------------------------------------------------------


def _snapshot(incident: Incident) -> dict:
    values = audit.snapshot(incident, AUDITED_FIELDS)
    values["asset_tags"] = sorted(asset.tag for asset in incident.assets)
    values["department_ids"] = sorted(department.id for department in incident.departments)
    values["failed_control_ids"] = sorted(control.id for control in incident.failed_controls)
    return values


def _audit_update(incident: Incident, before: dict, version: int, actor: User | None, verb: str,
                  action: AuditAction = AuditAction.UPDATE) -> dict:
    db.session.flush()
    changes = audit.diff(before, _snapshot(incident))
    if changes:
        incident.bump_if_only_links_changed(version, changes)
        audit.record(action, "incident", incident.id, changes=changes, actor=actor,
                     summary=f"{verb} incident {incident}"[:300])
    return changes


def _on(day: date) -> datetime:
    """When a dated step (a phase reached, a notice given) goes on the timeline: the start of its day
    when recorded afterwards, now when recorded on the day."""
    return min(utcnow(), start_of_local_day(day)) if day < local_today() else utcnow()


def _log(incident: Incident, actor: User | None, what: str, at: datetime | None = None) -> IncidentAction:
    """A line of the timeline written by Khusela itself (triage, a phase reached, a notice given)."""
    entry = IncidentAction(at=at or utcnow(), actor_id=actor.id if actor else None, description=what)
    incident.actions.append(entry)
    return entry


def refresh_notification_pending(incident: Incident) -> None:
    """The denormalised flag the dashboard and reminders read: the track is open and not complete."""
    incident.notification_pending = (track_open(incident) and popia.completed_on(notification_of(incident)) is None
                                      and incident.status != IncidentStatus.CLOSED)


def track_open(incident: Incident) -> bool:
    return popia.track_opens(is_incident=incident.is_incident,
                             personal_information_compromised=incident.personal_information_compromised)


def notification_of(incident: Incident) -> popia.Notification:
    names = popia.Notification.__dataclass_fields__
    return popia.Notification(**{name: getattr(incident, name) for name in names})


def discovered_on(incident: Incident) -> date:
    return to_local(incident.discovered_at).date()


@dataclass(frozen=True)
class Clock:
    """The POPIA clock as shown on the incident and the dashboard."""

    days: int
    done_on: date | None
    late: bool
    expected_days: int


def clock(incident: Incident, today: date, days: int | None = None) -> Clock | None:
    if not track_open(incident):
        return None
    expected = expected_days() if days is None else days
    done_on = popia.completed_on(notification_of(incident))
    found = discovered_on(incident)
    return Clock(popia.clock_days(found, today, done_on), done_on,
                 popia.is_late(found, today, done_on, expected), expected)


# --- reporting ------------------------------------------------------------------------------------


def next_reference() -> str:
    """INC-0001, INC-0002, ...: one more than the highest (the caller holds the audit chain's lock)."""
    longest = db.session.scalar(sa.select(sa.func.max(sa.func.length(Incident.reference))))
    if longest is None:
        return "INC-0001"
    last = db.session.scalar(sa.select(sa.func.max(Incident.reference))
                             .where(sa.func.length(Incident.reference) == longest)) or "INC-0000"
    return f"INC-{int(last.removeprefix('INC-')) + 1:04d}"


@dataclass
class ReportInput:
    title: str
    description: str
    discovered_at: datetime | None
    personal_information: str = "unsure"  # the reporter's impression: yes, no, unsure
    source: str = IncidentSource.STAFF.value


def report_event(data: ReportInput, *, actor: User, now: datetime | None = None) -> Incident:
    """Anyone signed in reports what they saw; the security officer triages it."""
    now = now or utcnow()
    problems: list[tuple[str | None, str]] = []
    if not data.title.strip():
        problems.append(("title", "Say in a few words what happened."))
    if not data.description.strip():
        problems.append(("description", "Describe what you saw: what, where, which system or device, who else "
                                        "knows."))
    if data.discovered_at is None:
        problems.append(("discovered_at", "Enter when you noticed it."))
    elif data.discovered_at > now:
        problems.append(("discovered_at", "The time you noticed it cannot be in the future."))
    if data.personal_information not in REPORTER_PI_ANSWERS:
        problems.append(("personal_information", "Answer yes, no or not sure."))
    if data.source not in set(IncidentSource):
        problems.append(("source", "Choose who reported it."))
    if problems:
        raise IncidentRuleError(problems)
    lock_chain_tail(db.session)
    incident = Incident(reference=next_reference(), title=data.title.strip(), description=data.description.strip(),
                        source=data.source, reported_by_id=actor.id, reported_at=now,
                        discovered_at=data.discovered_at, reporter_personal_information=data.personal_information)
    db.session.add(incident)
    db.session.flush()
    audit.record(AuditAction.CREATE, "incident", incident.id, changes=audit.diff({}, _snapshot(incident)),
                 summary=f"Reported event {incident}"[:300], actor=actor)
    return incident


# --- triage ---------------------------------------------------------------------------------------


@dataclass
class TriageInput:
    is_incident: bool
    reason: str
    category: str | None = None
    severity: str | None = None
    handler_id: int | None = None
    asset_tags: list[str] = field(default_factory=list)
    department_ids: list[int] = field(default_factory=list)
    systems: str = ""
    personal_information_involved: bool = False
    personal_information_compromised: bool = False
    source: str | None = None
    reporting_operator_id: int | None = None


def operators(keep_id: int | None = None) -> list[Supplier]:
    """The suppliers marked as operators (POPIA s20-21) that may be recorded as an incident's source."""
    clause: sa.ColumnElement[bool] = Supplier.is_operator.is_(True)
    if keep_id is not None:
        clause = sa.or_(clause, Supplier.id == keep_id)
    return list(db.session.scalars(sa.select(Supplier).where(clause).order_by(sa.func.lower(Supplier.name))))


def assets_by_tag(tags: list[str]) -> dict[str, Asset]:
    wanted = {tag.strip() for tag in tags if tag.strip()}
    if not wanted:
        return {}
    return {asset.tag: asset for asset in db.session.scalars(sa.select(Asset).where(Asset.tag.in_(wanted)))}


def triage_problems(data: TriageInput) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    if not data.reason.strip():
        problems.append(("reason", "Give the reason for the decision: why this is, or is not, an incident."))
    if data.is_incident:
        if data.category not in set(IncidentCategory):
            problems.append(("category", "Choose the incident's category."))
        if data.severity not in set(IncidentSeverity):
            problems.append(("severity", "Choose the incident's severity."))
    elif data.personal_information_compromised:
        problems.append(("is_incident", "Personal information may have been accessed or acquired by an unauthorised "
                                        "person: that is a security compromise under POPIA s22, so it is an "
                                        "incident."))
    if data.personal_information_compromised and not data.personal_information_involved:
        problems.append(("personal_information_involved", "Personal information that may have been accessed must "
                                                          "be involved: tick both."))
    if data.category and data.category not in set(IncidentCategory):
        problems.append(("category", "Choose a category from the list."))
    if data.source is not None and data.source not in set(IncidentSource):
        problems.append(("source", "Choose who reported it."))
    if data.source == IncidentSource.OPERATOR:
        operator = db.session.get(Supplier, data.reporting_operator_id) if data.reporting_operator_id else None
        if operator is None or not operator.is_operator:
            problems.append(("reporting_operator_id", "Choose the operator that reported the breach: a supplier "
                                                      "marked in the supplier register as an operator (POPIA s21)."))
    elif data.reporting_operator_id is not None:
        problems.append(("reporting_operator_id", "Only an incident reported by an operator names one: choose "
                                                  "“Operator (POPIA s21)” as who reported it, or no operator."))
    if data.handler_id is not None and data.handler_id not in {user.id for user in possible_handlers()}:
        problems.append(("handler_id", "Choose an active security officer or administrator as the handler."))
    unknown = sorted(set(data.asset_tags) - set(assets_by_tag(data.asset_tags)))
    if unknown:
        problems.append(("asset_tags", f"No CMDB item has the tag {', '.join(unknown)}: check it on the asset's page "
                                       "or leave it out and name the system under other affected systems."))
    found = set(db.session.scalars(sa.select(Department.id).where(Department.id.in_(set(data.department_ids)))))
    if found != set(data.department_ids):
        problems.append(("department_ids", "One of the chosen departments does not exist; choose again."))
    return problems


def triage(incident: Incident, data: TriageInput, *, expected_version, actor: User,
           now: datetime | None = None) -> dict:
    """The security officer's decision: an incident (category, severity, what it affects, whether
    personal information was involved or compromised) or not one, with the reason. Triage can be
    revised while the incident is open; a closed incident is read-only."""
    incident.check_version(expected_version, "incident")
    if incident.status == IncidentStatus.CLOSED:
        raise IncidentRuleError(f"{incident.reference} is closed, so its triage can no longer change.")
    problems = triage_problems(data)
    if problems:
        raise IncidentRuleError(problems)
    before, version = _snapshot(incident), incident.version
    first = incident.status == IncidentStatus.REPORTED
    incident.status = (IncidentStatus.OPEN if data.is_incident else IncidentStatus.NOT_AN_INCIDENT).value
    incident.triage_reason = data.reason.strip()
    incident.category, incident.severity = data.category or None, data.severity if data.is_incident else None
    incident.handler_id, incident.systems = data.handler_id, data.systems.strip()
    incident.source = data.source or incident.source
    incident.reporting_operator_id = (data.reporting_operator_id if incident.source == IncidentSource.OPERATOR
                                      else None)
    incident.personal_information_involved = data.personal_information_involved
    incident.personal_information_compromised = data.personal_information_compromised
    incident.assets = sorted(assets_by_tag(data.asset_tags).values(), key=lambda asset: asset.name)
    incident.departments = list(db.session.scalars(sa.select(Department).where(
        Department.id.in_(set(data.department_ids))).order_by(Department.code)))
    incident.triaged_at, incident.triaged_by_id = now or utcnow(), actor.id
    refresh_notification_pending(incident)
    outcome = (f"an incident ({incident.severity_label}, {incident.category_label})" if data.is_incident
               else "not an incident")
    if track_open(incident):
        outcome += "; personal information may have been compromised: POPIA s22 notification track opened"
    _log(incident, actor, f"{'Triaged' if first else 'Triage revised'}: {outcome}. {incident.triage_reason}",
         at=incident.triaged_at)
    return _audit_update(incident, before, version, actor, "Triaged", AuditAction.TRIAGE)


# --- handling -------------------------------------------------------------------------------------


def _refuse_unless_open(incident: Incident) -> None:
    if incident.status == IncidentStatus.CLOSED:
        raise IncidentRuleError(f"{incident.reference} is closed: its record can no longer change.")
    if incident.status != IncidentStatus.OPEN:
        raise IncidentRuleError(f"{incident.reference} has not been triaged as an incident: triage it first.")


def add_action(incident: Incident, *, at: datetime | None, description: str, actor: User,
               due_on: date | None = None, now: datetime | None = None) -> IncidentAction:
    """A line of the timeline: what was done (or is to be done by `due_on`), by whom, when."""
    _refuse_unless_open(incident)
    now = now or utcnow()
    problems: list[tuple[str | None, str]] = []
    if not description.strip():
        problems.append(("description", "Say what was done."))
    if at is None:
        problems.append(("at", "Enter when it was done."))
    elif at > now:
        problems.append(("at", "Record what was done once it is done; for a follow-up still to do, give the "
                               "date it is due."))
    elif at < incident.discovered_at:
        problems.append(("at", "An action on the incident cannot come before it was discovered."))
    if problems:
        raise IncidentRuleError(problems)
    entry = IncidentAction(at=at, actor_id=actor.id, description=description.strip(), due_on=due_on,
                           done=due_on is None)
    incident.actions.append(entry)
    db.session.flush()
    audit.record(AuditAction.CREATE, "incident_action", entry.id, actor=actor,
                 changes={"incident_id": [None, incident.id], "description": [None, entry.description]},
                 summary=f"Timeline of {incident.reference}: {entry.description}"[:300])
    return entry


def complete_action(incident: Incident, entry: IncidentAction, *, actor: User) -> None:
    if entry.done:
        raise IncidentRuleError("This follow-up is already done.")
    _refuse_unless_open(incident)
    entry.done = True
    audit.record(AuditAction.COMPLETE, "incident_action", entry.id, actor=actor, changes={"done": [False, True]},
                 summary=f"Done on {incident.reference}: {entry.description}"[:300])
    db.session.flush()


@dataclass
class HandlingInput:
    contained_on: date | None = None
    eradicated_on: date | None = None
    recovered_on: date | None = None
    lessons_learned: str = ""


def handling_problems(incident: Incident, data: HandlingInput, today: date) -> list[tuple[str | None, str]]:
    """Containment, eradication and recovery come in that order, after discovery, and not ahead of today."""
    problems: list[tuple[str | None, str]] = []
    found = discovered_on(incident)
    previous: tuple[str, date] | None = None
    for name, day, label in (("contained_on", data.contained_on, "contained"),
                             ("eradicated_on", data.eradicated_on, "eradicated"),
                             ("recovered_on", data.recovered_on, "recovered")):
        if day is None:
            continue
        if day < found:
            problems.append((name, f"It cannot have been {label} before it was discovered ({found:%d %b %Y})."))
        elif day > today:
            problems.append((name, f"Record the day it was {label} once it is."))
        elif previous is not None and day < previous[1]:
            problems.append((name, f"It cannot have been {label} before it was {previous[0]} "
                                   f"({previous[1]:%d %b %Y})."))
        previous = (label, day)
    if data.eradicated_on and not data.contained_on:
        problems.append(("contained_on", "Enter when it was contained: eradication follows containment."))
    if data.recovered_on and not data.contained_on:
        problems.append(("contained_on", "Enter when it was contained: recovery follows containment."))
    return problems


def record_handling(incident: Incident, data: HandlingInput, *, expected_version, actor: User,
                    today: date | None = None) -> dict:
    incident.check_version(expected_version, "incident")
    _refuse_unless_open(incident)
    problems = handling_problems(incident, data, today or local_today())
    if problems:
        raise IncidentRuleError(problems)
    before, version = _snapshot(incident), incident.version
    for name, label in (("contained_on", "Contained"), ("eradicated_on", "Eradicated"),
                        ("recovered_on", "Recovered")):
        day = getattr(data, name)
        if day is not None and day != getattr(incident, name):
            _log(incident, actor, f"{label} on {day:%d %b %Y}.", at=_on(day))
        setattr(incident, name, day)
    incident.lessons_learned = data.lessons_learned.strip()
    return _audit_update(incident, before, version, actor, "Recorded the handling of")


def close_problems(incident: Incident) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    if incident.recovered_on is None:
        problems.append((None, "Record the day normal service was recovered before closing the incident."))
    if not incident.lessons_learned.strip():
        problems.append((None, "Record the lessons learned (A.5.27) before closing the incident."))
    if incident.notification_pending:
        problems.append((None, "Personal information may have been compromised and the POPIA s22 notifications "
                               "are not complete: notify the Information Regulator and the data subjects first."))
    if any(not entry.done for entry in incident.actions):
        problems.append((None, "Finish or record the open follow-ups of the timeline first."))
    return problems


def close_incident(incident: Incident, *, expected_version, actor: User, today: date | None = None) -> None:
    incident.check_version(expected_version, "incident")
    _refuse_unless_open(incident)
    problems = close_problems(incident)
    if problems:
        raise IncidentRuleError(problems)
    before, version = _snapshot(incident), incident.version
    incident.status, incident.closed_on = IncidentStatus.CLOSED.value, today or local_today()
    _log(incident, actor, "Closed.", at=_on(incident.closed_on))
    _audit_update(incident, before, version, actor, "Closed", AuditAction.CLOSE)


# --- POPIA s22 notification -----------------------------------------------------------------------


def record_notification(incident: Incident, data: popia.Notification, *, expected_version, actor: User,
                        today: date | None = None) -> dict:
    """What was notified to the Information Regulator and the data subjects, when, and why late if late."""
    incident.check_version(expected_version, "incident")
    if incident.status == IncidentStatus.CLOSED:
        raise IncidentRuleError(f"{incident.reference} is closed: its notification record can no longer change.")
    if not track_open(incident):
        raise IncidentRuleError("The notification track is open only for an incident where personal information "
                                "may have been accessed or acquired by an unauthorised person (POPIA s22).")
    problems = popia.notification_problems(data, discovered_on=discovered_on(incident), today=today or local_today(),
                                           expected_days=expected_days())
    if data.notice_method and data.notice_method not in set(NoticeMethod):
        problems.append(("notice_method", "Choose how the data subjects were notified."))
    if problems:
        raise IncidentRuleError(problems)
    before, version = _snapshot(incident), incident.version
    regulator_before, subjects_before = incident.regulator_notified_on, incident.subjects_notified_on
    for name, value in asdict(data).items():
        setattr(incident, name, value.strip() if isinstance(value, str) else value)
    if data.regulator_notified_on and data.regulator_notified_on != regulator_before:
        _log(incident, actor, "Information Regulator notified through eServices on "
                              f"{data.regulator_notified_on:%d %b %Y} (reference {incident.regulator_reference}).",
             at=_on(data.regulator_notified_on))
    if data.subjects_notified_on and data.subjects_notified_on != subjects_before:
        _log(incident, actor, f"{data.subjects_count} data subjects notified on {data.subjects_notified_on:%d %b %Y}"
                              f" ({NoticeMethod(data.notice_method).label.lower() if data.notice_method else ''}).",
             at=_on(data.subjects_notified_on))
    refresh_notification_pending(incident)
    return _audit_update(incident, before, version, actor, "Recorded the POPIA notification of", AuditAction.NOTIFY)


# --- evidence and its chain of custody ------------------------------------------------------------


def add_evidence(incident: Incident, *, title: str, description: str, filename: str | None, content: bytes | None,
                 collected_at: datetime | None, actor: User, now: datetime | None = None) -> IncidentEvidence:
    """A file collected as evidence: checked and stored like control evidence (app.common.uploads), its
    SHA-256 recorded, and the first link of its chain of custody (collected, by whom, when)."""
    _refuse_unless_open(incident)
    now = now or utcnow()
    problems: list[tuple[str | None, str]] = []
    if not title.strip():
        problems.append(("title", "Say what the evidence is (e.g. “Mail gateway log, 3 March”)."))
    if collected_at is None:
        problems.append(("collected_at", "Enter when the evidence was collected."))
    elif collected_at > now:
        problems.append(("collected_at", "The evidence cannot have been collected in the future."))
    upload = None
    if not filename or not content:
        problems.append(("file", "Choose the file to upload."))
    else:
        try:
            upload = uploads.check_evidence(filename, content)
        except RuleError as error:
            problems += error.problems
    if problems or upload is None or collected_at is None:
        raise IncidentRuleError(problems)
    item = IncidentEvidence(title=title.strip(), description=description.strip(), sha256=uploads.store(upload),
                            original_name=upload.filename, size=len(upload.data), media_type=upload.media_type,
                            collected_at=collected_at, collected_by_id=actor.id)
    item.custody.append(CustodyEntry(at=collected_at, handler_id=actor.id, action=CustodyAction.COLLECTED.value,
                                     note="Uploaded to Khusela; SHA-256 " + item.sha256))
    incident.evidence.append(item)
    db.session.flush()
    audit.record(AuditAction.UPLOAD, "incident_evidence", item.id, actor=actor,
                 changes={"incident_id": [None, incident.id], "title": [None, item.title],
                          "sha256": [None, item.sha256], "original_name": [None, item.original_name]},
                 summary=f"Evidence “{item.title}” collected for {incident.reference}"[:300])
    return item


def add_custody(item: IncidentEvidence, *, at: datetime | None, action: str, handler_id: int | None, note: str,
                actor: User, now: datetime | None = None) -> CustodyEntry:
    """The next link of the chain: who handled the item, when, and what they did with it."""
    _refuse_unless_open(item.incident)
    now = now or utcnow()
    problems: list[tuple[str | None, str]] = []
    if action not in set(CustodyAction) or action == CustodyAction.COLLECTED:
        problems.append(("action", "Choose what was done with the item."))
    if at is None:
        problems.append(("at", "Enter when it was handled."))
    elif at > now:
        problems.append(("at", "Record handling once it has happened."))
    elif item.custody and at < item.custody[-1].at:
        problems.append(("at", "The chain of custody runs forward: this cannot come before its last entry."))
    handler = db.session.get(User, handler_id) if handler_id is not None else None
    if handler is None or not handler.active:
        problems.append(("handler_id", "Choose the active user who handled the item."))
    if action in (CustodyAction.TRANSFERRED, CustodyAction.RETURNED, CustodyAction.STORED) and not note.strip():
        problems.append(("note", "Say where it went or where it is kept."))
    if problems:
        raise IncidentRuleError(problems)
    entry = CustodyEntry(at=at, handler_id=handler_id, action=action, note=note.strip())
    item.custody.append(entry)
    db.session.flush()
    audit.record(AuditAction.CUSTODY, "incident_evidence", item.id, actor=actor,
                 changes={"custody": [None, f"{action} by {handler.full_name if handler else ''}"]},
                 summary=f"Chain of custody of “{item.title}” ({item.incident.reference}): {action}"[:300])
    return entry


def record_download(item: IncidentEvidence, *, actor: User) -> None:
    audit.record(AuditAction.DOWNLOAD, "incident_evidence", item.id, actor=actor,
                 summary=f"Downloaded evidence “{item.title}” of {item.incident.reference}"[:300])


# --- links: risks, controls, nonconformities ------------------------------------------------------


def _refuse_duplicate_risk(incident: Incident, risk_id: int) -> None:
    if any(link.risk_id == risk_id for link in incident.risk_links):
        raise IncidentRuleError("This risk is already linked to the incident.", "risk_id")


def _bring_review_forward(risk: Risk, actor: User, incident: Incident, today: date) -> None:
    """ISO/IEC 27001 8.2: risks are reassessed when significant changes occur; a realised risk is
    due for review today. Through the risk register's own update, so its checks and audit apply; a
    risk that update refuses (a closed one) keeps its date and is only linked."""
    if risk.next_review_on is not None and risk.next_review_on <= today:
        return
    data = risks.input_of(risk)
    data.next_review_on = today
    try:
        risks.update_risk(risk, data, expected_version=risk.version, actor=actor,
                          reason=f"Realised by incident {incident.reference}")
    except risks.RiskRuleError:
        return


def link_realised_risk(incident: Incident, *, risk_id: int | None, note: str, actor: User,
                       today: date | None = None, reassess: bool = True, at: datetime | None = None) -> IncidentRisk:
    """An existing risk the incident realised: linked, and marked for reassessment (its next review is
    brought forward to today, through the risk register's own rule, if it was later)."""
    _refuse_unless_open(incident)
    risk = db.session.get(Risk, risk_id) if risk_id is not None else None
    if risk is None:
        raise IncidentRuleError("Choose the risk the incident realised.", "risk_id")
    _refuse_duplicate_risk(incident, risk.id)
    if reassess:
        _bring_review_forward(risk, actor, incident, today or local_today())
    link = IncidentRisk(risk_id=risk.id, kind=RiskLinkKind.REALISED.value,
                        note=note.strip() or "Realised by the incident: reassess likelihood and impact.")
    incident.risk_links.append(link)
    db.session.flush()
    audit.record(AuditAction.RELATE, "incident", incident.id, actor=actor,
                 changes={"realised_risk": [None, risk.reference]},
                 summary=f"{incident.reference} realised risk {risk.reference}: marked for reassessment"[:300])
    _log(incident, actor, f"Linked risk {risk.reference} as realised; marked for reassessment.", at=at)
    return link


@dataclass
class NewRiskInput:
    title: str
    category_id: int | None
    likelihood: int | None
    impact: int | None
    description: str = ""
    owner_id: int | None = None
    department_id: int | None = None


def raise_risk(incident: Incident, data: NewRiskInput, *, actor: User) -> IncidentRisk:
    """A risk the register did not hold, created through the risk register's services (its checks,
    reference and audit entry), and linked to the incident as raised by it."""
    _refuse_unless_open(incident)
    if data.category_id is None:
        raise IncidentRuleError("Choose the risk's category.", "category_id")
    inherent = (scoring.Rating(data.likelihood, data.impact)
                if data.likelihood is not None and data.impact is not None else None)
    description = data.description.strip() or f"Raised by incident {incident.reference}: {incident.title}"
    try:
        risk = risks.create_risk(risks.RiskInput(
            title=data.title, category_id=data.category_id, inherent=inherent, description=description,
            owner_id=data.owner_id, department_id=data.department_id), actor=actor,
            reason=f"Raised by incident {incident.reference}")
    except risks.RiskRuleError as error:
        raise IncidentRuleError(error.problems) from None
    link = IncidentRisk(risk_id=risk.id, kind=RiskLinkKind.RAISED.value, note="")
    incident.risk_links.append(link)
    db.session.flush()
    audit.record(AuditAction.RELATE, "incident", incident.id, actor=actor,
                 changes={"raised_risk": [None, risk.reference]},
                 summary=f"{incident.reference} raised new risk {risk.reference}"[:300])
    _log(incident, actor, f"Raised new risk {risk.reference} {risk.title}.")
    return link


def set_failed_controls(incident: Incident, control_ids: list[int], *, expected_version, actor: User) -> dict:
    incident.check_version(expected_version, "incident")
    _refuse_unless_open(incident)
    controls = list(db.session.scalars(sa.select(Control).where(Control.id.in_(set(control_ids)))
                                       .order_by(Control.catalogue, Control.sort_key)))
    if len(controls) != len(set(control_ids)):
        raise IncidentRuleError("One of the chosen controls is not in the catalogue; choose again.", "control_ids")
    before, version = _snapshot(incident), incident.version
    incident.failed_controls = controls
    return _audit_update(incident, before, version, actor, "Recorded the failed controls of")


def raise_nonconformity(incident: Incident, data: nonconformities.NonconformityInput, *,
                        actor: User) -> Nonconformity:
    """A nonconformity the incident revealed, raised through the nonconformity register (source
    INCIDENT, its source reference the incident's), and linked here."""
    if not incident.is_incident:
        raise IncidentRuleError(f"{incident.reference} has not been triaged as an incident: triage it first.")
    data.source, data.source_reference = NonconformitySource.INCIDENT.value, incident.reference
    problems = nonconformities.owner_problems(data.owner_id, "owner_id", "owner")
    if problems:
        raise IncidentRuleError(problems)
    try:
        raised = nonconformities.raise_nonconformity(data, actor=actor)
    except nonconformities.NonconformityRuleError as error:
        raise IncidentRuleError(error.problems) from None
    incident.nonconformities.append(raised)
    db.session.flush()
    audit.record(AuditAction.RELATE, "incident", incident.id, actor=actor,
                 changes={"nonconformity": [None, raised.reference]},
                 summary=f"{incident.reference} raised nonconformity {raised.reference}"[:300])
    _log(incident, actor, f"Raised nonconformity {raised.reference} {raised.title}.")
    return raised


def may_view_register(user: User) -> bool:
    return user_can(user, INCIDENT_VIEW)
