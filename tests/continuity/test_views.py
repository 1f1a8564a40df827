"""The continuity pages through the test client: who may read and write, bad input (a message next to
the field, nothing saved), a lost race, the exports, plans issued and tests recorded."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.continuity import services
from app.continuity.models import ContinuityTest, ImpactAnalysis, PlanState
from app.extensions import db
from app.nonconformities.models import Nonconformity
from tests import factories
from tests.pages import audit_entries, csv_rows, error_next_to, page_text, xlsx_rows

VIEWERS = ["admin", "security_officer", "risk_owner", "manager", "auditor"]
EDITORS = ["admin", "security_officer"]
READ_ONLY = ["risk_owner", "manager", "auditor"]
STALE = "was changed by someone else while you were editing it"


def analysis_form(item, officer, today, **changes) -> dict:
    return {"asset_id": str(item.id), "description": "", "owner_id": str(officer.id), "department_id": "",
            "rto_hours": "24", "rpo_hours": "24", "mtd_hours": "72", "impact_service_delivery": "4",
            "impact_financial": "2", "impact_reputational": "3", "impact_legal": "3",
            "analysed_on": today.isoformat(), "review_on": (today + timedelta(days=365)).isoformat(),
            "dependency_ids": "", "version": "", **changes}


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize("role", VIEWERS)
def test_every_reader_sees_the_pages_and_only_editors_get_the_buttons(client, login_as, role, make_analysis,
                                                                      make_test, officer):
    analysis = make_analysis()
    make_test(analysis)
    plan = services.create_plan(analysis, kind="bcp", title="Business continuity plan", owner_id=None, actor=officer)
    db.session.commit()
    login_as(role)
    for url in ["/continuity", "/continuity/tests", f"/continuity/{analysis.id}",
                f"/continuity/{analysis.id}/plans/{plan.id}"]:
        assert client.get(url).status_code == 200, url
    assert ("New analysis" in page_text(client.get("/continuity"))) == (role in EDITORS)
    assert ("New plan" in page_text(client.get(f"/continuity/{analysis.id}"))) == (role in EDITORS)


def test_hr_officers_do_not_see_the_register(client, login_as):
    login_as("hr_officer")
    assert client.get("/continuity").status_code == 403


@pytest.mark.parametrize("role", READ_ONLY)
def test_readers_write_nothing(client, login_as, role, officer, today, make_item, make_analysis):
    analysis, item = make_analysis(), make_item("APP-77", "DOI - Enquiry Logging System")
    login_as(role)
    responses = [client.post("/continuity/new", data=analysis_form(item, officer, today)),
                 client.post(f"/continuity/{analysis.id}/plans/new", data={"kind": "bcp", "title": "x"}),
                 client.post(f"/continuity/{analysis.id}/edit", data=analysis_form(analysis.asset, officer, today)),
                 client.post(f"/continuity/{analysis.id}/tests/new", data={})]
    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert count(ImpactAnalysis) == 1 and count(ContinuityTest) == 0


def test_an_officer_records_an_analysis_with_its_dependencies(client, login_as, officer, today, make_item):
    item, _site = make_item("APP-1", "DOTP Ombudsman (Complaints System)"), make_item("SITE-0001", "Bellville", "site")
    login_as(officer)
    response = client.post("/continuity/new", data=analysis_form(item, officer, today, dependency_ids="SITE-0001"))
    assert response.status_code == 302
    analysis = db.session.scalar(sa.select(ImpactAnalysis))
    assert analysis.overall_impact == 4 and [d.tag for d in analysis.dependencies] == ["SITE-0001"]
    assert len(audit_entries("create", "impact_analysis")) == 1
    assert "Bellville" in page_text(client.get(response.location))


def test_an_rto_beyond_the_mtd_is_refused_next_to_the_rto(client, login_as, officer, today, make_item):
    item = make_item("APP-1", "DOTP Ombudsman (Complaints System)")
    login_as(officer)
    response = client.post("/continuity/new", data=analysis_form(item, officer, today, rto_hours="96"))
    assert response.status_code == 422
    assert "longer than the maximum tolerable downtime" in error_next_to(response, "rto_hours")
    assert count(ImpactAnalysis) == 0


@pytest.mark.parametrize("changes, field, message", [
    ({"dependency_ids": "NOPE-1"}, "dependency_ids", "No CMDB item has the tag NOPE-1"),
    ({"impact_legal": "9"}, "impact_legal", "Not a valid choice"),
    ({"rto_hours": "soon"}, "rto_hours", "Not a valid integer"),
    ({"analysed_on": "31/12/2026"}, "analysed_on", "is not a date"),
])
def test_bad_input_is_named_and_nothing_saved(client, login_as, officer, today, make_item, changes, field, message):
    item = make_item("APP-1", "DOTP Ombudsman (Complaints System)")
    login_as(officer)
    response = client.post("/continuity/new", data=analysis_form(item, officer, today, **changes))
    assert response.status_code == 422
    assert message in error_next_to(response, field)
    assert count(ImpactAnalysis) == 0


def test_an_owner_edits_their_own_service_and_not_anothers(client, login_as, officer, today, make_analysis):
    manager = factories.make_user("manager")
    own, other = make_analysis(owner=manager), make_analysis("DOI - Enquiry Logging System")
    login_as(manager)
    assert client.get(f"/continuity/{own.id}/edit").status_code == 200
    assert client.get(f"/continuity/{other.id}/edit").status_code == 403
    response = client.post(f"/continuity/{own.id}/edit", data=analysis_form(
        own.asset, manager, today, rto_hours="12", version=str(own.version)))
    assert response.status_code == 302 and db.session.get(ImpactAnalysis, own.id).rto_hours == 12


def test_a_stale_edit_is_refused(client, login_as, officer, today, make_analysis):
    analysis = make_analysis()
    login_as(officer)
    response = client.post(f"/continuity/{analysis.id}/edit", data=analysis_form(
        analysis.asset, officer, today, rto_hours="12", version=str(analysis.version - 1)), follow_redirects=True)
    assert STALE in page_text(response)
    assert db.session.get(ImpactAnalysis, analysis.id).rto_hours == 24


def test_a_plan_is_started_drafted_and_issued_through_the_pages(client, login_as, officer, today, make_analysis):
    analysis = make_analysis()
    login_as(officer)
    response = client.post(f"/continuity/{analysis.id}/plans/new", data={"kind": "drp", "title": "DRP: complaints",
                                                                         "owner_id": str(officer.id)})
    assert response.status_code == 302
    plan = analysis.plans[0]
    assert client.post(f"/continuity/{analysis.id}/plans/new", data={"kind": "", "title": ""}).status_code == 422
    draft = plan.draft
    response = client.post(f"/continuity/{analysis.id}/plans/{plan.id}/draft", data={
        "version": str(draft.version), "change": "Original", "body": "## Steps\n1. Restore from backup.",
        "document": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "drp.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    response = client.post(f"/continuity/{analysis.id}/plans/{plan.id}/issue", data={
        "version": str(draft.version), "approved_on": (today + timedelta(days=3)).isoformat()}, follow_redirects=True)
    assert "cannot be dated in the future" in page_text(response) and draft.state == PlanState.DRAFT
    response = client.post(f"/continuity/{analysis.id}/plans/{plan.id}/issue", data={
        "version": str(draft.version), "approved_on": today.isoformat()}, follow_redirects=True)
    db.session.refresh(draft)
    assert draft.state == PlanState.ISSUED and "Issued DRP-001 version 1.0" in page_text(response)
    document = client.get(f"/continuity/{analysis.id}/plans/{plan.id}/versions/{draft.id}/document")
    assert document.status_code == 200 and document.data.startswith(b"%PDF")
    document.close()
    assert client.get(f"/continuity/{analysis.id}/plans/{plan.id}/draft", follow_redirects=True).status_code == 200


def test_a_plan_of_another_service_is_404(client, login_as, officer, make_analysis):
    first, second = make_analysis(), make_analysis("DOI - Enquiry Logging System")
    plan = services.create_plan(second, kind="bcp", title="BCP", owner_id=None, actor=officer)
    db.session.commit()
    login_as("auditor")
    assert client.get(f"/continuity/{first.id}/plans/{plan.id}").status_code == 404


def test_a_restore_test_is_recorded_with_its_log_as_control_evidence(client, login_as, officer, today, make_analysis):
    analysis = make_analysis()
    login_as(officer)
    data = {"tested_on": today.isoformat(), "kind": "backup_restore", "scenario": "Restore last night's backup",
            "outcome": "passed", "recovery_minutes": "1500", "findings": "", "notes": "", "plan_id": ""}
    refused = client.post(f"/continuity/{analysis.id}/tests/new", data=data)
    assert refused.status_code == 422 and "longer than the recovery time objective" in error_next_to(refused, "outcome")
    response = client.post(f"/continuity/{analysis.id}/tests/new", data={
        **data, "recovery_minutes": "95", "file": (io.BytesIO(b"restore ok\n"), "restore.txt")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    test = db.session.scalar(sa.select(ContinuityTest))
    assert test.evidence is not None and {c.reference for c in test.evidence.controls} == {"8.13", "5.30"}


def test_a_finding_is_raised_as_a_nonconformity_by_an_editor_only(client, login_as, officer, make_analysis,
                                                                   make_test):
    analysis = make_analysis()
    test = make_test(analysis, outcome="passed_with_findings", findings=["Call tree out of date."])
    finding = test.findings[0]
    login_as("auditor")
    assert client.post(f"/continuity/{analysis.id}/findings/{finding.id}/raise",
                       data={"severity": "minor"}).status_code == 403
    login_as(officer)
    response = client.post(f"/continuity/{analysis.id}/findings/{finding.id}/raise", data={"severity": "minor"},
                           follow_redirects=True)
    assert "Raised the finding as NC-0001" in page_text(response)
    assert count(Nonconformity) == 1
    again = client.post(f"/continuity/{analysis.id}/findings/{finding.id}/raise", data={"severity": "minor"},
                        follow_redirects=True)
    assert "already raised" in page_text(again) and count(Nonconformity) == 1


def test_the_lists_filter_and_export(client, login_as, make_analysis, make_test):
    tested, untested = make_analysis(), make_analysis("DOI - Enquiry Logging System")
    make_test(tested, kind="walkthrough")
    login_as("auditor")
    assert "DOI - Enquiry" in page_text(client.get("/continuity?test_due=1"))
    assert "DOTP Ombudsman" not in page_text(client.get("/continuity?test_due=1"))
    rows = csv_rows(client.get("/continuity?export=csv"))
    assert [r["Reference"] for r in rows] == ["BIA-001", "BIA-002"] and rows[0]["RTO (hours)"] == "24"
    tests = xlsx_rows(client.get("/continuity/tests?export=xlsx"))
    assert [t["Kind"] for t in tests] == ["Walkthrough"]
    assert "No test matches" in page_text(client.get("/continuity/tests?kind=failover"))
    assert client.get("/continuity?impact=99&owner=abc").status_code == 200  # ignored, not an error
    assert untested.last_tested_on is None
