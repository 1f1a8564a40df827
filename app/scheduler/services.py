"""Notifications: leaving one once, what a user sees and marks read, and their e-mail choices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import abort, current_app
from sqlalchemy.exc import IntegrityError

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import User
from app.auth.permissions import user_can
from app.common.models import RuleError, rows_matched
from app.common.timeutil import utcnow
from app.extensions import db
from app.scheduler.kinds import Kind
from app.scheduler.models import EmailStatus, Notification, NotificationPreference


@dataclass(frozen=True)
class Message:
    """What a notification says and where it points; no employee's personal data (a case is named
    by its reference, never by the employee)."""

    kind: Kind
    item_key: str
    due_on: date
    title: str
    body: str = ""
    link: str = ""


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def _email_kinds(user_ids: list[int]) -> dict[tuple[int, str], bool]:
    rows = db.session.execute(sa.select(NotificationPreference.user_id, NotificationPreference.kind,
                                        NotificationPreference.email)
                              .where(NotificationPreference.user_id.in_(user_ids))).all()
    return {(user_id, kind): email for user_id, kind, email in rows}


def wants_email(user: User, kind: Kind | str) -> bool:
    """E-mail is on for every kind until the user turns it off."""
    return _email_kinds([user.id]).get((user.id, str(kind)), True)


def _exists(user_id: int, message: Message) -> bool:
    return db.session.scalar(sa.select(Notification.id).where(
        Notification.user_id == user_id, Notification.kind == message.kind.value,
        Notification.item_key == message.item_key, Notification.due_on == message.due_on)) is not None


def notify(user: User, message: Message) -> Notification | None:
    """Leave `message` for `user` once: None when that user already has it for that item and due
    date. The unique key decides, so a job run twice (or two runs at once) adds nothing."""
    if _exists(user.id, message):
        return None
    email = mail_configured() and user.active and bool(user.email) and wants_email(user, message.kind)
    notification = Notification(
        user_id=user.id, kind=message.kind.value, item_key=message.item_key[:80], due_on=message.due_on,
        title=message.title[:300], body=message.body, link=message.link[:500], created_at=utcnow(),
        email_status=(EmailStatus.PENDING if email else EmailStatus.NOT_WANTED).value)
    try:
        with db.session.begin_nested():
            db.session.add(notification)
    except IntegrityError:  # another run inserted it between the check and the insert
        return None
    return notification


# --- what a user sees ---------------------------------------------------------------------------


def notifications_of(user: User) -> sa.Select:
    return sa.select(Notification).where(Notification.user_id == user.id)


def unread_count(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                             .where(Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def notification_of(user: User, notification_id: int) -> Notification | None:
    """The user's own notification, or None (someone else's is as good as missing)."""
    return db.session.scalar(sa.select(Notification).where(Notification.id == notification_id,
                                                           Notification.user_id == user.id))


def get_notification_or_404(user: User, notification_id: int, need: str) -> Notification:
    """The user's own notification: someone else's is 404, as if missing, because nobody may learn
    that another person's notification exists (its title names what they are reminded of)."""
    notification = notification_of(user, notification_id) if user_can(user, need) else None
    if notification is None:
        abort(404)
    return notification


def mark_read(user: User, notification_id: int) -> Notification:
    notification = notification_of(user, notification_id)
    if notification is None:
        raise RuleError(f"There is no notification {notification_id} of yours to mark read.")
    if notification.read_at is None:
        notification.read_at = utcnow()
        audit.record(AuditAction.READ, "notification", notification.id,
                     summary=f"Notification read: {notification.title}", actor=user)
        db.session.flush()
    return notification


def mark_all_read(user: User) -> int:
    now = utcnow()
    marked = rows_matched(db.session.execute(sa.update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=now))) or 0
    if marked:
        audit.record(AuditAction.READ, "notification", None, summary=f"{marked} notifications marked read", actor=user)
    db.session.flush()
    return marked


# --- e-mail choices ------------------------------------------------------------------------------


def email_choices(user: User) -> dict[Kind, bool]:
    chosen = _email_kinds([user.id])
    return {kind: chosen.get((user.id, kind.value), True) for kind in Kind}


def set_email_choices(user: User, wanted: set[str]) -> dict[str, list[bool]]:
    """Set which kinds `user` gets by e-mail (the rest in the app only); returns what changed."""
    unknown = sorted(set(wanted) - {kind.value for kind in Kind})
    if unknown:
        raise RuleError(f"Unknown kind of notification: {', '.join(unknown)}.", "email")
    existing = {row.kind: row for row in db.session.scalars(
        sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    changes: dict[str, list[bool]] = {}
    for kind in Kind:
        want = kind.value in wanted
        row = existing.get(kind.value)
        before = row.email if row else True
        if before == want:
            continue
        changes[kind.value] = [before, want]
        if row is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind.value, email=want))
        else:
            row.email = want
    if changes:
        audit.record(AuditAction.UPDATE, "notification_preference", user.id, changes=changes,
                     summary=f"E-mail choices changed for {len(changes)} kinds of notification", actor=user)
    db.session.flush()
    return changes
