"""Policy journey in a browser: a security officer writes a policy, lists its clauses from the
headings, sends it for review, records the review and approves it; each state passes axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.common.timeutil import local_today
from tests.browser.test_accessibility import check_page

pytestmark = pytest.mark.browser

TEXT = "# Clear Desk Policy\n\n## 3.1 Clear desk\nLock documents away.\n\n## 3.2 Clear screen\nLock the screen."


def test_officer_writes_reviews_and_approves_a_policy(page, live_server, sign_in, artifacts):
    sign_in("officer")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Policies").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Policies")
    page.get_by_role("link", name="New policy").click()

    page.get_by_label("Code").fill("ICT-POL-099")
    page.get_by_label("Title").fill("Clear Desk Policy")
    page.get_by_label("Author", exact=True).fill("Sipho Dlamini")
    page.get_by_label("Policy text").fill(TEXT)
    page.get_by_role("button", name="Create policy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ICT-POL-099 Clear Desk Policy")

    page.get_by_role("button", name="List or update the clauses from the text's numbered headings").click()
    expect(page.get_by_role("row").filter(has_text="3.2")).to_contain_text("Lock the screen.")
    page.get_by_role("button", name="Send for review").click()
    expect(page.get_by_role("alert").first).to_contain_text("designation for the document-control table")
    check_page(page, artifacts, "policy-draft-refused")

    page.get_by_role("link", name="Edit draft 1.0").click()
    page.get_by_label("Author's designation").fill("Security Officer")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("button", name="Send for review").click()
    expect(page.get_by_text("Version 1.0 In review")).to_be_visible()

    with live_server.app.app_context():  # the server's day (Africa/Johannesburg), not this machine's
        today = local_today().isoformat()
    page.get_by_label("Reviewer").fill("Lerato Mokoena")
    page.get_by_label("Reviewed on").fill(today)
    page.get_by_role("button", name="Record").click()
    page.get_by_label("Approved by").fill("Thabo Nkosi")
    page.get_by_label("Designation", exact=True).first.fill("Municipal Manager")
    page.get_by_label("Approved on").fill(today)
    page.get_by_role("button", name="Approve version 1.0").click()
    expect(page.locator(".flash-messages")).to_contain_text("it is the version in force")
    expect(page.get_by_role("link", name="Start a new version")).to_have_count(0)
    expect(page.get_by_role("button", name="Start a new version")).to_be_visible()
    check_page(page, artifacts, "policy-approved")
