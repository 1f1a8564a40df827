"""The nonconformity register in a browser: a security officer raises a nonconformity and gives it a
corrective action owned by a risk owner; the owner marks the action done; a security officer who owns
neither the nonconformity nor the action finds it effective, and the record closes. axe-core runs on the
record page at each step."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.common.timeutil import local_today
from tests.browser.test_accessibility import check_page

pytestmark = pytest.mark.browser


def test_raise_act_complete_and_close_after_an_effective_review(page, live_server, sign_in, artifacts):
    with live_server.app.app_context():
        today = local_today().isoformat()
    sign_in("officer")
    page.goto(live_server("/nonconformities/new"))
    page.get_by_label("Title").fill("Leavers keep their remote access")
    page.get_by_label("Nature of the nonconformity").fill(
        "A.5.18 asks that access rights are removed on leaving; three leavers still had VPN accounts.")
    page.get_by_label("Found by").select_option(label="Self identified")
    page.get_by_label("Severity").select_option(label="Minor")
    page.get_by_label("Owner").select_option(label="Lindiwe Head-of-Department (Risk owner)")
    page.get_by_role("button", name="Raise").click()
    expect(page.locator(".flash-messages")).to_contain_text("Raised NC-")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Leavers keep their remote access")
    expect(page.locator("main")).to_contain_text("Open")
    record = page.url
    check_page(page, artifacts, "nonconformity-raised")

    page.get_by_role("link", name="Add an action").click()
    page.get_by_label("Action").fill("Disable VPN accounts from the HR leavers list every week")
    page.get_by_label("Owner").select_option(label="Anele Risk-Owner (Risk owner)")
    page.get_by_label("Due on").fill(today)
    page.get_by_role("button", name="Add action").click()
    actions = page.get_by_role("region", name="Table of corrective actions")
    expect(actions).to_contain_text("Disable VPN accounts")
    expect(actions).to_contain_text("Anele Risk-Owner")
    expect(page.locator("main")).to_contain_text("Actions in progress")
    check_page(page, artifacts, "nonconformity-action-added")

    sign_in("owner")
    page.goto(record)
    page.get_by_role("link", name="Update progress of Disable VPN accounts").click()
    page.get_by_label("Status").select_option(label="Done")
    page.get_by_label("Progress").fill("A weekly job now disables the accounts of everyone on the leavers list.")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-messages")).to_contain_text("Marked the action done.")
    expect(page.locator("main")).to_contain_text("the effectiveness review is due")
    # The owner records progress but does not review: no button for them.
    expect(page.get_by_role("link", name="Review the effectiveness")).to_have_count(0)
    check_page(page, artifacts, "nonconformity-action-done")

    sign_in("officer")
    page.goto(record)
    page.get_by_role("link", name="Review the effectiveness").first.click()
    page.get_by_label("Effective: the cause is removed; close the nonconformity").check()
    page.get_by_label("Reviewed on").fill(today)
    page.get_by_label("What was checked").fill("Sampled this month's leavers: none had a VPN account.")
    page.get_by_role("button", name="Record the review").click()
    expect(page.locator(".flash-messages")).to_contain_text("closed: its corrective actions were effective")
    expect(page.locator(".badge", has_text="Closed")).to_be_visible()
    expect(page.get_by_role("region", name="Effectiveness review (10.2 d)")).to_contain_text(
        "Effective — " + today + ", Sipho Security-Officer")
    expect(page.get_by_role("link", name="Add an action")).to_have_count(0)
    check_page(page, artifacts, "nonconformity-closed")
