"""Use cases of the nonconformity register. Other registers (internal audits, control tests,
incidents) raise their nonconformities through `raise_nonconformity`, so every one gets the same
checks, reference and audit entry whatever found it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import Department, User
from app.common.models import RuleError
from app.common.timeutil import local_today
from app.common.transactions import lock_chain_tail
from app.controls.clauses import CLAUSES_BY_NUMBER
from app.controls.models import Control
from app.extensions import db
from app.nonconformities.models import Nonconformity, NonconformitySource, Severity

AUDITED_FIELDS = ["reference", "title", "description", "source", "source_reference", "severity", "clause",
                  "control_id", "department_id", "owner_id", "raised_on", "due_on", "status", "correction",
                  "root_cause", "similar_elsewhere", "effectiveness_reviewed_on", "effectiveness_reviewer_id",
                  "effectiveness_effective", "effectiveness_note", "closed_on"]


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
