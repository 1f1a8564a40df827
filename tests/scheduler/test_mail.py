"""E-mail over SMTP with a local aiosmtpd sink: SMTP down leaves the reminder pending (retried, not
lost); with the sink up it is sent; after the last attempt it is marked failed."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.scheduler import mail, reminders
from app.scheduler.models import EmailStatus, Notification
from tests import factories
from tests.scheduler.conftest import TODAY, make_risk


def _only() -> Notification:
    (notification,) = db.session.scalars(sa.select(Notification))
    db.session.refresh(notification)
    return notification


def test_smtp_down_leaves_the_reminder_pending_then_the_retry_sends_it(mail_app, smtp_port, start_sink):
    owner = factories.make_user("risk_owner", email="owner@example.gov.za")
    risk = make_risk(owner, next_review_on=TODAY + timedelta(days=3))
    summary = reminders.send_reminders(TODAY)  # nothing listens on the port: connection refused
    assert "1 reminders left" in summary and "0 e-mails sent, 1 still pending" in summary
    notification = _only()
    assert notification.email_status == EmailStatus.PENDING and notification.email_attempts == 1
    assert "ConnectionRefusedError" in notification.email_last_error

    sink = start_sink(smtp_port)
    assert mail.send_pending() == "1 e-mails sent"
    notification = _only()
    assert notification.email_status == EmailStatus.SENT and notification.email_attempts == 2
    assert notification.email_sent_at is not None and notification.email_last_error == ""
    (envelope,) = sink.messages
    assert envelope.rcpt_tos == ["owner@example.gov.za"] and envelope.mail_from == "khusela@example.gov.za"
    content = envelope.content.decode()
    assert f"Subject: [Khusela] Review of risk {risk.reference} due on 10 Dec 2026" in content
    assert f"https://khusela.example.gov.za/risks/{risk.id}" in content
    assert mail.send_pending() == "No e-mails waiting"  # sent once, not again
    assert len(sink.messages) == 1


def test_after_the_last_attempt_the_email_is_marked_failed(mail_app):
    owner = factories.make_user("risk_owner")
    make_risk(owner, next_review_on=TODAY)
    reminders.send_reminders(TODAY)  # attempt 1 of MAIL_MAX_ATTEMPTS=3
    mail.send_pending()
    summary = mail.send_pending()
    assert "1 given up after 3 attempts" in summary
    notification = _only()
    assert notification.email_status == EmailStatus.FAILED and notification.email_attempts == 3
    assert mail.send_pending() == "No e-mails waiting"


def test_a_user_who_turned_email_off_gets_it_in_the_app_only(mail_app, smtp_port, start_sink):
    from app.scheduler import services
    from app.scheduler.kinds import Kind

    owner = factories.make_user("risk_owner")
    services.set_email_choices(owner, {Kind.DIGEST.value})
    make_risk(owner, next_review_on=TODAY)
    sink = start_sink(smtp_port)
    reminders.send_reminders(TODAY)
    assert _only().email_status == EmailStatus.NOT_WANTED and sink.messages == []


def test_without_a_mail_server_nothing_is_sent(app):
    assert mail.send_pending() == "E-mail is not configured (MAIL_SERVER is empty): nothing sent"
