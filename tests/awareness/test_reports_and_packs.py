"""The "Awareness and training" PDF (queued, built by the documents job with the real WeasyPrint) and
the register's place in evidence packs (the report, and CSV and XLSX extracts of the campaigns and their
rates). Both hold counts only: no employee is named."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta

import pytest

from app.audit import checkpoints
from app.audit.models import CheckpointReason
from app.extensions import db
from app.reports import documents, pack_archive, packs, prepared
from app.reports.models import PreparedDocument
from tests import factories
from tests.pages import audit_entries, page_text


@pytest.fixture
def held(make_campaign, record, health, treasury, today):
    """Two campaigns that ended last month and this one; Health's nurses completed one."""
    nurses = [factories.make_employee(f"Nurse {n} Dlamini", department=health) for n in range(4)]
    accountant = factories.make_employee("Johan Botha", department=treasury)
    phishing = make_campaign("Phishing: think before you click", starts_on=today - timedelta(days=60),
                             ends_on=today - timedelta(days=35))
    passwords = make_campaign("Passwords: never share them", starts_on=today - timedelta(days=30),
                              ends_on=today - timedelta(days=2), departments=[health])
    for nurse in nurses[:3]:
        record(passwords, nurse)
    record(phishing, accountant)
    return phishing, passwords


def test_the_report_is_queued_and_the_documents_job_builds_the_pdf(client, login_as, held):
    user = login_as("auditor")
    response = client.get("/reports/awareness.pdf")
    assert response.status_code == 303
    [document] = db.session.query(PreparedDocument).all()
    assert document.report == "awareness" and document.status == "queued"

    assert prepared.work() == "1 document(s) prepared"

    db.session.refresh(document)
    assert document.status == "ready" and document.download_name.startswith("awareness-and-training-")
    download = client.get(f"/reports/documents/{document.id}/download")
    data = download.get_data()
    download.close()
    assert data.startswith(b"%PDF")
    [generated] = audit_entries("generate", "report", "awareness")
    assert generated.actor_id == user.id
    assert "Awareness and training" in page_text(client.get("/reports"))


def test_the_report_holds_the_campaigns_their_rates_the_departments_table_and_the_trend(app, held, health):
    phishing, passwords = held
    with app.test_request_context():
        html = documents.render_report_html("awareness", generated_by="Test Auditor")

    for text in [phishing.reference, phishing.topic, passwords.topic, "Every department; every position",
                 "DOH; every position", "20%", "1 of 5", "75%", "3 of 4", "Below", "target of 80%",
                 '<svg class="trend-chart"', "Completion rate by department and month", "Department of Health"]:
        assert text in html, text
    assert "Dlamini" not in html and "Johan Botha" not in html  # counts only

    with app.test_request_context():
        html = documents.render_report_html("awareness", params={"department_id": health.id}, generated_by="T")
    assert "audience in department DOH" in html and "4 of 4" not in html and "3 of 4" in html


@pytest.mark.parametrize(("query", "status"), [("from=yesterday", 400), ("from=2026-12-01&to=2026-01-01", 400),
                                               ("department=999999", 404), ("department=x", 400)])
def test_bad_parameters_are_refused_with_a_message(client, login_as, query, status):
    login_as("security_officer")
    response = client.get(f"/reports/awareness.pdf?{query}")
    assert response.status_code == status
    assert db.session.query(PreparedDocument).count() == 0


def _pack(tmp_path, monkeypatch, scope: packs.Scope) -> tuple[dict[str, bytes], list]:
    asked = []
    monkeypatch.setattr(documents, "build_report", lambda name, *, params=None, generated_by: asked.append(
        (name, params)) or b"%PDF-1.7 stand-in")
    target = tmp_path / "pack.zip"
    pack_archive.write_pack(packs.gather(packs.check_scope(scope)), target, generated_by="Test Auditor",
                            checkpoint=checkpoints.publish(CheckpointReason.PACK))
    with zipfile.ZipFile(target) as archive:
        return {name: archive.read(name) for name in archive.namelist()}, asked


def _rows(files: dict[str, bytes], name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(files[name].decode("utf-8-sig"))))


def test_a_pack_holds_the_report_and_the_extracts_without_personal_data(tmp_path, monkeypatch, held, today):
    phishing, passwords = held
    factories.make_risk(title="Staff fall for phishing")  # something to pack

    files, asked = _pack(tmp_path, monkeypatch, packs.Scope())

    assert {"reports/awareness-and-training.pdf", "extracts/awareness-campaigns.csv",
            "extracts/awareness-campaigns.xlsx", "extracts/awareness-rates.csv",
            "extracts/awareness-rates.xlsx"} <= set(files)
    assert ("awareness", {"date_from": phishing.starts_on.isoformat(),
                          "date_to": passwords.ends_on.isoformat()}) in asked
    campaigns = _rows(files, "extracts/awareness-campaigns.csv")
    assert [(row["Reference"], row["Audience"], row["Completed or attended"], row["Completion rate (%)"])
            for row in campaigns] == [(phishing.reference, "5", "1", "20.0"), (passwords.reference, "4", "3", "75.0")]
    rates = _rows(files, "extracts/awareness-rates.csv")
    assert [(row["Reference"], row["Department"], row["Completion rate (%)"]) for row in rates] == [
        (phishing.reference, "DOH", "0.0"), (phishing.reference, "PT", "100.0"), (passwords.reference, "DOH", "75.0")]
    every_file = b"".join(files.values())
    assert b"Dlamini" not in every_file and b"Johan Botha" not in every_file
    assert b'"register": "awareness-rates"' in files[pack_archive.MANIFEST]


def test_a_pack_of_a_period_or_department_holds_its_campaigns_and_one_of_other_controls_none(
        tmp_path, monkeypatch, held, health, treasury, today):
    phishing, passwords = held
    factories.make_risk(title="Staff fall for phishing")

    files, _ = _pack(tmp_path, monkeypatch, packs.Scope(date_from=today - timedelta(days=20)))
    assert [row["Reference"] for row in _rows(files, "extracts/awareness-campaigns.csv")] == [passwords.reference]

    files, _ = _pack(tmp_path, monkeypatch, packs.Scope(department_id=treasury.id))
    assert [(row["Reference"], row["Completion rate (%)"]) for row in _rows(
        files, "extracts/awareness-campaigns.csv")] == [(phishing.reference, "100.0")]  # the treasury's own rate

    files, _ = _pack(tmp_path, monkeypatch, packs.Scope(controls=("6.3",)))
    assert "extracts/awareness-campaigns.csv" in files
    files, _ = _pack(tmp_path, monkeypatch, packs.Scope(controls=("8.7",)))
    assert not [name for name in files if "awareness" in name]


# --- the certification-evidence page ---------------------------------------------------------------


def _awareness_state(user, today):
    from app.isms import artefacts

    return next(a for a in artefacts.ARTEFACTS if a.key == "awareness").check(user, today)


def test_the_evidence_page_shows_the_programme_by_its_counts(app, make_campaign, record, officer, health, today):
    from app.isms.artefacts import Standing

    assert _awareness_state(officer, today).standing is Standing.MISSING
    nurse = factories.make_employee("Zanele Cele", department=health)
    old = make_campaign("Old", starts_on=today - timedelta(days=500), ends_on=today - timedelta(days=450))
    record(old, nurse)
    state = _awareness_state(officer, today)
    assert state.summary == "1 campaign (0 in the last 12 months) with 1 training record"
    assert [gap.text for gap in state.gaps] == ["No awareness campaign in the last 12 months"]

    make_campaign("Phishing", starts_on=today - timedelta(days=40), ends_on=today - timedelta(days=10))
    make_campaign("Running", starts_on=today - timedelta(days=5), ends_on=today + timedelta(days=20))
    state = _awareness_state(officer, today)
    assert [gap.text for gap in state.gaps] == ["1 campaign of the last 12 months ended with no completion recorded"]
    assert state.standing is Standing.GAPS and "Zanele" not in str(state)


def test_the_artefact_answers_in_two_queries(app, make_campaign, officer, today):
    import sqlalchemy as sa

    make_campaign()
    statements: list[str] = []

    def note(connection, cursor, statement, *args) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        _awareness_state(officer, today)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2
