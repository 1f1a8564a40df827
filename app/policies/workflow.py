"""The rules of a policy version's life, kept apart from the database so each is tested alone:
draft → in review → approved (the earlier approved version is then superseded). A draft can instead be
recorded as the organisation issued it, unreviewed and unapproved (a document brought in with its
history): it is kept as it stands, and the latest such version goes for review like a draft. Only a
draft can be changed; a new version starts as a draft copy of the latest one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.common.timeutil import add_months
from app.policies.models import PolicyState

Problems = list[tuple[str | None, str]]

NEXT_STATES = {
    PolicyState.DRAFT: {PolicyState.IN_REVIEW, PolicyState.RECORDED},
    PolicyState.IN_REVIEW: {PolicyState.DRAFT, PolicyState.APPROVED},
    PolicyState.APPROVED: {PolicyState.SUPERSEDED},
    PolicyState.SUPERSEDED: set(),
    # Review and approval still to come: it is approved only after it went for review and was reviewed.
    PolicyState.RECORDED: {PolicyState.IN_REVIEW},
}


def can_move(current: PolicyState, target: PolicyState) -> bool:
    return target in NEXT_STATES[current]


def refusal(current: PolicyState, target: PolicyState) -> str:
    if current == PolicyState.APPROVED:
        return "This version is approved and read-only: start a new version to change the policy."
    if current == PolicyState.SUPERSEDED:
        return "This version was superseded and is kept as a record: it cannot change."
    if target == PolicyState.APPROVED:
        if current == PolicyState.RECORDED:
            return ("This version was recorded as issued, not reviewed: send it for review and record the review "
                    "before it is approved.")
        return "Only a version in review can be approved: send the draft for review first."
    if current == PolicyState.RECORDED:
        return "This version is recorded as the organisation issued it: it cannot change. Start a new version."
    return f"A version that is {current.label.lower()} cannot be moved to {target.label.lower()}."


def next_number(numbers: list[str], *, major: bool) -> str:
    """1.0 → 1.1 (a change) or 2.0 (a rewrite), from the highest number so far."""
    parsed = [p for p in (_parse(number) for number in numbers) if p is not None]
    if not parsed:
        return "1.0"
    highest = max(parsed)
    return f"{highest[0] + 1}.0" if major else f"{highest[0]}.{highest[1] + 1}"


def number_follows(number: str, numbers: list[str]) -> bool:
    """Is `number` a version number higher than every one in `numbers` (1.2 after 1.1; 2.0 after 1.9)?"""
    parsed = _parse(number)
    earlier = [p for p in (_parse(each) for each in numbers) if p is not None]
    return parsed is not None and all(parsed > each for each in earlier)


def _parse(number: str) -> tuple[int, int] | None:
    head, _, tail = number.partition(".")
    if not head.isdigit() or (tail and not tail.isdigit()):
        return None
    return int(head), int(tail or 0)


def is_version_number(number: str) -> bool:
    return _parse(number) is not None and number.count(".") <= 1


def next_review(approved_on: date, months: int) -> date:
    return add_months(approved_on, months)


@dataclass(frozen=True)
class Submission:
    """What a draft must hold before anyone reviews it, or before it is recorded as issued."""

    body: str
    has_document: bool
    change: str
    author_name: str
    author_designation: str


def submission_problems(draft: Submission) -> Problems:
    problems: Problems = []
    if not draft.body.strip() and not draft.has_document:
        problems.append(("body", "Write the policy text or attach the signed PDF before sending it for review."))
    if not draft.change.strip():
        problems.append(("change", "Say what this version changes (for a first version: Original)."))
    if not draft.author_name.strip():
        problems.append(("author_name", "Give the author's name for the document-control table."))
    if not draft.author_designation.strip():
        problems.append(("author_designation", "Give the author's designation for the document-control table."))
    return problems


@dataclass(frozen=True)
class Approval:
    approver_name: str
    approver_designation: str
    approved_on: date | None
    next_review_on: date | None


def approval_problems(approval: Approval, *, submitted_on: date | None, reviewed_on: list[date],
                      today: date) -> Problems:
    problems: Problems = []
    if not approval.approver_name.strip():
        problems.append(("approver_name", "Give the name of the person who approved the policy."))
    if not approval.approver_designation.strip():
        problems.append(("approver_designation", "Give the approver's designation (e.g. Head of Department)."))
    if not reviewed_on:
        problems.append((None, "Record who reviewed this version before it is approved."))
    day = approval.approved_on
    if day is None:
        problems.append(("approved_on", "Give the date the policy was approved."))
    elif day > today:
        problems.append(("approved_on", "The approval date cannot be after today."))
    elif submitted_on and day < submitted_on:
        problems.append(("approved_on", f"The approval date cannot be before the version went for review "
                                        f"({submitted_on.isoformat()})."))
    elif reviewed_on and day < max(reviewed_on):
        problems.append(("approved_on", f"The approval date cannot be before the last review "
                                        f"({max(reviewed_on).isoformat()})."))
    if day and approval.next_review_on and approval.next_review_on <= day:
        problems.append(("next_review_on", "The next review must be after the approval date."))
    return problems


def review_problems(reviewed_on: date | None, *, today: date) -> Problems:
    if reviewed_on is None:
        return [("reviewed_on", "Give the date of the review.")]
    if reviewed_on > today:
        return [("reviewed_on", "The review date cannot be after today.")]
    return []


def sign_in_app_problem(signer_name: str, row_name: str, row: str) -> str | None:
    """Only the person a document-control row names signs it in Khusela (a scan records anyone else's
    signature): the names are compared ignoring case and spacing."""
    if not row_name.strip():
        return f"The {row} row names nobody yet: give the name before it is signed."
    if " ".join(signer_name.split()).casefold() != " ".join(row_name.split()).casefold():
        return (f"Only {row_name} can sign the {row} row in Khusela; you are signed in as {signer_name}. Upload "
                f"the scan of {row_name}'s signed page instead.")
    return None


def signature_refusal(state: PolicyState, row: str, *, row_exists: bool) -> str | None:
    """A row is signed once the text it vouches for is fixed: not while the version is a draft."""
    if state == PolicyState.DRAFT:
        return "A draft can still change: sign it once it is sent for review or recorded as issued."
    if not row_exists:
        return {"approval": "This version is not approved: the approval row is signed once the approval is "
                            "recorded."}.get(row, "That row is not on this version.")
    return None
