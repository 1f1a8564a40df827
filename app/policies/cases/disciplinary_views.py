"""The case page's "Disciplinary procedure" steps (cases/_disciplinary.html): investigation,
precautionary suspension (and lifting it), the union question, allegations, notice, hearing,
findings, sanction, written outcome, appeal. The rules and the fairness checks are in
disciplinary.py; a step that a check warns about comes back with the warnings next to the reason
field."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from app.auth.permissions import CASE_STEPS, permission_required
from app.common import uploads
from app.common.models import RuleError
from app.common.saving import saving
from app.common.timeutil import local_today
from app.policies.cases import disciplinary, referral, services
from app.policies.cases.case_views import PAGE_CONTEXT, PAGE_FORMS, render_case
from app.policies.cases.codes import CODE_2025_STARTS, GoverningCode, code_in_force
from app.policies.cases.disciplinary import HearingInput, NoticeInput, SanctionInput, SuspensionInput, UnionInput
from app.policies.cases.fairness import CHECK_LABELS
from app.policies.cases.forms import (
    AllegationForm,
    AppealForm,
    AppealOutcomeForm,
    FindingForm,
    HearingForm,
    InvestigationDoneForm,
    InvestigationForm,
    NoticeForm,
    NoticeTranslationForm,
    OutcomeForm,
    SanctionForm,
    SuspensionEndForm,
    SuspensionForm,
    UnionForm,
)
from app.policies.cases.models import CaseAllegation, CaseHearingNotice, PolicyCase
from app.policies.cases.recommendation import Action
from app.policies.cases.services import CaseRuleError
from app.policies.cases.views import bp

# Each form has its own prefix: several are on the page at once, and their field ids must differ.
PREFIXES = {InvestigationForm: "investigation", InvestigationDoneForm: "investigation-done",
            SuspensionForm: "suspension", AllegationForm: "allegation", NoticeForm: "notice", HearingForm: "hearing",
            SanctionForm: "sanction", OutcomeForm: "outcome", AppealForm: "appeal",
            AppealOutcomeForm: "appeal-outcome", SuspensionEndForm: "suspension-end", UnionForm: "union",
            NoticeTranslationForm: "translation"}


def _form(form_class, **data):
    return form_class(prefix=PREFIXES[form_class], **data)


def _finding_forms(case: PolicyCase) -> dict[int, FindingForm]:
    """One form per allegation, each with its own field ids."""
    return {a.id: FindingForm(prefix=f"allegation-{a.id}") for a in case.allegations}


def _procedure(case: PolicyCase, user) -> dict | None:
    if case.decided != Action.DISCIPLINARY:
        return None
    return {"next": disciplinary.next_step(case), "warnings": disciplinary.open_warnings(case),
            "notice_days": disciplinary.notice_days(), "check_labels": CHECK_LABELS,
            # The sanction's factors follow the code in force on its date: the 2025 Code's are asked
            # whenever the sanction can be dated on or after 4 September 2025 (from the hearing to today).
            "code_2025": code_in_force(local_today()) == GoverningCode.CODE_2025,
            "code_2025_starts": CODE_2025_STARTS, "suspension_days": disciplinary.suspension_limit_days(),
            "referral": disciplinary.final_referral(case),
            "first_referral": disciplinary.first_referral(case.sanction) if case.sanction else None,
            "final_sanction": disciplinary.final_sanction(case),
            "valid_warnings": disciplinary.warnings_valid_at_incident(case) if case.sanction is None else []}


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _chosen(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def _union_form(case: PolicyCase) -> UnionForm:
    """Opened with the answer on record, to correct it or add the union's consultation."""
    union = case.union_consultation
    if union is None:
        return _form(UnionForm)
    return _form(UnionForm, union_representative=_yes_no(union.union_representative), union_name=union.union_name,
                 informed_on=union.informed_on, informed_whom=union.informed_whom, notes=union.notes)


def _outcome_form(case: PolicyCase) -> OutcomeForm:
    """Its referral sentence follows the sanction: 30 days for a dismissal, 90 for another sanction."""
    form = _form(OutcomeForm)
    period = referral.period_for(case.sanction.sanction if case.sanction else None)
    if period is not None:
        form.referral_notice_given.label.text = (
            "It tells the employee of the right to refer a dispute to the bargaining council or the CCMA within "
            f"{period.days} days ({period.dispute})")
    return form


PAGE_FORMS.update({
    "investigation_form": lambda case: _form(InvestigationForm),
    "investigation_done_form": lambda case: _form(InvestigationDoneForm),
    "suspension_form": lambda case: _form(SuspensionForm),
    "allegation_form": lambda case: _form(AllegationForm),
    "notice_form": lambda case: _form(NoticeForm, language=case.employee.language or "",
                                      **disciplinary.issuer_of(current_user)),
    "translation_form": lambda case: _form(NoticeTranslationForm),
    "hearing_form": lambda case: _form(HearingForm, chair=case.notices[-1].chair if case.notices else ""),
    "finding_forms": _finding_forms,
    "sanction_form": lambda case: _form(SanctionForm),
    "outcome_form": _outcome_form,
    "union_form": _union_form,
    "suspension_end_form": lambda case: _form(SuspensionEndForm),
    "appeal_form": lambda case: _form(AppealForm),
    "appeal_outcome_form": lambda case: _form(AppealOutcomeForm),
})
PAGE_CONTEXT.update({"procedure": _procedure})


def _back(case: PolicyCase):
    return redirect(url_for("cases.detail", case_id=case.id, _anchor="disciplinary-heading"))


@bp.post("/<int:case_id>/disciplinary/investigation")
@permission_required(CASE_STEPS)
def start_investigation(case_id: int):
    case = services.get_case_or_403(current_user, case_id, CASE_STEPS)
    form = _form(InvestigationForm)
    if form.validate_on_submit():
        with saving(form, CaseRuleError):
            disciplinary.record_investigation(case, investigator=form.investigator.data,
                                              started_on=form.started_on.data,
                                              override_reason=form.override_reason.data or "", actor=current_user)
            flash("Investigation recorded.", "success")
            return _back(case)
    return render_case(case, 422, investigation_form=form)


@bp.post("/<int:case_id>/disciplinary/investigation/completion")
@permission_required(CASE_STEPS)
def complete_investigation(case_id: int):
    case = services.get_case_or_403(current_user, case_id, CASE_STEPS)
    form = _form(InvestigationDoneForm)
    if form.validate_on_submit():
        with saving(form, CaseRuleError):
            disciplinary.complete_investigation(case, completed_on=form.completed_on.data,
                                                findings=form.findings.data, actor=current_user)
            flash("Investigation completed: add the allegations and issue the notice of the hearing.", "success")
            return _back(case)
    return render_case(case, 422, investigation_done_form=form)


@bp.post("/<int:case_id>/disciplinary/suspensions")
@permission_required(CASE_STEPS)
def record_suspension(case_id: int):
    case = services.get_case_or_403(current_user, case_id, CASE_STEPS)
    form = _form(SuspensionForm)
    if form.validate_on_submit():
        with saving(form, CaseRuleError):
            disciplinary.record_suspension(case, SuspensionInput(
                starts_on=form.starts_on.data, ends_on=form.ends_on.data, review_on=form.review_on.data,
                with_pay=form.with_pay.data, reasons=form.reasons.data),
                override_reason=form.override_reason.data or "", actor=current_user)
            flash("Precautionary suspension (on full pay) recorded.", "success")
            return _back(case)
    return render_case(case, 422, suspension_form=form)


@bp.post("/<int:case_id>/disciplinary/suspension/lifting")
@permission_required(CASE_STEPS)
def lift_suspension(case_id: int):
    case = services.get_case_or_403(current_user, case_id, CASE_STEPS)
    form = _form(SuspensionEndForm)
    if form.validate_on_submit():
        with saving(form, CaseRuleError):
            suspension = disciplinary.lift_suspension(case, lifted_on=form.lifted_on.data, actor=current_user)
            flash(f"Precautionary suspension lifted on {suspension.ends_on}.", "success")  # str(date): ISO
            return _back(case)
    return render_case(case, 422, suspension_end_form=form)


@bp.post("/<int:case_id>/disciplinary/union")
@permission_required(CASE_STEPS)
def record_union_status(case_id: int):
    case = services.get_case_or_403(current_user, case_id, CASE_STEPS)
    form = _form(UnionForm)
    if form.validate_on_submit():
        with saving(form, CaseRuleError):
            union = disciplinary.record_union_status(case, UnionInput(
                union_representative=_chosen(form.union_representative.data),
                union_name=form.union_name.data or "", informed_on=form.informed_on.data,
                informed_whom=form.informed_whom.data or "", notes=form.notes.data or ""), actor=current_user)
            flash("Union answer recorded." if union.consulted else
                  "Union answer recorded: inform and consult the union before the notice of the hearing.", "success")
            return _back(case)
    return render_case(case, 422, union_form=form)


@bp.post("/<int:case_id>/disciplinary/allegations")
@permission_required(CASE_STEPS)
def add_allegation(case_id: int):
    case = services.get_case_or_403(current_user, case_id, CASE_STEPS)
    form = _form(AllegationForm)
    if form.validate_on_submit():
        with saving(form, CaseRuleError):
            allegation = disciplinary.add_allegation(case, form.text.data, actor=current_user)
            flash(f"Allegation {allegation.position} added.", "success")
            return _back(case)
    return render_case(case, 422, allegation_form=form)


@bp.post("/<int:case_id>/disciplinary/allegations/<int:allegation_id>/removal")
@permission_required(CASE_STEPS)
def remove_allegation(case_id: int, allegation_id: int):
    case, allegation = services.get_case_part_or_403(current_user, case_id, CaseAllegation, allegation_id, CASE_STEPS)
    form = _form(AllegationForm)  # for its CSRF token and to show a refusal
    if FlaskForm().validate_on_submit():
        with saving(form, CaseRuleError):
            disciplinary.remove_allegation(case, allegation.id, actor=current_user)
            flash("Allegation removed.", "success")
            return _back(case)
        return render_case(case, 422, allegation_form=form)
    abort(400)


@bp.post("/<int:case_id>/disciplinary/notices")
@permission_required(CASE_STEPS)
def issue_notice(case_id: int):
    case = services.get_case_or_403(current_user, case_id, CASE_STEPS)
    form = _form(NoticeForm)
    if form.validate_on_submit():
        with saving(form, CaseRuleError):
            notice = disciplinary.issue_notice(case, NoticeInput(
                issued_on=form.issued_on.data, hearing_on=form.hearing_on.data, hearing_time=form.hearing_time.data,
                venue=form.venue.data, language=form.language.data or "", chair=form.chair.data,
                allegations_included=form.allegations_included.data,
                representation_stated=form.representation_stated.data,
                interpreter_stated=form.interpreter_stated.data, dismissal_possible=form.dismissal_possible.data,
                issued_by_name=form.issued_by_name.data or "", issued_by_position=form.issued_by_position.data or ""),
                override_reason=form.override_reason.data or "", actor=current_user)
            flash(f"Notice issued: the hearing is on {notice.hearing_on.isoformat()} at {notice.hearing_time}.",
                  "success")
            return _back(case)
    return render_case(case, 422, notice_form=form)


@bp.post("/<int:case_id>/disciplinary/hearing")
@permission_required(CASE_STEPS)
def record_hearing(case_id: int):
    case = services.get_case_or_403(current_user, case_id, CASE_STEPS)
    form = _form(HearingForm)
    if form.validate_on_submit():
        with saving(form, CaseRuleError):
            disciplinary.record_hearing(case, HearingInput(
                held_on=form.held_on.data, chair=form.chair.data, attendees=form.attendees.data or "",
                employee_present=form.employee_present.data, representative=form.representative.data or "",
                interpreter=form.interpreter.data or "", employee_response=form.employee_response.data or "",
                evidence_summary=form.evidence_summary.data or ""),
                override_reason=form.override_reason.data or "", actor=current_user)
            flash("Hearing recorded: record the finding on each allegation.", "success")
            return _back(case)
    return render_case(case, 422, hearing_form=form)


@bp.post("/<int:case_id>/disciplinary/allegations/<int:allegation_id>/finding")
@permission_required(CASE_STEPS)
def record_finding(case_id: int, allegation_id: int):
    case, allegation = services.get_case_part_or_403(current_user, case_id, CaseAllegation, allegation_id, CASE_STEPS)
    form = FindingForm(prefix=f"allegation-{allegation_id}")
    if form.validate_on_submit():
        with saving(form, CaseRuleError):
            allegation = disciplinary.record_finding(case, allegation.id, finding=form.finding.data,
                                                     reasons=form.reasons.data, actor=current_user)
            flash(f"Finding on allegation {allegation.position} recorded.", "success")
            return _back(case)
    return render_case(case, 422, finding_forms={**_finding_forms(case), allegation_id: form})


@bp.post("/<int:case_id>/disciplinary/sanction")
@permission_required(CASE_STEPS)
def record_sanction(case_id: int):
    case = services.get_case_or_403(current_user, case_id, CASE_STEPS)
    form = _form(SanctionForm)
    if form.validate_on_submit():
        with saving(form, CaseRuleError):
            sanction = disciplinary.record_sanction(case, SanctionInput(
                sanction=form.sanction.data, reasons=form.reasons.data or "", decided_on=form.decided_on.data,
                rule_existed=form.rule_existed.data, rule_valid=form.rule_valid.data,
                rule_known=form.rule_known.data, consistently_applied=form.consistently_applied.data,
                sanction_appropriate=form.sanction_appropriate.data, rule_importance=form.rule_importance.data or "",
                harm_caused=form.harm_caused.data or "",
                representations_on_sanction=form.representations_on_sanction.data,
                clean_record=_chosen(form.clean_record.data), service_years=form.service_years.data,
                record_weighed=form.record_weighed.data or "",
                wrongdoing_acknowledged=form.wrongdoing_acknowledged.data,
                business_impact=form.business_impact.data or ""),
                override_reason=form.override_reason.data or "", actor=current_user)
            flash(f"Sanction recorded: {sanction.sanction_enum.label.lower()}. Give the employee the written "
                  "outcome.", "success")
            return _back(case)
    return render_case(case, 422, sanction_form=form)


@bp.post("/<int:case_id>/disciplinary/outcome")
@permission_required(CASE_STEPS)
def record_outcome(case_id: int):
    case = services.get_case_or_403(current_user, case_id, CASE_STEPS)
    form = _form(OutcomeForm)
    if form.validate_on_submit():
        with saving(form, CaseRuleError):
            disciplinary.record_outcome_issued(case, issued_on=form.issued_on.data,
                                               referral_notice_given=form.referral_notice_given.data,
                                               override_reason=form.override_reason.data or "", actor=current_user)
            flash("Written outcome recorded.", "success")
            return _back(case)
    return render_case(case, 422, outcome_form=form)


@bp.post("/<int:case_id>/disciplinary/appeal")
@permission_required(CASE_STEPS)
def record_appeal(case_id: int):
    case = services.get_case_or_403(current_user, case_id, CASE_STEPS)
    form = _form(AppealForm)
    if form.validate_on_submit():
        with saving(form, CaseRuleError):
            disciplinary.record_appeal(case, lodged_on=form.lodged_on.data, grounds=form.grounds.data,
                                       actor=current_user)
            flash("Appeal recorded.", "success")
            return _back(case)
    return render_case(case, 422, appeal_form=form)


@bp.post("/<int:case_id>/disciplinary/appeal/outcome")
@permission_required(CASE_STEPS)
def record_appeal_outcome(case_id: int):
    case = services.get_case_or_403(current_user, case_id, CASE_STEPS)
    form = _form(AppealOutcomeForm)
    if form.validate_on_submit():
        with saving(form, CaseRuleError):
            appeal = disciplinary.record_appeal_outcome(case, outcome=form.outcome.data,
                                                        outcome_on=form.outcome_on.data, reasons=form.reasons.data,
                                                        varied_sanction=form.varied_sanction.data or "",
                                                        chair=form.chair.data, chair_position=form.chair_position.data,
                                                        chair_senior=form.chair_senior.data, actor=current_user)
            flash(f"Appeal outcome recorded: {appeal.outcome}.", "success")
            return _back(case)
    return render_case(case, 422, appeal_outcome_form=form)


@bp.post("/<int:case_id>/disciplinary/notices/<int:notice_id>/translation")
@permission_required(CASE_STEPS)
def attach_translation(case_id: int, notice_id: int):
    case, notice = services.get_case_part_or_403(current_user, case_id, CaseHearingNotice, notice_id, CASE_STEPS)
    form = _form(NoticeTranslationForm)
    if form.validate_on_submit():
        with saving(form, RuleError):
            sent = uploads.form_file(form.file.data)
            if sent is None:
                raise RuleError("Choose the file of the translation.", "file")
            disciplinary.attach_translation(case, notice, uploads.check_evidence(*sent), actor=current_user)
            flash(f"Translation into {notice.language} attached: the notice letter now says so.", "success")
            return _back(case)
    return render_case(case, 422, translation_form=form)
