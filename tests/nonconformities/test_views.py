"""The register's pages by role: allowed, forbidden, bad input; the export, the summary, the PDF,
the evidence pack's extracts, the reminders and the dashboard."""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.common.timeutil import local_today
from app.extensions import db
from app.nonconformities.models import Nonconformity
from app.reports import pack_archive, packs, prepared
from app.reports.models import PreparedDocument
from app.scheduler import reminders
from app.scheduler.kinds import Kind
from tests import factories
from tests.nonconformities.helpers import action, done, raised


@pytest.fixture
def register(app):
    """Three nonconformities as of the organisation's today: one overdue, one awaiting review, one closed."""
    today = local_today()
    officer, admin = factories.make_user("security_officer"), factories.make_user("admin")
    owner = factories.make_user("risk_owner", full_name="Anele Owner")
    manager = factories.make_user("manager", full_name="Pieter Manager", department=factories.make_department())
    late = raised(officer, title="Leavers disabled late", owner_id=owner.id, raised_on=today - timedelta(days=100),
                  due_on=today - timedelta(days=10))
    late_action = action(late, manager, officer, due_on=today - timedelta(days=5))
    review = raised(officer, title="Changes without approval", source="complaint", raised_on=today - timedelta(days=20),
                    due_on=today + timedelta(days=30))
    done(action(review, owner, officer, due_on=today + timedelta(days=10)), owner)
    db.session.commit()
    return {"officer": officer, "admin": admin, "owner": owner, "manager": manager, "late": late,
            "late_action": late_action, "review": review}


@pytest.mark.parametrize("role", ["admin", "security_officer", "risk_owner", "manager", "auditor"])
def test_readers_see_the_list_summary_and_record(client, login_as, register, role):
    login_as(role)
    page = client.get("/nonconformities").get_data(as_text=True)
    assert "Leavers disabled late" in page and "Changes without approval" in page
    assert client.get("/nonconformities/summary").status_code == 200
    assert client.get(f"/nonconformities/{register['late'].id}").status_code == 200


def test_hr_officers_do_not_read_the_register(client, login_as, register):
    login_as("hr_officer")
    assert client.get("/nonconformities").status_code == 403


def test_filters_overdue_and_age(client, login_as, register):
    login_as("auditor")
    overdue = client.get("/nonconformities?overdue=1").get_data(as_text=True)
    assert "Leavers disabled late" in overdue and "Changes without approval" not in overdue
    aged = client.get("/nonconformities?age=91-180").get_data(as_text=True)
    assert "Leavers disabled late" in aged and "Changes without approval" not in aged
    by_source = client.get("/nonconformities?source=complaint").get_data(as_text=True)
    assert "Changes without approval" in by_source and "Leavers disabled late" not in by_source


def test_the_export_has_age_and_open_actions(client, login_as, register):
    login_as("auditor")
    response = client.get("/nonconformities?export=csv&overdue=1")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(row["Reference"], row["Age (days)"], row["Open actions"], row["Overdue"]) for row in rows] == [
        (register["late"].reference, "100", "1", "yes")]
    assert client.get("/nonconformities?export=xlsx").status_code == 200


def test_the_summary_shows_ageing_and_trend(client, login_as, register):
    login_as("manager")
    page = client.get("/nonconformities/summary").get_data(as_text=True)
    assert "Open nonconformities by age" in page and "Raised per quarter, by source" in page
    assert 'href="/nonconformities?age=91-180">1</a>' in page


def test_an_auditor_writes_nothing(client, login_as, register):
    login_as("auditor")
    nc, act = register["late"], register["late_action"]
    for url in ["/nonconformities/new", f"/nonconformities/{nc.id}/edit", f"/nonconformities/{nc.id}/analysis",
                f"/nonconformities/{nc.id}/actions/new", f"/nonconformities/{nc.id}/review",
                f"/nonconformities/{nc.id}/actions/{act.id}/progress"]:
        assert client.post(url, data={}).status_code == 403, url


def test_the_action_owner_updates_their_own_action_only(client, login_as, register):
    nc, act = register["late"], register["late_action"]
    login_as(register["owner"])  # owns the nonconformity, not the action
    assert client.get(f"/nonconformities/{nc.id}/actions/{act.id}/progress").status_code == 403
    login_as(register["manager"])
    url = f"/nonconformities/{nc.id}/actions/{act.id}/progress"
    refused = client.post(url, data={"version": act.version, "status": "done", "progress_note": ""})
    assert refused.status_code == 422 and "Say what was done" in refused.get_data(as_text=True)
    saved = client.post(url, data={"version": act.version, "status": "done", "progress_note": "Daily list sent."})
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(Nonconformity, nc.id).status == "verifying"


def test_a_stale_edit_gets_the_conflict_message(client, login_as, register):
    nc = register["late"]
    login_as(register["officer"])
    data = {"version": nc.version, "title": "New title", "description": "d", "source": "complaint",
            "severity": "minor", "raised_on": nc.raised_on.isoformat()}
    assert client.post(f"/nonconformities/{nc.id}/edit", data=data).status_code == 302
    again = client.post(f"/nonconformities/{nc.id}/edit", data=data, follow_redirects=True)
    assert again.status_code == 200 and "changed by someone else" in again.get_data(as_text=True)


def test_raise_review_and_refuse_the_owner_as_reviewer(client, login_as, register):
    review = register["review"]
    login_as(register["officer"])
    created = client.post("/nonconformities/new", data={
        "title": "Backups untested", "description": "No restore test in Q2.", "source": "self_identified",
        "severity": "minor", "raised_on": local_today().isoformat()})
    assert created.status_code == 302
    bad = client.post("/nonconformities/new", data={"title": "", "description": "", "source": "rumour",
                                                    "raised_on": "soon"})
    assert bad.status_code == 422
    owner_admin = factories.make_user("admin")
    review.owner_id = owner_admin.id
    db.session.commit()
    login_as(owner_admin)
    refused = client.post(f"/nonconformities/{review.id}/review", data={
        "version": review.version, "effective": "yes", "reviewed_on": local_today().isoformat(), "note": "ok"})
    assert refused.status_code == 422 and "cannot review" in refused.get_data(as_text=True)
    login_as(register["admin"])
    closed = client.post(f"/nonconformities/{review.id}/review", data={
        "version": review.version, "effective": "yes", "reviewed_on": local_today().isoformat(), "note": "Sampled."})
    assert closed.status_code == 302
    db.session.expire_all()
    assert db.session.get(Nonconformity, review.id).status == "closed"


def test_a_manager_raises_a_self_identified_one_for_their_department(client, login_as, register):
    manager = register["manager"]
    login_as(manager)
    form = client.get("/nonconformities/new").get_data(as_text=True)
    assert 'value="external_audit"' not in form
    response = client.post("/nonconformities/new", data={
        "title": "Clean desk ignored", "description": "Files left out.", "source": "self_identified",
        "severity": "minor", "department_id": str(manager.department_id), "raised_on": local_today().isoformat()})
    assert response.status_code == 302
    assert client.get(f"/nonconformities/{register['late'].id}/edit").status_code == 403


def test_the_pdf_is_queued_and_built(client, login_as, register):
    login_as("auditor")
    response = client.get("/reports/nonconformities.pdf?status=all")
    assert response.status_code == 303
    document = db.session.scalars(sa.select(PreparedDocument)).one()
    assert prepared.work() == "1 document(s) prepared"
    download = client.get(f"/reports/documents/{document.id}/download")
    data = download.get_data()
    download.close()
    text = " ".join(subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
                    .stdout.decode().split())
    assert "Nonconformities and corrective actions" in text and "Leavers disabled late" in text
    assert "Open nonconformities by days since raised" in text


def test_a_pack_holds_the_nonconformities_of_its_period(register):
    today = local_today()
    contents = packs.gather(packs.Scope(date_from=today - timedelta(days=30), date_to=today))
    assert {nc.title for nc in contents.nonconformities} == {"Leavers disabled late", "Changes without approval"}
    files = {path: data for path, data, _ in pack_archive._nonconformity_register(contents)}
    assert set(files) == {"extracts/nonconformities.csv", "extracts/nonconformities.xlsx",
                          "extracts/corrective-actions.csv", "extracts/corrective-actions.xlsx"}
    assert "Leavers disabled late" in files["extracts/nonconformities.csv"].decode()
    reports = [name for _, name, _, _ in pack_archive._reports(contents)]
    assert "nonconformities" in reports
    earlier = packs.gather(packs.Scope(date_from=date(2020, 1, 1), date_to=date(2020, 12, 31)))
    assert earlier.nonconformities == []


def test_reminders_of_actions_reviews_and_overdue_ones(register, app):
    today = local_today()
    with app.test_request_context():
        found = reminders.collect(today, kinds=[Kind.CORRECTIVE_ACTION, Kind.EFFECTIVENESS_REVIEW,
                                                Kind.NONCONFORMITY_OVERDUE])
    by_kind = {}
    for reminder in found:
        by_kind.setdefault(reminder.message.kind, []).append(reminder)
    [late_action] = by_kind[Kind.CORRECTIVE_ACTION]
    assert late_action.user_ids == (register["manager"].id,) and "overdue" in late_action.message.title
    [review] = by_kind[Kind.EFFECTIVENESS_REVIEW]
    assert register["officer"].id in review.user_ids and register["owner"].id not in review.user_ids
    [overdue] = by_kind[Kind.NONCONFORMITY_OVERDUE]
    assert overdue.user_ids == (register["owner"].id,) and "-W" in overdue.message.item_key
    assert reminders.leave(found).left >= 3


def test_the_dashboard_counts_open_and_overdue(client, login_as, register):
    login_as("manager")
    page = client.get("/").get_data(as_text=True)
    assert 'href="/nonconformities?overdue=1"' in page and "of 2 open" in page
    login_as("hr_officer")
    assert "/nonconformities?overdue=1" not in client.get("/").get_data(as_text=True)
