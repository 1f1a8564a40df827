"""The routes, page parts, letters, case file and export issue 18 point 14 added to the disciplinary
procedure: who may answer the union question and lift a suspension (and who may not), bad input at
its field with nothing changed, the referral period on the page following the sanction, the notice's
new sentences, the appeal's chair and its outcome letter, the case file's full record, and the
cases CSV's sanction and outcome columns."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.common.privacy import pseudonym
from app.common.timeutil import local_today
from app.extensions import db
from app.policies.cases import disciplinary as steps
from app.policies.cases import services as cases
from app.policies.cases.disciplinary import SuspensionInput
from app.policies.cases.models import CaseUnionConsultation
from app.policies.cases.services import CaseRuleError
from tests import factories
from tests.pages import csv_rows, error_next_to, text_of
from tests.policies.cases.test_disciplinary import (
    APPEAL_CHAIR,
    DISMISSAL_REASONS,
    DISMISSAL_RECORD,
    TODAY,
    disciplinary_case,
    hearing,
    notice,
    to_notice,
    to_outcome,
    to_sanction,
)
from tests.policies.cases.test_disciplinary_views import sanction_form
from tests.policies.cases.test_document_views import pdf_text
from tests.policies.conftest import make_employee

UNION_FORM = {"union-union_representative": "yes", "union-union_name": "SAMWU", "union-informed_on": "2026-11-07",
              "union-informed_whom": "Mr L. Jacobs (branch secretary)", "union-notes": "By letter."}


@pytest.fixture
def employee(department):
    employee = make_employee(department=department, name="Ayanda Zulu")
    employee.language = "isiZulu"
    db.session.commit()
    return employee


def _investigated(employee, policy):
    case = disciplinary_case(employee, policy)
    steps.record_investigation(case, investigator="Lerato Mokoena", started_on=date(2026, 11, 3), actor=None,
                               today=TODAY)
    steps.complete_investigation(case, completed_on=date(2026, 11, 6), findings="The proxy log shows the login.",
                                 actor=None, today=TODAY)
    db.session.commit()
    return case


def _decided_appeal(employee, policy, **sanction_changes):
    case = to_outcome(disciplinary_case(employee, policy), **sanction_changes)
    steps.record_outcome_issued(case, issued_on=date(2026, 11, 19), referral_notice_given=True, actor=None,
                                today=TODAY)
    steps.record_appeal(case, lodged_on=date(2026, 11, 20), grounds="Too harsh for eleven years' service.",
                        actor=None, today=TODAY)
    steps.record_appeal_outcome(case, outcome="dismissed", outcome_on=date(2026, 12, 1),
                                reasons="The chair weighed the service against the harm.", **APPEAL_CHAIR,
                                actor=None, today=TODAY)
    db.session.commit()
    return case


# --- the union question -----------------------------------------------------------------------------


def test_hr_answers_the_union_question_and_the_page_shows_it(client, login_as, employee, policy):
    case = _investigated(employee, policy)
    login_as("hr_officer")
    before = text_of(client.get(f"/cases/{case.id}"))

    response = client.post(f"/cases/{case.id}/disciplinary/union", data=UNION_FORM, follow_redirects=True)

    assert "Not answered yet: the notice of the hearing waits for the answer." in before
    text = text_of(response)
    assert "Union answer recorded." in text
    assert ("The employee is a shop steward or an office-bearer or official of SAMWU. The union was informed and "
            "consulted on 2026-11-07 (Mr L. Jacobs (branch secretary)): By letter.") in text
    assert "By letter.." not in text
    assert case.union_consultation.informed_on == date(2026, 11, 7)


def test_a_manager_answers_for_their_own_department_only(client, login_as, employee, policy, department):
    case = _investigated(employee, policy)
    login_as("manager", department=factories.make_department("DOE", "Education"))
    assert client.post(f"/cases/{case.id}/disciplinary/union", data=UNION_FORM).status_code == 403
    login_as("manager", department=department)
    assert client.post(f"/cases/{case.id}/disciplinary/union", data=UNION_FORM).status_code == 302


@pytest.mark.parametrize("role", ["security_officer", "auditor"])
def test_read_only_roles_cannot_answer_and_see_no_form(client, login_as, employee, policy, role):
    case = _investigated(employee, policy)
    login_as(role)

    refused = client.post(f"/cases/{case.id}/disciplinary/union", data=UNION_FORM)
    page = text_of(client.get(f"/cases/{case.id}"))

    assert refused.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(CaseUnionConsultation.id))) == 0
    assert "Trade-union representative" in page and "Answer the union question" not in page


def test_a_bad_union_answer_is_shown_at_its_field(client, login_as, employee, policy):
    case = _investigated(employee, policy)
    login_as("hr_officer")

    unanswered = client.post(f"/cases/{case.id}/disciplinary/union", data={"union-union_representative": ""})
    nameless = client.post(f"/cases/{case.id}/disciplinary/union", data={**UNION_FORM, "union-union_name": ""})

    assert unanswered.status_code == 422 and nameless.status_code == 422
    assert error_next_to(unanswered, "union-union_representative").startswith("Answer the question")
    assert error_next_to(nameless, "union-union_name") == "Name the trade union (e.g. SAMWU, IMATU, NEHAWU)."
    assert db.session.scalar(sa.select(sa.func.count(CaseUnionConsultation.id))) == 0


def test_the_notice_is_refused_until_the_union_is_consulted(client, login_as, employee, policy):
    case = _investigated(employee, policy)
    steps.add_allegation(case, "On 2 November 2026 you shared your password.", actor=None)
    db.session.commit()
    login_as("hr_officer")
    client.post(f"/cases/{case.id}/disciplinary/union", data={**UNION_FORM, "union-informed_on": "",
                                                              "union-informed_whom": ""})

    refused = client.post(f"/cases/{case.id}/disciplinary/notices", data={
        "notice-issued_on": "2026-11-09", "notice-hearing_on": "2026-11-16", "notice-hearing_time": "10:00",
        "notice-venue": "Boardroom 2", "notice-chair": "Mr T. Nkosi", "notice-allegations_included": "y",
        "notice-representation_stated": "y"})

    assert refused.status_code == 422
    assert ("record when the union (SAMWU) was informed and consulted before the notice of the hearing"
            in text_of(refused))
    assert case.notices == []


# --- a precautionary suspension without a hearing -----------------------------------------------


def test_a_long_suspension_warns_on_the_page_and_hr_lifts_it(client, login_as, employee, policy):
    today = local_today()
    case = disciplinary_case(employee, policy, incident_on=today - timedelta(days=70))
    steps.record_investigation(case, investigator="Lerato Mokoena", started_on=today - timedelta(days=69),
                               actor=None)
    steps.record_suspension(case, SuspensionInput(today - timedelta(days=61), None, None, True, "The logs."),
                            actor=None)
    db.session.commit()
    login_as("hr_officer")

    page = text_of(client.get(f"/cases/{case.id}"))
    bad = client.post(f"/cases/{case.id}/disciplinary/suspension/lifting", data={"suspension-end-lifted_on": ""})
    lifted = client.post(f"/cases/{case.id}/disciplinary/suspension/lifting",
                         data={"suspension-end-lifted_on": today.isoformat()}, follow_redirects=True)

    assert ("Precautionary suspension without a hearing: The precautionary suspension since "
            f"{(today - timedelta(days=61)).isoformat()} has lasted 61 days without a hearing") in page
    assert bad.status_code == 422
    assert error_next_to(bad, "suspension-end-lifted_on") == "Give the date the suspension was lifted."
    text = text_of(lifted)
    assert f"Precautionary suspension lifted on {today.isoformat()}." in text
    assert "has lasted 61 days" not in text and case.suspensions[0].ends_on == today


@pytest.mark.parametrize("role", ["security_officer", "auditor"])
def test_read_only_roles_cannot_lift_a_suspension(client, login_as, employee, policy, role):
    case = disciplinary_case(employee, policy)
    steps.record_investigation(case, investigator="L. Mokoena", started_on=date(2026, 11, 3), actor=None,
                               today=TODAY)
    steps.record_suspension(case, SuspensionInput(date(2026, 11, 4), None, None, True, "The logs."), actor=None)
    db.session.commit()
    login_as(role)
    refused = client.post(f"/cases/{case.id}/disciplinary/suspension/lifting",
                          data={"suspension-end-lifted_on": "2026-11-20"})
    assert refused.status_code == 403 and case.suspensions[0].ends_on is None


# --- the sanction: record and service; the referral period follows it -------------------------------


def test_a_dismissal_without_the_record_and_service_is_refused_at_the_fields(client, login_as, employee, policy):
    case = to_sanction(disciplinary_case(employee, policy))
    login_as("hr_officer")
    page = text_of(client.get(f"/cases/{case.id}"))

    refused = client.post(f"/cases/{case.id}/disciplinary/sanction", data=sanction_form(
        sanction="dismissal", reasons=DISMISSAL_REASONS))
    negative = client.post(f"/cases/{case.id}/disciplinary/sanction", data=sanction_form(
        sanction="dismissal", reasons=DISMISSAL_REASONS, clean_record="yes", service_years="-1", record_weighed="x"))

    assert "Khusela holds no warning from another case still valid on the day of the incident." in page
    assert refused.status_code == 422 and negative.status_code == 422 and case.sanction is None
    assert error_next_to(refused, "sanction-clean_record").startswith("Before a dismissal, say whether")
    assert error_next_to(refused, "sanction-service_years").startswith("Before a dismissal, give the employee's length")
    assert error_next_to(refused, "sanction-record_weighed").startswith("Before a dismissal, say how")
    assert error_next_to(negative, "sanction-service_years") == "Between 0 and 60 years (0 for less than a year)."


def test_the_referral_period_on_the_page_follows_the_sanction(client, login_as, employee, policy):
    warned = to_outcome(disciplinary_case(employee, policy))
    login_as("hr_officer")

    form = client.get(f"/cases/{warned.id}")
    steps.record_outcome_issued(warned, issued_on=date(2026, 11, 19), referral_notice_given=True, actor=None,
                                today=TODAY)
    db.session.commit()
    page = text_of(client.get(f"/cases/{warned.id}"))

    assert "within 90 days (unfair labour practice)" in text_of(form)
    assert "the bargaining council or the CCMA (90 days): Yes" in page
    assert ("Referral period: 90 days (unfair labour practice, LRA s191(1)(b)(ii)) from 2026-11-19, the written "
            "outcome: by 2027-02-17.") in page
    assert "30 days" not in page.split("Written outcome", 1)[1]


def test_a_dismissals_referral_period_runs_from_the_appeals_outcome(client, login_as, employee, policy):
    case = _decided_appeal(employee, policy, sanction="dismissal", reasons=DISMISSAL_REASONS, **DISMISSAL_RECORD)
    login_as("hr_officer")

    page = text_of(client.get(f"/cases/{case.id}"))

    assert ("Referral period: 30 days (unfair dismissal, LRA s191(1)(b)(i)) from 2026-12-01, the appeal's outcome: "
            "by 2026-12-31.") in page
    assert ("Appeal dismissed (sanction stands) on 2026-12-01 by Ms N. Dube, Municipal Manager (senior to the "
            "hearing's chair: Yes)") in page


def test_the_hearings_chair_cannot_decide_the_appeal(client, login_as, employee, policy):
    case = to_outcome(disciplinary_case(employee, policy))
    steps.record_outcome_issued(case, issued_on=date(2026, 11, 19), referral_notice_given=True, actor=None,
                                today=TODAY)
    steps.record_appeal(case, lodged_on=date(2026, 11, 20), grounds="Too harsh.", actor=None, today=TODAY)
    db.session.commit()
    login_as("hr_officer")

    refused = client.post(f"/cases/{case.id}/disciplinary/appeal/outcome", data={
        "appeal-outcome-outcome": "dismissed", "appeal-outcome-outcome_on": "2026-12-01",
        "appeal-outcome-reasons": "Fair.", "appeal-outcome-chair": "Mr T. Nkosi",
        "appeal-outcome-chair_position": "Director"})

    assert refused.status_code == 422 and case.appeal.outcome is None
    assert error_next_to(refused, "appeal-outcome-chair") == (
        "The appeal is decided by someone who took no part in the case: Mr T. Nkosi is the chair of the hearing "
        "(Mr T. Nkosi).")
    assert error_next_to(refused, "appeal-outcome-chair_senior").startswith("Confirm that the appeal chair is senior")


# --- letters --------------------------------------------------------------------------------------


def test_the_notice_says_dismissal_is_possible_and_the_evidence_may_be_seen(client, login_as, employee, policy):
    case = to_notice(disciplinary_case(employee, policy))
    steps.issue_notice(case, notice(), actor=None, today=TODAY)
    steps.issue_notice(case, notice(issued_on=date(2026, 11, 10), hearing_on=date(2026, 11, 18),
                                    dismissal_possible=False), actor=None, today=TODAY)
    db.session.commit()
    login_as("hr_officer")

    first = pdf_text(client.get(f"/cases/{case.id}/notices/{case.notices[0].id}/letter.pdf"))
    second = pdf_text(client.get(f"/cases/{case.id}/notices/{case.notices[1].id}/letter.pdf"))

    assert "If an allegation is found proven, the sanction may be dismissal." in first
    assert "Prepare your answer on the sanction as well as on the allegations." in first
    assert ("You may see the evidence the employer will rely on (documents, statements, logs) before the hearing, in "
            "time to prepare") in first
    assert "the sanction will be short of dismissal" in second and "may be dismissal" not in second


def test_the_outcome_letter_of_a_lesser_sanction_gives_90_days_and_the_last_day(client, login_as, employee, policy):
    case = to_outcome(disciplinary_case(employee, policy))
    steps.record_outcome_issued(case, issued_on=date(2026, 11, 19), referral_notice_given=True, actor=None,
                                today=TODAY)
    db.session.commit()
    login_as("hr_officer")

    text = pdf_text(client.get(f"/cases/{case.id}/outcome.pdf"))

    assert "within 90 days (Labour Relations Act 66 of 1995, s191(1)(b)(ii))" in text
    assert "that is by 2027-02-17" in text and "30 days" not in text


def test_the_appeal_outcome_letter(client, login_as, employee, policy):
    case = _decided_appeal(employee, policy, sanction="dismissal", reasons=DISMISSAL_REASONS, **DISMISSAL_RECORD)
    user = login_as("hr_officer")

    text = pdf_text(client.get(f"/cases/{case.id}/appeal-outcome.pdf"))

    for expected in ("Outcome of your appeal", "Ayanda Zulu", "On 2026-11-20 you appealed",
                     "which imposed dismissal (written outcome of 2026-11-19)",
                     "decided by Ms N. Dube, Municipal Manager, who is senior to the chair of the hearing",
                     "Too harsh for eleven years' service.", "Decision: appeal dismissed (sanction stands)",
                     "The sanction of dismissal stands.", "This is the employer's final decision",
                     "within 30 days of this final decision on your dismissal",
                     "counted from 2026-12-01, that is by 2026-12-31", "s191(2)"):
        assert expected in text
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "download")).one()
    assert entry.summary == f"Downloaded the appeal outcome letter of case {case.reference} (with personal details)"
    assert entry.actor_id == user.id


def test_an_appeal_set_aside_has_no_referral_paragraph(client, login_as, employee, policy):
    case = to_outcome(disciplinary_case(employee, policy))
    steps.record_outcome_issued(case, issued_on=date(2026, 11, 19), referral_notice_given=True, actor=None,
                                today=TODAY)
    steps.record_appeal(case, lodged_on=date(2026, 11, 20), grounds="Too harsh.", actor=None, today=TODAY)
    steps.record_appeal_outcome(case, outcome="upheld", outcome_on=date(2026, 12, 1), reasons="Not proven.",
                                **APPEAL_CHAIR, actor=None, today=TODAY)
    db.session.commit()
    login_as("hr_officer")

    text = pdf_text(client.get(f"/cases/{case.id}/appeal-outcome.pdf"))

    assert "The sanction of a final written warning is set aside." in text
    assert "Your rights" not in text and "days" not in text


def test_the_appeal_outcome_letter_waits_for_the_outcome(client, login_as, employee, policy):
    case = to_outcome(disciplinary_case(employee, policy))
    login_as("hr_officer")
    assert client.get(f"/cases/{case.id}/appeal-outcome.pdf").status_code == 404


def test_an_auditor_reads_the_appeal_letter_with_the_pseudonym(client, login_as, employee, policy):
    case = _decided_appeal(employee, policy)
    login_as("auditor")
    text = pdf_text(client.get(f"/cases/{case.id}/appeal-outcome.pdf"))
    assert "Ayanda" not in text and pseudonym(employee.id) in text


def test_roles_without_case_view_get_403_for_the_appeal_letter(client, login_as, employee, policy, department):
    case = _decided_appeal(employee, policy)
    login_as("risk_owner")
    assert client.get(f"/cases/{case.id}/appeal-outcome.pdf").status_code == 403
    login_as("manager", department=factories.make_department("DOE", "Education"))
    assert client.get(f"/cases/{case.id}/appeal-outcome.pdf").status_code == 403


# --- the case file and the export ---------------------------------------------------------------


def test_the_case_file_holds_the_full_record_and_who_recorded_each_step(client, login_as, employee, policy):
    case = to_notice(disciplinary_case(employee, policy))
    user = login_as("hr_officer")
    client.post(f"/cases/{case.id}/disciplinary/union", data=UNION_FORM)
    steps.issue_notice(case, notice(), actor=None, today=TODAY)
    steps.record_hearing(case, hearing(interpreter="Mr S. Mthembu (isiZulu)"), actor=None, today=TODAY)
    steps.record_finding(case, case.allegations[0].id, finding="guilty", reasons="Admitted.", actor=None)
    db.session.commit()
    client.post(f"/cases/{case.id}/disciplinary/sanction", data=sanction_form(
        sanction="dismissal", reasons=DISMISSAL_REASONS, clean_record="no", service_years="4",
        record_weighed="Four years' service do not outweigh a repeat of the conduct."))
    assert case.sanction is not None

    text = pdf_text(client.get(f"/cases/{case.id}/case-file.pdf"))

    for expected in ("Disciplinary procedure", "Investigator Lerato Mokoena",
                     "Shop steward or office-bearer or official of SAMWU", "informed and consulted on 2026-11-07",
                     "Attendees Chair, initiator, employee, shop steward", "Representative Shop steward (SAMWU)",
                     "Interpreter Mr S. Mthembu (isiZulu)", "The employee's response: Admitted sharing the password",
                     "Dismissal stated as a possible outcome: Yes", "The rule is valid and reasonable Yes",
                     "The rule has been applied consistently Yes",
                     "Importance of the rule (2025 Code item 8) Protects patient records.",
                     "Actual or potential harm caused (2025 Code item 8) Potential exposure; none found.",
                     "Representations on the sanction (2025 Code item 11) Yes", "Clean disciplinary record No",
                     "Length of service 4 completed years",
                     "Four years' service do not outweigh a repeat of the conduct.",
                     "Referral period 30 days (unfair dismissal, LRA s191(1)(b)(i)) from 2026-11-18, the sanction",
                     "Who recorded each step", f"{user.full_name} Union answer corrected in case {case.reference}",
                     f"{user.full_name} Sanction decided: dismissal in case {case.reference}"):
        assert expected in text, expected
    assert "Viewed case" not in text.split("Who recorded each step", 1)[1]


def test_the_cases_csv_has_sanction_and_outcome_columns(client, login_as, employee, policy):
    case = _decided_appeal(employee, policy, sanction="dismissal", reasons=DISMISSAL_REASONS, **DISMISSAL_RECORD)
    cases.close_case(case, "Dismissed; Ms Zulu's appeal was dismissed.", expected_version=case.version, actor=None,
                     today=TODAY)
    db.session.commit()
    login_as("hr_officer")

    row = csv_rows(client.get("/cases?status=all&export=csv"))[0]

    assert (row["Sanction"], row["Sanction decided"], row["Appeal"], row["Final sanction"]) == (
        "Dismissal", "2026-11-18", "Appeal dismissed (sanction stands)", "Dismissal")
    assert row["Outcome"] == "Dismissed; Ms Zulu's appeal was dismissed."
    login_as("auditor")
    withheld = csv_rows(client.get("/cases?status=all&export=csv"))[0]
    assert withheld["Outcome"] == "(withheld: free text)" and withheld["Final sanction"] == "Dismissal"


def test_a_case_without_the_procedure_has_empty_sanction_columns(client, login_as, employee, policy):
    disciplinary_case(employee, policy)
    login_as("hr_officer")
    row = csv_rows(client.get("/cases?export=csv"))[0]
    assert (row["Sanction"], row["Appeal"], row["Final sanction"], row["Outcome"]) == ("", "", "", "")


def test_no_step_is_refused_silently(app, employee, policy):
    """A sanction refused for the union is a CaseRuleError the page shows, not a crash."""
    case = to_sanction(disciplinary_case(employee, policy))
    db.session.execute(sa.delete(CaseUnionConsultation))
    db.session.commit()
    db.session.expire(case)
    with pytest.raises(CaseRuleError, match="Answer the union question before the sanction"):
        steps.record_sanction(case, steps.SanctionInput("written_warning", "Fair.", date(2026, 11, 18)), actor=None,
                              today=TODAY)
