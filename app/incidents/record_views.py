"""One incident: its page, triage, handling (timeline, containment to recovery, lessons, closing) and
the POPIA s22 notification."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import INCIDENT_HANDLE, INCIDENT_VIEW, acting_user, permission_required
from app.common.saving import acting, saving, show_problems
from app.common.timeutil import local_today
from app.extensions import db
from app.incidents import popia, services
from app.incidents.forms import ActionForm, ButtonForm, HandlingForm, NotificationForm, TriageForm, people
from app.incidents.models import Incident, IncidentAction, IncidentStatus
from app.incidents.views import bp


def detail_url(incident: Incident, anchor: str | None = None) -> str:
    return url_for("incidents.detail", incident_id=incident.id, _anchor=anchor)


def form_page(form, incident: Incident, heading: str, fields: list, *, submit: str = "Save", intro: str = "",
              status: int = 200, multipart: bool = False):
    """One of the incident's smaller forms (incidents/form.html): `fields` are (field, help, input type)."""
    return render_template("incidents/form.html", form=form, incident=incident, heading=heading, intro=intro,
                           fields=fields, submit=submit, action=request.path, multipart=multipart), status


def _stale(endpoint: str, incident: Incident) -> str:
    return url_for(endpoint, incident_id=incident.id)


@bp.get("/<int:incident_id>")
@permission_required(INCIDENT_VIEW)
def detail(incident_id: int):
    incident = services.get_incident_or_404(incident_id)
    today = local_today()
    return render_template("incidents/detail.html", incident=incident, today=today,
                           may_handle=services.may_handle(current_user), clock=services.clock(incident, today),
                           track_open=services.track_open(incident), close_problems=services.close_problems(incident),
                           button=ButtonForm(version=str(incident.version)))


# --- triage ------------------------------------------------------------------------------------------


def _triage_form(incident: Incident) -> TriageForm:
    form = TriageForm()
    form.handler_id.choices = people(services.possible_handlers(incident.handler_id), "Nobody yet")
    form.reporting_operator_id.choices = {"": "None"} | {
        str(supplier.id): supplier.name for supplier in services.operators(incident.reporting_operator_id)}
    form.department_ids.choices = {department.id: str(department) for department in _departments()}
    return form


def _departments():
    import sqlalchemy as sa

    from app.auth.models import Department
    return db.session.scalars(sa.select(Department).where(Department.active.is_(True)).order_by(Department.code))


@bp.route("/<int:incident_id>/triage", methods=["GET", "POST"])
@permission_required(INCIDENT_HANDLE)
def triage(incident_id: int):
    incident = services.get_incident_or_404(incident_id)
    form = _triage_form(incident)
    if request.method == "GET":
        form.version.data = str(incident.version)
        if incident.status != IncidentStatus.REPORTED:
            form.is_incident.data = "yes" if incident.is_incident else "no"
        form.reason.data, form.systems.data = incident.triage_reason, incident.systems
        form.category.data, form.severity.data = incident.category or "", incident.severity or ""
        form.source.data, form.handler_id.data = incident.source, str(incident.handler_id or "")
        form.reporting_operator_id.data = str(incident.reporting_operator_id or "")
        form.asset_tags.data = ", ".join(asset.tag for asset in incident.assets)
        form.department_ids.data = [department.id for department in incident.departments]
        form.personal_information_involved.data = (incident.personal_information_involved
                                                   or incident.reporter_personal_information == "yes")
        form.personal_information_compromised.data = incident.personal_information_compromised
        return _render_triage(form, incident)
    if form.validate_on_submit():
        with saving(form, services.IncidentRuleError, stale_url=_stale("incidents.triage", incident)):
            handler, operator = form.handler_id.data, form.reporting_operator_id.data
            services.triage(incident, services.TriageInput(
                is_incident=form.is_incident.data == "yes", reason=form.reason.data or "",
                category=form.category.data or None, severity=form.severity.data or None,
                handler_id=int(handler) if handler and handler.isdigit() else None,
                asset_tags=[tag.strip() for tag in (form.asset_tags.data or "").split(",") if tag.strip()],
                department_ids=list(form.department_ids.data or []), systems=form.systems.data or "",
                personal_information_involved=form.personal_information_involved.data,
                personal_information_compromised=form.personal_information_compromised.data,
                source=form.source.data or None,
                reporting_operator_id=int(operator) if operator and operator.isdigit() else None),
                expected_version=form.version.data, actor=acting_user())
            flash(f"{incident.reference} triaged: {incident.status_enum.label.lower()}."
                  + (" The POPIA s22 notification track is open: notify the Information Regulator and the data "
                     "subjects as soon as reasonably possible." if incident.notification_pending else ""),
                  "warning" if incident.notification_pending else "success")
            return redirect(detail_url(incident))
    return _render_triage(form, incident, 422)


def _render_triage(form: TriageForm, incident: Incident, status: int = 200):
    return render_template("incidents/triage.html", form=form, incident=incident), status


# --- handling ----------------------------------------------------------------------------------------


@bp.route("/<int:incident_id>/actions/new", methods=["GET", "POST"])
@permission_required(INCIDENT_HANDLE)
def new_action(incident_id: int):
    incident = services.get_incident_or_404(incident_id)
    form = ActionForm()
    if form.validate_on_submit():
        with saving(form, services.IncidentRuleError):
            services.add_action(incident, at=form.at.data, description=form.description.data or "",
                                due_on=form.due_on.data, actor=acting_user())
            flash(f"Added to the timeline of {incident.reference}.", "success")
            return redirect(detail_url(incident, "timeline-heading"))
    return form_page(form, incident, "Add to the timeline", [
        (form.at, "In the organisation's time zone.", None), (form.description, None, None),
        (form.due_on, "Leave empty for what is done; give a date for a follow-up still to do.", "date")],
        submit="Add", status=422 if request.method == "POST" else 200)


@bp.post("/<int:incident_id>/actions/<int:action_id>/done")
@permission_required(INCIDENT_HANDLE)
def action_done(incident_id: int, action_id: int):
    incident = services.get_incident_or_404(incident_id)
    entry = db.get_or_404(IncidentAction, action_id)
    if entry.incident_id != incident.id or not ButtonForm().validate_on_submit():
        return redirect(detail_url(incident, "timeline-heading"))
    with acting(services.IncidentRuleError) as refused:
        services.complete_action(incident, entry, actor=acting_user())
    flash(f"{refused}" if refused else "Follow-up marked done.", "danger" if refused else "success")
    return redirect(detail_url(incident, "timeline-heading"))


@bp.route("/<int:incident_id>/handling", methods=["GET", "POST"])
@permission_required(INCIDENT_HANDLE)
def handling(incident_id: int):
    incident = services.get_incident_or_404(incident_id)
    form = HandlingForm()
    if request.method == "GET":
        form.version.data = str(incident.version)
        form.contained_on.data, form.eradicated_on.data = incident.contained_on, incident.eradicated_on
        form.recovered_on.data, form.lessons_learned.data = incident.recovered_on, incident.lessons_learned
        return _render_handling(form, incident)
    if form.validate_on_submit():
        with saving(form, services.IncidentRuleError, stale_url=_stale("incidents.handling", incident)):
            changes = services.record_handling(incident, services.HandlingInput(
                contained_on=form.contained_on.data, eradicated_on=form.eradicated_on.data,
                recovered_on=form.recovered_on.data, lessons_learned=form.lessons_learned.data or ""),
                expected_version=form.version.data, actor=acting_user())
            flash(f"Saved the handling of {incident.reference}." if changes else "Nothing changed.",
                  "success" if changes else "info")
            return redirect(detail_url(incident, "handling-heading"))
    return _render_handling(form, incident, 422)


def _render_handling(form: HandlingForm, incident: Incident, status: int = 200):
    return form_page(form, incident, "Containment, recovery and lessons", [
        (form.contained_on, "The day the harm stopped spreading.", "date"),
        (form.eradicated_on, "The day the cause was removed (malware cleaned, account closed, hole patched).", "date"),
        (form.recovered_on, "The day normal service was back.", "date"),
        (form.lessons_learned, "What to change so that it does not happen again, or is caught sooner.", None)],
        intro="Containment, eradication and recovery come in that order (ISO/IEC 27001 A.5.26).", status=status)


@bp.post("/<int:incident_id>/close")
@permission_required(INCIDENT_HANDLE)
def close(incident_id: int):
    incident = services.get_incident_or_404(incident_id)
    form = ButtonForm()
    if not form.validate_on_submit():
        flash("The form expired; try again.", "danger")
        return redirect(detail_url(incident))
    with acting(services.IncidentRuleError) as refused:
        services.close_incident(incident, expected_version=form.version.data, actor=acting_user())
    if refused:
        flash(f"{incident.reference} was not closed. {refused}", "danger")
    else:
        flash(f"{incident.reference} closed.", "success")
    return redirect(detail_url(incident))


# --- POPIA s22 notification ---------------------------------------------------------------------------


@bp.route("/<int:incident_id>/notification", methods=["GET", "POST"])
@permission_required(INCIDENT_HANDLE)
def notification(incident_id: int):
    incident = services.get_incident_or_404(incident_id)
    form = NotificationForm()
    names = list(popia.Notification.__dataclass_fields__)
    if request.method == "GET":
        form.version.data = str(incident.version)
        for name in names:
            getattr(form, name).data = getattr(incident, name)
        form.notice_method.data = incident.notice_method or ""
        return _render_notification(form, incident)
    if form.validate_on_submit():
        with saving(form, services.IncidentRuleError, stale_url=_stale("incidents.notification", incident)):
            values = {name: getattr(form, name).data for name in names}
            values["notice_method"] = values["notice_method"] or None
            for name in ("regulator_reference", "notice_text", "measures_taken", "recommendations",
                         "intruder_identity", "delay_reason"):
                values[name] = values[name] or ""
            services.record_notification(incident, popia.Notification(**values), expected_version=form.version.data,
                                         actor=acting_user())
            flash(f"Saved the POPIA notification record of {incident.reference}."
                  + ("" if incident.notification_pending else " Both notifications are complete."), "success")
            return redirect(detail_url(incident, "popia-heading"))
    return _render_notification(form, incident, 422)


def _render_notification(form: NotificationForm, incident: Incident, status: int = 200):
    if not services.track_open(incident) and request.method == "POST" and not form.errors:
        show_problems(form, [(None, "The notification track is not open for this incident.")])
    return render_template("incidents/notification.html", form=form, incident=incident,
                           clock=services.clock(incident, local_today())), status
