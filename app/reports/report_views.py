"""The /reports page and the PDF reports' routes. Each route checks the permission of the area its
report shows (a risk owner without soa.view gets 403 on the SoA); /reports lists only those the
user's role allows. Every PDF generated is in the audit log.

The register-wide reports are not built here: the route checks the parameters, queues the report
(app.reports.prepared) and sends the user to its being-prepared page (document_views.py). Only the
policy document, one record, is rendered in the request."""

from __future__ import annotations

from collections.abc import Mapping

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import (
    ASSET_VIEW,
    AWARENESS_VIEW,
    CASE_VIEW,
    CONTEXT_VIEW,
    CONTINUITY_VIEW,
    INCIDENT_VIEW,
    NONCONFORMITY_VIEW,
    OBJECTIVE_VIEW,
    PACK_BUILD,
    POLICY_VIEW,
    REPORT_VIEW,
    RISK_VIEW,
    SOA_VIEW,
    SUPPLIER_VIEW,
    permission_required,
    user_can,
)
from app.common.choices import department_choices
from app.core.errors import render_error
from app.extensions import db
from app.nonconformities.models import NonconformitySource
from app.reports import documents, prepared
from app.reports.pdf import pdf_response
from app.reports.views import bp
from app.risks import queries as risk_queries
from app.risks.models import RiskStatus


def _error(error: documents.ReportInputError):
    status = 404 if isinstance(error, documents.ReportNotFound) else 400
    # render_error formats its message (for the upload limit): braces a user typed stay braces.
    return render_error(status, str(error).replace("{", "{{").replace("}", "}}"))


def _department_param(args: Mapping[str, str]) -> dict:
    value = (args.get("department") or "").strip()
    return {"department_id": value} if value else {}


def _download(name: str, params: dict):
    """The PDF now (a small report), or queued for the scheduler process and its page (a big one)."""
    if documents.REPORTS[name].in_background:
        return _queue(name, params)
    try:
        ready = documents.prepare(name, params)
    except documents.ReportInputError as error:
        return _error(error)
    content = documents.render_prepared(ready, generated_by=current_user.full_name)
    documents.record_generated(ready, actor=current_user)
    db.session.commit()
    return pdf_response(content, ready.filename)


def _queue(name: str, params: dict):
    try:
        document, _ = prepared.request_document(name, params, actor=current_user)
    except documents.ReportInputError as error:
        return _error(error)
    except prepared.TooManyDocuments as refusal:
        db.session.rollback()
        response = render_template("reports/documents_refused.html", message=refusal.message,
                                   documents=prepared.documents_of(current_user))
        # 503 with Retry-After when everyone's queue is full; 429 when it is this user's own limit.
        return (response, 503, {"Retry-After": "120"}) if refusal.everyone else (response, 429)
    db.session.commit()
    return redirect(url_for("reports.prepared_document", document_id=document.id), 303)


@bp.get("")
@permission_required(REPORT_VIEW)
def index():
    allowed = [report for report in documents.REPORTS.values() if user_can(current_user, report.permission)]
    names = {report.name for report in allowed}
    return render_template(
        "reports/index.html", reports=allowed,
        departments=department_choices("All departments", include_inactive=True),
        statuses={risk_queries.STATUS_NOT_CLOSED: "All but closed", risk_queries.STATUS_ANY: "Any, closed too",
                  **{status.value: status.label for status in RiskStatus}},
        soa_versions=documents.issued_soa_versions() if "soa" in names else [],
        policy_versions=documents.available_policy_versions() if "policy" in names else [],
        sees_cases=user_can(current_user, CASE_VIEW), builds_packs=user_can(current_user, PACK_BUILD),
        nonconformity_sources=[(source.value, source.label) for source in NonconformitySource],
    )


@bp.get("/risk-register.pdf")
@permission_required(RISK_VIEW)
def risk_register():
    department = (request.args.get("department") or "").strip()
    if department and not department.isdigit():
        return _error(documents.ReportInputError(f"The department must be a record number, got {department!r}."))
    # viewer_id: the report holds only the risks the reader may see (a manager: their department's).
    return _download("risk_register", {"filters": request.args, "viewer_id": current_user.id})


@bp.get("/treatment-plan.pdf")
@permission_required(RISK_VIEW)
def treatment_plan():
    return _download("treatment_plan", {**_department_param(request.args), "viewer_id": current_user.id})


@bp.get("/risk-methodology.pdf")
@permission_required(RISK_VIEW)
def risk_methodology():
    version = (request.args.get("version") or "").strip()
    return _download("risk_methodology", {"version_number": version} if version else {})


@bp.get("/risk-acceptances.pdf")
@permission_required(RISK_VIEW)
def acceptance_register():
    # The /risks/acceptances query string; viewer_id: a manager's report holds their department's only.
    return _download("acceptance_register", {"filters": request.args, "viewer_id": current_user.id})


@bp.get("/soa.pdf")
@permission_required(SOA_VIEW)
def soa():
    version = (request.args.get("version") or "").strip()
    if not version and not documents.issued_soa_versions():
        # Not an error in the request: there is nothing to print yet. Say so, and where to start.
        return render_template("reports/choose.html", report=documents.REPORTS["soa"], policy_versions=[])
    return _download("soa", {"version_number": version} if version else {})


@bp.get("/asset-register.pdf")
@permission_required(ASSET_VIEW)
def asset_register():
    return _download("asset_register", _department_param(request.args))


@bp.get("/isms-context.pdf")
@permission_required(CONTEXT_VIEW)
def isms_context():
    return _download("isms_context", {})


@bp.get("/continuity.pdf")
@permission_required(CONTINUITY_VIEW)
def continuity():
    return _download("continuity", {})


@bp.get("/policy.pdf")
@permission_required(POLICY_VIEW)
def policy():
    version = (request.args.get("version") or "").strip()
    if not version:
        return render_template("reports/choose.html", report=documents.REPORTS["policy"],
                               policy_versions=documents.available_policy_versions())
    return _download("policy", {"version_id": version})


@bp.get("/nonconformities.pdf")
@permission_required(NONCONFORMITY_VIEW)
def nonconformities():
    # The /nonconformities query string: status, source and the list's other filters.
    return _download("nonconformities", {"filters": {key: value for key, value in request.args.items() if value}})


@bp.get("/suppliers.pdf")
@permission_required(SUPPLIER_VIEW)
def suppliers():
    # The /suppliers query string: the list's filters.
    return _download("suppliers", {"filters": {key: value for key, value in request.args.items() if value}})
@bp.get("/incidents.pdf")
@permission_required(INCIDENT_VIEW)
def incidents():
    # The /incidents query string: status, category, severity and the list's other filters.
    return _download("incidents", {"filters": {key: value for key, value in request.args.items() if value}})


@bp.get("/incidents/<int:incident_id>/record.pdf")
@permission_required(INCIDENT_VIEW)
def incident(incident_id: int):
    return _download("incident", {"incident_id": incident_id})


@bp.get("/objectives.pdf")
@permission_required(OBJECTIVE_VIEW)
def objectives():
    return _download("objectives", {})


@bp.get("/awareness.pdf")
@permission_required(AWARENESS_VIEW)
def awareness():
    # A period (from, to: ISO dates) and a department, as the pack passes them; none: the last twelve months.
    params = {key: (request.args.get(arg) or "").strip() for key, arg in (("date_from", "from"), ("date_to", "to"))}
    return _download("awareness", {**{key: value for key, value in params.items() if value},
                                   **_department_param(request.args)})
