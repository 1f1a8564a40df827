"""The incident register in a browser: a manager reports a security event; the security officer triages it
as an incident where personal information may have been compromised, which opens the POPIA s22 track and
its clock; the manager sees the outcome among their own reports. axe-core runs on each page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import check_page

pytestmark = pytest.mark.browser


def test_report_an_event_and_triage_it(page, live_server, sign_in, artifacts):
    sign_in("manager")
    page.goto(live_server("/incidents/report"))
    check_page(page, artifacts, "incident-report-form")
    page.get_by_label("What happened, in a few words").fill("Patient list left on a printer")
    page.get_by_label("What you saw").fill("A list of today's patients with ID numbers lay on the shared printer.")
    page.get_by_label("When you noticed it").fill("2026-03-02T08:15")
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Send the report").click()
    expect(page.locator(".flash-messages")).to_contain_text("your report is INC-")
    expect(page.locator("main")).to_contain_text("Awaiting triage")
    check_page(page, artifacts, "incidents-mine")

    sign_in("officer")
    page.goto(live_server("/incidents?status=reported"))
    page.get_by_role("link", name="INC-").first.click()
    page.get_by_role("link", name="Triage").click()
    check_page(page, artifacts, "incident-triage-form")
    page.get_by_label("An information security incident").check()
    page.get_by_label("Reason for the decision").fill("Patients' personal information seen by anyone at the printer.")
    page.get_by_label("Category").select_option(label="Data leakage or loss")
    page.get_by_label("Severity").select_option(label="Medium")
    page.get_by_label("Personal information is involved").check()
    page.get_by_label("Personal information may have been accessed").check()
    page.get_by_role("button", name="Save the triage").click()
    expect(page.locator(".flash-messages")).to_contain_text("POPIA s22 notification track is open")
    expect(page.locator("main")).to_contain_text("POPIA clock: day")
    check_page(page, artifacts, "incident-triaged")

    sign_in("manager")
    page.goto(live_server("/incidents/mine"))
    expect(page.locator("main")).to_contain_text("Being handled")
