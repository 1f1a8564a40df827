"""Case pages: the list, opening a case, one case with its recommendation, decision, evidence,
warnings and closing. Every page starts from services.visible_cases / get_case_or_403, and
shows the employee as services.person() says the reader may see them."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from app.auth.models import Role
from app.auth.permissions import CASE_DECIDE, CASE_OPEN, CASE_STEPS, CASE_VIEW, permission_required, user_can
from app.common import uploads
from app.common.choices import department_choices
from app.common.export import Column, audited_export
from app.common.listing import Listing, all_matching, choice_arg, id_arg, requested_export
from app.common.models import RuleError
from app.common.saving import saving
from app.common.timeutil import local_today
from app.employees.services import find_by_number
from app.extensions import db
from app.policies.cases import services
from app.policies.cases.forms import CloseForm, DecisionForm, EvidenceForm, OpenCaseForm, SignatureForm, WarningForm
from app.policies.cases.models import CaseEvidence, CaseWarning, PolicyCase
from app.policies.cases.recommendation import Action, Severity

bp = Blueprint("cases", __name__, url_prefix="/cases")

STATUS_CHOICES = {"open": "Open", "closed": "Closed", "all": "All"}


def _filters():
    args = request.args
    return {"status": args.get("status") if args.get("status") in STATUS_CHOICES else "open",
            "department": id_arg(args, "department"), "severity": choice_arg(args, "severity", set(Severity)),
            "action": choice_arg(args, "action", set(Action))}


def _filtered(filters) -> sa.Select:
    statement = services.visible_cases(current_user)
    if filters["status"] != "all":
        statement = statement.where(PolicyCase.status == filters["status"])
    if filters["department"]:
        statement = statement.where(PolicyCase.department_id == filters["department"])
    if filters["severity"]:
        statement = statement.where(PolicyCase.severity == filters["severity"])
    if filters["action"]:
        statement = statement.where(sa.func.coalesce(PolicyCase.decided_action, PolicyCase.recommended_action)
                                    == filters["action"])
    return statement


SORT_COLUMNS = {"reference": PolicyCase.reference, "incident": PolicyCase.incident_on,
                "severity": sa.case({s.value: i for i, s in enumerate(Severity)}, value=PolicyCase.severity)}


def _columns() -> list[Column]:
    def who(case):
        return services.person(case.employee, current_user)

    return [
        Column("Case", lambda c: c.reference, 16),
        Column("Employee", lambda c: who(c).name, 28),
        Column("Employee number", lambda c: who(c).number or "—", 16),
        Column("Department", lambda c: c.department.code if c.department else "", 12),
        Column("Policy", lambda c: c.policy_version.policy.code, 14),
        Column("Version", lambda c: c.policy_version.number, 8),
        Column("Clause", lambda c: c.clause.reference if c.clause else "", 8),
        Column("Incident", lambda c: c.incident_on, 12),
        Column("Severity", lambda c: c.severity_enum.label, 10),
        Column("Security risk", lambda c: c.security_risk_enum.label, 10),
        Column("Recommended", lambda c: c.recommended.label, 24),
        Column("Decided", lambda c: c.decided.label if c.decided else "", 24),
        Column("Status", lambda c: c.status_enum.label, 10),
        Column("Closed", lambda c: c.closed_on, 12),
    ]


def _log_personal_view(cases: list[PolicyCase], what: str) -> None:
    """Names were shown: one audit entry naming the cases (POPIA: every view is logged)."""
    if cases and services.sees_personal_details(current_user):
        services.record_list_view(cases, what, actor=current_user)
        db.session.commit()


@bp.get("")
@permission_required(CASE_VIEW)
def index():
    filters = _filters()
    statement = _filtered(filters)
    if fmt := requested_export():
        rows = all_matching(statement, sort_columns=SORT_COLUMNS, default_sort="reference", default_direction="desc",
                            tiebreaker=PolicyCase.id)
        return audited_export(rows, _columns(), fmt, "khusela-cases", entity_type="case",
                              what="cases" + (" with personal details" if services.sees_personal_details(
                                  current_user) else " (pseudonymised)"))
    listing = Listing.from_request(statement, sort_columns=SORT_COLUMNS, default_sort="reference",
                                   default_direction="desc", tiebreaker=PolicyCase.id)
    _log_personal_view(listing.items, "Listed cases")
    return render_template(
        "cases/index.html", listing=listing, filters=filters, person=lambda e: services.person(e, current_user),
        departments=department_choices("All departments", include_inactive=True),
        choose_department=current_user.role != Role.MANAGER, may_open=user_can(current_user, CASE_OPEN),
        status_choices=STATUS_CHOICES, severity_choices={"": "Any", **{s.value: s.label for s in Severity}},
        action_choices={"": "Any", **{a.value: a.label for a in Action}},
        redacted=not services.sees_personal_details(current_user))


def _open_form() -> OpenCaseForm:
    form = OpenCaseForm()
    form.set_choices(clauses=services.citable_clauses())
    return form


@bp.route("/new", methods=["GET", "POST"])
@permission_required(CASE_OPEN)
def new():
    form = _open_form()
    if request.method == "GET":
        form.employee_number.data = request.args.get("employee", "")
        return render_template("cases/new.html", form=form), 200
    if form.validate_on_submit():
        employee = find_by_number(form.employee_number.data)
        if employee is None:
            form.employee_number.errors.append("No employee in the register has that number.")
        elif not services.may_open_for(current_user, employee):
            abort(403)  # a manager may open cases for their own department's staff only
        else:
            data = services.CaseInput(
                employee_id=employee.id, clause_id=int(form.clause_id.data), incident_on=form.incident_on.data,
                description=form.description.data, severity=form.severity.data,
                security_risk=form.security_risk.data, risk_reference=form.risk_reference.data or "",
                asset_tag=form.asset_tag.data or "")
            with saving(form, RuleError):
                sent = uploads.form_file(form.evidence.data)
                evidence = uploads.check_evidence(*sent, field="evidence") if sent else None
                case = services.open_case(data, actor=current_user, evidence=evidence,
                                          evidence_description=form.evidence_description.data or "")
                flash(f"Opened case {case.reference}. Khusela recommends: {case.recommended.label.lower()}.",
                      "success")
                return redirect(url_for("cases.detail", case_id=case.id))
    return render_template("cases/new.html", form=form), 422


# The forms the case page shows, each built fresh for the case; a module adding a step to the page
# registers its own here (and its template part in cases/detail.html). A POST that fails passes its
# form back to render_case() under the same name, errors and all.
PAGE_FORMS: dict[str, Callable[[PolicyCase], FlaskForm]] = {
    "decision_form": lambda case: DecisionForm(version=str(case.version), action=case.recommended.value),
    "evidence_form": lambda case: EvidenceForm(),
    "warning_form": lambda case: WarningForm(warning_type=_warning_type(case)),
    "signature_form": lambda case: SignatureForm(),
    "close_form": lambda case: CloseForm(version=str(case.version)),
}
# Other values a part of the page needs, by name: (case, reader) -> value.
PAGE_CONTEXT: dict[str, Callable[[PolicyCase, object], object]] = {}


def _warning_type(case: PolicyCase) -> str:
    """The kind of warning the decision calls for (a final written one when the recommendation said so)."""
    if case.decided == Action.MANAGEMENT_WARNING:
        return "management"
    return case.recommended_warning_type or "written"


def _counted_warnings(case: PolicyCase) -> list:
    """The warnings still valid on the day of the incident, while the decision is still to be made."""
    if case.decided is not None:
        return []
    return services.recommendation_for(services.CaseInput(
        employee_id=case.employee_id, clause_id=case.clause_id, incident_on=case.incident_on, description="",
        severity=case.severity, security_risk=case.security_risk)).counted


def render_case(case: PolicyCase, status: int = 200, **failed: FlaskForm):
    viewed = services.sees_personal_details(current_user) and request.method == "GET"
    if viewed:
        services.record_view(case, actor=current_user)
    forms = {name: failed.get(name) or make(case) for name, make in PAGE_FORMS.items()}
    context = {name: provide(case, current_user) for name, provide in PAGE_CONTEXT.items()}
    page = render_template(
        "cases/detail.html", case=case, today=local_today(), who=services.person(case.employee, current_user),
        counted=_counted_warnings(case), similar=services.similar_cases(case, current_user),
        may_decide=user_can(current_user, CASE_DECIDE), may_act=user_can(current_user, CASE_STEPS),
        validity=services.validity_months, **forms, **context)
    if viewed:
        db.session.commit()
    return page, status


@bp.get("/<int:case_id>")
@permission_required(CASE_VIEW)
def detail(case_id: int):
    return render_case(services.get_case_or_403(current_user, case_id, CASE_VIEW))


@bp.post("/<int:case_id>/decision")
@permission_required(CASE_DECIDE)
def decide(case_id: int):
    case = services.get_case_or_403(current_user, case_id, CASE_DECIDE)
    form = DecisionForm()
    if form.validate_on_submit():
        with saving(form, services.CaseRuleError, stale_url=url_for("cases.detail", case_id=case.id)):
            services.decide(case, form.action.data, form.reason.data or "", expected_version=form.version.data,
                            actor=current_user)
            flash(f"Decided: {case.decided.label.lower()}.", "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    return render_case(case, 422, decision_form=form)


@bp.post("/<int:case_id>/evidence")
@permission_required(CASE_STEPS)
def add_evidence(case_id: int):
    case = services.get_case_or_403(current_user, case_id, CASE_STEPS)
    form = EvidenceForm()
    if form.validate_on_submit():
        with saving(form, RuleError):
            sent = uploads.form_file(form.file.data)
            if sent is None:
                raise RuleError("Choose the file to add.", "file")
            services.add_evidence(case, uploads.check_evidence(*sent), form.description.data or "",
                                  actor=current_user)
            flash(f"Added {sent[0]} to the case.", "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    return render_case(case, 422, evidence_form=form)


@bp.get("/<int:case_id>/evidence/<int:evidence_id>")
@permission_required(CASE_VIEW)
def download_evidence(case_id: int, evidence_id: int):
    case, evidence = services.get_case_part_or_403(current_user, case_id, CaseEvidence, evidence_id, CASE_VIEW)
    path = uploads.stored_path(evidence.sha256)
    if not path.is_file():
        abort(404)
    services.record_evidence_download(case, evidence, actor=current_user)
    db.session.commit()
    return send_file(path, mimetype=evidence.media_type, as_attachment=True, download_name=evidence.original_name)


@bp.post("/<int:case_id>/warnings")
@permission_required(CASE_STEPS)
def give_warning(case_id: int):
    case = services.get_case_or_403(current_user, case_id, CASE_STEPS)
    form = WarningForm()
    if form.validate_on_submit():
        with saving(form, services.CaseRuleError):
            warning = services.give_warning(case, services.WarningInput(
                warning_type=form.warning_type.data, wording=form.wording.data, issued_on=form.issued_on.data),
                actor=current_user)
            flash(f"{warning.type_enum.label} recorded, valid until {warning.valid_until.isoformat()}.", "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    return render_case(case, 422, warning_form=form)


@bp.post("/<int:case_id>/warnings/<int:warning_id>/signature")
@permission_required(CASE_STEPS)
def record_signature(case_id: int, warning_id: int):
    case, warning = services.get_case_part_or_403(current_user, case_id, CaseWarning, warning_id, CASE_STEPS)
    form = SignatureForm()
    if form.validate_on_submit():
        with saving(form, services.CaseRuleError):
            services.record_signature(case, warning.id, acknowledged_on=form.acknowledged_on.data,
                                      refused=form.refused.data, witness_name=form.witness_name.data or "",
                                      actor=current_user)
            flash("The employee's signature is on record." if not form.refused.data else
                  "The refusal to sign and its witness are on record.", "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    return render_case(case, 422, signature_form=form)


@bp.post("/<int:case_id>/close")
@permission_required(CASE_DECIDE)
def close(case_id: int):
    case = services.get_case_or_403(current_user, case_id, CASE_DECIDE)
    form = CloseForm()
    if form.validate_on_submit():
        with saving(form, services.CaseRuleError, stale_url=url_for("cases.detail", case_id=case.id)):
            services.close_case(case, form.outcome.data, expected_version=form.version.data, actor=current_user)
            flash(f"Closed case {case.reference}.", "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    return render_case(case, 422, close_form=form)


from app.policies.cases import document_views  # noqa: E402,F401,I001  (routes register on bp)
from app.policies.cases import retention_views  # noqa: E402,F401,I001  (routes register on bp)
from app.policies.cases import privilege_views  # noqa: E402,F401,I001  (routes register on bp)
from app.policies.cases import disciplinary_views  # noqa: E402,F401,I001  (routes register on bp)
