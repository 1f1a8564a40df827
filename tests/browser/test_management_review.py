"""Management review in a real browser: a security officer plans a review chaired by the accounting
officer, compiles its inputs, records the minutes and a decision with its action; the chair approves it;
axe-core on the pages on the way."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import check_page

pytestmark = pytest.mark.browser


def test_plan_compile_minutes_action_and_approve(page, live_server, sign_in, artifacts):
    sign_in("officer")
    page.goto(live_server("/management-reviews/new"))
    page.get_by_label("Title").fill("Special management review")
    page.get_by_label("Meeting date").fill("2026-01-15")
    page.get_by_label("Chair").select_option(label="Mandla Accounting-Officer (ao@example.org)")
    page.get_by_role("button", name="Plan the review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Special management review")

    page.get_by_label("Compile the inputs as of").fill("2026-01-10")
    page.get_by_role("button", name="Compile the inputs").click()
    expect(page.get_by_role("status").first).to_contain_text("Compiled the inputs as of 2026-01-10")
    first_section = page.get_by_role("heading", name="9.3.2 a Status of actions from previous management reviews")
    expect(first_section).to_be_visible()
    check_page(page, artifacts, "management-review-compiled")

    page.get_by_role("link", name="Record a decision").click()
    page.get_by_label("Decision").fill("Fund a security operations centre.")
    page.get_by_label("Action", exact=True).fill("Write the SOC business case")
    page.get_by_label("Owner").select_option(label="Anele Risk-Owner (owner@example.org)")
    page.get_by_label("Due").fill("2026-06-30")
    page.get_by_role("button", name="Record the action").click()
    actions = page.get_by_role("region", name="Decisions and actions", exact=True)
    expect(actions).to_contain_text("Write the SOC business case")

    page.get_by_label("Minutes of the meeting").fill("The accounting officer chaired; the inputs were considered.")
    page.get_by_role("button", name="Record the minutes (held)").click()
    expect(page.get_by_role("status").first).to_contain_text("its pack is frozen")
    url = page.url

    sign_in("ao")
    page.goto(url)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Approve the review").click()
    expect(page.get_by_role("status").first).to_contain_text("Approved Special management review")
    check_page(page, artifacts, "management-review-approved")
