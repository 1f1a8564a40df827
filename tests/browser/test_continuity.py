"""Business continuity in a browser: the security officer records the business impact analysis of a
CMDB application that depends on SITA (an RTO longer than its maximum tolerable downtime is refused
next to the field), then a failover test that took longer than the RTO (refused as passed, recorded as
failed with its finding); the test shows on the service's page and in the tests list. axe-core runs on
the pages at each step."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.common.timeutil import local_today
from tests.browser.test_accessibility import check_page

pytestmark = pytest.mark.browser

SITA = "State Information Technology Agency (SITA)"


def test_an_officer_records_an_analysis_and_a_failed_failover(page, live_server, sign_in, artifacts):
    from app.assets.services import find_by_tag

    with live_server.app.app_context():
        today = local_today()
        item = find_by_tag("APP-0001")
        label = f"{item.tag} {item.name}"
    sign_in("officer")
    page.goto(live_server("/continuity"))
    page.get_by_role("link", name="New analysis").click()
    page.get_by_label("Application or service").select_option(label=label)
    page.get_by_label("What the service does, for whom").fill("Citizens apply for services online.")
    page.get_by_label("Recovery time objective (hours)").fill("96")
    page.get_by_label("Recovery point objective (hours)").fill("24")
    page.get_by_label("Maximum tolerable downtime (hours)").fill("72")
    for area, rating in (("Service delivery", "4 Major"), ("Financial", "2 Minor"), ("Reputational", "3 Moderate"),
                         ("Legal and regulatory", "3 Moderate")):
        page.get_by_label(area, exact=True).select_option(label=rating)
    page.get_by_label("Dependencies (CMDB tags)").fill("SRV-00001 SITE-0001")
    page.get_by_label("Suppliers it depends on").select_option(label=SITA)
    page.get_by_label("Analysed on").fill(today.isoformat())
    page.get_by_label("Next review").fill((today + timedelta(days=365)).isoformat())
    page.get_by_role("button", name="Record analysis").click()

    rto = page.get_by_label("Recovery time objective (hours)")
    expect(rto).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#rto_hours-error")).to_contain_text("longer than the maximum tolerable downtime")
    check_page(page, artifacts, "continuity-analysis-refused")
    rto.fill("8")
    page.get_by_role("button", name="Record analysis").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(item.name)
    expect(page.locator(".flash-messages")).to_contain_text("Add its continuity and recovery plans next")
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name=SITA)).to_have_attribute("href", re.compile(r"^/suppliers/\d+$"))
    expect(main).to_contain_text("SRV-00001")
    check_page(page, artifacts, "continuity-analysis-recorded")

    page.get_by_role("link", name="Record a test").click()
    page.get_by_label("Date").fill(today.isoformat())
    page.get_by_label("Kind").select_option(label="Failover test")
    page.get_by_label("Scenario").fill("Temporary loss of a third-party IT service provider: SITA's data centre down.")
    page.get_by_label("Outcome").select_option(label="Passed")
    page.get_by_label("Recovery took (minutes)").fill("600")
    page.get_by_role("button", name="Record").click()
    expect(page.locator("#outcome-error")).to_contain_text("longer than the recovery time")
    check_page(page, artifacts, "continuity-test-refused")
    page.get_by_label("Outcome").select_option(label="Failed")
    page.get_by_label("Findings (one a line)").fill("Standby not patched to the production level.")
    page.get_by_role("button", name="Record").click()

    expect(page.locator(".flash-messages")).to_contain_text("Recorded BCT-")
    tests = page.get_by_role("main")
    expect(tests).to_contain_text("Failover test")
    expect(tests).to_contain_text("Standby not patched to the production level.")
    expect(page.get_by_role("button", name="Raise as a nonconformity")).to_be_visible()
    check_page(page, artifacts, "continuity-test-recorded")

    page.goto(live_server("/continuity/tests?outcome=failed"))
    expect(page.get_by_role("main")).to_contain_text(item.name)
