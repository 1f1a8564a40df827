"""Case journey in a browser: a manager logs a breach by one of his staff, HR decides the
recommended action, records the written warning and the employee's signature, prints the letter and
closes the case; an auditor then sees the same case under a pseudonym. Each state passes axe."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.common.timeutil import local_today
from tests.browser.test_accessibility import check_page

pytestmark = pytest.mark.browser


def _staff_member(live_server) -> tuple[str, str]:
    """A DOH employee without an account or a case yet: (number, name)."""
    from app.auth.models import Department
    from app.employees.models import Employee
    from app.extensions import db
    from app.policies.cases.models import PolicyCase

    with live_server.app.app_context():
        with_cases = sa.select(PolicyCase.employee_id)
        employee = db.session.scalars(
            sa.select(Employee).join(Department, Employee.department_id == Department.id)
            .where(Department.code == "DOH", Employee.status == "active", Employee.user_id.is_(None),
                   Employee.id.not_in(with_cases)).order_by(Employee.number)).first()
        return employee.number, employee.full_name


def test_manager_logs_a_breach_and_hr_warns_and_closes(page, live_server, sign_in, artifacts):
    number, name = _staff_member(live_server)
    with live_server.app.app_context():  # the server's day (Africa/Johannesburg), not this machine's
        today = local_today().isoformat()
    sign_in("manager")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases").click()
    page.get_by_role("link", name="Open a case").click()
    page.get_by_label("Employee number").fill(number)
    page.get_by_label("Policy clause breached").select_option(label="2.2 Sharing passwords")
    page.get_by_label("Date of the incident").fill(today)
    page.get_by_label("What happened").fill("Gave his password to a locum so she could print prescriptions.")
    page.get_by_label("Severity").select_option(label="Medium")
    page.get_by_label("Security risk").select_option(label="Medium")
    page.get_by_role("button", name="Open the case").click()
    expect(page.locator(".flash-messages")).to_contain_text("recommends: written warning in the personnel file")
    expect(page.get_by_text(name).first).to_be_visible()
    check_page(page, artifacts, "case-opened")
    case_url = page.url

    page.context.clear_cookies()  # signed out
    sign_in("hr")
    page.goto(case_url)
    page.get_by_role("button", name="Record the decision").click()
    page.get_by_label("Given on").fill(today)
    page.get_by_label("Wording").fill("You gave your password to another person (clause 2.2). Never do so again.")
    page.get_by_role("button", name="Record the warning").click()
    expect(page.locator(".flash-messages")).to_contain_text("Written warning recorded")
    page.get_by_label("Signed on").fill(today)
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.get_by_text(re.compile("Signed by the employee on"))).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Written warning letter (PDF)").click()
    assert download.value.suggested_filename.endswith("-written-warning.pdf")
    page.get_by_role("textbox", name="Outcome").fill("Written warning given and signed.")
    page.get_by_role("button", name="Close the case").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Closed")
    check_page(page, artifacts, "case-closed")

    page.context.clear_cookies()
    sign_in("auditor")
    page.goto(case_url)
    expect(page.get_by_text(re.compile(r"^Employee [A-Z2-7]{8}$"))).to_be_visible()
    expect(page.get_by_text(name)).to_have_count(0)
    check_page(page, artifacts, "case-as-auditor")


def test_manager_opens_a_case_from_the_dashboard_finding_the_employee_by_name(page, live_server, sign_in, artifacts):
    number, name = _staff_member(live_server)
    surname = name.split()[-1]
    with live_server.app.app_context():
        today = local_today().isoformat()
    sign_in("manager")
    page.get_by_role("link", name="Open a case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open a policy-violation case")

    # With JavaScript: typing part of the name in the number field offers the matching staff.
    page.wait_for_load_state("load")  # the search script is at the end of the page
    page.get_by_label("Employee number").fill(surname[:4])
    # The matches come by fetch after a pause in typing: allow for a busy test machine.
    expect(page.locator(f'#employee-matches option[value="{number}"]')).to_have_count(1, timeout=15_000)
    expect(page.locator("#employee-matches-status")).to_contain_text("matching employee")

    # The search itself (which works without JavaScript): a list of the department's staff to choose from.
    page.get_by_label("Name or number").fill(name)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status").filter(has_text="match")).to_be_visible()
    check_page(page, artifacts, "case-new-search")
    page.get_by_role("link", name=f"Open a case for {name} ({number})").click()
    expect(page.get_by_label("Employee number")).to_have_value(number)

    page.get_by_label("Policy clause breached").select_option(label="2.2 Sharing passwords")
    page.get_by_label("Date of the incident").fill(today)
    page.get_by_label("What happened").fill("Left a signed-in session open at the nurses' station.")
    page.get_by_label("Severity").select_option(label="Low")
    page.get_by_label("Security risk").select_option(label="Low")
    page.get_by_role("button", name="Open the case").click()
    expect(page.locator(".flash-messages")).to_contain_text("Opened case CASE-")
    expect(page.get_by_text(name).first).to_be_visible()


def test_manager_naming_another_departments_employee_keeps_the_form(page, live_server, sign_in, artifacts):
    from app.auth.models import Department
    from app.employees.models import Employee
    from app.extensions import db

    with live_server.app.app_context():
        other = db.session.scalars(sa.select(Employee).join(Department, Employee.department_id == Department.id)
                                   .where(Department.code != "DOH", Employee.status == "active")
                                   .order_by(Employee.number)).first().number
        today = local_today().isoformat()
    sign_in("manager")
    page.goto(live_server("/cases/new"))
    page.get_by_label("Employee number").fill(other)
    page.get_by_label("Policy clause breached").select_option(label="2.2 Sharing passwords")
    page.get_by_label("Date of the incident").fill(today)
    page.get_by_label("What happened").fill("Kept the form.")
    page.get_by_label("Severity").select_option(label="Low")
    page.get_by_label("Security risk").select_option(label="Low")
    page.get_by_role("button", name="Open the case").click()
    expect(page.locator("#employee_number-error")).to_have_text(
        f"Employee {other} is not in your department; ask HR to open this case.")
    expect(page.get_by_label("What happened")).to_have_value("Kept the form.")
    check_page(page, artifacts, "case-new-other-department")


def test_hr_marks_a_case_and_an_auditor_reads_it_withheld(page, live_server, sign_in, artifacts):
    from app.extensions import db
    from app.policies.cases.models import PolicyCase

    with live_server.app.app_context():
        case = db.session.scalars(sa.select(PolicyCase).where(PolicyCase.status == "open")
                                  .order_by(PolicyCase.id)).first()
        case_id, description = case.id, case.description
    sign_in("hr")
    page.goto(live_server(f"/cases/{case_id}"))
    page.get_by_label("Classification of the case file").select_option("SECRET")
    page.get_by_label("Health").check()
    page.get_by_role("button", name="Save the marking").click()
    expect(page.locator(".flash-messages")).to_contain_text("is marked SECRET")
    expect(page.get_by_text("Special personal information: Health")).to_be_visible()

    page.context.clear_cookies()
    sign_in("auditor")
    page.goto(live_server(f"/cases/{case_id}"))
    expect(page.get_by_text("Case file: SECRET")).to_be_visible()
    expect(page.get_by_text("[withheld: special personal information]").first).to_be_visible()
    expect(page.get_by_text(description)).to_have_count(0)
    check_page(page, artifacts, "case-special-as-auditor")
