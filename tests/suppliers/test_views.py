"""The supplier register's pages by role: allowed, forbidden, bad input; the export, the evidence file,
the PDF, the evidence pack's extracts, the reminders, the dashboard and the ISMS evidence page."""

from __future__ import annotations

import io
import subprocess
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.admin import settings
from app.common.timeutil import local_today
from app.extensions import db
from app.isms import artefacts
from app.reports import pack_archive, packs, prepared
from app.reports.models import PreparedDocument
from app.scheduler import reminders
from app.scheduler.kinds import Kind
from app.suppliers.models import Supplier, SupplierAssessment
from tests import factories
from tests.pages import audit_entries, csv_rows, error_next_to, text_of
from tests.suppliers.conftest import make_asset, make_supplier


@pytest.fixture
def register(app):
    """Three suppliers as of the organisation's today: SITA (contract ending soon, owned by a risk owner),
    a cloud provider without an exit plan, an operator without a written contract."""
    today = local_today()
    officer, owner = factories.make_user("security_officer"), factories.make_user("risk_owner", full_name="Anele Owner")
    make_asset("SRV-00001", "Hosting server", "server")
    sita = make_supplier(owner_id=owner.id, criticality="critical", contract_end=today + timedelta(days=60),
                         assessment_due_on=today - timedelta(days=3), asset_tags=["SRV-00001"])
    cloud = make_supplier("Major cloud service provider 2", is_cloud=True, hosting_region="South Africa",
                          is_operator=True, operator_contract_on=date(2025, 2, 1),
                          security_clauses=["confidentiality", "security_measures", "breach_notification"])
    sebata = make_supplier("Sebata", is_operator=True, status="onboarding", review_on=today - timedelta(days=1))
    return {"officer": officer, "owner": owner, "sita": sita, "cloud": cloud, "sebata": sebata}


@pytest.mark.parametrize("role", ["admin", "security_officer", "risk_owner", "manager", "auditor"])
def test_readers_see_the_list_and_the_record(client, login_as, register, role):
    login_as(role)
    page = text_of(client.get("/suppliers"))
    assert "State Information Technology Agency (SITA)" in page and "Sebata" in page and "3 suppliers" in page
    record = text_of(client.get(f"/suppliers/{register['sita'].id}"))
    assert "SRV-00001 Hosting server" in record and "The security assessment was due on" in record


def test_hr_officers_do_not_read_the_register(client, login_as, register):
    login_as("hr_officer")
    assert client.get("/suppliers").status_code == 403
    assert client.get(f"/suppliers/{register['sita'].id}").status_code == 403


@pytest.mark.parametrize(("query", "shown"), [
    ("gap=operator_contract", {"Sebata"}),
    ("gap=cloud_exit", {"Major cloud service provider 2"}),
    ("operator=yes", {"Sebata", "Major cloud service provider 2"}),
    ("contract_ending=1", {"State Information Technology Agency (SITA)"}),
    ("assessment=overdue", {"State Information Technology Agency (SITA)"}),
    ("review_overdue=1", {"Sebata"}),
    ("clause_missing=right_to_audit&cloud=yes", {"Major cloud service provider 2"}),
    ("criticality=critical", {"State Information Technology Agency (SITA)"}),
    ("q=cloud", {"Major cloud service provider 2"}),
    ("gap=nonsense", {"Sebata", "Major cloud service provider 2", "State Information Technology Agency (SITA)"}),
])
def test_filters(client, login_as, register, query, shown):
    login_as("auditor")
    rows = csv_rows(client.get(f"/suppliers?export=csv&{query}"))
    assert {row["Name"] for row in rows} == shown


def test_the_export_names_clauses_and_gaps_and_is_audited(client, login_as, register):
    login_as("auditor")
    [row] = csv_rows(client.get("/suppliers?export=csv&q=Sebata"))
    assert row["POPIA operator"] == "yes" and row["Status"] == "Onboarding"
    assert "no written contract" in row["Gaps"] and "Breach notification" in row["Clauses missing"]
    assert client.get("/suppliers?export=xlsx").status_code == 200
    assert len(audit_entries("export", "supplier")) == 2


def test_an_auditor_writes_nothing(client, login_as, register):
    login_as("auditor")
    sita = register["sita"]
    for url in ["/suppliers/new", f"/suppliers/{sita.id}/edit", f"/suppliers/{sita.id}/assessments/new",
                f"/suppliers/{sita.id}/review"]:
        assert client.post(url, data={}).status_code == 403, url


def test_the_owner_records_assessments_and_reviews_of_their_own_supplier_only(client, login_as, register):
    sita, cloud, owner = register["sita"], register["cloud"], register["owner"]
    login_as(owner)
    assert client.get(f"/suppliers/{sita.id}/edit").status_code == 403  # editing is for the register's editors
    assert client.get(f"/suppliers/{cloud.id}/assessments/new").status_code == 403  # someone else's supplier
    page = client.get(f"/suppliers/{sita.id}").get_data(as_text=True)
    assert "Record an assessment" in page and f"/suppliers/{sita.id}/edit" not in page
    today = local_today()
    response = client.post(f"/suppliers/{sita.id}/assessments/new", data={
        "version": sita.version, "assessed_on": today.isoformat(), "result": "satisfactory",
        "summary": "ISO/IEC 27001 certificate of the data centre seen.",
        "next_due_on": (today + timedelta(days=365)).isoformat(),
        "file": (io.BytesIO(b"Certificate 2026"), "sita-certificate.txt")}, content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    assessment = db.session.scalars(sa.select(SupplierAssessment)).one()
    assert assessment.file_name == "sita-certificate.txt" and assessment.assessor_id == owner.id
    assert db.session.get(Supplier, sita.id).assessment_due_on == today + timedelta(days=365)
    reviewed = client.post(f"/suppliers/{sita.id}/review", data={
        "version": db.session.get(Supplier, sita.id).version, "reviewed_on": today.isoformat(),
        "next_review_on": (today + timedelta(days=180)).isoformat(), "note": "Still needed."})
    assert reviewed.status_code == 302


def test_a_bad_assessment_shows_its_messages(client, login_as, register):
    sita = register["sita"]
    login_as(register["officer"])
    response = client.post(f"/suppliers/{sita.id}/assessments/new", data={
        "version": sita.version, "assessed_on": "2099-01-01", "result": "satisfactory", "summary": "Seen.",
        "file": (io.BytesIO(b"MZ\x90\x00 a program"), "setup.exe")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Programs and scripts are not accepted" in error_next_to(response, "file")
    assert db.session.scalar(sa.select(sa.func.count(SupplierAssessment.id))) == 0
    dated = client.post(f"/suppliers/{sita.id}/assessments/new", data={
        "version": sita.version, "assessed_on": "2099-01-01", "result": "satisfactory", "summary": "Seen."})
    assert dated.status_code == 422 and "future" in error_next_to(dated, "assessed_on")


def test_the_evidence_file_downloads_audited_and_not_through_another_supplier(client, login_as, register):
    from app.common.uploads import CheckedUpload
    from app.suppliers import services

    sita, cloud = register["sita"], register["cloud"]
    assessment = services.record_assessment(sita, services.AssessmentInput(
        assessed_on=local_today(), result="satisfactory", summary="Seen."),
        evidence=CheckedUpload("report.pdf", "application/pdf", b"%PDF-1.4 report"),
        expected_version=sita.version, actor=register["officer"])
    db.session.commit()
    login_as("auditor")
    response = client.get(f"/suppliers/{sita.id}/assessments/{assessment.id}/file")
    data = response.get_data()
    response.close()
    assert response.status_code == 200 and data == b"%PDF-1.4 report"
    assert "attachment" in response.headers["Content-Disposition"]
    assert len(audit_entries("download", "supplier_assessment", assessment.id)) == 1
    assert client.get(f"/suppliers/{cloud.id}/assessments/{assessment.id}/file").status_code == 404


def test_adding_and_editing_with_bad_input_and_a_stale_form(client, login_as, register):
    login_as(register["officer"])
    created = client.post("/suppliers/new", data={
        "name": "Internet Service Provider (ISP)", "status": "active", "criticality": "high",
        "security_clauses": ["confidentiality", "service_continuity"], "asset_tags": "SRV-00001"})
    assert created.status_code == 302
    isp = db.session.scalars(sa.select(Supplier).where(Supplier.name == "Internet Service Provider (ISP)")).one()
    assert isp.security_clauses == ["confidentiality", "service_continuity"]
    bad_date = client.post("/suppliers/new", data={"name": "Cabling contractor", "status": "active",
                                                   "criticality": "low", "contract_end": "someday"})
    assert bad_date.status_code == 422 and "is not a date" in error_next_to(bad_date, "contract_end")
    bad = client.post("/suppliers/new", data={"name": "Sebata", "status": "active", "criticality": "low",
                                              "asset_tags": "APP-0404"})
    assert bad.status_code == 422
    assert "already in the register" in error_next_to(bad, "name")
    assert "APP-0404" in error_next_to(bad, "asset_tags")
    sita = register["sita"]
    data = {"version": sita.version, "name": sita.name, "status": "active", "criticality": "high"}
    assert client.post(f"/suppliers/{sita.id}/edit", data=data).status_code == 302
    again = client.post(f"/suppliers/{sita.id}/edit", data=data, follow_redirects=True)
    assert "changed by someone else" in again.get_data(as_text=True)


def test_the_pdf_is_queued_and_built(client, login_as, register):
    login_as("auditor")
    response = client.get("/reports/suppliers.pdf?status=all")
    assert response.status_code == 303
    document = db.session.scalars(sa.select(PreparedDocument)).one()
    assert prepared.work() == "1 document(s) prepared"
    download = client.get(f"/reports/documents/{document.id}/download")
    data = download.get_data()
    download.close()
    text = " ".join(subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
                    .stdout.decode().split())
    assert "Supplier register" in text and "Sebata" in text and "POPIA operators without a written contract" in text


def test_a_pack_holds_the_register_unless_its_controls_are_elsewhere(register):
    contents = packs.gather(packs.Scope())
    files = {path: data for path, data, _ in pack_archive._supplier_register(contents)}
    assert set(files) == {"extracts/suppliers.csv", "extracts/suppliers.xlsx", "extracts/supplier-assessments.csv",
                          "extracts/supplier-assessments.xlsx"}
    assert "Sebata" in files["extracts/suppliers.csv"].decode()
    assert "suppliers" in [name for _, name, _, _ in pack_archive._reports(contents)]
    elsewhere = packs.gather(packs.Scope(controls=("8.13",)))
    assert pack_archive._supplier_register(elsewhere) == []


def test_reminders_of_contracts_assessments_and_reviews(register, app):
    today = local_today()
    with app.test_request_context():
        found = reminders.collect(today, kinds=[Kind.SUPPLIER_CONTRACT_ENDING, Kind.SUPPLIER_ASSESSMENT,
                                                Kind.SUPPLIER_REVIEW])
    by_kind = {reminder.message.kind: reminder for reminder in found}
    assert by_kind[Kind.SUPPLIER_CONTRACT_ENDING].user_ids == (register["owner"].id,)
    assert "overdue since" in by_kind[Kind.SUPPLIER_ASSESSMENT].message.title
    # Sebata has no owner: the security officers are told.
    assert by_kind[Kind.SUPPLIER_REVIEW].user_ids == (register["officer"].id,)
    # The contract window is a setting: at 30 days SITA's contract (60 days away) is not yet reminded.
    settings.save({settings.SUPPLIER_CONTRACT_REMINDER_DAYS: 30}, actor=None)
    with app.test_request_context():
        assert reminders.collect(today, kinds=[Kind.SUPPLIER_CONTRACT_ENDING]) == []


def test_the_dashboard_counts_contracts_ending(client, login_as, register):
    login_as("manager")
    page = client.get("/").get_data(as_text=True)
    assert 'href="/suppliers?contract_ending=1&amp;within=90"' in page and "Contracts ending within 90 days" in page
    login_as("hr_officer")
    assert "/suppliers?contract_ending=1" not in client.get("/").get_data(as_text=True)
    login_as("auditor")
    assert [row["Name"] for row in csv_rows(client.get("/suppliers?export=csv&contract_ending=1&within=30"))] == []


def test_the_isms_evidence_page_shows_the_registers_gaps(client, login_as, register):
    officer = register["officer"]
    state = next(a for a in artefacts.ARTEFACTS if a.key == "suppliers").check(officer, local_today())
    texts = [gap.text for gap in state.gaps]
    assert state.summary == "3 current suppliers of 3 on record"
    assert "1 POPIA operator without a written contract" in texts
    assert "1 cloud service without a hosting region or exit plan" in texts
    assert "1 assessment overdue" in texts
    login_as("auditor")
    assert "Supplier register and agreements" in text_of(client.get("/isms/"))


def test_an_empty_register_is_missing_on_the_evidence_page(app):
    state = next(a for a in artefacts.ARTEFACTS if a.key == "suppliers").check(factories.make_user("auditor"),
                                                                              local_today())
    assert state.standing is artefacts.Standing.MISSING
