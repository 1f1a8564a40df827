"""/reports in a browser: axe finds no serious or critical problem, and a report's form downloads
its PDF."""

from __future__ import annotations

import json

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.browser

BLOCKING_IMPACTS = {"serious", "critical"}


def test_the_reports_page_is_accessible_and_downloads_a_pdf(page, live_server, sign_in, artifacts):
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
    with page.expect_download() as download_info:
        page.get_by_role("region", name="Statement of Applicability").get_by_role(
            "button", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename.startswith("statement-of-applicability-v")
    assert download.path().read_bytes()[:4] == b"%PDF"
