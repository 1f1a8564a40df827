"""The supplier register in a browser: the security officer finds the demo's operator without a written
contract (Sebata), records the contract and the clauses POPIA s20-21 asks for, and the gap goes; SITA's
owner (a risk owner) records a security assessment with its evidence file on their own supplier, and
has no way to edit it. axe-core runs on the pages at each step."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.common.timeutil import local_today
from tests.browser.test_accessibility import check_page

pytestmark = pytest.mark.browser


def test_close_an_operators_gaps_and_record_an_owners_assessment(page, live_server, sign_in, artifacts, tmp_path):
    with live_server.app.app_context():
        today = local_today().isoformat()
    sign_in("officer")
    page.goto(live_server("/suppliers"))
    page.get_by_label("What the record lacks").select_option(label="Operator without a written contract (POPIA s21)")
    page.get_by_role("button", name="Filter").click()
    listed = page.get_by_role("region", name="Suppliers")
    expect(listed).to_contain_text("Sebata")
    expect(listed).not_to_contain_text("State Information Technology Agency (SITA)")
    check_page(page, artifacts, "suppliers-operator-gap")

    listed.get_by_role("link", name="Sebata").click()
    expect(page.get_by_role("status").filter(has_text="What this record lacks")).to_contain_text(
        "no written contract on record")
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Operator contract signed on").fill(today)
    page.get_by_label("Operator contract reference").fill("Sebata operator agreement")
    page.get_by_label("Security measures to be kept (POPIA s19)").check()
    page.get_by_label("Breach notification to us without delay (POPIA s21(2))").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-messages")).to_contain_text("Saved Sebata.")
    main = page.locator("main")
    expect(main).to_contain_text("Sebata operator agreement of " + today)
    expect(main).not_to_contain_text("no written contract on record")
    expect(main).not_to_contain_text("lacks what POPIA s20-21 requires")
    check_page(page, artifacts, "supplier-operator-contract-recorded")

    sign_in("owner")  # Anele Risk-Owner owns SITA in the demo
    page.goto(live_server("/suppliers/1"))
    expect(page.get_by_role("heading", level=1)).to_have_text("State Information Technology Agency (SITA)")
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    page.get_by_role("link", name="Record an assessment").click()
    page.get_by_label("Result").select_option(label="Satisfactory")
    page.get_by_label("What was assessed and found").fill("Tier 3 relocation plan and the data centre's "
                                                          "ISO/IEC 27001 certificate reviewed.")
    evidence = tmp_path / "sita-certificate.txt"
    evidence.write_text("ISO/IEC 27001 certificate, valid to 2028.")
    page.get_by_label("Evidence file").set_input_files(str(evidence))
    page.get_by_role("button", name="Record the assessment").click()
    expect(page.locator(".flash-messages")).to_contain_text("Recorded the assessment of State Information "
                                                            "Technology Agency (SITA)")
    assessments = page.get_by_role("region", name="Table of assessments")
    expect(assessments).to_contain_text("sita-certificate.txt")
    expect(assessments).to_contain_text("Anele Risk-Owner")
    check_page(page, artifacts, "supplier-assessed-by-owner")
