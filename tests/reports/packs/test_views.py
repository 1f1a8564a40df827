"""The evidence-pack pages: who may use them, asking for a pack, its progress and its download."""

from __future__ import annotations

import zipfile
from datetime import timedelta
from io import BytesIO

import pytest

from app.extensions import db
from app.reports import pack_archive, packs
from app.reports.models import EvidencePack, PackStatus
from tests.pages import audit_entries, page_text

pytestmark = pytest.mark.usefixtures("app")


def ask(client, **data):
    return client.post("/reports/packs/new", data={"controls": "", "department": "", "date_from": "", "date_to": "",
                                                   **data})


@pytest.mark.parametrize("role", ["auditor", "security_officer", "admin"])
def test_auditors_and_officers_ask_for_a_pack_and_download_it(client, login_as, isms, role):
    user = login_as(role)
    response = ask(client, controls="8.13")
    pack = db.session.query(EvidencePack).one()
    assert response.status_code == 302 and response.location.endswith(f"/reports/packs/{pack.id}")
    detail = page_text(client.get(response.location))
    assert "Control 8.13" in detail and "Download the pack" in detail
    download = client.get(f"/reports/packs/{pack.id}/download")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert download.headers["Cache-Control"] == "no-store"
    assert f"khusela-evidence-pack-{pack.id}-" in download.headers["Content-Disposition"]
    data = download.get_data()
    download.close()  # send_file streams from the open file
    with zipfile.ZipFile(BytesIO(data)) as archive:
        assert pack_archive.MANIFEST in archive.namelist()
    [entry] = audit_entries(action="download", entity_type="evidence_pack")
    assert entry.actor_id == user.id


@pytest.mark.parametrize("role", ["risk_owner", "manager", "hr_officer"])
def test_other_roles_may_not_see_or_ask_for_packs(client, login_as, role):
    login_as(role)
    for path in ("/reports/packs", "/reports/packs/new", "/reports/packs/public-key.pem"):
        assert client.get(path).status_code == 403
    assert ask(client).status_code == 403


def test_list_shows_packs_and_the_public_key(client, login_as, isms):
    login_as("auditor")
    ask(client)
    text = page_text(client.get("/reports/packs"))
    assert "Whole ISMS" in text and "Ready" in text and "BEGIN PUBLIC KEY" in text
    key = client.get("/reports/packs/public-key.pem")
    assert key.status_code == 200 and key.get_data().startswith(b"-----BEGIN PUBLIC KEY-----")


def test_bad_scope_is_refused_next_to_its_field_and_nothing_is_made(client, login_as, isms):
    login_as("auditor")
    response = ask(client, controls="8.13, 9.9", date_from="2026-05-01", date_to="2026-04-01")
    text = page_text(response)
    assert response.status_code == 422
    assert "Not an Annex A control: 9.9" in text and "The end of the date range is before its start." in text
    assert db.session.query(EvidencePack).count() == 0


def test_a_scope_with_nothing_in_it_gets_a_clear_message_and_no_pack(client, login_as, isms):
    login_as("auditor")
    response = ask(client, controls="5.1")
    assert response.status_code == 422 and "Nothing to pack" in page_text(response)
    assert db.session.query(EvidencePack).count() == 0


def test_a_date_that_is_not_a_date_is_refused(client, login_as, isms):
    login_as("auditor")
    response = ask(client, date_from="31/12/2026")
    assert response.status_code == 422 and db.session.query(EvidencePack).count() == 0


def test_progress_reports_a_building_pack_as_json(client, login_as, isms):
    user = login_as("auditor")
    pack = EvidencePack(requested_by_id=user.id, scope_json=packs.Scope().as_json(), scope_label="Whole ISMS",
                        status=PackStatus.BUILDING.value, progress=42, progress_note="Copied evidence/8.13/x.pdf")
    db.session.add(pack)
    db.session.commit()
    assert client.get(f"/reports/packs/{pack.id}/progress").get_json() == {
        "status": "building", "label": "Building", "progress": 42, "note": "Copied evidence/8.13/x.pdf",
        "done": False}
    page = page_text(client.get(f"/reports/packs/{pack.id}"))
    assert "You may leave this page" in page and 'value="42"' in page
    assert client.get(f"/reports/packs/{pack.id}/download").status_code == 302  # not ready: back to its page


def test_missing_evidence_is_warned_about_on_the_pack_page(client, login_as, isms):
    from app.common import uploads

    uploads.stored_path(isms["backup"].current_file.sha256).unlink()
    login_as("auditor")
    response = ask(client)
    text = page_text(client.get(response.location))
    assert "1 evidence file could not be packed as recorded" in text and "restore-test.pdf" in text
    assert "missing" in page_text(client.get("/reports/packs"))


def test_an_expired_pack_cannot_be_downloaded(client, login_as, isms):
    login_as("auditor")
    ask(client)
    pack = db.session.query(EvidencePack).one()
    packs.housekeeping(pack.expires_at + timedelta(seconds=1))
    response = client.get(f"/reports/packs/{pack.id}/download", follow_redirects=True)
    assert "removed after its retention period" in page_text(response)


def test_unknown_pack_is_404(client, login_as):
    login_as("auditor")
    assert client.get("/reports/packs/999999").status_code == 404
    assert client.get("/reports/packs/999999/download").status_code == 404
    assert client.get("/reports/packs/999999/progress").status_code == 404
