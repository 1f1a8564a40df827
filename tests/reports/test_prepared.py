"""Register reports are prepared off the web workers (app.reports.prepared): asking queues one and
shows its being-prepared page at once, the scheduler's `documents` job builds them one at a time,
and only their requester downloads them, until their retention ends."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.reports import documents, prepared
from app.reports.models import DocumentStatus, PreparedDocument
from app.scheduler import runner
from app.scheduler.models import JobRun
from tests import factories
from tests.pages import audit_entries, page_text
from tests.threads import run_together

pytestmark = pytest.mark.usefixtures("app")

STAND_IN = b"%PDF-1.7 stand-in"


@pytest.fixture
def renders(monkeypatch):
    """A quick stand-in for WeasyPrint that counts its renders (the real one is used where a test says)."""
    done = []

    def render(ready, *, generated_by):
        done.append((ready.name, generated_by))
        return STAND_IN

    monkeypatch.setattr(documents, "render_prepared", render)
    return done


def only_document() -> PreparedDocument:
    return db.session.scalars(sa.select(PreparedDocument)).one()


def ask(client, url: str):
    response = client.get(url)
    assert response.status_code == 303, response.get_data(as_text=True)
    return response


def test_a_register_report_is_queued_and_the_request_builds_nothing(client, login_as, monkeypatch):
    def no_pdf_in_the_request(*args, **kwargs):
        raise AssertionError("a register report was rendered inside the request")

    monkeypatch.setattr(documents, "render_prepared", no_pdf_in_the_request)
    monkeypatch.setattr(documents, "prepare", no_pdf_in_the_request)
    department = factories.make_department("DOH", "Health")
    user = login_as("risk_owner")

    response = ask(client, f"/reports/asset-register.pdf?department={department.id}")

    document = only_document()
    assert response.location.endswith(f"/reports/documents/{document.id}")
    assert (document.status, document.report, document.params, document.requested_by_id) == (
        "queued", "asset_register", {"department_id": department.id}, user.id)
    page = client.get(response.location)
    text = page_text(page)
    assert page.status_code == 200
    assert "Asset register summary" in text and "Department DOH — Health" in text
    assert "Waiting to be prepared" in text and "waiting its turn" in text and "Check again" in text
    assert 'role="status" aria-live="polite"' in page.get_data(as_text=True)
    [entry] = audit_entries("create", "document", document.id)
    assert entry.actor_id == user.id


def test_the_documents_job_prepares_it_and_its_requester_downloads_it(client, login_as):
    user = login_as("security_officer")
    response = ask(client, "/reports/treatment-plan.pdf")

    run = runner.run_job("documents")  # as the scheduler process runs it; the real WeasyPrint

    document = only_document()
    assert document.status == "ready" and run.summary == "1 document(s) prepared"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun).where(JobRun.job_id == "documents")) == 1
    page = page_text(client.get(response.location))
    assert "Your PDF is ready" in page and "Download the PDF" in page and "Kept until" in page
    download = client.get(f"/reports/documents/{document.id}/download")
    data = download.get_data()
    download.close()  # send_file streams from the open file
    assert download.status_code == 200 and download.mimetype == "application/pdf" and data.startswith(b"%PDF")
    assert f"filename={document.download_name}" in download.headers["Content-Disposition"]
    assert document.download_name.startswith("treatment-plan-")
    assert download.headers["Cache-Control"] == "no-store"
    [generated] = audit_entries("generate", "report", "treatment_plan")
    [downloaded] = audit_entries("download", "document", document.id)
    assert generated.actor_id == downloaded.actor_id == user.id


def test_an_idle_run_of_the_job_leaves_no_record():
    run = runner.run_job("documents")
    assert run.summary == "Nothing to do"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == 0


def test_a_repeat_click_gets_the_same_pending_document(client, login_as, renders):
    login_as("auditor")
    first = ask(client, "/reports/risk-register.pdf?status=all&out_of_tolerance=1")
    again = ask(client, "/reports/risk-register.pdf?out_of_tolerance=1&status=all")
    other = ask(client, "/reports/risk-register.pdf?status=all")
    assert first.location == again.location != other.location
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PreparedDocument)) == 2
    assert len(audit_entries("create", "document")) == 2


def test_a_user_may_have_three_reports_pending_and_is_told_to_wait(client, login_as, renders):
    login_as("security_officer")
    for url in ("/reports/risk-register.pdf", "/reports/treatment-plan.pdf", "/reports/asset-register.pdf"):
        ask(client, url)
    before = len(audit_entries())

    refused = client.get("/reports/risk-register.pdf?status=all")

    assert refused.status_code == 429
    text = page_text(refused)
    assert "You already have 3 reports being prepared" in text and "Treatment plan" not in text
    assert text.count("Waiting to be prepared") == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PreparedDocument)) == 3
    assert len(audit_entries()) == before
    login_as("auditor")  # someone else is not held up by it
    ask(client, "/reports/risk-register.pdf?status=all")
    prepared.work()
    login_as("security_officer")  # once theirs are ready, they may ask again
    ask(client, "/reports/risk-register.pdf?status=all")


def test_the_queue_for_everyone_is_bounded(app, client, login_as, renders):
    app.config["DOCUMENTS_QUEUE_LIMIT"] = 2
    for role in ("security_officer", "auditor"):
        login_as(role)
        ask(client, "/reports/treatment-plan.pdf")
    login_as("risk_owner")

    refused = client.get("/reports/treatment-plan.pdf")

    assert refused.status_code == 503 and refused.headers["Retry-After"] == "120"
    assert "preparing many reports for other people" in page_text(refused)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PreparedDocument)) == 2


def test_one_build_at_a_time_and_a_build_that_died_is_marked_failed(client, login_as, renders):
    login_as("security_officer")
    ask(client, "/reports/treatment-plan.pdf")
    ask(client, "/reports/risk-register.pdf")
    first, second = db.session.scalars(sa.select(PreparedDocument).order_by(PreparedDocument.id))
    first.status, first.started_at = "building", prepared.utcnow()  # another process is building it
    db.session.commit()

    assert prepared.build_next() is None  # not a second build beside it
    assert second.status == "queued" and renders == []

    first.started_at = prepared.utcnow() - prepared.STALE_AFTER - timedelta(seconds=1)
    db.session.commit()
    summary = prepared.work()

    assert summary == "1 document(s) prepared, 1 document(s) marked failed: their build had stopped"
    db.session.refresh(first)
    db.session.refresh(second)
    assert (first.status, second.status) == ("failed", "ready")
    assert "stopped before it was ready" in first.error and "Ask for it again" in first.error


def test_only_the_requester_sees_and_downloads_a_document(client, login_as, renders):
    owner = login_as("security_officer")
    ask(client, "/reports/asset-register.pdf")
    prepared.work()
    document = only_document()

    login_as("security_officer")  # a colleague with the same role
    for suffix in ("", "/status", "/download"):
        assert client.get(f"/reports/documents/{document.id}{suffix}").status_code == 404
    assert "Asset register summary" not in page_text(client.get("/reports/documents"))

    owner.role = "hr_officer"  # no longer reads the asset register
    db.session.commit()
    login_as(owner)
    for suffix in ("", "/download"):
        assert client.get(f"/reports/documents/{document.id}{suffix}").status_code == 403
    assert audit_entries("download", "document") == []


def test_a_document_is_removed_after_its_retention(app, client, login_as, renders):
    login_as("auditor")
    ask(client, "/reports/treatment-plan.pdf")
    prepared.work()
    document = only_document()
    path = prepared.file_of(document)
    assert path is not None and path.read_bytes() == STAND_IN
    assert document.expires_at - document.finished_at == timedelta(hours=app.config["DOCUMENT_RETENTION_HOURS"])

    assert prepared.work(now=document.expires_at - timedelta(minutes=1)) == ""
    assert prepared.work(now=document.expires_at + timedelta(minutes=1)) == \
        "1 document(s) removed after their retention"

    db.session.refresh(document)
    assert document.status == "expired" and not path.exists()
    assert "removed after it had been kept" in page_text(client.get(f"/reports/documents/{document.id}"))
    refused = client.get(f"/reports/documents/{document.id}/download", follow_redirects=True)
    assert "This PDF cannot be downloaded: it is removed." in page_text(refused)
    [entry] = audit_entries("delete", "document")
    assert f"past their retention: {document.id}" in entry.summary


def test_a_failed_build_tells_its_requester_what_to_do(client, login_as, monkeypatch):
    def broken(ready, *, generated_by):
        raise RuntimeError("Pango could not load the font")

    monkeypatch.setattr(documents, "render_prepared", broken)
    user = login_as("security_officer")
    response = ask(client, "/reports/risk-register.pdf?status=all")

    assert prepared.work() == "1 document(s) failed"

    document = only_document()
    assert document.status == "failed" and prepared.file_of(document) is None
    page = page_text(client.get(response.location))
    assert "The PDF could not be prepared" in page and "Pango could not load the font" in page
    assert "tell an administrator" in page and "Ask for it again" in page
    assert 'href="/reports/risk-register.pdf?status=all"' in client.get(response.location).get_data(as_text=True)
    [entry] = audit_entries("update", "document", document.id)
    assert entry.actor_id == user.id and "could not be prepared" in entry.summary
    assert list(prepared.documents_folder().iterdir()) == []


def test_a_version_gone_before_the_build_is_named(client, login_as, renders, monkeypatch):
    login_as("security_officer")
    ask(client, "/reports/asset-register.pdf")

    def gone(name, params=None):
        raise documents.ReportNotFound("There is no department with id 7.")

    monkeypatch.setattr(documents, "prepare", gone)
    prepared.work()
    assert only_document().error == "There is no department with id 7. Ask for the report again with other choices."


def test_a_waiting_document_says_when_no_scheduler_runs(client, login_as, renders):
    login_as("auditor")
    response = ask(client, "/reports/treatment-plan.pdf")
    assert "No scheduler process is running" not in page_text(client.get(response.location))

    document = only_document()
    document.requested_at -= prepared.WAIT_BEFORE_WARNING + timedelta(seconds=1)
    db.session.commit()
    page = page_text(client.get(response.location))
    assert "No scheduler process is running" in page and "flask --app wsgi scheduler run" in page


def test_sign_in_and_pages_are_answered_while_reports_are_built(app, client, login_as, monkeypatch):
    """Khusela's report: four asset-register PDFs at once made /login wait 13 s. Now the requests
    only queue, the builder works elsewhere (here a thread standing in for the scheduler process,
    held in the middle of a render), and signing in is answered while it is held."""
    started, release = threading.Event(), threading.Event()
    rendering, most_at_once = [], []

    def held_render(ready, *, generated_by):
        rendering.append(ready.name)
        most_at_once.append(len(rendering))
        started.set()
        assert release.wait(30), "the test never released the build"
        rendering.pop()
        return STAND_IN

    monkeypatch.setattr(documents, "render_prepared", held_render)
    departments = [factories.make_department() for _ in range(4)]
    risk_owner = factories.make_user("risk_owner")
    clients = {department.id: app.test_client() for department in departments}
    for each in clients.values():
        assert each.post("/login", data={"email": risk_owner.email, "password": factories.PASSWORD}).status_code == 302
    answers = {}

    def ask_for(department_id) -> None:
        answers[department_id] = clients[department_id].get(f"/reports/asset-register.pdf?department={department_id}")

    run_together(ask_for, clients, timeout=30)  # four at once, as in the report
    assert sorted(response.status_code for response in answers.values()) == [303, 303, 303, 429]

    def scheduler_process() -> None:
        with app.app_context():
            try:
                prepared.work()
            finally:
                db.session.remove()

    builder = threading.Thread(target=scheduler_process)
    builder.start()
    try:
        assert started.wait(30), "the builder did not start"
        officer = factories.make_user("security_officer")
        visitor, seen = app.test_client(), {}

        def sign_in_and_look(email: str) -> None:  # a request worker of its own, as gunicorn's
            seen["login"] = visitor.post("/login", data={"email": email, "password": factories.PASSWORD})
            seen["risks"] = visitor.get("/risks")

        run_together(sign_in_and_look, [officer.email], timeout=30)
        assert (seen["login"].status_code, seen["risks"].status_code) == (302, 200)
        assert builder.is_alive() and not release.is_set()  # answered while the build was held
    finally:
        release.set()
        builder.join(30)
    assert not builder.is_alive()
    assert max(most_at_once) == 1  # one build at a time
    statuses = db.session.scalars(sa.select(PreparedDocument.status))
    assert sorted(statuses) == [DocumentStatus.READY.value] * 3


def test_two_builders_at_the_same_moment_build_one_document_between_them(app, client, login_as, monkeypatch):
    """A second builder (`scheduler run-job documents` by hand beside the scheduler) never builds
    beside the first, and never the same document."""
    release, rendered, results = threading.Event(), [], []

    def held_render(ready, *, generated_by):
        rendered.append(ready.name)
        assert release.wait(30)
        return STAND_IN

    monkeypatch.setattr(documents, "render_prepared", held_render)
    login_as("security_officer")
    ask(client, "/reports/treatment-plan.pdf")
    ask(client, "/reports/asset-register.pdf")

    def builder(name: str) -> None:
        with app.app_context():
            try:
                built = prepared.build_next()
                results.append(built.report if built else None)
                if built is None:
                    release.set()  # the other one holds the build: let it finish
            finally:
                db.session.remove()

    run_together(builder, ["scheduler", "by hand"], timeout=60)
    assert rendered == ["treatment_plan"] and sorted(results, key=str) == [None, "treatment_plan"]
