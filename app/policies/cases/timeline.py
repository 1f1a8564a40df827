"""A case's history as dated events, oldest first: for the timeline page and the case file PDF.
Each module that adds a step to cases adds a source of its events to TIMELINE_SOURCES.

Events are ordered by their own dates (the incident, the report, the decision and each step as
dated by the person recording it, not the day it was typed in); on the same day the incident
comes first, then the report, then the decision, then the steps in the order the procedure takes
them, and the closing last."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import User
from app.common.timeutil import to_local
from app.extensions import db
from app.policies.cases.fairness import CHECK_LABELS
from app.policies.cases.models import PolicyCase

# The order of events on the same day (a stable sort keeps each source's own order within a rank).
INCIDENT, REPORT, DECISION, STEP, CLOSING = 0, 10, 20, 50, 90


@dataclass(frozen=True)
class Event:
    on: date
    title: str
    detail: str = ""
    by: str = ""  # who recorded it, when known
    rank: int = STEP
    step: bool = True  # a step of the case (not a file added or a reason recorded): which code governs it


def _who(user_id: int | None) -> str:
    user = db.session.get(User, user_id) if user_id else None
    return user.full_name if user else ""


def _core_events(case: PolicyCase) -> list[Event]:
    clause = f", clause {case.clause.reference} {case.clause.title}" if case.clause else ""
    recorded = f" Case opened in Khusela on {case.opened_on.isoformat()}." if case.opened_on != case.reported_on else ""
    events = [Event(case.incident_on, "Incident", f"Breach of {case.policy_version}{clause}", rank=INCIDENT),
              Event(case.reported_on, "Breach reported, case opened",
                    f"Recommended: {case.recommended.label.lower()} ({case.severity_enum.label.lower()} severity, "
                    f"{case.security_risk_enum.label.lower()} security risk).{recorded}", _who(case.created_by_id),
                    rank=REPORT)]
    if case.decided and case.decided_on:
        differs = f" — not the recommended action: {case.decision_reason}" if case.decided != case.recommended else ""
        events.append(Event(case.decided_on, "Decision", f"{case.decided.label}{differs}", _who(case.decided_by_id),
                            rank=DECISION))
    for item in case.evidence:
        events.append(Event(to_local(item.uploaded_at).date(), "Evidence added",
                            f"{item.original_name}{': ' + item.description if item.description else ''}",
                            _who(item.uploaded_by_id), step=False))
    for warning in case.warnings:
        events.append(Event(warning.issued_on, f"{warning.type_enum.label} given",
                            f"Counts until {warning.valid_until.isoformat()}", _who(warning.issued_by_id)))
        if warning.acknowledged_on:
            events.append(Event(warning.acknowledged_on, "Warning signed by the employee"))
        elif warning.refused_to_sign:
            events.append(Event(warning.issued_on, "The employee refused to sign the warning",
                                f"Witness: {warning.witness_name}"))
    if case.closed_on:
        events.append(Event(case.closed_on, "Case closed", case.outcome, _who(case.updated_by_id), rank=CLOSING))
    return events


def _privilege_events(case: PolicyCase) -> list[Event]:
    events = []
    for revocation in case.revocations:
        what = ", ".join(resource.label for resource in revocation.resources)
        events.append(Event(revocation.starts_on, "Privileges revoked",
                            f"{what} until {revocation.ends_on.isoformat()}; job functions: {revocation.no_harm_note}",
                            _who(revocation.created_by_id)))
        if revocation.restored_on:
            events.append(Event(revocation.restored_on, "Privileges restored", what, _who(revocation.restored_by_id)))
    for training in case.trainings:
        events.append(Event(case.decided_on or case.opened_on, "Training assigned",
                            f"{training.course}, due {training.due_on.isoformat()}", _who(training.created_by_id)))
        if training.completed_on:
            events.append(Event(training.completed_on, "Training completed", training.course,
                                _who(training.updated_by_id)))
    return events


def _disciplinary_events(case: PolicyCase) -> list[Event]:
    """Each step with who recorded it: a step that completes a record (the investigation's findings, the
    written outcome, the appeal's outcome) is its record's last update."""
    events = []
    if case.investigation:
        investigation = case.investigation
        events.append(Event(investigation.started_on, "Investigation started",
                            f"Investigator: {investigation.investigator}", _who(investigation.created_by_id)))
        if investigation.completed_on:
            events.append(Event(investigation.completed_on, "Investigation completed", investigation.findings,
                                _who(investigation.updated_by_id)))
    for suspension in case.suspensions:
        until = f" until {suspension.ends_on.isoformat()}" if suspension.ends_on else ""
        events.append(Event(suspension.starts_on, "Precautionary suspension on full pay" + until, suspension.reasons,
                            _who(suspension.created_by_id)))
    union = case.union_consultation
    if union and union.informed_on:
        events.append(Event(union.informed_on, "Trade union informed and consulted",
                            f"{union.union_name}: {union.informed_whom}", _who(union.updated_by_id)))
    for notice in case.notices:
        events.append(Event(notice.issued_on, "Notice of the disciplinary hearing",
                            f"Hearing on {notice.hearing_on.isoformat()} at {notice.hearing_time}, {notice.venue}; "
                            f"{notice.language_note}; {len(case.allegations)} allegation(s); issued by "
                            f"{notice.issuer or '—'}", _who(notice.created_by_id)))
    if case.hearing:
        events.append(Event(case.hearing.held_on, "Disciplinary hearing", f"Chair: {case.hearing.chair}",
                            _who(case.hearing.created_by_id)))
        findings = [f"{a.position}: {'guilty' if a.finding == 'guilty' else 'not guilty'}"
                    for a in case.allegations if a.finding]
        if findings:
            events.append(Event(case.hearing.held_on, "Findings", "; ".join(findings)))
    if case.sanction:
        events.append(Event(case.sanction.decided_on, f"Sanction: {case.sanction.sanction_enum.label.lower()}",
                            case.sanction.reasons, _who(case.sanction.created_by_id)))
        if case.sanction.outcome_issued_on:
            referral = " with notice of the right to refer a dispute" if case.sanction.referral_notice_given else ""
            events.append(Event(case.sanction.outcome_issued_on, "Written outcome given" + referral, "",
                                _who(case.sanction.updated_by_id)))
    if case.appeal:
        events.append(Event(case.appeal.lodged_on, "Appeal lodged", case.appeal.grounds,
                            _who(case.appeal.created_by_id)))
        if case.appeal.outcome_on and case.appeal.outcome:
            chair = f"Chair: {case.appeal.chair}, {case.appeal.chair_position}. " if case.appeal.chair else ""
            events.append(Event(case.appeal.outcome_on, "Appeal decided", chair + case.appeal.outcome_reasons,
                                _who(case.appeal.updated_by_id)))
    for override in case.fairness_overrides:
        events.append(Event(to_local(override.recorded_at).date(), "Reason recorded to go on",
                            f"{CHECK_LABELS.get(override.check, override.check)}: {override.reason}",
                            _who(override.recorded_by_id), step=False))
    return events


TIMELINE_SOURCES: list[Callable[[PolicyCase], list[Event]]] = [_core_events, _privilege_events, _disciplinary_events]


def events(case: PolicyCase) -> list[Event]:
    """Every source's events, by date, then by their place in the procedure (a stable sort keeps each
    source's own order within the same day and rank)."""
    found = [event for source in TIMELINE_SOURCES for event in source(case)]
    return sorted(found, key=lambda event: (event.on, event.rank))


@dataclass(frozen=True)
class RecordedStep:
    """One write to the case as the audit log holds it: when, by whom, what."""

    at: datetime  # local time
    by: str
    what: str


# Reading the case or downloading its documents is not a step of it.
_NOT_STEPS = (AuditAction.VIEW.value, AuditAction.DOWNLOAD.value, AuditAction.EXPORT.value)


def recorded_steps(case: PolicyCase) -> list[RecordedStep]:
    """Who recorded each step of the case and when, oldest first, from the audit log."""
    entries = reversed(audit.entries_about("case", case.id, limit=None, excluding=_NOT_STEPS))
    return [RecordedStep(to_local(entry.occurred_at),
                         entry.actor.full_name if entry.actor else (entry.actor_email or "Khusela (no signed-in user)"),
                         entry.summary) for entry in entries]
