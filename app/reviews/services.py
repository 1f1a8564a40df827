"""Use cases of management review: plan the meeting, compile its pack, record the minutes (held),
approve it, and the decisions and actions that come out of it (9.3.3). Services flush and record
their audit entries; the caller commits."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from app.admin import settings
from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import User
from app.auth.permissions import REVIEW_ACTION_UPDATE, REVIEW_APPROVE, REVIEW_MANAGE, user_can
from app.common.models import RuleError
from app.common.timeutil import add_months, local_today, utcnow
from app.common.transactions import lock_row
from app.extensions import db
from app.reviews import inputs
from app.reviews.models import (
    COMPILABLE_STATUSES,
    HELD_STATUSES,
    OPEN_ACTION_STATUSES,
    ActionStatus,
    ManagementReview,
    PdfStatus,
    ReviewAction,
    ReviewPack,
    ReviewStatus,
)

ENTITY, ACTION_ENTITY = "management_review", "management_review_action"
REVIEW_FIELDS = ["title", "meeting_on", "chair_id", "external_attendees", "interested_party_feedback",
                 "improvement_opportunities", "status", "minutes"]
ACTION_FIELDS = ["decision", "title", "owner_id", "due_on", "status", "closed_on", "progress_note"]

class ReviewRuleError(RuleError):
    pass


# --- reaching a record -------------------------------------------------------------------------


def get_review_or_403(user: User, review_id: int, need: str) -> ManagementReview:
    """The review (404 when missing). Approving needs the review's own chair or a holder of review.manage;
    every other need is the route's permission alone (all readers see every review)."""
    review = db.session.get(ManagementReview, review_id)
    if review is None:
        abort(404)
    if need == REVIEW_APPROVE and not (review.chair_id == user.id or user_can(user, REVIEW_MANAGE)):
        abort(403)
    return review


def get_action_or_403(user: User, review_id: int, action_id: int, need: str) -> ReviewAction:
    """An action of the review: 404 when missing or of another review; updating its progress needs
    its owner or a holder of review.manage."""
    review = get_review_or_403(user, review_id, need)
    action = db.session.get(ReviewAction, action_id)
    if action is None or action.review_id != review.id:
        abort(404)
    if need == REVIEW_ACTION_UPDATE and not (action.owner_id == user.id or user_can(user, REVIEW_MANAGE)):
        abort(403)
    return action


def may_approve(user: User, review: ManagementReview) -> bool:
    return user_can(user, REVIEW_APPROVE) and (review.chair_id == user.id or user_can(user, REVIEW_MANAGE))


def may_update_progress(user: User, action: ReviewAction) -> bool:
    return user_can(user, REVIEW_ACTION_UPDATE) and (action.owner_id == user.id or user_can(user, REVIEW_MANAGE))


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewFilters:
    year: int | None = None
    status: str = ""

    @classmethod
    def from_args(cls, args) -> ReviewFilters:
        year = (args.get("year") or "").strip()
        status = args.get("status", "")
        return cls(year=int(year) if year.isdigit() and 1900 < int(year) < 3000 else None,
                   status=status if status in set(ReviewStatus) else "")

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        conditions: list[sa.ColumnElement[bool]] = []
        if self.year:
            conditions.append(ManagementReview.meeting_on.between(date(self.year, 1, 1), date(self.year, 12, 31)))
        if self.status:
            conditions.append(ManagementReview.status == self.status)
        return conditions


def filtered_reviews(filters: ReviewFilters) -> sa.Select:
    open_actions = (sa.select(sa.func.count(ReviewAction.id)).where(ReviewAction.review_id == ManagementReview.id,
                                                                    ReviewAction.status.in_(OPEN_ACTION_STATUSES))
                    .correlate(ManagementReview).scalar_subquery())
    return (sa.select(ManagementReview, open_actions.label("open_actions"))
            .where(*filters.conditions()).options(selectinload(ManagementReview.chair)))


SORT_COLUMNS = {"meeting_on": ManagementReview.meeting_on, "title": ManagementReview.title,
                "status": ManagementReview.status}


def years() -> list[int]:
    found = db.session.scalars(sa.select(sa.func.min(ManagementReview.meeting_on)))
    first = next(iter(found), None)
    today = local_today()
    return list(range(today.year + 1, (first.year if first else today.year) - 1, -1))


def carried_actions(review: ManagementReview) -> list[ReviewAction]:
    """Actions of earlier reviews still open: shown on this review, and compiled in its first section."""
    return list(db.session.scalars(
        sa.select(ReviewAction).join(ManagementReview, ManagementReview.id == ReviewAction.review_id)
        .where(ManagementReview.meeting_on < review.meeting_on, ManagementReview.id != review.id,
               ReviewAction.status.in_(OPEN_ACTION_STATUSES))
        .order_by(ReviewAction.due_on, ReviewAction.id)
        .options(selectinload(ReviewAction.owner), selectinload(ReviewAction.review))))


def all_actions() -> sa.Select:
    return (sa.select(ReviewAction).join(ManagementReview, ManagementReview.id == ReviewAction.review_id)
            .order_by(ManagementReview.meeting_on, ReviewAction.id)
            .options(selectinload(ReviewAction.owner), selectinload(ReviewAction.review)))


def reviews_planned_within(today: date, until: date) -> list[ManagementReview]:
    return list(db.session.scalars(
        sa.select(ManagementReview).where(ManagementReview.status.in_(COMPILABLE_STATUSES),
                                          ManagementReview.meeting_on.between(today, until))
        .order_by(ManagementReview.meeting_on)))


def actions_due(until: date) -> list[ReviewAction]:
    return list(db.session.scalars(
        sa.select(ReviewAction).where(ReviewAction.status.in_(OPEN_ACTION_STATUSES), ReviewAction.due_on <= until)
        .order_by(ReviewAction.due_on, ReviewAction.id).options(selectinload(ReviewAction.review))))


def last_held_on() -> date | None:
    return db.session.scalar(sa.select(sa.func.max(ManagementReview.meeting_on))
                             .where(ManagementReview.status.in_(HELD_STATUSES)))


def review_overdue_since(today: date) -> date | None:
    """The day the next review fell due (the last one held plus the setting's months) when that day has
    come and no review was held since; None otherwise, and while no review was ever held (nothing to count from)."""
    last = last_held_on()
    if last is None:
        return None
    due = add_months(last, settings.get(settings.MANAGEMENT_REVIEW_INTERVAL_MONTHS))
    return due if due <= today else None


def held_reviews() -> list[ManagementReview]:
    return list(db.session.scalars(sa.select(ManagementReview).where(ManagementReview.status.in_(HELD_STATUSES))
                                   .order_by(ManagementReview.meeting_on, ManagementReview.id)
                                   .options(selectinload(ManagementReview.pack))))


# --- the meeting -------------------------------------------------------------------------------


@dataclass
class ReviewInput:
    title: str
    meeting_on: date | None
    chair_id: int | None
    attendee_ids: list[int]
    external_attendees: str = ""
    interested_party_feedback: str = ""
    improvement_opportunities: str = ""


def _active_user(user_id: int | None) -> User | None:
    user = db.session.get(User, user_id) if user_id else None
    return user if user is not None and user.active else None


def _review_problems(data: ReviewInput) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    if not data.title.strip():
        problems.append(("title", "Give the review a title, like “Management review 2026”."))
    if data.meeting_on is None:
        problems.append(("meeting_on", "Give the date of the meeting."))
    if _active_user(data.chair_id) is None:
        problems.append(("chair_id", "Choose who chairs the review: an active user (top management)."))
    missing = [user_id for user_id in data.attendee_ids if _active_user(user_id) is None]
    if missing:
        problems.append(("attendee_ids", "Choose attendees among the active users."))
    return problems


def _apply(review: ManagementReview, data: ReviewInput) -> None:
    review.title = data.title.strip()
    review.meeting_on = data.meeting_on  # type: ignore[assignment]  # checked above
    review.chair_id = data.chair_id  # type: ignore[assignment]
    review.attendees = [db.session.get_one(User, user_id) for user_id in dict.fromkeys(data.attendee_ids)]
    review.external_attendees = "\n".join(line.strip() for line in data.external_attendees.splitlines()
                                          if line.strip())
    review.interested_party_feedback = data.interested_party_feedback.strip()
    review.improvement_opportunities = data.improvement_opportunities.strip()


def _attendees(review: ManagementReview) -> list[str]:
    return [user.full_name for user in review.attendees]


def create_review(data: ReviewInput, *, actor: User | None) -> ManagementReview:
    problems = _review_problems(data)
    if problems:
        raise ReviewRuleError(problems)
    review = ManagementReview(status=ReviewStatus.PLANNED.value)
    _apply(review, data)
    db.session.add(review)
    db.session.flush()
    audit.record(AuditAction.CREATE, ENTITY, review.id, actor=actor,
                 changes=audit.diff({}, {**audit.snapshot(review, REVIEW_FIELDS), "attendees": _attendees(review)}),
                 summary=f"Planned management review {review}"[:300])
    return review


def _refuse_if_approved(review: ManagementReview, what: str) -> None:
    if review.read_only:
        raise ReviewRuleError(f"{review} was approved on {review.approved_at:%Y-%m-%d}: it is read-only, so "
                              f"{what} cannot change. Record anything new at the next review.")


def update_review(review: ManagementReview, data: ReviewInput, *, expected_version, actor: User) -> dict:
    review.check_version(expected_version, "management review")
    _refuse_if_approved(review, "its details")
    problems = _review_problems(data)
    if review.pack_frozen and data.meeting_on != review.meeting_on:
        problems.append(("meeting_on", "The review was held: its meeting date is part of its minutes."))
    if problems:
        raise ReviewRuleError(problems)
    before = {**audit.snapshot(review, REVIEW_FIELDS), "attendees": _attendees(review)}
    _apply(review, data)
    changes = audit.diff(before, {**audit.snapshot(review, REVIEW_FIELDS), "attendees": _attendees(review)})
    if changes:
        db.session.flush()
        audit.record(AuditAction.UPDATE, ENTITY, review.id, actor=actor, changes=changes,
                     summary=f"Changed management review {review}"[:300])
    return changes


def compile_pack(review: ManagementReview, *, as_of: date | None, actor: User | None,
                 today: date | None = None) -> ReviewPack:
    """The review's inputs as of the date, stored as its pack (replacing an earlier compile), with its
    PDF queued for the scheduler's `documents` job. Refused once the review is held: its pack is frozen.

    The review's row is taken first: a second compile at the same moment waits and then replaces this
    one's pack (never a second pack), and minutes recorded meanwhile are seen (a held review's pack is
    never compiled again)."""
    today = today or local_today()
    lock_row(db.session, review)
    if review.pack_frozen:
        raise ReviewRuleError(f"{review} was held: its review pack, compiled as of "
                              f"{review.pack.as_of.isoformat() if review.pack else 'its date'}, is frozen "
                              "and cannot be compiled again.")
    if as_of is None:
        raise ReviewRuleError("Give the date the inputs are compiled as of.", "as_of")
    if as_of > today:
        raise ReviewRuleError(f"{as_of.isoformat()} is in the future: compile the inputs as of today "
                              f"({today.isoformat()}) or an earlier date.", "as_of")
    figures = inputs.compile(as_of, feedback=review.interested_party_feedback,
                             opportunities=review.improvement_opportunities, excluding=review.id)
    values = {"as_of": as_of, "compiled_at": utcnow(), "compiled_by_id": actor.id if actor else None,
              "schema_version": inputs.SCHEMA_VERSION, "figures_json": json.dumps(figures, sort_keys=True),
              "pdf_status": PdfStatus.QUEUED.value, "pdf": None, "pdf_sha256": "", "pdf_size": 0,
              "pdf_built_at": None, "pdf_error": ""}
    pack = review.pack
    if pack is None:
        pack = ReviewPack(review_id=review.id, revision=1, **values)
        db.session.add(pack)
    else:
        pack.revision += 1
        for name, value in values.items():
            setattr(pack, name, value)
    before = review.status
    review.status = ReviewStatus.INPUTS_COMPILED.value
    db.session.flush()
    db.session.refresh(review, ["pack"])
    audit.record(AuditAction.COMPILE, ENTITY, review.id, actor=actor,
                 changes=audit.diff({"status": before, "pack_as_of": None},
                                    {"status": review.status, "pack_as_of": as_of.isoformat(),
                                     "pack_revision": pack.revision}),
                 summary=f"Compiled the inputs of management review {review} as of {as_of.isoformat()}"[:300])
    return pack


def record_minutes(review: ManagementReview, minutes: str, *, expected_version, actor: User | None,
                   today: date | None = None) -> None:
    """The meeting was held: its minutes recorded, its pack frozen. Minutes may be corrected until approval."""
    today = today or local_today()
    review.check_version(expected_version, "management review")
    _refuse_if_approved(review, "its minutes")
    problems: list[tuple[str | None, str]] = []
    if review.pack is None:
        problems.append((None, "Compile the review's inputs first: the minutes record a meeting that considered them "
                               "(9.3.2)."))
    if review.meeting_on > today:
        problems.append((None, f"The meeting is planned for {review.meeting_on.isoformat()}: record its minutes "
                               "once it has been held, or change its date."))
    if not minutes.strip():
        problems.append(("minutes", "Write the minutes: what was discussed, and the decisions taken."))
    if problems:
        raise ReviewRuleError(problems)
    before = {"status": review.status, "minutes": review.minutes}
    review.minutes = minutes.strip()
    first_time = review.status != ReviewStatus.HELD
    if first_time:
        review.status, review.held_recorded_at = ReviewStatus.HELD.value, utcnow()
    db.session.flush()
    audit.record(AuditAction.HOLD if first_time else AuditAction.UPDATE, ENTITY, review.id, actor=actor,
                 changes=audit.diff(before, {"status": review.status, "minutes": review.minutes}),
                 summary=(f"Recorded the minutes of management review {review}; its pack is frozen" if first_time
                          else f"Corrected the minutes of management review {review}")[:300])


def approve(review: ManagementReview, *, expected_version, actor: User) -> None:
    review.check_version(expected_version, "management review")
    if review.status == ReviewStatus.APPROVED:
        raise ReviewRuleError(f"{review} was approved already.")
    if review.status != ReviewStatus.HELD:
        raise ReviewRuleError("Record the minutes first: a review is approved once it has been held.")
    if not may_approve(actor, review):
        raise ReviewRuleError("Only the review's chair, a security officer or an administrator may approve it.")
    review.status, review.approved_by_id, review.approved_at = ReviewStatus.APPROVED.value, actor.id, utcnow()
    db.session.flush()
    audit.record(AuditAction.APPROVE, ENTITY, review.id, actor=actor,
                 changes={"status": [ReviewStatus.HELD.value, ReviewStatus.APPROVED.value]},
                 summary=f"Approved management review {review}"[:300])


# --- decisions and actions ---------------------------------------------------------------------


@dataclass
class ActionInput:
    decision: str
    title: str
    owner_id: int | None
    due_on: date | None


def _action_problems(review: ManagementReview, data: ActionInput) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    if not data.decision.strip():
        problems.append(("decision", "Write the decision the action carries out."))
    if not data.title.strip():
        problems.append(("title", "Say what is to be done."))
    if _active_user(data.owner_id) is None:
        problems.append(("owner_id", "Choose the action's owner: an active user."))
    if data.due_on is None:
        problems.append(("due_on", "Give the date the action is due."))
    elif data.due_on < review.meeting_on:
        problems.append(("due_on", f"The due date cannot be before the meeting ({review.meeting_on.isoformat()})."))
    return problems


def add_action(review: ManagementReview, data: ActionInput, *, actor: User | None) -> ReviewAction:
    _refuse_if_approved(review, "its decisions")
    problems = _action_problems(review, data)
    if problems:
        raise ReviewRuleError(problems)
    action = ReviewAction(review=review, decision=data.decision.strip(), title=data.title.strip(),
                          owner_id=data.owner_id, due_on=data.due_on, status=ActionStatus.OPEN.value)
    db.session.add(action)
    db.session.flush()
    audit.record(AuditAction.CREATE, ACTION_ENTITY, action.id, actor=actor,
                 changes=audit.diff({}, audit.snapshot(action, ACTION_FIELDS)),
                 summary=f"Action {action} decided at management review {review}"[:300])
    return action


def update_action(action: ReviewAction, data: ActionInput, *, expected_version, actor: User) -> dict:
    action.check_version(expected_version, "review action")
    _refuse_if_approved(action.review, "its decisions")
    problems = _action_problems(action.review, data)
    if problems:
        raise ReviewRuleError(problems)
    before = audit.snapshot(action, ACTION_FIELDS)
    action.decision, action.title = data.decision.strip(), data.title.strip()
    action.owner_id, action.due_on = data.owner_id, data.due_on  # type: ignore[assignment]  # checked above
    changes = audit.diff(before, audit.snapshot(action, ACTION_FIELDS))
    if changes:
        db.session.flush()
        audit.record(AuditAction.UPDATE, ACTION_ENTITY, action.id,
                     actor=actor, changes=changes,
                     summary=f"Changed review action {action}"[:300])
    return changes


def update_progress(action: ReviewAction, *, status: str, closed_on: date | None, note: str, expected_version,
                    actor: User, today: date | None = None) -> dict:
    """The owner's update: status, the completion date, a note. Goes on after the review's approval:
    the action is tracked until done."""
    today = today or local_today()
    action.check_version(expected_version, "review action")
    problems: list[tuple[str | None, str]] = []
    if status not in set(ActionStatus):
        problems.append(("status", "Choose open, in progress, done or cancelled."))
    closing = status in (ActionStatus.DONE, ActionStatus.CANCELLED)
    if closing:
        closed_on = closed_on or today
        if closed_on > today:
            problems.append(("closed_on", "The completion date cannot be in the future."))
        elif closed_on < action.review.meeting_on:
            problems.append(("closed_on", "The completion date cannot be before the review that decided the action "
                                          f"({action.review.meeting_on.isoformat()})."))
        if status == ActionStatus.CANCELLED and not note.strip():
            problems.append(("progress_note", "Say why the action is cancelled."))
    if problems:
        raise ReviewRuleError(problems)
    before = audit.snapshot(action, ACTION_FIELDS)
    action.status, action.closed_on = status, closed_on if closing else None
    action.progress_note = note.strip()
    changes = audit.diff(before, audit.snapshot(action, ACTION_FIELDS))
    if changes:
        db.session.flush()
        completed = status == ActionStatus.DONE and "status" in changes
        audit.record(AuditAction.COMPLETE if completed else AuditAction.UPDATE, ACTION_ENTITY, action.id,
                     actor=actor, changes=changes,
                     summary=f"Progress of review action {action}: {ActionStatus(status).label.lower()}"[:300])
    return changes
