"""The register-wide PDF: queued by the route, built by the scheduler's documents job."""

from __future__ import annotations

from app.extensions import db
from app.reports import documents, prepared
from app.reports.models import PreparedDocument
from tests.pages import audit_entries


def test_the_report_is_queued_built_and_holds_the_register(app, client, login_as, officer, make_analysis, make_test):
    analysis = make_analysis()
    make_test(analysis, kind="failover", outcome="failed", recovery_minutes=30 * 60,
              findings=["Standby not patched."])
    user = login_as("auditor")
    assert client.get("/reports/continuity.pdf").status_code == 303
    [document] = db.session.query(PreparedDocument).all()
    assert prepared.work() == "1 document(s) prepared"
    db.session.refresh(document)
    download = client.get(f"/reports/documents/{document.id}/download")
    data = download.get_data()
    download.close()
    assert data.startswith(b"%PDF") and document.download_name.startswith("business-continuity-")
    assert audit_entries("generate", "report", "continuity")[0].actor_id == user.id
    with app.test_request_context():
        html = documents.render_report_html("continuity", generated_by="Test")
    for text in ["BIA-001", "DOTP Ombudsman (Complaints System)", "Failover test", "Standby not patched.",
                 "1 recovery took longer than the RTO"]:
        assert text in html, text


def test_hr_officers_cannot_ask_for_it(client, login_as):
    login_as("hr_officer")
    assert client.get("/reports/continuity.pdf").status_code == 403
