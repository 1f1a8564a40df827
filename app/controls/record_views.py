"""One control: its page, a new internal control, and editing."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import (
    CONTROL_EDIT,
    CONTROL_VIEW,
    NONCONFORMITY_EDIT,
    RISK_VIEW,
    permission_required,
    user_can,
)
from app.common.choices import active_users, department_choices
from app.common.saving import saving
from app.common.timeutil import local_today
from app.controls import services
from app.controls.forms import AnnexAControlForm, ControlTestForm, InternalControlForm
from app.controls.models import Control, ControlSource, Frequency, TestResult
from app.controls.views import bp
from app.extensions import db
from app.nonconformities import services as nonconformity_services
from app.policies import services as policy_services


@bp.get("/<int:control_id>")
@permission_required(CONTROL_VIEW)
def detail(control_id: int):
    control = db.get_or_404(Control, control_id)
    return render_template(
        "controls/detail.html", control=control, today=local_today(), split=Control.split,
        frequency_label=Frequency(control.frequency).label if control.frequency else None,
        mappings_2013=services.mappings_2013_for(control) if control.is_annex_a else [],
        may_edit=user_can(current_user, CONTROL_EDIT), may_see_risks=user_can(current_user, RISK_VIEW),
        may_raise_nonconformity=user_can(current_user, NONCONFORMITY_EDIT),
        policies=policy_services.policies_of_control(control),
    )


def _form(form_class, control: Control | None = None):
    form = form_class(obj=control if request.method == "GET" else None)
    keep_department = control.department_id if control else None
    form.set_choices(users=active_users(keep_id=control.owner_id if control else None),
                     departments=department_choices("None", keep_id=keep_department),
                     annex_a=services.annex_a_catalogue())
    return form


def _input(form: AnnexAControlForm) -> services.ControlInput:
    description = form.description.data or ""
    owner_id = int(form.owner_id.data) if form.owner_id.data else None
    department_id = int(form.department_id.data) if form.department_id.data else None
    if not isinstance(form, InternalControlForm):
        return services.ControlInput(description=description, owner_id=owner_id, department_id=department_id)
    return services.ControlInput(
        description=description, owner_id=owner_id, department_id=department_id,
        reference=form.reference.data or "", catalogue=form.catalogue.data or "", title=form.title.data or "",
        control_type=form.control_type.data or None, frequency=form.frequency.data or None,
        active=form.active.data, annex_a_ids=list(form.annex_a_ids.data or []))


def _render_form(form, control: Control | None, status: int = 200):
    return render_template("controls/form.html", form=form, control=control), status


@bp.route("/new", methods=["GET", "POST"])
@permission_required(CONTROL_EDIT)
def new():
    form = _form(InternalControlForm)
    if request.method == "GET":
        annex = services.annex_a_control(request.args.get("implements", ""))
        form.annex_a_ids.data = [annex.id] if annex else []
        return _render_form(form, None)
    if form.validate_on_submit():
        with saving(form, services.ControlRuleError):
            control = services.create_internal_control(_input(form), actor=current_user)
            flash(f"Created control {control.reference} {control.title}.", "success")
            return redirect(url_for("controls.detail", control_id=control.id))
    return _render_form(form, None, 422)


@bp.route("/<int:control_id>/edit", methods=["GET", "POST"])
@permission_required(CONTROL_EDIT)
def edit(control_id: int):
    control = db.get_or_404(Control, control_id)
    form = _form(AnnexAControlForm if control.source == ControlSource.ANNEX_A else InternalControlForm, control)
    if request.method == "GET":
        form.version.data = str(control.version)
        form.owner_id.data = str(control.owner_id or "")
        form.department_id.data = str(control.department_id or "")
        if isinstance(form, InternalControlForm):
            form.control_type.data = control.control_types
            form.annex_a_ids.data = [annex.id for annex in control.annex_a_controls]
        return _render_form(form, control)
    if form.validate_on_submit():
        with saving(form, services.ControlRuleError, stale_url=url_for("controls.edit", control_id=control.id)):
            changes = services.update_control(control, _input(form), expected_version=form.version.data,
                                              actor=current_user)
            flash(f"Saved {control.reference} {control.title}." if changes else "Nothing changed.",
                  "success" if changes else "info")
            return redirect(url_for("controls.detail", control_id=control.id))
    return _render_form(form, control, 422)


@bp.route("/<int:control_id>/tests/new", methods=["GET", "POST"])
@permission_required(CONTROL_EDIT)
def new_test(control_id: int):
    control = db.get_or_404(Control, control_id)
    form = ControlTestForm()
    form.set_tester_choices(active_users())
    form.set_owner_choices(nonconformity_services.possible_owners())
    if request.method == "GET":
        form.tested_on.data = local_today()
        form.tester_id.data = str(current_user.id)
        last = control.last_test
        if last is not None:  # the plan usually stays the same from one test to the next
            form.what_is_checked.data, form.method.data = last.what_is_checked, last.method
            form.sample.data = last.sample
        return _render_test(form, control)
    if form.validate_on_submit():
        data = services.ControlTestInput(
            what_is_checked=form.what_is_checked.data or "", method=form.method.data or "",
            tested_on=form.tested_on.data, result=form.result.data, sample=form.sample.data or "",
            findings=form.findings.data or "", tester_id=int(form.tester_id.data) if form.tester_id.data else None,
            nonconformity_owner_id=int(form.nonconformity_owner_id.data) if form.nonconformity_owner_id.data else None,
            nonconformity_due_on=form.nonconformity_due_on.data,
            nonconformity_severity=form.nonconformity_severity.data or "minor")
        with saving(form, services.ControlRuleError):
            test = services.record_test(control, data, actor=current_user, today=local_today())
            raised = f" Raised nonconformity {test.nonconformity.reference}." if test.nonconformity else ""
            flash(f"Recorded the test of {control.reference}: {TestResult(test.result).label.lower()}.{raised}",
                  "success")
            return redirect(url_for("controls.detail", control_id=control.id, _anchor="tests-heading"))
    return _render_test(form, control, 422)


def _render_test(form: ControlTestForm, control: Control, status: int = 200):
    return render_template("controls/test_form.html", form=form, control=control), status
