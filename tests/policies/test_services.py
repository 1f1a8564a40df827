"""Policy use cases against a fresh database: the workflow, read-only approved versions, clauses,
new versions and the acknowledgement register, each with its audit entry."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.common.uploads import CheckedUpload
from app.controls.models import Control
from app.extensions import db
from app.policies import services, workflow
from app.policies.models import PolicyAcknowledgement, PolicyState
from app.policies.services import PolicyRuleError
from tests import factories
from tests.policies.conftest import APPROVED_ON, make_approved, make_draft, make_employee, signed_sheet

pytestmark = pytest.mark.usefixtures("app")


def entries(action: str | None = None) -> list[AuditEntry]:
    statement = sa.select(AuditEntry).where(AuditEntry.entity_type == "policy").order_by(AuditEntry.id)
    if action:
        statement = statement.where(AuditEntry.action == action)
    return list(db.session.scalars(statement))


def test_a_new_policy_starts_as_draft_1_0_original():
    policy = make_draft("ict-sec")

    assert policy.code == "ICT-SEC"
    assert [(v.number, v.state, v.change) for v in policy.versions] == [("1.0", "draft", "Original")]
    assert policy.current is None and policy.open_version is policy.latest
    assert entries("create")[0].summary == "Created policy ICT-SEC ICT Security Policy (draft 1.0)"


@pytest.mark.parametrize(("code", "title", "field"), [("X", "Policy", "code"), ("ICT SEC", "Policy", "code"),
                                                      ("ICT-SEC", " ", "title")])
def test_a_policy_needs_a_code_and_a_title(code, title, field):
    with pytest.raises(PolicyRuleError) as refused:
        services.create_policy(services.PolicyInput(code=code, title=title), services.DraftInput(), actor=None)
    assert refused.value.problems[0][0] == field


def test_a_code_is_unique_whatever_its_case():
    make_draft("ICT-SEC")
    with pytest.raises(PolicyRuleError, match="already used by ICT Security Policy"):
        make_draft("ict-sec")


def test_controls_are_mapped_and_the_mapping_is_audited():
    policy = make_draft()
    control = db.session.scalar(sa.select(Control).where(Control.reference == "5.1"))

    changes = services.update_policy(policy, services.PolicyInput(code="ICT-SEC", title=policy.title,
                                                                  control_ids=(control.id,)),
                                     expected_version=policy.version, actor=None)

    assert [c.reference for c in policy.controls] == ["5.1"]
    assert changes == {"controls": [[], ["5.1"]]}
    assert services.policies_of_control(control) == [policy]


def test_clauses_come_from_numbered_headings_once():
    version = make_draft().latest

    first = services.clauses_from_headings(version, actor=None)
    again = services.clauses_from_headings(version, actor=None)

    assert [str(c) for c in first.added] == ["4 Passwords", "4.1 Length", "4.2 Sharing"]
    assert [c.text for c in first.added] == ["", "At least 12 characters.", "Never."]
    assert (again.added, again.updated) == ([], [])


def test_a_new_versions_clauses_follow_its_changed_headings():
    policy = make_approved()
    draft = services.start_new_version(policy, major=False, actor=None)
    manual = services.add_clause(draft, reference="7", title="Kept by hand", actor=None)
    body = (draft.body.replace("At least 12 characters.", "At least 15 characters.")
            .replace("## 4.2 Sharing", "## 4.2 Sharing passwords"))
    services.update_draft(draft, services.DraftInput(change="Changes", body=body, author_name="S D",
                                                     author_designation="SO"), expected_version=draft.version,
                          actor=None)

    result = services.clauses_from_headings(draft, actor=None)

    assert [str(c) for c in result.updated] == ["4.1 Length", "4.2 Sharing passwords"]
    assert result.updated[0].text == "At least 15 characters." and result.added == []
    assert manual in draft.clauses
    assert [c.text for c in policy.current.clauses if c.reference == "4.1"] == ["At least 12 characters."]


def test_clauses_sort_by_number_and_a_number_is_used_once():
    version = make_draft().latest
    for reference in ("4.10", "4.9", "10"):
        services.add_clause(version, reference=reference, title=f"Clause {reference}", actor=None)
    with pytest.raises(PolicyRuleError, match="Clause 4.9 is already in this version"):
        services.add_clause(version, reference="4.9.", title="Again", actor=None)
    db.session.expire(version)
    assert [c.reference for c in version.clauses] == ["4.9", "4.10", "10"]


def test_a_draft_goes_for_review_only_when_complete():
    version = make_draft(author_name="").latest

    with pytest.raises(PolicyRuleError) as refused:
        services.submit_for_review(version, expected_version=version.version, actor=None)

    assert [field for field, _ in refused.value.problems] == ["author_name"]
    assert version.state == "draft"


def test_a_version_in_review_cannot_be_edited_and_can_be_returned_with_a_reason():
    version = make_draft().latest
    services.submit_for_review(version, expected_version=version.version, actor=None, today=date(2026, 2, 20))

    with pytest.raises(PolicyRuleError, match="cannot be moved"):
        services.update_draft(version, services.DraftInput(body="x"), expected_version=version.version, actor=None)
    with pytest.raises(PolicyRuleError, match="Say what must change"):
        services.return_to_draft(version, reason=" ", expected_version=version.version, actor=None)
    services.return_to_draft(version, reason="Clause 4.2 is unclear", expected_version=version.version, actor=None)

    assert version.state == "draft" and version.submitted_on is None
    assert entries()[-1].summary.endswith("Returned ICT-SEC version 1.0 to draft: Clause 4.2 is unclear")


def test_approval_puts_the_version_in_force_with_its_next_review():
    policy = make_approved()
    version = policy.current

    assert version.number == "1.0" and version.approved_on == APPROVED_ON
    assert version.next_review_on == date(2027, 3, 2)
    assert (version.approver_name, version.approver_designation) == ("Thabo Nkosi", "Municipal Manager")
    assert version.review_overdue(date(2027, 3, 3)) and not version.review_overdue(date(2027, 3, 2))


def test_a_draft_cannot_be_approved_without_review():
    version = make_draft().latest
    with pytest.raises(PolicyRuleError, match="send the draft for review first"):
        services.approve(version, workflow.Approval("T Nkosi", "MM", date(2026, 3, 2), None),
                         expected_version=version.version, actor=None)
    assert version.state == "draft"


def test_an_approved_version_is_read_only():
    version = make_approved().current
    with pytest.raises(PolicyRuleError, match="read-only"):
        services.update_draft(version, services.DraftInput(body="changed"), expected_version=version.version,
                              actor=None)
    with pytest.raises(PolicyRuleError, match="read-only"):
        services.add_clause(version, reference="9", title="New", actor=None)
    assert "changed" not in version.body


def test_a_new_version_is_a_draft_copy_and_its_approval_supersedes_the_old_one():
    policy = make_approved()
    first = policy.current

    draft = services.start_new_version(policy, major=False, actor=None)
    with pytest.raises(PolicyRuleError, match="Version 1.1 is still draft"):
        services.start_new_version(policy, major=True, actor=None)
    assert (draft.number, draft.state, draft.body) == ("1.1", "draft", first.body)
    assert [c.reference for c in draft.clauses] == [c.reference for c in first.clauses]
    assert draft.reviewers == [] and draft.approved_on is None

    services.update_draft(draft, services.DraftInput(change="Changes", body=first.body + "\n\nMore.",
                                                     author_name="S Dlamini", author_designation="Security Officer"),
                          expected_version=draft.version, actor=None)
    services.submit_for_review(draft, expected_version=draft.version, actor=None, today=date(2026, 11, 2))
    services.add_reviewer(draft, name="L Mokoena", designation="ICT Manager", reviewed_on=date(2026, 11, 3),
                          actor=None, today=date(2026, 11, 3))
    services.approve(draft, workflow.Approval("T Nkosi", "Municipal Manager", date(2026, 11, 4), date(2027, 6, 30)),
                     expected_version=draft.version, actor=None, today=date(2026, 11, 4))

    assert policy.current is draft and draft.next_review_on == date(2027, 6, 30)
    assert (first.state, first.superseded_on) == ("superseded", date(2026, 11, 4))


def test_a_policy_that_was_in_force_cannot_be_deleted_but_a_draft_one_can():
    with pytest.raises(PolicyRuleError, match="kept as a record"):
        services.delete_policy(make_approved("A-1"), actor=None)
    draft = make_draft("B-1")
    services.delete_policy(draft, actor=None)
    assert services.find_by_code("B-1") is None
    assert json.loads(entries("delete")[0].changes)["versions"] == [["1.0"], None]


def test_the_only_version_cannot_be_discarded():
    version = make_draft().latest
    with pytest.raises(PolicyRuleError, match="delete the policy instead"):
        services.discard_draft(version, actor=None)


def test_a_signed_pdf_is_kept_and_anything_else_refused(tmp_path):
    version = make_draft().latest
    pdf = CheckedUpload("ict-sec.pdf", "application/pdf", b"%PDF-1.7\n...")

    services.update_draft(version, services.DraftInput(body=version.body, change="Original"),
                          expected_version=version.version, actor=None, document=pdf)
    with pytest.raises(PolicyRuleError, match="as a PDF"):
        services.update_draft(version, services.DraftInput(body=version.body), expected_version=version.version,
                              actor=None, document=CheckedUpload("a.txt", "text/plain", b"text"))

    assert (version.document_name, version.document_size) == ("ict-sec.pdf", len(pdf.data))
    assert version.document_sha256 == pdf.sha256


def test_reviews_need_a_name_and_a_date_not_in_the_future():
    version = make_draft().latest
    with pytest.raises(PolicyRuleError) as refused:
        services.add_reviewer(version, name="", designation="", reviewed_on=date(2026, 12, 31), actor=None,
                              today=date(2026, 12, 4))
    assert [field for field, _ in refused.value.problems] == ["name", "reviewed_on"]


# --- acknowledgements -------------------------------------------------------------------------------


def test_an_employee_acknowledges_the_version_in_force_once(department):
    user = factories.make_user("risk_owner", department=department)
    employee = make_employee(department=department, user=user)
    version = make_approved().current

    services.acknowledge_own(version, user, today=date(2026, 12, 4))
    with pytest.raises(PolicyRuleError, match="acknowledged ICT-SEC version 1.0 already"):
        services.acknowledge_own(version, user)

    assert services.has_acknowledged(version, employee)
    assert json.loads(entries("acknowledge")[0].changes)["employees"] == [None, [employee.number]]


def test_an_account_without_an_employee_record_is_told_what_to_do():
    version = make_approved().current
    with pytest.raises(PolicyRuleError, match="ask HR to add your e-mail"):
        services.acknowledge_own(version, factories.make_user("auditor"))


def test_a_draft_cannot_be_acknowledged(department):
    user = factories.make_user("risk_owner")
    make_employee(user=user)
    with pytest.raises(PolicyRuleError, match="Only the approved version in force"):
        services.acknowledge_own(make_draft().latest, user)


def test_signed_sheets_are_recorded_all_or_nothing(department):
    version = make_approved().current
    first, second = make_employee(department=department), make_employee(department=department)

    with pytest.raises(PolicyRuleError, match="No employee has the number E99999"):
        services.record_acknowledgements(version, [first.number, "E99999"], on=date(2026, 4, 1), actor=None,
                                         sheet=signed_sheet())
    assert db.session.scalar(sa.select(sa.func.count(PolicyAcknowledgement.id))) == 0

    result = services.record_acknowledgements(version, [first.number, first.number, second.number],
                                              on=date(2026, 4, 1), actor=None, today=date(2026, 12, 4),
                                              sheet=signed_sheet())
    again = services.record_acknowledgements(version, [second.number], on=date(2026, 4, 2), actor=None,
                                             today=date(2026, 12, 4), sheet=signed_sheet())

    assert result.added == [first.number, second.number] and result.already == []
    assert again.added == [] and again.already == [second.number]


@pytest.mark.parametrize(("on", "words"), [(None, "Give the date"), (date(2026, 12, 5), "after today"),
                                           (date(2026, 3, 1), "approved on 2026-03-02")])
def test_a_sheet_needs_a_possible_date(on, words):
    version = make_approved().current
    employee = make_employee()
    with pytest.raises(PolicyRuleError, match=words):
        services.record_acknowledgements(version, [employee.number], on=on, actor=None, today=date(2026, 12, 4),
                                         sheet=signed_sheet())


def test_coverage_counts_employed_staff_and_the_register_lists_who_is_outstanding(department):
    version = make_approved().current
    signed, outstanding = make_employee(department=department), make_employee(department=department)
    make_employee(department=department, status="left")
    other = make_employee(department=factories.make_department("DOE", "Education"))
    services.record_acknowledgements(version, [signed.number, other.number], on=date(2026, 4, 1), actor=None,
                                     today=date(2026, 12, 4), sheet=signed_sheet())

    everyone, health = services.coverage(version), services.coverage(version, department.id)

    assert (everyone.acknowledged, everyone.employed, everyone.percent) == (2, 3, 67)
    assert (health.acknowledged, health.employed, health.percent) == (1, 2, 50)
    assert list(db.session.scalars(services.not_acknowledged_select(version))) == [outstanding]


def test_pseudonyms_are_stable_and_differ_per_employee(app):
    from app.common.privacy import pseudonym

    assert pseudonym(1) == pseudonym(1) != pseudonym(2)
    assert pseudonym(1).startswith("Employee ") and len(pseudonym(1)) == len("Employee ") + 8


def test_a_new_version_starts_unacknowledged(department):
    policy = make_approved()
    employee = make_employee(department=department)
    services.record_acknowledgements(policy.current, [employee.number], on=date(2026, 4, 1), actor=None,
                                     today=date(2026, 12, 4), sheet=signed_sheet())
    draft = services.start_new_version(policy, major=True, actor=None)

    assert draft.number == "2.0" and draft.state_enum == PolicyState.DRAFT
    assert not services.has_acknowledged(draft, employee)
