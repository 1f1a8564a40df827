"""Security headers on every response, and the check of the server-side session before every
request: one that ran out (idle, or past its absolute end) is ended and its user sent to sign in;
one ended elsewhere (signed out, password changed...) is dropped from the cookie."""

from __future__ import annotations

from flask import Flask, flash, has_request_context, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, logout_user

from app.auth import sessions
from app.auth.models import SessionEnd, UserSession
from app.auth.services import record_sign_out
from app.common.timeutil import utcnow
from app.extensions import db

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

EXPIRY_MESSAGES = {
    SessionEnd.IDLE: ("Session expired after inactivity",
                      "Your session expired after a period of inactivity. Sign in again to continue."),
    SessionEnd.LIFETIME: ("Session reached the longest session time",
                          "Your session reached the longest time a session may last. Sign in again to continue."),
}


def register(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.after_request(_security_headers)
    app.before_request(_check_session)


def _security_headers(response):
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint != "static" and current_user and current_user.is_authenticated:
        # Pages of a signed-in user hold restricted data: keep them out of shared caches and history.
        response.headers["Cache-Control"] = "no-store"
    return response


def _check_session():
    """End a session that ran out, forget one ended elsewhere, and note a live one as used."""
    if request.endpoint == "static" or request.endpoint == "core.health":
        return None
    key = session.get(sessions.COOKIE_KEY)
    if key is None:
        return None
    row, now = sessions.find(key), utcnow()
    if row is None or row.ended_at is not None:
        return _forget_ended_session(row)
    expired = sessions.expiry_of(row, now)
    if expired is not None:
        return _end_expired_session(row, expired)
    if sessions.touch(row, now):
        db.session.commit()
    if not session.permanent:  # setting it marks the session changed, and a background fetch must not be
        session.permanent = True  # the cookie, too, lapses after the idle time
    return None


def _forget_ended_session(row: UserSession | None) -> None:
    """A cookie naming an ended session (or none at all) signs no one in: drop it, and say why."""
    logout_user()
    session.clear()
    if row is not None and row.end_reason not in (None, SessionEnd.SIGNED_OUT):
        flash(f"You were signed out: {row.end_reason_label.lower()}. Sign in again to continue.", "warning")


def _end_expired_session(row: UserSession, reason: SessionEnd):
    summary, message = EXPIRY_MESSAGES[reason]
    if sessions.end(row, reason):  # not when another request of this session ended it first
        record_sign_out(row.user, summary)
    db.session.commit()
    logout_user()
    session.clear()
    flash(message, "warning")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


class SessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure whenever the request came over HTTPS, and leaves it alone on a page's
    background fetch."""

    def should_set_cookie(self, app: Flask, session) -> bool:
        # A fetch for JSON (an employee search, a document's or pack's progress) runs beside the page's own
        # requests: were its response to re-send the cookie it was sent with, arriving after a form's response
        # that changed the session (a flash saying what was saved), it would put the older cookie back.
        if has_request_context() and request.accept_mimetypes.best == "application/json" and not session.modified:
            return False
        return super().should_set_cookie(app, session)

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or (has_request_context() and request.is_secure))
