"""One campaign's page (its rates per department and the attendance list), the forms that add and
edit campaigns and record a completion by hand, the material's download, and one person's training
record. Every permitted role reads every campaign whole (db.get_or_404); who completed what is read
through the employee register's scope (a manager: their department; auditors: counts only)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for

from app.admin import settings
from app.admin.services import all_departments
from app.auth.permissions import (
    AWARENESS_EDIT,
    AWARENESS_VIEW,
    EMPLOYEE_VIEW,
    acting_user,
    permission_required,
    user_can,
)
from app.awareness import queries, services
from app.awareness.exports import ATTENDANCE_COLUMNS
from app.awareness.forms import CampaignForm, DeleteForm, TrainingForm
from app.awareness.models import Campaign, TrainingRecord
from app.awareness.views import bp
from app.common import uploads
from app.common.choices import active_users
from app.common.export import audited_export
from app.common.listing import Listing, all_matching, requested_export
from app.common.models import RuleError
from app.common.saving import acting, saving
from app.common.timeutil import local_today
from app.employees import services as employees
from app.employees.models import Employee
from app.extensions import db
from app.policies.cases import privileges as case_privileges

# --- a campaign -------------------------------------------------------------------------------------


def _campaign_or_404(campaign_id: int) -> Campaign:
    return db.get_or_404(Campaign, campaign_id)


def _sees_people(user) -> bool:
    return user_can(user, EMPLOYEE_VIEW)


@bp.get("/campaigns/<int:campaign_id>")
@permission_required(AWARENESS_VIEW)
def campaign(campaign_id: int):
    found = _campaign_or_404(campaign_id)
    user = acting_user()
    per_department = queries.rates_by_department([found])[found.id]
    listing = filters = None
    if _sees_people(user):
        filters = queries.AttendanceFilters.from_args(request.args)
        statement = queries.attendance(found, user, filters)
        fmt = requested_export()
        if fmt:
            rows = all_matching(statement, sort_columns=queries.ATTENDANCE_SORT_COLUMNS, default_sort="name",
                                tiebreaker=TrainingRecord.id)
            return audited_export(rows, ATTENDANCE_COLUMNS, fmt, f"khusela-training-{found.reference}",
                                  entity_type="training_record", what=f"training records of {found.reference}")
        listing = Listing.from_request(statement, sort_columns=queries.ATTENDANCE_SORT_COLUMNS, default_sort="name",
                                       tiebreaker=TrainingRecord.id)
    return _render_campaign(found, per_department, listing, filters, TrainingForm(formdata=None))


def _render_campaign(found: Campaign, per_department, listing, filters, training_form: TrainingForm,
                     status: int = 200):
    departments = queries.departments_by_id(per_department)
    return render_template(
        "awareness/campaign.html", campaign=found, today=local_today(), listing=listing, filters=filters,
        per_department=sorted(per_department.items(), key=lambda item: departments[item[0]].code
                              if item[0] in departments else "~"),
        departments=departments, overall=sum(per_department.values(), queries.NO_RATE),
        training_form=training_form, delete_form=DeleteForm(), target=services.target_rate(),
        outcomes={"": "Any outcome", **{o.value: o.label for o in services.Outcome}}), status


def _campaign_form(found: Campaign | None) -> CampaignForm:
    form = CampaignForm(obj=found if request.method == "GET" else None)
    form.set_choices(active_users(keep_id=found.owner_id if found else None), all_departments())
    if request.method == "GET" and found is not None:
        form.version.data, form.owner_id.data = str(found.version), str(found.owner_id or "")
        form.department_ids.data = [d.id for d in found.departments]
        form.roles.data = "\n".join(found.role_names)
    return form


def _campaign_input(form: CampaignForm) -> services.CampaignInput:
    return services.CampaignInput(
        topic=form.topic.data or "", channel=form.channel.data or "", starts_on=form.starts_on.data,
        ends_on=form.ends_on.data, description=form.description.data or "",
        owner_id=int(form.owner_id.data) if form.owner_id.data else None,
        department_ids=list(form.department_ids.data or []),
        roles=[line for line in (form.roles.data or "").splitlines() if line.strip()],
        material_url=form.material_url.data or "")


def _material(form: CampaignForm) -> uploads.CheckedUpload | None:
    sent = uploads.form_file(form.material.data)
    return uploads.check_evidence(*sent, field="material") if sent else None


def _render_form(form: CampaignForm, found: Campaign | None, status: int = 200):
    return render_template("awareness/campaign_form.html", form=form, campaign=found,
                           max_mb=settings.get(settings.EVIDENCE_MAX_MB), accepted=uploads.ACCEPTED), status


@bp.route("/campaigns/new", methods=["GET", "POST"])
@permission_required(AWARENESS_EDIT)
def new_campaign():
    form = _campaign_form(None)
    if request.method == "GET":
        form.owner_id.data = str(acting_user().id)
        return _render_form(form, None)
    if form.validate_on_submit():
        with saving(form, (services.AwarenessRuleError, RuleError)):
            made = services.create_campaign(_campaign_input(form), material=_material(form), actor=acting_user())
            flash(f"Added campaign {made.reference} “{made.topic}”.", "success")
            return redirect(url_for("awareness.campaign", campaign_id=made.id))
    return _render_form(form, None, 422)


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@permission_required(AWARENESS_EDIT)
def edit_campaign(campaign_id: int):
    found = _campaign_or_404(campaign_id)
    form = _campaign_form(found)
    if request.method == "GET":
        return _render_form(form, found)
    if form.validate_on_submit():
        with saving(form, (services.AwarenessRuleError, RuleError),
                    stale_url=url_for("awareness.edit_campaign", campaign_id=found.id)):
            changes = services.update_campaign(found, _campaign_input(form), expected_version=form.version.data,
                                               material=_material(form), actor=acting_user())
            flash(f"Saved {found.reference}." if changes else "Nothing changed.", "success" if changes else "info")
            return redirect(url_for("awareness.campaign", campaign_id=found.id))
    return _render_form(form, found, 422)


@bp.get("/campaigns/<int:campaign_id>/material")
@permission_required(AWARENESS_VIEW)
def material(campaign_id: int):
    found = _campaign_or_404(campaign_id)
    if not found.material_sha256:
        abort(404)
    path = uploads.stored_path(found.material_sha256)
    if not path.is_file():
        abort(404)
    # Always a download, never shown inline: an uploaded HTML or SVG must not run in Khusela's origin.
    return send_file(path, mimetype=found.material_media_type or "application/octet-stream", as_attachment=True,
                     download_name=found.material_name or "material", max_age=0, etag=found.material_sha256,
                     conditional=False)


# --- training records -------------------------------------------------------------------------------


def _employee_by_number(number: str) -> Employee | None:
    """The employee with this number whom the signed-in user may see, else None (no hint either way)."""
    return db.session.scalar(employees.visible_employees(acting_user()).where(Employee.number == number.strip()))


@bp.post("/campaigns/<int:campaign_id>/training")
@permission_required(AWARENESS_EDIT)
def record_training(campaign_id: int):
    found = _campaign_or_404(campaign_id)
    form = TrainingForm()
    if form.validate_on_submit():
        employee = _employee_by_number(form.employee_number.data or "")
        if employee is None:
            form.employee_number.errors = [f"No employee has the number “{form.employee_number.data}”; check it in "
                                           "the employee register."]
        else:
            with saving(form, services.AwarenessRuleError):
                _, changes = services.record_training(
                    found, employee, services.TrainingInput(
                        outcome=form.outcome.data or "", completed_on=form.completed_on.data, score=form.score.data,
                        note=form.note.data or ""), actor=acting_user(), today=local_today())
                flash(f"Recorded for {employee.full_name} ({employee.number})." if changes else "Nothing changed.",
                      "success" if changes else "info")
                return redirect(url_for("awareness.campaign", campaign_id=found.id))
    per_department = queries.rates_by_department([found])[found.id]
    return _render_campaign(found, per_department, None, None, form, 422)


@bp.post("/campaigns/<int:campaign_id>/training/<int:record_id>/delete")
@permission_required(AWARENESS_EDIT)
def delete_training(campaign_id: int, record_id: int):
    found = _campaign_or_404(campaign_id)
    record = db.session.get(TrainingRecord, record_id)
    if record is None or record.campaign_id != found.id or not employees.may_see(acting_user(), record.employee):
        abort(404)
    if not DeleteForm().validate_on_submit():
        abort(400)
    with acting(services.AwarenessRuleError) as refused:
        services.delete_training(record, actor=acting_user())
    flash(f"{refused} Nothing was removed." if refused else "Training record removed.",
          "danger" if refused else "success")
    return redirect(url_for("awareness.campaign", campaign_id=found.id))


# --- a person's training record ------------------------------------------------------------------------


@bp.get("/people/<int:employee_id>")
@permission_required(AWARENESS_VIEW)
def person(employee_id: int):
    user = acting_user()
    employee = employees.get_employee_or_403(user, employee_id, AWARENESS_VIEW)
    today = local_today()
    return render_template("awareness/person.html", employee=employee, today=today,
                           lines=queries.person_lines(employee),
                           required=case_privileges.trainings_required_of(employee.id, user),
                           training_state=case_privileges.training_state)
