"""Controls journeys in a browser: deciding an SoA row, adding evidence to a control and
recording a test; each state passes axe."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import check_page

pytestmark = pytest.mark.browser


def test_officer_revises_an_soa_row_adds_evidence_and_records_a_test(page, live_server, sign_in, artifacts):
    sign_in("officer")
    page.goto(live_server("/soa?theme=Technological&status=planned"))
    row = page.get_by_role("row").filter(has_text="Data leakage prevention")
    row.get_by_role("link", name=re.compile("Edit")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("8.12 Data leakage prevention")

    page.get_by_label("Justification").fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("nothing was saved")
    check_page(page, artifacts, "soa-edit-errors")

    page.get_by_label("Justification").fill("POPIA section 19: personal information must not leak by e-mail.")
    page.get_by_label("Implementation status").select_option("partially_implemented")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-messages")).to_contain_text("Saved the decision on 8.12")
    expect(page.get_by_role("row").filter(has_text="Data leakage prevention")).to_contain_text("POPIA section 19")

    page.goto(live_server("/controls?q=Data%20leakage"))
    page.get_by_role("link", name="8.12").click()
    page.get_by_role("link", name="Add evidence").click()
    page.get_by_label("File", exact=True).set_input_files(
        {"name": "dlp-pilot.csv", "mimeType": "text/csv", "buffer": b"mailbox,blocked\nfinance,14\n"})
    page.get_by_label("Title").fill("DLP pilot report")
    page.get_by_role("button", name="Add evidence").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("DLP pilot report")
    expect(page.get_by_role("link", name="dlp-pilot.csv")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="dlp-pilot.csv").click()
    assert download.value.suggested_filename == "dlp-pilot.csv"
    check_page(page, artifacts, "evidence-added")

    page.get_by_role("link", name="8.12 Data leakage prevention").click()
    page.get_by_role("link", name="Record a test").click()
    page.get_by_label("What is checked").fill("Outgoing mail with ID numbers is blocked.")
    page.get_by_label("How (method)").fill("Sent 10 test messages with synthetic ID numbers.")
    page.get_by_label("Result").select_option("partially_effective")
    page.get_by_role("button", name="Record the test").click()
    expect(page.get_by_role("alert")).to_contain_text("Record what was found wanting")
    page.get_by_label("Findings").fill("3 of 10 were delivered.")
    expect(page.get_by_role("alert")).to_contain_text("Choose who owns the nonconformity")
    page.get_by_label("Nonconformity owner").select_option(label="Anele Risk-Owner (Risk owner)")
    page.get_by_label("Corrective actions due by").fill((date.today() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Record the test").click()
    expect(page.locator(".flash-messages")).to_contain_text("Recorded the test of 8.12: partially effective")
    expect(page.locator(".flash-messages")).to_contain_text("Raised nonconformity NC-")
    expect(page.get_by_role("region", name="Table of tests")).to_contain_text("3 of 10 were delivered.")
    check_page(page, artifacts, "control-tested")
