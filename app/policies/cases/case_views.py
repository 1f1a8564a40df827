"""One case's pages: opening a case, the case page with its recommendation, and the decision,
evidence, warnings, signatures and closing. Every page starts from services.get_case_or_403 and
shows the employee as services.person() says the reader may see them.

render_case() draws the case page from PAGE_FORMS and PAGE_CONTEXT, which the other modules adding
steps to it (disciplinary_views.py, privilege_views.py) extend."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from app.auth.permissions import (
    CASE_DECIDE,
    CASE_OPEN,
    CASE_RELEASE,
    CASE_STEPS,
    CASE_VIEW,
    permission_required,
    user_can,
)
from app.common import uploads
from app.common.models import RuleError
from app.common.saving import acting, saving
from app.common.timeutil import local_today
from app.employees.services import find_by_number
from app.extensions import db
from app.policies.cases import privacy, redaction, services
from app.policies.cases.forms import (
    CloseForm,
    CodeTransitionForm,
    DecisionForm,
    EvidenceForm,
    MarkingForm,
    OpenCaseForm,
    ReleaseForm,
    SignatureForm,
    WarningForm,
)
from app.policies.cases.models import CaseEvidence, CaseWarning, PolicyCase
from app.policies.cases.recommendation import Action
from app.policies.cases.views import bp


def _open_form() -> OpenCaseForm:
    form = OpenCaseForm()
    form.set_choices(clauses=services.citable_clauses())
    return form


def _render_new(form: OpenCaseForm, status: int):
    """The form to open a case, with the employee search (?find=): it works without JavaScript, and
    cases-employee-search.js offers the same matches as the number is typed."""
    find = (request.args.get("find") or "").strip()[:100]
    found = services.employees_to_open_for(current_user, find) if find else []
    return render_template("cases/new.html", form=form, find=find, found=found,
                           search_limit=services.EMPLOYEE_SEARCH_LIMIT), status


@bp.get("/employees")
@permission_required(CASE_OPEN)
def employee_search():
    """Employees the reader may open a case for, by part of the name or number (JSON, for the form)."""
    found = services.employees_to_open_for(current_user, request.args.get("q") or "")
    return jsonify([{"number": e.number, "name": e.full_name, "position": e.position,
                     "department": e.department.code if e.department else ""} for e in found])


@bp.route("/new", methods=["GET", "POST"])
@permission_required(CASE_OPEN)
def new():
    form = _open_form()
    if request.method == "GET":
        form.employee_number.data = request.args.get("employee", "")
        form.reported_on.data = local_today()
        return _render_new(form, 200)
    if form.validate_on_submit():
        employee = find_by_number(form.employee_number.data)
        if employee is None:
            form.employee_number.errors.append("No employee in the register has that number.")
        elif not services.may_open_for(current_user, employee):
            # The form stays, and says no more about the employee than the number typed.
            form.employee_number.errors.append(f"Employee {employee.number} is not in your department; ask HR to "
                                               "open this case.")
        else:
            data = services.CaseInput(
                employee_id=employee.id, clause_id=int(form.clause_id.data), incident_on=form.incident_on.data,
                description=form.description.data, severity=form.severity.data,
                security_risk=form.security_risk.data, risk_reference=form.risk_reference.data or "",
                asset_tag=form.asset_tag.data or "", special_categories=tuple(form.special_categories.data or ()),
                reported_on=form.reported_on.data)
            with saving(form, RuleError):
                sent = uploads.form_file(form.evidence.data)
                evidence = uploads.check_evidence(*sent, field="evidence") if sent else None
                case = services.open_case(data, actor=current_user, evidence=evidence,
                                          evidence_description=form.evidence_description.data or "")
                flash(f"Opened case {case.reference}. Khusela recommends: {case.recommended.label.lower()}.",
                      "success")
                return redirect(url_for("cases.detail", case_id=case.id))
    return _render_new(form, 422)


# The forms the case page shows, each built fresh for the case; a module adding a step to the page
# registers its own here (and its template part in cases/detail.html). A POST that fails passes its
# form back to render_case() under the same name, errors and all.
def _marking_form(case: PolicyCase, formdata=None) -> MarkingForm:
    """The case's marking as it stands (formdata=None: another form's POST must not untick the boxes)."""
    form = MarkingForm(formdata=formdata, version=str(case.version), classification=case.classification,
                       special_categories=[category.value for category in case.special_categories])
    form.set_choices(services.classification_choices())
    return form


PAGE_FORMS: dict[str, Callable[[PolicyCase], FlaskForm]] = {
    "decision_form": lambda case: DecisionForm(version=str(case.version), action=case.recommended.value,
                                               decided_on=local_today()),
    "evidence_form": lambda case: EvidenceForm(),
    "warning_form": lambda case: WarningForm(warning_type=_warning_type(case)),
    "signature_form": lambda case: SignatureForm(),
    "close_form": lambda case: CloseForm(version=str(case.version)),
    "marking_form": _marking_form,
    "release_form": lambda case: ReleaseForm(),
    "code_transition_form": lambda case: CodeTransitionForm(),
}
# Other values a part of the page needs, by name: (case, reader) -> value.
PAGE_CONTEXT: dict[str, Callable[[PolicyCase, object], object]] = {
    "codes": lambda case, user: services.code_summary(case),
}


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
        # The template reads the case as this reader may see it (redaction.shown: names and free text).
        "cases/detail.html", case=redaction.shown(case, current_user), today=local_today(),
        who=services.person(case.employee, current_user),
        counted=_counted_warnings(case), similar=services.similar_cases(case, current_user),
        may_decide=user_can(current_user, CASE_DECIDE), may_act=user_can(current_user, CASE_STEPS),
        may_release=user_can(current_user, CASE_RELEASE), evidence_shown=privacy.evidence_shown(case, current_user),
        sees_special=services.sees_personal_details(current_user),
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
                            decided_on=form.decided_on.data, actor=current_user)
            assert case.decided is not None  # decide() records the action, or raises
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
    if not privacy.evidence_shown(case, current_user):
        abort(403)  # withheld from readers who see the case under a pseudonym, unless HR released it
    path = uploads.stored_path(evidence.sha256)
    if not path.is_file():
        abort(404)
    services.record_evidence_download(case, evidence, actor=current_user)
    db.session.commit()
    files = redaction.shown(case, current_user).evidence  # the file names as this reader may read them
    shown_name = next(item.original_name for item in files if item.id == evidence.id)
    return send_file(path, mimetype=evidence.media_type, as_attachment=True, download_name=shown_name)


@bp.post("/<int:case_id>/marking")
@permission_required(CASE_STEPS)
def mark(case_id: int):
    """The case file's classification and special personal information (POPIA s26)."""
    case = services.get_case_or_403(current_user, case_id, CASE_STEPS)
    form = _marking_form(case, formdata=request.form)
    if form.validate_on_submit():
        with saving(form, services.CaseRuleError, stale_url=url_for("cases.detail", case_id=case.id)):
            changes = privacy.mark_case(case, form.classification.data, form.special_categories.data or [],
                                        expected_version=form.version.data, actor=current_user)
            flash(f"Case {case.reference} is marked {case.classification}." if changes else "Nothing changed.",
                  "success" if changes else "info")
            return redirect(url_for("cases.detail", case_id=case.id))
    return render_case(case, 422, marking_form=form)


@bp.post("/<int:case_id>/evidence/release")
@permission_required(CASE_RELEASE)
def release_evidence(case_id: int):
    case = services.get_case_or_403(current_user, case_id, CASE_RELEASE)
    form = ReleaseForm()
    if form.validate_on_submit():
        with saving(form, services.CaseRuleError):
            privacy.release_evidence(case, form.reason.data or "", actor=current_user)
            flash(f"The files of case {case.reference} are released to auditors, names included: withhold them again "
                  "when the audit is done.", "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    return render_case(case, 422, release_form=form)


@bp.post("/<int:case_id>/evidence/withhold")
@permission_required(CASE_RELEASE)
def withhold_evidence(case_id: int):
    case = services.get_case_or_403(current_user, case_id, CASE_RELEASE)
    form = ReleaseForm()
    if form.validate_on_submit():
        with acting(services.CaseRuleError) as refused:
            privacy.withhold_evidence(case, actor=current_user)
        flash(str(refused) if refused else f"The files of case {case.reference} are withheld from auditors again.",
              "danger" if refused else "success")
    return redirect(url_for("cases.detail", case_id=case.id))


@bp.post("/<int:case_id>/warnings")
@permission_required(CASE_STEPS)
def give_warning(case_id: int):
    case = services.get_case_or_403(current_user, case_id, CASE_STEPS)
    form = WarningForm()
    if form.validate_on_submit():
        with saving(form, services.CaseRuleError):
            warning = services.give_warning(case, services.WarningInput(
                warning_type=form.warning_type.data, wording=form.wording.data, issued_on=form.issued_on.data),
                override_reason=form.override_reason.data or "", actor=current_user)
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


@bp.post("/<int:case_id>/code-transition")
@permission_required(CASE_STEPS)
def record_code_transition(case_id: int):
    """HR's reason why a case spanning 4 September 2025 is fair under Schedule 8 and the 2025 Code."""
    case = services.get_case_or_403(current_user, case_id, CASE_STEPS)
    form = CodeTransitionForm()
    if form.validate_on_submit():
        with saving(form, services.CaseRuleError):
            services.record_code_transition(case, form.override_reason.data, actor=current_user)
            flash("The reason for the case spanning both codes is on record.", "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    return render_case(case, 422, code_transition_form=form)
