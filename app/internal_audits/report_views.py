"""An audit's report: the lead auditor drafts the summary and conclusion and issues it (the PDF is
rendered once, kept by its SHA-256, and the audit frozen); anyone who reads audits downloads the issued
PDF, always the same bytes, or a draft preview rendered in the request before issue."""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from app.auth.permissions import INTERNAL_AUDIT_CONDUCT, INTERNAL_AUDIT_VIEW, acting_user, permission_required
from app.common import uploads
from app.common.saving import saving
from app.common.timeutil import local_today
from app.extensions import db
from app.internal_audits import report, services
from app.internal_audits.forms import IssueForm
from app.internal_audits.models import InternalAudit
from app.internal_audits.views import bp

PDF_MIMETYPE = "application/pdf"


def _render(form: IssueForm, internal_audit: InternalAudit, status: int = 200):
    return render_template("internal_audits/issue.html", form=form, audit=internal_audit,
                           open_lines=[line for line in internal_audit.lines if not line.result],
                           to_raise=[line for line in internal_audit.lines
                                     if line.is_nonconformity and line.nonconformity_id is None]), status


@bp.route("/<int:audit_id>/issue", methods=["GET", "POST"])
@permission_required(INTERNAL_AUDIT_CONDUCT)
def issue(audit_id: int):
    internal_audit = services.get_audit_or_403(current_user, audit_id, INTERNAL_AUDIT_CONDUCT)
    detail_url = url_for("internal_audits.detail", audit_id=audit_id)
    if internal_audit.frozen:
        flash(f"The report of {internal_audit.reference} was issued on {internal_audit.issued_on}.", "info")
        return redirect(detail_url)
    form = IssueForm()
    if request.method == "GET":
        form.version.data = str(internal_audit.version)
        form.summary.data, form.conclusion.data = internal_audit.summary, internal_audit.conclusion
        form.actual_end.data = internal_audit.actual_end or local_today()
        return _render(form, internal_audit)
    if form.validate_on_submit():
        stale_url = url_for("internal_audits.issue", audit_id=audit_id)
        with saving(form, services.InternalAuditRuleError, stale_url=stale_url):
            if request.form.get("action") == "issue":
                services.issue_report(internal_audit, summary=form.summary.data or "",
                                      conclusion=form.conclusion.data or "", actual_end=form.actual_end.data,
                                      expected_version=form.version.data, actor=acting_user(),
                                      render=lambda audited: report.render_report(audited, draft=False))
                flash(f"Issued the report of {internal_audit.reference}; the audit is frozen.", "success")
                return redirect(detail_url)
            services.save_report_draft(internal_audit, summary=form.summary.data or "",
                                       conclusion=form.conclusion.data or "", expected_version=form.version.data,
                                       actor=acting_user())
            flash("Saved the draft of the report.", "success")
            return redirect(url_for("internal_audits.issue", audit_id=audit_id))
    return _render(form, internal_audit, 422)


@bp.get("/<int:audit_id>/report.pdf")
@permission_required(INTERNAL_AUDIT_VIEW)
def report_pdf(audit_id: int):
    internal_audit = services.get_audit_or_403(current_user, audit_id, INTERNAL_AUDIT_VIEW)
    if internal_audit.report_sha256:
        path = uploads.stored_path(internal_audit.report_sha256)
        if not path.is_file():
            abort(404)
        services.record_report_download(internal_audit, draft=False, actor=acting_user())
        db.session.commit()
        return send_file(path, mimetype=PDF_MIMETYPE, as_attachment=True,
                         download_name=internal_audit.report_filename, max_age=0, etag=internal_audit.report_sha256,
                         conditional=False)
    content = report.render_report(internal_audit, draft=True)
    services.record_report_download(internal_audit, draft=True, actor=acting_user())
    db.session.commit()
    return send_file(io.BytesIO(content), mimetype=PDF_MIMETYPE, as_attachment=True, max_age=0,
                     download_name=f"{internal_audit.reference}-internal-audit-report-DRAFT.pdf")
