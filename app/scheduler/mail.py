"""Sending notifications by e-mail over SMTP (settings MAIL_* from the environment).

A notification the user wants by e-mail waits as "pending". Each send that fails (server down,
refused, timed out) counts an attempt and keeps the error; the next run tries again, and after
MAIL_MAX_ATTEMPTS the notification is marked "failed" (it stays in the app, shown as such)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from app.common.timeutil import utcnow
from app.extensions import db
from app.scheduler.models import EmailStatus, Notification

BATCH = 200  # notifications per run; the rest wait for the next run


def _message(notification: Notification) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = f"[Khusela] {notification.title}"
    message["From"] = config["MAIL_FROM"]
    message["To"] = notification.user.email
    link = f"{config.get('KHUSELA_BASE_URL', '').rstrip('/')}{notification.link}" if notification.link else ""
    lines = [notification.title, "", notification.body, ""]
    if link:
        lines += [f"Open it in Khusela: {link}", ""]
    lines += ["You get this by e-mail because your notification settings in Khusela say so; change them "
              "under Notifications, E-mail choices."]
    message.set_content("\n".join(lines))
    return message


def _connect() -> smtplib.SMTP:
    config = current_app.config
    connection = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config.get("MAIL_TIMEOUT", 10))
    if config.get("MAIL_USE_TLS"):
        connection.starttls(context=ssl.create_default_context())
    if config.get("MAIL_USERNAME"):
        connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return connection


def _failed(notification: Notification, error: Exception, max_attempts: int) -> None:
    notification.email_attempts += 1
    notification.email_last_error = f"{type(error).__name__}: {error}"[:1000]
    if notification.email_attempts >= max_attempts:
        notification.email_status = EmailStatus.FAILED.value


def send_pending() -> str:
    """Send the pending e-mails, oldest first. Never raises for a mail problem: it is recorded on
    each notification and tried again by the next run."""
    if not current_app.config.get("MAIL_SERVER"):
        return "E-mail is not configured (MAIL_SERVER is empty): nothing sent"
    max_attempts = max(1, int(current_app.config.get("MAIL_MAX_ATTEMPTS", 5)))
    pending = list(db.session.scalars(
        sa.select(Notification).options(selectinload(Notification.user))
        .where(Notification.email_status == EmailStatus.PENDING.value)
        .order_by(Notification.created_at, Notification.id).limit(BATCH)))
    if not pending:
        return "No e-mails waiting"
    sent = 0
    try:
        connection = _connect()
    except (OSError, smtplib.SMTPException) as error:  # connection refused, timeout, TLS or login failure
        for notification in pending:
            _failed(notification, error, max_attempts)
    else:
        with connection:
            for notification in pending:
                try:
                    connection.send_message(_message(notification))
                except smtplib.SMTPServerDisconnected as error:  # the server went away mid-batch
                    for rest in pending[pending.index(notification):]:
                        _failed(rest, error, max_attempts)
                    break
                except (OSError, smtplib.SMTPException) as error:
                    _failed(notification, error, max_attempts)
                else:
                    notification.email_status = EmailStatus.SENT.value
                    notification.email_attempts += 1
                    notification.email_last_error = ""
                    notification.email_sent_at = utcnow()
                    sent += 1
    db.session.commit()
    failed = sum(1 for n in pending if n.email_status == EmailStatus.FAILED.value)
    waiting = len(pending) - sent - failed
    parts = [f"{sent} e-mails sent"]
    if waiting:
        parts.append(f"{waiting} still pending ({pending[-1].email_last_error or 'will retry'})")
    if failed:
        parts.append(f"{failed} given up after {max_attempts} attempts")
    return ", ".join(parts)
