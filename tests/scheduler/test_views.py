"""The bell, /notifications, e-mail choices and /admin/jobs: allowed, forbidden, bad input."""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.extensions import db
from app.scheduler import services
from app.scheduler.kinds import Kind
from app.scheduler.models import JobRun, JobStatus, Notification
from app.scheduler.services import Message
from tests import factories


def _leave(user, number: int = 1, link: str = "/risks/1") -> Notification:
    notification = services.notify(user, Message(Kind.RISK_REVIEW, f"risk:{number}:due", date(2026, 12, 10),
                                                 f"Review of risk R-{number:04d} due on 10 Dec 2026", link=link))
    db.session.commit()
    return notification


def test_the_bell_shows_the_unread_count_with_an_accessible_name(client, login_as):
    user = login_as("auditor")
    page = client.get("/notifications").get_data(as_text=True)
    assert 'aria-label="Notifications, 0 unread"' in page
    _leave(user, 1)
    _leave(user, 2)
    page = client.get("/").get_data(as_text=True)
    assert 'aria-label="Notifications, 2 unread"' in page


def test_the_list_shows_only_my_notifications_paginated_with_links(client, login_as):
    me = login_as("risk_owner")
    other = factories.make_user("risk_owner")
    for number in range(1, 28):
        _leave(me, number, link=f"/risks/{number}")
    _leave(other, 99)
    first = client.get("/notifications").get_data(as_text=True)
    assert "Showing 1–25 of 27" in first and 'href="/risks/27"' in first and "R-0099" not in first
    second = client.get("/notifications?page=2").get_data(as_text=True)
    assert 'href="/risks/1"' in second
    assert client.get("/notifications?page=abc&show=nonsense&sort=evil").status_code == 200


def test_mark_one_read_then_open_the_item(client, login_as):
    me = login_as("risk_owner")
    notification = _leave(me, link="/risks/1")
    response = client.post(f"/notifications/{notification.id}/read", data={"then": "open"})
    assert response.status_code == 302 and response.headers["Location"] == "/risks/1"
    db.session.refresh(notification)
    assert notification.read_at is not None
    assert db.session.scalar(sa.select(AuditEntry.summary).where(AuditEntry.entity_type == "notification"))


def test_a_link_to_another_site_is_never_followed(client, login_as):
    me = login_as("risk_owner")
    notification = _leave(me, link="//evil.example/phish")
    response = client.post(f"/notifications/{notification.id}/read", data={"then": "open"})
    assert response.headers["Location"] == "/notifications"


def test_someone_elses_notification_is_not_found_and_stays_unread(client, login_as):
    other = factories.make_user("risk_owner")
    theirs = _leave(other)
    login_as("risk_owner")
    assert client.post(f"/notifications/{theirs.id}/read").status_code == 404
    assert client.post("/notifications/999999/read").status_code == 404
    db.session.refresh(theirs)
    assert theirs.read_at is None


def test_mark_all_read(client, login_as):
    me = login_as("manager")
    _leave(me, 1)
    _leave(me, 2)
    response = client.post("/notifications/read-all", follow_redirects=True)
    assert "2 notifications marked read." in response.get_data(as_text=True)
    assert services.unread_count(me) == 0


def test_preferences_save_and_bad_input_changes_nothing(client, login_as):
    me = login_as("hr_officer")
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert 'id="email-warning_lapsing"' in page and "checked" in page
    response = client.post("/notifications/preferences", data={"email": ["digest", "risk_review"]},
                           follow_redirects=True)
    assert "E-mail choices saved." in response.get_data(as_text=True)
    choices = services.email_choices(me)
    assert choices[Kind.DIGEST] and choices[Kind.RISK_REVIEW] and not choices[Kind.WARNING_LAPSING]
    bad = client.post("/notifications/preferences", data={"email": ["digest", "<script>"]})
    assert bad.status_code == 422 and "Unknown kind of notification: &lt;script&gt;" in bad.get_data(as_text=True)
    assert services.email_choices(me) == choices


def test_csrf_is_required_on_every_form(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        email = factories.make_user("risk_owner").email
    token = factories.csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": email, "password": factories.PASSWORD, "csrf_token": token})
    assert client.post("/notifications/read-all").status_code == 400
    assert client.post("/notifications/preferences", data={"email": ["digest"]}).status_code == 400
    page = client.get("/notifications/preferences").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/notifications/preferences", data={"email": ["digest"], "csrf_token": token})
    assert response.status_code == 302


def test_admin_jobs_shows_each_job_its_last_run_and_errors(client, login_as):
    login_as("admin")
    db.session.add(JobRun(job_id="reminders", status=JobStatus.ERROR.value, summary="Failed",
                          error="Traceback ...\nOperationalError: database is locked"))
    db.session.commit()
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "Daily reminders" in page and "Every day at 06:00" in page and "Every 5 minutes" in page
    assert "OperationalError: database is locked" in page
    assert "No scheduler process holds the lock" in page
    assert 'href="/admin/jobs"' in client.get("/admin/").get_data(as_text=True)


def test_run_now_runs_the_job_in_the_request_and_audits_it(client, login_as):
    admin = login_as("admin")
    response = client.post("/admin/jobs/reminders/run", follow_redirects=True)
    assert "Daily reminders ran in" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(JobRun.status).where(JobRun.job_id == "reminders")) == JobStatus.OK
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.entity_type == "job"))
    assert entry.actor_id == admin.id and entry.entity_id == "reminders"


def test_run_now_of_an_unknown_job_is_not_found(client, login_as):
    login_as("admin")
    assert client.post("/admin/jobs/nope/run").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == 0


def test_only_admins_see_or_run_jobs(client, login_as):
    login_as("security_officer")
    assert client.get("/admin/jobs").status_code == 403
    assert client.post("/admin/jobs/reminders/run").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == 0


def test_signed_out_users_are_sent_to_sign_in(client):
    assert client.get("/notifications").headers["Location"].startswith("/login")
