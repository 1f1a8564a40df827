"""Importing the employee register: columns to employees with the forms' rules, all or nothing,
update by employee number, managers anywhere in the file, account links, formulas and size."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.audit.services import verify_chain
from app.employees import importing, services
from app.employees.models import Employee
from app.extensions import db
from tests import factories
from tests.pages import audit_entries, only_entry
from tests.tables import csv_bytes, xlsx_bytes

HEADER = ["Employee number", "Name", "Department", "Position", "Manager", "E-mail", "Phone", "Language", "Status"]


def csv_file(rows: list[list], header: list[str] = HEADER) -> bytes:
    return csv_bytes(header, rows)


@pytest.fixture
def hr(app):
    return factories.make_user("hr_officer", full_name="Naledi Mokoena")


@pytest.fixture
def health(app):
    return factories.make_department("DOH", "Department of Health and Wellness")


def run(data: bytes, actor, *, dry_run=False, name="staff.csv", **kwargs):
    return importing.import_employees(name, data, actor=actor, dry_run=dry_run, **kwargs)


def problems(report) -> list[str]:
    return [str(problem) for problem in report.problems]


def by_number(number: str) -> Employee | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Employee).where(Employee.number == number))


def employee_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Employee.id)))


TEAM = [
    # the clerk comes before her manager, who comes before his: any order
    ["21000003", "Zanele Cele", "DOH", "Data Capturer", "21000002", "zanele.cele@westerncape.gov.za",
     "082 555 0123", "zulu", "Active"],
    ["21000002", "Pieter Manager", "Department of Health and Wellness", "Deputy Director", "21000001",
     "pieter@westerncape.gov.za", "", "Afrikaans", ""],
    ["21000001", "Unathi Jonas", "doh", "Director: Health Information", "", "", "+27 21 483 4000", "isiXhosa",
     "active"],
]


def test_a_team_imports_with_managers_named_anywhere_in_the_file(hr, health):
    report = run(csv_file(TEAM), hr)

    assert report.ok, problems(report)
    assert report.summary == "3 created, 0 updated, 0 unchanged"
    clerk, deputy, director = by_number("21000003"), by_number("21000002"), by_number("21000001")
    assert clerk.manager == deputy and deputy.manager == director and director.manager is None
    assert {employee.department.code for employee in (clerk, deputy, director)} == {"DOH"}
    assert (clerk.language, clerk.status, deputy.status) == ("isiZulu", "active", "active")
    entries = audit_entries("create", "employee")
    assert [entry.summary for entry in entries] == ["Added employee Zanele Cele (21000003)",
                                                    "Added employee Pieter Manager (21000002)",
                                                    "Added employee Unathi Jonas (21000001)"]
    assert only_entry("create", "employee", clerk.id)[1]["manager_id"] == [None, deputy.id]  # the real id
    assert only_entry("import", "employee")[0].summary.startswith("Imported staff.csv (3 created")
    assert verify_chain().ok


def test_importing_the_same_file_again_changes_nothing(hr, health):
    run(csv_file(TEAM), hr)

    again = run(csv_file(TEAM), hr)

    assert again.ok and again.summary == "0 created, 0 updated, 3 unchanged"
    assert len(audit_entries("update", "employee")) == 0


def test_a_row_whose_number_exists_updates_that_employee_and_missing_columns_keep_their_values(hr, health):
    run(csv_file(TEAM), hr)
    clerk = by_number("21000003")
    clerk_id, manager_id, version = clerk.id, clerk.manager_id, clerk.version

    report = run(csv_file([["21000003", "Zanele Cele-Mthembu", "Left"]], ["Employee number", "Name", "Status"]), hr)

    assert report.ok and report.summary == "0 created, 1 updated, 0 unchanged"
    assert report.outcomes[0].changed == ["Name", "Status"]
    updated = by_number("21000003")
    assert (updated.full_name, updated.status, updated.phone, updated.manager_id) == (
        "Zanele Cele-Mthembu", "left", "082 555 0123", manager_id)
    assert updated.version == version + 1
    assert only_entry("update", "employee", clerk_id)[1] == {
        "full_name": ["Zanele Cele", "Zanele Cele-Mthembu"], "status": ["active", "left"]}


def test_an_empty_cell_clears_a_value_but_keeps_the_status(hr, health):
    run(csv_file(TEAM), hr)

    run(csv_file([["21000003", "Zanele Cele", "", "", "", "", "", "", ""]]), hr)

    clerk = by_number("21000003")
    assert (clerk.department_id, clerk.manager_id, clerk.email, clerk.phone, clerk.status) == (
        None, None, None, "", "active")


def test_a_dry_run_checks_everything_and_writes_nothing(hr, health):
    report = run(csv_file(TEAM), hr, dry_run=True)

    assert report.ok and report.summary == "3 created, 0 updated, 0 unchanged"
    assert employee_count() == 0 and audit_entries(entity_type="employee") == []


def test_all_or_nothing_every_problem_with_its_row_and_column(hr, health):
    factories.make_employee("Johan Botha", number="21000099", email="johan.botha@westerncape.gov.za")
    rows = [
        TEAM[2],
        ["21000004", "", "DOH", "", "21000001", "", "", "", ""],
        ["21000005", "Lerato Moloi", "DOX", "", "21009999", "lerato at health", "call me", "", "Fired"],
        ["21000006", "Thabo Molefe", "", "", "", "JOHAN.BOTHA@westerncape.gov.za", "", "", ""],
        ["21000001", "Unathi Jonas again", "", "", "", "", "", "", ""],
        ["x" * 33, "Long Number", "", "", "", "", "", "", ""],
    ]

    report = run(csv_file(rows), hr)

    assert not report.ok
    assert problems(report) == [
        "row 3, column “Name”: Give the employee's full name, like Nomvula Dlamini.",
        "row 4, column “Department”: No department has the code or name “DOX”. Add it under Administration → "
        "Departments, or leave the cell empty.",
        "row 4, column “Status”: “Fired” is not an employment status Khusela knows; use Active, Suspended or Left.",
        "row 4, column “Manager”: No employee has the number “21009999”, in Khusela or in this file: give the "
        "manager's employee number.",
        "row 4, column “Phone”: “call me” is not a phone number: use digits, with spaces, + ( ) and - if you like, "
        "such as +27 21 483 4000 or 082 555 0123.",
        "row 4, column “E-mail”: “lerato at health” is not a valid e-mail address; write it like "
        "name@westerncape.gov.za, or leave it empty.",
        "row 5, column “E-mail”: johan.botha@westerncape.gov.za is already the e-mail of Johan Botha (21000099); "
        "each employee's e-mail must be their own.",
        "row 6, column “Employee number”: Employee number 21000001 is also in row 2; an employee can be in the file "
        "once.",
        "row 7, column “Employee number”: Use at most 32 characters for the employee number (33 given).",
    ]
    assert employee_count() == 1 and audit_entries("import", "employee") == []


def test_a_loop_of_managers_within_the_file_is_refused(hr):
    rows = [["1", "Unathi Jonas", "", "", "3", "", "", "", ""],
            ["2", "Pieter Manager", "", "", "1", "", "", "", ""],
            ["3", "Zanele Cele", "", "", "2", "", "", "", ""],
            ["4", "Thabo Molefe", "", "", "4", "", "", "", ""]]

    report = run(csv_file(rows), hr)

    assert "row 2, column “Manager”: Zanele Cele (3) reports to Unathi Jonas: Zanele Cele (3) → Pieter Manager (2) → " \
           "Unathi Jonas. Choose a manager outside their own reporting line." in problems(report)
    assert "row 5, column “Manager”: An employee cannot be their own manager." in problems(report)
    assert employee_count() == 0


def test_a_loop_through_the_register_is_refused_too(hr):
    director = factories.make_employee("Unathi Jonas", number="1")
    factories.make_employee("Pieter Manager", number="2", manager=director)

    report = run(csv_file([["1", "Unathi Jonas", "", "", "2", "", "", "", ""]]), hr)

    assert problems(report) == ["row 2, column “Manager”: Pieter Manager (2) reports to Unathi Jonas: Pieter Manager "
                                "(2) → Unathi Jonas. Choose a manager outside their own reporting line."]


def test_an_existing_employee_may_report_to_a_manager_the_file_adds(hr):
    clerk = factories.make_employee("Zanele Cele", number="3")

    report = run(csv_file([["3", "Zanele Cele", "", "", "9", "", "", "", ""],
                           ["9", "Unathi Jonas", "", "", "", "", "", "", ""]]), hr)

    assert report.ok, problems(report)
    manager = by_number("9")
    assert by_number("3").manager_id == manager.id
    assert only_entry("update", "employee", clerk.id)[1] == {"manager_id": [None, manager.id]}


def test_e_mails_link_accounts_even_when_two_employees_swap_them(hr):
    first = factories.make_user("manager", email="first@westerncape.gov.za")
    second = factories.make_user("security_officer", email="second@westerncape.gov.za")
    factories.make_employee("Ayanda Gqirana", number="1", email="first@westerncape.gov.za")
    factories.make_employee("Lwazi Ntshona", number="2", email="second@westerncape.gov.za")
    assert (by_number("1").user_id, by_number("2").user_id) == (first.id, second.id)

    report = run(csv_file([["1", "Ayanda Gqirana", "", "", "", "Second@westerncape.gov.za", "", "", ""],
                           ["2", "Lwazi Ntshona", "", "", "", "first@westerncape.gov.za", "", "", ""],
                           ["3", "Andile Bam", "", "", "", "", "", "", ""]]), hr)

    assert report.ok, problems(report)
    assert report.outcomes[0].changed == ["E-mail", "Khusela account"]
    assert (by_number("1").user_id, by_number("2").user_id, by_number("3").user_id) == (second.id, first.id, None)
    assert by_number("1").email == "second@westerncape.gov.za"


def test_an_account_made_since_is_linked_by_importing_again(hr, health):
    run(csv_file(TEAM), hr)
    account = factories.make_user("manager", email="pieter@westerncape.gov.za")

    report = run(csv_file(TEAM), hr)

    assert report.summary == "0 created, 1 updated, 2 unchanged"
    assert services.employee_for_user(account).number == "21000002"


def test_headers_by_other_names_and_words_hr_systems_use(hr, health):
    header = ["PERSAL number", "Full name", "Dept", "Job title", "Reports to", "Email address", "Cellphone",
              "Home language", "Employment status"]
    report = run(csv_file([["21000001", "Unathi Jonas", "DOH", "Director", "", "", "", "Xhosa", "In service"],
                           ["21000002", "Zanele Cele", "DOH", "Clerk", "21000001", "", "", "", "On suspension"],
                           ["21000003", "Riaan Nel", "DOH", "Clerk", "21000001", "", "", "", "Resigned"]],
                          header), hr)

    assert report.ok, problems(report)
    assert (by_number("21000001").status, by_number("21000001").language) == ("active", "isiXhosa")
    assert (by_number("21000002").status, by_number("21000003").status) == ("suspended", "left")


def test_a_number_cell_of_a_workbook_is_read_as_the_number(hr):
    data = xlsx_bytes(HEADER, [[21000001, "Unathi Jonas", None, None, None, None, None, None, None],
                               [21000002.0, "Zanele Cele", None, None, 21000001, None, None, None, None]], "Employees")

    report = run(data, hr, name="staff.xlsx")

    assert report.ok, problems(report)
    assert by_number("21000002").manager.number == "21000001"


def test_the_registers_export_imports_again_as_it_is(login_as, client, hr, health):
    run(csv_file(TEAM), hr)
    login_as("hr_officer")
    export = client.get("/employees?export=csv").get_data()

    report = run(export, hr, name="khusela-employees.csv")

    assert report.ok, problems(report)
    assert report.summary == "0 created, 0 updated, 3 unchanged"


def test_formulas_unknown_columns_and_too_many_rows_are_refused(hr):
    formula = run(csv_file([["1", "=HYPERLINK(\"http://x\")", "", "", "", "", "", "", ""]]), hr)
    unknown = run(csv_file([["1", "Unathi Jonas", "9 000"]], ["Employee number", "Name", "Salary"]), hr)
    too_many = run(csv_file(TEAM), hr, max_rows=2)

    assert problems(formula) == ["row 2, column “Name”: Formulas are not imported: replace the formula with the "
                                 "value it should give."]
    assert "Khusela has no column called “Salary”" in problems(unknown)[0]
    assert problems(too_many) == ["The file has more than 2 rows of data; Khusela imports at most 2 at a time. "
                                  "Split it into smaller files."]
    assert employee_count() == 0


def test_someone_saving_an_employee_during_the_import_makes_it_write_nothing(hr, monkeypatch):
    clerk = factories.make_employee("Zanele Cele", number="3")
    load = importing._Lookups.load

    def load_then_someone_saves():
        lookups = load()
        db.session.execute(sa.update(Employee).where(Employee.id == clerk.id).values(version=Employee.version + 1))
        return lookups

    monkeypatch.setattr(importing._Lookups, "load", staticmethod(load_then_someone_saves))
    report = run(csv_file([["3", "Zanele Cele-Mthembu", "", "", "", "", "", "", ""],
                           ["4", "Thabo Molefe", "", "", "", "", "", "", ""]]), hr)

    assert "Someone saved some of these employees" in problems(report)[0]
    assert by_number("3").full_name == "Zanele Cele" and by_number("4") is None


def test_the_templates(app, health):
    assert importing.template_csv().decode("utf-8-sig").startswith("Employee number,Name,Department,Position,Manager")
    workbook = load_workbook(io.BytesIO(importing.template_xlsx()))
    assert workbook.sheetnames == ["Employees", "Lists", "Columns"]
    assert [cell.value for cell in workbook["Employees"][1]] == HEADER
    assert [row[0] for row in workbook["Lists"].iter_rows(min_row=1, max_col=3, values_only=True)][:2] == [
        "Department", "DOH"]
    assert workbook["Employees"].column_dimensions["A"].number_format == "@"
