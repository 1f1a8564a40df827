"""The scope statement's rules: one draft, frozen once issued, never issued empty, approved by someone
allowed to, dated sensibly; issued versions compared field by field."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.common.models import StaleEditError
from app.common.timeutil import add_months
from app.context import scope
from app.context.models import ScopeState
from app.extensions import db
from tests import factories
from tests.context.conftest import IN_SCOPE
from tests.pages import audit_entries


def messages(error) -> list[str]:
    return [message for _, message in error.value.problems]


def test_an_empty_scope_cannot_be_issued(officer, today):
    draft = scope.start_draft(actor=officer)
    with pytest.raises(scope.ScopeRuleError) as refused:
        scope.issue(draft, approved_on=today, note="", expected_version=draft.version, actor=officer, today=today)
    assert "does not say what is in scope yet" in messages(refused)[0]
    assert draft.state == ScopeState.DRAFT


def test_only_one_draft_at_a_time(officer):
    first = scope.start_draft(actor=officer)
    with pytest.raises(scope.ScopeRuleError, match=f"Version {first.number} is already being drafted"):
        scope.start_draft(actor=officer)


def test_an_issued_version_cannot_be_edited_issued_again_or_discarded(officer, today, issued_scope):
    issued = issued_scope()
    frozen = f"Version {issued.number} was issued on {today.isoformat()} and cannot be changed"
    with pytest.raises(scope.ScopeRuleError, match=frozen):
        scope.save_draft(issued, scope.ScopeInput(in_scope="Everything"), expected_version=issued.version,
                         actor=officer)
    with pytest.raises(scope.ScopeRuleError, match=frozen):
        scope.issue(issued, approved_on=today, note="", expected_version=issued.version, actor=officer, today=today)
    with pytest.raises(scope.ScopeRuleError, match=frozen):
        scope.discard_draft(issued, expected_version=issued.version, actor=officer)
    db.session.rollback()
    assert scope.issued_version(1).in_scope == IN_SCOPE


def test_a_stale_draft_edit_is_refused(officer):
    draft = scope.start_draft(actor=officer)
    opened_at = draft.version
    scope.save_draft(draft, scope.ScopeInput(in_scope="First"), expected_version=opened_at, actor=officer)
    with pytest.raises(StaleEditError):
        scope.save_draft(draft, scope.ScopeInput(in_scope="Second"), expected_version=opened_at, actor=officer)


def test_every_exclusion_needs_its_reason(officer):
    draft = scope.start_draft(actor=officer)
    with pytest.raises(scope.ScopeRuleError) as refused:
        scope.save_draft(draft, scope.ScopeInput(in_scope="ICT", exclusions=[
            scope.Exclusion("Schools", ""), scope.Exclusion("", ""), scope.Exclusion("", "No reason given")]),
            expected_version=draft.version, actor=officer)
    assert messages(refused) == ["Give the reason for excluding “Schools”: ISO/IEC 27001 4.3 expects every exclusion "
                                 "to be justified.", "Say what is excluded for the reason “No reason given”."]


def test_only_a_holder_of_the_approval_permission_may_issue(officer, today):
    draft = scope.start_draft(actor=officer)
    scope.save_draft(draft, scope.ScopeInput(in_scope="ICT"), expected_version=draft.version, actor=officer)
    auditor = factories.make_user("auditor")
    with pytest.raises(scope.ScopeRuleError, match="Only a security officer or an administrator"):
        scope.issue(draft, approved_on=today, note="", expected_version=draft.version, actor=auditor, today=today)


def test_the_approval_is_dated_neither_in_the_future_nor_before_the_last_version(officer, today, issued_scope):
    issued_scope(days_ago=30)
    draft = scope.start_draft(actor=officer)
    for approved_on, message in [(today + timedelta(days=1), "cannot be dated in the future"),
                                 (today - timedelta(days=31), "a later version cannot be approved before it")]:
        with pytest.raises(scope.ScopeRuleError) as refused:
            scope.issue(draft, approved_on=approved_on, note="", expected_version=draft.version, actor=officer,
                        today=today)
        assert message in messages(refused)[0]


def test_issuing_numbers_freezes_and_records_the_approver(officer, today, issued_scope):
    first = issued_scope(days_ago=40)
    draft = scope.start_draft(actor=officer)
    assert (draft.number, draft.in_scope) == (2, IN_SCOPE)  # started from the version in force
    scope.issue(draft, approved_on=today, note="Forum minute 3", expected_version=draft.version, actor=officer,
                today=today)
    db.session.commit()

    assert [version.number for version in scope.issued_versions()] == [2, 1]
    assert (draft.approved_by, draft.approved_on, draft.issued) == (officer, today, True)
    assert first.issued and scope.latest_issued() is draft
    [entry] = [e for e in audit_entries("issue", "scope_statement") if e.entity_id == str(draft.id)]
    assert f"approved by {officer.full_name} on {today.isoformat()}" in entry.summary


def test_a_discarded_draft_leaves_the_issued_version_in_force(officer, issued_scope):
    issued_scope()
    draft = scope.start_draft(actor=officer)
    scope.discard_draft(draft, expected_version=draft.version, actor=officer)
    db.session.commit()
    assert scope.draft() is None and scope.latest_issued().number == 1
    assert audit_entries("delete", "scope_statement")


def test_two_versions_are_compared_field_by_field(officer, issued_scope):
    older = issued_scope(exclusions=[("Schools", "WCED runs them"), ("Clinics", "Health runs them")])
    newer = issued_scope("The shared ICT services and health networks.", interfaces="SITA",
                         exclusions=[("Schools", "WCED runs them"), ("Libraries", "Municipal")])

    differences = {difference.label: (difference.before, difference.after)
                   for difference in scope.compare(older, newer)}
    assert differences == {
        "In scope": (IN_SCOPE, "The shared ICT services and health networks."),
        "Interfaces and dependencies": ("", "SITA"),
        "Exclusions": (["Clinics: Health runs them"], ["Libraries: Municipal"]),
    }
    assert scope.compare(older, older) == []


def test_the_review_falls_due_the_set_number_of_months_after_approval(issued_scope, today):
    issued = issued_scope(days_ago=0)
    assert scope.review_due_on(issued, 12) == add_months(today, 12)
    assert scope.review_due_on(issued, 6) == add_months(today, 6)
    assert scope.review_due_on(None, 12) is None
