"""Case pages through the test client: opening (own department only for a manager), the
recommendation and decision, warnings, evidence, closing, the list, and what each role sees."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.common.privacy import pseudonym
from app.extensions import db
from app.policies.cases.models import PolicyCase
from tests import archives, factories
from tests.controls.test_views import shown_total
from tests.pages import csv_rows, error_next_to, text_of
from tests.policies.conftest import make_employee, open_case


def form(policy, employee, **changes) -> dict:
    clause = next(c for c in policy.current.clauses if c.reference == "4.2")
    return {"employee_number": employee.number, "clause_id": str(clause.id), "incident_on": "2026-11-02",
            "description": "Shared his password with a contractor.", "severity": "medium", "security_risk": "high",
            **changes}


def cases_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(PolicyCase.id)))


def test_a_manager_opens_a_case_for_their_own_staff(client, login_as, policy, employee, department):
    login_as("manager", department=department)

    response = client.post("/cases/new", data=form(policy, employee), follow_redirects=True)

    page = text_of(response)
    assert "Opened case CASE-" in page and "Khusela recommends: revoking privileges" in page
    assert "Ayanda Zulu" in page and "Medium severity and high security risk" in page


def test_a_manager_naming_another_departments_employee_keeps_the_form_with_a_field_message(
        client, login_as, policy, department):
    other = make_employee(department=factories.make_department("DOE", "Education"), name="Nomsa Other")
    login_as("manager", department=department)

    response = client.post("/cases/new", data=form(policy, other, description="Left the server room unlocked."))

    assert response.status_code == 422 and cases_count() == 0
    assert error_next_to(response, "employee_number") == (f"Employee {other.number} is not in your department; "
                                                          "ask HR to open this case.")
    page = text_of(response)
    assert "Left the server room unlocked." in page  # what was typed is kept
    assert "Nomsa Other" not in page and "Education" not in page  # nothing about the other employee


def test_hr_opens_a_case_for_any_departments_employee(client, login_as, policy):
    other = make_employee(department=factories.make_department("DOE", "Education"))
    login_as("hr_officer")

    response = client.post("/cases/new", data=form(policy, other))

    assert response.status_code == 302 and cases_count() == 1


def test_the_employee_search_finds_by_name_or_number_within_a_managers_department(client, login_as, department):
    own = make_employee(department=department, name="Thandi Mokoena")
    make_employee(department=department, name="Left Mokoena", status="left")
    other = make_employee(department=factories.make_department("DOE", "Education"), name="Thabo Mokoena")
    login_as("manager", department=department)

    by_name = client.get("/cases/employees?q=mokoena").get_json()
    by_number = client.get(f"/cases/employees?q={own.number[-3:]}").get_json()
    page = text_of(client.get("/cases/new?find=Mokoena"))

    assert [e["number"] for e in by_name] == [own.number]  # not the leaver, not another department's
    assert own.number in [e["number"] for e in by_number]
    assert by_name[0] == {"number": own.number, "name": "Thandi Mokoena", "position": "Clerk", "department": "DOH"}
    assert f"Thandi Mokoena ({own.number})" in page and "1 match" in page
    assert "Thabo" not in page and other.number not in page


def test_the_employee_search_finds_everyone_for_hr_and_chooses_by_number_without_javascript(client, login_as,
                                                                                            department):
    own = make_employee(department=department, name="Thandi Mokoena")
    other = make_employee(department=factories.make_department("DOE", "Education"), name="Thabo Mokoena")
    login_as("hr_officer")

    found = client.get("/cases/employees?q=Mokoena").get_json()
    page = client.get("/cases/new?find=Mokoena").get_data(as_text=True)
    chosen = client.get(f"/cases/new?employee={other.number}").get_data(as_text=True)

    assert [e["number"] for e in found] == [other.number, own.number]  # by name
    assert f'href="/cases/new?employee={other.number}"' in page
    assert f'name="employee_number" required type="text" value="{other.number}"' in chosen


@pytest.mark.parametrize("query", ["", "a", "zzz-nobody"])
def test_a_short_or_unmatched_search_finds_nobody(client, login_as, department, query):
    make_employee(department=department, name="Ayanda Zulu")
    login_as("hr_officer")

    assert client.get(f"/cases/employees?q={query}").get_json() == []


@pytest.mark.parametrize("role", ["auditor", "risk_owner"])
def test_roles_that_cannot_open_cases_cannot_search_employees(client, login_as, role):
    login_as(role)
    assert client.get("/cases/employees?q=ab").status_code == 403


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"employee_number": "E99999"}, "employee_number", "No employee in the register has that number."),
    ({"incident_on": "2099-01-01"}, "incident_on", "The incident cannot be after today."),
    ({"description": ""}, "description", "Describe what happened: when, where, what the employee did."),
    ({"asset_tag": "NOPE-1"}, "asset_tag", "No item in the CMDB has the tag NOPE-1."),
])
def test_bad_input_is_shown_at_its_field_and_nothing_is_stored(client, login_as, policy, employee, changes, field,
                                                               message):
    login_as("hr_officer")
    response = client.post("/cases/new", data=form(policy, employee, **changes))
    assert response.status_code == 422
    assert error_next_to(response, field) == message
    assert cases_count() == 0


@pytest.mark.parametrize(("clause", "message"), [("", "Choose the policy clause that was breached."),
                                                 ("C", "Not a valid choice.")])
def test_a_case_without_a_clause_keeps_the_form_and_says_so(client, login_as, policy, employee, clause, message):
    login_as("hr_officer")

    response = client.post("/cases/new", data=form(policy, employee, clause_id=clause))

    assert response.status_code == 422 and cases_count() == 0
    assert error_next_to(response, "clause_id") == message
    assert "Shared his password with a contractor." in text_of(response)


def test_deciding_another_action_needs_a_reason_on_the_page(client, login_as, policy, employee):
    case = open_case(employee, policy)
    login_as("hr_officer")

    refused = client.post(f"/cases/{case.id}/decision", data={"version": str(case.version), "action": "training",
                                                               "reason": ""})
    decided = client.post(f"/cases/{case.id}/decision", data={
        "version": str(case.version), "action": "training",
        "reason": "He has never had the password-manager training."}, follow_redirects=True)

    assert refused.status_code == 422
    assert error_next_to(refused, "reason").startswith("Khusela recommended warning from management")
    assert "Not the recommended action. Reason: He has never had the password-manager training." in text_of(decided)


def test_a_warning_signed_and_the_case_closed(client, login_as, policy, employee):
    case = open_case(employee, policy)
    login_as("hr_officer")
    client.post(f"/cases/{case.id}/decision", data={"version": str(case.version), "action": "management_warning",
                                                    "decided_on": "2026-11-05"})
    client.post(f"/cases/{case.id}/warnings", data={"warning_type": "management", "issued_on": "2026-11-05",
                                                    "wording": "Do not share your password again."})
    warning = case.warnings[0]
    early = client.post(f"/cases/{case.id}/warnings/{warning.id}/signature", data={"acknowledged_on": "2026-11-04"})
    client.post(f"/cases/{case.id}/warnings/{warning.id}/signature", data={"acknowledged_on": "2026-11-06"})
    closed = client.post(f"/cases/{case.id}/close", data={"version": str(case.version),
                                                          "outcome": "Warning given and signed."},
                         follow_redirects=True)

    assert early.status_code == 422
    assert error_next_to(early, "acknowledged_on").startswith("The warning was given on 2026-11-05")
    page = text_of(closed)
    assert "Signed by the employee on 2026-11-06." in page and "Closed on" in page
    assert "counts until 2027-02-05" in page


def test_evidence_is_kept_and_its_download_audited(client, login_as, policy, employee):
    case = open_case(employee, policy)
    login_as("hr_officer")

    added = client.post(f"/cases/{case.id}/evidence", data={
        "file": (io.BytesIO(b"proxy log: 10:02 user shared credentials"), "proxy-log.txt"),
        "description": "Proxy log extract"}, content_type="multipart/form-data")
    refused = client.post(f"/cases/{case.id}/evidence", data={
        "file": (io.BytesIO(b"MZ\x00\x00program"), "tool.exe")}, content_type="multipart/form-data")
    download = client.get(f"/cases/{case.id}/evidence/{case.evidence[0].id}")

    assert added.status_code == 302 and refused.status_code == 422
    assert error_next_to(refused, "file").startswith("Programs and scripts are not accepted")
    assert download.data.startswith(b"proxy log")
    download.close()
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(AuditEntry.action == "download"))


def test_case_evidence_hiding_a_program_in_a_zip_is_refused_and_nothing_stored(app, client, login_as, policy,
                                                                              employee):
    case = open_case(employee, policy)
    login_as("hr_officer")
    statement = archives.zipped({"statement.pdf": archives.pdf(), "inner.zip": archives.zipped(
        {"photo.jpg": archives.windows_program()})})

    refused = client.post(f"/cases/{case.id}/evidence", data={"file": (io.BytesIO(statement), "statement.zip"),
                                                              "description": "Statement"},
                          content_type="multipart/form-data")

    assert refused.status_code == 422
    assert error_next_to(refused, "file") == ("statement.zip › inner.zip › photo.jpg is a program (Windows "
                                              "executable); programs cannot be stored as evidence.")
    db.session.expire_all()
    assert db.session.get(PolicyCase, case.id).evidence == []
    assert not [path for path in Path(app.config["EVIDENCE_FOLDER"]).rglob("*") if path.is_file()]


def test_an_auditor_sees_the_case_with_a_pseudonym_everywhere(client, login_as, policy, employee):
    case = open_case(employee, policy)
    login_as("auditor")

    page = text_of(client.get(f"/cases/{case.id}"))
    listed = text_of(client.get("/cases"))
    exported = csv_rows(client.get("/cases?export=csv"))

    for shown in (page, listed):
        assert "Ayanda Zulu" not in shown and employee.number not in shown and pseudonym(employee.id) in shown
    assert exported[0]["Employee"] == pseudonym(employee.id) and exported[0]["Employee number"] == "—"
    assert "Record the decision" not in page
    views = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(AuditEntry.action == "view"))
    assert views == 0  # nothing personal was shown, so there is no view to log


def test_each_view_of_personal_details_is_audited(client, login_as, policy, employee):
    case = open_case(employee, policy)
    user = login_as("hr_officer")

    client.get(f"/cases/{case.id}")
    client.get("/cases")

    entries = list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "view")
                                      .order_by(AuditEntry.id)))
    assert [e.actor_id for e in entries] == [user.id, user.id]
    assert entries[1].summary == f"Listed cases with personal details: {case.reference}"


def test_a_manager_cannot_open_another_departments_case(client, login_as, policy, department):
    other = make_employee(department=factories.make_department("DOE", "Education"))
    case = open_case(other, policy)
    login_as("manager", department=department)

    assert client.get(f"/cases/{case.id}").status_code == 403
    assert shown_total(client.get("/cases")) == "0 cases"


def test_the_list_filters_by_status_and_severity(client, login_as, policy, employee):
    open_case(employee, policy, severity="high")
    open_case(employee, policy, severity="low")
    login_as("hr_officer")

    assert shown_total(client.get("/cases")) == "2 cases"
    assert shown_total(client.get("/cases?severity=high")) == "1 case"
    assert shown_total(client.get("/cases?status=closed")) == "0 cases"


def test_a_missing_case_is_404(client, login_as):
    login_as("hr_officer")
    assert client.get("/cases/999999").status_code == 404


def test_the_employee_page_shows_policies_and_cases_to_those_who_may_see_them(client, login_as, policy, employee):
    case = open_case(employee, policy)
    login_as("hr_officer")
    as_hr = text_of(client.get(f"/employees/{employee.id}"))
    login_as("security_officer")
    as_officer = text_of(client.get(f"/employees/{employee.id}"))

    assert "ICT-SEC ICT Security Policy 1.0 Not yet" in as_hr and case.reference in as_hr
    assert "ICT-SEC ICT Security Policy 1.0 Not yet" in as_officer and case.reference not in as_officer


def test_a_case_opens_with_its_first_evidence_file(client, login_as, policy, employee):
    login_as("hr_officer")
    data = {**form(policy, employee), "evidence": (io.BytesIO(b"10:02 shared credentials"), "statement.txt"),
            "evidence_description": "Witness statement"}

    response = client.post("/cases/new", data=data, content_type="multipart/form-data")

    case = db.session.scalars(sa.select(PolicyCase)).one()
    assert response.status_code == 302
    assert [(e.original_name, e.description) for e in case.evidence] == [("statement.txt", "Witness statement")]


def test_a_refused_evidence_file_opens_no_case(client, login_as, policy, employee):
    login_as("hr_officer")
    data = {**form(policy, employee), "evidence": (io.BytesIO(b"MZ\x00\x00"), "run.exe")}

    response = client.post("/cases/new", data=data, content_type="multipart/form-data")

    assert response.status_code == 422 and cases_count() == 0
    assert error_next_to(response, "evidence").startswith("Programs and scripts are not accepted")


@pytest.mark.parametrize("action", ["management_warning", "written_warning"])
def test_after_a_warning_decision_the_page_offers_the_warning_form(client, login_as, policy, employee, action):
    case = open_case(employee, policy, severity="medium", security_risk="medium")
    login_as("hr_officer")
    client.post(f"/cases/{case.id}/decision", data={"version": str(case.version), "action": action,
                                                    "reason": "The employee's manager asked for counselling first."})

    page = client.get(f"/cases/{case.id}")

    assert page.status_code == 200
    assert "Counts towards later cases for 3, 6 or 12 months by kind" in text_of(page)
