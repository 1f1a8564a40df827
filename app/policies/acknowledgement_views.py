"""The acknowledgement register of the version in force: who acknowledged it and who has not yet,
by department, with export; acknowledging it oneself; recording signed paper sheets.

Managers see their own department's staff only; auditors see pseudonyms, not names or numbers."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from app.auth.models import Role
from app.auth.permissions import (
    POLICY_ACKNOWLEDGEMENTS,
    POLICY_RECORD_ACKNOWLEDGEMENTS,
    POLICY_VIEW,
    permission_required,
    user_can,
)
from app.common import uploads
from app.common.choices import department_choices
from app.common.export import Column, audited_export
from app.common.listing import Listing, all_matching, id_arg, requested_export
from app.common.models import RuleError
from app.common.privacy import pseudonym
from app.common.saving import acting, saving
from app.employees.models import Employee
from app.extensions import db
from app.policies import services
from app.policies.forms import RecordAcknowledgementsForm, StepForm
from app.policies.models import Policy, PolicyAcknowledgement, PolicyState
from app.policies.policy_views import policy_or_404, render_version, version_or_404
from app.policies.views import bp

SHOW_ACKNOWLEDGED, SHOW_OUTSTANDING = "acknowledged", "outstanding"


@bp.post("/<int:policy_id>/versions/<int:version_id>/acknowledge")
@permission_required(POLICY_VIEW)
def acknowledge(policy_id: int, version_id: int):
    policy = policy_or_404(policy_id)
    version = version_or_404(policy, version_id)
    form = StepForm()
    if form.validate_on_submit():
        with acting(services.PolicyRuleError) as refused:
            services.acknowledge_own(version, current_user)
        if refused:
            flash(str(refused), "danger")
            return render_version(policy, version, 422)
        flash(f"Thank you: your acknowledgement of {version} is recorded.", "success")
    return redirect(url_for("policies.version", policy_id=policy.id, version_id=version.id))


def _in_force_or_404(policy: Policy):
    version = policy.current
    if version is None:
        abort(404)
    return version


def _register_version(policy: Policy):
    """The version whose register is asked for (?version=id, one that was in force), else the one in force."""
    wanted = id_arg(request.args, "version")
    if wanted is None:
        return _in_force_or_404(policy)
    version = next((v for v in policy.versions if v.id == wanted), None)
    if version is None or version.state_enum not in (PolicyState.APPROVED, PolicyState.SUPERSEDED):
        abort(404)
    return version


def _redacted() -> bool:
    return current_user.role == Role.AUDITOR


def _department_scope() -> tuple[int | None, bool]:
    """(department to show, whether the reader may choose another): a manager sees their own."""
    if current_user.role == Role.MANAGER:
        return current_user.department_id or -1, False
    return id_arg(request.args, "department"), True


def _register(policy: Policy) -> str:
    """The pseudonyms' register: each policy's acknowledgements have their own (not the cases')."""
    return f"acknowledgements:{policy.id}"


def _person(policy: Policy, employee: Employee) -> dict[str, str]:
    if _redacted():
        return {"name": pseudonym(employee.id, _register(policy)), "number": "—"}
    return {"name": employee.full_name, "number": employee.number}


def _columns(policy: Policy, show: str) -> list[Column]:
    def employee_of(row):
        return row[1] if show == SHOW_ACKNOWLEDGED else row

    columns = [Column("Employee", lambda row: _person(policy, employee_of(row))["name"], 28)]
    if not _redacted():
        # Department and position beside a pseudonym would single most people out (POPIA: an
        # auditor's register names nobody, directly or by what is shown next to the pseudonym).
        columns += [
            Column("Employee number", lambda row: employee_of(row).number, 16),
            Column("Department", lambda row: employee_of(row).department.code if employee_of(row).department else "",
                   12),
            Column("Position", lambda row: employee_of(row).position, 28),
        ]
    if show == SHOW_ACKNOWLEDGED:
        columns += [Column("Acknowledged on", lambda row: row[0].acknowledged_on, 14),
                    Column("How", lambda row: services.AcknowledgementMethod(row[0].method).label, 16),
                    # The hash, not the file: it matches the sheet HR shows an auditor, and names nobody.
                    Column("Signed sheet (SHA-256)", lambda row: row[0].sheet.sha256 if row[0].sheet else "", 20)]
    return columns


@bp.get("/<int:policy_id>/acknowledgements")
@permission_required(POLICY_ACKNOWLEDGEMENTS)
def acknowledgements(policy_id: int):
    policy = policy_or_404(policy_id)
    version = _register_version(policy)
    # Who has not yet acknowledged is a question about the version in force only.
    in_force = version.state_enum == PolicyState.APPROVED
    show = SHOW_OUTSTANDING if request.args.get("show") == SHOW_OUTSTANDING and in_force else SHOW_ACKNOWLEDGED
    department_id, may_choose = _department_scope()
    if show == SHOW_ACKNOWLEDGED:
        statement = services.acknowledged_select(version)
        sort_columns = {"name": Employee.full_name, "number": Employee.number,
                        "date": PolicyAcknowledgement.acknowledged_on}
        scalars = False
    else:
        statement = services.not_acknowledged_select(version)
        sort_columns = {"name": Employee.full_name, "number": Employee.number}
        scalars = True
    if department_id is not None:
        statement = statement.where(Employee.department_id == department_id)
    if _redacted():  # sorting by a hidden name would leak its order
        sort_columns = {"number": Employee.id} | ({"date": PolicyAcknowledgement.acknowledged_on}
                                                  if show == SHOW_ACKNOWLEDGED else {})
    default_sort = next(iter(sort_columns))
    if fmt := requested_export():
        rows = all_matching(statement, sort_columns=sort_columns, default_sort=default_sort, tiebreaker=Employee.id,
                            scalars=scalars)
        return audited_export(rows, _columns(policy, show), fmt, f"khusela-{policy.code}-{version.number}-{show}",
                              entity_type="policy", what=f"{show} employees of {version}")
    listing = Listing.from_request(statement, sort_columns=sort_columns, default_sort=default_sort,
                                   tiebreaker=Employee.id, scalars=scalars)
    return render_template(
        "policies/acknowledgements.html", policy=policy, shown=version, listing=listing, show=show,
        coverage=services.coverage(version, department_id), department_id=department_id, may_choose=may_choose,
        departments=department_choices("All departments", include_inactive=True),
        person=lambda employee: _person(policy, employee),
        redacted=_redacted(), may_record=user_can(current_user, POLICY_RECORD_ACKNOWLEDGEMENTS),
        employee_rows=show == SHOW_OUTSTANDING)


@bp.route("/<int:policy_id>/acknowledgements/record", methods=["GET", "POST"])
@permission_required(POLICY_RECORD_ACKNOWLEDGEMENTS)
def record_acknowledgements(policy_id: int):
    policy = policy_or_404(policy_id)
    version = _in_force_or_404(policy)
    form = RecordAcknowledgementsForm()
    if request.method == "POST" and form.validate_on_submit():
        with saving(form, RuleError):
            sent = uploads.form_file(form.sheet.data)
            sheet = uploads.check_evidence(*sent, field="sheet") if sent else None
            result = services.record_acknowledgements(version, form.numbers(), on=form.acknowledged_on.data,
                                                      actor=current_user, sheet=sheet)
            added = len(result.added)
            message = f"Recorded {added} acknowledgement{'s' if added != 1 else ''} of {version}."
            if result.already:
                message += f" Already on record: {', '.join(result.already[:20])}."
            flash(message, "success")
            return redirect(url_for("policies.acknowledgements", policy_id=policy.id))
    status = 422 if request.method == "POST" else 200
    return render_template("policies/record_acknowledgements.html", policy=policy, shown=version, form=form), status


@bp.get("/<int:policy_id>/acknowledgements/sheets/<int:sheet_id>/download")
@permission_required(POLICY_RECORD_ACKNOWLEDGEMENTS)
def acknowledgement_sheet(policy_id: int, sheet_id: int):
    """A scanned signed sheet: for the roles that record them and see every name in the register
    (not managers, whose register is their department's, nor auditors, who see pseudonyms)."""
    policy = policy_or_404(policy_id)
    sheet = services.sheet_of(policy, sheet_id)
    if sheet is None:
        abort(404)
    path = uploads.stored_path(sheet.sha256)
    if not path.is_file():
        abort(404)
    services.record_sheet_download(sheet, actor=current_user)
    db.session.commit()
    return send_file(path, mimetype=sheet.media_type, as_attachment=True, download_name=sheet.original_name)
