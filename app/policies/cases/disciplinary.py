"""The disciplinary procedure of a case decided as disciplinary action (Schedule 8 items 4 and 7
for steps before 4 September 2025, the 2025 Code of Good Practice: Dismissal items 8 and 11 from
that day: each step follows the code in force on its own date, app.policies.cases.codes):
investigation, precautionary suspension, allegations, notice of the hearing, hearing, findings,
sanction, written outcome with the notice of the right to refer a dispute, appeal. When the
employee is a shop steward or a trade-union office-bearer, the union is informed and consulted before
the notice, the hearing and the sanction (Sch 8 item 4(2)).

Each step needs the one before it (the message names the missing step). Where a fairness check
(app.policies.cases.fairness) warns, the step is refused unless a reason to go on is given; the
reason is kept as a CaseFairnessOverride and audited. The audit entries name the case reference
and the step, never the employee, and no free text (it may name people)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

import sqlalchemy as sa

from app.admin import settings
from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import User
from app.common.timeutil import local_today
from app.common.uploads import CheckedUpload
from app.employees import services as employees
from app.extensions import db
from app.policies import services as policies
from app.policies.cases import fairness, referral, services
from app.policies.cases.codes import GoverningCode, code_in_force
from app.policies.cases.fairness import FairnessWarning
from app.policies.cases.models import (
    AppealOutcome,
    CaseAllegation,
    CaseAppeal,
    CaseHearing,
    CaseHearingNotice,
    CaseInvestigation,
    CaseSanction,
    CaseStatus,
    CaseSuspension,
    CaseUnionConsultation,
    Finding,
    PolicyCase,
    Sanction,
)
from app.policies.cases.recommendation import Action, EarlierWarning
from app.policies.cases.services import CLOSE_CHECKS, CaseRuleError, _require_open, earlier_warnings, overridden

# The fairness override's refusal and reason live with the case services (the case's own steps use them
# too); the names stay importable from here.
from app.policies.cases.services import OVERRIDE_REASON_MIN_CHARS as OVERRIDE_REASON_MIN_CHARS
from app.policies.cases.services import FairnessError as FairnessError
from app.policies.cases.services import go_on_or_refuse as _go_on_or_refuse
from app.policies.models import PolicyClause, PolicyVersion

Problems = list[tuple[str | None, str]]


# --- shared rules ---------------------------------------------------------------------------------


def _require_disciplinary(case: PolicyCase) -> None:
    _require_open(case)
    if case.decided != Action.DISCIPLINARY:
        decided = case.decided.label.lower() if case.decided else "not made yet"
        raise CaseRuleError(f"The decision in case {case.reference} is {decided}: the disciplinary procedure "
                            "applies only when disciplinary action is decided.")


def _date_problem(field: str, value: date | None, what: str, *, today: date, not_before: date | None = None,
                  not_before_what: str = "") -> tuple[str, str] | None:
    if value is None:
        return field, f"Give the date {what}."
    if value > today:
        return field, f"The date {what} cannot be after today ({today.isoformat()})."
    if not_before is not None and value < not_before:
        return field, f"The date {what} ({value.isoformat()}) cannot be before {not_before_what} " \
                      f"({not_before.isoformat()})."
    return None


def _raise_if(problems: Problems) -> None:
    if problems:
        raise CaseRuleError(problems)


def _step(case: PolicyCase, action: AuditAction, what: str, changes: dict, *, actor: User | None) -> None:
    audit.record(action, "case", case.id, changes=changes, summary=f"{what} in case {case.reference}"[:300],
                 actor=actor)
    db.session.flush()
    # The step's rows were added by case_id: the case's relationships read them afresh (a commit
    # used to expire it; the caller now commits once, at the end of the unit of work).
    db.session.expire(case)


# --- investigation and suspension -----------------------------------------------------------------


def record_investigation(case: PolicyCase, *, investigator: str, started_on: date | None, override_reason: str = "",
                         actor: User | None, today: date | None = None) -> CaseInvestigation:
    """Sch 8 item 4(1) / 2025 Code item 11: normally an investigation first (it need not be formal). It
    may precede the decision to take disciplinary action, which it informs; before the breach was
    reported only with a reason (e.g. an audit found the breach)."""
    today = today or local_today()
    _require_disciplinary(case)
    if case.investigation is not None:
        raise CaseRuleError("The investigation is on record already: record its findings when it is complete.")
    problems: Problems = []
    if not investigator.strip():
        problems.append(("investigator", "Name the investigator."))
    if problem := _date_problem("started_on", started_on, "the investigation started", today=today,
                                not_before=case.incident_on, not_before_what="the incident"):
        problems.append(problem)
    _raise_if(problems)
    assert started_on is not None  # _date_problem refused a missing date
    _go_on_or_refuse(case, fairness.dated_before_report("The investigation", started_on, case.reported_on),
                     override_reason, actor=actor)
    investigation = CaseInvestigation(case_id=case.id, investigator=investigator.strip(), started_on=started_on)
    db.session.add(investigation)
    _step(case, AuditAction.UPDATE, "Investigation started", {"investigation_started_on": [None, started_on]},
          actor=actor)
    return investigation


def complete_investigation(case: PolicyCase, *, completed_on: date | None, findings: str, actor: User | None,
                           today: date | None = None) -> CaseInvestigation:
    today = today or local_today()
    _require_disciplinary(case)
    investigation = case.investigation
    if investigation is None:
        raise CaseRuleError("Record the investigation (investigator and start date) first.")
    if investigation.completed_on is not None:
        raise CaseRuleError(f"The investigation was completed on {investigation.completed_on.isoformat()}.")
    problems: Problems = []
    if problem := _date_problem("completed_on", completed_on, "the investigation was completed", today=today,
                                not_before=investigation.started_on, not_before_what="its start"):
        problems.append(problem)
    if not findings.strip():
        problems.append(("findings", "Give the investigation's findings: what the evidence shows."))
    _raise_if(problems)
    investigation.completed_on, investigation.findings = completed_on, findings.strip()
    _step(case, AuditAction.UPDATE, "Investigation completed", {"investigation_completed_on": [None, completed_on]},
          actor=actor)
    return investigation


@dataclass(frozen=True)
class SuspensionInput:
    starts_on: date | None
    ends_on: date | None
    review_on: date | None
    with_pay: bool
    reasons: str


def record_suspension(case: PolicyCase, data: SuspensionInput, *, override_reason: str = "",
                      actor: User | None) -> CaseSuspension:
    """A precautionary suspension pending the inquiry: on full pay, with its reasons, not a sanction
    (Long v South African Breweries [2019] ZACC 7). It may come before the decision (it protects the
    inquiry); before the breach was reported only with a reason."""
    _require_disciplinary(case)
    if case.sanction is not None:
        raise CaseRuleError("The sanction is decided: a precautionary suspension is only for while the inquiry "
                            "is pending.")
    problems: Problems = []
    if not data.with_pay:
        problems.append(("with_pay", "A precautionary suspension is on full pay; suspension without pay is a "
                                     "sanction, decided after the hearing."))
    if not data.reasons.strip():
        problems.append(("reasons", "Give the reasons for the suspension (e.g. the risk of interfering with the "
                                    "evidence or the systems)."))
    if data.starts_on is None:
        problems.append(("starts_on", "Give the date the suspension starts."))
    elif data.starts_on < case.incident_on:
        problems.append(("starts_on", f"The suspension cannot start before the incident "
                                      f"({case.incident_on.isoformat()})."))
    else:
        if data.ends_on is not None and data.ends_on < data.starts_on:
            problems.append(("ends_on", f"The suspension cannot end ({data.ends_on.isoformat()}) before it starts "
                                        f"({data.starts_on.isoformat()})."))
        if data.review_on is not None and (data.review_on < data.starts_on
                                           or (data.ends_on is not None and data.review_on > data.ends_on)):
            problems.append(("review_on", "The review date must fall within the suspension."))
    _raise_if(problems)
    assert data.starts_on is not None  # refused above when missing
    _go_on_or_refuse(case, fairness.dated_before_report("The suspension", data.starts_on, case.reported_on),
                     override_reason, actor=actor)
    suspension = CaseSuspension(case_id=case.id, starts_on=data.starts_on, ends_on=data.ends_on,
                                review_on=data.review_on, with_pay=True, reasons=data.reasons.strip())
    db.session.add(suspension)
    _step(case, AuditAction.UPDATE, "Precautionary suspension (with pay) recorded",
          {"suspension": [None, {"starts_on": data.starts_on, "ends_on": data.ends_on, "review_on": data.review_on}]},
          actor=actor)
    return suspension


def suspension_limit_days() -> int:
    return int(settings.get(settings.SUSPENSION_HEARING_DAYS))


def lift_suspension(case: PolicyCase, *, lifted_on: date | None, actor: User | None,
                    today: date | None = None) -> CaseSuspension:
    """The suspension in force on `lifted_on` ends that day (the employee returns to work, the inquiry goes on)."""
    today = today or local_today()
    _require_disciplinary(case)
    if problem := _date_problem("lifted_on", lifted_on, "the suspension was lifted", today=today):
        raise CaseRuleError([problem])
    assert lifted_on is not None  # _date_problem() refuses a missing date
    suspension = next((s for s in reversed(case.suspensions) if s.starts_on <= lifted_on
                       and (s.ends_on is None or s.ends_on >= lifted_on)), None)
    if suspension is None:
        raise CaseRuleError([("lifted_on", f"No precautionary suspension is in force on {lifted_on.isoformat()}.")])
    before, suspension.ends_on = suspension.ends_on, lifted_on
    _step(case, AuditAction.UPDATE, "Precautionary suspension lifted", {"suspension_ends_on": [before, lifted_on]},
          actor=actor)
    return suspension


def suspensions_without_hearing(today: date, until: date) -> list[tuple[CaseSuspension, date]]:
    """Precautionary suspensions still in force after `today`, in open cases without a hearing, that reach
    the limit (suspension_limit_days()) by `until`: each with the last day within the limit."""
    limit = suspension_limit_days()
    statement = (sa.select(CaseSuspension).join(PolicyCase, CaseSuspension.case_id == PolicyCase.id)
                 .outerjoin(CaseHearing, CaseHearing.case_id == PolicyCase.id)
                 .where(PolicyCase.status == CaseStatus.OPEN.value, CaseHearing.id.is_(None),
                        CaseSuspension.starts_on <= until - timedelta(days=limit),
                        sa.or_(CaseSuspension.ends_on.is_(None), CaseSuspension.ends_on > today))
                 .order_by(CaseSuspension.starts_on, CaseSuspension.id))
    found = []
    for suspension in db.session.scalars(statement):
        reached = suspension.starts_on + timedelta(days=limit)
        if suspension.ends_on is None or suspension.ends_on > reached:
            found.append((suspension, reached))
    return found


# --- a union representative ---------------------------------------------------------------------


@dataclass(frozen=True)
class UnionInput:
    union_representative: bool | None  # None: not answered
    union_name: str = ""
    informed_on: date | None = None
    informed_whom: str = ""
    notes: str = ""


UNION_QUESTION = ("is the employee a shop steward, or an office-bearer or official of a trade union? Disciplinary "
                  "action against one is instituted only after the union is informed and consulted (Schedule 8 "
                  "item 4(2); the 2025 Code item 11)")


def record_union_status(case: PolicyCase, data: UnionInput, *, actor: User | None,
                        today: date | None = None) -> CaseUnionConsultation:
    """Sch 8 item 4(2) / 2025 Code item 11: the answer to the union question and, for a union
    representative, when and whom at the union the employer informed and consulted. Answered before
    the notice of the hearing; it may be corrected (or the consultation added) until the sanction."""
    today = today or local_today()
    _require_disciplinary(case)
    if case.sanction is not None:
        raise CaseRuleError("The sanction is decided: the answer on the union stands as recorded.")
    problems: Problems = []
    representative = data.union_representative
    if representative is None:
        problems.append(("union_representative", f"Answer the question: {UNION_QUESTION}."))
    elif representative:
        if not data.union_name.strip():
            problems.append(("union_name", "Name the trade union (e.g. SAMWU, IMATU, NEHAWU)."))
        if data.informed_on is not None:
            if problem := _date_problem("informed_on", data.informed_on, "the union was informed", today=today,
                                        not_before=case.incident_on, not_before_what="the incident"):
                problems.append(problem)
            if not data.informed_whom.strip():
                problems.append(("informed_whom", "Say whom at the union you informed and consulted (name and "
                                                  "position)."))
        elif data.informed_whom.strip():
            problems.append(("informed_on", "Give the date the union was informed and consulted."))
    _raise_if(problems)
    union = case.union_consultation
    before = (union.union_representative, union.informed_on) if union else (None, None)
    if union is None:
        union = CaseUnionConsultation(case_id=case.id, union_representative=bool(representative))
        db.session.add(union)
    union.union_representative = bool(representative)
    union.union_name = data.union_name.strip()[:200] if representative else ""
    union.informed_on = data.informed_on if representative else None
    union.informed_whom = data.informed_whom.strip()[:200] if representative else ""
    union.notes = data.notes.strip() if representative else ""
    _step(case, AuditAction.UPDATE, "Union question answered" if before[0] is None else "Union answer corrected",
          {"union_representative": [before[0], bool(representative)], "union_informed_on": [before[1],
                                                                                            union.informed_on]},
          actor=actor)
    return union


def union_consulted(case: PolicyCase) -> bool:
    union = case.union_consultation
    return union is not None and union.consulted


def _require_union_consulted(case: PolicyCase, before_what: str) -> None:
    union = case.union_consultation
    if union is None:
        raise CaseRuleError(f"Answer the union question before {before_what}: {UNION_QUESTION}.")
    if not union.consulted:
        raise CaseRuleError(f"The employee is a union representative: record when the union ({union.union_name}) "
                            f"was informed and consulted before {before_what} (Schedule 8 item 4(2)).")


# --- allegations and the notice -------------------------------------------------------------------


def _require_no_notice(case: PolicyCase, what: str) -> None:
    if case.notices:
        raise CaseRuleError(f"The notice of the hearing was issued on {case.notices[0].issued_on.isoformat()} with "
                            f"the allegations in it: {what}.")


def add_allegation(case: PolicyCase, text: str, *, actor: User | None) -> CaseAllegation:
    _require_disciplinary(case)
    if case.investigation is None:
        raise CaseRuleError("Record the investigation first: the allegations follow from it.")
    _require_no_notice(case, "they can no longer change")
    if not text.strip():
        raise CaseRuleError("Write the allegation: what the employee is alleged to have done, when, and which "
                            "rule it breaks.", field="text")
    position = max((a.position for a in case.allegations), default=0) + 1
    allegation = CaseAllegation(case_id=case.id, position=position, text=text.strip())
    db.session.add(allegation)
    _step(case, AuditAction.UPDATE, f"Allegation {position} added", {"allegations": [position - 1, position]},
          actor=actor)
    return allegation


def remove_allegation(case: PolicyCase, allegation_id: int, *, actor: User | None) -> None:
    _require_disciplinary(case)
    _require_no_notice(case, "they can no longer change")
    allegation = next((a for a in case.allegations if a.id == allegation_id), None)
    if allegation is None:
        raise CaseRuleError("That allegation is not part of this case.")
    db.session.delete(allegation)
    _step(case, AuditAction.UPDATE, f"Allegation {allegation.position} removed",
          {"allegations": [len(case.allegations), len(case.allegations) - 1]}, actor=actor)


@dataclass(frozen=True)
class NoticeInput:
    issued_on: date | None
    hearing_on: date | None
    hearing_time: str
    venue: str
    language: str
    chair: str
    allegations_included: bool = True
    representation_stated: bool = True
    interpreter_stated: bool = True
    dismissal_possible: bool = True
    issued_by_name: str = ""  # who signs the letter, and their position
    issued_by_position: str = ""


def issuer_of(user: User | None) -> dict[str, str]:
    """Who issues a notice by default: the person recording it, with their position from their employee
    record, or else their role in Khusela."""
    if user is None or getattr(user, "id", None) is None:
        return {"issued_by_name": "", "issued_by_position": ""}
    employee = employees.employee_for_user(user)
    position = employee.position if employee and employee.position else user.role_enum.label
    return {"issued_by_name": user.full_name, "issued_by_position": position}


def notice_days() -> int:
    return int(settings.get(settings.HEARING_NOTICE_WORKING_DAYS))


def issue_notice(case: PolicyCase, data: NoticeInput, *, override_reason: str = "", actor: User | None,
                 today: date | None = None) -> CaseHearingNotice:
    """Sch 8 item 4(1) / 2025 Code item 11: the allegations in writing, in a language the employee
    understands, time to prepare, the right to a representative and an interpreter. A postponed
    hearing gets a new notice. The notice carries out the decision to take disciplinary action: dated
    before it only with a reason. The procedure follows the code in force on the day it is issued."""
    today = today or local_today()
    _require_disciplinary(case)
    investigation = case.investigation
    if investigation is None or investigation.completed_on is None:
        raise CaseRuleError("Complete the investigation (with its findings) before the notice of the hearing.")
    if not case.allegations:
        raise CaseRuleError("Add the allegations first: the notice sets them out in writing.")
    if case.hearing is not None:
        raise CaseRuleError(f"The hearing was held on {case.hearing.held_on.isoformat()}: no further notice.")
    _require_union_consulted(case, "the notice of the hearing")
    informed_on = case.union_consultation.informed_on if case.union_consultation else None
    language = data.language.strip() or (case.employee.language or "")
    # Left empty, the person recording the notice issues it (with their position, unless one is given).
    issued_by_name, issued_by_position = data.issued_by_name.strip(), data.issued_by_position.strip()
    if not issued_by_name:
        issuer = issuer_of(actor)
        issued_by_name = issuer["issued_by_name"]
        issued_by_position = issued_by_position or issuer["issued_by_position"]
    problems: Problems = []
    if problem := _date_problem("issued_on", data.issued_on, "the notice was issued", today=today,
                                not_before=investigation.completed_on,
                                not_before_what="the end of the investigation"):
        problems.append(problem)
    elif data.issued_on is not None and informed_on is not None and data.issued_on < informed_on:
        problems.append(("issued_on", f"The notice ({data.issued_on.isoformat()}) cannot be dated before the union "
                                      f"was informed ({informed_on.isoformat()}): the union is consulted first."))
    if data.hearing_on is None:
        problems.append(("hearing_on", "Give the date of the hearing."))
    elif data.issued_on is not None and data.hearing_on <= data.issued_on:
        problems.append(("hearing_on", f"The hearing ({data.hearing_on.isoformat()}) must be after the notice is "
                                       f"issued ({data.issued_on.isoformat()})."))
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", data.hearing_time.strip()):
        problems.append(("hearing_time", f"Give the time of the hearing as HH:MM (24-hour), not "
                                         f"\"{data.hearing_time}\"."))
    if not data.venue.strip():
        problems.append(("venue", "Give the venue of the hearing."))
    if not language:
        problems.append(("language", "Give the employee's language: one they understand (the employee record "
                                     "has none)."))
    if not data.chair.strip():
        problems.append(("chair", "Name the chair of the hearing."))
    if not issued_by_name:
        problems.append(("issued_by_name", "Name the person who issues the notice: the letter is signed by them."))
    if not issued_by_position:
        problems.append(("issued_by_position", "Give the issuer's position (e.g. HR Practitioner, Director: "
                                               "Corporate Services)."))
    if problems or data.issued_on is None or data.hearing_on is None:  # a missing date is one of the problems
        raise CaseRuleError(problems)
    warnings = fairness.notice_period(data.issued_on, data.hearing_on, notice_days()) + fairness.notice_content(
        allegations_included=data.allegations_included, representation_stated=data.representation_stated)
    warnings += fairness.dated_before_decision("The notice of the hearing", data.issued_on, case.decided_on)
    _go_on_or_refuse(case, warnings, override_reason, actor=actor)
    postponed = bool(case.notices)
    notice = CaseHearingNotice(
        case_id=case.id, issued_on=data.issued_on, hearing_on=data.hearing_on, hearing_time=data.hearing_time.strip(),
        venue=data.venue.strip(), language=language[:40], chair=data.chair.strip(),
        allegations_included=data.allegations_included, representation_stated=data.representation_stated,
        interpreter_stated=data.interpreter_stated, dismissal_possible=data.dismissal_possible,
        issued_by_id=actor.id if actor else None, issued_by_name=issued_by_name[:200],
        issued_by_position=issued_by_position[:200])
    db.session.add(notice)
    _step(case, AuditAction.UPDATE,
          "Notice of the postponed hearing issued" if postponed else "Notice of the hearing issued",
          {"hearing_notice": [None, {"issued_on": data.issued_on, "hearing_on": data.hearing_on}]}, actor=actor)
    return notice


def attach_translation(case: PolicyCase, notice: CaseHearingNotice, upload: CheckedUpload, *,
                       actor: User | None) -> CaseHearingNotice:
    """The notice translated into the employee's language, kept as case evidence: from then on the
    letter says the translation is attached (Sch 8 item 4(1) / 2025 Code item 11: a language the
    employee understands). A corrected translation replaces the link; the earlier file stays evidence."""
    _require_disciplinary(case)
    if notice.in_letter_language:
        raise CaseRuleError(f"The notice is in {notice.language}, the employee's language: no translation is "
                            "needed.", field="file")
    stored = services.add_evidence(case, upload, f"Translation into {notice.language} of the notice of the hearing "
                                                 f"issued on {notice.issued_on.isoformat()}", actor=actor)
    before = notice.translation.sha256 if notice.translation else None
    notice.translation_id = stored.id
    _step(case, AuditAction.UPDATE, f"Translation into {notice.language} of the notice of the hearing attached",
          {"notice_translation": [before, stored.sha256]}, actor=actor)
    return notice


# --- the hearing and findings ---------------------------------------------------------------------


@dataclass(frozen=True)
class HearingInput:
    held_on: date | None
    chair: str
    attendees: str = ""
    employee_present: bool = True
    representative: str = ""
    interpreter: str = ""
    employee_response: str = ""
    evidence_summary: str = ""


def record_hearing(case: PolicyCase, data: HearingInput, *, override_reason: str = "", actor: User | None,
                   today: date | None = None) -> CaseHearing:
    today = today or local_today()
    _require_disciplinary(case)
    if not case.notices:
        raise CaseRuleError("Issue the notice of the hearing first: the employee must know the allegations and "
                            "have time to prepare.")
    if case.hearing is not None:
        raise CaseRuleError(f"The hearing of {case.hearing.held_on.isoformat()} is on record already.")
    _require_union_consulted(case, "the hearing")
    notice = case.notices[-1]
    problems: Problems = []
    if problem := _date_problem("held_on", data.held_on, "of the hearing", today=today, not_before=notice.issued_on,
                                not_before_what="the notice of the hearing"):
        problems.append(problem)
    if not data.chair.strip():
        problems.append(("chair", "Name the chair of the hearing."))
    if data.employee_present and not data.employee_response.strip():
        problems.append(("employee_response", "Give the employee's response to the allegations (their side of "
                                              "the story)."))
    if problems or data.held_on is None:  # a missing date is one of the problems
        raise CaseRuleError(problems)
    # Held earlier than the notice said: the time to prepare is what the employee actually had.
    warnings = fairness.notice_period(notice.issued_on, data.held_on, notice_days()) \
        if data.held_on < notice.hearing_on else []
    _go_on_or_refuse(case, warnings, override_reason, actor=actor)
    hearing = CaseHearing(
        case_id=case.id, held_on=data.held_on, chair=data.chair.strip(), attendees=data.attendees.strip(),
        employee_present=data.employee_present, representative=data.representative.strip(),
        interpreter=data.interpreter.strip(), employee_response=data.employee_response.strip(),
        evidence_summary=data.evidence_summary.strip())
    db.session.add(hearing)
    _step(case, AuditAction.UPDATE, "Hearing recorded", {"hearing_held_on": [None, data.held_on],
                                                          "employee_present": [None, data.employee_present]},
          actor=actor)
    return hearing


def record_finding(case: PolicyCase, allegation_id: int, *, finding: str, reasons: str,
                   actor: User | None) -> CaseAllegation:
    _require_disciplinary(case)
    if case.hearing is None:
        raise CaseRuleError("Record the hearing first: the findings follow it.")
    if case.sanction is not None:
        raise CaseRuleError("The sanction is decided: the findings stand.")
    allegation = next((a for a in case.allegations if a.id == allegation_id), None)
    if allegation is None:
        raise CaseRuleError("That allegation is not part of this case.")
    problems: Problems = []
    if finding not in {f.value for f in Finding}:
        problems.append(("finding", "Choose the finding: guilty or not guilty."))
    if not reasons.strip():
        problems.append(("reasons", "Give the reasons for the finding: which evidence was accepted, and why."))
    _raise_if(problems)
    before = allegation.finding
    allegation.finding, allegation.finding_reasons = finding, reasons.strip()
    _step(case, AuditAction.UPDATE, f"Finding on allegation {allegation.position}",
          {f"finding_{allegation.position}": [before, finding]}, actor=actor)
    return allegation


# --- sanction, outcome, appeal --------------------------------------------------------------------


@dataclass(frozen=True)
class SanctionInput:
    sanction: str
    reasons: str
    decided_on: date | None
    rule_existed: bool = False
    rule_valid: bool = False
    rule_known: bool = False
    consistently_applied: bool = False
    sanction_appropriate: bool = False
    # The 2025 Code (items 8 and 11) only, for a sanction decided on or after 4 September 2025:
    rule_importance: str = ""
    harm_caused: str = ""
    representations_on_sanction: bool = False
    # Sch 8 item 3(5) / 2025 Code item 8: required before a dismissal.
    clean_record: bool | None = None
    service_years: int | None = None
    record_weighed: str = ""
    wrongdoing_acknowledged: bool = False
    business_impact: str = ""

    @property
    def code(self) -> GoverningCode | None:
        """The code whose factors weigh this sanction: the one in force on the day it is decided."""
        return code_in_force(self.decided_on) if self.decided_on else None


def earlier_outcomes(case: PolicyCase) -> list[fairness.EarlierOutcome]:
    """Every earlier case (all departments: consistency is the employer's) for the same clause of the
    same policy, with what it ended in: its sanction, or the corrective action decided."""
    if case.clause is None:
        return []
    statement = (sa.select(PolicyCase.reference, PolicyCase.decided_action, CaseSanction.sanction)
                 .join(PolicyClause, PolicyCase.clause_id == PolicyClause.id)
                 .join(PolicyVersion, PolicyClause.version_id == PolicyVersion.id)
                 .outerjoin(CaseSanction, CaseSanction.case_id == PolicyCase.id)
                 .where(PolicyVersion.policy_id == case.policy_version.policy_id,
                        PolicyClause.reference == case.clause.reference, PolicyCase.id != case.id,
                        PolicyCase.incident_on <= case.incident_on, PolicyCase.decided_action.is_not(None))
                 .order_by(PolicyCase.incident_on))
    found = []
    for reference, action, sanction in db.session.execute(statement):
        if action == Action.DISCIPLINARY.value and sanction is None:
            continue  # still before its sanction
        # The WHERE clause leaves out cases without a decided action; the column is nullable.
        found.append(fairness.EarlierOutcome(reference, cast(str, sanction or action)))
    return found


def sanction_warnings(case: PolicyCase, data: SanctionInput) -> list[FairnessWarning]:
    if data.sanction == Sanction.NONE.value:
        return []
    warnings = fairness.substantive_fairness(
        rule_existed=data.rule_existed, rule_valid=data.rule_valid, rule_known=data.rule_known,
        consistently_applied=data.consistently_applied, sanction_appropriate=data.sanction_appropriate)
    if data.code == GoverningCode.CODE_2025:
        warnings += fairness.sanction_representations(data.representations_on_sanction)
    warnings += fairness.dismissal_reasons(data.sanction, data.reasons)
    if case.notices:
        warnings += fairness.dismissal_in_notice(data.sanction, case.notices[-1].dismissal_possible)
    warnings += fairness.policy_acknowledged(policies.has_acknowledged(case.policy_version, case.employee),
                                             str(case.policy_version))
    warnings += fairness.lighter_similar_sanctions(data.sanction, earlier_outcomes(case))
    return warnings


def warnings_valid_at_incident(case: PolicyCase) -> list[EarlierWarning]:
    """The employee's warnings from other cases still valid on the day of the incident: their record is not clean."""
    return [w for w in earlier_warnings(case.employee_id, exclude_case_id=case.id) if w.valid_on(case.incident_on)]


MAX_SERVICE_YEARS = 60


def _record_and_service_problems(case: PolicyCase, data: SanctionInput, chosen: Sanction | None) -> Problems:
    """Sch 8 item 3(5) / 2025 Code item 8: before a dismissal, the employee's record and length of service
    are weighed against the misconduct; a record said to be clean must be."""
    problems: Problems = []
    if data.service_years is not None and not 0 <= data.service_years <= MAX_SERVICE_YEARS:
        problems.append(("service_years", f"Give the completed years of service, 0 to {MAX_SERVICE_YEARS} (0 for less "
                                          f"than a year), not {data.service_years}."))
    if data.clean_record:
        valid = warnings_valid_at_incident(case)
        if valid:
            listed = "; ".join(f"{w.warning_type.label.lower()} of {w.issued_on.isoformat()} (case {w.case_reference})"
                               for w in valid)
            problems.append(("clean_record", f"The record is not clean: still valid on the day of the incident: "
                                             f"{listed}."))
    if chosen == Sanction.DISMISSAL:
        if data.clean_record is None:
            problems.append(("clean_record", "Before a dismissal, say whether the employee's disciplinary record is "
                                             "clean (Schedule 8 item 3(5); the 2025 Code item 8)."))
        if data.service_years is None:
            problems.append(("service_years", "Before a dismissal, give the employee's length of service in "
                                              "completed years."))
        if not data.record_weighed.strip():
            problems.append(("record_weighed", "Before a dismissal, say how the employee's record and length of "
                                               "service were weighed against the misconduct."))
    return problems


def record_sanction(case: PolicyCase, data: SanctionInput, *, override_reason: str = "", actor: User | None,
                    today: date | None = None) -> CaseSanction:
    """Sch 8 item 7 / 2025 Code item 8: the sanction with its reasons and the substantive questions;
    decided on or after 4 September 2025 (the 2025 Code, whatever the incident's date) also the
    importance of the rule, the harm caused, the employee's acknowledgement of wrongdoing, the impact
    on the organisation, and the employee's representations on the sanction."""
    today = today or local_today()
    _require_disciplinary(case)
    if case.hearing is None:
        raise CaseRuleError("Record the hearing first: the sanction follows the hearing and the findings.")
    if case.sanction is not None:
        raise CaseRuleError(f"The sanction ({case.sanction.sanction_enum.label.lower()}) is on record already.")
    _require_union_consulted(case, "the sanction")
    pending = [a.position for a in case.allegations if a.finding is None]
    if pending:
        raise CaseRuleError(f"Record the finding on allegation{'s' if len(pending) > 1 else ''} "
                            f"{', '.join(map(str, pending))} first.")
    problems: Problems = []
    try:
        chosen = Sanction(data.sanction)
    except ValueError:
        chosen = None
        problems.append(("sanction", "Choose the sanction."))
    guilty = any(a.finding == Finding.GUILTY.value for a in case.allegations)
    if chosen is not None and chosen != Sanction.NONE and not guilty:
        problems.append(("sanction", "The employee was found not guilty on every allegation: the only sanction is "
                                     "none."))
    if not data.reasons.strip():
        problems.append(("reasons", "Give the reasons for the sanction: a sanction without reasons cannot be "
                                    "defended."))
    if problem := _date_problem("decided_on", data.decided_on, "the sanction was decided", today=today,
                                not_before=case.hearing.held_on, not_before_what="the hearing"):
        problems.append(problem)
    # The factors are those of the code in force on the sanction's date, whatever the incident's date.
    code_2025 = data.code == GoverningCode.CODE_2025
    if code_2025 and chosen not in (None, Sanction.NONE):
        if not data.rule_importance.strip():
            problems.append(("rule_importance", "Under the 2025 Code, say how important the rule is (item 8)."))
        if not data.business_impact.strip():
            problems.append(("business_impact", "Under the 2025 Code, describe the impact of the misconduct on the "
                                                "organisation's work (item 8)."))
        if not data.harm_caused.strip():
            problems.append(("harm_caused", "Under the 2025 Code, describe the actual or potential harm caused "
                                            "(item 8)."))
    problems += _record_and_service_problems(case, data, chosen)
    if problems or chosen is None:  # an unknown sanction is one of the problems
        raise CaseRuleError(problems)
    _go_on_or_refuse(case, sanction_warnings(case, data), override_reason, actor=actor)
    sanction = CaseSanction(
        case_id=case.id, sanction=chosen.value, reasons=data.reasons.strip(), decided_on=data.decided_on,
        rule_existed=data.rule_existed, rule_valid=data.rule_valid, rule_known=data.rule_known,
        consistently_applied=data.consistently_applied, sanction_appropriate=data.sanction_appropriate,
        rule_importance=data.rule_importance.strip() if code_2025 else "",
        harm_caused=data.harm_caused.strip() if code_2025 else "",
        representations_on_sanction=data.representations_on_sanction if code_2025 else False,
        clean_record=data.clean_record, service_years=data.service_years, record_weighed=data.record_weighed.strip(),
        wrongdoing_acknowledged=data.wrongdoing_acknowledged if code_2025 else False,
        business_impact=data.business_impact.strip() if code_2025 else "")
    db.session.add(sanction)
    _step(case, AuditAction.UPDATE, f"Sanction decided: {chosen.label.lower()}",
          {"sanction": [None, chosen.value], "sanction_decided_on": [None, data.decided_on]}, actor=actor)
    return sanction


def record_outcome_issued(case: PolicyCase, *, issued_on: date | None, referral_notice_given: bool,
                          override_reason: str = "", actor: User | None, today: date | None = None) -> CaseSanction:
    """Sch 8 item 4(3): the decision in writing; for a dismissal, the reasons and the right to refer
    the dispute to the bargaining council or the CCMA within 30 days (LRA s191(1)(b))."""
    today = today or local_today()
    _require_disciplinary(case)
    sanction = case.sanction
    if sanction is None:
        raise CaseRuleError("Record the sanction first: the written outcome gives it with its reasons.")
    if sanction.outcome_issued_on is not None:
        raise CaseRuleError(f"The written outcome was issued on {sanction.outcome_issued_on.isoformat()}.")
    if problem := _date_problem("issued_on", issued_on, "the written outcome was issued", today=today,
                                not_before=sanction.decided_on, not_before_what="the sanction"):
        raise CaseRuleError([problem])
    _go_on_or_refuse(case, fairness.dismissal_referral(sanction.sanction, referral_notice_given), override_reason,
                     actor=actor)
    sanction.outcome_issued_on, sanction.referral_notice_given = issued_on, referral_notice_given
    _step(case, AuditAction.UPDATE, "Written outcome issued",
          {"outcome_issued_on": [None, issued_on], "referral_notice_given": [False, referral_notice_given]},
          actor=actor)
    return sanction


def record_appeal(case: PolicyCase, *, lodged_on: date | None, grounds: str, actor: User | None,
                  today: date | None = None) -> CaseAppeal:
    today = today or local_today()
    _require_disciplinary(case)
    sanction = case.sanction
    if sanction is None or sanction.outcome_issued_on is None:
        raise CaseRuleError("Record the written outcome first: the appeal is against it.")
    if case.appeal is not None:
        raise CaseRuleError(f"The appeal of {case.appeal.lodged_on.isoformat()} is on record already.")
    problems: Problems = []
    if problem := _date_problem("lodged_on", lodged_on, "the appeal was lodged", today=today,
                                not_before=sanction.outcome_issued_on, not_before_what="the written outcome"):
        problems.append(problem)
    if not grounds.strip():
        problems.append(("grounds", "Give the grounds of the appeal."))
    _raise_if(problems)
    appeal = CaseAppeal(case_id=case.id, lodged_on=lodged_on, grounds=grounds.strip())
    db.session.add(appeal)
    _step(case, AuditAction.UPDATE, "Appeal lodged", {"appeal_lodged_on": [None, lodged_on]}, actor=actor)
    return appeal


_TITLES = {"mr", "mrs", "ms", "miss", "dr", "prof", "adv", "advocate"}


def _name_words(name: str) -> list[str]:
    """A person's name as compared: without a bracketed position, titles, punctuation or case."""
    words = re.sub(r"[^\w\s]", " ", re.sub(r"\(.*?\)", " ", name)).casefold().split()
    return [word for word in words if word not in _TITLES]


def _same_person(one: str, other: str) -> bool:
    return bool(_name_words(one)) and _name_words(one) == _name_words(other)


def _appeal_chair_problems(case: PolicyCase, chair: str, chair_position: str, chair_senior: bool) -> Problems:
    """The appeal is decided by someone senior to the hearing's chair who took no part in the case: an
    appeal to the people who decided the case is no appeal. Seniority cannot be checked (there is no
    hierarchy of positions to rank against), so the position is kept and HR confirms it."""
    problems: Problems = []
    if not chair.strip():
        problems.append(("chair", "Name the chair of the appeal (the appeal authority)."))
    else:
        involved = [(what, name) for what, name in [
            ("the chair of the hearing", case.hearing.chair if case.hearing else ""),
            ("the chair named in the notice", case.notices[-1].chair if case.notices else ""),
            ("the investigator", case.investigation.investigator if case.investigation else "")] if name]
        clash = next(((what, name) for what, name in involved if _same_person(chair, name)), None)
        if clash:
            problems.append(("chair", f"The appeal is decided by someone who took no part in the case: {chair.strip()} "
                                      f"is {clash[0]} ({clash[1]})."))
    if not chair_position.strip():
        problems.append(("chair_position", "Give the appeal chair's position: it shows their seniority to the "
                                           "hearing's chair."))
    if not chair_senior:
        problems.append(("chair_senior", "Confirm that the appeal chair is senior to the chair of the hearing and "
                                         "took no part in the case before."))
    return problems


def record_appeal_outcome(case: PolicyCase, *, outcome: str, outcome_on: date | None, reasons: str,
                          varied_sanction: str = "", chair: str = "", chair_position: str = "",
                          chair_senior: bool = False, actor: User | None, today: date | None = None) -> CaseAppeal:
    """The appeal's outcome, decided by an appeal chair senior to the hearing's chair and not involved
    before; the employer's final decision (the referral period of a dismissal runs from it)."""
    today = today or local_today()
    _require_disciplinary(case)
    appeal = case.appeal
    if appeal is None:
        raise CaseRuleError("Record the appeal first.")
    if appeal.outcome is not None:
        raise CaseRuleError(f"The appeal was decided on {appeal.outcome_on}.")  # str(date) is its ISO form
    problems: Problems = []
    try:
        result = AppealOutcome(outcome)
    except ValueError:
        result = None
        problems.append(("outcome", "Choose the outcome of the appeal."))
    if result == AppealOutcome.VARIED:
        if varied_sanction not in {s.value for s in Sanction}:
            problems.append(("varied_sanction", "Choose the sanction the appeal put in its place."))
        elif case.sanction is not None and varied_sanction == case.sanction.sanction:  # appeals follow a sanction
            problems.append(("varied_sanction", f"The sanction was {case.sanction.sanction_enum.label.lower()} "
                                                "already: choose the one the appeal put in its place."))
    if problem := _date_problem("outcome_on", outcome_on, "of the appeal's outcome", today=today,
                                not_before=appeal.lodged_on, not_before_what="the appeal"):
        problems.append(problem)
    if not reasons.strip():
        problems.append(("reasons", "Give the reasons for the appeal's outcome."))
    problems += _appeal_chair_problems(case, chair, chair_position, chair_senior)
    if problems or result is None:  # an unknown outcome is one of the problems
        raise CaseRuleError(problems)
    appeal.outcome, appeal.outcome_on, appeal.outcome_reasons = result.value, outcome_on, reasons.strip()
    appeal.chair, appeal.chair_position, appeal.chair_senior = chair.strip()[:200], chair_position.strip()[:200], True
    appeal.varied_sanction = varied_sanction if result == AppealOutcome.VARIED else None
    _step(case, AuditAction.UPDATE, f"Appeal outcome: {result.label.lower()}",
          {"appeal_outcome": [None, result.value], "varied_sanction": [None, appeal.varied_sanction]}, actor=actor)
    return appeal


# --- what the page shows, and closing -------------------------------------------------------------


def next_step(case: PolicyCase) -> str | None:
    """The step the procedure waits for (the page shows its form), or None when done."""
    if case.investigation is None:
        return "investigation"
    if case.investigation.completed_on is None:
        return "complete_investigation"
    if case.sanction is None and not union_consulted(case):
        return "union"
    if not case.notices:
        return "notice"  # with the allegations before it
    if case.hearing is None:
        return "hearing"
    if case.sanction is None:
        return "findings" if any(a.finding is None for a in case.allegations) else "sanction"
    if case.sanction.outcome_issued_on is None:
        return "outcome"
    if case.appeal is None:
        return "appeal"
    if case.appeal.outcome is None:
        return "appeal_outcome"
    return None


def open_warnings(case: PolicyCase, today: date | None = None) -> list[FairnessWarning]:
    """What still warns on the record as it stands and was not gone on with a reason."""
    today = today or local_today()
    found: list[FairnessWarning] = []
    for suspension in case.suspensions:
        found += fairness.suspension_without_hearing(suspension.starts_on, suspension.ends_on,
                                                     hearing_held=case.hearing is not None, today=today,
                                                     limit_days=suspension_limit_days())
    if case.notices:
        notice = case.notices[-1]
        held = case.hearing.held_on if case.hearing else notice.hearing_on
        found += fairness.notice_period(notice.issued_on, held, notice_days())
        found += fairness.notice_content(allegations_included=notice.allegations_included,
                                         representation_stated=notice.representation_stated)
    if case.sanction is not None and case.sanction.outcome_issued_on is not None:
        found += fairness.dismissal_referral(case.sanction.sanction, case.sanction.referral_notice_given)
    return [w for w in found if not overridden(case, w.check)]


def first_referral(sanction: CaseSanction) -> referral.Referral | None:
    """The period to refer a dispute about the sanction as the hearing decided it, from the written
    outcome (from the decision, before the outcome is given)."""
    if sanction.outcome_issued_on is not None:
        return referral.referral(sanction.sanction, sanction.outcome_issued_on, "the written outcome")
    return referral.referral(sanction.sanction, sanction.decided_on, "the sanction")


def final_sanction(case: PolicyCase) -> str | None:
    """The sanction that stands: the hearing's, or what the appeal left in its place ("none" when set aside)."""
    if case.sanction is None:
        return None
    appeal = case.appeal
    if appeal is None or appeal.outcome is None:
        return case.sanction.sanction
    if appeal.outcome == AppealOutcome.UPHELD.value:
        return Sanction.NONE.value
    if appeal.outcome == AppealOutcome.VARIED.value:
        return appeal.varied_sanction
    return case.sanction.sanction


def final_referral(case: PolicyCase) -> referral.Referral | None:
    """LRA s191(1)(b): the period to refer a dispute about the sanction that stands. A dismissal the
    appeal upheld counts from the appeal's outcome (the employer's final decision to uphold it); a
    sanction the appeal put in place counts from the appeal's outcome (the act itself); a lesser sanction
    the appeal left standing counts from the written outcome (the act), which is the earlier day, so that
    the employee is never told a later one than the law allows."""
    sanction = case.sanction
    if sanction is None:
        return None
    appeal = case.appeal
    if appeal is None or appeal.outcome is None or appeal.outcome_on is None:
        return first_referral(sanction)
    standing = final_sanction(case)
    if appeal.outcome == AppealOutcome.VARIED.value or standing == Sanction.DISMISSAL.value:
        return referral.referral(standing, appeal.outcome_on, "the appeal's outcome")
    if appeal.outcome == AppealOutcome.UPHELD.value:
        return None
    return first_referral(sanction)


def _disciplinary_done(case: PolicyCase) -> str | None:
    if case.decided != Action.DISCIPLINARY:
        return None
    if case.sanction is None:
        return "The decision is disciplinary action: record the hearing, the findings and the sanction before closing."
    if case.sanction.outcome_issued_on is None:
        return "Record the written outcome given to the employee before closing."
    if (case.sanction.sanction == Sanction.DISMISSAL.value and not case.sanction.referral_notice_given
            and not overridden(case, fairness.DISMISSAL_REFERRAL)):
        return "The dismissal's written outcome did not give notice of the right to refer a dispute within 30 days."
    if case.appeal is not None and case.appeal.outcome is None:
        return f"The appeal lodged on {case.appeal.lodged_on.isoformat()} awaits its outcome."
    return None


CLOSE_CHECKS.append(_disciplinary_done)
