"""A user's own account: changing the password, and turning two-factor sign-in on (enrolment with a
QR code) or off.

The blueprint's before_app_request hook lives here too: a user who must change a password set by
an administrator, or whose role requires two-factor sign-in they have not set up, is kept on these
pages until they have."""

from __future__ import annotations

import base64
import io

import segno
from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from app.auth import services, sessions
from app.auth.forms import ChangePasswordForm, DisableMfaForm, EnableMfaForm
from app.auth.permissions import ACCOUNT_SELF, permission_required
from app.auth.session_views import current_session
from app.auth.views import bp
from app.extensions import db

# While a user must change a password set by an administrator, or enrol in two-factor sign-in,
# only these pages open.
ENDPOINTS_WHILE_PASSWORD_MUST_CHANGE = {"auth.change_password", "auth.logout", "static"}
ENDPOINTS_WHILE_RESTRICTED = ENDPOINTS_WHILE_PASSWORD_MUST_CHANGE | {"auth.mfa", "auth.enable_mfa"}


@bp.route("/account/password", methods=["GET", "POST"])
@permission_required(ACCOUNT_SELF)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        this_session = current_session()
        try:
            services.change_own_password(current_user, form.current_password.data, form.new_password.data,
                                         keep_session=this_session)
        except services.AccountError as error:
            getattr(form, error.field or "new_password").errors.append(str(error))
        else:
            key = sessions.renew_key(this_session)  # a copy of this session's old cookie stops working too
            db.session.commit()
            session[sessions.COOKIE_KEY] = key
            flash("Your password was changed. Other sessions of yours have been signed out.", "success")
            if services.must_enrol_in_mfa(current_user):
                return redirect(url_for("auth.mfa"))
            return redirect(url_for("core.index"))
    status = 422 if form.errors else 200
    return render_template("auth/change_password.html", form=form), status


def _qr_data_uri(uri: str) -> str:
    """The enrolment QR code as an inline SVG image, drawn here: the secret never leaves the server."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, border=2, xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode("ascii")


@bp.get("/account/two-factor")
@permission_required(ACCOUNT_SELF)
def mfa():
    return _render_mfa_page(EnableMfaForm(), DisableMfaForm())


def _render_mfa_page(enable_form, disable_form, status: int = 200):
    user = current_user
    # "required" by the role, whether or not the user has enrolled: it also hides the form to turn it off.
    context = {"enable_form": enable_form, "disable_form": disable_form, "required": services.role_requires_mfa(user)}
    if not user.mfa_enabled:
        # Kept on the server-side session, sealed, never in the cookie; a GET stores it too, so commit.
        secret = sessions.set_up_totp_secret(current_session())
        db.session.commit()
        context["secret"] = secret
        context["qr_code"] = _qr_data_uri(services.provisioning_uri(user, secret))
    return render_template("auth/mfa.html", **context), status


@bp.post("/account/two-factor/enable")
@permission_required(ACCOUNT_SELF)
def enable_mfa():
    form = EnableMfaForm()
    secret = sessions.pending_totp_secret(current_session())
    if current_user.mfa_enabled:
        flash("Two-factor sign-in is already on.", "info")
        return redirect(url_for("auth.mfa"))
    if form.validate_on_submit():
        if not secret:  # the session that showed the code has ended; a new code is shown below
            form.code.errors.append("The set-up had expired. Scan the new code below, then enter the code it shows.")
            return _render_mfa_page(form, DisableMfaForm(formdata=None), 422)
        try:
            services.enable_mfa(current_user, secret, form.code.data)
        except services.AccountError as error:
            form.code.errors.append(str(error))
        else:
            sessions.forget_pending_totp_secret(current_session())
            db.session.commit()
            flash("Two-factor sign-in is on. You will be asked for a code each time you sign in.", "success")
            return redirect(url_for("core.index"))
    return _render_mfa_page(form, DisableMfaForm(formdata=None), 422)


@bp.post("/account/two-factor/disable")
@permission_required(ACCOUNT_SELF)
def disable_mfa():
    form = DisableMfaForm()
    if form.validate_on_submit():
        try:
            services.disable_own_mfa(current_user, form.password.data)
        except services.AccountError as error:
            form.password.errors.append(str(error))
        else:
            db.session.commit()
            flash("Two-factor sign-in is off.", "success")
            return redirect(url_for("auth.mfa"))
    return _render_mfa_page(EnableMfaForm(formdata=None), form, 422)


@bp.before_app_request
def _restrict_until_account_is_ready():
    """Users who must change a password or enrol in two-factor sign-in can do only that."""
    if not current_user.is_authenticated or request.endpoint in ("core.health",):
        return None
    if current_user.must_change_password:
        # Not even two-factor enrolment: the administrator who set the password knows it too.
        if request.endpoint in ENDPOINTS_WHILE_PASSWORD_MUST_CHANGE:
            return None
        return redirect(url_for("auth.change_password"))
    if request.endpoint not in ENDPOINTS_WHILE_RESTRICTED and services.must_enrol_in_mfa(current_user):
        return redirect(url_for("auth.mfa"))
    return None
