"""A policy's own pages: the list, creating, editing and deleting a policy, and the policy page
showing one version. version_views.py and acknowledgement_views.py use its lookups
(policy_or_404, version_or_404) and render_version() for their own pages."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import (
    POLICY_ACKNOWLEDGEMENTS,
    POLICY_APPROVE,
    POLICY_EDIT,
    POLICY_VIEW,
    permission_required,
    user_can,
)
from app.common.choices import active_users
from app.common.export import audited_export
from app.common.listing import requested_export
from app.common.markdown import render
from app.common.saving import saving
from app.common.timeutil import local_today
from app.controls import services as control_services
from app.employees.services import employee_for_user
from app.policies import services
from app.policies.exports import VERSION_COLUMNS
from app.policies.forms import (
    ApprovalForm,
    ClauseForm,
    NewPolicyForm,
    NewVersionForm,
    PolicyForm,
    ReturnForm,
    ReviewerForm,
    SignatureForm,
    StepForm,
)
from app.policies.models import Policy, PolicyState, PolicyVersion
from app.policies.views import bp


def policy_or_404(policy_id: int) -> Policy:
    """The policy, its versions and controls loaded at once (services.get_policy), or 404."""
    return services.get_policy(policy_id) or abort(404)


def version_or_404(policy: Policy, version_id: int) -> PolicyVersion:
    """A version of this policy: another policy's version id is 404 too."""
    return services.get_version(policy, version_id) or abort(404)


@bp.get("")
@permission_required(POLICY_VIEW)
def index():
    review_due = request.args.get("review") == "due"
    policies = services.all_policies(review_due_on=local_today() if review_due else None)
    if fmt := requested_export():  # the register as its import reads it: a row per version
        versions = [version for policy in policies for version in policy.versions]
        return audited_export(versions, VERSION_COLUMNS, fmt, "khusela-policies", entity_type="policy",
                              what="policy versions")
    coverage = {p.id: services.coverage(p.current) for p in policies if p.current}
    employee = employee_for_user(current_user)
    waiting = [p for p in policies if employee and p.current and not services.has_acknowledged(p.current, employee)]
    return render_template("policies/index.html", policies=policies, coverage=coverage, today=local_today(),
                           waiting=waiting, may_edit=user_can(current_user, POLICY_EDIT), review_due=review_due,
                           review_due_days=services.REVIEW_DUE_DAYS)


def _policy_form(policy: Policy | None = None, form_class=PolicyForm) -> PolicyForm:
    form = form_class()
    keep_owner = policy.owner_id if policy else None
    keep_controls = [control.id for control in policy.controls] if policy else ()
    form.set_choices(users=active_users(keep_owner), controls=control_services.controls_to_link(keep_controls))
    return form


def _policy_input(form: PolicyForm) -> services.PolicyInput:
    return services.PolicyInput(code=form.code.data or "", title=form.title.data or "",
                                owner_id=int(form.owner_id.data) if form.owner_id.data else None,
                                control_ids=tuple(form.control_ids.data or ()))


@bp.route("/new", methods=["GET", "POST"])
@permission_required(POLICY_EDIT)
def new():
    form = _policy_form(form_class=NewPolicyForm)
    if request.method == "GET":
        form.change.data = "Original"
        form.author_name.data = current_user.full_name
        return render_template("policies/policy_form.html", form=form, policy=None)
    if form.validate_on_submit():
        draft = services.DraftInput(change=form.change.data or "", body=form.body.data or "",
                                    author_name=form.author_name.data or "",
                                    author_designation=form.author_designation.data or "",
                                    author_contact=form.author_contact.data or "")
        with saving(form, services.PolicyRuleError):
            policy = services.create_policy(_policy_input(form), draft, actor=current_user)
            flash(f"Created {policy} as draft version 1.0.", "success")
            return redirect(url_for("policies.detail", policy_id=policy.id))
    return render_template("policies/policy_form.html", form=form, policy=None), 422


@bp.route("/<int:policy_id>/edit", methods=["GET", "POST"])
@permission_required(POLICY_EDIT)
def edit(policy_id: int):
    policy = policy_or_404(policy_id)
    form = _policy_form(policy)
    if request.method == "GET":
        form.version.data = str(policy.version)
        form.code.data, form.title.data = policy.code, policy.title
        form.owner_id.data = str(policy.owner_id) if policy.owner_id else ""
        form.control_ids.data = [control.id for control in policy.controls]
        return render_template("policies/policy_form.html", form=form, policy=policy)
    if form.validate_on_submit():
        with saving(form, services.PolicyRuleError, stale_url=url_for("policies.edit", policy_id=policy.id)):
            changes = services.update_policy(policy, _policy_input(form), expected_version=form.version.data,
                                             actor=current_user)
            flash(f"Saved {policy}." if changes else "Nothing changed.", "success" if changes else "info")
            return redirect(url_for("policies.detail", policy_id=policy.id))
    return render_template("policies/policy_form.html", form=form, policy=policy), 422


@bp.route("/<int:policy_id>/delete", methods=["GET", "POST"])
@permission_required(POLICY_EDIT)
def delete(policy_id: int):
    policy = policy_or_404(policy_id)
    form = StepForm()
    if request.method == "POST" and form.validate_on_submit():
        label = str(policy)
        with saving(form, services.PolicyRuleError):
            services.delete_policy(policy, actor=current_user)
            flash(f"Deleted the draft policy {label}. The audit log keeps what it held.", "success")
            return redirect(url_for("policies.index"))
    status = 422 if request.method == "POST" else 200
    return render_template("policies/delete.html", policy=policy, form=form), status


@bp.get("/<int:policy_id>")
@permission_required(POLICY_VIEW)
def detail(policy_id: int):
    policy = policy_or_404(policy_id)
    return render_version(policy, policy.current or policy.latest)


@bp.get("/<int:policy_id>/versions/<int:version_id>")
@permission_required(POLICY_VIEW)
def version(policy_id: int, version_id: int):
    policy = policy_or_404(policy_id)
    return render_version(policy, version_or_404(policy, version_id))


def render_version(policy: Policy, shown: PolicyVersion, status: int = 200, **forms):
    """The policy page, showing one version: its text, clauses, document-control tables and the
    steps open to the reader. Forms that failed come back through `forms` with their errors."""
    today = local_today()
    employee = employee_for_user(current_user)
    step = StepForm(version=str(shown.version))
    approval = forms.pop("approval_form", None) or ApprovalForm(version=str(shown.version))
    context = {
        "policy": policy, "shown": shown, "today": today, "body": render(shown.body, top_heading=3),
        "may_edit": user_can(current_user, POLICY_EDIT), "may_approve": user_can(current_user, POLICY_APPROVE),
        "may_see_register": user_can(current_user, POLICY_ACKNOWLEDGEMENTS),
        "acknowledged": (services.has_acknowledged(shown, employee)
                         if shown.state_enum == PolicyState.APPROVED and employee is not None else None),
        "coverage": services.coverage(shown) if shown.state_enum == PolicyState.APPROVED else None,
        "step_form": step, "clause_form": forms.pop("clause_form", None) or ClauseForm(),
        "reviewer_form": forms.pop("reviewer_form", None) or ReviewerForm(),
        "return_form": forms.pop("return_form", None) or ReturnForm(version=str(shown.version)),
        "approval_form": approval, "new_version_form": NewVersionForm(),
        "signature_form": forms.pop("signature_form", None) or SignatureForm(),
        "review_months": services.review_months(),
    }
    return render_template("policies/version.html", **context), status
