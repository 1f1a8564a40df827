"""Administration → Users: the account list (filters, export), creating and editing an account, and
the one-button actions on it (deactivate, reactivate, unlock, reset two-factor sign-in, sign out
everywhere, reset the password), and its open sessions."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for

from app.admin import services
from app.admin.exports import USER_COLUMNS
from app.admin.forms import NewUserForm, ResetPasswordForm, UserForm, VersionOnlyForm, department_id_or_none
from app.admin.views import bp
from app.audit import services as audit
from app.auth import services as accounts
from app.auth import sessions, throttle
from app.auth.models import Department, Role, User
from app.auth.permissions import ADMIN_USERS, acting_user, permission_required
from app.common.choices import department_choices
from app.common.export import audited_export
from app.common.listing import Listing, all_matching, requested_export
from app.common.models import StaleEditError
from app.extensions import db

USER_SORTS = {
    "name": User.full_name, "email": User.email, "role": User.role,
    "department": Department.code, "last_login": User.last_login_at, "active": User.active,
}



def _filtered_users() -> sa.Select:
    statement = sa.select(User).outerjoin(Department, User.department_id == Department.id)
    query = request.args.get("q", "").strip()
    if query:
        # autoescape: a "_" or "%" typed in the search box is a character, not a wildcard.
        query = query.lower()
        statement = statement.where(sa.or_(sa.func.lower(User.full_name).contains(query, autoescape=True),
                                           User.email.contains(query, autoescape=True)))
    if request.args.get("role") in {r.value for r in Role}:
        statement = statement.where(User.role == request.args["role"])
    department = request.args.get("department", "")
    if department.isdigit():
        statement = statement.where(User.department_id == int(department))
    status = request.args.get("status")
    if status == "active":
        statement = statement.where(User.active.is_(True))
    elif status == "inactive":
        statement = statement.where(User.active.is_(False))
    elif status == "locked":
        statement = statement.where(User.email.in_(throttle.slowed_accounts()))
    return statement


@bp.get("/users")
@permission_required(ADMIN_USERS)
def users():
    statement = _filtered_users()
    fmt = requested_export()
    if fmt:
        rows = all_matching(statement, sort_columns=USER_SORTS, default_sort="name", tiebreaker=User.id)
        return audited_export(rows, USER_COLUMNS, fmt, "khusela-users", entity_type="user", what="users")
    listing = Listing.from_request(statement, sort_columns=USER_SORTS, default_sort="name", tiebreaker=User.id)
    return render_template(
        "admin/users.html", listing=listing, roles=services.role_choices(),
        departments=department_choices("All departments", include_inactive=True),
        slowed=throttle.slowed_among([user.email for user in listing.items]),
    )


@bp.route("/users/new", methods=["GET", "POST"])
@permission_required(ADMIN_USERS)
def new_user():
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                email=form.email.data, full_name=form.full_name.data, role=form.role.data,
                department_id=department_id_or_none(form.department_id.data), password=form.password.data,
                actor=acting_user(),
            )
            accounts.set_acceptance_authority(user, form.acceptance_authority.data or None, actor=acting_user())
        except accounts.AccountError as error:
            db.session.rollback()
            getattr(form, error.field or "email").errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Account created for {user.email}. They must choose their own password at first sign-in.", "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template("admin/user_form.html", form=form, user=None), (422 if form.errors else 200)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@permission_required(ADMIN_USERS)
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user if request.method == "GET" else None, current_department_id=user.department_id)
    if request.method == "GET":
        form.department_id.data = str(user.department_id or "")
        form.acceptance_authority.data = user.acceptance_authority or ""
    if form.validate_on_submit():
        try:
            accounts.update_user(
                user, expected_version=form.version.data, email=form.email.data, full_name=form.full_name.data,
                role=form.role.data, department_id=department_id_or_none(form.department_id.data),
                actor=acting_user(),
            )
            accounts.set_acceptance_authority(user, form.acceptance_authority.data or None, actor=acting_user())
        except StaleEditError as error:
            db.session.rollback()
            flash(str(error), "danger")
            return redirect(url_for("admin.edit_user", user_id=user.id))
        except accounts.AccountError as error:
            db.session.rollback()
            getattr(form, error.field or "email").errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Saved the account of {user.email}.", "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template(
        "admin/user_form.html", form=form, user=user, action_form=VersionOnlyForm(formdata=None),
        reset_form=ResetPasswordForm(formdata=None), slowed_until=accounts.sign_in_slowed_until(user),
        history=audit.entries_about("user", user.id, limit=20), sessions=sessions.open_sessions(user),
    ), (422 if form.errors else 200)


def _user_action(user_id: int, action, success_message: str):
    """Run a one-button account action (deactivate, unlock...) guarded by CSRF and version."""
    user = db.get_or_404(User, user_id)
    form = VersionOnlyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        action(user, form.version.data)
    except (StaleEditError, accounts.AccountError) as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        db.session.commit()
        flash(success_message.format(email=user.email), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/deactivate")
@permission_required(ADMIN_USERS)
def deactivate_user(user_id: int):
    return _user_action(
        user_id,
        lambda user, version: accounts.set_user_active(user, False, expected_version=version, actor=acting_user()),
        "Deactivated {email}. They can no longer sign in; their history stays in the audit log.",
    )


@bp.post("/users/<int:user_id>/reactivate")
@permission_required(ADMIN_USERS)
def reactivate_user(user_id: int):
    return _user_action(
        user_id,
        lambda user, version: accounts.set_user_active(user, True, expected_version=version, actor=acting_user()),
        "Reactivated {email}.",
    )


@bp.post("/users/<int:user_id>/unlock")
@permission_required(ADMIN_USERS)
def unlock_user(user_id: int):
    return _user_action(
        user_id, lambda user, version: accounts.unlock_user(user, actor=acting_user()),
        "Unlocked {email}: its failed sign-ins were cleared and its sign-in is no longer slowed down.",
    )


@bp.post("/users/<int:user_id>/reset-two-factor")
@permission_required(ADMIN_USERS)
def reset_user_mfa(user_id: int):
    return _user_action(
        user_id, lambda user, version: accounts.reset_mfa(user, actor=acting_user()),
        "Two-factor sign-in of {email} was reset; they can set it up again at their next sign-in.",
    )


@bp.post("/users/<int:user_id>/sign-out-everywhere")
@permission_required(ADMIN_USERS)
def sign_out_everywhere(user_id: int):
    return _user_action(
        user_id, lambda user, version: accounts.sign_out_everywhere(user, actor=acting_user()),
        "Signed {email} out everywhere: every open session has ended, and so has any sign-in waiting for its "
        "two-factor code. Their password still works; reset it too if it may be known to someone else.",
    )


@bp.post("/users/<int:user_id>/reset-password")
@permission_required(ADMIN_USERS)
def reset_user_password(user_id: int):
    user = db.get_or_404(User, user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(user, form.password.data, actor=acting_user())
        except accounts.AccountError as error:
            form.password.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Password of {user.email} reset. Tell them in person or by phone; they must change it at "
                  "their next sign-in.", "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    edit_form = UserForm(obj=user, formdata=None, current_department_id=user.department_id)
    edit_form.department_id.data = str(user.department_id or "")
    return render_template(
        "admin/user_form.html", form=edit_form, user=user, action_form=VersionOnlyForm(formdata=None),
        reset_form=form, slowed_until=accounts.sign_in_slowed_until(user),
        history=audit.entries_about("user", user.id, limit=20), sessions=sessions.open_sessions(user),
    ), 422
