"""One management review: planning it, compiling its pack, recording the minutes, approving it, its
pack's PDF, and the comparison of two reviews. Every route reaches its review through
services.get_review_or_403 (approval: the chair or a holder of review.manage)."""

from __future__ import annotations

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.permissions import REVIEW_APPROVE, REVIEW_MANAGE, REVIEW_VIEW, acting_user, permission_required
from app.common.choices import active_users
from app.common.listing import id_arg
from app.common.saving import acting, saving
from app.common.timeutil import local_today
from app.extensions import db
from app.reviews import compare as comparing
from app.reviews import services
from app.reviews.forms import ActionForm, ApproveForm, CompileForm, MinutesForm, ReviewForm
from app.reviews.models import ManagementReview, PdfStatus
from app.reviews.views import bp


def _input(form: ReviewForm) -> services.ReviewInput:
    return services.ReviewInput(
        title=form.title.data or "", meeting_on=form.meeting_on.data, chair_id=form.chair_id.data,
        attendee_ids=list(form.attendee_ids.data or []), external_attendees=form.external_attendees.data or "",
        interested_party_feedback=form.interested_party_feedback.data or "",
        improvement_opportunities=form.improvement_opportunities.data or "")


def _form_page(form: ReviewForm, review: ManagementReview | None, status: int = 200):
    return render_template("reviews/form.html", form=form, review=review), status


@bp.route("/new", methods=["GET", "POST"])
@permission_required(REVIEW_MANAGE)
def new():
    form = ReviewForm()
    form.set_choices(active_users())
    if form.validate_on_submit():
        with saving(form, services.ReviewRuleError):
            review = services.create_review(_input(form), actor=acting_user())
            flash(f"Planned {review}. Compile its inputs before the meeting.", "success")
            return redirect(url_for("reviews.detail", review_id=review.id))
    return _form_page(form, None, 422 if request.method == "POST" else 200)


@bp.get("/<int:review_id>")
@permission_required(REVIEW_VIEW)
def detail(review_id: int):
    review = services.get_review_or_403(current_user, review_id, REVIEW_VIEW)
    today = local_today()
    minutes_form = MinutesForm(version=str(review.version), minutes=review.minutes)
    action_form = ActionForm(formdata=None)
    action_form.set_choices(active_users())
    others = [other for other in services.held_reviews() if other.id != review.id and other.pack]
    return render_template(
        "reviews/detail.html", review=review, pack=review.pack, figures=review.pack.figures if review.pack else None,
        compile_form=CompileForm(formdata=None, as_of=today), minutes_form=minutes_form,
        approve_form=ApproveForm(version=str(review.version)), action_form=action_form,
        carried=services.carried_actions(review), today=today, PdfStatus=PdfStatus,
        may_approve=services.may_approve(current_user, review), may_update=services.may_update_progress,
        others=others)


@bp.route("/<int:review_id>/edit", methods=["GET", "POST"])
@permission_required(REVIEW_MANAGE)
def edit(review_id: int):
    review = services.get_review_or_403(current_user, review_id, REVIEW_MANAGE)
    form = ReviewForm(obj=review if request.method == "GET" else None)
    form.set_choices(active_users(keep_id=review.chair_id))
    if request.method == "GET":
        form.version.data = str(review.version)
        form.attendee_ids.data = [user.id for user in review.attendees]
        return _form_page(form, review)
    if form.validate_on_submit():
        with saving(form, services.ReviewRuleError, stale_url=url_for("reviews.edit", review_id=review.id)):
            changes = services.update_review(review, _input(form), expected_version=form.version.data,
                                             actor=acting_user())
            flash(f"Saved {review}." if changes else "Nothing changed.", "success" if changes else "info")
            return redirect(url_for("reviews.detail", review_id=review.id))
    return _form_page(form, review, 422)


@bp.post("/<int:review_id>/compile")
@permission_required(REVIEW_MANAGE)
def compile_inputs(review_id: int):
    review = services.get_review_or_403(current_user, review_id, REVIEW_MANAGE)
    form = CompileForm()
    if not form.validate_on_submit():
        flash("Give the date the inputs are compiled as of, as YYYY-MM-DD. Nothing was compiled.", "danger")
        return redirect(url_for("reviews.detail", review_id=review.id))
    with acting(services.ReviewRuleError) as refused:
        pack = services.compile_pack(review, as_of=form.as_of.data, actor=acting_user())
    if refused:
        flash(f"{refused} Nothing was compiled.", "danger")
    else:
        flash(f"Compiled the inputs as of {pack.as_of.isoformat()}. Their PDF is being prepared.", "success")
    return redirect(url_for("reviews.detail", review_id=review.id, _anchor="pack"))


@bp.post("/<int:review_id>/minutes")
@permission_required(REVIEW_MANAGE)
def minutes(review_id: int):
    review = services.get_review_or_403(current_user, review_id, REVIEW_MANAGE)
    form = MinutesForm()
    if form.validate_on_submit():
        with saving(form, services.ReviewRuleError, stale_url=url_for("reviews.detail", review_id=review.id)):
            services.record_minutes(review, form.minutes.data or "", expected_version=form.version.data,
                                    actor=acting_user())
            flash("Recorded the minutes: the review is held and its pack is frozen.", "success")
            return redirect(url_for("reviews.detail", review_id=review.id))
    for problem in [*form.form_errors, *form.minutes.errors]:
        flash(f"{problem} The minutes were not saved.", "danger")
    return redirect(url_for("reviews.detail", review_id=review.id, _anchor="minutes"))


@bp.post("/<int:review_id>/approve")
@permission_required(REVIEW_APPROVE)
def approve(review_id: int):
    review = services.get_review_or_403(current_user, review_id, REVIEW_APPROVE)
    form = ApproveForm()
    if not form.validate_on_submit():
        abort(400)
    with saving(form, services.ReviewRuleError, stale_url=url_for("reviews.detail", review_id=review.id)):
        services.approve(review, expected_version=form.version.data, actor=acting_user())
        flash(f"Approved {review}. It is read-only now; its actions are tracked until done.", "success")
        return redirect(url_for("reviews.detail", review_id=review.id))
    for problem in form.form_errors:
        flash(f"{problem} The review was not approved.", "danger")
    return redirect(url_for("reviews.detail", review_id=review.id))


@bp.get("/<int:review_id>/pack/status")
@permission_required(REVIEW_VIEW)
def pack_status(review_id: int):
    review = services.get_review_or_403(current_user, review_id, REVIEW_VIEW)
    pack = review.pack or abort(404)
    return jsonify(status=pack.pdf_status, label=pack.pdf_status_enum.label,
                   done=pack.pdf_status != PdfStatus.QUEUED)


@bp.get("/<int:review_id>/pack.pdf")
@permission_required(REVIEW_VIEW)
def pack_pdf(review_id: int):
    review = services.get_review_or_403(current_user, review_id, REVIEW_VIEW)
    pack = review.pack
    if pack is None or pack.pdf_status != PdfStatus.READY or pack.pdf is None:
        flash("The review pack's PDF is not ready: it is made a few seconds after the inputs are compiled.", "warning")
        return redirect(url_for("reviews.detail", review_id=review.id, _anchor="pack"))
    audit.record(AuditAction.DOWNLOAD, services.ENTITY, review.id,
                 summary=f"Downloaded the review pack of {review} (SHA-256 {pack.pdf_sha256[:16]}…)"[:300])
    content = pack.pdf
    db.session.commit()
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (f'attachment; filename="management-review-'
                                               f'{review.meeting_on.isoformat()}.pdf"')
    return response


@bp.get("/compare")
@permission_required(REVIEW_VIEW)
def compare():
    choices = [review for review in services.held_reviews() if review.pack]
    compiled = {review.id: review for review in choices}
    first, second = id_arg(request.args, "a"), id_arg(request.args, "b")
    problem = ""
    changes = None
    if first is not None or second is not None:
        if first not in compiled or second not in compiled:
            problem = "Choose two held reviews whose inputs were compiled."
        elif first == second:
            problem = "Choose two different reviews."
        else:
            older, newer = sorted((compiled[first], compiled[second]), key=lambda review: review.meeting_on)
            first, second = older.id, newer.id
            changes = comparing.compare(older.pack.figures, newer.pack.figures)  # type: ignore[union-attr]
    status = 422 if problem else 200
    return render_template("reviews/compare.html", choices=choices, a=compiled.get(first or 0),
                           b=compiled.get(second or 0), changes=changes, problem=problem), status
