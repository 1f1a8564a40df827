"""The ISMS scope statement (ISO/IEC 27001:2022 4.3): a draft edited, then issued as an approved
version that nobody may change again; issued versions compared field by field.

Rules: one draft at a time, started from the latest issued version; an issued version is frozen;
a draft is issued only when it says what is in scope, by someone holding the approval permission,
dated neither in the future nor before the version it replaces."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import User
from app.auth.permissions import SCOPE_APPROVE, role_has
from app.common.models import RuleError
from app.common.timeutil import add_months, utcnow
from app.common.transactions import unique_or_refused
from app.context.models import ScopeState, ScopeStatement
from app.extensions import db

TEXT_FIELDS = {"in_scope": "In scope", "out_of_scope": "Out of scope", "boundaries": "Boundaries",
               "interfaces": "Interfaces and dependencies"}
# What two versions are compared on, in the order the page shows them.
COMPARED_FIELDS = {**TEXT_FIELDS, "exclusions": "Exclusions", "change_note": "What this version changes"}
TEXT_LIMIT = 20_000
EXCLUSIONS_LIMIT = 50
AUDIT_FIELDS = [*TEXT_FIELDS, "exclusions", "change_note"]


class ScopeRuleError(RuleError):
    """A rule of the scope statement was broken."""


@dataclass
class Exclusion:
    what: str
    reason: str


@dataclass
class ScopeInput:
    in_scope: str = ""
    out_of_scope: str = ""
    boundaries: str = ""
    interfaces: str = ""
    exclusions: list[Exclusion] = field(default_factory=list)
    change_note: str = ""


def draft() -> ScopeStatement | None:
    return db.session.scalar(sa.select(ScopeStatement).where(ScopeStatement.state == ScopeState.DRAFT.value))


def issued_versions() -> list[ScopeStatement]:
    """Issued versions, the latest first."""
    return list(db.session.scalars(sa.select(ScopeStatement).where(ScopeStatement.state == ScopeState.ISSUED.value)
                                   .order_by(ScopeStatement.number.desc())))


def latest_issued() -> ScopeStatement | None:
    return db.session.scalar(sa.select(ScopeStatement).where(ScopeStatement.state == ScopeState.ISSUED.value)
                             .order_by(ScopeStatement.number.desc()).limit(1))


def issued_version(number: int) -> ScopeStatement | None:
    return db.session.scalar(sa.select(ScopeStatement).where(ScopeStatement.number == number,
                                                             ScopeStatement.state == ScopeState.ISSUED.value))


def review_due_on(latest: ScopeStatement | None, months: int) -> date | None:
    """When the scope is next to be reviewed: `months` after the latest version's approval."""
    if latest is None or latest.approved_on is None:
        return None
    return add_months(latest.approved_on, months)


def start_draft(*, actor: User | None) -> ScopeStatement:
    """A new draft holding the latest issued version's text (or nothing, for the first)."""
    existing = draft()
    if existing is not None:
        raise ScopeRuleError(_drafted_already(existing.number))
    latest = latest_issued()
    statement = ScopeStatement(number=(latest.number if latest else 0) + 1, state=ScopeState.DRAFT.value)
    if latest is not None:
        for name in TEXT_FIELDS:
            setattr(statement, name, getattr(latest, name))
        statement.exclusions = [dict(exclusion) for exclusion in latest.exclusions]
    # Another officer may have started it since the check: the number's unique constraint decides.
    number = statement.number
    with unique_or_refused(lambda: ScopeRuleError(_drafted_already(number))):
        db.session.add(statement)
        db.session.flush()
    audit.record(AuditAction.CREATE, "scope_statement", statement.id, actor=actor,
                 summary=f"Started drafting version {statement.number} of the ISMS scope statement"
                         + (f" from version {latest.number}" if latest else ""))
    return statement


def _drafted_already(number: int) -> str:
    return f"Version {number} is already being drafted: edit or issue it first."


def _frozen(statement: ScopeStatement) -> None:
    if statement.issued:
        approved = statement.approved_on.isoformat() if statement.approved_on else "?"
        raise ScopeRuleError(f"Version {statement.number} was issued on {approved} and cannot be changed: start "
                             "a new draft to change the scope.")


def _checked(data: ScopeInput) -> tuple[dict, list[tuple[str | None, str]]]:
    problems: list[tuple[str | None, str]] = []
    values: dict = {}
    for name, label in TEXT_FIELDS.items():
        value = (getattr(data, name) or "").strip()
        if len(value) > TEXT_LIMIT:
            problems.append((name, f"Use at most {TEXT_LIMIT:,} characters for “{label}” ({len(value):,} now)."))
        values[name] = value
    note = (data.change_note or "").strip()
    if len(note) > 2000:
        problems.append(("change_note", "Use at most 2,000 characters to say what this version changes."))
    values["change_note"] = note
    exclusions = []
    for exclusion in data.exclusions:
        what, reason = (exclusion.what or "").strip(), (exclusion.reason or "").strip()
        if not what and not reason:
            continue  # an empty line of the form
        if not what:
            problems.append(("exclusions", f"Say what is excluded for the reason “{reason[:60]}”."))
        elif not reason:
            problems.append(("exclusions", f"Give the reason for excluding “{what[:60]}”: ISO/IEC 27001 4.3 "
                                           "expects every exclusion to be justified."))
        elif len(what) > 500 or len(reason) > 2000:
            problems.append(("exclusions", f"Keep “{what[:60]}” under 500 characters and its reason under 2,000."))
        exclusions.append({"what": what, "reason": reason})
    if len(exclusions) > EXCLUSIONS_LIMIT:
        problems.append(("exclusions", f"List at most {EXCLUSIONS_LIMIT} exclusions; group related ones."))
    values["exclusions"] = exclusions
    return values, problems


def save_draft(statement: ScopeStatement, data: ScopeInput, *, expected_version, actor: User | None) -> dict:
    _frozen(statement)
    statement.check_version(expected_version, "scope statement draft")
    values, problems = _checked(data)
    if problems:
        raise ScopeRuleError(problems)
    before = audit.snapshot(statement, AUDIT_FIELDS)
    for name, value in values.items():
        setattr(statement, name, value)
    db.session.flush()
    changes = audit.diff(before, audit.snapshot(statement, AUDIT_FIELDS))
    if changes:
        audit.record(AuditAction.UPDATE, "scope_statement", statement.id, changes=changes, actor=actor,
                     summary=f"Edited the draft of version {statement.number} of the ISMS scope statement")
    return changes


def issue(statement: ScopeStatement, *, approved_on: date | None, note: str, expected_version, actor: User,
          today: date) -> ScopeStatement:
    """Approve the draft: it becomes version `number`, frozen, approved by `actor` on `approved_on`."""
    _frozen(statement)
    statement.check_version(expected_version, "scope statement draft")
    if not role_has(actor.role, SCOPE_APPROVE):
        raise ScopeRuleError("Only a security officer or an administrator may approve the scope statement.")
    problems: list[tuple[str | None, str]] = []
    if not statement.in_scope.strip():
        problems.append((None, "The draft does not say what is in scope yet: write “In scope” before issuing it."))
    latest = latest_issued()
    if approved_on is None:
        problems.append(("approved_on", "Enter the date of the approval."))
    elif approved_on > today:
        problems.append(("approved_on", "The approval cannot be dated in the future."))
    elif latest is not None and latest.approved_on is not None and approved_on < latest.approved_on:
        problems.append(("approved_on", f"Version {latest.number} was approved on {latest.approved_on.isoformat()}; "
                                        "a later version cannot be approved before it."))
    note = (note or "").strip()
    if len(note) > 2000:
        problems.append(("note", "Use at most 2,000 characters for the approval note."))
    if problems:
        raise ScopeRuleError(problems)
    statement.state = ScopeState.ISSUED.value
    statement.approved_on, statement.approved_by_id, statement.approval_note = approved_on, actor.id, note
    statement.issued_at = utcnow()
    db.session.flush()
    assert approved_on is not None  # refused above otherwise
    audit.record(AuditAction.ISSUE, "scope_statement", statement.id, actor=actor, summary=(
        f"Issued version {statement.number} of the ISMS scope statement, approved by {actor.full_name} on "
        f"{approved_on.isoformat()}")[:300])
    return statement


def discard_draft(statement: ScopeStatement, *, expected_version, actor: User | None) -> None:
    _frozen(statement)
    statement.check_version(expected_version, "scope statement draft")
    audit.record(AuditAction.DELETE, "scope_statement", statement.id, actor=actor,
                 summary=f"Discarded the draft of version {statement.number} of the ISMS scope statement")
    db.session.delete(statement)
    db.session.flush()


# --- comparing two versions ------------------------------------------------------------------------


@dataclass
class FieldDifference:
    label: str
    before: str | list
    after: str | list


def _exclusion_lines(exclusions: list[dict]) -> list[str]:
    return [f"{exclusion['what']}: {exclusion['reason']}" for exclusion in exclusions]


def compare(older: ScopeStatement, newer: ScopeStatement) -> list[FieldDifference]:
    """The fields that differ, each with its old and new value; exclusions as the lines removed and added."""
    differences = []
    for name, label in COMPARED_FIELDS.items():
        before, after = getattr(older, name), getattr(newer, name)
        if name == "exclusions":
            old_lines, new_lines = _exclusion_lines(before), _exclusion_lines(after)
            if old_lines != new_lines:
                differences.append(FieldDifference(label, [line for line in old_lines if line not in new_lines],
                                                   [line for line in new_lines if line not in old_lines]))
        elif (before or "") != (after or ""):
            differences.append(FieldDifference(label, before or "", after or ""))
    return differences
