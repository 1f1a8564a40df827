"""The disciplinary procedure's routes through the test client: who may record a step (and a
manager of another department gets 403), bad input shown at its field with nothing changed, the
fairness checks asking for a reason to go on, audit entries, and what the page shows."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.admin import settings
from app.audit.models import AuditEntry
from app.extensions import db
from app.policies.cases import disciplinary as steps
from app.policies.cases.models import CaseFairnessOverride, CaseHearingNotice, CaseInvestigation, CaseSanction
from tests import factories
from tests.pages import error_next_to, text_of
from tests.policies.cases.test_disciplinary import (
    DISMISSAL_REASONS,
    TODAY,
    disciplinary_case,
    hearing,
    to_hearing,
    to_notice,
    to_outcome,
    to_sanction,
)
from tests.policies.conftest import make_employee, open_case


@pytest.fixture
def employee(department):
    employee = make_employee(department=department, name="Ayanda Zulu")
    employee.language = "isiZulu"
    db.session.commit()
    return employee


def case_entries(case) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "case",
                                                               AuditEntry.entity_id == str(case.id),
                                                               AuditEntry.action.in_(["update", "override"]))
                                   .order_by(AuditEntry.id)))


def notice_form(**changes) -> dict:
    values = {"issued_on": "2026-11-09", "hearing_on": "2026-11-16", "hearing_time": "10:00",
              "venue": "Boardroom 2, Civic Centre", "language": "", "chair": "Mr T. Nkosi",
              "allegations_included": "y", "representation_stated": "y", "interpreter_stated": "y",
              "override_reason": "", **changes}
    return {f"notice-{name}": value for name, value in values.items() if value is not None}


def sanction_form(**changes) -> dict:
    values = {"sanction": "final_written_warning", "decided_on": "2026-11-18",
              "reasons": "A first disciplinary offence, admitted at once.", "rule_existed": "y", "rule_valid": "y",
              "rule_known": "y", "consistently_applied": "y", "sanction_appropriate": "y",
              "rule_importance": "Protects patient records.", "harm_caused": "Potential exposure; none found.",
              "representations_on_sanction": "y", "business_impact": "Records were checked for a day.", **changes}
    return {f"sanction-{name}": value for name, value in values.items() if value is not None}


def test_hr_records_the_investigation_and_it_is_audited(client, login_as, employee, policy):
    case = disciplinary_case(employee, policy)
    login_as("hr_officer")

    started = client.post(f"/cases/{case.id}/disciplinary/investigation", data={
        "investigation-investigator": "Lerato Mokoena", "investigation-started_on": "2026-11-03"})
    page = client.post(f"/cases/{case.id}/disciplinary/investigation/completion", data={
        "investigation-done-completed_on": "2026-11-06", "investigation-done-findings": "The proxy log shows it."},
        follow_redirects=True)

    assert started.status_code == 302 and started.location.endswith("#disciplinary-heading")
    text = text_of(page)
    assert "Disciplinary procedure" in text and "Investigator Lerato Mokoena" in text
    assert "Completed 2026-11-06" in text and "Add the allegation" in text
    assert [e.summary for e in case_entries(case)] == [f"Investigation started in case {case.reference}",
                                                      f"Investigation completed in case {case.reference}"]


def test_a_manager_records_steps_in_their_own_department_only(client, login_as, employee, policy, department):
    case = disciplinary_case(employee, policy)
    login_as("manager", department=factories.make_department("DOE", "Education"))

    refused = client.post(f"/cases/{case.id}/disciplinary/investigation", data={
        "investigation-investigator": "L. Mokoena", "investigation-started_on": "2026-11-03"})

    assert refused.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(CaseInvestigation.id))) == 0
    login_as("manager", department=department)
    allowed = client.post(f"/cases/{case.id}/disciplinary/investigation", data={
        "investigation-investigator": "L. Mokoena", "investigation-started_on": "2026-11-03"})
    assert allowed.status_code == 302


@pytest.mark.parametrize("step", ["investigation", "investigation/completion", "suspensions", "allegations",
                                  "allegations/{allegation}/removal", "notices", "hearing",
                                  "allegations/{allegation}/finding", "sanction", "outcome", "appeal",
                                  "appeal/outcome"])
def test_every_step_is_forbidden_to_a_manager_of_another_department(client, login_as, employee, policy, step):
    case = to_notice(disciplinary_case(employee, policy))
    before = [e.id for e in case_entries(case)]
    login_as("manager", department=factories.make_department("DOE", "Education"))

    response = client.post(f"/cases/{case.id}/disciplinary/" + step.format(allegation=case.allegations[0].id),
                           data={"allegation-text": "Another allegation."})

    assert response.status_code == 403
    assert [e.id for e in case_entries(case)] == before and len(case.allegations) == 1


@pytest.mark.parametrize("role", ["security_officer", "auditor"])
def test_roles_without_case_steps_get_403_and_see_no_forms(client, login_as, employee, policy, role):
    case = to_hearing(disciplinary_case(employee, policy))
    login_as(role)

    refused = client.post(f"/cases/{case.id}/disciplinary/hearing", data={"hearing-held_on": "2026-11-16",
                                                                          "hearing-chair": "Mr T. Nkosi"})
    page = client.get(f"/cases/{case.id}")

    assert refused.status_code == 403 and case.hearing is None
    text = text_of(page)
    assert "Disciplinary procedure" in text and "Issued 2026-11-09 for a hearing on 2026-11-16" in text
    assert "Record the hearing" not in text


def test_a_case_not_decided_as_disciplinary_has_no_procedure_section(client, login_as, employee, policy):
    case = open_case(employee, policy)
    login_as("hr_officer")
    assert "Disciplinary procedure" not in text_of(client.get(f"/cases/{case.id}"))
    refused = client.post(f"/cases/{case.id}/disciplinary/investigation", data={
        "investigation-investigator": "L. Mokoena", "investigation-started_on": "2026-11-03"})
    assert refused.status_code == 422
    assert "the disciplinary procedure applies only when disciplinary action is decided" in text_of(refused)


def test_allegations_are_added_and_removed_before_the_notice(client, login_as, employee, policy):
    case = to_notice(disciplinary_case(employee, policy))
    login_as("hr_officer")

    empty = client.post(f"/cases/{case.id}/disciplinary/allegations", data={"allegation-text": ""})
    client.post(f"/cases/{case.id}/disciplinary/allegations", data={"allegation-text": "Did not report it."})
    assert [a.position for a in case.allegations] == [1, 2]
    removed = client.post(f"/cases/{case.id}/disciplinary/allegations/{case.allegations[1].id}/removal")

    assert empty.status_code == 422 and error_next_to(empty, "allegation-text") == "Write the allegation."
    assert removed.status_code == 302 and len(case.allegations) == 1


def test_a_bad_notice_is_shown_at_its_field_and_nothing_is_stored(client, login_as, employee, policy):
    case = to_notice(disciplinary_case(employee, policy))
    login_as("hr_officer")

    response = client.post(f"/cases/{case.id}/disciplinary/notices", data=notice_form(hearing_on="2026-11-09"))

    assert response.status_code == 422
    assert error_next_to(response, "notice-hearing_on") == ("The hearing (2026-11-09) must be after the notice is "
                                                            "issued (2026-11-09).")
    assert db.session.scalar(sa.select(sa.func.count(CaseHearingNotice.id))) == 0


def test_a_hearing_too_soon_asks_for_a_reason_and_the_reason_is_kept(client, login_as, employee, policy):
    case = to_notice(disciplinary_case(employee, policy))
    login_as("hr_officer")

    warned = client.post(f"/cases/{case.id}/disciplinary/notices", data=notice_form(hearing_on="2026-11-11"))
    assert warned.status_code == 422
    message = error_next_to(warned, "notice-override_reason")
    assert message.startswith("Time to prepare for the hearing: The hearing on 2026-11-11 is 2 working days after")
    assert "To go on anyway, give the reason" in message
    assert db.session.scalar(sa.select(sa.func.count(CaseHearingNotice.id))) == 0

    went_on = client.post(f"/cases/{case.id}/disciplinary/notices", data=notice_form(
        hearing_on="2026-11-11", override_reason="The employee asked for the earlier date in writing."),
        follow_redirects=True)

    text = text_of(went_on)
    assert "Notice issued: the hearing is on 2026-11-11 at 10:00." in text
    assert "Gone on despite a fairness check" in text and "The employee asked for the earlier date" in text
    override = db.session.scalars(sa.select(CaseFairnessOverride)).one()
    assert override.check == "notice_period" and override.recorded_by_id is not None
    assert case_entries(case)[-2].action == "override"
    assert "an interpreter into isiZulu at the hearing" in text  # the employee's language, by default


def test_a_notice_without_the_allegations_warns(client, login_as, employee, policy):
    case = to_notice(disciplinary_case(employee, policy))
    login_as("hr_officer")
    response = client.post(f"/cases/{case.id}/disciplinary/notices", data=notice_form(
        allegations_included=None, representation_stated=None))
    message = error_next_to(response, "notice-override_reason")
    assert "Allegations in the notice" in message and "Right to representation in the notice" in message


def test_a_hearing_before_the_notice_is_refused(client, login_as, employee, policy):
    case = to_hearing(disciplinary_case(employee, policy))
    login_as("hr_officer")

    response = client.post(f"/cases/{case.id}/disciplinary/hearing", data={
        "hearing-held_on": "2026-11-05", "hearing-chair": "Mr T. Nkosi", "hearing-employee_present": "y",
        "hearing-employee_response": "Denied."})

    assert response.status_code == 422
    assert error_next_to(response, "hearing-held_on") == ("The date of the hearing (2026-11-05) cannot be before the "
                                                          "notice of the hearing (2026-11-09).")
    assert case.hearing is None


def test_the_hearing_and_the_findings(client, login_as, employee, policy):
    case = to_hearing(disciplinary_case(employee, policy))
    login_as("hr_officer")
    client.post(f"/cases/{case.id}/disciplinary/hearing", data={
        "hearing-held_on": "2026-11-16", "hearing-chair": "Mr T. Nkosi", "hearing-employee_present": "y",
        "hearing-representative": "Shop steward", "hearing-employee_response": "Admitted it."})
    allegation = case.allegations[0]
    prefix = f"allegation-{allegation.id}"

    bad = client.post(f"/cases/{case.id}/disciplinary/allegations/{allegation.id}/finding",
                      data={f"{prefix}-finding": "guilty", f"{prefix}-reasons": ""})
    page = client.post(f"/cases/{case.id}/disciplinary/allegations/{allegation.id}/finding",
                       data={f"{prefix}-finding": "guilty", f"{prefix}-reasons": "Admitted; the log confirms it."},
                       follow_redirects=True)

    assert case.hearing.representative == "Shop steward"
    assert bad.status_code == 422 and error_next_to(bad, f"{prefix}-reasons") == "Give the reasons for the finding."
    assert "Guilty : Admitted; the log confirms it." in text_of(page) and "Record the sanction" in text_of(page)


def test_a_sanction_without_reasons_is_refused(client, login_as, employee, policy):
    case = to_sanction(disciplinary_case(employee, policy))
    login_as("hr_officer")

    response = client.post(f"/cases/{case.id}/disciplinary/sanction", data=sanction_form(reasons=""))

    assert response.status_code == 422
    assert error_next_to(response, "sanction-reasons") == ("Give the reasons for the sanction: a sanction without "
                                                           "reasons cannot be defended.")
    assert db.session.scalar(sa.select(sa.func.count(CaseSanction.id))) == 0


def test_the_2025_code_fields_are_asked_and_shown(client, login_as, employee, policy):
    case = to_sanction(disciplinary_case(employee, policy))
    login_as("hr_officer")
    page = client.get(f"/cases/{case.id}")
    assert "The 2025 Code's sanction factors" in text_of(page)

    done = client.post(f"/cases/{case.id}/disciplinary/sanction", data=sanction_form(), follow_redirects=True)

    text = text_of(done)
    assert "Sanction recorded: final written warning." in text
    assert "Harm caused Potential exposure; none found." in text


def test_a_dismissal_to_its_written_outcome_appeal_and_closing(client, login_as, employee, policy):
    case = to_sanction(disciplinary_case(employee, policy))
    login_as("hr_officer")
    client.post(f"/cases/{case.id}/disciplinary/sanction", data=sanction_form(
        sanction="dismissal", reasons=DISMISSAL_REASONS, clean_record="no", service_years="4",
        record_weighed="Four years' service do not outweigh a repeat of the conduct."))

    no_referral = client.post(f"/cases/{case.id}/disciplinary/outcome", data={"outcome-issued_on": "2026-11-19"})
    client.post(f"/cases/{case.id}/disciplinary/outcome", data={"outcome-issued_on": "2026-11-19",
                                                                "outcome-referral_notice_given": "y"})
    client.post(f"/cases/{case.id}/disciplinary/appeal", data={"appeal-lodged_on": "2026-11-20",
                                                               "appeal-grounds": "The sanction is too harsh."})
    client.post(f"/cases/{case.id}/disciplinary/appeal/outcome", data={
        "appeal-outcome-outcome": "dismissed", "appeal-outcome-outcome_on": "2026-12-01",
        "appeal-outcome-reasons": "The dismissal was fair.", "appeal-outcome-chair": "Ms N. Dube",
        "appeal-outcome-chair_position": "Municipal Manager", "appeal-outcome-chair_senior": "y"})
    closed = client.post(f"/cases/{case.id}/close", data={"version": str(case.version), "outcome": "Dismissed."},
                         follow_redirects=True)

    assert no_referral.status_code == 422
    assert "Notice of the right to refer a dismissal dispute" in error_next_to(no_referral, "outcome-override_reason")
    text = text_of(closed)
    assert "Closed on" in text and "Appeal dismissed (sanction stands)" in text
    assert "Notice of the right to refer a dispute to the bargaining council or the CCMA (30 days): Yes" in text
    summaries = [e.summary for e in case_entries(case)]
    assert f"Written outcome issued in case {case.reference}" in summaries
    assert all("Ayanda" not in e.summary + e.changes for e in case_entries(case))


def test_closing_a_disciplinary_case_before_its_outcome_is_refused(client, login_as, employee, policy):
    case = to_outcome(disciplinary_case(employee, policy))
    login_as("hr_officer")
    response = client.post(f"/cases/{case.id}/close", data={"version": str(case.version), "outcome": "Done."})
    assert response.status_code == 422
    assert "Record the written outcome given to the employee before closing." in text_of(response)
    assert case.status == "open"


def test_the_page_lists_what_still_warns(client, login_as, employee, policy):
    case = to_hearing(disciplinary_case(employee, policy))
    steps.record_hearing(case, hearing(held_on=date(2026, 11, 10)), override_reason="The employee asked for it.",
                         actor=None, today=TODAY)
    login_as("hr_officer")
    text = text_of(client.get(f"/cases/{case.id}"))
    assert "Fairness checks" not in text  # gone on with a reason: listed as such instead
    assert "Gone on despite a fairness check Time to prepare for the hearing" in text


def test_the_page_warns_of_what_a_later_setting_makes_unfair(client, login_as, employee, policy):
    case = to_hearing(disciplinary_case(employee, policy))
    settings.save({settings.HEARING_NOTICE_WORKING_DAYS: 10}, actor=None)  # raised after the notice
    db.session.commit()
    login_as("hr_officer")
    text = text_of(client.get(f"/cases/{case.id}"))
    assert "Fairness checks Time to prepare for the hearing: The hearing on 2026-11-16 is 5 working days" in text


def test_earlier_cases_for_the_clause_show_their_sanction(client, login_as, employee, policy, department):
    earlier = to_outcome(disciplinary_case(employee, policy))
    later = disciplinary_case(make_employee(department=department), policy, incident_on=date(2026, 11, 3))
    login_as("hr_officer")
    text = text_of(client.get(f"/cases/{later.id}"))
    assert f"{earlier.reference} 2026-11-02 Low Disciplinary action: final written warning" in text
