"""Use cases of the ISMS context: issues (4.1), interested parties and their requirements (4.2),
and information-security roles (5.3). The scope statement has its own module, scope.py.

Each write checks its rules, records its audit entry and flushes; the caller commits once."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import abort

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import User
from app.common.models import RuleError
from app.common.transactions import unique_or_refused
from app.context.models import (
    ContextIssue,
    ContextStatus,
    InterestedParty,
    IsmsRole,
    IssueKind,
    PartyKind,
    PartyRequirement,
    RoleAssignment,
)
from app.controls.models import Control
from app.extensions import db

Problems = list[tuple[str | None, str]]
TEXT_LIMIT = 10_000
# The roles ISO/IEC 27001 5.3 and the provincial plan name; the roles page offers them as names to start from.
SUGGESTED_ROLES = ("ISMS manager", "Information security officer", "ISMS forum chair", "ISMS forum member",
                   "Top management sponsor", "Internal auditor")


class ContextRuleError(RuleError):
    """A rule of the ISMS context (issues, parties, requirements, roles) was broken."""


def _text(problems: Problems, name: str, value: str, *, label: str, limit: int = TEXT_LIMIT,
          required: str | None = None) -> str:
    value = (value or "").strip()
    if required and not value:
        problems.append((name, required))
    elif len(value) > limit:
        problems.append((name, f"Use at most {limit:,} characters for the {label} ({len(value):,} now)."))
    return value


def _owner(problems: Problems, owner_id: int | None, kept_id: int | None, *, required: bool = True) -> None:
    # Someone who has left may stay the owner until another is chosen; a new choice must be able to sign in.
    if owner_id is None:
        if required:
            problems.append(("owner_id", "Choose the owner: the person who keeps this up to date."))
        return
    if owner_id != kept_id:
        owner = db.session.get(User, owner_id)
        if owner is None or not owner.active:
            problems.append(("owner_id", "The owner must be an active user; choose one from the list."))


def _review_on(problems: Problems, review_on: date | None, kept: date | None, today: date) -> None:
    if review_on is None:
        problems.append(("review_on", "Enter the date of the next review: when the owner looks at it again."))
    elif review_on != kept and review_on < today:
        problems.append(("review_on", f"The next review cannot be in the past ({review_on.isoformat()}); "
                                      f"choose {today.isoformat()} or later."))


def _choice(problems: Problems, name: str, value: str, allowed: type[enum.StrEnum], message: str) -> None:
    if value not in {member.value for member in allowed}:
        problems.append((name, message))


# --- issues (4.1) -------------------------------------------------------------------------------

ISSUE_AUDIT_FIELDS = ["kind", "title", "description", "effect", "owner_id", "review_on", "status"]


@dataclass
class IssueInput:
    kind: str
    title: str
    effect: str
    owner_id: int | None
    review_on: date | None
    description: str = ""
    status: str = ContextStatus.ACTIVE.value


def _check_issue(data: IssueInput, issue: ContextIssue | None, today: date) -> Problems:
    problems: Problems = []
    _choice(problems, "kind", data.kind, IssueKind, "Choose whether the issue is internal or external.")
    data.title = _text(problems, "title", data.title, label="title", limit=200,
                       required="Name the issue in a few words, like “Energy supply outages”.")
    data.description = _text(problems, "description", data.description, label="description")
    data.effect = _text(problems, "effect", data.effect, label="effect on the ISMS",
                        required="Say what the issue means for information security and the ISMS.")
    _owner(problems, data.owner_id, issue.owner_id if issue else None)
    _review_on(problems, data.review_on, issue.review_on if issue else None, today)
    _choice(problems, "status", data.status, ContextStatus, "Choose active or retired.")
    return problems


def create_issue(data: IssueInput, *, actor: User | None, today: date) -> ContextIssue:
    problems = _check_issue(data, None, today)
    if problems:
        raise ContextRuleError(problems)
    issue = ContextIssue()
    _apply_issue(issue, data)
    db.session.add(issue)
    db.session.flush()
    audit.record(AuditAction.CREATE, "context_issue", issue.id, actor=actor,
                 changes=audit.diff({}, audit.snapshot(issue, ISSUE_AUDIT_FIELDS)),
                 summary=f"Added the {issue.kind} issue “{issue.title}”"[:300])
    return issue


def update_issue(issue: ContextIssue, data: IssueInput, *, expected_version, actor: User | None, today: date) -> dict:
    issue.check_version(expected_version, "issue")
    problems = _check_issue(data, issue, today)
    if problems:
        raise ContextRuleError(problems)
    before = audit.snapshot(issue, ISSUE_AUDIT_FIELDS)
    _apply_issue(issue, data)
    db.session.flush()
    changes = audit.diff(before, audit.snapshot(issue, ISSUE_AUDIT_FIELDS))
    if changes:
        audit.record(AuditAction.UPDATE, "context_issue", issue.id, changes=changes, actor=actor,
                     summary=f"Edited the issue “{issue.title}”"[:300])
    return changes


def _apply_issue(issue: ContextIssue, data: IssueInput) -> None:
    issue.kind, issue.title, issue.description, issue.effect = data.kind, data.title, data.description, data.effect
    issue.owner_id, issue.review_on, issue.status = data.owner_id, data.review_on, data.status


# --- interested parties and their requirements (4.2) ----------------------------------------------

PARTY_AUDIT_FIELDS = ["name", "kind", "description", "owner_id", "review_on", "status"]
REQUIREMENT_AUDIT_FIELDS = ["requirement", "source", "addressed", "how_addressed"]


@dataclass
class PartyInput:
    name: str
    kind: str
    owner_id: int | None
    review_on: date | None
    description: str = ""
    status: str = ContextStatus.ACTIVE.value


def _check_party(data: PartyInput, party: InterestedParty | None, today: date) -> Problems:
    problems: Problems = []
    data.name = " ".join((data.name or "").split())
    if not data.name:
        problems.append(("name", "Name the party, like “Information Regulator”."))
    elif len(data.name) > 200:
        problems.append(("name", "Use at most 200 characters for the name."))
    else:
        clash = db.session.scalar(sa.select(InterestedParty).where(
            sa.func.lower(InterestedParty.name) == data.name.lower()))
        if clash is not None and clash is not party:
            problems.append(("name", _party_taken(clash.name)))
    _choice(problems, "kind", data.kind, PartyKind, "Choose what kind of party it is.")
    data.description = _text(problems, "description", data.description, label="description")
    _owner(problems, data.owner_id, party.owner_id if party else None)
    _review_on(problems, data.review_on, party.review_on if party else None, today)
    _choice(problems, "status", data.status, ContextStatus, "Choose active or retired.")
    return problems


def _party_taken(name: str) -> str:
    return f"“{name}” is already in the register: open it and add the requirement there."


def create_party(data: PartyInput, *, actor: User | None, today: date) -> InterestedParty:
    problems = _check_party(data, None, today)
    if problems:
        raise ContextRuleError(problems)
    party = InterestedParty()
    _apply_party(party, data)
    # Another officer may have added the party since the check: the name's unique constraint decides.
    with unique_or_refused(lambda: ContextRuleError([("name", _party_taken(data.name))])):
        db.session.add(party)
        db.session.flush()
    audit.record(AuditAction.CREATE, "interested_party", party.id, actor=actor,
                 changes=audit.diff({}, audit.snapshot(party, PARTY_AUDIT_FIELDS)),
                 summary=f"Added the interested party {party.name}"[:300])
    return party


def update_party(party: InterestedParty, data: PartyInput, *, expected_version, actor: User | None,
                 today: date) -> dict:
    party.check_version(expected_version, "interested party")
    problems = _check_party(data, party, today)
    if problems:
        raise ContextRuleError(problems)
    before = audit.snapshot(party, PARTY_AUDIT_FIELDS)
    with unique_or_refused(lambda: ContextRuleError([("name", _party_taken(data.name))])):  # a rename at once
        _apply_party(party, data)
        db.session.flush()
    changes = audit.diff(before, audit.snapshot(party, PARTY_AUDIT_FIELDS))
    if changes:
        audit.record(AuditAction.UPDATE, "interested_party", party.id, changes=changes, actor=actor,
                     summary=f"Edited the interested party {party.name}"[:300])
    return changes


def _apply_party(party: InterestedParty, data: PartyInput) -> None:
    party.name, party.kind, party.description = data.name, data.kind, data.description
    party.owner_id, party.review_on, party.status = data.owner_id, data.review_on, data.status


@dataclass
class RequirementInput:
    requirement: str
    source: str = ""
    addressed: bool = False
    how_addressed: str = ""
    control_ids: list[int] = field(default_factory=list)


def _check_requirement(data: RequirementInput) -> tuple[Problems, list[Control]]:
    problems: Problems = []
    data.requirement = _text(problems, "requirement", data.requirement, label="requirement",
                             required="Say what the party requires, like “Notify the Regulator of a security "
                                      "compromise”.")
    data.source = _text(problems, "source", data.source, label="source", limit=200)
    data.how_addressed = _text(problems, "how_addressed", data.how_addressed, label="answer")
    if data.addressed and not data.how_addressed:
        problems.append(("how_addressed", "Say how the ISMS addresses the requirement (a process, a policy, "
                                          "the controls chosen below)."))
    controls = _controls(data.control_ids)
    if len(controls) != len(set(data.control_ids)):
        problems.append(("control_ids", "Choose controls from the catalogue."))
    return problems, controls


def _controls(ids: list[int]) -> list[Control]:
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Control).where(Control.id.in_(set(ids)))
                                   .order_by(Control.catalogue, Control.sort_key)))


def _requirement_snapshot(requirement: PartyRequirement) -> dict:
    return {**audit.snapshot(requirement, REQUIREMENT_AUDIT_FIELDS),
            "controls": [control.reference for control in requirement.controls]}


def add_requirement(party: InterestedParty, data: RequirementInput, *, actor: User | None) -> PartyRequirement:
    problems, controls = _check_requirement(data)
    if problems:
        raise ContextRuleError(problems)
    requirement = PartyRequirement(party=party)
    _apply_requirement(requirement, data, controls)
    db.session.add(requirement)
    db.session.flush()
    audit.record(AuditAction.CREATE, "party_requirement", requirement.id, actor=actor,
                 changes=audit.diff({}, _requirement_snapshot(requirement)),
                 summary=f"Added a requirement of {party.name}: {requirement.requirement}"[:300])
    return requirement


def update_requirement(requirement: PartyRequirement, data: RequirementInput, *, expected_version,
                       actor: User | None) -> dict:
    requirement.check_version(expected_version, "requirement")
    problems, controls = _check_requirement(data)
    if problems:
        raise ContextRuleError(problems)
    before, version = _requirement_snapshot(requirement), requirement.version
    _apply_requirement(requirement, data, controls)
    db.session.flush()
    changes = audit.diff(before, _requirement_snapshot(requirement))
    requirement.bump_if_only_links_changed(version, changes)
    if changes:
        audit.record(AuditAction.UPDATE, "party_requirement", requirement.id, changes=changes, actor=actor,
                     summary=f"Edited a requirement of {requirement.party.name}: {requirement.requirement}"[:300])
    return changes


def delete_requirement(requirement: PartyRequirement, *, expected_version, actor: User | None) -> None:
    requirement.check_version(expected_version, "requirement")
    party = requirement.party
    audit.record(AuditAction.DELETE, "party_requirement", requirement.id, actor=actor,
                 changes=audit.diff(_requirement_snapshot(requirement), {}),
                 summary=f"Removed a requirement of {party.name}: {requirement.requirement}"[:300])
    party.requirements.remove(requirement)
    db.session.flush()


def _apply_requirement(requirement: PartyRequirement, data: RequirementInput, controls: list[Control]) -> None:
    requirement.requirement, requirement.source = data.requirement, data.source
    requirement.addressed, requirement.how_addressed = data.addressed, data.how_addressed
    requirement.controls = controls


def requirement_of(party: InterestedParty, requirement_id: int) -> PartyRequirement:
    """The party's requirement, or 404: a requirement of another party is not found under this one."""
    requirement = db.session.get(PartyRequirement, requirement_id)
    if requirement is None or requirement.party_id != party.id:
        abort(404)
    return requirement


# --- information-security roles (5.3) ---------------------------------------------------------------

ROLE_AUDIT_FIELDS = ["name", "responsibilities", "authority"]
ASSIGNMENT_AUDIT_FIELDS = ["user_id", "starts_on", "ends_on", "note"]


@dataclass
class RoleInput:
    name: str
    responsibilities: str
    authority: str = ""


def _check_role(data: RoleInput, role: IsmsRole | None) -> Problems:
    problems: Problems = []
    data.name = " ".join((data.name or "").split())
    if not data.name:
        problems.append(("name", "Name the role, like “Information security officer”."))
    elif len(data.name) > 120:
        problems.append(("name", "Use at most 120 characters for the name."))
    else:
        clash = db.session.scalar(sa.select(IsmsRole).where(sa.func.lower(IsmsRole.name) == data.name.lower()))
        if clash is not None and clash is not role:
            problems.append(("name", _role_taken(clash.name)))
    data.responsibilities = _text(problems, "responsibilities", data.responsibilities, label="responsibilities",
                                  required="Say what the holder of the role is responsible for.")
    data.authority = _text(problems, "authority", data.authority, label="authority")
    return problems


def _role_taken(name: str) -> str:
    return f"There is already a role “{name}”."


def create_role(data: RoleInput, *, actor: User | None) -> IsmsRole:
    problems = _check_role(data, None)
    if problems:
        raise ContextRuleError(problems)
    role = IsmsRole(name=data.name, responsibilities=data.responsibilities, authority=data.authority)
    with unique_or_refused(lambda: ContextRuleError([("name", _role_taken(data.name))])):
        db.session.add(role)
        db.session.flush()
    audit.record(AuditAction.CREATE, "isms_role", role.id, actor=actor,
                 changes=audit.diff({}, audit.snapshot(role, ROLE_AUDIT_FIELDS)),
                 summary=f"Added the ISMS role {role.name}"[:300])
    return role


def update_role(role: IsmsRole, data: RoleInput, *, expected_version, actor: User | None) -> dict:
    role.check_version(expected_version, "ISMS role")
    problems = _check_role(data, role)
    if problems:
        raise ContextRuleError(problems)
    before = audit.snapshot(role, ROLE_AUDIT_FIELDS)
    with unique_or_refused(lambda: ContextRuleError([("name", _role_taken(data.name))])):  # a rename at once
        role.name, role.responsibilities, role.authority = data.name, data.responsibilities, data.authority
        db.session.flush()
    changes = audit.diff(before, audit.snapshot(role, ROLE_AUDIT_FIELDS))
    if changes:
        audit.record(AuditAction.UPDATE, "isms_role", role.id, changes=changes, actor=actor,
                     summary=f"Edited the ISMS role {role.name}"[:300])
    return changes


@dataclass
class AssignmentInput:
    user_id: int | None
    starts_on: date | None
    ends_on: date | None = None
    note: str = ""


def _check_assignment(role: IsmsRole, data: AssignmentInput, assignment: RoleAssignment | None) -> Problems:
    problems: Problems = []
    if data.user_id is None:
        problems.append(("user_id", "Choose who holds the role."))
    elif assignment is None or data.user_id != assignment.user_id:
        holder = db.session.get(User, data.user_id)
        if holder is None or not holder.active:
            problems.append(("user_id", "Choose an active user from the list."))
    if data.starts_on is None:
        problems.append(("starts_on", "Enter the date the person took up the role."))
    elif data.ends_on is not None and data.ends_on < data.starts_on:
        problems.append(("ends_on", f"The role cannot end before it starts ({data.starts_on.isoformat()})."))
    data.note = _text(problems, "note", data.note, label="note", limit=300)
    if data.user_id is not None and data.starts_on is not None:
        overlapping = [other for other in role.assignments if other is not assignment
                       and other.user_id == data.user_id and _overlap(other, data)]
        if overlapping:
            other = overlapping[0]
            problems.append(("starts_on", f"{other.user.full_name} already holds this role from "
                                          f"{other.starts_on.isoformat()}"
                                          f"{' to ' + other.ends_on.isoformat() if other.ends_on else ''}: "
                                          "edit that entry instead."))
    return problems


def _overlap(other: RoleAssignment, data: AssignmentInput) -> bool:
    assert data.starts_on is not None
    ends = data.ends_on or date.max
    return other.starts_on <= ends and (other.ends_on or date.max) >= data.starts_on


def _assignment_summary(assignment: RoleAssignment, verb: str) -> str:
    return f"{verb} {assignment.user.full_name} as {assignment.role.name}"[:300]


def assign_role(role: IsmsRole, data: AssignmentInput, *, actor: User | None) -> RoleAssignment:
    problems = _check_assignment(role, data, None)
    if problems:
        raise ContextRuleError(problems)
    assert data.user_id is not None and data.starts_on is not None  # checked above
    assignment = RoleAssignment(role=role, user_id=data.user_id, starts_on=data.starts_on, ends_on=data.ends_on,
                                note=data.note)
    db.session.add(assignment)
    db.session.flush()
    audit.record(AuditAction.ASSIGN, "isms_role_assignment", assignment.id, actor=actor,
                 changes=audit.diff({}, audit.snapshot(assignment, ASSIGNMENT_AUDIT_FIELDS)),
                 summary=_assignment_summary(assignment, "Appointed"))
    return assignment


def update_assignment(assignment: RoleAssignment, data: AssignmentInput, *, expected_version,
                      actor: User | None) -> dict:
    assignment.check_version(expected_version, "role holder")
    problems = _check_assignment(assignment.role, data, assignment)
    if problems:
        raise ContextRuleError(problems)
    assert data.user_id is not None and data.starts_on is not None  # checked above
    before = audit.snapshot(assignment, ASSIGNMENT_AUDIT_FIELDS)
    assignment.user_id, assignment.starts_on, assignment.ends_on = data.user_id, data.starts_on, data.ends_on
    assignment.note = data.note
    db.session.flush()
    db.session.refresh(assignment, ["user"])
    changes = audit.diff(before, audit.snapshot(assignment, ASSIGNMENT_AUDIT_FIELDS))
    if changes:
        audit.record(AuditAction.UPDATE, "isms_role_assignment", assignment.id, changes=changes, actor=actor,
                     summary=_assignment_summary(assignment, "Changed the appointment of"))
    return changes


def assignment_of(role: IsmsRole, assignment_id: int) -> RoleAssignment:
    """The role's holder entry, or 404 when it belongs to another role."""
    assignment = db.session.get(RoleAssignment, assignment_id)
    if assignment is None or assignment.role_id != role.id:
        abort(404)
    return assignment
