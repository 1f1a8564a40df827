"""The employee register's rules against a fresh database: what a record needs, managers without
loops, e-mails and the account link, who sees whom, and deleting only what nothing refers to."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import Forbidden, NotFound

from app.auth.permissions import EMPLOYEE_EDIT, EMPLOYEE_VIEW
from app.common.models import StaleEditError
from app.employees import services
from app.employees.models import Employee
from app.employees.services import EmployeeInput, EmployeeRuleError
from app.extensions import db
from app.policies.models import AcknowledgementMethod, Policy, PolicyAcknowledgement, PolicyVersion
from tests import factories
from tests.pages import audit_entries, only_entry


@pytest.fixture
def hr(app):
    return factories.make_user("hr_officer", full_name="Naledi Mokoena")


@pytest.fixture
def health(app):
    return factories.make_department("DOH", "Department of Health and Wellness")


def nurse(**changes) -> EmployeeInput:
    return replace(EmployeeInput(number="21034567", full_name="Nomvula Dlamini", position="Professional Nurse",
                                 email="Nomvula.Dlamini@WesternCape.gov.za", phone="+27 21 483 4000",
                                 language="zulu"), **changes)


def add(data: EmployeeInput, actor=None) -> Employee:
    """Create and commit, as the form's view does."""
    employee = services.create_employee(data, actor=actor)
    db.session.commit()
    return employee


def refused(data: EmployeeInput, employee: Employee | None = None) -> dict[str | None, str]:
    with pytest.raises(EmployeeRuleError) as refusal:
        if employee is None:
            add(data)
        else:
            services.update_employee(employee, data, expected_version=employee.version, actor=None)
    db.session.rollback()
    return dict(refusal.value.problems)


def employee_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Employee.id)))


# --- a record ------------------------------------------------------------------------------------


def test_an_employee_is_stored_as_given_and_audited(hr, health):
    employee = add(nurse(department_id=health.id), hr)

    assert (employee.number, employee.full_name, employee.department.code) == ("21034567", "Nomvula Dlamini", "DOH")
    assert employee.email == "nomvula.dlamini@westerncape.gov.za"  # as accounts store theirs
    assert employee.language == "isiZulu" and employee.status == "active" and employee.user_id is None
    entry, changes = only_entry("create", "employee", employee.id)
    assert entry.summary == "Added employee Nomvula Dlamini (21034567)" and entry.actor_id == hr.id
    assert changes["number"] == [None, "21034567"] and changes["phone"] == [None, "+27 21 483 4000"]


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"number": " "}, "number", "Give the employee number (or PERSAL number)"),
    ({"number": "1" * 33}, "number", "Use at most 32 characters for the employee number (33 given)"),
    ({"number": "-123"}, "number", "“-123” is not an employee number"),
    ({"full_name": ""}, "full_name", "Give the employee's full name"),
    ({"position": "x" * 201}, "position", "Use at most 200 characters."),
    ({"phone": "call reception"}, "phone", "“call reception” is not a phone number"),
    ({"email": "nomvula at health"}, "email", "“nomvula at health” is not a valid e-mail address"),
    ({"status": "fired"}, "status", "Choose the employment status: Active, Suspended, Left."),
    ({"department_id": 999_999}, "department_id", "Choose a department from the list."),
    ({"manager_id": 999_999}, "manager_id", "that employee was not found"),
])
def test_each_rule_names_the_field_and_what_to_do(app, changes, field, message):
    problems = refused(nurse(**changes))

    assert message in problems[field]
    assert employee_count() == 0 and audit_entries("create", "employee") == []


def test_an_employee_number_belongs_to_one_employee(app):
    add(nurse())

    assert refused(nurse(full_name="Someone Else", email=""))["number"] == (
        "Employee number 21034567 is already Nomvula Dlamini's.")


def test_an_e_mail_belongs_to_one_employee_in_any_case(app):
    add(nurse())

    problems = refused(nurse(number="21099999", full_name="Sipho Dlamini",
                             email="NOMVULA.dlamini@westerncape.gov.za"))

    assert problems["email"] == ("nomvula.dlamini@westerncape.gov.za is already the e-mail of Nomvula Dlamini "
                                 "(21034567); each employee's e-mail must be their own.")


def test_an_employee_keeps_their_own_number_and_e_mail_when_edited(hr):
    employee = add(nurse())

    changes = services.update_employee(employee, nurse(position="Operational Manager: Nursing"),
                                       expected_version=employee.version, actor=hr)

    assert changes == {"position": ["Professional Nurse", "Operational Manager: Nursing"]}
    assert only_entry("update", "employee", employee.id)[0].summary == "Edited employee Nomvula Dlamini (21034567)"


def test_saving_the_same_values_changes_nothing_and_records_nothing(hr):
    employee = add(nurse())
    version = employee.version

    assert services.update_employee(employee, nurse(), expected_version=version, actor=hr) == {}
    assert employee.version == version and audit_entries("update", "employee") == []


def test_a_stale_edit_is_refused_and_changes_nothing(hr):
    employee = add(nurse())
    services.update_employee(employee, nurse(position="Enrolled Nurse"), expected_version=employee.version, actor=hr)
    db.session.commit()

    with pytest.raises(StaleEditError):
        services.update_employee(employee, nurse(position="Clinical Nurse Practitioner"), expected_version=1,
                                 actor=hr)
    db.session.rollback()
    assert db.session.get(Employee, employee.id).position == "Enrolled Nurse"


@pytest.mark.parametrize(("given", "stored"), [("xhosa", "isiXhosa"), ("Northern Sotho", "Sepedi"),
                                               ("  AFRIKAANS ", "Afrikaans"), ("Portuguese", "Portuguese")])
def test_languages_are_stored_as_khusela_spells_the_official_ones(app, given, stored):
    assert add(nurse(language=given)).language == stored


# --- managers ------------------------------------------------------------------------------------


def test_an_employee_cannot_be_their_own_manager(app):
    employee = add(nurse())

    assert refused(nurse(manager_id=employee.id), employee)["manager_id"] == "An employee cannot be their own manager."


def test_a_manager_cannot_report_to_their_own_report_through_any_chain(app):
    director = factories.make_employee("Unathi Jonas", number="1001")
    deputy = factories.make_employee("Pieter Manager", number="1002", manager=director)
    clerk = factories.make_employee("Lerato Moloi", number="1003", manager=deputy)

    data = services.input_of(director)
    problems = refused(replace(data, manager_id=clerk.id), director)

    assert problems["manager_id"] == (
        "Lerato Moloi (1003) reports to Unathi Jonas: Lerato Moloi (1003) → Pieter Manager (1002) → Unathi Jonas. "
        "Choose a manager outside their own reporting line.")
    assert db.session.get(Employee, director.id).manager_id is None


def test_a_new_manager_must_still_work_here_but_one_who_left_may_stay(app):
    manager = factories.make_employee("Johan Botha", number="1001")
    clerk = factories.make_employee("Ayanda Gqirana", number="1002", manager=manager)
    gone = factories.make_employee("Riaan Nel", number="1003", status="left")
    services.update_employee(manager, replace(services.input_of(manager), status="left"),
                             expected_version=manager.version, actor=None)

    assert services.update_employee(clerk, replace(services.input_of(clerk), position="Registry Clerk"),
                                    expected_version=clerk.version, actor=None)
    assert refused(replace(services.input_of(clerk), manager_id=gone.id), clerk)["manager_id"] == (
        "Riaan Nel (1003) has left: choose a manager who still works here.")


# --- the account link ----------------------------------------------------------------------------


def test_an_employee_is_linked_to_the_account_with_their_e_mail(hr):
    account = factories.make_user("manager", email="nomvula.dlamini@westerncape.gov.za")

    employee = add(nurse(), hr)

    assert employee.user_id == account.id and services.employee_for_user(account) == employee
    assert services.employee_for_user(hr) is None
    assert only_entry("create", "employee")[1]["user_id"] == [None, account.id]


def test_the_link_follows_the_e_mail_and_saving_again_links_an_account_made_since(hr):
    employee = add(nurse(email=""), hr)
    account = factories.make_user("manager", email="nomvula.dlamini@westerncape.gov.za")

    changes = services.update_employee(employee, nurse(), expected_version=employee.version, actor=hr)

    assert employee.user_id == account.id and changes["user_id"] == [None, account.id]
    services.update_employee(employee, nurse(email="n.dlamini@westerncape.gov.za"),
                             expected_version=employee.version, actor=hr)
    assert employee.user_id is None and services.employee_for_user(account) is None


def test_an_account_whose_e_mail_changed_moves_to_the_employee_who_has_it_now(hr):
    account = factories.make_user("manager", email="old.address@westerncape.gov.za")
    before = add(nurse(email="old.address@westerncape.gov.za"))
    account.email = "nomvula.dlamini@westerncape.gov.za"  # corrected by an administrator since
    db.session.commit()

    now = add(nurse(number="21099999", full_name="Nomvula Dlamini-Zuma"), hr)

    assert now.user_id == account.id and db.session.get(Employee, before.id).user_id is None
    entry = only_entry("update", "employee", before.id)[0]
    assert "Unlinked Nomvula Dlamini (21034567)" in entry.summary


# --- who sees whom -------------------------------------------------------------------------------


@pytest.fixture
def two_departments(app):
    health = factories.make_department("DOH", "Health")
    treasury = factories.make_department("PT", "Treasury")
    return {"nurse": factories.make_employee("Nomvula Dlamini", department=health),
            "accountant": factories.make_employee("Johan Botha", department=treasury),
            "nobody's": factories.make_employee("Anesh Naidoo"), "health": health, "treasury": treasury}


def visible_names(user) -> list[str]:
    return sorted(db.session.scalars(services.visible_employees(user).with_only_columns(Employee.full_name)))


@pytest.mark.parametrize("role", ["admin", "security_officer", "hr_officer"])
def test_the_register_keepers_see_every_employee(two_departments, role):
    user = factories.make_user(role)

    assert visible_names(user) == ["Anesh Naidoo", "Johan Botha", "Nomvula Dlamini"]
    accountant = services.get_employee_or_403(user, two_departments["accountant"].id, EMPLOYEE_VIEW)
    assert accountant.full_name == "Johan Botha"


def test_a_manager_sees_the_employees_of_their_own_department_only(two_departments):
    manager = factories.make_user("manager", department=two_departments["health"])

    assert visible_names(manager) == ["Nomvula Dlamini"]
    nurse = services.get_employee_or_403(manager, two_departments["nurse"].id, EMPLOYEE_VIEW)
    assert nurse.full_name == "Nomvula Dlamini"
    with pytest.raises(Forbidden):  # seeing an employee is not editing them: the route's permission counts too
        services.get_employee_or_403(manager, nurse.id, EMPLOYEE_EDIT)
    with pytest.raises(Forbidden):
        services.get_employee_or_403(manager, two_departments["accountant"].id, EMPLOYEE_VIEW)
    with pytest.raises(Forbidden):
        services.get_employee_or_403(manager, two_departments["nobody's"].id, EMPLOYEE_VIEW)
    with pytest.raises(NotFound):
        services.get_employee_or_403(manager, 999_999, EMPLOYEE_VIEW)


@pytest.mark.parametrize("role", ["manager", "risk_owner", "auditor"])
def test_a_manager_without_a_department_and_other_roles_see_nobody(two_departments, role):
    user = factories.make_user(role)

    assert visible_names(user) == []
    with pytest.raises(Forbidden):
        services.get_employee_or_403(user, two_departments["nurse"].id, EMPLOYEE_VIEW)


def test_direct_reports_shown_are_those_the_user_may_see(two_departments):
    lead = factories.make_employee("Unathi Jonas", department=two_departments["health"])
    factories.make_employee("Thabo Molefe", department=two_departments["health"], manager=lead)
    factories.make_employee("Liezl Nel", department=two_departments["treasury"], manager=lead)
    manager = factories.make_user("manager", department=two_departments["health"])

    shown, not_shown = services.direct_reports(lead, manager)

    assert [report.full_name for report in shown] == ["Thabo Molefe"] and not_shown == 1


# --- deleting ------------------------------------------------------------------------------------


def acknowledge(employee: Employee) -> None:
    policy = Policy(code="POL-001", title="Acceptable use")
    version = PolicyVersion(policy=policy, number="1.0", state="approved")
    db.session.add_all([policy, version])
    db.session.flush()
    db.session.add(PolicyAcknowledgement(version_id=version.id, employee_id=employee.id,
                                         acknowledged_on=date(2026, 3, 1), method=AcknowledgementMethod.PAPER.value))
    db.session.commit()


def test_a_record_nothing_refers_to_can_be_deleted_and_the_audit_log_keeps_it(hr):
    employee = add(nurse())

    services.delete_employee(employee, expected_version=employee.version, actor=hr)

    assert employee_count() == 0
    entry, changes = only_entry("delete", "employee", employee.id)
    assert entry.summary == "Deleted employee Nomvula Dlamini (21034567)"
    assert changes["full_name"] == ["Nomvula Dlamini", None]


def test_an_employee_with_reports_or_acknowledgements_is_marked_left_not_deleted(hr):
    lead = add(nurse())
    factories.make_employee("Thabo Molefe", manager=lead)
    factories.make_employee("Zanele Cele", manager=lead)
    acknowledge(lead)

    assert services.references_to(lead) == ["2 direct reports", "1 policy acknowledgement"]
    with pytest.raises(EmployeeRuleError) as refusal:
        services.delete_employee(lead, expected_version=lead.version, actor=hr)
    db.session.rollback()

    assert str(refusal.value) == (
        "Nomvula Dlamini (21034567) cannot be deleted: 2 direct reports and 1 policy acknowledgement refer to them. "
        "Set their status to Left instead; the register keeps them and their history.")
    assert employee_count() == 3 and audit_entries("delete", "employee") == []


def test_viewing_personal_details_is_recorded(hr):
    employee = add(nurse())

    services.record_view(employee, actor=hr)

    entry, _ = only_entry("view", "employee", employee.id)
    assert (entry.summary, entry.actor_id) == ("Viewed the personal details of Nomvula Dlamini (21034567)", hr.id)


@pytest.mark.parametrize("address", [
    "Nomvula.Dlamini@WesternCape.gov.za", "a@b", "a..b@x.org", ".a@x.org", "a@-x.org", "a@localhost", "a@x.test",
    "user+tag@gmail.com", "o'brien@x.co.za", '"quoted"@x.org', "jösé@x.org", "a@xn--bcher-kva.de", "a@@x.org",
    "a b@x.org", "a@x..org", "x" * 65 + "@x.org", "a@" + "x" * 64 + ".org", "a@x.org.", "a@[1.2.3.4]",
])
def test_e_mails_are_judged_and_written_exactly_as_email_validator_does(address):
    from email_validator import EmailNotValidError, validate_email

    try:
        expected = validate_email(address, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        expected = None

    assert services.normalised_email(address) == expected
