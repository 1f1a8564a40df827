"""One risk: detail, create, edit, review, accept, close, treatment actions.

Views stay thin: the permission (role, then the per-risk rule of services.get_risk_or_403 /
get_action_or_403), parse the form, call a service, flash, redirect or re-render with 422."""

from __future__ import annotations

from dataclasses import replace

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin import settings
from app.admin.services import all_departments
from app.auth.permissions import (
    RISK_ACCEPT,
    RISK_CREATE,
    RISK_EDIT,
    RISK_REQUEST_ACCEPTANCE,
    RISK_VIEW,
    acting_user,
    permission_required,
)
from app.common.choices import active_users
from app.common.saving import saving
from app.common.timeutil import add_months, local_today
from app.controls import services as control_services
from app.risks import authority, categories, plans, presentation, services
from app.risks.forms import AcceptanceForm, ActionForm, CloseForm, RatingFields, ReviewForm, RiskForm
from app.risks.matrices import current_matrix
from app.risks.models import RatingKind, Risk, RiskStatus, TreatmentAction, TreatmentStrategy
from app.risks.views import bp

# --- detail ----------------------------------------------------------------------------------


@bp.get("/<int:risk_id>")
@permission_required(RISK_VIEW)
def detail(risk_id: int):
    risk = services.get_risk_or_403(current_user, risk_id, RISK_VIEW)
    today = local_today()
    ratings = presentation.ratings_of(risk)
    acceptance = presentation.latest_acceptance(risk)
    current = current_matrix()
    may_edit = services.may_act_on(current_user, risk, RISK_EDIT)
    return render_template(
        "risks/detail.html", risk=risk, today=today, ratings=ratings,
        matrix=services.matrix_of(risk), matrix_rows=presentation.matrix_rows(risk, ratings),
        current_matrix=current, needs_rescoring=risk.matrix_id != current.id,
        acceptance=acceptance, acceptance_is_current=acceptance is not None and acceptance.ended_at is None,
        acceptance_expired=presentation.acceptance_expired(acceptance, today),
        review_overdue=services.review_overdue(risk, today),
        reviews=presentation.reviews_of(risk), timeline=presentation.timeline_steps(risk),
        may_edit=may_edit, may_close=may_edit and risk.status != RiskStatus.CLOSED,
        may_review=may_edit and risk.status != RiskStatus.CLOSED,
        may_accept=(services.may_act_on(current_user, risk, RISK_ACCEPT)
                    and risk.out_of_tolerance and risk.status != RiskStatus.CLOSED),
        may_request=(services.may_act_on(current_user, risk, RISK_REQUEST_ACCEPTANCE)
                     and risk.out_of_tolerance and risk.status != RiskStatus.CLOSED),
        open_request=services.open_request(risk), who_may_accept=authority.who_may_accept(risk),
        strategy_label=TreatmentStrategy(risk.strategy).label if risk.strategy else None,
        register_url=presentation.register_url(), ineffective_controls=control_services.ineffective_controls_of(risk),
        plan=plans.panel(risk, current_user),
    )


# --- create and edit -------------------------------------------------------------------------


def _risk_form(risk: Risk | None) -> RiskForm:
    form = RiskForm()
    form.set_choices(
        categories=categories.category_tree(), departments=all_departments(),
        users=services.possible_owners(keep_id=risk.owner_id if risk else None),
        matrix=current_matrix().to_scoring(), risk=risk, risk_matrix=services.matrix_of(risk) if risk else None,
        controls=control_services.controls_to_link(keep_ids=[control.id for control in risk.controls] if risk else ()),
    )
    if risk is not None and not services.may_set_tolerance_and_owner(current_user):
        form.keep_tolerance_and_owner(risk)
    return form


def _rating_context(form: RatingFields) -> dict:
    """What risks/_form_ratings.html needs besides the form: the current matrix, its scale for the
    script, and each rating's score and band as the page opens."""
    matrix = current_matrix()
    scale = matrix.to_scoring()
    return {"matrix": matrix, "scale": scale, "scale_json": presentation.scale_for_script(scale),
            "previews": {kind.value: presentation.rating_preview(scale, kind, form.rating(kind))
                         for kind in RatingKind},
            "level_help": presentation.level_help}


def _render_risk_form(form: RiskForm, risk: Risk | None, status: int = 200):
    form.pad_factor_rows()
    return render_template(
        "risks/form.html", form=form, risk=risk, **_rating_context(form),
        rebandable=risk is not None and services.is_rebandable(risk, current_matrix()),
        register_url=presentation.register_url(),
    ), status


@bp.route("/new", methods=["GET", "POST"])
@permission_required(RISK_CREATE)
def new():
    form = _risk_form(None)
    if request.method == "GET":
        form.tolerance.data = settings.get(settings.RISK_DEFAULT_TOLERANCE)
        return _render_risk_form(form, None)
    if form.validate_on_submit():
        with saving(form, services.RiskRuleError):
            risk = services.create_risk(form.to_input(), actor=acting_user())
            flash(f"Risk {risk.reference} “{risk.title}” created.", "success")
            return redirect(url_for("risks.detail", risk_id=risk.id))
    return _render_risk_form(form, None, 422)


@bp.route("/<int:risk_id>/edit", methods=["GET", "POST"])
@permission_required(RISK_EDIT)
def edit(risk_id: int):
    risk = services.get_risk_or_403(current_user, risk_id, RISK_EDIT)
    form = _risk_form(risk)
    if request.method == "GET":
        form.fill_from(risk)
        return _render_risk_form(form, risk)
    if form.validate_on_submit():
        with saving(form, services.RiskRuleError, stale_url=url_for("risks.edit", risk_id=risk.id)):
            changes = services.update_risk(risk, form.to_input(), expected_version=form.version.data,
                                           actor=acting_user(), reason=form.reason.data or "")
            flash(f"Saved {risk.reference}." if changes else f"Nothing changed in {risk.reference}.",
                  "success" if changes else "info")
            return redirect(url_for("risks.detail", risk_id=risk.id))
    return _render_risk_form(form, risk, 422)


# --- review --------------------------------------------------------------------------------------


@bp.route("/<int:risk_id>/review", methods=["GET", "POST"])
@permission_required(RISK_EDIT)
def review(risk_id: int):
    risk = services.get_risk_or_403(current_user, risk_id, RISK_EDIT)
    form = ReviewForm()
    form.set_rating_choices(current_matrix().to_scoring(), risk, services.matrix_of(risk))
    if request.method == "GET":
        form.version.data = str(risk.version)
        form.reviewed_on.data = local_today()
        form.fill_ratings(risk)
        return _render_review(form, risk)
    if form.validate_on_submit():
        assert form.reviewed_on.data is not None  # InputRequired: a form that validated holds a date
        rescored = None
        if form.ratings_changed(risk) or form.on_current_matrix.data:
            # A review changes only the ratings: everything else stays as the risk holds it.
            rescored = replace(services.input_of(risk), inherent=form.rating(RatingKind.INHERENT),
                               residual=form.rating(RatingKind.RESIDUAL), target=form.rating(RatingKind.TARGET),
                               on_current_matrix=bool(form.on_current_matrix.data))
        with saving(form, services.RiskRuleError, stale_url=url_for("risks.review", risk_id=risk.id)):
            services.record_review(risk, reviewed_on=form.reviewed_on.data, today=local_today(),
                                   reviewer=acting_user(), notes=form.notes.data, expected_version=form.version.data,
                                   rescored=rescored, reason=form.reason.data or "")
            flash(f"Review of {risk.reference} recorded; next review on {risk.next_review_on:%d %b %Y}.", "success")
            return redirect(url_for("risks.detail", risk_id=risk.id))
    return _render_review(form, risk, 422)


def _render_review(form: ReviewForm, risk: Risk, status: int = 200):
    return render_template("risks/review.html", form=form, risk=risk, register_url=presentation.register_url(),
                           ratings=presentation.ratings_of(risk), **_rating_context(form),
                           rebandable=services.is_rebandable(risk, current_matrix())), status


# --- acceptance ----------------------------------------------------------------------------------


@bp.route("/<int:risk_id>/accept", methods=["GET", "POST"])
@permission_required(RISK_ACCEPT)
def accept(risk_id: int):
    risk = services.get_risk_or_403(current_user, risk_id, RISK_ACCEPT)
    form = AcceptanceForm()
    today = local_today()
    longest = settings.get(settings.RISK_ACCEPTANCE_MAX_MONTHS)
    if request.method == "GET":
        if not risk.out_of_tolerance or risk.status == RiskStatus.CLOSED:
            flash(f"{risk.reference} does not need acceptance: "
                  + ("it is closed." if risk.status == RiskStatus.CLOSED else
                     f"its residual rating {risk.residual_score or 'is not set and'} is within the tolerance level "
                     f"{risk.tolerance}."), "info")
            return redirect(url_for("risks.detail", risk_id=risk.id))
        form.version.data = str(risk.version)
        form.expires_on.data = add_months(today, longest)
        return _render_accept(form, risk, longest)
    if form.validate_on_submit():
        assert form.expires_on.data is not None  # InputRequired: a form that validated holds a date
        with saving(form, services.RiskRuleError, stale_url=url_for("risks.detail", risk_id=risk.id)):
            acceptance = services.accept_risk(risk, actor=acting_user(), justification=form.justification.data,
                                              expires_on=form.expires_on.data, today=today,
                                              expected_version=form.version.data)
            flash(f"{risk.reference} accepted until {acceptance.expires_on:%d %b %Y}.", "success")
            return redirect(url_for("risks.detail", risk_id=risk.id))
    return _render_accept(form, risk, longest, 422)


def _render_accept(form: AcceptanceForm, risk: Risk, longest: int, status: int = 200):
    return render_template("risks/accept.html", form=form, risk=risk, register_url=presentation.register_url(),
                           longest=longest,
                           residual_band=services.band_of(risk, RatingKind.RESIDUAL),
                           latest=add_months(local_today(), longest),
                           required=authority.required_authority(risk), who_may_accept=authority.who_may_accept(risk),
                           may_accept=authority.may_accept(current_user, risk),
                           open_request=services.open_request(risk)), status


# --- closing ---------------------------------------------------------------------------------------


@bp.route("/<int:risk_id>/close", methods=["GET", "POST"])
@permission_required(RISK_EDIT)
def close(risk_id: int):
    risk = services.get_risk_or_403(current_user, risk_id, RISK_EDIT)
    form = CloseForm()
    if request.method == "GET":
        form.version.data = str(risk.version)
        return render_template("risks/close.html", form=form, risk=risk, register_url=presentation.register_url())
    if form.validate_on_submit():
        with saving(form, services.RiskRuleError, stale_url=url_for("risks.detail", risk_id=risk.id)):
            services.close_risk(risk, expected_version=form.version.data, reason=form.reason.data,
                                actor=acting_user())
            flash(f"{risk.reference} closed.", "success")
            return redirect(url_for("risks.detail", risk_id=risk.id))
    return render_template("risks/close.html", form=form, risk=risk, register_url=presentation.register_url()), 422


# --- treatment actions -----------------------------------------------------------------------------


def _action_form(owner_id: int | None = None, action: TreatmentAction | None = None) -> ActionForm:
    form = ActionForm(obj=action if request.method == "GET" else None)
    form.set_owner_choices(active_users(keep_id=owner_id))
    form.set_control_choices(control_services.controls_to_link(keep_ids=[action.control_id] if action else ()))
    return form


def _render_action(form: ActionForm, risk: Risk, action: TreatmentAction | None, status: int = 200):
    return render_template("risks/action_form.html", form=form, risk=risk,
                           register_url=presentation.register_url(), action=action), status


def _owner_id(form: ActionForm) -> int | None:
    return int(form.owner_id.data) if form.owner_id.data else None


def _control_id(form: ActionForm) -> int | None:
    return int(form.control_id.data) if form.control_id.data else None


@bp.route("/<int:risk_id>/actions/new", methods=["GET", "POST"])
@permission_required(RISK_EDIT)
def new_action(risk_id: int):
    risk = services.get_risk_or_403(current_user, risk_id, RISK_EDIT)
    form = _action_form()
    if request.method == "GET":
        form.owner_id.data = str(risk.owner_id or "")
        return _render_action(form, risk, None)
    if form.validate_on_submit():
        with saving(form, services.RiskRuleError):
            action = services.add_action(
                risk, title=form.title.data, owner_id=_owner_id(form), due_on=form.due_on.data,
                status=form.status.data, progress_note=form.progress_note.data or "",
                control_id=_control_id(form), actor=acting_user())
            flash(f"Treatment action “{action.title}” added to {risk.reference}.", "success")
            return redirect(url_for("risks.detail", risk_id=risk.id, _anchor="actions-heading"))
    return _render_action(form, risk, None, 422)


@bp.route("/<int:risk_id>/actions/<int:action_id>/edit", methods=["GET", "POST"])
@permission_required(RISK_EDIT)
def edit_action(risk_id: int, action_id: int):
    action = services.get_action_or_403(current_user, risk_id, action_id, RISK_EDIT)
    risk = action.risk
    form = _action_form(action.owner_id, action)
    if request.method == "GET":
        form.version.data = str(action.version)
        form.owner_id.data = str(action.owner_id or "")
        form.control_id.data = str(action.control_id or "")
        return _render_action(form, risk, action)
    if form.validate_on_submit():
        stale_url = url_for("risks.edit_action", risk_id=risk.id, action_id=action.id)
        with saving(form, services.RiskRuleError, stale_url=stale_url):
            changes = services.update_action(
                action, expected_version=form.version.data, title=form.title.data, owner_id=_owner_id(form),
                due_on=form.due_on.data, status=form.status.data, progress_note=form.progress_note.data or "",
                control_id=_control_id(form), actor=acting_user())
            flash(f"Saved treatment action “{action.title}”." if changes else "Nothing changed.",
                  "success" if changes else "info")
            return redirect(url_for("risks.detail", risk_id=risk.id, _anchor="actions-heading"))
    return _render_action(form, risk, action, 422)
