"""The ISMS context and scope PDF (queued, built by the documents job), its place and extracts in
evidence packs, and the review reminders."""

from __future__ import annotations

import zipfile
from datetime import timedelta

import pytest

from app.admin import settings
from app.audit import checkpoints
from app.audit.models import CheckpointReason
from app.common.timeutil import add_months
from app.extensions import db
from app.reports import documents, pack_archive, packs, prepared
from app.reports.models import PreparedDocument
from app.scheduler import reminders
from app.scheduler.kinds import Kind
from tests import factories
from tests.pages import audit_entries, page_text


@pytest.fixture
def registers(officer, today, make_issue, make_party, issued_scope):
    from app.context import services

    make_issue("Energy supply outage")
    make_issue("Skills shortage", kind="internal")
    make_party("Information Regulator", requirements=[("Notify a compromise", ["5.26"])])
    issued_scope(exclusions=[("Clinical devices", "Segmented, run by Health")])
    role = services.create_role(services.RoleInput("ISMS manager", "Runs the ISMS."), actor=officer)
    services.assign_role(role, services.AssignmentInput(officer.id, today), actor=officer)
    db.session.commit()


def test_the_report_is_queued_and_the_documents_job_builds_it(client, login_as, registers):
    user = login_as("auditor")
    response = client.get("/reports/isms-context.pdf")
    assert response.status_code == 303
    [document] = db.session.query(PreparedDocument).all()
    assert document.report == "isms_context" and document.status == "queued"

    assert prepared.work() == "1 document(s) prepared"
    db.session.refresh(document)
    assert document.status == "ready"
    download = client.get(f"/reports/documents/{document.id}/download")
    data = download.get_data()
    download.close()
    assert data.startswith(b"%PDF") and document.download_name.startswith("isms-context-and-scope-")
    [generated] = audit_entries("generate", "report", "isms_context")
    assert generated.actor_id == user.id


def test_the_report_holds_the_scope_in_force_issues_parties_controls_and_roles(app, registers, officer):
    with app.test_request_context():
        html = documents.render_report_html("isms_context", generated_by="Test")
    for text in ["Version 1, approved on", f"by {officer.full_name}", "Clinical devices", "Energy supply outage",
                 "Skills shortage", "Information Regulator", "Notify a compromise", "5.26", "ISMS manager"]:
        assert text in html, text


def test_hr_officers_may_not_ask_for_it(client, login_as, registers):
    login_as("hr_officer")
    assert client.get("/reports/isms-context.pdf").status_code == 403
    assert "ISMS context and scope" not in page_text(client.get("/reports"))


def test_an_evidence_pack_holds_the_report_and_the_extracts(tmp_path, monkeypatch, registers):
    asked = []
    monkeypatch.setattr(documents, "build_report", lambda name, *, params=None, generated_by: asked.append(name)
                        or b"%PDF-1.7 stand-in")
    target = tmp_path / "pack.zip"
    pack_archive.write_pack(packs.gather(packs.check_scope(packs.Scope(controls=("8.13",)))), target,
                            generated_by="Test Auditor", checkpoint=checkpoints.publish(CheckpointReason.PACK))

    assert "isms_context" in asked
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        issues = archive.read("extracts/context-issues.csv").decode("utf-8-sig")
        requirements = archive.read("extracts/interested-party-requirements.csv").decode("utf-8-sig")
    assert {"reports/isms-context-and-scope.pdf", "extracts/context-issues.xlsx", "extracts/interested-parties.csv",
            "extracts/isms-roles.csv", "extracts/isms-roles.xlsx", "extracts/scope-statement-versions.csv"} <= names
    assert "Energy supply outage" in issues and "Skills shortage" in issues
    assert "5.26 Response to information security incidents" in requirements


def test_owners_are_reminded_of_issue_and_party_reviews_due_or_overdue(officer, today, make_issue, make_party):
    make_issue("Energy supply outage", review_on=today - timedelta(days=2))
    make_issue("Far away", review_on=today + timedelta(days=200))
    make_party("Citizens", kind="public", review_on=today + timedelta(days=5))

    found = reminders.collect(today, kinds=[Kind.CONTEXT_REVIEW])  # 14 days ahead
    titles = sorted(reminder.message.title for reminder in found)
    assert titles == [f"Review of Citizens as an interested party due on {today + timedelta(days=5):%d %b %Y}",
                      f"Review of the issue “Energy supply outage” overdue since "
                      f"{today - timedelta(days=2):%d %b %Y}"]
    assert {reminder.user_ids for reminder in found} == {(officer.id,)}


def test_the_scope_review_is_reminded_after_the_set_interval(officer, today, issued_scope):
    issued_scope(days_ago=400)
    [reminder] = reminders.collect(today, kinds=[Kind.SCOPE_REVIEW])
    due = add_months(today - timedelta(days=400), 12)
    assert reminder.message.title == f"Review of the ISMS scope statement overdue since {due:%d %b %Y}"
    assert reminder.user_ids == (officer.id,)

    settings.save({settings.SCOPE_REVIEW_MONTHS: 24}, actor=None)
    assert reminders.collect(today, kinds=[Kind.SCOPE_REVIEW]) == []


def test_the_security_officers_are_reminded_when_the_approver_has_left(officer, today, issued_scope):
    issued_scope(days_ago=370)
    colleague = factories.make_user("security_officer")
    officer.active = False
    db.session.commit()
    [reminder] = reminders.collect(today, kinds=[Kind.SCOPE_REVIEW])
    assert reminder.user_ids == (colleague.id,)
