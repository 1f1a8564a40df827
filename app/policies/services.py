"""Use cases of policy documents: create, edit the draft, send for review, approve (which puts the
version in force and supersedes the one before), start the next version, and the acknowledgement
register. Each writes its audit entry and flushes (the caller commits once); a broken rule raises
PolicyRuleError."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.admin import settings
from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import User
from app.common.markdown import sections
from app.common.models import RuleError
from app.common.timeutil import local_today
from app.common.transactions import lock_row
from app.common.uploads import CheckedUpload, store
from app.controls.models import Control
from app.employees.models import EMPLOYED, Employee
from app.employees.services import employee_for_user
from app.extensions import db
from app.policies import workflow
from app.policies.models import (
    APPROVAL_SLOT,
    AUTHOR_SLOT,
    AcknowledgementMethod,
    AcknowledgementSheet,
    Policy,
    PolicyAcknowledgement,
    PolicyClause,
    PolicyReviewer,
    PolicySignature,
    PolicyState,
    PolicyVersion,
    SignatureMethod,
    review_slot,
)

CODE_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9\-_.]{1,31}")
NUMBERED_HEADING = re.compile(r"(\d+(?:\.\d+)*)\.?\s+(.+)")
POLICY_AUDIT_FIELDS = ["code", "title", "owner_id"]
DRAFT_AUDIT_FIELDS = ["number", "change", "body", "author_name", "author_designation", "author_contact",
                      "document_name", "document_sha256"]


class PolicyRuleError(RuleError):
    pass


@dataclass(frozen=True)
class PolicyInput:
    code: str
    title: str
    owner_id: int | None = None
    control_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class DraftInput:
    change: str = ""
    body: str = ""
    author_name: str = ""
    author_designation: str = ""
    author_contact: str = ""


# --- reading ---------------------------------------------------------------------------------------


def get_policy(policy_id: int) -> Policy | None:
    return db.session.get(Policy, policy_id, options=[selectinload(Policy.versions), selectinload(Policy.controls)])


def get_version(policy: Policy, version_id: int) -> PolicyVersion | None:
    return next((version for version in policy.versions if version.id == version_id), None)


REVIEW_DUE_DAYS = 30  # the policy list's review=due: in force, review overdue or due within this many days


def review_due_condition(today: date) -> sa.ColumnElement:
    """Versions in force whose next review is past or falls within REVIEW_DUE_DAYS."""
    return sa.and_(PolicyVersion.state == PolicyState.APPROVED.value,
                   PolicyVersion.next_review_on <= today + timedelta(days=REVIEW_DUE_DAYS))


def all_policies(*, review_due_on: date | None = None) -> list[Policy]:
    """Every policy; with review_due_on (today), only those whose version in force is due for review."""
    statement = sa.select(Policy).options(selectinload(Policy.versions)).order_by(Policy.code)
    if review_due_on is not None:
        statement = statement.where(Policy.versions.any(review_due_condition(review_due_on)))
    return list(db.session.scalars(statement))


def policies_of_control(control: Control) -> list[Policy]:
    return list(db.session.scalars(sa.select(Policy).where(Policy.controls.contains(control)).order_by(Policy.code)))


def find_by_code(code: str) -> Policy | None:
    return db.session.scalar(sa.select(Policy).where(sa.func.upper(Policy.code) == code.strip().upper()))


def review_months() -> int:
    return settings.get(settings.POLICY_REVIEW_MONTHS)


# --- policies ---------------------------------------------------------------------------------------


def _check_policy(data: PolicyInput, current: Policy | None) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    code = data.code.strip().upper()
    if not CODE_PATTERN.fullmatch(code):
        problems.append(("code", "Give a short code of 2 to 32 letters, digits or dashes, like ICT-SEC-001."))
    else:
        other = find_by_code(code)
        if other is not None and other is not current:
            problems.append(("code", f"Code {code} is already used by {other.title}."))
    if not data.title.strip():
        problems.append(("title", "Give the policy's title, like ICT Security Policy."))
    if data.owner_id is not None:
        owner = db.session.get(User, data.owner_id)
        if owner is None or not owner.active:
            problems.append(("owner_id", "Choose an active user as the policy's owner."))
    if data.control_ids:
        found = db.session.scalar(sa.select(sa.func.count(Control.id)).where(Control.id.in_(data.control_ids)))
        if found != len(set(data.control_ids)):
            problems.append(("control_ids", "Choose controls from the catalogue."))
    return problems


def _apply_policy(policy: Policy, data: PolicyInput) -> None:
    policy.code = data.code.strip().upper()
    policy.title = data.title.strip()
    policy.owner_id = data.owner_id
    # In the relationship's own order: the audit entry lists them before any reload would sort them.
    policy.controls = list(db.session.scalars(sa.select(Control).where(Control.id.in_(data.control_ids))
                                              .order_by(Control.catalogue, Control.sort_key)))


def _policy_record(policy: Policy) -> dict:
    return {**audit.snapshot(policy, POLICY_AUDIT_FIELDS), "controls": [c.reference for c in policy.controls]}


def create_policy(data: PolicyInput, draft: DraftInput, *, actor: User | None, number: str = "1.0") -> Policy:
    """A new policy starts as version 1.0 (or the `number` its history gives, for an imported policy), a
    draft ("Original" unless the draft says otherwise)."""
    problems = _check_policy(data, None)
    if not workflow.is_version_number(number):
        problems.append(("number", f"“{number}” is not a version number like 1.0 or 2.1."))
    if problems:
        raise PolicyRuleError(problems)
    policy = Policy()
    _apply_policy(policy, data)
    version = PolicyVersion(number=number, state=PolicyState.DRAFT.value)
    _apply_draft(version, DraftInput(**{**draft.__dict__, "change": draft.change.strip() or "Original"}))
    policy.versions.append(version)
    db.session.add(policy)
    db.session.flush()
    audit.record(AuditAction.CREATE, "policy", policy.id, changes=audit.diff({}, _policy_record(policy)),
                 summary=f"Created policy {policy} (draft 1.0)"[:300], actor=actor)
    db.session.flush()
    return policy


def update_policy(policy: Policy, data: PolicyInput, *, expected_version, actor: User) -> dict:
    policy.check_version(expected_version, "policy")
    problems = _check_policy(data, policy)
    if problems:
        raise PolicyRuleError(problems)
    before, version_before = _policy_record(policy), policy.version
    _apply_policy(policy, data)
    db.session.flush()
    changes = audit.diff(before, _policy_record(policy))
    policy.bump_if_only_links_changed(version_before, changes)
    if changes:
        audit.record(AuditAction.UPDATE, "policy", policy.id, changes=changes, summary=f"Edited policy {policy}"[:300],
                     actor=actor)
    db.session.flush()
    return changes


def delete_policy(policy: Policy, *, actor: User) -> None:
    """Only a policy that was never in force nor recorded as issued: those are records the audit needs."""
    if any(v.state in (PolicyState.APPROVED, PolicyState.SUPERSEDED, PolicyState.RECORDED) for v in policy.versions):
        raise PolicyRuleError("This policy has been in force, so it is kept as a record. Start a new version to "
                              "change it.")
    record = {**_policy_record(policy), "versions": [v.number for v in policy.versions]}
    audit.record(AuditAction.DELETE, "policy", policy.id, changes=audit.diff(record, {}),
                 summary=f"Deleted draft policy {policy}"[:300], actor=actor)
    db.session.delete(policy)
    db.session.flush()


# --- the draft --------------------------------------------------------------------------------------


def _require_draft(version: PolicyVersion, target: PolicyState = PolicyState.DRAFT) -> None:
    if version.state_enum != PolicyState.DRAFT:
        raise PolicyRuleError(workflow.refusal(version.state_enum, target))


def _apply_draft(version: PolicyVersion, draft: DraftInput) -> None:
    for name, value in draft.__dict__.items():
        setattr(version, name, value.strip() if name != "body" else value.replace("\r\n", "\n"))


def update_draft(version: PolicyVersion, draft: DraftInput, *, expected_version, actor: User | None,
                 document: CheckedUpload | None = None, remove_document: bool = False) -> dict:
    version.check_version(expected_version, "policy version")
    _require_draft(version)
    if document is not None and document.media_type != "application/pdf":
        raise PolicyRuleError("Attach the signed policy as a PDF.", field="document")
    before = audit.snapshot(version, DRAFT_AUDIT_FIELDS)
    _apply_draft(version, draft)
    if document is not None:
        version.document_sha256 = store(document)
        version.document_name, version.document_size = document.filename, len(document.data)
    elif remove_document:
        version.document_sha256 = version.document_name = version.document_size = None
    db.session.flush()
    changes = audit.diff(before, audit.snapshot(version, DRAFT_AUDIT_FIELDS))
    if changes:
        audit.record(AuditAction.UPDATE, "policy", version.policy_id, changes=changes,
                     summary=f"Edited draft {version}"[:300], actor=actor)
    db.session.flush()
    return changes


def add_clause(version: PolicyVersion, *, reference: str, title: str, text: str = "", actor: User) -> PolicyClause:
    _require_draft(version)
    reference, title = reference.strip().rstrip("."), title.strip()
    problems: list[tuple[str | None, str]] = []
    if not reference:
        problems.append(("reference", "Give the clause number, like 4.2."))
    elif any(clause.reference == reference for clause in version.clauses):
        problems.append(("reference", f"Clause {reference} is already in this version."))
    if not title:
        problems.append(("title", "Give the clause's title, like Password length."))
    if problems:
        raise PolicyRuleError(problems)
    clause = PolicyClause(reference=reference, title=title, text=text.strip(), position=_position(reference))
    version.clauses.append(clause)
    db.session.flush()
    audit.record(AuditAction.UPDATE, "policy", version.policy_id, changes={"clause": [None, f"{reference} {title}"]},
                 summary=f"Added clause {reference} to {version}"[:300], actor=actor)
    db.session.flush()
    return clause


def _position(reference: str) -> int:
    """Sort key of a clause number: 4.10 after 4.9 (up to 999 per level, four levels)."""
    parts = [int(p) if p.isdigit() else 0 for p in reference.split(".")[:4]]
    parts += [0] * (4 - len(parts))
    return sum(min(part, 999) * 1000 ** (3 - level) for level, part in enumerate(parts))


def remove_clause(version: PolicyVersion, clause_id: int, *, actor: User) -> None:
    _require_draft(version)
    clause = next((c for c in version.clauses if c.id == clause_id), None)
    if clause is None:
        raise PolicyRuleError("That clause is not in this version.")
    audit.record(AuditAction.UPDATE, "policy", version.policy_id, changes={"clause": [str(clause), None]},
                 summary=f"Removed clause {clause.reference} from {version}"[:300], actor=actor)
    version.clauses.remove(clause)
    db.session.flush()


@dataclass(frozen=True)
class ClausesFromHeadings:
    added: list[PolicyClause]
    updated: list[PolicyClause]


def clauses_from_headings(version: PolicyVersion, *, actor: User | None) -> ClausesFromHeadings:
    """A clause for each numbered heading of the text ("## 4.2 Password length"), with the text under
    the heading: new headings add clauses, and a listed clause takes its heading's current title and
    text (a new version's text changes, its clauses follow). Clauses with no heading stay as they are."""
    _require_draft(version)
    listed = {clause.reference: clause for clause in version.clauses}
    added, updated = [], []
    for _, heading, text in sections(version.body):
        match = NUMBERED_HEADING.fullmatch(heading)
        if not match:
            continue
        reference, title, text = match.group(1), match.group(2).strip()[:200], text[:5000]
        clause = listed.get(reference)
        if clause is None:
            clause = PolicyClause(reference=reference, title=title, text=text, position=_position(reference))
            version.clauses.append(clause)
            listed[reference] = clause
            added.append(clause)
        elif (clause.title, clause.text) != (title, text):
            clause.title, clause.text = title, text
            updated.append(clause)
    if added or updated:
        audit.record(AuditAction.UPDATE, "policy", version.policy_id,
                     changes={"clauses": [None, [str(clause) for clause in added + updated]]},
                     summary=f"Clauses of {version} from its headings: {len(added)} added, {len(updated)} "
                             f"updated"[:300], actor=actor)
    db.session.flush()
    return ClausesFromHeadings(added, updated)


# --- review and approval ----------------------------------------------------------------------------


def add_reviewer(version: PolicyVersion, *, name: str, designation: str, reviewed_on: date | None, actor: User | None,
                 today: date | None = None) -> PolicyReviewer:
    if version.state_enum not in (PolicyState.DRAFT, PolicyState.IN_REVIEW):
        raise PolicyRuleError(workflow.refusal(version.state_enum, PolicyState.IN_REVIEW))
    problems = workflow.review_problems(reviewed_on, today=today or local_today())
    if not name.strip():
        problems.insert(0, ("name", "Give the reviewer's name."))
    if problems:
        raise PolicyRuleError(problems)
    reviewer = PolicyReviewer(name=name.strip(), designation=designation.strip(), reviewed_on=reviewed_on)
    version.reviewers.append(reviewer)
    db.session.flush()
    audit.record(AuditAction.UPDATE, "policy", version.policy_id,
                 changes={"reviewer": [None, f"{reviewer.name}, {reviewer.designation}, {reviewed_on}"]},
                 summary=f"Recorded a review of {version} by {reviewer.name}"[:300], actor=actor)
    db.session.flush()
    return reviewer


def remove_reviewer(version: PolicyVersion, reviewer_id: int, *, actor: User) -> None:
    if version.state_enum not in (PolicyState.DRAFT, PolicyState.IN_REVIEW):
        raise PolicyRuleError(workflow.refusal(version.state_enum, PolicyState.IN_REVIEW))
    reviewer = next((r for r in version.reviewers if r.id == reviewer_id), None)
    if reviewer is None:
        raise PolicyRuleError("That reviewer is not recorded on this version.")
    audit.record(AuditAction.UPDATE, "policy", version.policy_id, changes={"reviewer": [reviewer.name, None]},
                 summary=f"Removed reviewer {reviewer.name} from {version}"[:300], actor=actor)
    version.reviewers.remove(reviewer)
    db.session.flush()


def _move(version: PolicyVersion, target: PolicyState, *, expected_version, actor: User | None, summary: str,
          changes: dict | None = None) -> None:
    version.check_version(expected_version, "policy version")
    if not workflow.can_move(version.state_enum, target):
        raise PolicyRuleError(workflow.refusal(version.state_enum, target))
    before = version.state
    version.state = target.value
    audit.record(AuditAction.UPDATE, "policy", version.policy_id,
                 changes={"state": [before, target.value], **(changes or {})},
                 summary=summary[:300], actor=actor)


def _submission_problems(version: PolicyVersion) -> workflow.Problems:
    return workflow.submission_problems(workflow.Submission(
        body=version.body, has_document=version.document_sha256 is not None, change=version.change,
        author_name=version.author_name, author_designation=version.author_designation))


def submit_for_review(version: PolicyVersion, *, expected_version, actor: User | None,
                      today: date | None = None) -> None:
    """A draft, or the latest version recorded as issued, goes for review."""
    problems = _submission_problems(version)
    if problems and version.state_enum == PolicyState.DRAFT:
        raise PolicyRuleError(problems)
    if version.state_enum == PolicyState.RECORDED and version is not version.policy.latest:
        raise PolicyRuleError(f"Version {version.number} was followed by version {version.policy.latest.number} "
                              "before it was reviewed: review the latest version instead.")
    _move(version, PolicyState.IN_REVIEW, expected_version=expected_version, actor=actor,
          summary=f"Sent {version} for review")
    version.submitted_on = today or local_today()
    db.session.flush()


def record_as_issued(version: PolicyVersion, *, expected_version, actor: User | None) -> None:
    """Keep a draft as the organisation issued it, before or outside Khusela: the document-control
    table names its author, but nobody has reviewed or approved it yet. It is read-only from now on,
    never in force, and shown as such; its review and approval go through the usual steps."""
    problems = _submission_problems(version)
    if problems and version.state_enum == PolicyState.DRAFT:
        raise PolicyRuleError(problems)
    _move(version, PolicyState.RECORDED, expected_version=expected_version, actor=actor,
          summary=f"Recorded {version} as issued ({version.change}, {version.author_name}): not yet reviewed or "
                  "approved")
    db.session.flush()


def return_to_draft(version: PolicyVersion, *, reason: str, expected_version, actor: User) -> None:
    if not reason.strip():
        raise PolicyRuleError("Say what must change before the version is reviewed again.", field="reason")
    _move(version, PolicyState.DRAFT, expected_version=expected_version, actor=actor,
          summary=f"Returned {version} to draft: {reason.strip()}", changes={"reason": [None, reason.strip()]})
    version.submitted_on = None
    db.session.flush()


def approve(version: PolicyVersion, approval: workflow.Approval, *, expected_version, actor: User | None,
            today: date | None = None) -> None:
    """Put the version in force: the approved version before it is superseded on the same day."""
    today = today or local_today()
    if version.state_enum == PolicyState.IN_REVIEW:
        problems = workflow.approval_problems(approval, submitted_on=version.submitted_on,
                                              reviewed_on=[r.reviewed_on for r in version.reviewers], today=today)
        if problems:
            raise PolicyRuleError(problems)
    previous = version.policy.current
    _move(version, PolicyState.APPROVED, expected_version=expected_version, actor=actor,
          summary=f"Approved {version} ({approval.approver_name}, {approval.approver_designation})")
    if approval.approved_on is None:  # approval_problems() named it: _move() approves only a version in review
        raise PolicyRuleError([("approved_on", "Give the date the policy was approved.")])
    version.approver_name = approval.approver_name.strip()
    version.approver_designation = approval.approver_designation.strip()
    version.approved_on = approval.approved_on
    version.next_review_on = approval.next_review_on or workflow.next_review(approval.approved_on, review_months())
    if previous is not None:
        previous.state = PolicyState.SUPERSEDED.value
        previous.superseded_on = approval.approved_on
        audit.record(AuditAction.UPDATE, "policy", version.policy_id,
                     changes={"state": [PolicyState.APPROVED.value, PolicyState.SUPERSEDED.value]},
                     summary=f"{previous} superseded by version {version.number}"[:300], actor=actor)
    db.session.flush()


def start_new_version(policy: Policy, *, major: bool, actor: User | None,
                      number: str | None = None) -> PolicyVersion:
    """A draft copy of the latest version: text, author and clauses; not its reviews, approval or PDF.
    Numbered after the highest so far, or `number` (an imported history's, higher than every one so far)."""
    lock_row(db.session, policy)  # two editors starting a draft at once: the second sees the first's draft
    open_version = policy.open_version
    if open_version is not None:
        raise PolicyRuleError(f"Version {open_version.number} is still {open_version.state_enum.label.lower()}: "
                              "finish or discard it before starting another.")
    numbers = [v.number for v in policy.versions]
    if number is not None and not workflow.number_follows(number, numbers):
        raise PolicyRuleError(f"Version “{number}” does not follow version {policy.latest.number}: number it "
                              f"higher, like {workflow.next_number(numbers, major=False)}.", field="number")
    latest = policy.latest
    version = PolicyVersion(number=number or workflow.next_number(numbers, major=major),
                            state=PolicyState.DRAFT.value, change="", body=latest.body,
                            author_name=latest.author_name, author_designation=latest.author_designation,
                            author_contact=latest.author_contact)
    version.clauses = [PolicyClause(reference=c.reference, title=c.title, text=c.text, position=c.position)
                       for c in latest.clauses]
    policy.versions.append(version)
    db.session.flush()
    audit.record(AuditAction.CREATE, "policy", policy.id, changes={"version": [None, version.number]},
                 summary=f"Started draft {version.number} of {policy} from version {latest.number}"[:300], actor=actor)
    db.session.flush()
    return version


def discard_draft(version: PolicyVersion, *, actor: User) -> None:
    _require_draft(version)
    policy = version.policy
    if len(policy.versions) == 1:
        raise PolicyRuleError("This is the policy's only version: delete the policy instead.")
    audit.record(AuditAction.DELETE, "policy", policy.id, changes={"version": [version.number, None]},
                 summary=f"Discarded draft {version}"[:300], actor=actor)
    policy.versions.remove(version)
    db.session.flush()


# --- acknowledgements -------------------------------------------------------------------------------


def _require_in_force(version: PolicyVersion) -> None:
    if version.state_enum != PolicyState.APPROVED:
        raise PolicyRuleError("Only the approved version in force can be acknowledged.")


def has_acknowledged(version: PolicyVersion, employee: Employee) -> bool:
    return db.session.scalar(sa.select(PolicyAcknowledgement.id).where(
        PolicyAcknowledgement.version_id == version.id, PolicyAcknowledgement.employee_id == employee.id)) is not None


def acknowledge_own(version: PolicyVersion, user: User, *, today: date | None = None) -> PolicyAcknowledgement:
    """The signed-in employee states they have read and understood the version in force."""
    _require_in_force(version)
    employee = employee_for_user(user)
    if employee is None:
        raise PolicyRuleError("Your account is not linked to an employee record: ask HR to add your e-mail "
                              "address to your record in the employee register.")
    if has_acknowledged(version, employee):
        raise PolicyRuleError(f"You acknowledged {version} already.")
    return _acknowledge(version, [employee], today or local_today(), AcknowledgementMethod.IN_APP, user)[0]


def _acknowledge(version: PolicyVersion, employees: list[Employee], on: date, method: AcknowledgementMethod,
                 actor: User | None, sheet: AcknowledgementSheet | None = None) -> list[PolicyAcknowledgement]:
    rows = [PolicyAcknowledgement(version_id=version.id, employee_id=employee.id, acknowledged_on=on,
                                  method=method.value, recorded_by_id=actor.id if actor else None, sheet=sheet)
            for employee in employees]
    db.session.add_all(rows)
    db.session.flush()
    numbers = [employee.number for employee in employees]
    sheet_change = {"sheet": [None, f"{sheet.original_name} ({sheet.sha256})"]} if sheet else {}
    audit.record(AuditAction.ACKNOWLEDGE, "policy", version.policy_id,
                 changes={"version": [None, version.number], "employees": [None, numbers], "on": [None, on],
                          "method": [None, method.value], **sheet_change},
                 summary=f"{len(rows)} acknowledgement{'s' if len(rows) != 1 else ''} of {version} "
                         f"({method.label.lower()})"[:300], actor=actor)
    db.session.flush()
    return rows


@dataclass(frozen=True)
class RecordedAcknowledgements:
    added: list[str]
    already: list[str]


# A scanned sheet is a PDF or a scan/photo of the page: what a signature can be seen on.
SHEET_MEDIA_TYPES = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG"}


def _sheet_problems(method: AcknowledgementMethod, sheet: CheckedUpload | None) -> list[tuple[str | None, str]]:
    """A paper acknowledgement is only as good as the signed sheet behind it (ISO 27001 7.3 and 7.5:
    evidence of awareness, kept as documented information), so recording one needs its scan."""
    if sheet is None:
        if method == AcknowledgementMethod.PAPER:
            return [("sheet", "Attach the scanned signed sheet (PDF, PNG or JPEG): it is the evidence of the "
                              "signatures.")]
        return []
    if sheet.media_type not in SHEET_MEDIA_TYPES:
        return [("sheet", f"{sheet.filename} is not a scan: attach the signed sheet as a PDF, PNG or JPEG.")]
    return []


def _keep_sheet(version: PolicyVersion, sheet: CheckedUpload, on: date, actor: User | None) -> AcknowledgementSheet:
    kept = AcknowledgementSheet(version_id=version.id, signed_on=on, sha256=store(sheet), original_name=sheet.filename,
                                size=len(sheet.data), media_type=sheet.media_type,
                                uploaded_by_id=actor.id if actor else None)
    db.session.add(kept)
    db.session.flush()
    return kept


def record_acknowledgements(version: PolicyVersion, numbers: list[str], *, on: date | None,
                            method: AcknowledgementMethod = AcknowledgementMethod.PAPER, actor: User | None,
                            today: date | None = None, sheet: CheckedUpload | None = None) -> RecordedAcknowledgements:
    """Acknowledgements signed on paper (or from another register), by employee number; paper ones
    with the scanned signed sheet (checked like evidence by the caller: check_evidence()). All or
    nothing: an unknown number, a bad date or a missing sheet changes nothing."""
    _require_in_force(version)
    today = today or local_today()
    problems: list[tuple[str | None, str]] = _sheet_problems(method, sheet)
    if on is None:
        problems.append(("acknowledged_on", "Give the date the employees signed."))
    elif on > today:
        problems.append(("acknowledged_on", "The date signed cannot be after today."))
    elif version.approved_on and on < version.approved_on:
        problems.append(("acknowledged_on", f"Version {version.number} was approved on "
                                            f"{version.approved_on.isoformat()}: it cannot be acknowledged before."))
    wanted = list(dict.fromkeys(number.strip() for number in numbers if number.strip()))
    if not wanted:
        problems.append(("employee_numbers", "Give the employee numbers of the people who signed, one per line."))
    found = {e.number: e for e in db.session.scalars(sa.select(Employee).where(Employee.number.in_(wanted)))}
    missing = [number for number in wanted if number not in found]
    if missing:
        problems.append(("employee_numbers", f"No employee has the number {', '.join(missing[:10])}"
                                             f"{' and more' if len(missing) > 10 else ''}: check the sheet."))
    if problems or on is None:  # a missing date is among the problems
        raise PolicyRuleError(problems)
    done = set(db.session.scalars(sa.select(PolicyAcknowledgement.employee_id).where(
        PolicyAcknowledgement.version_id == version.id,
        PolicyAcknowledgement.employee_id.in_([e.id for e in found.values()]))))
    new = [found[number] for number in wanted if found[number].id not in done]
    if new:
        _acknowledge(version, new, on, method, actor, _keep_sheet(version, sheet, on, actor) if sheet else None)
    return RecordedAcknowledgements(added=[e.number for e in new],
                                    already=[number for number in wanted if found[number].id in done])


def sheet_of(policy: Policy, sheet_id: int) -> AcknowledgementSheet | None:
    """A signed sheet of one of the policy's versions (None when the id names another policy's)."""
    sheet = db.session.get(AcknowledgementSheet, sheet_id)
    return sheet if sheet is not None and sheet.version.policy_id == policy.id else None


def record_sheet_download(sheet: AcknowledgementSheet, *, actor: User) -> None:
    """The sheet names and shows the signatures of everyone on it: each download is on record."""
    audit.record(AuditAction.DOWNLOAD, "policy", sheet.version.policy_id, actor=actor,
                 summary=f"Downloaded the signed acknowledgement sheet of {sheet.version} signed on "
                         f"{sheet.signed_on.isoformat()} (SHA-256 {sheet.sha256[:16]}…)"[:300])
    db.session.flush()


def employed() -> sa.Select:
    return sa.select(Employee).where(Employee.status.in_([status.value for status in EMPLOYED]))


def acknowledged_select(version: PolicyVersion) -> sa.Select:
    return (sa.select(PolicyAcknowledgement, Employee)
            .join(Employee, Employee.id == PolicyAcknowledgement.employee_id)
            .where(PolicyAcknowledgement.version_id == version.id)
            .options(selectinload(PolicyAcknowledgement.sheet)))


def not_acknowledged_select(version: PolicyVersion) -> sa.Select:
    """Employees still employed who have not acknowledged this version."""
    acknowledged = sa.select(PolicyAcknowledgement.id).where(PolicyAcknowledgement.version_id == version.id,
                                                             PolicyAcknowledgement.employee_id == Employee.id)
    return employed().where(~acknowledged.exists())


@dataclass(frozen=True)
class Coverage:
    acknowledged: int
    employed: int

    @property
    def percent(self) -> int:
        return round(100 * self.acknowledged / self.employed) if self.employed else 0


def coverage(version: PolicyVersion, department_id: int | None = None) -> Coverage:
    """How many of the employees still employed acknowledged the version (of one department, if given)."""
    people = employed()
    if department_id is not None:
        people = people.where(Employee.department_id == department_id)
    employee_ids = people.with_only_columns(Employee.id)
    total = db.session.execute(sa.select(sa.func.count()).select_from(employee_ids.subquery())).scalar_one()
    done = db.session.execute(sa.select(sa.func.count(PolicyAcknowledgement.id)).where(
        PolicyAcknowledgement.version_id == version.id, PolicyAcknowledgement.employee_id.in_(employee_ids))
    ).scalar_one()
    return Coverage(acknowledged=done, employed=total)


def coverages(versions: list[PolicyVersion]) -> dict[int, Coverage]:
    """coverage() of several versions at once, organisation-wide: two queries whatever their number."""
    total = db.session.execute(sa.select(sa.func.count()).select_from(employed().subquery())).scalar_one()
    # From the acknowledgements to their employees: the other way round (acknowledgements of the employed,
    # an IN list of every employee) probed each version once per employee, 84,000 look-ups for 12,000 staff.
    done = dict(db.session.execute(
        sa.select(PolicyAcknowledgement.version_id, sa.func.count(PolicyAcknowledgement.id))
        .join(Employee, Employee.id == PolicyAcknowledgement.employee_id)
        .where(PolicyAcknowledgement.version_id.in_([version.id for version in versions]),
               Employee.status.in_([status.value for status in EMPLOYED]))
        .group_by(PolicyAcknowledgement.version_id)).all())
    return {version.id: Coverage(acknowledged=done.get(version.id, 0), employed=total) for version in versions}


def acknowledgements_of(employee: Employee) -> list[tuple[Policy, PolicyVersion, PolicyAcknowledgement | None]]:
    """Each policy in force, its version in force and the employee's acknowledgement of it (or None)."""
    in_force = [(policy, version) for policy in all_policies() if (version := policy.current) is not None]
    found = {ack.version_id: ack for ack in db.session.scalars(sa.select(PolicyAcknowledgement).where(
        PolicyAcknowledgement.employee_id == employee.id,
        PolicyAcknowledgement.version_id.in_([version.id for _, version in in_force])))}
    return [(policy, version, found.get(version.id)) for policy, version in in_force]


def reviews_due(on: date) -> list[PolicyVersion]:
    """Versions in force whose next review falls on or before `on` (whom the scheduler reminds)."""
    return list(db.session.scalars(
        sa.select(PolicyVersion).options(selectinload(PolicyVersion.policy))
        .where(PolicyVersion.state == PolicyState.APPROVED.value, PolicyVersion.next_review_on.is_not(None),
               PolicyVersion.next_review_on <= on)
        .order_by(PolicyVersion.next_review_on, PolicyVersion.id)))


# --- signatures of the document-control rows -------------------------------------------------------


@dataclass(frozen=True)
class SignatureRow:
    """One row of a version's document-control tables that takes a signature."""

    slot: str
    label: str  # "author", "review", "approval"
    name: str
    reviewer_id: int | None = None


def signature_row(version: PolicyVersion, slot: str) -> SignatureRow | None:
    """The row `slot` names on this version: None when the version has no such row (yet)."""
    if slot == AUTHOR_SLOT:
        return SignatureRow(AUTHOR_SLOT, "author", version.author_name)
    if slot == APPROVAL_SLOT:
        return SignatureRow(APPROVAL_SLOT, "approval", version.approver_name) if version.approved_on else None
    reviewer = next((r for r in version.reviewers if review_slot(r.id) == slot), None)
    return SignatureRow(slot, "review", reviewer.name, reviewer.id) if reviewer else None


def _signable(version: PolicyVersion, slot: str) -> SignatureRow:
    row = signature_row(version, slot)
    refusal = workflow.signature_refusal(version.state_enum, row.label if row else slot, row_exists=row is not None)
    if refusal:
        raise PolicyRuleError(refusal)
    assert row is not None  # signature_refusal() names a missing row
    if version.signature(slot) is not None:
        raise PolicyRuleError(f"The {row.label} row of {version} is signed already.")
    return row


def _signed(version: PolicyVersion, row: SignatureRow, signature: PolicySignature, actor: User | None) -> None:
    version.signatures.append(signature)
    db.session.flush()
    how = SignatureMethod(signature.method).label.lower()
    scan = f", {signature.scan_name} (SHA-256 {signature.scan_sha256})" if signature.scan_sha256 else ""
    audit.record(AuditAction.SIGN, "policy", version.policy_id,
                 changes={"signature": [None, f"{row.label}: {row.name} ({how}{scan})"]},
                 summary=f"Signature of the {row.label} row of {version} ({row.name}, {how})"[:300], actor=actor)
    db.session.flush()


def sign_in_app(version: PolicyVersion, slot: str, *, signer: User) -> PolicySignature:
    """The person the row names signs it, signed in: Khusela keeps who and when."""
    row = _signable(version, slot)
    problem = workflow.sign_in_app_problem(signer.full_name, row.name, row.label)
    if problem:
        raise PolicyRuleError(problem)
    signature = PolicySignature(slot=slot, reviewer_id=row.reviewer_id, name=row.name,
                                method=SignatureMethod.IN_APP.value, signed_by_id=signer.id, recorded_by_id=signer.id)
    _signed(version, row, signature, signer)
    return signature


def record_signed_scan(version: PolicyVersion, slot: str, scan: CheckedUpload, *,
                       actor: User | None) -> PolicySignature:
    """A scan of the row signed by hand (checked like evidence by the caller: check_evidence()), kept by content."""
    row = _signable(version, slot)
    if scan.media_type not in SHEET_MEDIA_TYPES:
        raise PolicyRuleError(f"{scan.filename} is not a scan: attach the signed page as a PDF, PNG or JPEG.",
                              field="scan")
    signature = PolicySignature(slot=slot, reviewer_id=row.reviewer_id, name=row.name,
                                method=SignatureMethod.SCAN.value, scan_sha256=store(scan), scan_name=scan.filename,
                                scan_size=len(scan.data),
                                scan_media_type=scan.media_type, recorded_by_id=actor.id if actor else None)
    _signed(version, row, signature, actor)
    return signature


def signature_of(version: PolicyVersion, signature_id: int) -> PolicySignature | None:
    return next((signature for signature in version.signatures if signature.id == signature_id), None)


def record_signature_download(signature: PolicySignature, *, actor: User) -> None:
    """A handwritten signature is personal information: each download of its scan is on record."""
    audit.record(AuditAction.DOWNLOAD, "policy", signature.version.policy_id, actor=actor,
                 summary=f"Downloaded the signed scan of {signature.name} on {signature.version} "
                         f"(SHA-256 {(signature.scan_sha256 or '')[:16]}…)"[:300])
    db.session.flush()
