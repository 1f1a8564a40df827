"""Signing in (password, then the second factor when the account has one) and signing out. A
sign-in starts a fresh session (a server-side one, app/auth/sessions.py, whose key the cookie
carries; signing out ends it) and goes on to the page asked for, or first to the password change
or two-factor enrolment the account still owes (account_views.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from app.auth import services, sessions
from app.auth.forms import LoginForm, SecondFactorForm
from app.auth.models import SessionEnd, User
from app.auth.permissions import ACCOUNT_SELF, permission_required, public
from app.auth.views import bp
from app.extensions import db, limiter

PENDING_MFA_USER = "_pending_mfa_user"
NEXT_URL = "_next_url"


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _client_address() -> str:
    """The address the audit log records (the proxy's X-Forwarded-For when TRUST_PROXY_HEADERS)."""
    return request.remote_addr or ""


def _safe_next(target: str | None) -> str:
    """Only same-site paths: a crafted ?next= must not send a user to another site."""
    # A control character (a line break above all) has no place in a path and would break the
    # Location header; urlsplit() drops tabs and line breaks, so look before it does.
    if target and target.isprintable():
        parts = urlsplit(target)
        # Browsers take a backslash for a slash, so "/\host" would leave the site like "//host".
        same_site = not parts.scheme and not parts.netloc and "\\" not in target
        if same_site and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("core.index")


def _finish_sign_in(user: User) -> object:
    next_url = session.get(NEXT_URL)
    session.clear()  # a fresh session at sign-in: nothing from before survives (session fixation)
    services.record_sign_in(user, address=_client_address())
    key = sessions.start(user, ip_address=request.remote_addr, user_agent=request.user_agent.string)
    db.session.commit()
    login_user(user)
    session[sessions.COOKIE_KEY] = key  # the cookie names the server-side session, not the account
    if user.must_change_password:
        flash("Choose a new password before you go on.", "warning")
        return redirect(url_for("auth.change_password"))
    if services.must_enrol_in_mfa(user):
        flash("Your role requires two-factor sign-in. Set it up before you go on.", "warning")
        return redirect(url_for("auth.mfa"))
    flash(f"Signed in as {user.full_name}.", "success")
    return redirect(_safe_next(next_url))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = LoginForm()
    if request.method == "GET":
        session[NEXT_URL] = _safe_next(request.args.get("next"))
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), (422 if request.method == "POST" else 200)
    result = services.check_password(form.email.data, form.password.data, address=_client_address())
    db.session.commit()  # a refusal is kept too: the failed attempt, the lockout, the audit entry
    if result.error:
        form.password.errors.append(result.error)
        return render_template("auth/login.html", form=form), 401
    assert result.user is not None  # check_password() names the user unless it refused
    if result.needs_second_factor:
        # Id and session token, like the login cookie: a password reset or a deactivation before
        # the code is entered ends this half-finished sign-in.
        session[PENDING_MFA_USER] = result.user.get_id()
        return redirect(url_for("auth.second_factor"))
    return _finish_sign_in(result.user)


@bp.route("/login/two-factor", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
@public
def second_factor():
    user = services.user_of_pending_sign_in(session.get(PENDING_MFA_USER))
    if user is None:
        flash("Sign in with your e-mail address and password first.", "info")
        return redirect(url_for("auth.login"))
    form = SecondFactorForm()
    if not form.validate_on_submit():
        return render_template("auth/second_factor.html", form=form), (422 if request.method == "POST" else 200)
    result = services.check_second_factor(user, form.code.data, address=_client_address())
    db.session.commit()  # a refusal is kept too: the failed attempt, the lockout, the audit entry
    if result.error:
        form.code.errors.append(result.error)
        return render_template("auth/second_factor.html", form=form), 401
    return _finish_sign_in(user)


@bp.post("/logout")
@permission_required(ACCOUNT_SELF)
def logout():
    row = sessions.find(session.get(sessions.COOKIE_KEY))
    if row is not None:  # ended on the server: a copy of the cookie no longer signs anyone in
        sessions.end(row, SessionEnd.SIGNED_OUT)
    services.record_sign_out(current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))
