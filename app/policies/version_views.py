"""One version's life: edit the draft, its clauses and reviewers, send it for review, return it,
approve it, start the next version or discard a draft, and download its signed PDF."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from app.admin import settings
from app.auth.permissions import POLICY_APPROVE, POLICY_EDIT, POLICY_VIEW, permission_required, user_can
from app.common import uploads
from app.common.models import RuleError
from app.common.saving import acting, saving, show_problems
from app.extensions import db
from app.policies import services, workflow
from app.policies.forms import (
    ApprovalForm,
    ClauseForm,
    DraftForm,
    NewVersionForm,
    ReturnForm,
    ReviewerForm,
    SignatureForm,
    StepForm,
)
from app.policies.models import APPROVAL_SLOT, PolicyVersion
from app.policies.policy_views import policy_or_404, render_version, version_or_404
from app.policies.views import bp

VERSION_ROUTE = "/<int:policy_id>/versions/<int:version_id>"


def _back(policy, version):
    return redirect(url_for("policies.version", policy_id=policy.id, version_id=version.id))


def _render_draft_form(form: DraftForm, policy, version, status: int = 200):
    return render_template("policies/draft_form.html", form=form, policy=policy, shown=version,
                           max_mb=settings.get(settings.EVIDENCE_MAX_MB)), status


def _upload(form: DraftForm) -> uploads.CheckedUpload | None:
    """The signed PDF sent with the form, checked; None when none was sent."""
    sent = uploads.form_file(form.document.data)
    if sent is None:
        return None
    upload = uploads.check_evidence(*sent, field="document")
    if upload.media_type != "application/pdf":
        raise services.PolicyRuleError("Attach the signed policy as a PDF.", field="document")
    return upload


@bp.route(VERSION_ROUTE + "/edit", methods=["GET", "POST"])
@permission_required(POLICY_EDIT)
def edit_draft(policy_id: int, version_id: int):
    policy = policy_or_404(policy_id)
    version = version_or_404(policy, version_id)
    form = DraftForm()
    if request.method == "GET":
        form.version.data = str(version.version)
        for name in ("change", "author_name", "author_designation", "author_contact", "body"):
            getattr(form, name).data = getattr(version, name)
        return _render_draft_form(form, policy, version)
    if form.validate_on_submit():
        stale_url = url_for("policies.edit_draft", policy_id=policy.id, version_id=version.id)
        with saving(form, RuleError, stale_url=stale_url):
            draft = services.DraftInput(**{name: getattr(form, name).data or "" for name in
                                           ("change", "body", "author_name", "author_designation", "author_contact")})
            changes = services.update_draft(version, draft, expected_version=form.version.data, actor=current_user,
                                            document=_upload(form), remove_document=form.remove_document.data)
            flash(f"Saved draft {version.number}." if changes else "Nothing changed.",
                  "success" if changes else "info")
            return _back(policy, version)
    return _render_draft_form(form, policy, version, 422)


@bp.post(VERSION_ROUTE + "/clauses")
@permission_required(POLICY_EDIT)
def add_clause(policy_id: int, version_id: int):
    policy = policy_or_404(policy_id)
    version = version_or_404(policy, version_id)
    form = ClauseForm()
    if form.validate_on_submit():
        with saving(form, services.PolicyRuleError):
            clause = services.add_clause(version, reference=form.reference.data, title=form.title.data,
                                         text=form.text.data or "", actor=current_user)
            flash(f"Added clause {clause}.", "success")
            return _back(policy, version)
    return render_version(policy, version, 422, clause_form=form)


@bp.post(VERSION_ROUTE + "/clauses/from-headings")
@permission_required(POLICY_EDIT)
def clauses_from_headings(policy_id: int, version_id: int):
    def list_clauses(version):
        result = services.clauses_from_headings(version, actor=current_user)
        if result.added or result.updated:
            return (f"From the numbered headings: {len(result.added)} clauses added, {len(result.updated)} updated.",
                    "success")
        return "The clauses already match the numbered headings (like ## 4.2 Password length).", "info"

    return _button_step(policy_id, version_id, list_clauses)


@bp.post(VERSION_ROUTE + "/clauses/<int:clause_id>/delete")
@permission_required(POLICY_EDIT)
def remove_clause(policy_id: int, version_id: int, clause_id: int):
    def remove(version):
        services.remove_clause(version, clause_id, actor=current_user)
        return "Removed the clause.", "success"

    return _button_step(policy_id, version_id, remove)


@bp.post(VERSION_ROUTE + "/reviewers")
@permission_required(POLICY_EDIT)
def add_reviewer(policy_id: int, version_id: int):
    policy = policy_or_404(policy_id)
    version = version_or_404(policy, version_id)
    form = ReviewerForm()
    if form.validate_on_submit():
        with saving(form, services.PolicyRuleError):
            reviewer = services.add_reviewer(version, name=form.name.data, designation=form.designation.data or "",
                                             reviewed_on=form.reviewed_on.data, actor=current_user)
            flash(f"Recorded the review by {reviewer.name}.", "success")
            return _back(policy, version)
    return render_version(policy, version, 422, reviewer_form=form)


@bp.post(VERSION_ROUTE + "/reviewers/<int:reviewer_id>/delete")
@permission_required(POLICY_EDIT)
def remove_reviewer(policy_id: int, version_id: int, reviewer_id: int):
    def remove(version):
        services.remove_reviewer(version, reviewer_id, actor=current_user)
        return "Removed the reviewer.", "success"

    return _button_step(policy_id, version_id, remove)


def _button_step(policy_id: int, version_id: int, step: Callable[[PolicyVersion], tuple[str, str]]):
    """A button that changes the version (no fields but CSRF): run `step`, say what it returns
    (message, category), and show the page again with the reason if it was refused."""
    policy = policy_or_404(policy_id)
    version = version_or_404(policy, version_id)
    form = StepForm()
    if form.validate_on_submit():
        with saving(form, services.PolicyRuleError):
            flash(*step(version))
            return _back(policy, version)
    return _refused(form, policy, version)


def _refused(form, policy, version):
    """A button's step was refused: show the page with why, above everything."""
    for message in form.form_errors or [error for errors in form.errors.values() for error in errors]:
        flash(message, "danger")
    return render_version(policy, version, 422)


def _version_step(policy_id: int, version_id: int, step, done: str):
    """A button that moves a version on (`step(version, expected_version)`) and says so (`done`, with
    the version's name for {version}); a stale page gets the conflict message, a refusal the reason."""
    policy = policy_or_404(policy_id)
    version = version_or_404(policy, version_id)
    form = StepForm()
    stale_url = url_for("policies.version", policy_id=policy.id, version_id=version.id)
    if form.validate_on_submit():
        with saving(form, services.PolicyRuleError, stale_url=stale_url):
            step(version, form.version.data)
            flash(done.format(version=version), "success")
            return _back(policy, version)
    return _refused(form, policy, version)


@bp.post(VERSION_ROUTE + "/submit")
@permission_required(POLICY_EDIT)
def submit(policy_id: int, version_id: int):
    return _version_step(policy_id, version_id, lambda version, expected: services.submit_for_review(
        version, expected_version=expected, actor=current_user),
        "Sent {version} for review. Record each reviewer, then approve it.")


@bp.post(VERSION_ROUTE + "/record")
@permission_required(POLICY_EDIT)
def record_as_issued(policy_id: int, version_id: int):
    return _version_step(policy_id, version_id, lambda version, expected: services.record_as_issued(
        version, expected_version=expected, actor=current_user),
        "Recorded {version} as issued: its review and approval are pending.")


@bp.post(VERSION_ROUTE + "/signatures")
@permission_required(POLICY_EDIT)
def sign(policy_id: int, version_id: int):
    """Sign a document-control row: in Khusela as the person it names, or with the scan of their signature.
    The approval row is the approver's: signing it takes the right to record approvals."""
    policy = policy_or_404(policy_id)
    version = version_or_404(policy, version_id)
    form = SignatureForm()
    if form.slot.data == APPROVAL_SLOT and not user_can(current_user, POLICY_APPROVE):
        abort(403)
    if form.validate_on_submit():
        with saving(form, services.PolicyRuleError, default_field="scan"):
            if form.how.data == "in_app":
                signature = services.sign_in_app(version, form.slot.data or "", signer=current_user)
            else:
                sent = uploads.form_file(form.scan.data)
                if sent is None:
                    raise services.PolicyRuleError("Choose the scan of the signed page (PDF, PNG or JPEG).",
                                                   field="scan")
                signature = services.record_signed_scan(version, form.slot.data or "",
                                                        uploads.check_evidence(*sent, field="scan"),
                                                        actor=current_user)
            flash(f"Recorded the signature of {signature.name} on {version}.", "success")
            return _back(policy, version)
    return render_version(policy, version, 422, signature_form=form)


@bp.get(VERSION_ROUTE + "/signatures/<int:signature_id>/file")
@permission_required(POLICY_VIEW)
def signature_scan(policy_id: int, version_id: int, signature_id: int):
    policy = policy_or_404(policy_id)
    version = version_or_404(policy, version_id)
    signature = services.signature_of(version, signature_id) or abort(404)
    path = uploads.stored_path(signature.scan_sha256) if signature.scan_sha256 else None
    if path is None or not path.is_file():
        flash("This signature has no scan: it was signed in Khusela.", "warning")
        return _back(policy, version)
    services.record_signature_download(signature, actor=current_user)
    db.session.commit()
    return send_file(path, mimetype=signature.scan_media_type or "application/octet-stream", as_attachment=True,
                     download_name=signature.scan_name or f"signature-{signature.id}")


@bp.post(VERSION_ROUTE + "/return")
@permission_required(POLICY_EDIT)
def return_to_draft(policy_id: int, version_id: int):
    policy = policy_or_404(policy_id)
    version = version_or_404(policy, version_id)
    form = ReturnForm()
    stale_url = url_for("policies.version", policy_id=policy.id, version_id=version.id)
    if form.validate_on_submit():
        with saving(form, services.PolicyRuleError, stale_url=stale_url, default_field="reason"):
            services.return_to_draft(version, reason=form.reason.data, expected_version=form.version.data,
                                     actor=current_user)
            flash(f"Returned {version} to draft.", "success")
            return _back(policy, version)
    return render_version(policy, version, 422, return_form=form)


@bp.post(VERSION_ROUTE + "/approve")
@permission_required(POLICY_APPROVE)
def approve(policy_id: int, version_id: int):
    policy = policy_or_404(policy_id)
    version = version_or_404(policy, version_id)
    form = ApprovalForm()
    stale_url = url_for("policies.version", policy_id=policy.id, version_id=version.id)
    if form.validate_on_submit():
        approval = workflow.Approval(approver_name=form.approver_name.data,
                                     approver_designation=form.approver_designation.data,
                                     approved_on=form.approved_on.data, next_review_on=form.next_review_on.data)
        with saving(form, services.PolicyRuleError, stale_url=stale_url):
            services.approve(version, approval, expected_version=form.version.data, actor=current_user)
            assert version.next_review_on is not None  # approve() sets it, or raises
            flash(f"Approved {version}: it is the version in force, due for review on "
                  f"{version.next_review_on.isoformat()}.", "success")
            return _back(policy, version)
    return render_version(policy, version, 422, approval_form=form)


@bp.post("/<int:policy_id>/versions/new")
@permission_required(POLICY_EDIT)
def start_version(policy_id: int):
    policy = policy_or_404(policy_id)
    form = NewVersionForm()
    if form.validate_on_submit():
        with acting(services.PolicyRuleError) as refused:
            version = services.start_new_version(policy, major=form.major.data, actor=current_user)
        if refused:
            flash(str(refused), "danger")
            return redirect(url_for("policies.detail", policy_id=policy.id))
        flash(f"Started draft {version.number}: a copy of the latest version to change.", "success")
        return _back(policy, version)
    show_problems(form, [(None, "The form expired: try again.")])
    return _refused(form, policy, policy.latest)


@bp.post(VERSION_ROUTE + "/discard")
@permission_required(POLICY_EDIT)
def discard(policy_id: int, version_id: int):
    policy = policy_or_404(policy_id)
    version = version_or_404(policy, version_id)
    form = StepForm()
    if form.validate_on_submit():
        number = version.number
        with saving(form, services.PolicyRuleError):
            services.discard_draft(version, actor=current_user)
            flash(f"Discarded draft {number}.", "success")
            return redirect(url_for("policies.detail", policy_id=policy.id))
    return _refused(form, policy, version)


@bp.get(VERSION_ROUTE + "/document")
@permission_required(POLICY_VIEW)
def document(policy_id: int, version_id: int):
    policy = policy_or_404(policy_id)
    version = version_or_404(policy, version_id)
    path = uploads.stored_path(version.document_sha256) if version.document_sha256 else None
    if path is None or not path.is_file():
        flash("This version has no signed PDF attached.", "warning")
        return _back(policy, version)
    name = version.document_name or f"{policy.code}-{version.number}.pdf"
    return send_file(path, mimetype="application/pdf", as_attachment=True, download_name=name)


