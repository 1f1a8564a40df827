"""Use cases of the nonconformity register. Other registers (internal audits, control tests,
incidents) raise their nonconformities through `raise_nonconformity`, so every one gets the same
checks, reference and audit entry whatever found it."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

import sqlalchemy as sa
from flask import abort

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import Department, Role, User
from app.auth.permissions import NONCONFORMITY_EDIT, NONCONFORMITY_VIEW, role_has, user_can
from app.common.models import RuleError
from app.common.timeutil import local_today
from app.common.transactions import lock_chain_tail
from app.controls.clauses import CLAUSES_BY_NUMBER
from app.controls.models import Control, ControlSource, ControlTest, TestResult
from app.extensions import db
from app.nonconformities import workflow
from app.nonconformities.models import (
    ChangeKind,
    CorrectiveAction,
    CorrectiveActionStatus,
    EffectivenessReview,
    IsmsChange,
    Nonconformity,
    NonconformitySource,
    NonconformityStatus,
    Severity,
)
from app.policies.models import Policy
from app.risks.models import Risk

AUDITED_FIELDS = ["reference", "title", "description", "source", "source_reference", "severity", "clause",
                  "control_id", "department_id", "owner_id", "raised_on", "due_on", "status", "correction",
                  "root_cause", "five_whys", "similar_elsewhere", "effectiveness_reviewed_on",
                  "effectiveness_reviewer_id", "effectiveness_effective", "effectiveness_note", "closed_on",
                  "verifying_since", "action_round"]
ACTION_AUDITED_FIELDS = ["title", "owner_id", "due_on", "status", "progress_note", "completed_on", "action_round"]
MAX_WHYS = 5


class NonconformityRuleError(RuleError):
    pass


@dataclass
class NonconformityInput:
    title: str
    description: str
    source: str
    severity: str
    source_reference: str = ""
    clause: str | None = None
    control_id: int | None = None
    department_id: int | None = None
    owner_id: int | None = None
    raised_on: date | None = None  # the organisation's today when absent
    due_on: date | None = None
    correction: str = ""


def next_reference() -> str:
    """NC-0001, NC-0002, ...: one more than the highest. The caller holds the audit chain's lock
    (raise_nonconformity takes it first), so two people raising at once get different numbers."""
    highest = db.session.scalar(sa.select(sa.func.max(sa.func.length(Nonconformity.reference))))
    if highest is None:
        return "NC-0001"
    last = db.session.scalar(sa.select(sa.func.max(Nonconformity.reference))
                             .where(sa.func.length(Nonconformity.reference) == highest)) or "NC-0000"
    return f"NC-{int(last.removeprefix('NC-')) + 1:04d}"


def _problems(data: NonconformityInput, today: date) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    if not data.title.strip():
        problems.append(("title", "Give the nonconformity a short title."))
    if not data.description.strip():
        problems.append(("description", "Describe the nonconformity: the requirement, and what was found instead."))
    if data.source not in set(NonconformitySource):
        problems.append(("source", "Choose where the nonconformity was found."))
    if data.severity not in set(Severity):
        problems.append(("severity", "Choose major or minor."))
    if data.clause and data.clause not in CLAUSES_BY_NUMBER:
        problems.append(("clause", f"{data.clause} is not a clause of ISO/IEC 27001:2022 (4.1 to 10.2)."))
    if data.control_id is not None and db.session.get(Control, data.control_id) is None:
        problems.append(("control_id", "That control is not in the catalogue."))
    if data.department_id is not None and db.session.get(Department, data.department_id) is None:
        problems.append(("department_id", "That department does not exist."))
    if data.owner_id is not None:
        owner = db.session.get(User, data.owner_id)
        if owner is None or not owner.active:
            problems.append(("owner_id", "Choose an active user as the owner."))
    raised_on = data.raised_on or today
    if raised_on > today:
        problems.append(("raised_on", "A nonconformity cannot be raised in the future."))
    if data.due_on is not None and data.due_on < raised_on:
        problems.append(("due_on", "The due date cannot be before the date it was raised."))
    return problems


def raise_nonconformity(data: NonconformityInput, *, actor: User | None, today: date | None = None) -> Nonconformity:
    """A new nonconformity, open, with the next NC reference (the caller commits)."""
    today = today or local_today()
    problems = _problems(data, today)
    if problems:
        raise NonconformityRuleError(problems)
    lock_chain_tail(db.session)  # numbers are handed out one at a time: see next_reference
    nonconformity = Nonconformity(
        reference=next_reference(), title=data.title.strip(), description=data.description.strip(),
        source=data.source, source_reference=data.source_reference.strip(), severity=data.severity,
        clause=data.clause or None, control_id=data.control_id, department_id=data.department_id,
        owner_id=data.owner_id, raised_on=data.raised_on or today, raised_by_id=actor.id if actor else None,
        due_on=data.due_on, correction=data.correction.strip())
    db.session.add(nonconformity)
    db.session.flush()
    audit.record(AuditAction.CREATE, "nonconformity", nonconformity.id,
                 changes=audit.diff({}, audit.snapshot(nonconformity, AUDITED_FIELDS)),
                 summary=f"Raised nonconformity {nonconformity}"[:300], actor=actor)
    return nonconformity


# --- who may do what ------------------------------------------------------------------------------


def may_edit(user: User) -> bool:
    """Security officers and administrators run the register; everyone else reads it."""
    return user_can(user, NONCONFORMITY_EDIT)


def may_update_action(user: User, action: CorrectiveAction) -> bool:
    """The action's own owner records its progress; the register's editors change any action."""
    return may_edit(user) or (action.owner_id is not None and action.owner_id == user.id
                              and user_can(user, NONCONFORMITY_VIEW))


def possible_owners(keep_ids: tuple[int | None, ...] = ()) -> list[User]:
    """Who may own a nonconformity or an action: active accounts whose role reads the register, but
    not auditors (they write nothing, so could never record progress). `keep_ids` keeps a current owner."""
    roles = [role.value for role in Role if role_has(role, NONCONFORMITY_VIEW) and role != Role.AUDITOR]
    eligible = sa.and_(User.active.is_(True), User.role.in_(roles))
    kept = [user_id for user_id in keep_ids if user_id is not None]
    clause = sa.or_(eligible, User.id.in_(kept)) if kept else eligible
    return list(db.session.scalars(sa.select(User).where(clause).order_by(sa.func.lower(User.full_name), User.id)))


def owner_problems(owner_id: int | None, field: str, who: str) -> list[tuple[str | None, str]]:
    if owner_id is None:
        return []
    owner = db.session.get(User, owner_id)
    if owner is None or not owner.active:
        return [(field, f"Choose an active user as the {who}.")]
    if owner.role == Role.AUDITOR or not role_has(owner.role, NONCONFORMITY_VIEW):
        return [(field, f"{owner.full_name} cannot be the {who}: their role ({owner.role}) cannot update "
                        "nonconformities. Choose a security officer, risk owner, manager or administrator.")]
    return []


def get_nonconformity_or_404(nonconformity_id: int) -> Nonconformity:
    nonconformity = db.session.get(Nonconformity, nonconformity_id)
    if nonconformity is None:
        abort(404)
    return nonconformity


def get_action_or_403(user: User, nonconformity_id: int, action_id: int, need: str) -> CorrectiveAction:
    """An action of the nonconformity, for a user who holds `need` (the route's permission) on it:
    NONCONFORMITY_EDIT on any action, NONCONFORMITY_VIEW (recording progress) on their own only. 404 when
    the action is missing or belongs to another nonconformity, 403 when it is someone else's."""
    if need not in (NONCONFORMITY_EDIT, NONCONFORMITY_VIEW):
        raise KeyError(f"No per-action rule for {need!r}.")
    action = db.session.get(CorrectiveAction, action_id)
    if action is None or action.nonconformity_id != nonconformity_id:
        abort(404)
    allowed = may_edit(user) if need == NONCONFORMITY_EDIT else may_update_action(user, action)
    if not allowed:
        abort(403)
    return action


def _refuse_if_closed(nonconformity: Nonconformity) -> None:
    if nonconformity.status == NonconformityStatus.CLOSED:
        raise NonconformityRuleError(f"{nonconformity.reference} is closed, so it can no longer be changed. An "
                                     "administrator or security officer may reopen it, giving the reason.")


def _lock(*records) -> None:
    """Take the write lock and read the records again before deciding on their status: two people
    completing the last two actions at once must both be seen (workflow.status_from_actions)."""
    lock_chain_tail(db.session)
    for record in records:
        db.session.refresh(record)


# --- raising and editing --------------------------------------------------------------------------


def raise_as(data: NonconformityInput, *, actor: User, today: date | None = None) -> Nonconformity:
    """Raise from the register's own form. A manager raises only what they found in their own
    department (self-identified): the security officer then triages it (severity, owner, clause)."""
    if actor.role == Role.MANAGER:
        problems: list[tuple[str | None, str]] = []
        if data.source != NonconformitySource.SELF_IDENTIFIED:
            problems.append(("source", "A manager raises nonconformities they found themselves (self-identified); "
                                       "audit and test findings are raised by the security officer."))
        if actor.department_id is None or data.department_id != actor.department_id:
            problems.append(("department_id", "A manager raises nonconformities of their own department only."))
        if problems:
            raise NonconformityRuleError(problems)
    problems = owner_problems(data.owner_id, "owner_id", "owner")
    if problems:
        raise NonconformityRuleError(problems)
    return raise_nonconformity(data, actor=actor, today=today)


def input_of(nonconformity: Nonconformity) -> NonconformityInput:
    """The record as it stands, as the input that would leave it unchanged (the edit form's start)."""
    names = [field.name for field in fields(NonconformityInput)]
    return NonconformityInput(**{name: getattr(nonconformity, name) for name in names})


def update_details(nonconformity: Nonconformity, data: NonconformityInput, *, expected_version, actor: User,
                   today: date | None = None) -> dict:
    nonconformity.check_version(expected_version, "nonconformity")
    _refuse_if_closed(nonconformity)
    today = today or local_today()
    problems = _problems(data, today)
    if data.owner_id != nonconformity.owner_id:
        problems += owner_problems(data.owner_id, "owner_id", "owner")
    if problems:
        raise NonconformityRuleError(problems)
    before = audit.snapshot(nonconformity, AUDITED_FIELDS)
    nonconformity.title, nonconformity.description = data.title.strip(), data.description.strip()
    nonconformity.source, nonconformity.source_reference = data.source, data.source_reference.strip()
    nonconformity.severity, nonconformity.clause = data.severity, data.clause or None
    nonconformity.control_id, nonconformity.department_id = data.control_id, data.department_id
    nonconformity.owner_id, nonconformity.due_on = data.owner_id, data.due_on
    nonconformity.raised_on = data.raised_on or nonconformity.raised_on
    return _audit_update(nonconformity, before, actor, "Edited")


def _audit_update(nonconformity: Nonconformity, before: dict, actor: User | None, verb: str) -> dict:
    changes = audit.diff(before, audit.snapshot(nonconformity, AUDITED_FIELDS))
    if changes:
        audit.record(AuditAction.UPDATE, "nonconformity", nonconformity.id, changes=changes, actor=actor,
                     summary=f"{verb} nonconformity {nonconformity}"[:300])
    db.session.flush()
    return changes


@dataclass
class AnalysisInput:
    """The correction (10.2 a), the cause (10.2 b 1-2: five whys and the statement they lead to) and
    whether similar nonconformities exist or could occur elsewhere (10.2 b 3)."""

    correction: str = ""
    five_whys: list[str] | None = None
    root_cause: str = ""
    similar_elsewhere: str = ""


def record_analysis(nonconformity: Nonconformity, data: AnalysisInput, *, expected_version, actor: User) -> dict:
    nonconformity.check_version(expected_version, "nonconformity")
    _refuse_if_closed(nonconformity)
    whys = [why.strip() for why in (data.five_whys or []) if why and why.strip()]
    problems: list[tuple[str | None, str]] = []
    if len(whys) > MAX_WHYS:
        problems.append(("five_whys", f"Give at most {MAX_WHYS} whys; sum up the rest in the root cause."))
    if whys and not data.root_cause.strip():
        problems.append(("root_cause", "Sum the whys up in a root cause statement: the cause the corrective "
                                       "actions must remove."))
    if problems:
        raise NonconformityRuleError(problems)
    before = audit.snapshot(nonconformity, AUDITED_FIELDS)
    nonconformity.correction = data.correction.strip()
    nonconformity.five_whys = whys
    nonconformity.root_cause = data.root_cause.strip()
    nonconformity.similar_elsewhere = data.similar_elsewhere.strip()
    return _audit_update(nonconformity, before, actor, "Recorded the correction and analysis of")


# --- corrective actions ---------------------------------------------------------------------------


def current_actions(nonconformity: Nonconformity) -> list[CorrectiveAction]:
    return [action for action in nonconformity.actions if action.action_round == nonconformity.action_round]


def _refresh_status(nonconformity: Nonconformity, today: date, actor: User | None) -> None:
    """Set the status the current round's actions give (workflow.status_from_actions), audited."""
    db.session.flush()
    statuses = db.session.scalars(sa.select(CorrectiveAction.status).where(
        CorrectiveAction.nonconformity_id == nonconformity.id,
        CorrectiveAction.action_round == nonconformity.action_round)).all()
    status = workflow.status_from_actions(statuses, action_round=nonconformity.action_round)
    if status == nonconformity.status:
        return
    before = audit.snapshot(nonconformity, AUDITED_FIELDS)
    nonconformity.status = status.value
    nonconformity.verifying_since = today if status == NonconformityStatus.VERIFYING else None
    _audit_update(nonconformity, before, actor, f"{status.label}:")


def _action_problems(nonconformity: Nonconformity, title: str, owner_id: int | None, due_on: date | None,
                     status: str) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    if not title.strip():
        problems.append(("title", "Say what the action will do to remove the cause."))
    if owner_id is None:
        problems.append(("owner_id", "Choose who owns the action: they record its progress."))
    problems += owner_problems(owner_id, "owner_id", "action owner")
    if due_on is None:
        problems.append(("due_on", "Enter the date the action is due."))
    elif due_on < nonconformity.raised_on:
        problems.append(("due_on", f"The action cannot be due before the nonconformity was raised "
                                   f"({nonconformity.raised_on:%d %b %Y})."))
    if status not in set(CorrectiveActionStatus):
        problems.append(("status", "Choose planned, in progress or done."))
    return problems


def _stamp_completion(action: CorrectiveAction, previous: str | None, today: date) -> None:
    if action.status == CorrectiveActionStatus.DONE and previous != CorrectiveActionStatus.DONE:
        action.completed_on = today
    elif action.status != CorrectiveActionStatus.DONE:
        action.completed_on = None


def add_action(nonconformity: Nonconformity, *, title: str, owner_id: int | None, due_on: date | None,
               actor: User, today: date | None = None, status: str = CorrectiveActionStatus.PLANNED.value,
               progress_note: str = "") -> CorrectiveAction:
    today = today or local_today()
    _lock(nonconformity)
    _refuse_if_closed(nonconformity)
    problems = _action_problems(nonconformity, title, owner_id, due_on, status)
    if status == CorrectiveActionStatus.CANCELLED:
        problems.append(("status", "A new action cannot start cancelled."))
    if problems:
        raise NonconformityRuleError(problems)
    assert due_on is not None  # checked above
    action = CorrectiveAction(nonconformity_id=nonconformity.id, title=title.strip(), owner_id=owner_id,
                              due_on=due_on, status=status, progress_note=progress_note.strip(),
                              action_round=nonconformity.action_round)
    _stamp_completion(action, None, today)
    db.session.add(action)
    db.session.flush()
    audit.record(AuditAction.CREATE, "corrective_action", action.id, actor=actor,
                 changes=audit.diff({}, audit.snapshot(action, ACTION_AUDITED_FIELDS)),
                 summary=f"Added corrective action to {nonconformity.reference}: {action.title}"[:300])
    db.session.expire(nonconformity, ["actions"])
    _refresh_status(nonconformity, today, actor)
    return action


def _save_action(action: CorrectiveAction, before: dict, actor: User, today: date, verb: str,
                 audit_action: AuditAction = AuditAction.UPDATE) -> dict:
    changes = audit.diff(before, audit.snapshot(action, ACTION_AUDITED_FIELDS))
    if changes:
        audit.record(audit_action, "corrective_action", action.id, changes=changes, actor=actor,
                     summary=f"{verb} corrective action of {action.nonconformity.reference}: {action.title}"[:300])
        _refresh_status(action.nonconformity, today, actor)
    db.session.flush()
    return changes


def _editable_action(action: CorrectiveAction, expected_version) -> None:
    _lock(action.nonconformity, action)
    action.check_version(expected_version, "corrective action")
    _refuse_if_closed(action.nonconformity)
    if action.action_round != action.nonconformity.action_round:
        raise NonconformityRuleError("This action belongs to an earlier round that an effectiveness review found "
                                     "not effective; it stays as it was. Add a new action instead.")
    if action.status == CorrectiveActionStatus.CANCELLED:
        raise NonconformityRuleError("This action was cancelled; add a new action instead.")


def update_action(action: CorrectiveAction, *, expected_version, title: str, owner_id: int | None,
                  due_on: date | None, status: str, progress_note: str, actor: User,
                  today: date | None = None) -> dict:
    """An editor changes any part of the action (cancelling goes through cancel_action, with a reason)."""
    today = today or local_today()
    _editable_action(action, expected_version)
    problems = _action_problems(action.nonconformity, title, owner_id, due_on, status)
    if status == CorrectiveActionStatus.CANCELLED:
        problems.append(("status", "Cancel the action with its Cancel button, giving the reason."))
    if problems:
        raise NonconformityRuleError(problems)
    assert due_on is not None  # checked above
    before, previous = audit.snapshot(action, ACTION_AUDITED_FIELDS), action.status
    action.title, action.owner_id, action.due_on = title.strip(), owner_id, due_on
    action.status, action.progress_note = status, progress_note.strip()
    _stamp_completion(action, previous, today)
    return _save_action(action, before, actor, today, "Updated")


def update_own_action(action: CorrectiveAction, *, expected_version, status: str, progress_note: str,
                      actor: User, today: date | None = None) -> dict:
    """The action's owner records its progress: the status (planned, in progress, done) and a note."""
    today = today or local_today()
    _editable_action(action, expected_version)
    if status not in (CorrectiveActionStatus.PLANNED, CorrectiveActionStatus.IN_PROGRESS,
                      CorrectiveActionStatus.DONE):
        raise NonconformityRuleError([("status", "Choose planned, in progress or done.")])
    if status == CorrectiveActionStatus.DONE and not progress_note.strip():
        raise NonconformityRuleError([("progress_note", "Say what was done: the reviewer of its effectiveness "
                                                        "reads it.")])
    before, previous = audit.snapshot(action, ACTION_AUDITED_FIELDS), action.status
    action.status, action.progress_note = status, progress_note.strip()
    _stamp_completion(action, previous, today)
    verb = "Completed" if status == CorrectiveActionStatus.DONE and previous != status else "Updated"
    return _save_action(action, before, actor, today, verb,
                        AuditAction.COMPLETE if verb == "Completed" else AuditAction.UPDATE)


def cancel_action(action: CorrectiveAction, *, expected_version, reason: str, actor: User,
                  today: date | None = None) -> None:
    today = today or local_today()
    _editable_action(action, expected_version)
    if not reason.strip():
        raise NonconformityRuleError([("reason", "Give the reason for cancelling the action.")])
    before = audit.snapshot(action, ACTION_AUDITED_FIELDS)
    action.status = CorrectiveActionStatus.CANCELLED.value
    action.completed_on = None
    action.progress_note = (action.progress_note + "\n" if action.progress_note else "") + \
        f"Cancelled on {today:%d %b %Y}: {reason.strip()}"
    _save_action(action, before, actor, today, "Cancelled", AuditAction.CANCEL)


# --- effectiveness review, closing and reopening --------------------------------------------------


def independence_problem(nonconformity: Nonconformity, reviewer: User) -> str | None:
    """10.2 d asks whether the actions worked: whoever owns the nonconformity or one of its actions
    would be judging their own work."""
    if nonconformity.owner_id == reviewer.id:
        return (f"{reviewer.full_name} owns {nonconformity.reference}, so cannot review the effectiveness of its "
                "corrective actions: ask a security officer or administrator who is not involved.")
    if any(action.owner_id == reviewer.id for action in nonconformity.actions):
        return (f"{reviewer.full_name} owns a corrective action of {nonconformity.reference}, so cannot review "
                "their effectiveness: ask a security officer or administrator who is not involved.")
    return None


def record_review(nonconformity: Nonconformity, *, effective: bool, note: str, reviewed_on: date | None,
                  expected_version, actor: User, today: date | None = None) -> EffectivenessReview:
    """Effective: the nonconformity closes. Not effective: a new round of actions starts (the old
    ones stay as they were) and the nonconformity needs a new action before it is verified again."""
    today = today or local_today()
    _lock(nonconformity)
    nonconformity.check_version(expected_version, "nonconformity")
    _refuse_if_closed(nonconformity)
    problems: list[tuple[str | None, str]] = []
    if nonconformity.status != NonconformityStatus.VERIFYING:
        problems.append((None, "The effectiveness review comes when every corrective action is done or cancelled, "
                               "with at least one done."))
    unfit = independence_problem(nonconformity, actor)
    if unfit:
        problems.append((None, unfit))
    if reviewed_on is None:
        problems.append(("reviewed_on", "Enter the date of the review."))
    elif reviewed_on > today:
        problems.append(("reviewed_on", "A review cannot be dated in the future."))
    elif reviewed_on < nonconformity.raised_on:
        problems.append(("reviewed_on", "A review cannot be dated before the nonconformity was raised."))
    if not note.strip():
        problems.append(("note", "Say what was checked and what showed the cause removed (or not)."))
    if problems:
        raise NonconformityRuleError(problems)
    assert reviewed_on is not None  # checked above
    before = audit.snapshot(nonconformity, AUDITED_FIELDS)
    review = EffectivenessReview(nonconformity_id=nonconformity.id, reviewed_on=reviewed_on, reviewer_id=actor.id,
                                 effective=effective, note=note.strip(), action_round=nonconformity.action_round)
    db.session.add(review)
    nonconformity.effectiveness_reviewed_on, nonconformity.effectiveness_reviewer_id = reviewed_on, actor.id
    nonconformity.effectiveness_effective, nonconformity.effectiveness_note = effective, note.strip()
    nonconformity.verifying_since = None
    if effective:
        nonconformity.status, nonconformity.closed_on = NonconformityStatus.CLOSED.value, reviewed_on
    else:
        nonconformity.status = NonconformityStatus.ACTION_IN_PROGRESS.value
        nonconformity.action_round += 1
    db.session.flush()
    changes = audit.diff(before, audit.snapshot(nonconformity, AUDITED_FIELDS))
    verdict = "effective: closed" if effective else "not effective: a new corrective action is needed"
    audit.record(AuditAction.CLOSE if effective else AuditAction.REVIEW, "nonconformity", nonconformity.id,
                 changes=changes, actor=actor,
                 summary=f"Reviewed the effectiveness of {nonconformity.reference}: {verdict}"[:300])
    db.session.flush()
    return review


def reopen(nonconformity: Nonconformity, *, reason: str, expected_version, actor: User) -> None:
    """A closed nonconformity reopened (it recurred, or was closed in error): a new round of actions."""
    _lock(nonconformity)
    nonconformity.check_version(expected_version, "nonconformity")
    if not may_edit(actor):
        raise NonconformityRuleError("Only a security officer or an administrator may reopen a nonconformity.")
    if nonconformity.status != NonconformityStatus.CLOSED:
        raise NonconformityRuleError(f"{nonconformity.reference} is not closed.")
    if not reason.strip():
        raise NonconformityRuleError([("reason", "Give the reason for reopening it.")])
    before = audit.snapshot(nonconformity, AUDITED_FIELDS)
    nonconformity.status, nonconformity.closed_on = NonconformityStatus.ACTION_IN_PROGRESS.value, None
    nonconformity.action_round += 1
    db.session.flush()
    audit.record(AuditAction.REOPEN, "nonconformity", nonconformity.id, actor=actor,
                 changes=audit.diff(before, audit.snapshot(nonconformity, AUDITED_FIELDS)),
                 summary=f"Reopened {nonconformity.reference}: {reason.strip()}"[:300])
    db.session.flush()


# --- changes to the ISMS (10.2 e) -----------------------------------------------------------------


def _linked(kind: str, reference: str) -> tuple[dict, list[tuple[str | None, str]]]:
    reference = reference.strip()
    if kind == ChangeKind.OTHER:
        return {}, []
    if not reference:
        return {}, [("reference", "Enter the reference of the risk, policy or control that changed.")]
    if kind == ChangeKind.RISK:
        risk = db.session.scalar(sa.select(Risk).where(sa.func.upper(Risk.reference) == reference.upper()))
        return ({"risk_id": risk.id}, []) if risk else ({}, [("reference", f"There is no risk {reference}.")])
    if kind == ChangeKind.POLICY:
        policy = db.session.scalar(sa.select(Policy).where(sa.func.upper(Policy.code) == reference.upper()))
        return ({"policy_id": policy.id}, []) if policy else ({}, [("reference", f"There is no policy {reference}.")])
    annex = reference.upper().removeprefix("A.")
    control = db.session.scalar(sa.select(Control).where(Control.source == ControlSource.ANNEX_A,
                                                         Control.reference == annex)) \
        or db.session.scalar(sa.select(Control).where(sa.func.upper(Control.reference) == reference.upper()))
    return ({"control_id": control.id}, []) if control else \
        ({}, [("reference", f"There is no control {reference} in the catalogue.")])


def add_change(nonconformity: Nonconformity, *, kind: str, reference: str, description: str, note: str,
               actor: User) -> IsmsChange:
    _refuse_if_closed(nonconformity)
    if kind not in set(ChangeKind):
        raise NonconformityRuleError([("kind", "Choose what changed: a risk, a policy, a control or other.")])
    link, problems = _linked(kind, reference)
    if kind == ChangeKind.OTHER and not description.strip():
        problems.append(("description", "Say what changed in the ISMS."))
    if not note.strip() and kind != ChangeKind.OTHER:
        problems.append(("note", "Say how it changed (reassessed, revised...)."))
    if problems:
        raise NonconformityRuleError(problems)
    change = IsmsChange(nonconformity_id=nonconformity.id, kind=kind, description=description.strip()[:300],
                        note=note.strip(), **link)
    db.session.add(change)
    db.session.flush()
    audit.record(AuditAction.RELATE, "nonconformity", nonconformity.id, actor=actor,
                 changes={"change": [None, f"{ChangeKind(kind).label}: {change.target}"]},
                 summary=f"Recorded a change to the ISMS caused by {nonconformity.reference}: "
                         f"{ChangeKind(kind).label.lower()} {change.target}"[:300])
    db.session.expire(nonconformity, ["changes"])
    return change


def remove_change(change: IsmsChange, *, actor: User) -> None:
    nonconformity = change.nonconformity
    _refuse_if_closed(nonconformity)
    label = f"{ChangeKind(change.kind).label}: {change.target}"
    db.session.delete(change)
    db.session.flush()
    audit.record(AuditAction.UNRELATE, "nonconformity", nonconformity.id, actor=actor,
                 changes={"change": [label, None]},
                 summary=f"Removed a change to the ISMS from {nonconformity.reference}: {label}"[:300])
    db.session.expire(nonconformity, ["changes"])


# --- failed control tests -------------------------------------------------------------------------


@dataclass
class TestFollowUp:
    """What the control-test form asks for a partly effective or ineffective result."""

    __test__ = False

    owner_id: int | None
    due_on: date | None
    severity: str = Severity.MINOR.value


def raise_for_test(test: ControlTest, follow_up: TestFollowUp, *, actor: User | None,
                   today: date | None = None) -> Nonconformity:
    """The nonconformity a failed control test raises (source control_test), linked both ways: the
    findings are its description, the tester's form gives its owner and due date."""
    if test.result == TestResult.EFFECTIVE:
        raise NonconformityRuleError("An effective test raises no nonconformity.")
    if test.nonconformity_id is not None:
        raise NonconformityRuleError("This test already raised a nonconformity.")
    control = test.control
    problems = owner_problems(follow_up.owner_id, "owner_id", "owner")
    if follow_up.owner_id is None:
        problems.append(("owner_id", "Choose who owns the nonconformity this result raises."))
    if follow_up.due_on is None:
        problems.append(("due_on", "Enter the date its corrective actions are due."))
    if problems:
        raise NonconformityRuleError(problems)
    result = TestResult(test.result).label.lower()
    description = (f"Test of {test.tested_on:%d %b %Y}: {test.what_is_checked}\nResult: {result}.\n"
                   f"Findings: {test.findings or 'none recorded'}")
    if test.follow_up:  # a test recorded before nonconformities: its follow-up stays with the record
        description += f"\nFollow-up recorded with the test: {test.follow_up}"
    nonconformity = raise_nonconformity(NonconformityInput(
        title=f"Control {control.reference} {result} when tested"[:200], description=description,
        source=NonconformitySource.CONTROL_TEST.value, severity=follow_up.severity,
        source_reference=f"Control test of {control.reference} on {test.tested_on.isoformat()}",
        control_id=control.id, department_id=control.department_id, owner_id=follow_up.owner_id,
        raised_on=min(test.tested_on, today or local_today()), due_on=follow_up.due_on), actor=actor, today=today)
    test.nonconformity_id = nonconformity.id
    db.session.flush()
    return nonconformity
