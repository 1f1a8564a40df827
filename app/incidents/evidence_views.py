"""An incident's evidence (files with their chain of custody) and its links: the risks it realised or
raised, the controls that failed, the nonconformities it revealed."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, request, send_file, url_for
from flask_login import current_user

from app.admin import settings
from app.auth.permissions import INCIDENT_HANDLE, INCIDENT_VIEW, acting_user, permission_required
from app.common import uploads
from app.common.choices import active_users, control_choices
from app.common.saving import saving
from app.controls.models import Control
from app.extensions import db
from app.incidents import services
from app.incidents.forms import (
    ControlsForm,
    CustodyForm,
    EvidenceForm,
    NewRiskForm,
    NonconformityForm,
    RiskLinkForm,
    people,
)
from app.incidents.models import Incident, IncidentEvidence
from app.incidents.record_views import detail_url, form_page
from app.incidents.views import bp
from app.nonconformities import services as nonconformity_services
from app.risks import services as risk_services
from app.risks.categories import all_categories
from app.risks.matrices import current_matrix
from app.risks.models import Risk, RiskStatus


def _evidence_of(incident: Incident, evidence_id: int) -> IncidentEvidence:
    item = db.session.get(IncidentEvidence, evidence_id)
    if item is None or item.incident_id != incident.id:
        abort(404)
    return item


@bp.route("/<int:incident_id>/evidence/new", methods=["GET", "POST"])
@permission_required(INCIDENT_HANDLE)
def new_evidence(incident_id: int):
    incident = services.get_incident_or_404(incident_id)
    form = EvidenceForm()
    if form.validate_on_submit():
        sent = uploads.form_file(form.file.data)
        with saving(form, services.IncidentRuleError):
            item = services.add_evidence(incident, title=form.title.data or "", description=form.description.data or "",
                                         filename=sent[0] if sent else None, content=sent[1] if sent else None,
                                         collected_at=form.collected_at.data, actor=acting_user())
            flash(f"Evidence “{item.title}” kept, SHA-256 {item.sha256[:16]}…", "success")
            return redirect(detail_url(incident, "evidence-heading"))
    return form_page(form, incident, "Add evidence", [
        (form.title, None, None), (form.description, "Where it came from, how it was taken.", None),
        (form.collected_at, "In the organisation's time zone.", None),
        (form.file, f"At most {settings.get(settings.EVIDENCE_MAX_MB)} MB; {uploads.ACCEPTED}. Its SHA-256 is kept "
                    "with it, and you are recorded as the first link of its chain of custody.", None)],
        submit="Upload", multipart=True, status=422 if request.method == "POST" else 200)


@bp.route("/<int:incident_id>/evidence/<int:evidence_id>/custody", methods=["GET", "POST"])
@permission_required(INCIDENT_HANDLE)
def custody(incident_id: int, evidence_id: int):
    incident = services.get_incident_or_404(incident_id)
    item = _evidence_of(incident, evidence_id)
    form = CustodyForm()
    form.handler_id.choices = people(active_users(), "Choose")
    if request.method == "GET":
        form.handler_id.data = str(current_user.id)
    if form.validate_on_submit():
        with saving(form, services.IncidentRuleError):
            handler = form.handler_id.data
            services.add_custody(item, at=form.at.data, action=form.action.data or "",
                                 handler_id=int(handler) if handler and handler.isdigit() else None,
                                 note=form.note.data or "", actor=acting_user())
            flash(f"Chain of custody of “{item.title}” updated.", "success")
            return redirect(detail_url(incident, "evidence-heading"))
    return form_page(form, incident, f"Chain of custody of “{item.title}”", [
        (form.at, "In the organisation's time zone.", None), (form.action, None, None),
        (form.handler_id, None, None), (form.note, "Required when it was transferred, stored or returned.", None)],
        submit="Record", status=422 if request.method == "POST" else 200)


@bp.get("/<int:incident_id>/evidence/<int:evidence_id>/file")
@permission_required(INCIDENT_VIEW)
def download_evidence(incident_id: int, evidence_id: int):
    incident = services.get_incident_or_404(incident_id)
    item = _evidence_of(incident, evidence_id)
    path = uploads.stored_path(item.sha256)
    if not path.is_file():
        abort(404)
    services.record_download(item, actor=acting_user())
    db.session.commit()
    # Always a download, never shown inline: an uploaded HTML or SVG must not run in Khusela's origin.
    return send_file(path, mimetype=item.media_type, as_attachment=True, download_name=item.original_name,
                     max_age=0, etag=item.sha256, conditional=False)


# --- risks ---------------------------------------------------------------------------------------------


@bp.route("/<int:incident_id>/risks/link", methods=["GET", "POST"])
@permission_required(INCIDENT_HANDLE)
def link_risk(incident_id: int):
    incident = services.get_incident_or_404(incident_id)
    form = RiskLinkForm()
    linked = {link.risk_id for link in incident.risk_links}
    risks = db.session.scalars(sa.select(Risk).where(Risk.status != RiskStatus.CLOSED.value).order_by(Risk.id))
    form.risk_id.choices = {"": "Choose"} | {str(risk.id): f"{risk.reference} {risk.title}" for risk in risks
                                             if risk.id not in linked}
    if form.validate_on_submit():
        with saving(form, services.IncidentRuleError):
            link = services.link_realised_risk(incident, risk_id=int(form.risk_id.data), note=form.note.data or "",
                                               actor=acting_user())
            flash(f"Linked {link.risk.reference}: its next review is due now, to reassess it.", "success")
            return redirect(detail_url(incident, "links-heading"))
    return form_page(form, incident, "Link a realised risk", [(form.risk_id, None, None), (form.note, None, None)],
                     intro="The incident realised a risk the register holds: it is linked and its next review is "
                           "brought forward to today, so that its owner reassesses it (ISO/IEC 27001 8.2).",
                     submit="Link", status=422 if request.method == "POST" else 200)


@bp.route("/<int:incident_id>/risks/new", methods=["GET", "POST"])
@permission_required(INCIDENT_HANDLE)
def new_risk(incident_id: int):
    incident = services.get_incident_or_404(incident_id)
    form = NewRiskForm()
    matrix = current_matrix().to_scoring()
    form.category_id.choices = {"": "Choose"} | {str(c.id): c.name for c in all_categories(active_only=True)
                                                 if c.parent_id is None}
    form.likelihood.choices = {"": "Choose"} | {str(level.value): f"{level.value} {level.label}"
                                                for level in matrix.likelihoods}
    form.impact.choices = {"": "Choose"} | {str(level.value): f"{level.value} {level.label}"
                                            for level in matrix.impacts}
    form.owner_id.choices = people(risk_services.possible_owners(), "Nobody yet")
    if request.method == "GET":
        form.title.data = incident.title
    if form.validate_on_submit():
        with saving(form, services.IncidentRuleError):
            def number(value: str | None) -> int | None:
                return int(value) if value and value.isdigit() else None

            link = services.raise_risk(incident, services.NewRiskInput(
                title=form.title.data or "", category_id=number(form.category_id.data),
                likelihood=number(form.likelihood.data), impact=number(form.impact.data),
                description=form.description.data or "", owner_id=number(form.owner_id.data),
                department_id=incident.departments[0].id if len(incident.departments) == 1 else None),
                actor=acting_user())
            flash(f"Raised risk {link.risk.reference} from {incident.reference}.", "success")
            return redirect(detail_url(incident, "links-heading"))
    return form_page(form, incident, "Raise a new risk", [
        (form.title, None, None), (form.description, None, None), (form.category_id, None, None),
        (form.likelihood, None, None), (form.impact, None, None), (form.owner_id, None, None)],
        intro="A risk the register did not hold: it is created in the risk register as a draft, with its inherent "
              "rating, for its owner to assess further.", submit="Raise",
        status=422 if request.method == "POST" else 200)


# --- controls and nonconformities -------------------------------------------------------------------


def _controls() -> list[Control]:
    return list(db.session.scalars(sa.select(Control).where(Control.active.is_(True))
                                   .order_by(Control.catalogue, Control.sort_key)))


@bp.route("/<int:incident_id>/controls", methods=["GET", "POST"])
@permission_required(INCIDENT_HANDLE)
def controls(incident_id: int):
    incident = services.get_incident_or_404(incident_id)
    form = ControlsForm()
    form.control_ids.choices = {catalogue: list(group) for catalogue, group in control_choices(_controls()).items()}
    if request.method == "GET":
        form.version.data = str(incident.version)
        form.control_ids.data = [control.id for control in incident.failed_controls]
    if request.method == "POST" and form.validate_on_submit():
        with saving(form, services.IncidentRuleError, stale_url=url_for("incidents.controls", incident_id=incident.id)):
            changes = services.set_failed_controls(incident, list(form.control_ids.data or []),
                                                   expected_version=form.version.data, actor=acting_user())
            flash("Saved the controls that failed." if changes else "Nothing changed.",
                  "success" if changes else "info")
            return redirect(detail_url(incident, "links-heading"))
    return form_page(form, incident, "Controls that failed", [(form.control_ids, "Hold Ctrl (or ⌘) to choose several.",
                                                                None)],
                     status=422 if request.method == "POST" else 200)


@bp.route("/<int:incident_id>/nonconformities/new", methods=["GET", "POST"])
@permission_required(INCIDENT_HANDLE)
def new_nonconformity(incident_id: int):
    incident = services.get_incident_or_404(incident_id)
    form = NonconformityForm()
    form.control_id.choices = {"": "None", **{catalogue: {str(value): label for value, label in group}
                                              for catalogue, group in control_choices(_controls()).items()}}
    form.owner_id.choices = people(nonconformity_services.possible_owners(), "Nobody yet")
    if request.method == "GET" and incident.failed_controls:
        form.control_id.data = str(incident.failed_controls[0].id)
    if form.validate_on_submit():
        with saving(form, services.IncidentRuleError):
            def number(value: str | None) -> int | None:
                return int(value) if value and value.isdigit() else None

            raised = services.raise_nonconformity(incident, nonconformity_services.NonconformityInput(
                title=form.title.data or "", description=form.description.data or "", source="",
                severity=form.severity.data or "", control_id=number(form.control_id.data),
                owner_id=number(form.owner_id.data), due_on=form.due_on.data,
                department_id=incident.departments[0].id if len(incident.departments) == 1 else None),
                actor=acting_user())
            flash(f"Raised {raised.reference} from {incident.reference}.", "success")
            return redirect(detail_url(incident, "links-heading"))
    return form_page(form, incident, "Raise a nonconformity", [
        (form.title, None, None), (form.description, None, None), (form.severity, None, None),
        (form.control_id, None, None), (form.owner_id, None, None), (form.due_on, None, "date")],
        intro=f"Raised in the nonconformity register, found by an incident ({incident.reference}).",
        submit="Raise", status=422 if request.method == "POST" else 200)
