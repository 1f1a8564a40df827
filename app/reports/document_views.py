"""The PDF reports a user asked for: the being-prepared page, the download, the user's list.

Each document is its requester's alone (prepared.get_document_or_404: someone else's is 404), and
downloading it needs the report's area permission still, as asking for it did."""

from __future__ import annotations

from flask import current_app, flash, jsonify, redirect, render_template, send_file, url_for
from flask_login import current_user

from app.auth.permissions import REPORT_VIEW, permission_required
from app.extensions import db
from app.reports import prepared
from app.reports.models import DocumentStatus, PreparedDocument
from app.reports.pdf import PDF_MIMETYPE
from app.reports.views import bp
from app.scheduler import runner

# Where "Ask for it again" goes: the report's route and its query string, from the kept parameters.
_ROUTES = {"risk_register": "reports.risk_register", "treatment_plan": "reports.treatment_plan",
           "acceptance_register": "reports.acceptance_register", "soa": "reports.soa",
           "asset_register": "reports.asset_register", "isms_context": "reports.isms_context",
           "continuity": "reports.continuity", "suppliers": "reports.suppliers"}


def again_url(document: PreparedDocument) -> str:
    params = document.params
    args = dict(params.get("filters") or {})
    if params.get("department_id"):
        args["department"] = params["department_id"]
    if params.get("version_number"):
        args["version"] = params["version_number"]
    endpoint = _ROUTES.get(document.report)
    return url_for(endpoint, **args) if endpoint else url_for("reports.index")


@bp.get("/documents")
@permission_required(REPORT_VIEW)
def prepared_documents():
    return render_template("reports/documents.html", documents=prepared.documents_of(current_user),
                           retention_hours=current_app.config["DOCUMENT_RETENTION_HOURS"])


@bp.get("/documents/<int:document_id>")
@permission_required(REPORT_VIEW)
def prepared_document(document_id: int):
    document = prepared.get_document_or_404(current_user, document_id, REPORT_VIEW)
    # Asked only when the document has waited longer than a running scheduler would leave it.
    no_scheduler = prepared.waiting_long(document) and not runner.lock_is_held(
        current_app._get_current_object())  # type: ignore[attr-defined]  # the proxy is typed as the Flask app
    return render_template("reports/document.html", document=document, DocumentStatus=DocumentStatus,
                           available=prepared.file_of(document) is not None, no_scheduler=no_scheduler,
                           again_url=again_url(document))


@bp.get("/documents/<int:document_id>/status")
@permission_required(REPORT_VIEW)
def prepared_document_status(document_id: int):
    document = prepared.get_document_or_404(current_user, document_id, REPORT_VIEW)
    return jsonify(status=document.status, label=document.status_enum.label,
                   done=not document.status_enum.pending)


@bp.get("/documents/<int:document_id>/download")
@permission_required(REPORT_VIEW)
def prepared_document_download(document_id: int):
    document = prepared.get_document_or_404(current_user, document_id, REPORT_VIEW)
    path = prepared.file_of(document)
    if path is None:
        flash(f"This PDF cannot be downloaded: it is {document.status_enum.label.lower()}.", "warning")
        return redirect(url_for("reports.prepared_document", document_id=document.id))
    prepared.record_download(document, current_user)
    db.session.commit()
    response = send_file(path, mimetype=PDF_MIMETYPE, as_attachment=True, download_name=document.download_name,
                         conditional=False, etag=False)
    response.headers["Cache-Control"] = "no-store"  # may hold personal information
    return response
