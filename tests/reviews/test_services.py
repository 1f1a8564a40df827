"""The review's life: compile until held, then frozen; minutes; approval by the chair; actions tracked
after approval and carried to the next review; each write audited."""

from __future__ import annotations

from datetime import date

import pytest

from app.extensions import db
from app.reviews import services
from app.reviews.models import ActionStatus, PdfStatus, ReviewStatus
from tests import factories
from tests.pages import audit_entries
from tests.reviews.conftest import held_review, raise_nc, review_of


def test_compiling_stores_the_figures_and_queues_the_pdf(app, chair, officer):
    review = review_of(chair)
    pack = services.compile_pack(review, as_of=date(2026, 3, 1), actor=officer, today=date(2026, 3, 2))
    db.session.commit()

    assert review.status == ReviewStatus.INPUTS_COMPILED
    assert pack.figures["as_of"] == "2026-03-01" and pack.pdf_status == PdfStatus.QUEUED
    assert [entry.action for entry in audit_entries(entity_type="management_review")] == ["create", "compile"]


def test_the_pack_is_recompiled_until_held_then_frozen(app, chair, officer):
    review = review_of(chair, meeting_on=date(2026, 3, 10))
    services.compile_pack(review, as_of=date(2026, 3, 1), actor=officer, today=date(2026, 3, 12))
    raise_nc("Found before the second compile", raised_on=date(2026, 3, 5))
    pack = services.compile_pack(review, as_of=date(2026, 3, 9), actor=officer, today=date(2026, 3, 12))
    assert pack.revision == 2 and pack.as_of == date(2026, 3, 9)
    services.record_minutes(review, "Minutes.", expected_version=review.version, actor=officer, today=date(2026, 3, 12))
    db.session.commit()
    frozen = review.pack.figures_json

    with pytest.raises(services.ReviewRuleError, match="frozen"):
        services.compile_pack(review, as_of=date(2026, 3, 12), actor=officer, today=date(2026, 3, 12))
    db.session.rollback()
    assert review.pack.figures_json == frozen and review.status == ReviewStatus.HELD


def test_compiling_as_of_a_future_date_is_refused(app, chair, officer):
    review = review_of(chair)
    with pytest.raises(services.ReviewRuleError, match="in the future"):
        services.compile_pack(review, as_of=date(2026, 3, 5), actor=officer, today=date(2026, 3, 4))


def test_minutes_need_the_pack_and_a_meeting_that_has_happened(app, chair, officer):
    review = review_of(chair, meeting_on=date(2026, 3, 10))
    with pytest.raises(services.ReviewRuleError, match="Compile the review's inputs first"):
        services.record_minutes(review, "Minutes.", expected_version=review.version, actor=officer,
                                today=date(2026, 3, 11))
    services.compile_pack(review, as_of=date(2026, 3, 1), actor=officer, today=date(2026, 3, 2))
    with pytest.raises(services.ReviewRuleError, match="once it has been held"):
        services.record_minutes(review, "Minutes.", expected_version=review.version, actor=officer,
                                today=date(2026, 3, 2))


def test_approval_by_the_chair_makes_the_review_read_only_but_actions_go_on(app, chair, officer):
    owner = factories.make_user("manager")
    review = held_review(chair, meeting_on=date(2026, 3, 10), title="Review 2026",
                         actions=[("Fund a SOC", owner, date(2026, 9, 30))])
    other = factories.make_user("risk_owner")
    with pytest.raises(services.ReviewRuleError, match="Only the review's chair"):
        services.approve(review, expected_version=review.version, actor=other)

    services.approve(review, expected_version=review.version, actor=chair)
    db.session.commit()

    assert review.status == ReviewStatus.APPROVED and review.approved_by == chair
    with pytest.raises(services.ReviewRuleError, match="read-only"):
        services.add_action(review, services.ActionInput("More.", "Another", owner.id, date(2026, 10, 1)),
                            actor=officer)
    db.session.rollback()
    action = review.actions[0]
    services.update_progress(action, status="done", closed_on=date(2026, 6, 1), note="Funded.",
                             expected_version=action.version, actor=owner, today=date(2026, 6, 2))
    db.session.commit()
    assert action.status == ActionStatus.DONE and action.closed_on == date(2026, 6, 1)
    assert audit_entries("complete", "management_review_action")


def test_a_stale_edit_is_refused(app, chair, officer):
    review = review_of(chair)
    stale = review.version
    services.update_review(review, services.ReviewInput("Renamed", review.meeting_on, chair.id, []),
                           expected_version=stale, actor=officer)
    db.session.commit()
    with pytest.raises(Exception, match="changed by someone else"):
        services.update_review(review, services.ReviewInput("Again", review.meeting_on, chair.id, []),
                               expected_version=stale, actor=officer)


def test_open_actions_are_carried_to_the_next_review(app, chair):
    owner = factories.make_user("manager")
    first = held_review(chair, meeting_on=date(2025, 3, 1), title="Review 2025",
                        actions=[("Fund a SOC", owner, date(2025, 9, 30)), ("Classify data", owner, date(2025, 12, 1))])
    first.actions[0].status, first.actions[0].closed_on = "done", date(2025, 8, 1)
    db.session.commit()
    second = review_of(chair, meeting_on=date(2026, 3, 1), title="Review 2026")

    assert [action.title for action in services.carried_actions(second)] == ["Classify data"]
    pack = services.compile_pack(second, as_of=date(2026, 2, 20), actor=None, today=date(2026, 2, 21))
    first_section = pack.figures["sections"][0]
    assert first_section["key"] == "previous_actions"
    assert {row[1]: row[4] for row in first_section["tables"][0]["rows"]} == {"Fund a SOC": "Done",
                                                                             "Classify data": "Overdue"}


def test_actions_refuse_bad_input(app, chair):
    review = review_of(chair, meeting_on=date(2026, 3, 10))
    with pytest.raises(services.ReviewRuleError) as refused:
        services.add_action(review, services.ActionInput("", "", None, date(2026, 3, 1)), actor=None)
    fields = {field for field, _ in refused.value.problems}
    assert fields == {"decision", "title", "owner_id", "due_on"}
