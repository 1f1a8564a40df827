"""Internal audit pages per role: reading, planning, the checklist (its team only), issuing the report
(its lead only), the issued PDF downloaded as issued, and the list's export."""

from __future__ import annotations

import hashlib
import html
import re
import shutil
import subprocess
from datetime import date

import pytest
import sqlalchemy as sa

from app.controls import queries as control_queries
from app.controls.models import Evidence
from app.controls.services import ControlInput, create_internal_control
from app.extensions import db
from app.internal_audits import queries
from app.internal_audits.models import ChecklistLine, InternalAudit
from app.nonconformities.models import Nonconformity
from tests import factories
from tests.internal_audits.conftest import fill, make_applicable
from tests.pages import audit_entries, csv_rows, error_next_to, text_of, xlsx_rows


def plan_form(lead, **overrides) -> dict:
    values = {"title": "Access control", "criteria": "ISO/IEC 27001:2022", "planned_start": "2026-11-02",
              "planned_end": "2026-11-13", "lead_auditor_id": str(lead.id), "clauses": ["9.2"]}
    return values | overrides


@pytest.mark.parametrize("role", ["admin", "security_officer", "risk_owner", "manager", "auditor"])
def test_every_reader_sees_the_list_the_programme_and_an_audit(client, login_as, plan, lead, role):
    audited = plan(lead)
    login_as(role)
    for path in ("/internal-audits", "/internal-audits/programme", f"/internal-audits/{audited.id}"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert audited.reference in text_of(client.get("/internal-audits"))


def test_hr_reads_no_audits_and_the_auditor_plans_none(client, login_as, programme, lead):
    login_as("hr_officer")
    assert client.get("/internal-audits").status_code == 403
    login_as("auditor")
    assert client.post("/internal-audits/new", data=plan_form(lead)).status_code == 403
    assert client.post("/internal-audits/programme/edit", data={}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InternalAudit)) == 0


def test_a_security_officer_plans_an_audit(client, login_as, programme, lead):
    access = make_applicable("5.15")[0]
    login_as("security_officer")

    response = client.post("/internal-audits/new", data=plan_form(lead, control_ids=[str(access.id)]))

    assert response.status_code == 302
    audited = db.session.scalar(sa.select(InternalAudit))
    assert audited.reference == "IA-2026-01" and [line.subject for line in audited.lines] == ["9.2", "A.5.15"]
    assert audit_entries("create", "internal_audit", audited.id)


def test_bad_plans_are_refused_next_to_their_fields(client, login_as, programme, lead):
    owned = make_applicable("5.18", owner=lead)[0]
    login_as("security_officer")

    response = client.post("/internal-audits/new", data=plan_form(lead, planned_end="2026-10-01",
                                                                  control_ids=[str(owned.id)]))

    assert response.status_code == 422
    assert "cannot be before the planned start" in error_next_to(response, "planned_end")
    response = client.post("/internal-audits/new", data=plan_form(lead, control_ids=[str(owned.id)]))
    assert response.status_code == 422
    assert f"{lead.full_name} owns control 5.18" in error_next_to(response, "independence_reason")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InternalAudit)) == 0


def test_the_programme_is_started_and_edited_by_a_security_officer(client, login_as):
    login_as("security_officer")
    data = {"starts_on": "2026-02-01", "ends_on": "2029-01-31", "frequency": "Yearly", "methods": "Sampling",
            "responsibilities": "The CISO", "cycle_years": "3", "notice_days": "10"}
    assert client.post("/internal-audits/programme/edit?new=1", data=data).status_code == 302
    page = text_of(client.get("/internal-audits/programme"))
    assert "Cycle from 2026-02-01 to 2029-01-31" in page and "25 not planned yet" in page
    response = client.post("/internal-audits/programme/edit", data=data | {"cycle_years": "9"})
    assert response.status_code == 422 and "1 to 5 years" in error_next_to(response, "cycle_years")


def test_only_the_audit_team_fills_the_checklist(client, login_as, started, lead, member):
    audited = started(lead, team=(member,))
    line = audited.lines[0]
    login_as("security_officer")  # may manage audits, but is not on this one
    assert client.get(f"/internal-audits/{audited.id}/lines/{line.id}").status_code == 403

    login_as(member)
    response = client.post(f"/internal-audits/{audited.id}/lines/{line.id}",
                           data={"version": str(line.version), "result": "minor_nc", "notes": ""})
    assert response.status_code == 422 and "Describe what was found" in error_next_to(response, "notes")
    response = client.post(f"/internal-audits/{audited.id}/lines/{line.id}",
                           data={"version": str(line.version), "result": "minor_nc", "notes": "No context review."})
    assert response.status_code == 302
    db.session.refresh(line)
    assert line.result == "minor_nc"


def test_a_stale_line_is_not_saved(client, login_as, started, lead):
    audited = started(lead)
    line = audited.lines[0]
    login_as(lead)
    response = client.post(f"/internal-audits/{audited.id}/lines/{line.id}",
                           data={"version": str(line.version - 1), "result": "conforming"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/lines/{line.id}")
    db.session.refresh(line)
    assert line.result is None


def _evidence(title: str, controls=(), *, on: date = date(2026, 10, 1)):
    evidence = Evidence(title=title, kind="link", url="https://intranet.example/evidence", evidence_date=on,
                        controls=list(controls))
    db.session.add(evidence)
    return evidence


def _offered(response) -> list[str]:
    """The evidence boxes' labels on a line's page."""
    return [html.unescape(label) for label in
            re.findall(r'<label class="form-check-label" for="evidence_ids-\d+">([^<]*)</label>',
                       response.get_data(as_text=True))]


@pytest.mark.parametrize("few", [1000, 10])  # both of controls.queries.evidence_of_controls()'s plans
def test_a_line_offers_its_controls_evidence_and_finds_the_rest(client, login_as, started, lead, officer, monkeypatch,
                                                                few):
    """A store of many items is not listed whole: the line offers its control's evidence (and that of an
    internal control implementing it), what is linked already, and what a search finds; a found item can
    be linked; an item that does not exist is refused with a message."""
    access, other = make_applicable("5.15", "8.13")
    internal = create_internal_control(ControlInput(reference="IC-020", title="Quarterly access review",
                                                    control_type="Detective", annex_a_ids=[access.id]), actor=officer)
    for number in range(300):
        _evidence(f"Backup log {number:03d}", [other], on=date(2026, 9, 1))
    own = _evidence("Access control policy v4", [access])
    _evidence("Access review Q3 minutes", [internal], on=date(2026, 10, 2))
    audited = started(lead, controls=(access, other, internal))
    line, backups_line, internal_line = (next(line for line in audited.lines if line.control_id == control.id)
                                         for control in (access, other, internal))
    linked = db.session.get(Evidence, db.session.scalar(sa.select(Evidence.id).where(
        Evidence.title == "Backup log 007")))
    line.evidence = [linked]
    db.session.commit()
    url = f"/internal-audits/{audited.id}/lines/{line.id}"
    login_as(lead)
    monkeypatch.setattr(control_queries, "FEW_EVIDENCE_ITEMS", few)

    offered = _offered(client.get(url))
    assert offered == ["Backup log 007 (2026-09-01; A.8.13)", "Access review Q3 minutes (2026-10-02; IC-020)",
                       "Access control policy v4 (2026-10-01; A.5.15)"]

    # An internal control's line offers the evidence of the Annex A control it implements too.
    assert _offered(client.get(f"/internal-audits/{audited.id}/lines/{internal_line.id}")) == [
        "Access review Q3 minutes (2026-10-02; IC-020)", "Access control policy v4 (2026-10-01; A.5.15)"]
    # A popular control: its newest items, and the search for the others.
    page = client.get(f"/internal-audits/{audited.id}/lines/{backups_line.id}")
    assert len(_offered(page)) == 50 and "The 50 newest of 300 evidence items of this control" in text_of(page)

    page = client.get(url + "?find=backup+log+29")
    assert "10 other items match “backup log 29”" in text_of(page)
    assert "Backup log 299 (2026-09-01; A.8.13)" in _offered(page) and len(_offered(page)) == 3 + 10
    found = db.session.scalar(sa.select(Evidence.id).where(Evidence.title == "Backup log 299"))
    response = client.post(url, data={"version": str(line.version), "result": "conforming",
                                      "evidence_ids": [str(own.id), str(found)]})
    assert response.status_code == 302
    db.session.refresh(line)
    assert sorted(e.title for e in line.evidence) == ["Access control policy v4", "Backup log 299"]

    response = client.post(url, data={"version": str(line.version), "result": "conforming",
                                      "evidence_ids": [str(own.id), "99999"]})
    assert response.status_code == 422
    assert "Evidence item #99999 does not exist" in error_next_to(response, "evidence_ids")
    db.session.refresh(line)
    assert sorted(e.title for e in line.evidence) == ["Access control policy v4", "Backup log 299"]


def test_raising_from_the_page_twice_raises_one_nonconformity(client, login_as, started, lead):
    audited = started(lead)
    fill(audited, lead, {"9.2": ("major_nc", "No audit programme.")})
    line = audited.lines[1]
    login_as(lead)
    version = str(line.version)
    client.post(f"/internal-audits/{audited.id}/lines/{line.id}/raise", data={"version": version})
    client.post(f"/internal-audits/{audited.id}/lines/{line.id}/raise", data={"version": version})

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Nonconformity)) == 1
    assert "NC-0001" in text_of(client.get(f"/internal-audits/{audited.id}"))


def _download(client, path: str) -> bytes:
    response = client.get(path)
    assert response.status_code == 200
    content = response.data
    response.close()  # a stored file is sent from disk: close it
    return content


def _pdf_text(content: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    return " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


def test_the_lead_issues_the_report_and_the_same_pdf_is_downloaded_later(client, login_as, started, lead, member,
                                                                         tmp_path):
    contact = factories.make_user("security_officer", full_name="Sipho Nominated")
    audited = started(lead, team=(member,), clauses=("4.1", "9.2"), contact=contact)
    fill(audited, member, {"9.2": ("minor_nc", "The programme omits A.8.8.")})
    login_as(member)
    form = {"version": str(audited.version), "summary": "Two clauses.", "conclusion": "Conforms but for 9.2.",
            "actual_end": "2026-11-13", "action": "issue"}
    client.post(f"/internal-audits/{audited.id}/issue", data=form)
    db.session.refresh(audited)
    assert audited.issued_on is None  # a team member is not the lead

    login_as(lead)
    draft = client.get(f"/internal-audits/{audited.id}/report.pdf")
    assert draft.status_code == 200 and "DRAFT" in _pdf_text(draft.data, tmp_path)
    response = client.post(f"/internal-audits/{audited.id}/issue", data=form)
    assert response.status_code == 302
    db.session.refresh(audited)
    assert audited.status == "reported"

    first, again = (_download(client, f"/internal-audits/{audited.id}/report.pdf") for _ in range(2))
    assert first == again and hashlib.sha256(first).hexdigest() == audited.report_sha256
    text = _pdf_text(first, tmp_path)
    for expected in (audited.reference, "ISO/IEC 27001:2022; the ICT security policy v3", lead.full_name,
                     member.full_name, "Two clauses.", "Conforms but for 9.2.", "9.2 Internal audit",
                     "Minor nonconformity", "NC-0001", "Sipho Nominated", "lead auditor"):
        assert expected in text, expected
    assert "DRAFT" not in text
    assert audit_entries("download", "internal_audit", audited.id)


def test_after_issue_the_checklist_and_plan_cannot_change_through_the_pages(client, login_as, started, lead, tmp_path,
                                                                           monkeypatch):
    from app.internal_audits import report

    monkeypatch.setattr(report, "render_report", lambda audited, draft, generated_by=None: b"%PDF-1.7 stand-in")
    audited = started(lead)
    fill(audited, lead, {})
    login_as(lead)
    client.post(f"/internal-audits/{audited.id}/issue",
                data={"version": str(audited.version), "summary": "S", "conclusion": "C", "action": "issue"})
    line = db.session.get(ChecklistLine, audited.lines[0].id)

    response = client.post(f"/internal-audits/{audited.id}/lines/{line.id}",
                           data={"version": str(line.version), "result": "major_nc", "notes": "Changed my mind"})
    assert response.status_code == 302
    login_as("security_officer")
    response = client.post(f"/internal-audits/{audited.id}/edit", data=plan_form(lead, version=str(audited.version)))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ChecklistLine, line.id).result == "conforming"
    assert db.session.get(InternalAudit, audited.id).title == "ISMS clauses"


def test_the_list_filters_and_exports(client, login_as, plan, lead, member):
    plan(lead, clauses=("4.1",), title="Context")
    plan(member, clauses=("9.2",), title="Audit programme", start=date(2027, 3, 1), end=date(2027, 3, 5))
    login_as("auditor")

    assert [row["Title"] for row in csv_rows(client.get("/internal-audits?clause=9.2&export=csv"))] == [
        "Audit programme"]
    assert [row["Reference"] for row in xlsx_rows(client.get("/internal-audits?year=2026&export=xlsx"))] == [
        "IA-2026-01"]
    page = text_of(client.get(f"/internal-audits?lead={member.id}"))
    assert "Audit programme" in page and "Context" not in page
    assert audit_entries("export", "internal_audit")


def test_the_list_names_an_audits_first_subjects_and_counts_its_nonconformities(client, login_as, started, lead):
    clauses = ("4.1", "4.2", "4.3", "5.1", "5.2", "5.3", "6.2", "7.2", "9.2", "9.3")
    audited = started(lead, clauses=clauses)
    fill(audited, lead, {"9.2": ("minor_nc", "No programme."), "9.3": ("major_nc", "No review held.")})
    login_as("auditor")

    row = text_of(client.get("/internal-audits"))
    assert "4.1, 4.2, 4.3, 5.1, 5.2, 5.3, 6.2, 7.2 and 2 more" in row
    assert "2 nonconformities" in row
    summary = queries.list_summaries([audited.id])[audited.id]
    assert (summary.total, summary.nonconformities) == (10, 2)
