"""The register's pages by role: allowed, forbidden, bad input; the reporter's own reports, the
export, the summary and the PDFs."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.incidents.models import Incident, IncidentStatus
from app.reports import prepared
from tests import factories
from tests.incidents.helpers import reported, triaged

ROLES = ["admin", "security_officer", "risk_owner", "manager", "hr_officer", "auditor"]


@pytest.fixture
def register(app):
    reporter = factories.make_user("manager", full_name="Thandi Reporter")
    waiting = reported(reporter, title="Laptop left in a taxi")
    breach = triaged(reported(reporter, title="Payslips e-mailed to the wrong list"),
                     personal_information_involved=True, personal_information_compromised=True,
                     category="data_leakage")
    db.session.commit()
    return {"reporter": reporter, "waiting": waiting, "breach": breach}


@pytest.mark.parametrize("role", ["admin", "security_officer", "auditor"])
def test_readers_see_the_list_summary_and_record(client, login_as, register, role):
    login_as(role)
    page = client.get("/incidents").get_data(as_text=True)
    assert "Laptop left in a taxi" in page and "Payslips e-mailed" in page and "POPIA clock" in page
    assert client.get("/incidents/summary").status_code == 200
    record = client.get(f"/incidents/{register['breach'].id}").get_data(as_text=True)
    assert "POPIA s22 notification" in record


@pytest.mark.parametrize("role", ["risk_owner", "manager", "hr_officer"])
def test_others_do_not_read_the_register(client, login_as, register, role):
    login_as(role)
    assert client.get("/incidents").status_code == 403
    assert client.get(f"/incidents/{register['breach'].id}").status_code == 403
    assert client.get("/incidents/summary").status_code == 403


def test_the_auditor_reports_nothing_and_handles_nothing(client, login_as, register):
    login_as("auditor")
    assert client.get("/incidents/report").status_code == 403
    incident = register["waiting"]
    for url in (f"/incidents/{incident.id}/triage", f"/incidents/{incident.id}/handling",
                f"/incidents/{incident.id}/notification", f"/incidents/{incident.id}/close"):
        assert client.post(url, data={}).status_code == 403, url


@pytest.mark.parametrize("role", ["risk_owner", "manager", "hr_officer", "security_officer", "admin"])
def test_any_signed_in_user_but_the_auditor_reports_an_event(client, login_as, app, role):
    user = login_as(role)
    response = client.post("/incidents/report", data={
        "title": "USB stick found in the car park", "description": "Plugged into nothing; handed to IT.",
        "discovered_at": "2026-03-02T08:15", "personal_information": "no"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/incidents/mine")
    incident = db.session.scalar(db.select(Incident).where(Incident.reported_by_id == user.id))
    assert incident.status == IncidentStatus.REPORTED
    assert "USB stick found" in client.get("/incidents/mine").get_data(as_text=True)
    assert client.get(f"/incidents/mine/{incident.id}").status_code == 200


def test_a_bad_report_is_refused_with_messages(client, login_as, app):
    login_as("manager")
    response = client.post("/incidents/report", data={"title": "", "description": "", "discovered_at": "yesterday"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "is not a date and time" in page and "Say in a few words" in page
    assert db.session.scalar(db.select(db.func.count(Incident.id))) == 0


def test_a_reporter_sees_only_their_own_reports(client, login_as, register):
    login_as(register["reporter"])
    assert client.get(f"/incidents/mine/{register['waiting'].id}").status_code == 200
    login_as("manager")
    assert client.get(f"/incidents/mine/{register['waiting'].id}").status_code == 404
    assert "Laptop left" not in client.get("/incidents/mine").get_data(as_text=True)


def test_the_officer_triages_an_event(client, login_as, register):
    login_as("security_officer")
    incident = register["waiting"]
    assert client.get(f"/incidents/{incident.id}/triage").status_code == 200
    bad = client.post(f"/incidents/{incident.id}/triage", data={"version": incident.version, "is_incident": "yes",
                                                                 "reason": ""})
    assert bad.status_code == 422 and "Choose the incident" in bad.get_data(as_text=True)
    good = client.post(f"/incidents/{incident.id}/triage", data={
        "version": incident.version, "is_incident": "yes", "reason": "Unencrypted laptop with HR files.",
        "category": "lost_or_stolen_device", "severity": "medium", "source": "staff",
        "personal_information_involved": "y", "personal_information_compromised": "y"})
    assert good.status_code == 302
    db.session.refresh(incident)
    assert incident.status == IncidentStatus.OPEN and incident.notification_pending


def test_the_notification_form_refuses_a_late_notice_without_reason(client, login_as, register):
    login_as("security_officer")
    breach = register["breach"]
    response = client.post(f"/incidents/{breach.id}/notification", data={
        "version": breach.version, "regulator_notified_on": "2026-03-20", "regulator_reference": "IR-ES-1"})
    assert response.status_code == 422 and "reason for the delay" in response.get_data(as_text=True)
    response = client.post(f"/incidents/{breach.id}/notification", data={
        "version": breach.version, "regulator_notified_on": "2026-03-20", "regulator_reference": "IR-ES-1",
        "delay_reason": "SAPS asked us to wait for its investigation."})
    assert response.status_code == 302
    db.session.refresh(breach)
    assert breach.regulator_reference == "IR-ES-1" and breach.notification_pending  # subjects still to notify


def test_handling_with_dates_out_of_order_is_refused(client, login_as, register):
    login_as("security_officer")
    breach = register["breach"]
    response = client.post(f"/incidents/{breach.id}/handling", data={
        "version": breach.version, "contained_on": "2026-03-05", "eradicated_on": "2026-03-04"})
    assert response.status_code == 422 and "before it was contained" in response.get_data(as_text=True)


def test_evidence_upload_and_download(client, login_as, register):
    import io
    login_as("security_officer")
    breach = register["breach"]
    response = client.post(f"/incidents/{breach.id}/evidence/new", data={
        "title": "Distribution list", "collected_at": "2026-03-02T11:00",
        "file": (io.BytesIO(b"name,email\n"), "list.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302
    item = breach.evidence[0]
    login_as("auditor")
    download = client.get(f"/incidents/{breach.id}/evidence/{item.id}/file")
    assert download.status_code == 200 and download.data == b"name,email\n"
    download.close()
    refused = client.post(f"/incidents/{breach.id}/evidence/new", data={})
    assert refused.status_code == 403


def test_export_and_pdfs(client, login_as, register):
    login_as("auditor")
    export = client.get("/incidents?status=all&export=csv")
    assert export.status_code == 200 and b"Payslips e-mailed" in export.data
    one = client.get(f"/reports/incidents/{register['breach'].id}/record.pdf")
    assert one.status_code == 200 and one.data.startswith(b"%PDF")
    queued = client.get("/reports/incidents.pdf?status=all")
    assert queued.status_code == 303
    prepared.work()


# --- the chain of custody, follow-ups done, the evidence pack ---------------------------------------


def _evidence(client, incident):
    import io

    response = client.post(f"/incidents/{incident.id}/evidence/new", data={
        "title": "Distribution list", "collected_at": "2026-03-02T11:00",
        "file": (io.BytesIO(b"name,email\n"), "list.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302
    return incident.evidence[0]


def test_the_chain_of_custody_runs_forward_names_a_handler_and_says_where_an_item_went(client, login_as, register):
    from tests.pages import audit_entries, error_next_to

    officer = login_as("security_officer")
    breach = register["breach"]
    item = _evidence(client, breach)
    url = f"/incidents/{breach.id}/evidence/{item.id}/custody"
    assert client.get(url).status_code == 200
    refused = client.post(url, data={"at": "2026-03-02T12:00", "action": "transferred", "handler_id": str(officer.id)})
    assert refused.status_code == 422 and "Say where it went" in error_next_to(refused, "note")
    backwards = client.post(url, data={"at": "2026-03-02T10:00", "action": "examined", "handler_id": str(officer.id)})
    assert backwards.status_code == 422 and "runs forward" in error_next_to(backwards, "at")
    assert len(item.custody) == 1  # only its collection

    saved = client.post(url, data={"at": "2026-03-02T12:00", "action": "transferred", "handler_id": str(officer.id),
                                   "note": "Handed to the SAPS investigating officer, receipt 114."})
    assert saved.status_code == 302
    db.session.refresh(item)
    assert [entry.action for entry in item.custody] == ["collected", "transferred"]
    assert audit_entries("custody", "incident_evidence", item.id)
    page = client.get(f"/incidents/{breach.id}").get_data(as_text=True)
    assert "Handed to the SAPS investigating officer" in page

    login_as("auditor")
    assert client.post(url, data={"at": "2026-03-02T13:00", "action": "examined",
                                  "handler_id": str(officer.id)}).status_code == 403
    other = triaged(reported(register["reporter"], title="Another"))
    db.session.commit()
    login_as("security_officer")
    assert client.get(f"/incidents/{other.id}/evidence/{item.id}/custody").status_code == 404


def test_a_follow_up_is_marked_done_once_by_a_handler(client, login_as, register):
    from app.incidents import services
    from app.incidents.models import IncidentAction

    officer = login_as("security_officer")
    breach = register["breach"]
    entry = services.add_action(breach, at=breach.discovered_at, due_on=breach.discovered_at.date(), actor=officer,
                                description="Send the list owner the new distribution rules.")
    db.session.commit()
    url = f"/incidents/{breach.id}/actions/{entry.id}/done"
    login_as("auditor")
    assert client.post(url).status_code == 403
    login_as("security_officer")
    assert client.post(url, follow_redirects=True).status_code == 200
    assert db.session.get(IncidentAction, entry.id).done
    again = client.post(url, follow_redirects=True).get_data(as_text=True)
    assert "already done" in again


def test_an_evidence_pack_holds_the_incidents_their_timelines_and_custody(client, login_as, register):
    from app.reports import pack_archive, packs

    login_as("security_officer")
    _evidence(client, register["breach"])
    contents = packs.gather(packs.Scope())
    files = {path: data for path, data, _ in pack_archive._incident_register(contents)}
    assert set(files) == {f"extracts/{name}.{kind}" for name in ("incidents", "incident-timelines",
                                                                  "incident-evidence-custody")
                          for kind in ("csv", "xlsx")}
    assert "Payslips e-mailed to the wrong list" in files["extracts/incidents.csv"].decode("utf-8-sig")
    assert "Distribution list" in files["extracts/incident-evidence-custody.csv"].decode("utf-8-sig")
    assert "incidents" in [name for _, name, _, _ in pack_archive._reports(contents)]
