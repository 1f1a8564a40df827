"""The acceptances register: every acceptance with its status (current, expired, withdrawn), what was
accepted against the tolerance, by whom and until when; its list, downloads and PDF; and the risk
register saying who accepted an accepted risk and until when."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.common.timeutil import local_today
from app.extensions import db
from app.reports import documents, prepared
from app.reports.models import PreparedDocument
from app.risks import queries, services
from app.risks.models import AcceptanceStatus, RiskAcceptance
from app.risks.scoring import Rating
from tests import factories
from tests.pages import audit_entries, csv_rows, page_text, text_of, xlsx_rows


@pytest.fixture
def departments(app):
    return {"health": factories.make_department("DOH", "Health"),
            "education": factories.make_department("DOE", "Education")}


@pytest.fixture
def register(make_risk, departments, owner, officer):
    """Four acceptances by the owner (Medium residuals): current, withdrawn (re-scored), expired (ended
    by the nightly job) and expired (past its date, the job not run yet)."""
    today = local_today()

    def accepted(title, department, days=90):
        risk = make_risk(inherent=(5, 5), residual=(3, 3), tolerance=4, title=title,
                         department_id=departments[department].id, status="open")
        services.accept_risk(risk, actor=owner, justification=f"{title}: funded next year.",
                             expires_on=today + timedelta(days=days), today=today, expected_version=risk.version)
        db.session.commit()
        return risk

    current = accepted("Ransomware", "health")
    withdrawn = accepted("Phishing", "health")
    services.update_risk(withdrawn, replace(services.input_of(withdrawn), residual=Rating(3, 2)),
                         expected_version=withdrawn.version, actor=officer, reason="Training done")
    ended = accepted("Legacy servers", "education")
    lapsed = accepted("Old firewall", "education")
    # The nightly job ends one; the other passes its date after the job ran.
    services.current_acceptance(ended).expires_on = today - timedelta(days=1)
    services.expire_acceptances(today)
    services.current_acceptance(lapsed).expires_on = today - timedelta(days=1)
    db.session.commit()
    return {"current": current, "withdrawn": withdrawn, "ended": ended, "lapsed": lapsed}


def test_each_acceptance_has_its_status(register):
    today = local_today()
    by_risk = {a.risk.title: a.status_on(today) for a in db.session.scalars(sa.select(RiskAcceptance))}
    assert by_risk == {"Ransomware": AcceptanceStatus.CURRENT, "Phishing": AcceptanceStatus.WITHDRAWN,
                       "Legacy servers": AcceptanceStatus.EXPIRED, "Old firewall": AcceptanceStatus.EXPIRED}
    for status in AcceptanceStatus:  # the SQL filter agrees with the rule, row for row
        filters = queries.AcceptanceFilters.from_args({"status": status.value}, viewer=None)
        found = {a.risk.title for a in db.session.scalars(queries.filtered_acceptances(filters, today=today))}
        assert found == {title for title, s in by_risk.items() if s == status}


def test_an_auditor_reads_the_register_with_who_accepted_and_until_when(client, login_as, register, owner):
    login_as("auditor")
    response = client.get("/risks/acceptances")
    text = text_of(response)
    assert response.status_code == 200
    until = (local_today() + timedelta(days=90)).isoformat()
    assert f"R-0001 Ransomware DOH 9 Medium > 4 {owner.full_name} Risk owner" in text
    yesterday = (local_today() - timedelta(days=1)).isoformat()
    assert f"{until} Current" in text and "Withdrawn Risk re-scored" in text
    assert text.count(f"{yesterday} Expired") == 2
    assert page_text(response).count('method="post"') == 1  # read-only: the sign-out button only


@pytest.mark.parametrize(("args", "titles"), [
    ({"status": "withdrawn"}, {"Phishing"}),
    ({"status": "nonsense"}, {"Ransomware", "Phishing", "Legacy servers", "Old firewall"}),  # ignored
    ({"department": "education"}, {"Legacy servers", "Old firewall"}),
    ({"band": "Medium"}, {"Ransomware", "Phishing", "Legacy servers", "Old firewall"}),
    ({"band": "Critical"}, set()),
    ({"q": "firewall"}, {"Old firewall"}),
    ({"department": "abc"}, {"Ransomware", "Phishing", "Legacy servers", "Old firewall"}),  # ignored
])
def test_the_filters(client, login_as, register, departments, args, titles):
    login_as("security_officer")
    if args.get("department") in departments:
        args = {**args, "department": departments[args["department"]].id}
    rows = csv_rows(client.get("/risks/acceptances", query_string={**args, "export": "csv"}))
    assert {row["Title"] for row in rows} == titles


def test_a_manager_reads_their_department_s_acceptances_only(client, login_as, register, departments):
    login_as("manager", department=departments["education"])
    text = text_of(client.get("/risks/acceptances"))
    assert "Old firewall" in text and "Ransomware" not in text
    # Asking for another department gives nothing more.
    rows = csv_rows(client.get("/risks/acceptances", query_string={
        "department": departments["health"].id, "export": "csv"}))
    assert rows == []
    assert "Health" not in page_text(client.get("/risks/acceptances")).split('id="filter-department"')[1].split(
        "</select>")[0]


@pytest.mark.parametrize("role", ["hr_officer"])
def test_a_role_that_does_not_read_risks_is_refused(client, login_as, register, role):
    login_as(role)
    assert client.get("/risks/acceptances").status_code == 403
    assert client.get("/risks/acceptance-requests").status_code == 403


def test_the_downloads_carry_every_column_and_are_audited(client, login_as, register, owner):
    user = login_as("auditor")
    rows = csv_rows(client.get("/risks/acceptances?status=current&export=csv"))
    assert rows == [{
        "Risk": "R-0001", "Title": "Ransomware", "Department": "DOH", "Risk owner": owner.full_name,
        "Residual score": "9", "Residual band": "Medium", "Tolerance": "4", "Above tolerance by": "5",
        "Accepted by": owner.full_name, "Authority": "Risk owner", "Accepted on": local_today().isoformat(),
        "Expires on": (local_today() + timedelta(days=90)).isoformat(), "Status": "Current", "Ended": "",
        "Why it ended": "", "Justification": "Ransomware: funded next year."}]
    sheet = xlsx_rows(client.get("/risks/acceptances?export=xlsx"))
    assert len(sheet) == 4 and {row["Status"] for row in sheet} == {"Current", "Withdrawn", "Expired"}
    entries = audit_entries("export", "risk_acceptance")
    assert [entry.summary for entry in entries] == ["Exported 1 risk acceptances as CSV",
                                                   "Exported 4 risk acceptances as XLSX"]
    assert {entry.actor_id for entry in entries} == {user.id}


def test_the_risk_register_says_who_accepted_until_when(client, login_as, register, owner):
    login_as("auditor")
    until = (local_today() + timedelta(days=90)).isoformat()
    assert f"Accepted by {owner.full_name} until {until}" in text_of(client.get("/risks"))
    [row] = [row for row in csv_rows(client.get("/risks?export=csv")) if row["Title"] == "Ransomware"]
    assert (row["Status"], row["Accepted by"], row["Accepted until"]) == ("Accepted", owner.full_name, until)
    [withdrawn] = [row for row in csv_rows(client.get("/risks?export=csv")) if row["Title"] == "Phishing"]
    assert (withdrawn["Accepted by"], withdrawn["Accepted until"]) == ("", "")


def test_the_register_pdf_and_the_acceptances_pdf_name_the_acceptor(app, register, owner, departments):
    until = (local_today() + timedelta(days=90)).isoformat()
    with app.test_request_context():
        register_html = documents.render_report_html("risk_register", generated_by="Tester")
        html = documents.render_report_html("acceptance_register", generated_by="Tester")
        education = documents.render_report_html(
            "acceptance_register", params={"filters": {"department": str(departments["education"].id)}},
            generated_by="Tester")
    assert f"Accepted by {owner.full_name} until {until}" in register_html
    assert "4 acceptances on" in html and "1 current, 2 expired, 1 withdrawn." in html
    assert "Ransomware" in html and "Risk re-scored" in html and f"{owner.full_name}" in html
    assert "<td style=\"text-align: left\">Critical</td><td>20–25</td><td style=\"text-align: left\">Accounting " \
           "officer</td>" in html
    assert "Ransomware" not in education and "Old firewall" in education


def test_a_manager_s_acceptances_pdf_holds_their_department_only(app, register, departments):
    manager = factories.make_user("manager", department=departments["health"])
    with app.test_request_context():
        html = documents.render_report_html("acceptance_register", params={"viewer_id": manager.id},
                                            generated_by="Tester")
    assert "Ransomware" in html and "Old firewall" not in html


def test_bad_report_parameters_are_named(app):
    with app.test_request_context(), pytest.raises(documents.ReportNotFound, match="no department with id 999"):
        documents.check("acceptance_register", {"filters": {"department": "999"}})
    with app.test_request_context(), pytest.raises(documents.ReportInputError, match="query string"):
        documents.check("acceptance_register", {"filters": "status=current"})


def test_the_pdf_is_queued_and_built_by_the_documents_job(client, login_as, register):
    import subprocess

    login_as("auditor")
    response = client.get("/reports/risk-acceptances.pdf?status=current")
    assert response.status_code == 303
    document = db.session.scalars(sa.select(PreparedDocument)).one()
    assert document.params["filters"] == {"status": "current"}

    assert prepared.work() == "1 document(s) prepared"

    download = client.get(f"/reports/documents/{document.id}/download")
    data = download.get_data()
    download.close()
    text = " ".join(subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
                    .stdout.decode().split())
    assert "Risk acceptance register" in text and "Every acceptance: current only" in text
    assert "Ransomware" in text and "Phishing" not in text
