"""One employee: their page, a new employee, editing and deleting. Every page goes through
services.get_employee_or_403, and every page showing personal details is in the audit log."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import CASE_VIEW, EMPLOYEE_EDIT, EMPLOYEE_VIEW, permission_required, user_can
from app.common.choices import department_choices
from app.common.saving import saving, show_problems
from app.employees import services
from app.employees.forms import DeleteEmployeeForm, EmployeeForm
from app.employees.models import Employee
from app.employees.views import bp
from app.extensions import db
from app.policies import services as policy_services
from app.policies.cases import services as case_services
from app.policies.cases.models import PolicyCase

# The form asks for the manager's employee number; the service names the manager by id.
FORM_FIELDS = {"manager_id": "manager_number"}


@bp.get("/<int:employee_id>")
@permission_required(EMPLOYEE_VIEW)
def detail(employee_id: int):
    employee = services.get_employee_or_403(current_user, employee_id, EMPLOYEE_VIEW)
    reports, reports_not_shown = services.direct_reports(employee, current_user)
    page = render_template(
        "employees/detail.html", employee=employee, reports=reports, reports_not_shown=reports_not_shown,
        manager_visible=services.may_see(current_user, employee.manager),
        may_edit=user_can(current_user, EMPLOYEE_EDIT), acknowledgements=policy_services.acknowledgements_of(employee),
        cases=_cases_shown(employee))
    services.record_view(employee, actor=current_user)
    db.session.commit()
    return page


def _cases_shown(employee: Employee) -> list | None:
    """The employee's cases, to those who see cases with personal details (None to others: linking
    this named person to pseudonymised cases would undo the pseudonym)."""
    if not user_can(current_user, CASE_VIEW) or not case_services.sees_personal_details(current_user):
        return None
    statement = case_services.visible_cases(current_user).where(PolicyCase.employee_id == employee.id)
    return list(db.session.scalars(statement.order_by(PolicyCase.incident_on.desc())))


# --- new and edit --------------------------------------------------------------------------------


def _form(employee: Employee | None = None) -> EmployeeForm:
    form = EmployeeForm(obj=employee if request.method == "GET" else None)
    form.department_id.choices = department_choices("None", keep_id=employee.department_id if employee else None)
    return form


def _fill(form: EmployeeForm, employee: Employee) -> None:
    form.version.data = str(employee.version)
    form.department_id.data = str(employee.department_id) if employee.department_id else ""
    form.manager_number.data = employee.manager.number if employee.manager else ""
    form.email.data = employee.email or ""


def _input(form: EmployeeForm) -> services.EmployeeInput | None:
    """The form as the service's input; None (with the message at the field) for an unknown manager."""
    manager_id = None
    if form.manager_number.data:
        manager = services.find_by_number(form.manager_number.data)
        if manager is None:
            show_problems(form, [("manager_number", f"No employee has the number {form.manager_number.data}: give "
                                                    "the manager's employee number as the register has it.")])
            return None
        manager_id = manager.id
    return services.EmployeeInput(
        number=form.number.data or "", full_name=form.full_name.data or "",
        department_id=int(form.department_id.data) if form.department_id.data else None,
        position=form.position.data or "", manager_id=manager_id, email=form.email.data or "",
        phone=form.phone.data or "", language=form.language.data or "", status=form.status.data)


def _render_form(form: EmployeeForm, employee: Employee | None, status: int = 200):
    return render_template("employees/form.html", form=form, employee=employee,
                           languages=services.LANGUAGES), status


@bp.route("/new", methods=["GET", "POST"])
@permission_required(EMPLOYEE_EDIT)
def new():
    form = _form()
    if request.method == "GET":
        return _render_form(form, None)
    if form.validate_on_submit() and (data := _input(form)) is not None:
        with saving(form, services.EmployeeRuleError, fields=FORM_FIELDS):
            employee = services.create_employee(data, actor=current_user)
            flash(f"Added {employee}." + (" Linked to the Khusela account with the same e-mail."
                                          if employee.user_id else ""), "success")
            return redirect(url_for("employees.detail", employee_id=employee.id))
    return _render_form(form, None, 422)


@bp.route("/<int:employee_id>/edit", methods=["GET", "POST"])
@permission_required(EMPLOYEE_EDIT)
def edit(employee_id: int):
    employee = services.get_employee_or_403(current_user, employee_id, EMPLOYEE_EDIT)
    form = _form(employee)
    if request.method == "GET":
        _fill(form, employee)
        page = _render_form(form, employee)
        services.record_view(employee, actor=current_user)  # the form shows the e-mail and phone
        db.session.commit()
        return page
    if form.validate_on_submit() and (data := _input(form)) is not None:
        with saving(form, services.EmployeeRuleError, fields=FORM_FIELDS,
                    stale_url=url_for("employees.edit", employee_id=employee.id)):
            changes = services.update_employee(employee, data, expected_version=form.version.data,
                                               actor=current_user)
            flash(f"Saved {employee}." if changes else "Nothing changed.", "success" if changes else "info")
            return redirect(url_for("employees.detail", employee_id=employee.id))
    return _render_form(form, employee, 422)


@bp.route("/<int:employee_id>/delete", methods=["GET", "POST"])
@permission_required(EMPLOYEE_EDIT)
def delete(employee_id: int):
    employee = services.get_employee_or_403(current_user, employee_id, EMPLOYEE_EDIT)
    form = DeleteEmployeeForm()
    if request.method == "GET":
        form.version.data = str(employee.version)
    elif form.validate_on_submit():
        label = str(employee)
        with saving(form, services.EmployeeRuleError, stale_url=url_for("employees.detail", employee_id=employee.id)):
            services.delete_employee(employee, expected_version=form.version.data, actor=current_user)
            flash(f"Deleted {label}. The audit log keeps what the record held.", "success")
            return redirect(url_for("employees.index"))
    status = 422 if request.method == "POST" else 200
    return render_template("employees/delete.html", employee=employee, form=form,
                           references=services.references_to(employee)), status
