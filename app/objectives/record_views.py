"""One objective: setting it up, its page (status over time, its metrics' latest values), editing it,
and a dated status change by its owner or a security officer."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from app.auth.permissions import OBJECTIVE_EDIT, OBJECTIVE_STATUS, OBJECTIVE_VIEW, acting_user, permission_required
from app.common.choices import active_users
from app.common.saving import saving
from app.common.timeutil import local_today
from app.objectives import queries, services
from app.objectives.forms import ObjectiveForm, StatusForm
from app.objectives.models import Objective
from app.objectives.views import bp


def _input(form: ObjectiveForm) -> services.ObjectiveInput:
    return services.ObjectiveInput(
        title=form.title.data or "", due_on=form.due_on.data,
        owner_id=int(form.owner_id.data) if form.owner_id.data else None, plan=form.plan.data or "",
        resources=form.resources.data or "", evaluation=form.evaluation.data or "",
        metric_ids=list(form.metric_ids.data or []))


def _form(objective: Objective | None) -> ObjectiveForm:
    form = ObjectiveForm(obj=objective if request.method == "GET" else None)
    form.set_choices(active_users(keep_id=objective.owner_id if objective else None),
                     queries.metrics_to_link(objective.metrics if objective else []))
    if request.method == "GET" and objective is not None:
        form.version.data = str(objective.version)
        form.owner_id.data = str(objective.owner_id) if objective.owner_id else ""
        form.metric_ids.data = [metric.id for metric in objective.metrics]
    return form


def _render_form(form: ObjectiveForm, objective: Objective | None, status: int = 200):
    return render_template("objectives/form.html", form=form, objective=objective), status


@bp.route("/new", methods=["GET", "POST"])
@permission_required(OBJECTIVE_EDIT)
def new():
    form = _form(None)
    if form.validate_on_submit():
        with saving(form, services.ObjectiveRuleError):
            objective = services.create_objective(_input(form), actor=acting_user())
            flash(f"Objective “{objective.title}” set.", "success")
            return redirect(url_for("objectives.detail", objective_id=objective.id))
    return _render_form(form, None, 422 if request.method == "POST" else 200)


def _render_detail(objective: Objective, status_form: StatusForm, status: int = 200):
    ids = [metric.id for metric in objective.metrics]
    return render_template("objectives/detail.html", objective=objective, status_form=status_form,
                           latest=queries.latest_measurements(ids), today=local_today(),
                           may_change_status=services.may_act_on_objective(acting_user(), objective, OBJECTIVE_STATUS)
                           ), status


@bp.get("/<int:objective_id>")
@permission_required(OBJECTIVE_VIEW)
def detail(objective_id: int):
    objective = services.get_objective_or_403(acting_user(), objective_id, OBJECTIVE_VIEW)
    form = StatusForm(status=objective.status, on=local_today())
    form.version.data = str(objective.version)
    return _render_detail(objective, form)


@bp.route("/<int:objective_id>/edit", methods=["GET", "POST"])
@permission_required(OBJECTIVE_EDIT)
def edit(objective_id: int):
    objective = services.get_objective_or_403(acting_user(), objective_id, OBJECTIVE_EDIT)
    form = _form(objective)
    if request.method == "POST" and form.validate_on_submit():
        stale_url = url_for("objectives.edit", objective_id=objective.id)
        with saving(form, services.ObjectiveRuleError, stale_url=stale_url):
            changes = services.update_objective(objective, _input(form), expected_version=form.version.data,
                                                actor=acting_user())
            flash(f"Saved “{objective.title}”." if changes else "Nothing changed.", "success" if changes else "info")
            return redirect(url_for("objectives.detail", objective_id=objective.id))
    return _render_form(form, objective, 422 if request.method == "POST" else 200)


@bp.post("/<int:objective_id>/status")
@permission_required(OBJECTIVE_STATUS)
def change_status(objective_id: int):
    objective = services.get_objective_or_403(acting_user(), objective_id, OBJECTIVE_STATUS)
    form = StatusForm()
    if form.validate_on_submit():
        stale_url = url_for("objectives.detail", objective_id=objective.id)
        with saving(form, services.ObjectiveRuleError, stale_url=stale_url):
            change = services.change_status(objective, form.status.data, on=form.on.data, note=form.note.data or "",
                                            expected_version=form.version.data, actor=acting_user())
            flash(f"Status of “{objective.title}” recorded: {change.status_enum.label.lower()} from "
                  f"{change.changed_on.isoformat()}.", "success")
            return redirect(url_for("objectives.detail", objective_id=objective.id))
    return _render_detail(objective, form, 422)
