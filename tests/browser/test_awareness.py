"""Awareness and training in a browser: a security officer adds a campaign for one department's
clinicians, records an employee's attendance by number, and sees the campaign's rate, the list, the
rates by department and the employee's training record. axe-core runs on each page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.test_accessibility import check_page

pytestmark = pytest.mark.browser


def _employee(live_server) -> dict:
    """Pieter Manager's employee record (DOH in the demo), and how many share his position there."""
    from app.auth.services import find_user_by_email
    from app.common.timeutil import local_today
    from app.employees.models import EMPLOYED, Employee
    from app.employees.services import employee_for_user
    from app.extensions import db

    with live_server.app.app_context():
        employee = employee_for_user(find_user_by_email("manager@example.org"))
        peers = db.session.scalar(sa.select(sa.func.count()).select_from(Employee).where(
            Employee.department_id == employee.department_id, Employee.position == employee.position,
            Employee.status.in_(sorted(EMPLOYED))))
        return {"id": employee.id, "number": employee.number, "name": employee.full_name,
                "position": employee.position, "department": employee.department.code, "peers": peers,
                "today": local_today()}


def test_an_officer_adds_a_campaign_records_an_attendance_and_sees_the_rate(page, live_server, sign_in, artifacts):
    person = _employee(live_server)
    today = person["today"]
    sign_in("officer")
    page.goto(live_server("/awareness"))
    check_page(page, artifacts, "awareness-list")
    page.get_by_role("link", name="New campaign").click()

    page.get_by_role("button", name="Add campaign").click()  # nothing filled in
    expect(page.get_by_role("alert")).to_contain_text("nothing was saved")
    check_page(page, artifacts, "awareness-campaign-errors")

    page.get_by_label("Topic").fill("Clean desk: lock your screen when you leave it")
    page.get_by_label("Channel").select_option(label="Webinar")
    page.get_by_label("Starts on").fill((today - timedelta(days=2)).isoformat())
    page.get_by_label("Ends on").fill((today + timedelta(days=20)).isoformat())
    page.get_by_label(re.compile(f"^{re.escape(person['department'])} — ")).check()
    page.get_by_label("Roles (positions, one a line; empty: every position)").fill(person["position"].upper())
    page.get_by_role("button", name="Add campaign").click()
    expect(page.locator(".flash-messages")).to_contain_text("Added campaign AW-")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Clean desk: lock your screen")
    completion = page.locator("dt:has-text('Completion') + dd")
    expect(completion).to_contain_text(f"0 of {person['peers']}")

    form = page.get_by_role("form", name="Record a completion or attendance")
    form.get_by_label("Employee number").fill(person["number"])
    form.get_by_label("Outcome").select_option(label="Attended")
    form.get_by_label("Completed or attended on").fill(today.isoformat())
    form.get_by_role("button", name="Record", exact=True).click()
    expect(page.locator(".flash-messages")).to_contain_text(f"Recorded for {person['name']}")
    expect(completion).to_contain_text(f"1 of {person['peers']}")
    records = page.get_by_role("region", name="Training records")
    expect(records).to_contain_text(person["name"])
    expect(records).to_contain_text("Attended")
    check_page(page, artifacts, "awareness-campaign-recorded")

    page.goto(live_server("/awareness/rates"))
    expect(page.get_by_role("img", name=re.compile("Awareness completion rate by month"))).to_be_visible()
    check_page(page, artifacts, "awareness-rates-page")

    records = page.goto(live_server(f"/awareness/people/{person['id']}"))
    assert records.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Training record of {person['name']}")
    expect(page.get_by_role("region", name="Campaigns of this person")).to_contain_text(
        "Clean desk: lock your screen")
    check_page(page, artifacts, "awareness-person-page")
