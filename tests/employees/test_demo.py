"""The demo employee register: about 300 people in the provincial departments, with line managers,
a few gone or suspended, the province's languages, and the demo accounts' own records."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from app.admin.services import find_department_by_code
from app.auth.services import find_user_by_email
from app.core.demo import DEMO_ACCOUNTS, DEPARTMENTS
from app.employees import services
from app.employees.demo import generate, seed_demo_employees
from app.employees.models import Employee
from app.extensions import db
from tests import factories
from tests.pages import only_entry


def register() -> list[Employee]:
    return list(db.session.scalars(sa.select(Employee)))


def seed_departments_and_accounts() -> None:
    for code, name in DEPARTMENTS:
        factories.make_department(code, name)
    for account in DEMO_ACCOUNTS:
        department = find_department_by_code(account.department_code) if account.department_code else None
        factories.make_user(account.role.value, email=account.email, full_name=account.full_name,
                            department=department)


def test_the_demo_register_spans_the_departments_with_managers_and_the_provinces_languages(app):
    seed_departments_and_accounts()

    added = seed_demo_employees()

    staff = register()
    assert added == [f"Employees: {len(staff)} across 12 departments, 4 linked to demo accounts"]
    assert 280 <= len(staff) <= 320
    assert {employee.department.code for employee in staff} == {code for code, _ in DEPARTMENTS}
    statuses = Counter(employee.status for employee in staff)
    assert 0 < statuses["left"] < 25 and 0 < statuses["suspended"] < 10
    languages = Counter(employee.language for employee in staff)
    assert {"English", "Afrikaans", "isiXhosa", "isiZulu", "Sesotho"} <= set(languages)
    assert languages["isiXhosa"] > 40 and languages["Afrikaans"] > 40
    positions = {employee.position for employee in staff}
    assert {"Professional Nurse", "ICT Technician", "Finance Officer", "School Administration Clerk",
            "Social Worker"} <= positions
    # Line managers within each department: every manager works in the department of the people they lead.
    assert all(employee.manager.department_id == employee.department_id for employee in staff if employee.manager)
    assert sum(employee.manager is None for employee in staff) == len(DEPARTMENTS)  # the directors
    assert only_entry("import", "employee")[0].summary == (
        f"Loaded the demo employee register: {len(staff)} employees, 4 linked to demo accounts")


def test_every_demo_employee_keeps_the_registers_rules(app):
    seed_departments_and_accounts()
    seed_demo_employees()

    lookups = services.DatabaseLookups()
    for employee in register():
        assert services.check_employee(services.input_of(employee), employee, lookups) == [], employee
        assert services.stored_values(services.input_of(employee)) == {
            name: getattr(employee, name) for name in services.stored_values(services.input_of(employee))}


def test_the_demo_accounts_that_are_people_have_their_records_and_the_manager_his_team(app):
    seed_departments_and_accounts()
    seed_demo_employees()

    pieter = services.employee_for_user(find_user_by_email("manager@example.org"))
    assert (pieter.full_name, pieter.department.code, pieter.email) == ("Pieter Manager", "DOH",
                                                                        "manager@example.org")
    assert len(services.direct_reports(pieter, find_user_by_email("manager@example.org"))[0]) >= 5
    for email in ("officer@example.org", "owner@example.org", "hr@example.org"):
        assert services.employee_for_user(find_user_by_email(email)).department.code == "DOTP"
    for email in ("admin@example.org", "auditor@example.org"):  # no department: not employees of one
        assert services.employee_for_user(find_user_by_email(email)) is None
    manager = find_user_by_email("manager@example.org")
    visible = list(db.session.scalars(services.visible_employees(manager)))
    assert len(visible) > 40 and {employee.department.code for employee in visible} == {"DOH"}


def test_the_demo_is_the_same_every_time_and_seeding_again_adds_nothing(app):
    seed_departments_and_accounts()
    assert [employee.number for employee in generate()] == [employee.number for employee in generate()]
    seed_demo_employees()
    count = len(register())

    assert seed_demo_employees() == []
    assert len(register()) == count


def test_seeding_adds_only_the_missing_employees(app):
    seed_departments_and_accounts()
    seed_demo_employees()
    pieter = services.employee_for_user(find_user_by_email("manager@example.org"))
    team = [report.number for report in services.direct_reports(pieter, find_user_by_email("admin@example.org"))[0]]
    clerk = services.find_by_number(team[0])
    services.delete_employee(clerk, expected_version=clerk.version, actor=None)

    assert seed_demo_employees() == ["Employees: 1 across 1 department, 0 linked to demo accounts"]
    assert services.find_by_number(team[0]).manager == pieter
