"""Reminders: a review coming up to its chair and the security officers; actions due or overdue to their
owners; no review held for the set interval to the security officers."""

from __future__ import annotations

from datetime import date

from app.admin import settings
from app.extensions import db
from app.scheduler import reminders
from app.scheduler.kinds import Kind
from tests import factories
from tests.reviews.conftest import held_review, review_of


def test_a_review_planned_within_the_setting_is_told_to_its_chair_and_the_officers(app, chair, officer):
    review = review_of(chair, meeting_on=date(2026, 3, 10))

    assert reminders.collect(date(2026, 2, 20), kinds=[Kind.MANAGEMENT_REVIEW]) == []  # 18 days ahead
    found = reminders.collect(date(2026, 2, 25), kinds=[Kind.MANAGEMENT_REVIEW])

    assert [(r.message.item_key, set(r.user_ids)) for r in found] == [(f"management-review:{review.id}:due",
                                                                      {chair.id, officer.id})]
    settings.save({settings.MANAGEMENT_REVIEW_REMINDER_DAYS: 30}, None)
    assert reminders.collect(date(2026, 2, 20), kinds=[Kind.MANAGEMENT_REVIEW])


def test_review_actions_due_and_overdue_go_to_their_owner(app, chair):
    owner = factories.make_user("manager")
    review = held_review(chair, meeting_on=date(2026, 1, 10), title="Review 2026",
                         actions=[("Fund a SOC", owner, date(2026, 2, 1)), ("Classify data", owner, date(2026, 9, 1))])

    found = reminders.collect(date(2026, 2, 5), kinds=[Kind.REVIEW_ACTION])

    assert [(r.message.item_key, r.user_ids) for r in found] == [
        (f"review-action:{review.actions[0].id}:overdue", (owner.id,))]


def test_no_review_held_for_the_interval_tells_the_security_officers(app, chair, officer):
    held_review(chair, meeting_on=date(2025, 3, 1), title="Review 2025")
    db.session.commit()

    assert reminders.collect(date(2026, 2, 28), kinds=[Kind.REVIEW_NOT_HELD]) == []
    found = reminders.collect(date(2026, 3, 2), kinds=[Kind.REVIEW_NOT_HELD])
    assert [(r.message.due_on, r.user_ids) for r in found] == [(date(2026, 3, 1), (officer.id,))]
