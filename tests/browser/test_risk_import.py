"""The import journey in a browser: a refused file lists its problems, a good one is previewed
and imported; each state passes axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import check_page

pytestmark = pytest.mark.browser

HEADER = "Reference,Title,Category,Department,Risk owner,Inherent likelihood,Inherent impact,Residual likelihood," \
         "Residual impact,Contributing factors\n"


def csv_upload(name: str, body: str) -> dict:
    return {"name": name, "mimeType": "text/csv", "buffer": body.encode("utf-8")}


def test_officer_fixes_a_refused_file_then_previews_and_imports_it(page, live_server, sign_in, artifacts):
    sign_in("officer")
    page.goto(live_server("/risks"))
    page.get_by_role("link", name="Import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import risks")

    bad = HEADER + ',Municipal SCADA compromise,Information Security,DOH,nobody@example.org,2,2,4,4,"H: Flat network"\n'
    page.get_by_label("File to import (.xlsx or .csv)").set_input_files(csv_upload("scada.csv", bad))
    page.get_by_role("button", name="Check the file").click()
    problems = page.get_by_role("alert")
    expect(problems).to_contain_text("scada.csv: nothing was imported")
    expect(problems.get_by_role("row").filter(has_text="Risk owner")).to_contain_text("nobody@example.org")
    check_page(page, artifacts, "risk-import-problems")

    # Fixed, with the register's own computed rating, which is not 4 × 4: a warning, not a stop.
    good = (bad.replace("nobody@example.org", "owner@example.org").replace(",2,2,4,4,", ",4,4,2,2,")
            .replace("factors\n", "factors,Inherent rating\n").replace('network"\n', 'network",15\n'))
    page.get_by_label("File to import (.xlsx or .csv)").set_input_files(csv_upload("scada.csv", good))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the import of scada.csv")
    expect(page.get_by_role("region", name="1 warning: check before you import")).to_contain_text(
        "row 2, column “Inherent rating”: 15 is not the likelihood × impact of this row: 4 × 4 = 16")
    expect(page.get_by_role("status").filter(has_text="Nothing has been written yet")).to_contain_text(
        "1 created, 0 updated, 0 unchanged")
    expect(page.get_by_role("row").filter(has_text="Municipal SCADA compromise")).to_contain_text("New")
    check_page(page, artifacts, "risk-import-preview")

    page.get_by_role("button", name="Import 1 change").click()
    expect(page).to_have_url(re.compile(r"/risks$"))
    expect(page.get_by_role("status")).to_contain_text("Imported scada.csv: 1 created")
    page.get_by_label("Reference, title or description").fill("SCADA")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("row").filter(has_text="Municipal SCADA compromise")).to_have_count(1)
