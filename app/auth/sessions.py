"""Signed-in sessions kept on the server, so that they can be ended there.

A sign-in starts a UserSession row and puts its random key in the login cookie (Flask's signed
session, under Flask-Login's `_user_id`); the row keeps only the key's SHA-256. Every request
goes through `load_user()`, which accepts a live row only: not ended, not past its absolute end
(the `session_lifetime_hours` setting, fixed when it starts), not idle for longer than the idle
timeout (PERMANENT_SESSION_LIFETIME). So signing out ends the session for every copy of the
cookie, and so do a password change (the user's other sessions), a password reset, a deactivation,
a two-factor reset and an administrator's "sign out everywhere" (all of them).

The secret a user is setting up for two-factor sign-in is kept on the row too (sealed), never in
the cookie. Rows not seen for KEEP_DAYS are deleted: the user's own at each sign-in, all of them
by the daily `session-housekeeping` job.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.admin import settings
from app.auth import sealing, totp
from app.auth.models import SessionEnd, User, UserSession
from app.common.models import rows_matched
from app.common.timeutil import utcnow
from app.extensions import db

COOKIE_KEY = "_user_id"  # where Flask-Login keeps the id it hands the user loader
KEY_BYTES = 32
MAX_KEY_LENGTH = 100  # a longer "key" is not one of ours: not even hashed
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often
KEEP_DAYS = 30  # rows not seen for this long are deleted (the audit log keeps each sign-in and sign-out)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def idle_limit() -> timedelta:
    return current_app.config["PERMANENT_SESSION_LIFETIME"]


def start(user: User, *, ip_address: str | None, user_agent: str | None, now: datetime | None = None) -> str:
    """A new session for a user who has just signed in; returns the key for the cookie."""
    now = now or utcnow()
    key = secrets.token_urlsafe(KEY_BYTES)
    db.session.add(UserSession(
        key_hash=_hash(key), user_id=user.id, created_at=now, last_seen_at=now,
        expires_at=now + timedelta(hours=settings.get(settings.SESSION_LIFETIME_HOURS)),
        ip_address=(ip_address or "")[:45] or None, user_agent=(user_agent or "")[:255] or None,
    ))
    _purge(now, UserSession.user_id == user.id)
    db.session.flush()
    return key


def find(key: object) -> UserSession | None:
    """The session a cookie's key names, live or ended; None for anything else."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        return None
    return db.session.scalar(sa.select(UserSession).where(UserSession.key_hash == _hash(key)))


def renew_key(row: UserSession) -> str:
    """A new key for the same session (after a password change): a copy of the old cookie stops working."""
    key = secrets.token_urlsafe(KEY_BYTES)
    row.key_hash = _hash(key)
    db.session.flush()
    return key


def expiry_of(row: UserSession, now: datetime) -> SessionEnd | None:
    """Why a session not yet ended has run out (its absolute end, or idleness), else None."""
    if now >= row.expires_at:
        return SessionEnd.LIFETIME
    if now - row.last_seen_at > idle_limit():
        return SessionEnd.IDLE
    return None


def is_live(row: UserSession, now: datetime) -> bool:
    return row.ended_at is None and expiry_of(row, now) is None


def load_user(key: str | None) -> User | None:
    """Flask-Login's user loader: the user of a live session of an active account, else None."""
    row = find(key)
    if row is None or not is_live(row, utcnow()):
        return None
    user = db.session.get(User, row.user_id)
    return user if user is not None and user.active else None


def touch(row: UserSession, now: datetime) -> bool:
    """Note the session as seen now, at most once a minute; True when it wrote (the caller commits).
    Two requests of one session at once: the second's UPDATE matches no row, and that is no error."""
    if now - row.last_seen_at < TOUCH_EVERY:
        return False
    result = db.session.execute(
        sa.update(UserSession)
        .where(UserSession.id == row.id, UserSession.ended_at.is_(None), UserSession.last_seen_at < now - TOUCH_EVERY)
        .values(last_seen_at=now))
    return rows_matched(result) == 1


def end(row: UserSession, reason: SessionEnd, now: datetime | None = None) -> bool:
    """End one session; False when it had ended already (another request of it came first)."""
    result = db.session.execute(
        sa.update(UserSession).where(UserSession.id == row.id, UserSession.ended_at.is_(None))
        .values(ended_at=now or utcnow(), end_reason=reason.value, pending_totp_secret=None))
    return rows_matched(result) == 1


def end_all(user: User, reason: SessionEnd, *, keep: UserSession | None = None) -> int:
    """End every live session of a user, but `keep` (the one they are using); returns how many."""
    now = utcnow()
    statement = (sa.update(UserSession)
                 .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None), UserSession.expires_at > now,
                        UserSession.last_seen_at >= now - idle_limit())
                 .values(ended_at=now, end_reason=reason.value, pending_totp_secret=None))
    if keep is not None:
        statement = statement.where(UserSession.id != keep.id)
    return rows_matched(db.session.execute(statement))


def open_sessions(user: User) -> list[UserSession]:
    """The user's live sessions, the most recently used first."""
    now = utcnow()
    return list(db.session.scalars(
        sa.select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None), UserSession.expires_at > now,
               UserSession.last_seen_at >= now - idle_limit())
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))


def shorten_open_sessions(hours: int) -> int:
    """After the lifetime setting was lowered: no open session lasts longer than the new limit
    (a longer limit applies to the sessions started from then on). Returns how many were shortened."""
    now, limit = utcnow(), timedelta(hours=hours)
    shortened = 0
    for row in db.session.scalars(sa.select(UserSession).where(UserSession.ended_at.is_(None),
                                                              UserSession.expires_at > now)):
        if row.expires_at > row.created_at + limit:
            row.expires_at = row.created_at + limit
            shortened += 1
    db.session.flush()
    return shortened


# --- two-factor enrolment ---------------------------------------------------------------------


def pending_totp_secret(row: UserSession) -> str | None:
    """The secret this session is setting up, if any (one sealed under a key since changed counts as none)."""
    if row.pending_totp_secret is None:
        return None
    try:
        return sealing.unseal(row.pending_totp_secret, sealing.pending_context(row.id))
    except sealing.KeyMismatch:
        return None


def set_up_totp_secret(row: UserSession) -> str:
    """The secret to show for enrolment: the one this session shows already, else a new one kept
    (sealed) on the row. Two pages of one session opened at once both show the first one stored."""
    existing = pending_totp_secret(row)
    if existing is not None:
        return existing
    stored_before, secret = row.pending_totp_secret, totp.new_secret()
    unchanged = (UserSession.pending_totp_secret.is_(None) if stored_before is None
                 else UserSession.pending_totp_secret == stored_before)
    db.session.execute(sa.update(UserSession).where(UserSession.id == row.id, UserSession.ended_at.is_(None), unchanged)
                       .values(pending_totp_secret=sealing.seal(secret, sealing.pending_context(row.id)))
                       .execution_options(synchronize_session=False))
    db.session.refresh(row, ["pending_totp_secret"])
    # None only when the session ended meanwhile (signed out in another tab): enabling will say so.
    return pending_totp_secret(row) or secret


def forget_pending_totp_secret(row: UserSession) -> None:
    row.pending_totp_secret = None
    db.session.flush()


# --- housekeeping -------------------------------------------------------------------------------


def _purge(now: datetime, *conditions: sa.ColumnElement[bool]) -> int:
    cutoff = now - timedelta(days=KEEP_DAYS)
    result = db.session.execute(sa.delete(UserSession).where(UserSession.last_seen_at < cutoff, *conditions)
                                .execution_options(synchronize_session=False))
    return rows_matched(result)


def remove_old_sessions() -> str:
    """The scheduler's daily job: delete the rows of sessions not seen for KEEP_DAYS."""
    removed = _purge(utcnow())
    return f"{removed} session record(s) not used for {KEEP_DAYS} days removed"
