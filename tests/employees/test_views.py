"""The employee register through the test client: the list with its filters, search, sort and
export, an employee's page (whose views are logged), adding, editing and deleting, and who may
see and do what (a manager: their own department only)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.employees.models import Employee
from app.extensions import db
from tests import factories
from tests.controls.test_views import shown_total
from tests.employees.test_services import acknowledge
from tests.pages import audit_entries, csv_rows, error_next_to, only_entry, text_of, xlsx_rows


def listed(response) -> list[str]:
    """The numbers in the list's first column, in the order shown."""
    assert response.status_code == 200
    return re.findall(r'<td class="text-nowrap"><a href="/employees/\d+">([^<]+)</a>', response.get_data(as_text=True))


def reload(employee: Employee) -> Employee:
    db.session.expire_all()
    return db.session.get(Employee, employee.id)


def employee_form(**changes) -> dict:
    data = {"number": "21034567", "full_name": "Nomvula Dlamini", "department_id": "", "position": "Professional Nurse",
            "manager_number": "", "email": "nomvula.dlamini@westerncape.gov.za", "phone": "+27 21 483 4000",
            "language": "isiZulu", "status": "active"}
    data.update(changes)
    return data


@pytest.fixture
def staff(app):
    """Health: a deputy director with a nurse and a suspended clerk, and a nurse who left;
    Treasury: an accountant."""
    health = factories.make_department("DOH", "Department of Health and Wellness")
    treasury = factories.make_department("PT", "Provincial Treasury")
    lead = factories.make_employee("Unathi Jonas", number="1001", department=health,
                                   position="Deputy Director: Primary Health Care", email="unathi.jonas@wc.gov.za")
    return {
        "health": health, "treasury": treasury, "lead": lead,
        "nurse": factories.make_employee("Nomvula Dlamini", number="1002", department=health, manager=lead,
                                         position="Professional Nurse", email="nomvula.dlamini@wc.gov.za",
                                         phone="082 555 0123"),
        "clerk": factories.make_employee("Johan Botha", number="1003", department=health, manager=lead,
                                         position="Data Capturer", status="suspended"),
        "gone": factories.make_employee("Zanele Cele", number="1004", department=health, manager=lead,
                                        position="Professional Nurse", status="left"),
        "accountant": factories.make_employee("Anesh Naidoo", number="2001", department=treasury,
                                              position="Accountant"),
    }


# --- the list ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "security_officer", "hr_officer"])
def test_the_register_keepers_see_everyone_still_employed(login_as, client, staff, role):
    login_as(role)

    response = client.get("/employees")

    assert listed(response) == ["2001", "1003", "1002", "1001"]  # by name; Zanele Cele left
    assert shown_total(response) == "4 employees"
    assert ("New employee" in text_of(response)) == (role != "security_officer")


def test_a_manager_lists_the_employees_of_their_department_only(login_as, client, staff):
    login_as("manager", department=staff["health"])

    assert listed(client.get("/employees")) == ["1003", "1002", "1001"]
    assert listed(client.get("/employees?department=" + str(staff["treasury"].id))) == []
    assert listed(client.get("/employees?q=naidoo")) == []


def test_a_manager_without_a_department_is_told_why_the_list_is_empty(login_as, client, staff):
    login_as("manager")

    response = client.get("/employees")

    assert listed(response) == [] and "Your account has no department" in text_of(response)


@pytest.mark.parametrize("role", ["risk_owner", "auditor"])
def test_others_may_not_see_the_register(login_as, client, staff, role):
    login_as(role)

    assert client.get("/employees").status_code == 403
    assert client.get(f"/employees/{staff['nurse'].id}").status_code == 403


@pytest.mark.parametrize(("query", "numbers"), [
    ("q=dlamini", ["1002"]),  # name
    ("q=100", ["1003", "1002", "1001"]),  # number
    ("q=UNATHI.JONAS@", ["1001"]),  # e-mail, any case
    ("status=all", ["2001", "1003", "1002", "1001", "1004"]),
    ("status=left", ["1004"]),
    ("status=suspended", ["1003"]),
    ("position=nurse", ["1002"]),
    ("sort=number", ["1001", "1002", "1003", "2001"]),
    ("sort=manager&dir=desc", ["1003", "1002", "2001", "1001"]),  # nobody's manager last
    ("status=fired&manager=x&department=-1", ["2001", "1003", "1002", "1001"]),  # ignored
])
def test_filters_search_and_sort(login_as, client, staff, query, numbers):
    login_as("hr_officer")

    assert listed(client.get(f"/employees?{query}")) == numbers


def test_the_department_and_manager_filters(login_as, client, staff):
    login_as("hr_officer")

    assert listed(client.get(f"/employees?department={staff['treasury'].id}")) == ["2001"]
    assert listed(client.get(f"/employees?manager={staff['lead'].id}")) == ["1003", "1002"]
    assert "Unathi Jonas (1001)" in text_of(client.get("/employees"))  # a manager filter choice


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_holds_what_is_shown_and_is_audited(login_as, client, staff, fmt):
    login_as("hr_officer")

    response = client.get(f"/employees?department={staff['health'].id}&sort=number&export={fmt}")

    rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    assert [str(row["Employee number"]) for row in rows] == ["1001", "1002", "1003"]
    assert rows[1]["Manager"] == "1001" and rows[1]["Manager name"] == "Unathi Jonas"
    assert rows[1]["E-mail"] == "nomvula.dlamini@wc.gov.za" and rows[2]["Status"] == "Suspended"
    assert only_entry("export", "employee")[0].summary == f"Exported 3 employees as {fmt.upper()}"


def test_a_manager_exports_their_department_only(login_as, client, staff):
    login_as("manager", department=staff["health"])

    rows = csv_rows(client.get("/employees?status=all&export=csv"))

    assert sorted(row["Employee number"] for row in rows) == ["1001", "1002", "1003", "1004"]


# --- one employee --------------------------------------------------------------------------------


def test_an_employees_page_shows_their_details_and_logs_the_view(login_as, client, staff):
    hr = login_as("hr_officer")

    page = text_of(client.get(f"/employees/{staff['lead'].id}"))

    assert "Unathi Jonas 1001" in page and "Deputy Director: Primary Health Care" in page
    assert "E-mail unathi.jonas@wc.gov.za" in page
    assert "Direct reports" in page and "1002 Nomvula Dlamini Professional Nurse Active" in page
    assert "1004 Zanele Cele Professional Nurse Left" in page
    entry, _ = only_entry("view", "employee", staff["lead"].id)
    assert entry.actor_id == hr.id and entry.summary == "Viewed the personal details of Unathi Jonas (1001)"
    client.get(f"/employees/{staff['lead'].id}")
    assert len(audit_entries("view", "employee", staff["lead"].id)) == 2  # every view


def test_the_page_shows_the_manager_and_the_linked_account(login_as, client, staff):
    account = factories.make_user("manager", email="nomvula.dlamini@wc.gov.za", department=staff["health"])
    nurse = staff["nurse"]
    login_as("admin")
    saved = client.post(f"/employees/{nurse.id}/edit", data=employee_form(
        number="1002", full_name="Nomvula Dlamini", department_id=str(staff["health"].id), manager_number="1001",
        email="nomvula.dlamini@wc.gov.za", version=str(nurse.version)))
    assert saved.status_code == 302

    page = text_of(client.get(f"/employees/{nurse.id}"))

    assert reload(nurse).user_id == account.id
    assert "Manager Unathi Jonas (1001, Deputy Director: Primary Health Care)" in page
    assert "Khusela account Signs in as nomvula.dlamini@wc.gov.za (Manager)" in page


def test_a_manager_opens_their_departments_employees_not_anothers(login_as, client, staff):
    login_as("manager", department=staff["health"])

    assert client.get(f"/employees/{staff['nurse'].id}").status_code == 200
    assert client.get(f"/employees/{staff['accountant'].id}").status_code == 403
    assert client.get("/employees/999999").status_code == 404
    assert audit_entries("view", "employee", staff["accountant"].id) == []


def test_a_manager_may_not_add_edit_or_delete(login_as, client, staff):
    login_as("manager", department=staff["health"])
    nurse = staff["nurse"]

    assert client.get("/employees/new").status_code == 403
    assert client.post("/employees/new", data=employee_form(number="9999")).status_code == 403
    assert client.post(f"/employees/{nurse.id}/edit", data=employee_form(number="1002")).status_code == 403
    assert client.post(f"/employees/{nurse.id}/delete", data={"version": str(nurse.version)}).status_code == 403
    assert reload(nurse).full_name == "Nomvula Dlamini"
    assert db.session.scalar(sa.select(sa.func.count(Employee.id))) == 5


# --- adding and editing --------------------------------------------------------------------------


def test_hr_adds_an_employee_with_a_manager(login_as, client, staff):
    login_as("hr_officer")

    response = client.post("/employees/new", data=employee_form(
        number="1005", department_id=str(staff["health"].id), manager_number="1001",
        email="n.dlamini2@wc.gov.za", language="xhosa"))

    assert response.status_code == 302
    added = db.session.scalar(sa.select(Employee).where(Employee.number == "1005"))
    assert response.headers["Location"] == f"/employees/{added.id}"
    assert (added.manager.full_name, added.language, added.department.code) == ("Unathi Jonas", "isiXhosa", "DOH")
    assert only_entry("create", "employee", added.id)[1]["manager_id"] == [None, staff["lead"].id]


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"number": ""}, "number", "Give the employee number (or PERSAL number), like 21034567."),
    ({"number": "1002"}, "number", "Employee number 1002 is already Nomvula Dlamini's."),
    ({"email": "nomvula.dlamini@WC.gov.za"}, "email", "is already the e-mail of Nomvula Dlamini (1002)"),
    ({"email": "not an address"}, "email", "“not an address” is not a valid e-mail address"),
    ({"manager_number": "7777"}, "manager_number", "No employee has the number 7777"),
    ({"manager_number": "1004"}, "manager_number", "Zanele Cele (1004) has left"),
    ({"status": "fired"}, "status", "Not a valid choice"),
])
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_added(login_as, client, staff, changes, field, message):
    login_as("hr_officer")

    response = client.post("/employees/new", data=employee_form(**{"number": "1005", **changes}))

    assert response.status_code == 422
    assert message in error_next_to(response, f"{field}")
    assert db.session.scalar(sa.select(sa.func.count(Employee.id))) == 5
    assert len(audit_entries("create", "employee")) == 5  # the fixture's only


def test_editing_shows_the_current_values_logs_the_view_and_saves(login_as, client, staff):
    login_as("admin")
    nurse = staff["nurse"]

    form = client.get(f"/employees/{nurse.id}/edit").get_data(as_text=True)

    assert 'value="1001"' in form and 'value="nomvula.dlamini@wc.gov.za"' in form
    assert len(audit_entries("view", "employee", nurse.id)) == 1
    response = client.post(f"/employees/{nurse.id}/edit", data=employee_form(
        number="1002", full_name="Nomvula Dlamini", department_id=str(staff["health"].id), manager_number="1001",
        email="nomvula.dlamini@wc.gov.za", phone="082 555 0123", status="suspended", version=str(nurse.version)))

    assert response.status_code == 302 and reload(nurse).status == "suspended"
    assert only_entry("update", "employee", nurse.id)[1] == {"language": ["", "isiZulu"],
                                                             "status": ["active", "suspended"]}


def test_a_manager_in_the_employees_own_reporting_line_is_refused(login_as, client, staff):
    login_as("hr_officer")
    lead = staff["lead"]

    response = client.post(f"/employees/{lead.id}/edit", data=employee_form(
        number="1001", full_name="Unathi Jonas", manager_number="1002", email="unathi.jonas@wc.gov.za",
        version=str(lead.version)))

    assert response.status_code == 422
    assert "Nomvula Dlamini (1002) reports to Unathi Jonas" in error_next_to(response, "manager_number")
    assert reload(lead).manager_id is None


def test_a_stale_edit_is_refused_with_a_reason(login_as, client, staff):
    login_as("hr_officer")
    nurse = staff["nurse"]

    response = client.post(f"/employees/{nurse.id}/edit", data=employee_form(number="1002", version="0"))

    assert response.status_code == 302 and response.headers["Location"] == f"/employees/{nurse.id}/edit"
    assert reload(nurse).full_name == "Nomvula Dlamini" and audit_entries("update", "employee") == []


# --- deleting ------------------------------------------------------------------------------------


def test_deleting_a_record_nothing_refers_to(login_as, client, staff):
    login_as("hr_officer")
    accountant = staff["accountant"]

    assert "The record leaves the register" in text_of(client.get(f"/employees/{accountant.id}/delete"))
    response = client.post(f"/employees/{accountant.id}/delete", data={"version": str(accountant.version)})

    assert response.status_code == 302 and response.headers["Location"] == "/employees"
    assert db.session.get(Employee, accountant.id) is None
    assert only_entry("delete", "employee", accountant.id)[0].summary == "Deleted employee Anesh Naidoo (2001)"


def test_deleting_someone_others_refer_to_is_refused_with_the_reason(login_as, client, staff):
    login_as("admin")
    lead = staff["lead"]
    acknowledge(lead)

    page = text_of(client.get(f"/employees/{lead.id}/delete"))
    response = client.post(f"/employees/{lead.id}/delete", data={"version": str(lead.version)})

    assert "cannot be deleted: 3 direct reports and 1 policy acknowledgement refer to them" in page
    assert "Delete" not in [button.strip() for button in re.findall(r"<button[^>]*>([^<]*)</button>", page)]
    assert response.status_code == 422
    assert "Set their status to Left instead" in text_of(response)
    assert reload(lead) is not None and audit_entries("delete", "employee") == []
