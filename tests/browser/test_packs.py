"""The auditor's evidence-pack journey in the browser: ask for a pack, follow it, download it; axe on
each page. Reports are stood in for (the PDF reports have their own tests)."""

from __future__ import annotations

import json
import zipfile

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import DESKTOP, check_page

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def quick_reports(monkeypatch):
    from app.reports import documents

    monkeypatch.setattr(documents, "build_report", lambda name, *, params=None, generated_by: b"%PDF-1.7 stand-in")


def test_auditor_builds_and_downloads_a_pack(page, live_server, sign_in, artifacts, tmp_path):
    page.set_viewport_size(DESKTOP)
    sign_in("auditor")
    page.goto(live_server("/reports/packs"))
    expect(page.get_by_role("heading", level=1, name="Evidence packs")).to_be_visible()
    check_page(page, artifacts, "packs-empty")

    page.get_by_role("link", name="New evidence pack").click()
    check_page(page, artifacts, "packs-new")
    page.get_by_label("Annex A controls").fill("8.13, 9.9")
    page.get_by_role("button", name="Build the pack").click()
    expect(page.locator("#controls-error")).to_contain_text("Not an Annex A control: 9.9")
    check_page(page, artifacts, "packs-new-errors")

    page.get_by_label("Annex A controls").fill("5.15, 8.13")
    page.get_by_role("button", name="Build the pack").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Evidence pack")
    expect(page.get_by_text("Controls 5.15, 8.13")).to_be_visible()
    check_page(page, artifacts, "pack-ready")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the pack").click()
    saved = tmp_path / "pack.zip"
    download_info.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["scope"]["label"] == "Controls 5.15, 8.13" and manifest["files"]

    page.goto(live_server("/reports/packs"))
    expect(page.get_by_role("cell", name="Controls 5.15, 8.13")).to_be_visible()
    check_page(page, artifacts, "packs")


def test_progress_bar_follows_a_building_pack(page, live_server, sign_in, artifacts):
    from app.auth.services import find_user_by_email
    from app.extensions import db
    from app.reports.models import EvidencePack, PackStatus

    sign_in("auditor")
    with live_server.app.app_context():
        pack = EvidencePack(requested_by_id=find_user_by_email("auditor@example.org").id, scope_json="{}",
                            scope_label="Whole ISMS", status=PackStatus.BUILDING.value, progress=30,
                            progress_note="Wrote reports/risk-register.pdf")
        db.session.add(pack)
        db.session.commit()
        pack_id = pack.id
    page.goto(live_server(f"/reports/packs/{pack_id}"))
    expect(page.get_by_role("status")).to_contain_text("30% — Wrote reports/risk-register.pdf")
    check_page(page, artifacts, "pack-building")
    with live_server.app.app_context():
        db.session.get(EvidencePack, pack_id).progress = 70
        db.session.commit()
    expect(page.get_by_role("status")).to_contain_text("70%", timeout=10_000)
