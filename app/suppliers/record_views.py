"""One supplier: adding it, its page, editing it, recording a security assessment (with its evidence
file) or a review, and downloading an assessment's file. Every route gets the supplier through
services.get_supplier_or_403 with the permission it declares: a supplier's owner records its
assessments and reviews, the register's editors change anything."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from app.admin import settings
from app.auth.permissions import (
    RISK_VIEW,
    SUPPLIER_ASSESS,
    SUPPLIER_EDIT,
    SUPPLIER_VIEW,
    acting_user,
    permission_required,
    user_can,
)
from app.common import uploads
from app.common.models import RuleError
from app.common.saving import saving
from app.common.timeutil import add_months, local_today
from app.extensions import db
from app.risks.models import Risk
from app.suppliers import rules, services
from app.suppliers.forms import AssessmentForm, ReviewForm, SupplierForm
from app.suppliers.models import Supplier
from app.suppliers.views import bp


def _detail_url(supplier: Supplier, anchor: str | None = None) -> str:
    return url_for("suppliers.detail", supplier_id=supplier.id, _anchor=anchor)


def _supplier_form(supplier: Supplier | None = None) -> SupplierForm:
    form = SupplierForm()
    risks = db.session.scalars(sa.select(Risk).order_by(Risk.reference))
    form.set_choices(users=services.possible_owners((supplier.owner_id,) if supplier else ()), risks=risks)
    return form


def _input(form: SupplierForm) -> services.SupplierInput:
    owner = form.owner_id.data or ""
    return services.SupplierInput(
        name=form.name.data or "", services=form.services.data or "", information=form.information.data or "",
        contact=form.contact.data or "", status=form.status.data or "", criticality=form.criticality.data or "",
        owner_id=int(owner) if owner.isdigit() else None, is_operator=bool(form.is_operator.data),
        operator_contract_on=form.operator_contract_on.data,
        operator_contract_reference=form.operator_contract_reference.data or "",
        contract_reference=form.contract_reference.data or "", contract_start=form.contract_start.data,
        contract_end=form.contract_end.data, security_clauses=list(form.security_clauses.data or []),
        is_cloud=bool(form.is_cloud.data), hosting_region=form.hosting_region.data or "",
        exit_plan=form.exit_plan.data or "", assessment_due_on=form.assessment_due_on.data,
        review_on=form.review_on.data, notes=form.notes.data or "", asset_tags=form.tags(),
        risk_ids=list(form.risk_ids.data or []))


def _fill(form: SupplierForm, supplier: Supplier) -> None:
    data = services.input_of(supplier)
    for name in ("name", "services", "information", "contact", "status", "criticality", "is_operator",
                 "operator_contract_on", "operator_contract_reference", "contract_reference", "contract_start",
                 "contract_end", "security_clauses", "is_cloud", "hosting_region", "exit_plan", "assessment_due_on",
                 "review_on", "notes", "risk_ids"):
        getattr(form, name).data = getattr(data, name)
    form.owner_id.data = str(data.owner_id or "")
    form.asset_tags.data = "\n".join(data.asset_tags)
    form.version.data = str(supplier.version)


def _render_form(form: SupplierForm, supplier: Supplier | None, status: int = 200):
    return render_template("suppliers/form.html", form=form, supplier=supplier), status


@bp.route("/new", methods=["GET", "POST"])
@permission_required(SUPPLIER_EDIT)
def new():
    form = _supplier_form()
    if request.method == "GET":
        form.review_on.data = add_months(local_today(), 12)
        return _render_form(form, None)
    if form.validate_on_submit():
        with saving(form, services.SupplierRuleError):
            supplier = services.create_supplier(_input(form), actor=acting_user(), today=local_today())
            flash(f"Added {supplier.name} to the supplier register.", "success")
            return redirect(_detail_url(supplier))
    return _render_form(form, None, 422)


@bp.get("/<int:supplier_id>")
@permission_required(SUPPLIER_VIEW)
def detail(supplier_id: int):
    supplier = services.get_supplier_or_403(current_user, supplier_id, SUPPLIER_VIEW)
    today = local_today()
    return render_template(
        "suppliers/detail.html", supplier=supplier, today=today, gaps=rules.gaps(rules.facts_of(supplier), today),
        may_edit=services.may_edit(current_user), may_assess=services.may_assess(current_user, supplier),
        may_view_risks=user_can(current_user, RISK_VIEW), operator_missing=rules.missing_operator_clauses(
            supplier.security_clauses or []) if supplier.is_operator else [],
        ending_soon=rules.contract_ends_within(supplier.contract_end, today,
                                               settings.get(settings.SUPPLIER_CONTRACT_REMINDER_DAYS)))


@bp.route("/<int:supplier_id>/edit", methods=["GET", "POST"])
@permission_required(SUPPLIER_EDIT)
def edit(supplier_id: int):
    supplier = services.get_supplier_or_403(current_user, supplier_id, SUPPLIER_EDIT)
    form = _supplier_form(supplier)
    if request.method == "GET":
        _fill(form, supplier)
        return _render_form(form, supplier)
    if form.validate_on_submit():
        with saving(form, services.SupplierRuleError,
                    stale_url=url_for("suppliers.edit", supplier_id=supplier.id)):
            changes = services.update_supplier(supplier, _input(form), expected_version=form.version.data,
                                               actor=acting_user(), today=local_today())
            flash(f"Saved {supplier.name}." if changes else "Nothing changed.", "success" if changes else "info")
            return redirect(_detail_url(supplier))
    return _render_form(form, supplier, 422)


@bp.route("/<int:supplier_id>/assessments/new", methods=["GET", "POST"])
@permission_required(SUPPLIER_ASSESS)
def new_assessment(supplier_id: int):
    supplier = services.get_supplier_or_403(current_user, supplier_id, SUPPLIER_ASSESS)
    form = AssessmentForm()
    if request.method == "GET":
        form.version.data, form.assessed_on.data = str(supplier.version), local_today()
        form.next_due_on.data = add_months(local_today(), 12)
    elif form.validate_on_submit():
        # RuleError: the upload's own checks (uploads.check_evidence) as well as the service's.
        with saving(form, RuleError, default_field="summary",
                    stale_url=url_for("suppliers.new_assessment", supplier_id=supplier.id)):
            sent = uploads.form_file(form.file.data)
            evidence = uploads.check_evidence(*sent, field="file") if sent else None
            assessment = services.record_assessment(
                supplier, services.AssessmentInput(assessed_on=form.assessed_on.data, result=form.result.data or "",
                                                   summary=form.summary.data or "", next_due_on=form.next_due_on.data),
                evidence=evidence, expected_version=form.version.data, actor=acting_user(), today=local_today())
            flash(f"Recorded the assessment of {supplier.name} on {assessment.assessed_on:%d %b %Y}.", "success")
            return redirect(_detail_url(supplier, "assessments-heading"))
    status = 200 if request.method == "GET" else 422
    return render_template("suppliers/assessment_form.html", form=form, supplier=supplier,
                           max_mb=settings.get(settings.EVIDENCE_MAX_MB), accepted=uploads.ACCEPTED), status


@bp.route("/<int:supplier_id>/review", methods=["GET", "POST"])
@permission_required(SUPPLIER_ASSESS)
def review(supplier_id: int):
    supplier = services.get_supplier_or_403(current_user, supplier_id, SUPPLIER_ASSESS)
    form = ReviewForm()
    if request.method == "GET":
        form.version.data, form.reviewed_on.data = str(supplier.version), local_today()
        form.next_review_on.data = add_months(local_today(), 12)
    elif form.validate_on_submit():
        with saving(form, services.SupplierRuleError, default_field="note",
                    stale_url=url_for("suppliers.review", supplier_id=supplier.id)):
            services.record_review(supplier, reviewed_on=form.reviewed_on.data,
                                   next_review_on=form.next_review_on.data, note=form.note.data or "",
                                   expected_version=form.version.data, actor=acting_user(), today=local_today())
            flash(f"Recorded the review of {supplier.name}; next review {supplier.review_on:%d %b %Y}.", "success")
            return redirect(_detail_url(supplier))
    status = 200 if request.method == "GET" else 422
    return render_template("suppliers/review_form.html", form=form, supplier=supplier), status


@bp.get("/<int:supplier_id>/assessments/<int:assessment_id>/file")
@permission_required(SUPPLIER_VIEW)
def assessment_file(supplier_id: int, assessment_id: int):
    supplier = db.get_or_404(Supplier, supplier_id)
    assessment = services.assessment_of(supplier, assessment_id)
    if not assessment.file_sha256:
        abort(404)
    path = uploads.stored_path(assessment.file_sha256)
    if not path.is_file():
        abort(404)
    services.record_download(assessment, actor=current_user)
    db.session.commit()
    # Always a download, never shown inline: an uploaded HTML or SVG must not run in Khusela's origin.
    return send_file(path, mimetype=assessment.file_media_type or "application/octet-stream", as_attachment=True,
                     download_name=assessment.file_name or "assessment")
