"""Internal audit in a browser: the security officer plans an audit, its lead auditor starts it, fills
the checklist and issues the report, and the nonconformity found appears in the register; each state
passes axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.common.timeutil import local_today
from app.nonconformities import services as nonconformity_services
from tests.browser.test_accessibility import check_page

pytestmark = pytest.mark.browser


def test_plan_fill_the_checklist_issue_the_report_and_the_nonconformity_is_raised(page, live_server, sign_in,
                                                                                   artifacts):
    with live_server.app.app_context():
        today = local_today().isoformat()
    sign_in("officer")
    page.goto(live_server("/internal-audits/new"))
    page.get_by_label("Title").fill("Internal audit process")
    page.get_by_label("Planned start").fill(today)
    page.get_by_label("Planned end").fill(today)
    page.get_by_label("Lead auditor").select_option(label="Pieter Manager (Manager)")
    page.get_by_label("9.2 Internal audit").check()
    page.get_by_label("Find a control by number or words").fill("5.15")
    page.get_by_label("A.5.15 Access control").check()
    check_page(page, artifacts, "internal-audit-planning")
    page.get_by_role("button", name="Plan the audit").click()
    expect(page.locator(".flash-messages")).to_contain_text("with 2 checklist lines")
    reference = page.get_by_role("heading", level=1).locator(".risk-reference").inner_text()

    sign_in("manager")
    page.goto(live_server("/internal-audits?q=" + reference))
    page.get_by_role("link", name=reference).click()
    page.get_by_role("button", name="Start the audit").click()
    expect(page.locator(".flash-messages")).to_contain_text("the checklist is open")
    page.get_by_role("link", name="9.2 Internal audit").click()
    page.get_by_label("Result").select_option("minor_nc")
    page.get_by_role("button", name="Save the line").click()
    expect(page.get_by_role("alert")).to_contain_text("Describe what was found")
    page.get_by_label("Notes").fill("The programme does not list when each applicable control is audited.")
    page.get_by_role("button", name="Save the line").click()
    page.get_by_role("link", name="A.5.15 Access control").click()
    # Evidence of another control: found by the search, then ticked like the control's own.
    page.get_by_label("Title or description").fill("restore test, last quarter")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_contain_text("1 other item matches “restore test, last quarter”")
    page.get_by_label("Backup restore test, last quarter").check()
    check_page(page, artifacts, "internal-audit-line-evidence")
    page.get_by_label("Result").select_option("conforming")
    page.get_by_role("button", name="Save the line").click()
    expect(page.get_by_role("row").filter(has_text="A.5.15 Access control")).to_contain_text(
        "Backup restore test, last quarter")
    check_page(page, artifacts, "internal-audit-in-progress")

    page.get_by_role("link", name="Report and issue").click()
    page.get_by_label("Summary").fill("The audit process and access control were examined.")
    page.get_by_label("Conclusion").fill("Conforms, but for the programme's coverage of the controls.")
    check_page(page, artifacts, "internal-audit-issue")
    with live_server.app.app_context():  # the number the register hands out next
        next_reference = nonconformity_services.next_reference()
    page.get_by_role("button", name="Issue the report").click()
    expect(page.locator(".flash-messages")).to_contain_text("the audit is frozen")
    row = page.get_by_role("row").filter(has_text="9.2 Internal audit")
    expect(row).to_contain_text("Minor nonconformity")
    expect(row.get_by_role("link", name=next_reference)).to_be_visible()
    expect(page.get_by_role("link", name="Audit report (PDF)")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Audit report (PDF)").click()
    assert download.value.suggested_filename == f"{reference}-internal-audit-report.pdf"
    check_page(page, artifacts, "internal-audit-reported")
