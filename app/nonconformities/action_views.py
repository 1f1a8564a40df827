"""A nonconformity's corrective actions: added and changed by the register's editors; each action's
owner records its progress (a per-record check: services.get_action_or_403)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import NONCONFORMITY_EDIT, NONCONFORMITY_VIEW, acting_user, permission_required
from app.common.saving import saving
from app.common.timeutil import local_today
from app.nonconformities import services
from app.nonconformities.forms import ActionForm, OwnActionForm, ReasonForm
from app.nonconformities.models import CorrectiveAction, CorrectiveActionStatus, Nonconformity
from app.nonconformities.views import bp


def _actions_url(nonconformity: Nonconformity) -> str:
    return url_for("nonconformities.detail", nonconformity_id=nonconformity.id, _anchor="actions-heading")


def _action_form(action: CorrectiveAction | None = None) -> ActionForm:
    form = ActionForm(obj=action if request.method == "GET" else None)
    form.set_owner_choices(services.possible_owners((action.owner_id,) if action else ()))
    if action is not None and request.method == "GET":
        form.version.data, form.owner_id.data = str(action.version), str(action.owner_id or "")
    return form


def _owner_id(form: ActionForm) -> int | None:
    return int(form.owner_id.data) if (form.owner_id.data or "").isdigit() else None


def _render_action(form, nonconformity: Nonconformity, action: CorrectiveAction | None, status: int = 200):
    return render_template("nonconformities/action_form.html", form=form, nc=nonconformity, action=action,
                           own=isinstance(form, OwnActionForm)), status


@bp.route("/<int:nonconformity_id>/actions/new", methods=["GET", "POST"])
@permission_required(NONCONFORMITY_EDIT)
def new_action(nonconformity_id: int):
    nonconformity = services.get_nonconformity_or_404(nonconformity_id)
    form = _action_form()
    if request.method == "GET":
        form.owner_id.data = str(nonconformity.owner_id or "")
        form.due_on.data = nonconformity.due_on
        return _render_action(form, nonconformity, None)
    if form.validate_on_submit():
        with saving(form, services.NonconformityRuleError, default_field="title"):
            action = services.add_action(nonconformity, title=form.title.data or "", owner_id=_owner_id(form),
                                         due_on=form.due_on.data, status=form.status.data,
                                         progress_note=form.progress_note.data or "", actor=acting_user(),
                                         today=local_today())
            flash(f"Added the corrective action “{action.title}” to {nonconformity.reference}.", "success")
            return redirect(_actions_url(nonconformity))
    return _render_action(form, nonconformity, None, 422)


@bp.route("/<int:nonconformity_id>/actions/<int:action_id>/edit", methods=["GET", "POST"])
@permission_required(NONCONFORMITY_EDIT)
def edit_action(nonconformity_id: int, action_id: int):
    action = services.get_action_or_403(current_user, nonconformity_id, action_id, NONCONFORMITY_EDIT)
    form = _action_form(action)
    if request.method == "GET":
        return _render_action(form, action.nonconformity, action)
    if form.validate_on_submit():
        with saving(form, services.NonconformityRuleError, default_field="title", stale_url=url_for(
                "nonconformities.edit_action", nonconformity_id=nonconformity_id, action_id=action.id)):
            changes = services.update_action(action, expected_version=form.version.data, title=form.title.data or "",
                                             owner_id=_owner_id(form), due_on=form.due_on.data,
                                             status=form.status.data, progress_note=form.progress_note.data or "",
                                             actor=acting_user(), today=local_today())
            flash("Saved the corrective action." if changes else "Nothing changed.", "success" if changes else "info")
            return redirect(_actions_url(action.nonconformity))
    return _render_action(form, action.nonconformity, action, 422)


@bp.route("/<int:nonconformity_id>/actions/<int:action_id>/progress", methods=["GET", "POST"])
@permission_required(NONCONFORMITY_VIEW)
def action_progress(nonconformity_id: int, action_id: int):
    """The action's owner (or an editor) records how far it is; auditors and others get 403."""
    action = services.get_action_or_403(current_user, nonconformity_id, action_id, NONCONFORMITY_VIEW)
    form = OwnActionForm(obj=action if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(action.version)
        return _render_action(form, action.nonconformity, action)
    if form.validate_on_submit():
        with saving(form, services.NonconformityRuleError, default_field="status", stale_url=url_for(
                "nonconformities.action_progress", nonconformity_id=nonconformity_id, action_id=action.id)):
            changes = services.update_own_action(action, expected_version=form.version.data, status=form.status.data,
                                                 progress_note=form.progress_note.data or "", actor=acting_user(),
                                                 today=local_today())
            done = form.status.data == CorrectiveActionStatus.DONE
            flash(("Marked the action done." if done else "Saved the progress.") if changes else "Nothing changed.",
                  "success" if changes else "info")
            return redirect(_actions_url(action.nonconformity))
    return _render_action(form, action.nonconformity, action, 422)


@bp.route("/<int:nonconformity_id>/actions/<int:action_id>/cancel", methods=["GET", "POST"])
@permission_required(NONCONFORMITY_EDIT)
def cancel_action(nonconformity_id: int, action_id: int):
    action = services.get_action_or_403(current_user, nonconformity_id, action_id, NONCONFORMITY_EDIT)
    form = ReasonForm()
    if request.method == "GET":
        form.version.data = str(action.version)
    elif form.validate_on_submit():
        with saving(form, services.NonconformityRuleError, default_field="reason", stale_url=url_for(
                "nonconformities.cancel_action", nonconformity_id=nonconformity_id, action_id=action.id)):
            services.cancel_action(action, expected_version=form.version.data, reason=form.reason.data or "",
                                   actor=acting_user(), today=local_today())
            flash(f"Cancelled the action “{action.title}”.", "warning")
            return redirect(_actions_url(action.nonconformity))
    status = 200 if request.method == "GET" else 422
    return render_template("nonconformities/reason.html", form=form, nc=action.nonconformity, action=action,
                           heading=f"Cancel the action “{action.title}”", button="Cancel the action",
                           help="Why it will not be done. A cancelled action removes no cause: the nonconformity "
                                "needs at least one action done before its effectiveness review."), status
