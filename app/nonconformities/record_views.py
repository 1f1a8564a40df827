"""One nonconformity: raising it, its page, its details, correction and analysis, the effectiveness
review, reopening, the changes to the ISMS it caused, and raising one for an earlier failed test."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.models import Role
from app.auth.permissions import (
    CONTROL_VIEW,
    NONCONFORMITY_EDIT,
    NONCONFORMITY_RAISE,
    NONCONFORMITY_VIEW,
    acting_user,
    permission_required,
    user_can,
)
from app.common.choices import department_choices
from app.common.saving import acting, saving
from app.common.timeutil import local_today
from app.controls.models import Control, ControlTest, TestResult
from app.extensions import db
from app.nonconformities import queries, services, workflow
from app.nonconformities.forms import (
    AnalysisForm,
    ButtonForm,
    ChangeForm,
    NonconformityForm,
    ReasonForm,
    ReviewForm,
    TestFollowUpForm,
)
from app.nonconformities.models import ChangeKind, IsmsChange, Nonconformity, NonconformitySource
from app.nonconformities.views import bp


def _detail_url(nonconformity: Nonconformity, anchor: str | None = None) -> str:
    return url_for("nonconformities.detail", nonconformity_id=nonconformity.id, _anchor=anchor)


# --- raising and editing ------------------------------------------------------------------------------


def _controls() -> list[Control]:
    return list(db.session.scalars(sa.select(Control).where(Control.active.is_(True))
                                   .order_by(Control.catalogue, Control.sort_key)))


def _details_form(nonconformity: Nonconformity | None = None, obj=None) -> NonconformityForm:
    form = NonconformityForm(obj=obj)
    keep = (nonconformity.owner_id,) if nonconformity else ()
    form.set_choices(users=services.possible_owners(keep), controls=_controls(),
                     departments=department_choices("None (province-wide)",
                                                    keep_id=nonconformity.department_id if nonconformity else None))
    if current_user.role == Role.MANAGER:  # their own department's, found by themselves (services.raise_as)
        form.source.choices = {NonconformitySource.SELF_IDENTIFIED.value: NonconformitySource.SELF_IDENTIFIED.label}
        own = str(current_user.department_id or "")
        form.department_id.choices = {own: form.department_id.choices.get(own, "Your department")}
    return form


def _input(form: NonconformityForm) -> services.NonconformityInput:
    def number(value: str | None) -> int | None:
        return int(value) if value and value.isdigit() else None

    return services.NonconformityInput(
        title=form.title.data or "", description=form.description.data or "", source=form.source.data or "",
        severity=form.severity.data or "", source_reference=form.source_reference.data or "",
        clause=form.clause.data or None, control_id=number(form.control_id.data),
        department_id=number(form.department_id.data), owner_id=number(form.owner_id.data),
        raised_on=form.raised_on.data, due_on=form.due_on.data, correction=form.correction.data or "")


@bp.route("/new", methods=["GET", "POST"])
@permission_required(NONCONFORMITY_RAISE)
def new():
    form = _details_form()
    if request.method == "GET":
        form.raised_on.data = local_today()
        if current_user.role == Role.MANAGER:
            form.department_id.data = str(current_user.department_id or "")
        return _render_form(form, None)
    if form.validate_on_submit():
        with saving(form, services.NonconformityRuleError):
            nonconformity = services.raise_as(_input(form), actor=acting_user(), today=local_today())
            flash(f"Raised {nonconformity.reference} {nonconformity.title}.", "success")
            return redirect(_detail_url(nonconformity))
    return _render_form(form, None, 422)


def _render_form(form: NonconformityForm, nonconformity: Nonconformity | None, status: int = 200):
    return render_template("nonconformities/form.html", form=form, nonconformity=nonconformity), status


@bp.get("/<int:nonconformity_id>")
@permission_required(NONCONFORMITY_VIEW)
def detail(nonconformity_id: int):
    nonconformity = services.get_nonconformity_or_404(nonconformity_id)
    today = local_today()
    may_edit = services.may_edit(current_user)
    tests = db.session.scalars(sa.select(ControlTest).where(ControlTest.nonconformity_id == nonconformity.id)).all()
    return render_template(
        "nonconformities/detail.html", nc=nonconformity, today=today, may_edit=may_edit,
        may_update=lambda action: services.may_update_action(current_user, action),
        current_actions=services.current_actions(nonconformity), overdue=queries.is_overdue(nonconformity, today),
        age=workflow.age_in_days(nonconformity.raised_on, nonconformity.closed_on or today),
        independence=services.independence_problem(nonconformity, current_user) if may_edit else None,
        tests=tests, remove_form=ButtonForm())


@bp.route("/<int:nonconformity_id>/edit", methods=["GET", "POST"])
@permission_required(NONCONFORMITY_EDIT)
def edit(nonconformity_id: int):
    nonconformity = services.get_nonconformity_or_404(nonconformity_id)
    data = services.input_of(nonconformity) if request.method == "GET" else None
    form = _details_form(nonconformity, obj=data)
    if data is not None:
        form.version.data = str(nonconformity.version)
        form.control_id.data = str(data.control_id or "")
        form.department_id.data = str(data.department_id or "")
        form.owner_id.data = str(data.owner_id or "")
        form.clause.data = data.clause or ""
        return _render_form(form, nonconformity)
    if form.validate_on_submit():
        with saving(form, services.NonconformityRuleError, stale_url=url_for(
                "nonconformities.edit", nonconformity_id=nonconformity.id)):
            changes = services.update_details(nonconformity, _input(form), expected_version=form.version.data,
                                              actor=acting_user())
            flash(f"Saved {nonconformity.reference}." if changes else "Nothing changed.",
                  "success" if changes else "info")
            return redirect(_detail_url(nonconformity))
    return _render_form(form, nonconformity, 422)


@bp.route("/<int:nonconformity_id>/analysis", methods=["GET", "POST"])
@permission_required(NONCONFORMITY_EDIT)
def analysis(nonconformity_id: int):
    nonconformity = services.get_nonconformity_or_404(nonconformity_id)
    form = AnalysisForm()
    if request.method == "GET":
        form.version.data = str(nonconformity.version)
        form.correction.data, form.root_cause.data = nonconformity.correction, nonconformity.root_cause
        form.similar_elsewhere.data = nonconformity.similar_elsewhere
        for field, why in zip(form.why_fields(), nonconformity.five_whys or [], strict=False):
            field.data = why
        return _render_analysis(form, nonconformity)
    if form.validate_on_submit():
        with saving(form, services.NonconformityRuleError, default_field="root_cause", fields={"five_whys": "why_1"},
                    stale_url=url_for("nonconformities.analysis", nonconformity_id=nonconformity.id)):
            changes = services.record_analysis(nonconformity, services.AnalysisInput(
                correction=form.correction.data or "", five_whys=[field.data or "" for field in form.why_fields()],
                root_cause=form.root_cause.data or "", similar_elsewhere=form.similar_elsewhere.data or ""),
                expected_version=form.version.data, actor=acting_user())
            flash(f"Saved the correction and analysis of {nonconformity.reference}." if changes else
                  "Nothing changed.", "success" if changes else "info")
            return redirect(_detail_url(nonconformity, "analysis-heading"))
    return _render_analysis(form, nonconformity, 422)


def _render_analysis(form: AnalysisForm, nonconformity: Nonconformity, status: int = 200):
    return render_template("nonconformities/analysis.html", form=form, nc=nonconformity), status


# --- effectiveness review and reopening ---------------------------------------------------------------


@bp.route("/<int:nonconformity_id>/review", methods=["GET", "POST"])
@permission_required(NONCONFORMITY_EDIT)
def review(nonconformity_id: int):
    nonconformity = services.get_nonconformity_or_404(nonconformity_id)
    form = ReviewForm()
    if request.method == "GET":
        form.version.data, form.reviewed_on.data = str(nonconformity.version), local_today()
        return _render_review(form, nonconformity)
    if form.validate_on_submit():
        with saving(form, services.NonconformityRuleError,
                    stale_url=url_for("nonconformities.review", nonconformity_id=nonconformity.id)):
            review = services.record_review(nonconformity, effective=form.effective.data == "yes",
                                            note=form.note.data or "", reviewed_on=form.reviewed_on.data,
                                            expected_version=form.version.data, actor=acting_user())
            flash(f"{nonconformity.reference} closed: its corrective actions were effective." if review.effective
                  else f"{nonconformity.reference} reopened to actions in progress: add a new corrective action.",
                  "success" if review.effective else "warning")
            return redirect(_detail_url(nonconformity))
    return _render_review(form, nonconformity, 422)


def _render_review(form: ReviewForm, nonconformity: Nonconformity, status: int = 200):
    return render_template("nonconformities/review.html", form=form, nc=nonconformity,
                           independence=services.independence_problem(nonconformity, current_user)), status


@bp.route("/<int:nonconformity_id>/reopen", methods=["GET", "POST"])
@permission_required(NONCONFORMITY_EDIT)
def reopen(nonconformity_id: int):
    nonconformity = services.get_nonconformity_or_404(nonconformity_id)
    form = ReasonForm()
    if request.method == "GET":
        form.version.data = str(nonconformity.version)
    elif form.validate_on_submit():
        with saving(form, services.NonconformityRuleError, default_field="reason",
                    stale_url=url_for("nonconformities.reopen", nonconformity_id=nonconformity.id)):
            services.reopen(nonconformity, reason=form.reason.data or "", expected_version=form.version.data,
                            actor=acting_user())
            flash(f"Reopened {nonconformity.reference}: add the corrective action it now needs.", "warning")
            return redirect(_detail_url(nonconformity))
    status = 200 if request.method == "GET" else 422
    return render_template("nonconformities/reason.html", form=form, nc=nonconformity, action=None,
                           heading=f"Reopen {nonconformity.reference}", button="Reopen",
                           help="Why the closure no longer holds: the nonconformity recurred, or was closed in error. "
                                "It goes back to actions in progress, and needs a new corrective action."), status


# --- changes to the ISMS (10.2 e) ---------------------------------------------------------------------


@bp.route("/<int:nonconformity_id>/changes/new", methods=["GET", "POST"])
@permission_required(NONCONFORMITY_EDIT)
def new_change(nonconformity_id: int):
    nonconformity = services.get_nonconformity_or_404(nonconformity_id)
    form = ChangeForm()
    if request.method == "POST" and form.validate_on_submit():
        with saving(form, services.NonconformityRuleError, default_field="kind"):
            change = services.add_change(nonconformity, kind=form.kind.data, reference=form.reference.data or "",
                                         description=form.description.data or "", note=form.note.data or "",
                                         actor=acting_user())
            flash(f"Recorded the change: {ChangeKind(change.kind).label.lower()} {change.target}.", "success")
            return redirect(_detail_url(nonconformity, "changes-heading"))
    status = 200 if request.method == "GET" else 422
    return render_template("nonconformities/change_form.html", form=form, nc=nonconformity), status


@bp.post("/<int:nonconformity_id>/changes/<int:change_id>/remove")
@permission_required(NONCONFORMITY_EDIT)
def remove_change(nonconformity_id: int, change_id: int):
    nonconformity = services.get_nonconformity_or_404(nonconformity_id)
    change = db.session.get(IsmsChange, change_id)
    if change is None or change.nonconformity_id != nonconformity.id:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    with acting(services.NonconformityRuleError) as refused:
        services.remove_change(change, actor=acting_user())
    if refused:
        flash(f"{refused} Nothing was removed.", "danger")
    else:
        flash("Removed the change from the record.", "success")
    return redirect(_detail_url(nonconformity, "changes-heading"))


# --- a failed control test recorded before nonconformities ---------------------------------------------


@bp.route("/from-test/<int:test_id>", methods=["GET", "POST"])
@permission_required(NONCONFORMITY_EDIT)
def from_test(test_id: int):
    test = db.get_or_404(ControlTest, test_id)
    if test.nonconformity_id is not None:
        return redirect(url_for("nonconformities.detail", nonconformity_id=test.nonconformity_id))
    form = TestFollowUpForm()
    form.set_owner_choices(services.possible_owners())
    if request.method == "GET":
        form.owner_id.data = str(test.control.owner_id or "")
    elif form.validate_on_submit():
        with saving(form, services.NonconformityRuleError, default_field="owner_id"):
            nonconformity = services.raise_for_test(test, services.TestFollowUp(
                owner_id=int(form.owner_id.data) if (form.owner_id.data or "").isdigit() else None,
                due_on=form.due_on.data, severity=form.severity.data), actor=acting_user(), today=local_today())
            flash(f"Raised {nonconformity.reference} for the test of {test.control.reference} on "
                  f"{test.tested_on:%d %b %Y}.", "success")
            return redirect(_detail_url(nonconformity))
    status = 200 if request.method == "GET" else 422
    return render_template("nonconformities/from_test.html", form=form, test=test,
                           result=TestResult(test.result).label,
                           may_view_controls=user_can(current_user, CONTROL_VIEW)), status
