"""A review's decisions and actions (9.3.3): recorded by those who run the ISMS until the review is
approved; their progress updated by each action's owner (or a holder of review.manage) until done.
Every route reaches its action through services.get_action_or_403."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import REVIEW_ACTION_UPDATE, REVIEW_MANAGE, acting_user, permission_required
from app.common.choices import active_users
from app.common.saving import saving
from app.reviews import services
from app.reviews.forms import ActionForm, ProgressForm
from app.reviews.models import ManagementReview, ReviewAction
from app.reviews.views import bp


def _input(form: ActionForm) -> services.ActionInput:
    return services.ActionInput(decision=form.decision.data or "", title=form.title.data or "",
                                owner_id=form.owner_id.data, due_on=form.due_on.data)


def _action_page(form: ActionForm, review: ManagementReview, action: ReviewAction | None, status: int = 200):
    return render_template("reviews/action_form.html", form=form, review=review, action=action), status


@bp.route("/<int:review_id>/actions/new", methods=["GET", "POST"])
@permission_required(REVIEW_MANAGE)
def new_action(review_id: int):
    review = services.get_review_or_403(current_user, review_id, REVIEW_MANAGE)
    form = ActionForm()
    form.set_choices(active_users())
    if form.validate_on_submit():
        with saving(form, services.ReviewRuleError):
            action = services.add_action(review, _input(form), actor=acting_user())
            flash(f"Recorded the decision and action {action.reference}, owned by {action.owner.full_name}.",
                  "success")
            return redirect(url_for("reviews.detail", review_id=review.id, _anchor="actions"))
    return _action_page(form, review, None, 422 if request.method == "POST" else 200)


@bp.route("/<int:review_id>/actions/<int:action_id>/edit", methods=["GET", "POST"])
@permission_required(REVIEW_MANAGE)
def edit_action(review_id: int, action_id: int):
    action = services.get_action_or_403(current_user, review_id, action_id, REVIEW_MANAGE)
    form = ActionForm(obj=action if request.method == "GET" else None)
    form.set_choices(active_users(keep_id=action.owner_id))
    if request.method == "GET":
        form.version.data = str(action.version)
        return _action_page(form, action.review, action)
    if form.validate_on_submit():
        stale = url_for("reviews.edit_action", review_id=review_id, action_id=action.id)
        with saving(form, services.ReviewRuleError, stale_url=stale):
            changes = services.update_action(action, _input(form), expected_version=form.version.data,
                                             actor=acting_user())
            flash(f"Saved {action.reference}." if changes else "Nothing changed.", "success" if changes else "info")
            return redirect(url_for("reviews.detail", review_id=review_id, _anchor="actions"))
    return _action_page(form, action.review, action, 422)


@bp.route("/<int:review_id>/actions/<int:action_id>/progress", methods=["GET", "POST"])
@permission_required(REVIEW_ACTION_UPDATE)
def action_progress(review_id: int, action_id: int):
    action = services.get_action_or_403(current_user, review_id, action_id, REVIEW_ACTION_UPDATE)
    form = ProgressForm(obj=action if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(action.version)
        return render_template("reviews/progress_form.html", form=form, action=action, review=action.review)
    if form.validate_on_submit():
        stale = url_for("reviews.action_progress", review_id=review_id, action_id=action.id)
        with saving(form, services.ReviewRuleError, stale_url=stale):
            changes = services.update_progress(action, status=form.status.data or "", closed_on=form.closed_on.data,
                                               note=form.progress_note.data or "", expected_version=form.version.data,
                                               actor=acting_user())
            flash(f"Saved the progress of {action.reference}." if changes else "Nothing changed.",
                  "success" if changes else "info")
            return redirect(url_for("reviews.detail", review_id=review_id, _anchor="actions"))
    return render_template("reviews/progress_form.html", form=form, action=action, review=action.review), 422
