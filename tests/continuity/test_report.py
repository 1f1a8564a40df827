"""The register-wide PDF: queued by the route, built by the scheduler's documents job."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from app.extensions import db
from app.reports import documents, pack_archive, packs, prepared
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
                 "1 recovery took longer than the RTO", "1 service has no plan in force: BIA-001"]:
        assert text in html, text


def test_hr_officers_cannot_ask_for_it(client, login_as):
    login_as("hr_officer")
    assert client.get("/reports/continuity.pdf").status_code == 403


def test_a_pack_holds_the_analyses_the_periods_tests_and_the_report(app, make_analysis, make_test, today):
    assert pack_archive._continuity_register(packs.gather(packs.Scope())) == []  # nothing analysed: no files
    analysis = make_analysis()
    make_test(analysis, tested_on=today - timedelta(days=400), findings=["Fuel for one outage only."])
    make_test(analysis, kind="backup_restore", tested_on=today - timedelta(days=20), recovery_minutes=90)

    contents = packs.gather(packs.Scope())
    files = {path: data for path, data, _ in pack_archive._continuity_register(contents)}
    assert set(files) == {f"extracts/{stem}.{ending}" for stem in ("business-impact-analyses", "continuity-tests")
                          for ending in ("csv", "xlsx")}
    [row] = csv_lines(files["extracts/business-impact-analyses.csv"])
    assert (row["Reference"], row["Application or service"], row["RTO (hours)"]) == (
        "BIA-001", "DOTP Ombudsman (Complaints System)", "24")
    assert len(csv_lines(files["extracts/continuity-tests.csv"])) == 2
    assert ("reports/business-continuity.pdf", "continuity") in [
        (path, name) for path, name, _, _ in pack_archive._reports(contents)]

    # A period holds its own tests; chosen controls hold the register only when continuity is among them.
    last_year = packs.gather(packs.Scope(date_from=today - timedelta(days=100)))
    tests = {path: data for path, data, _ in pack_archive._continuity_register(last_year)}
    assert [row["Kind"] for row in csv_lines(tests["extracts/continuity-tests.csv"])] == ["Backup restore test"]
    assert pack_archive._continuity_register(packs.gather(packs.Scope(controls=("8.13",)))) != []
    elsewhere = packs.gather(packs.Scope(controls=("5.15",)))
    assert pack_archive._continuity_register(elsewhere) == []
    assert "continuity" not in [name for _, name, _, _ in pack_archive._reports(elsewhere)]


def csv_lines(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
