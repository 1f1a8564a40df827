"""/reports and the PDF routes: who sees which report, the downloads, bad parameters, the audit log,
and the PDF buttons on the pages the reports belong to. (The register reports are queued and built by
the scheduler's job: tests/reports/test_prepared.py has the queue itself.)"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.controls.models import SoaVersion
from app.extensions import db
from app.policies.models import PolicyVersion
from app.reports import prepared


@pytest.fixture
def demo(app, demo_data):
    return app


def test_the_reports_page_lists_what_the_role_may_read(client, login_as, demo):
    login_as("auditor")
    page = client.get("/reports").get_data(as_text=True)
    for title in ("Risk register", "Risk treatment plan", "Statement of Applicability", "Asset register summary",
                  "Policy document", "Case files and letters"):
        assert title in page
    assert "/reports/soa.pdf" in page and 'name="version"' in page

    login_as("hr_officer")  # policies and cases only
    page = client.get("/reports").get_data(as_text=True)
    assert "Policy document" in page and "Case files and letters" in page
    for hidden in ("Risk register", "Statement of Applicability", "Asset register summary"):
        assert hidden not in page

    login_as("manager")  # risks, not the SoA or the assets
    page = client.get("/reports").get_data(as_text=True)
    assert "Risk register" in page and "Statement of Applicability" not in page and "Asset register" not in page


def test_a_report_route_checks_its_own_area_permission(client, login_as, demo):
    login_as("manager")
    assert client.get("/reports/soa.pdf").status_code == 403
    assert client.get("/reports/asset-register.pdf").status_code == 403
    login_as("hr_officer")
    assert client.get("/reports/risk-register.pdf").status_code == 403
    assert client.get("/reports/treatment-plan.pdf").status_code == 403


def test_anonymous_users_are_sent_to_sign_in(client, demo):
    response = client.get("/reports/soa.pdf")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_soa_pdf_downloads_and_is_audited(client, login_as, demo):
    user = login_as("risk_owner")
    latest = db.session.scalar(sa.select(SoaVersion).order_by(SoaVersion.number.desc()).limit(1))

    asked = client.get(f"/reports/soa.pdf?version={latest.number}")
    assert asked.status_code == 303 and "/reports/documents/" in asked.location
    prepared.work()  # the scheduler process's job
    response = client.get(asked.location + "/download")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert f"filename=statement-of-applicability-v{latest.number}.pdf" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    response.close()  # send_file streams from the open file
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "generate",
                                                        AuditEntry.entity_type == "report"))
    assert (entry.action, entry.entity_type, entry.entity_id, entry.actor_id) == ("generate", "report", "soa", user.id)


def test_the_treatment_plan_pdf_for_a_department(client, login_as, demo):
    login_as("security_officer")
    asked = client.get("/reports/treatment-plan.pdf?department=1")
    prepared.work()
    response = client.get(asked.location + "/download")
    assert response.status_code == 200 and response.get_data().startswith(b"%PDF")
    response.close()


@pytest.mark.parametrize(("url", "status", "message"), [
    ("/reports/soa.pdf?version=99", 404, "no issued Statement of Applicability version 99"),
    ("/reports/soa.pdf?version=abc", 400, "must be a record number"),
    ("/reports/policy.pdf?version=999999", 404, "no policy version with id 999999"),
    ("/reports/policy.pdf?version=%7Bx%7D", 400, "{x}"),
    ("/reports/asset-register.pdf?department=9999", 404, "no department with id 9999"),
    ("/reports/treatment-plan.pdf?department=x", 400, "must be a record number"),
    ("/reports/risk-register.pdf?department=abc", 400, "must be a record number"),
    ("/reports/risk-register.pdf?department=9999", 404, "no department with id 9999"),
])
def test_bad_parameters_get_a_clear_message(client, login_as, demo, url, status, message):
    login_as("admin")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    response = client.get(url)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == before


def test_without_a_version_the_policy_route_asks_for_one(client, login_as, demo):
    login_as("manager")
    response = client.get("/reports/policy.pdf")
    assert response.status_code == 200 and "Choose the policy version" in response.get_data(as_text=True)


def test_without_an_issued_soa_the_route_says_so(client, login_as):
    login_as("auditor")
    response = client.get("/reports/soa.pdf")
    assert response.status_code == 200 and "No Statement of Applicability has been issued" in response.get_data(
        as_text=True)


def test_the_pages_offer_their_pdf(client, login_as, demo):
    login_as("security_officer")
    risks = client.get("/risks?status=all&out_of_tolerance=1").get_data(as_text=True)
    assert "/reports/risk-register.pdf?status=all&amp;out_of_tolerance=1" in risks
    latest = db.session.scalar(sa.select(SoaVersion).order_by(SoaVersion.number.desc()).limit(1))
    assert f"/reports/soa.pdf?version={latest.number}" in client.get(f"/soa/versions/{latest.number}").get_data(
        as_text=True)
    assert "/reports/asset-register.pdf" in client.get("/assets/unsupported").get_data(as_text=True)
    version = db.session.scalars(sa.select(PolicyVersion)).first()
    page = client.get(f"/policies/{version.policy_id}/versions/{version.id}").get_data(as_text=True)
    assert f"/reports/policy.pdf?version={version.id}" in page


def test_an_employee_without_edit_rights_still_gets_the_policy_pdf(client, login_as, demo):
    login_as("hr_officer")
    version = db.session.scalars(sa.select(PolicyVersion)).first()
    response = client.get(f"/reports/policy.pdf?version={version.id}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
