"""The demo's nonconformity register tells one year: numbered in the order raised, the internal audits'
findings taken up (owners, causes, actions in several states), and the finding on management review
closed after the 2026 review corrected it and an effectiveness review found it worked."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.common.timeutil import local_today
from app.extensions import db
from app.internal_audits.models import InternalAudit
from app.nonconformities import queries
from app.nonconformities.models import (
    CorrectiveActionStatus,
    Nonconformity,
    NonconformitySource,
    NonconformityStatus,
)
from app.reviews.models import ManagementReview

pytestmark = pytest.mark.usefixtures("demo_data")


def register() -> list[Nonconformity]:
    return list(db.session.scalars(sa.select(Nonconformity).order_by(Nonconformity.reference)))


def test_references_follow_the_dates_raised(app):
    raised = [nonconformity.raised_on for nonconformity in register()]
    assert len(raised) >= 9 and raised == sorted(raised)


def test_the_internal_audits_findings_are_taken_up(app):
    today = local_today()
    findings = [nc for nc in register() if nc.source == NonconformitySource.INTERNAL_AUDIT]
    assert len(findings) == 3
    for finding in findings:
        assert finding.owner is not None and finding.due_on and finding.root_cause and finding.correction
        assert finding.actions and all(action.owner and action.due_on >= finding.raised_on
                                       for action in finding.actions)
    assert any(len(finding.five_whys) == 5 for finding in findings)
    statuses = {finding.status for finding in findings}
    assert {NonconformityStatus.CLOSED, NonconformityStatus.ACTION_IN_PROGRESS} <= statuses
    assert any(queries.is_overdue(finding, today) for finding in findings)
    actions = {action.status for finding in findings for action in finding.actions}
    assert {CorrectiveActionStatus.DONE, CorrectiveActionStatus.IN_PROGRESS} <= actions


def test_the_register_holds_every_state_with_one_closed_after_an_effective_review(app):
    statuses = {nonconformity.status for nonconformity in register()}
    assert statuses >= {NonconformityStatus.ACTION_IN_PROGRESS, NonconformityStatus.VERIFYING,
                        NonconformityStatus.CLOSED}
    closed = [nc for nc in register() if nc.status == NonconformityStatus.CLOSED]
    assert closed and all(nc.effectiveness_effective and nc.closed_on == nc.effectiveness_reviewed_on
                          and nc.effectiveness_reviewer_id not in {nc.owner_id, *(a.owner_id for a in nc.actions)}
                          for nc in closed)
    assert any(nc.action_round > 1 for nc in register())  # one found not effective and reopened


def test_the_management_review_finding_agrees_with_the_reviews(app):
    """The audit found the 2025 review incomplete (not missing); the 2026 review corrected it, and the
    effectiveness review after it closed the finding."""
    finding = next(nc for nc in register() if nc.clause == "9.3")
    audit = db.session.scalar(sa.select(InternalAudit).where(InternalAudit.issued_on == finding.raised_on))
    reviews = list(db.session.scalars(sa.select(ManagementReview).order_by(ManagementReview.meeting_on)))
    assert audit is not None and len(reviews) == 2
    earlier, recent = reviews
    assert earlier.meeting_on < audit.actual_start < finding.raised_on < recent.meeting_on
    assert "No management review has been held" not in finding.description
    assert finding.status == NonconformityStatus.CLOSED and finding.closed_on > recent.meeting_on
    assert recent.meeting_on in {action.completed_on for action in finding.actions}
    assert recent.approved_at is not None and all(action.owner_id and action.due_on for action in recent.actions)
