"""The rules of a policy version's life, without a database."""

from __future__ import annotations

from datetime import date

import pytest

from app.policies import workflow
from app.policies.models import PolicyState

TODAY = date(2026, 12, 4)


@pytest.mark.parametrize(("numbers", "major", "expected"), [
    (["1.0"], False, "1.1"),
    (["1.0", "1.1"], False, "1.2"),
    (["1.0", "1.1"], True, "2.0"),
    (["1.9", "1.10"], False, "1.11"),
    (["2.0", "1.4"], False, "2.1"),
    (["draft"], False, "1.0"),
    ([], True, "1.0"),
])
def test_the_next_version_number_follows_the_highest(numbers, major, expected):
    assert workflow.next_number(numbers, major=major) == expected


@pytest.mark.parametrize(("current", "target", "allowed"), [
    (PolicyState.DRAFT, PolicyState.IN_REVIEW, True),
    (PolicyState.DRAFT, PolicyState.APPROVED, False),
    (PolicyState.IN_REVIEW, PolicyState.APPROVED, True),
    (PolicyState.IN_REVIEW, PolicyState.DRAFT, True),
    (PolicyState.APPROVED, PolicyState.DRAFT, False),
    (PolicyState.APPROVED, PolicyState.SUPERSEDED, True),
    (PolicyState.SUPERSEDED, PolicyState.APPROVED, False),
])
def test_only_the_workflow_moves_are_allowed(current, target, allowed):
    assert workflow.can_move(current, target) is allowed


def test_an_approved_version_is_refused_as_read_only():
    assert "read-only" in workflow.refusal(PolicyState.APPROVED, PolicyState.DRAFT)
    assert "send the draft for review first" in workflow.refusal(PolicyState.DRAFT, PolicyState.APPROVED)


def test_the_next_review_is_a_year_after_approval_by_default():
    assert workflow.next_review(date(2026, 3, 2), 12) == date(2027, 3, 2)
    assert workflow.next_review(date(2024, 2, 29), 12) == date(2025, 2, 28)


def test_a_draft_needs_text_or_a_pdf_a_change_and_an_author():
    empty = workflow.Submission(body=" ", has_document=False, change="", author_name="", author_designation="")
    assert [field for field, _ in workflow.submission_problems(empty)] == [
        "body", "change", "author_name", "author_designation"]
    pdf_only = workflow.Submission(body="", has_document=True, change="Original", author_name="S Dlamini",
                                   author_designation="Security Officer")
    assert workflow.submission_problems(pdf_only) == []


def _approval(**changes) -> workflow.Approval:
    values = {"approver_name": "Thabo Nkosi", "approver_designation": "Municipal Manager",
              "approved_on": date(2026, 3, 2), "next_review_on": None, **changes}
    return workflow.Approval(**values)


def _problems(approval, reviewed=(date(2026, 2, 25),), submitted=date(2026, 2, 20)):
    return workflow.approval_problems(approval, submitted_on=submitted, reviewed_on=list(reviewed), today=TODAY)


def test_a_complete_approval_passes():
    assert _problems(_approval()) == []


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"approver_name": " "}, "approver_name", "name of the person"),
    ({"approver_designation": ""}, "approver_designation", "designation"),
    ({"approved_on": None}, "approved_on", "Give the date"),
    ({"approved_on": date(2026, 12, 5)}, "approved_on", "after today"),
    ({"approved_on": date(2026, 2, 19)}, "approved_on", "went for review (2026-02-20)"),
    ({"approved_on": date(2026, 2, 24)}, "approved_on", "last review (2026-02-25)"),
    ({"next_review_on": date(2026, 3, 2)}, "next_review_on", "after the approval date"),
])
def test_an_incomplete_or_impossible_approval_is_refused(changes, field, words):
    problems = _problems(_approval(**changes))
    assert [f for f, _ in problems] == [field]
    assert words in problems[0][1]


def test_an_approval_needs_a_recorded_review():
    assert _problems(_approval(), reviewed=()) == [(None, "Record who reviewed this version before it is approved.")]


def test_a_review_cannot_be_dated_in_the_future():
    assert workflow.review_problems(date(2026, 12, 5), today=TODAY)[0][0] == "reviewed_on"
    assert workflow.review_problems(TODAY, today=TODAY) == []
