"""/reports in a browser: axe finds no serious or critical problem, and a register report's form
queues its PDF, whose being-prepared page turns into its download once the scheduler's job (run
here by the test) has built it."""

from __future__ import annotations

import json

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.test_accessibility import check_page

pytestmark = pytest.mark.browser

BLOCKING_IMPACTS = {"serious", "critical"}


def test_the_reports_page_is_accessible_and_a_pdf_is_prepared_then_downloaded(page, live_server, sign_in,
                                                                               artifacts):
    from app.extensions import db
    from app.reports import prepared

    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in("auditor")
    page.goto(live_server("/reports"))
    page.screenshot(path=str(artifacts / "page-reports.png"), full_page=True)
    violations = Axe().run(page).response["violations"]
    (artifacts / "axe-reports.json").write_text(json.dumps(violations, indent=2))
    blocking = [(v["id"], v["help"], [node["target"] for node in v["nodes"]]) for v in violations
                if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe found serious or critical problems on /reports: {blocking}"

    page.get_by_label("Issued version").select_option(index=0)
    page.get_by_role("region", name="Statement of Applicability").get_by_role("button", name="Download PDF").click()
    expect(page.get_by_role("heading", level=1, name="Statement of Applicability")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("waiting its turn")
    check_page(page, artifacts, "report-being-prepared")

    with live_server.app.app_context():  # what the scheduler process's `documents` job does
        assert prepared.work() == "1 document(s) prepared"
        db.session.remove()
    # The page asks every few seconds and shows the finished document (without JavaScript,
    # its "Check again" link does the same).
    download_link = page.get_by_role("link", name="Download the PDF")
    expect(download_link).to_be_visible(timeout=15_000)
    check_page(page, artifacts, "report-ready")
    with page.expect_download() as download_info:
        download_link.click()
    download = download_info.value
    assert download.suggested_filename.startswith("statement-of-applicability-v")
    assert download.path().read_bytes()[:4] == b"%PDF"

    page.get_by_role("link", name="Your PDF reports").click()
    expect(page.get_by_role("cell", name="Ready to download")).to_be_visible()
