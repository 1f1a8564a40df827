"""Security headers on every response, and the idle-session timeout."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, current_app, flash, has_request_context, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, logout_user

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

SESSION_LAST_SEEN = "_last_seen"


def register(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.after_request(_security_headers)
    app.before_request(_expire_idle_session)


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


def _expire_idle_session():
    """Sign out after PERMANENT_SESSION_LIFETIME without a request, whatever the cookie says."""
    if request.endpoint == "static" or request.endpoint == "core.health":
        return None
    now = datetime.now(UTC).timestamp()
    idle_limit = current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    last_seen = session.get(SESSION_LAST_SEEN)
    if current_user.is_authenticated and last_seen is not None and now - last_seen > idle_limit:
        from app.auth.services import record_sign_out
        from app.extensions import db

        record_sign_out(current_user._get_current_object(), "Session expired after inactivity")
        db.session.commit()
        logout_user()
        session.clear()
        flash("Your session expired after a period of inactivity. Sign in again to continue.", "warning")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    session.permanent = True
    session[SESSION_LAST_SEEN] = now
    return None


class SessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or (has_request_context() and request.is_secure))
