"""A user's own sessions: where they are signed in (started, last used, address, browser), and
"sign out my other sessions". Also current_session(), the server-side session the request's
cookie names, for the other auth views."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, session, url_for

from app.auth import services, sessions
from app.auth.forms import SignOutOtherSessionsForm
from app.auth.models import UserSession
from app.auth.permissions import ACCOUNT_SELF, acting_user, permission_required
from app.auth.views import bp
from app.extensions import db


def current_session() -> UserSession:
    """The session of the signed-in user making this request (the user loader accepted it)."""
    row = sessions.find(session.get(sessions.COOKIE_KEY))
    if row is None:  # signed in without a session row: not by this app's sign-in
        abort(403)
    return row


@bp.get("/account/sessions")
@permission_required(ACCOUNT_SELF)
def own_sessions():
    return render_template("auth/sessions.html", sessions=sessions.open_sessions(acting_user()),
                           current=current_session(), form=SignOutOtherSessionsForm())


@bp.post("/account/sessions/sign-out-others")
@permission_required(ACCOUNT_SELF)
def sign_out_other_sessions():
    if not SignOutOtherSessionsForm().validate_on_submit():
        abort(400)
    ended = services.sign_out_other_sessions(acting_user(), current_session())
    db.session.commit()
    if ended:
        flash(f"Signed out of {ended} other session(s). This one stays signed in.", "success")
    else:
        flash("You had no other open sessions.", "info")
    return redirect(url_for("auth.own_sessions"))
