"""The scope statement's journey in a browser: the officer drafts version 3 from the version in
force, is told an exclusion needs its reason, saves, approves and issues it, and compares it with
version 2; an auditor reads it and finds no button to change it. Each state passes axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import check_page

pytestmark = pytest.mark.browser


def test_officer_drafts_issues_and_compares_the_scope_and_an_auditor_only_reads_it(page, live_server, sign_in,
                                                                                   artifacts):
    sign_in("officer")
    page.goto(live_server("/context/scope"))
    expect(page.get_by_role("heading", name="Version 2, in force")).to_be_visible()
    page.get_by_role("button", name="Start version 3 from version 2").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Draft of version 3 of the scope statement")
    expect(page.get_by_label("Excluded (1)")).to_have_value("Clinical medical devices in health facilities")

    page.get_by_label("In scope").fill("The shared ICT services, health networks and the WCG mobile app.")
    page.get_by_label("Excluded (2)").fill("Libraries' public computers")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_role("alert")).to_contain_text("Give the reason for excluding “Libraries' public computers”")
    check_page(page, artifacts, "scope-draft-errors")

    page.get_by_label("Reason (2)").fill("Run by the Department of Cultural Affairs and Sport's library service.")
    page.get_by_label("What this version changes").fill("The WCG mobile app in scope; libraries excluded.")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.locator(".flash-messages")).to_contain_text("Saved the draft of version 3.")

    page.get_by_role("link", name="Approve and issue").click()
    expect(page.get_by_role("region", name="What changes from version 2")).to_contain_text("Exclusions")
    check_page(page, artifacts, "scope-issue")
    page.get_by_label("Approval note").fill("ISMS forum, minute 2026/12/3.")
    page.get_by_role("button", name="Approve and issue").click()
    expect(page.locator(".flash-messages")).to_contain_text("Issued version 3 of the scope statement.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Scope statement, version 3")

    page.goto(live_server("/context/scope/versions"))
    page.get_by_label("Compare version").select_option("2")
    page.get_by_role("button", name="Compare").click()
    changes = page.get_by_role("region", name="Changes")
    expect(changes).to_contain_text("WCG mobile app")
    expect(changes).to_contain_text("Libraries' public computers: Run by the Department of Cultural Affairs")
    check_page(page, artifacts, "scope-compare-2-3")

    sign_in("auditor")
    page.goto(live_server("/context/scope"))
    expect(page.get_by_role("heading", name="Version 3, in force")).to_be_visible()
    expect(page.get_by_role("button", name="Start version 4 from version 3")).to_have_count(0)
    expect(page.get_by_role("link", name="Approve and issue")).to_have_count(0)
