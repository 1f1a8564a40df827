"""Information-security roles (ISO/IEC 27001 5.3): who holds which role, with what responsibility
and authority; the control owners as the controls catalogue records them."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from app.auth.permissions import CONTEXT_EDIT, CONTEXT_VIEW, acting_user, permission_required
from app.common.choices import active_users
from app.common.export import audited_export
from app.common.listing import requested_export
from app.common.saving import saving
from app.common.timeutil import local_today
from app.context import queries, services
from app.context.exports import ROLE_COLUMNS
from app.context.forms import AssignmentForm, RoleForm
from app.context.models import IsmsRole, RoleAssignment
from app.context.views import bp
from app.extensions import db


@bp.get("/roles")
@permission_required(CONTEXT_VIEW)
def roles():
    every_role = queries.roles()
    fmt = requested_export()
    if fmt:
        return audited_export(queries.holdings(every_role), ROLE_COLUMNS, fmt, "khusela-isms-roles",
                              entity_type="isms_role", what="ISMS roles and their holders")
    return render_template("context/roles.html", roles=every_role, today=local_today(),
                           control_owners=queries.control_owners())


def _render_role_form(form: RoleForm, role: IsmsRole | None, status: int = 200):
    taken = {role.name for role in queries.roles()}
    return render_template("context/role_form.html", form=form, role=role,
                           suggestions=[name for name in services.SUGGESTED_ROLES if name not in taken]), status


@bp.route("/roles/new", methods=["GET", "POST"])
@permission_required(CONTEXT_EDIT)
def new_role():
    form = RoleForm()
    if request.method == "GET":
        return _render_role_form(form, None)
    if form.validate_on_submit():
        with saving(form, services.ContextRuleError):
            made = services.create_role(services.RoleInput(form.name.data or "", form.responsibilities.data or "",
                                                           form.authority.data or ""), actor=acting_user())
            flash(f"Added the role {made.name}. Now name who holds it.", "success")
            return redirect(url_for("context.new_assignment", role_id=made.id))
    return _render_role_form(form, None, 422)


@bp.route("/roles/<int:role_id>/edit", methods=["GET", "POST"])
@permission_required(CONTEXT_EDIT)
def edit_role(role_id: int):
    role = db.get_or_404(IsmsRole, role_id)
    form = RoleForm(obj=role if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(role.version)
        return _render_role_form(form, role)
    if form.validate_on_submit():
        with saving(form, services.ContextRuleError, stale_url=url_for("context.edit_role", role_id=role.id)):
            changes = services.update_role(role, services.RoleInput(
                form.name.data or "", form.responsibilities.data or "", form.authority.data or ""),
                expected_version=form.version.data, actor=acting_user())
            flash(f"Saved the role {role.name}." if changes else "Nothing changed.", "success" if changes else "info")
            return redirect(url_for("context.roles", _anchor=f"role-{role.id}"))
    return _render_role_form(form, role, 422)


def _assignment_form(assignment: RoleAssignment | None) -> AssignmentForm:
    form = AssignmentForm(obj=assignment if request.method == "GET" else None)
    form.set_user_choices(active_users(keep_id=assignment.user_id if assignment else None))
    if request.method == "GET" and assignment is not None:
        form.version.data, form.user_id.data = str(assignment.version), str(assignment.user_id)
    return form


def _assignment_input(form: AssignmentForm) -> services.AssignmentInput:
    return services.AssignmentInput(user_id=int(form.user_id.data) if form.user_id.data else None,
                                    starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                                    note=form.note.data or "")


def _render_assignment_form(form: AssignmentForm, role: IsmsRole, assignment: RoleAssignment | None,
                            status: int = 200):
    return render_template("context/assignment_form.html", form=form, role=role, assignment=assignment), status


@bp.route("/roles/<int:role_id>/holders/new", methods=["GET", "POST"])
@permission_required(CONTEXT_EDIT)
def new_assignment(role_id: int):
    role = db.get_or_404(IsmsRole, role_id)
    form = _assignment_form(None)
    if request.method == "GET":
        form.starts_on.data = local_today()
        return _render_assignment_form(form, role, None)
    if form.validate_on_submit():
        with saving(form, services.ContextRuleError):
            made = services.assign_role(role, _assignment_input(form), actor=acting_user())
            flash(f"{made.user.full_name} holds the role {role.name} from {made.starts_on.isoformat()}.", "success")
            return redirect(url_for("context.roles", _anchor=f"role-{role.id}"))
    return _render_assignment_form(form, role, None, 422)


@bp.route("/roles/<int:role_id>/holders/<int:assignment_id>/edit", methods=["GET", "POST"])
@permission_required(CONTEXT_EDIT)
def edit_assignment(role_id: int, assignment_id: int):
    role = db.get_or_404(IsmsRole, role_id)
    assignment = services.assignment_of(role, assignment_id)
    form = _assignment_form(assignment)
    if request.method == "GET":
        return _render_assignment_form(form, role, assignment)
    if form.validate_on_submit():
        stale_url = url_for("context.edit_assignment", role_id=role.id, assignment_id=assignment.id)
        with saving(form, services.ContextRuleError, stale_url=stale_url):
            changes = services.update_assignment(assignment, _assignment_input(form),
                                                 expected_version=form.version.data, actor=acting_user())
            flash(f"Saved the appointment of {assignment.user.full_name}." if changes else "Nothing changed.",
                  "success" if changes else "info")
            return redirect(url_for("context.roles", _anchor=f"role-{role.id}"))
    return _render_assignment_form(form, role, assignment, 422)
