"""Which code governs a case's steps (issue 18, point 3), and what the notice of the hearing says of
its language and its issuer (point 4): the case page, the reason HR records for a case spanning
4 September 2025, and the letters as the employee reads them."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.extensions import db
from app.policies.cases import disciplinary as steps
from app.policies.cases import services as cases
from app.policies.cases.models import CaseEvidence, CaseFairnessOverride
from tests import factories
from tests.pages import error_next_to, text_of
from tests.policies.cases.test_disciplinary import (
    DISMISSAL_REASONS,
    DISMISSAL_RECORD,
    TODAY,
    disciplinary_case,
    heard_on,
    in_2025,
    notice,
    sanction,
    to_notice,
)
from tests.policies.cases.test_document_views import pdf_text
from tests.policies.conftest import make_employee

pytestmark = pytest.mark.usefixtures("app")
REASON = ("The notice gave the employee the 2025 Code's right to make representations on the sanction, and the "
          "sanction weighed the 2025 Code's factors.")


@pytest.fixture
def employee(department):
    employee = make_employee(department=department, name="Ayanda Zulu")
    employee.language = "isiXhosa"
    db.session.commit()
    return employee


@pytest.fixture
def straddling(employee, policy):
    """The issue's case: an incident in August 2025, the notice on 18 September and the dismissal on
    2 October 2025, after Schedule 8 was repealed on 4 September 2025."""
    case = heard_on(in_2025(employee, policy, incident_on=date(2025, 8, 20), decided_on=date(2025, 8, 25)),
                    completed=date(2025, 9, 10), issued=date(2025, 9, 18), held=date(2025, 9, 26))
    steps.record_sanction(case, sanction(sanction="dismissal", reasons=DISMISSAL_REASONS,
                                         decided_on=date(2025, 10, 2), wrongdoing_acknowledged=True,
                                         **DISMISSAL_RECORD),
                          override_reason="The earlier cases for the clause were first offences without a warning.",
                          actor=None, today=TODAY)
    db.session.commit()
    return case


def code_reasons() -> list[CaseFairnessOverride]:
    return list(db.session.scalars(sa.select(CaseFairnessOverride).where(CaseFairnessOverride.check
                                                                         == "code_transition")))


# --- point 3: the code of each step ---------------------------------------------------------------------


def test_the_notice_and_the_outcome_of_a_case_begun_under_schedule_8_follow_the_2025_code(client, login_as,
                                                                                           straddling):
    login_as("hr_officer")

    notice_text = pdf_text(client.get(f"/cases/{straddling.id}/notices/{straddling.notices[0].id}/letter.pdf"))
    outcome_text = pdf_text(client.get(f"/cases/{straddling.id}/outcome.pdf"))

    assert "This procedure follows the Code of Good Practice: Dismissal (2025)" in notice_text
    assert "Schedule 8" not in notice_text
    assert "if found guilty, on the appropriate sanction" in notice_text  # 2025 Code item 11
    assert ("decided on 2025-10-02 with the factors of the Code of Good Practice: Dismissal (2025) (the 2025 Code "
            "item 8)") in outcome_text
    assert "Impact on the organisation: The clinic's records were checked for a day." in outcome_text
    assert "Your acknowledgement of the wrongdoing was taken into account." in outcome_text


def test_a_warning_letter_follows_the_code_in_force_on_the_day_it_was_given(client, login_as, employee, policy):
    policy.current.approved_on = date(2025, 1, 6)
    db.session.commit()
    case = cases.open_case(cases.CaseInput(
        employee_id=employee.id, clause_id=next(c.id for c in policy.current.clauses if c.reference == "4.2"),
        incident_on=date(2025, 8, 20), description="Shared his password.", severity="low", security_risk="low",
        reported_on=date(2025, 8, 20)), actor=None, today=TODAY)
    cases.decide(case, "management_warning", "", expected_version=case.version, actor=None,
                 decided_on=date(2025, 9, 5), today=TODAY)
    warning = cases.give_warning(case, cases.WarningInput("management", "Never share it.", date(2025, 9, 5)),
                                 actor=None, today=TODAY)
    db.session.commit()
    login_as("hr_officer")

    text = pdf_text(client.get(f"/cases/{case.id}/warnings/{warning.id}/letter.pdf"))

    assert "This procedure follows the Code of Good Practice: Dismissal (2025) and the disciplinary code" in text
    assert "Schedule 8" not in text


def test_a_case_wholly_before_4_september_2025_follows_schedule_8(client, login_as, employee, policy):
    case = heard_on(in_2025(employee, policy, incident_on=date(2025, 8, 1), decided_on=date(2025, 8, 4)),
                    completed=date(2025, 8, 8), issued=date(2025, 8, 11), held=date(2025, 8, 18))
    login_as("hr_officer")

    text = pdf_text(client.get(f"/cases/{case.id}/notices/{case.notices[0].id}/letter.pdf"))

    assert "This procedure follows Schedule 8 of the Labour Relations Act 66 of 1995" in text
    assert "on the appropriate sanction" not in text


def test_the_case_page_warns_of_a_case_spanning_both_codes_and_hr_records_why(client, login_as, straddling):
    login_as("hr_officer")
    page = text_of(client.get(f"/cases/{straddling.id}"))
    assert "A case spanning Schedule 8 and the 2025 Code" in page
    assert "Under Schedule 8: Incident (2025-08-20), Breach reported, case opened (2025-08-20)" in page
    assert "Notice of the disciplinary hearing (2025-09-18)" in page and "Sanction: dismissal (2025-10-02)" in page

    short = client.post(f"/cases/{straddling.id}/code-transition", data={"override_reason": "Fair."})
    recorded = client.post(f"/cases/{straddling.id}/code-transition", data={"override_reason": REASON},
                           follow_redirects=True)
    again = client.post(f"/cases/{straddling.id}/code-transition", data={"override_reason": REASON})

    assert short.status_code == 422
    assert error_next_to(short, "override_reason").startswith("A case spanning Schedule 8 and the 2025 Code: This "
                                                              "case spans 4 September 2025")
    assert "To go on anyway, give the reason (at least 20 characters)" in text_of(short)
    assert recorded.status_code == 200 and "Reason recorded" in text_of(recorded) and REASON in text_of(recorded)
    assert again.status_code == 422 and len(code_reasons()) == 1 and code_reasons()[0].recorded_by_id is not None
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "override")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.summary == f"Went on despite fairness checks in case {straddling.reference}: code_transition"
    assert "Ayanda" not in entry.summary and REASON not in (entry.changes or "")


def test_the_departments_manager_may_record_the_reason_and_another_manager_may_not(client, login_as, straddling,
                                                                                department):
    login_as("manager", department=factories.make_department("DOE", "Education"))
    assert client.post(f"/cases/{straddling.id}/code-transition",
                       data={"override_reason": REASON}).status_code == 403
    login_as("manager", department=department)
    assert client.post(f"/cases/{straddling.id}/code-transition",
                       data={"override_reason": REASON}).status_code == 302
    assert len(code_reasons()) == 1


@pytest.mark.parametrize("role", ["auditor", "security_officer"])
def test_roles_without_case_steps_cannot_record_the_reason(client, login_as, straddling, role):
    login_as(role)
    assert client.post(f"/cases/{straddling.id}/code-transition",
                       data={"override_reason": REASON}).status_code == 403
    assert code_reasons() == []
    assert "Record the reason" not in text_of(client.get(f"/cases/{straddling.id}"))


def test_a_case_under_one_code_has_nothing_to_explain(client, login_as, employee, policy):
    case = disciplinary_case(employee, policy)  # 2026: every step under the 2025 Code
    login_as("hr_officer")

    page = text_of(client.get(f"/cases/{case.id}"))
    refused = client.post(f"/cases/{case.id}/code-transition", data={"override_reason": REASON})

    assert "Governed by the Code of Good Practice: Dismissal, 2025" in page and "spanning" not in page
    assert refused.status_code == 422 and code_reasons() == []


def test_an_open_case_begun_under_schedule_8_warns_before_its_next_step(employee, policy):
    case = in_2025(employee, policy, incident_on=date(2025, 8, 20), decided_on=date(2025, 8, 25))

    summary = cases.code_summary(case, today=TODAY)

    assert summary.incident == "schedule_8" and summary.latest == "code_2025"
    assert summary.warning is not None and "steps from now on" in summary.warning.message


def test_the_case_file_says_which_code_each_step_followed(client, login_as, straddling):
    cases.record_code_transition(straddling, REASON, actor=None, today=TODAY)
    db.session.commit()
    login_as("hr_officer")

    text = pdf_text(client.get(f"/cases/{straddling.id}/case-file.pdf"))

    assert "each step under the code in force on its date" in text and "This case spans 4 September 2025" in text
    assert "The notice gave the employee the 2025 Code's right" in text


# --- point 4: the notice's language and its issuer -------------------------------------------------------


def test_the_notice_says_an_interpreter_will_be_provided_not_that_it_is_in_isixhosa(client, login_as, employee,
                                                                                    policy):
    case = to_notice(disciplinary_case(employee, policy))
    issued = steps.issue_notice(case, notice(), actor=None, today=TODAY)
    db.session.commit()
    login_as("hr_officer")

    text = pdf_text(client.get(f"/cases/{case.id}/notices/{issued.id}/letter.pdf"))

    assert "given in isiXhosa" not in text and "This notice is written in English." in text
    assert "An interpreter into isiXhosa will be provided at the hearing." in text
    assert "ask Nomsa Dube" in text
    assert "Issued by: Nomsa Dube, HR Practitioner" in text


def test_an_uploaded_translation_is_attached_and_the_letter_says_so(client, login_as, employee, policy):
    case = to_notice(disciplinary_case(employee, policy))
    issued = steps.issue_notice(case, notice(interpreter_stated=False), actor=None, today=TODAY)
    db.session.commit()
    login_as("hr_officer")
    before = pdf_text(client.get(f"/cases/{case.id}/notices/{issued.id}/letter.pdf"))

    attached = client.post(f"/cases/{case.id}/disciplinary/notices/{issued.id}/translation", data={
        "translation-file": (io.BytesIO(b"%PDF-1.4\n%isaziso\n"), "isaziso.pdf")},
        content_type="multipart/form-data", follow_redirects=True)
    after = pdf_text(client.get(f"/cases/{case.id}/notices/{issued.id}/letter.pdf"))

    assert "translation" not in before and "interpreter into" not in before
    assert attached.status_code == 200 and "Translation into isiXhosa attached" in text_of(attached)
    assert "A translation of this notice into isiXhosa is attached." in after
    evidence = db.session.scalars(sa.select(CaseEvidence)).one()
    assert issued.translation_id == evidence.id and evidence.description.startswith("Translation into isiXhosa")
    assert "with a translation into isiXhosa attached" in text_of(client.get(f"/cases/{case.id}"))


@pytest.mark.parametrize("role", ["auditor", "security_officer"])
def test_roles_without_case_steps_cannot_attach_a_translation(client, login_as, employee, policy, role):
    case = to_notice(disciplinary_case(employee, policy))
    issued = steps.issue_notice(case, notice(), actor=None, today=TODAY)
    db.session.commit()
    login_as(role)

    refused = client.post(f"/cases/{case.id}/disciplinary/notices/{issued.id}/translation", data={
        "translation-file": (io.BytesIO(b"%PDF-1.4\n%isaziso\n"), "isaziso.pdf")}, content_type="multipart/form-data")

    assert refused.status_code == 403 and issued.translation_id is None


def test_a_notice_in_english_needs_no_translation(client, login_as, employee, policy):
    case = to_notice(disciplinary_case(employee, policy))
    english = steps.issue_notice(case, notice(language="English"), actor=None, today=TODAY)
    db.session.commit()
    login_as("hr_officer")

    needless = client.post(f"/cases/{case.id}/disciplinary/notices/{english.id}/translation", data={
        "translation-file": (io.BytesIO(b"%PDF-1.4\n%x\n"), "x.pdf")}, content_type="multipart/form-data")
    letter = pdf_text(client.get(f"/cases/{case.id}/notices/{english.id}/letter.pdf"))

    assert needless.status_code == 422 and "no translation is needed" in error_next_to(needless, "translation-file")
    assert "This notice is written in English" not in letter and "interpreter into" not in letter
    assert "You may have an interpreter at the hearing" in letter


def test_the_issuer_is_the_person_recording_the_notice_with_their_position(client, login_as, employee, policy):
    case = to_notice(disciplinary_case(employee, policy))
    user = login_as("hr_officer")
    record = make_employee(user=user, name=user.full_name)
    record.position = "Deputy Director: Labour Relations"
    db.session.commit()

    form = text_of(client.get(f"/cases/{case.id}"))
    issued = client.post(f"/cases/{case.id}/disciplinary/notices", data={
        "notice-issued_on": "2026-11-09", "notice-hearing_on": "2026-11-16", "notice-hearing_time": "10:00",
        "notice-venue": "Boardroom 2", "notice-chair": "Mr T. Nkosi", "notice-allegations_included": "y",
        "notice-representation_stated": "y", "notice-interpreter_stated": "y"})

    assert issued.status_code == 302
    stored = case.notices[0]
    assert (stored.issued_by_name, stored.issued_by_position) == (user.full_name,
                                                                  "Deputy Director: Labour Relations")
    assert stored.issued_by_id == user.id and "Issued by" in form
    letter = pdf_text(client.get(f"/cases/{case.id}/notices/{stored.id}/letter.pdf"))
    assert f"Issued by: {user.full_name}, Deputy Director: Labour Relations" in letter


def test_without_an_employee_record_the_issuers_position_is_their_role(employee, policy):
    user = factories.make_user(role="hr_officer")
    assert steps.issuer_of(user) == {"issued_by_name": user.full_name, "issued_by_position": "HR officer"}


def test_a_named_issuer_needs_their_position(employee, policy):
    case = to_notice(disciplinary_case(employee, policy))
    with pytest.raises(cases.CaseRuleError) as refused:
        steps.issue_notice(case, notice(issued_by_name="Ms P. Mahlangu", issued_by_position=""), actor=None,
                           today=TODAY)
    assert [field for field, _ in refused.value.problems] == ["issued_by_position"]
