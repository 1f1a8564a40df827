"""The case page's "Revoking privileges" and "Training" steps (cases/_privileges.html): revoking,
restoring, assigning training and recording its completion. The rules are in privileges.py."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user

from app.auth.permissions import CASE_STEPS, permission_required
from app.common import uploads
from app.common.models import RuleError
from app.common.saving import saving
from app.policies.cases import privileges, services
from app.policies.cases.case_views import PAGE_CONTEXT, PAGE_FORMS, render_case
from app.policies.cases.forms import RestorationForm, RevocationForm, TrainingCompletionForm, TrainingForm
from app.policies.cases.models import CaseRevocation, CaseTraining
from app.policies.cases.services import CaseRuleError
from app.policies.cases.views import bp

PAGE_FORMS.update({
    "revocation_form": lambda case: RevocationForm(),
    "restoration_form": lambda case: RestorationForm(),
    "training_form": lambda case: TrainingForm(),
    "training_completion_form": lambda case: TrainingCompletionForm(),
})
PAGE_CONTEXT.update({
    "revocation_max_days": lambda case, user: privileges.max_revocation_days(),
    "restore_overdue": lambda case, user: privileges.restore_overdue,
    "training_overdue": lambda case, user: privileges.training_overdue,
})


def _back(case):
    return redirect(url_for("cases.detail", case_id=case.id, _anchor="privileges-heading"))


@bp.post("/<int:case_id>/revocations")
@permission_required(CASE_STEPS)
def revoke_privileges(case_id: int):
    case = services.get_case_or_403(current_user, case_id, CASE_STEPS)
    form = RevocationForm()
    if form.validate_on_submit():
        with saving(form, CaseRuleError):
            revocation = privileges.revoke_privileges(case, privileges.RevocationInput(
                resources=form.resources.data or [], starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                no_harm_confirmed=form.no_harm_confirmed.data, no_harm_note=form.no_harm_note.data or "",
                application_tag=form.application_tag.data or "", other=form.other.data or ""),
                override_reason=form.override_reason.data or "", actor=current_user)
            flash(f"Privileges revoked until {revocation.ends_on.isoformat()}; restore them on that day.", "success")
            return _back(case)
    return render_case(case, 422, revocation_form=form)


@bp.post("/<int:case_id>/revocations/<int:revocation_id>/restoration")
@permission_required(CASE_STEPS)
def record_restoration(case_id: int, revocation_id: int):
    case, revocation = services.get_case_part_or_403(current_user, case_id, CaseRevocation, revocation_id, CASE_STEPS)
    form = RestorationForm()
    if form.validate_on_submit():
        assert form.restored_on.data is not None  # DataRequired: a form that validated holds a date
        with saving(form, CaseRuleError):
            privileges.record_restoration(case, revocation.id, form.restored_on.data, actor=current_user)
            flash(f"Privileges restored on {form.restored_on.data.isoformat()}.", "success")
            return _back(case)
    return render_case(case, 422, restoration_form=form)


@bp.post("/<int:case_id>/trainings")
@permission_required(CASE_STEPS)
def assign_training(case_id: int):
    case = services.get_case_or_403(current_user, case_id, CASE_STEPS)
    form = TrainingForm()
    if form.validate_on_submit():
        with saving(form, CaseRuleError):
            training = privileges.assign_training(case, form.course.data, form.provider.data or "",
                                                  form.due_on.data, actor=current_user)
            flash(f"Training assigned, to be completed by {training.due_on.isoformat()}.", "success")
            return _back(case)
    return render_case(case, 422, training_form=form)


@bp.post("/<int:case_id>/trainings/<int:training_id>/completion")
@permission_required(CASE_STEPS)
def record_training_completion(case_id: int, training_id: int):
    case, training = services.get_case_part_or_403(current_user, case_id, CaseTraining, training_id, CASE_STEPS)
    form = TrainingCompletionForm()
    if form.validate_on_submit():
        assert form.completed_on.data is not None  # DataRequired: a form that validated holds a date
        with saving(form, RuleError):
            sent = uploads.form_file(form.evidence.data)
            evidence = uploads.check_evidence(*sent, field="evidence") if sent else None
            privileges.record_training_completion(case, training.id, form.completed_on.data, evidence=evidence,
                                                  override_reason=form.override_reason.data or "", actor=current_user)
            flash(f"Training completed on {form.completed_on.data.isoformat()}"
                  f"{f'; {sent[0]} added to the evidence' if sent else ''}.", "success")
            return _back(case)
    return render_case(case, 422, training_completion_form=form)
