"""One audit: its page (plan, auditors, objectivity, checklist, findings), planning a new one, changing
its plan, starting it and closing it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import (
    INTERNAL_AUDIT_CONDUCT,
    INTERNAL_AUDIT_MANAGE,
    INTERNAL_AUDIT_VIEW,
    acting_user,
    permission_required,
    user_can,
)
from app.common.choices import active_users, department_choices
from app.common.saving import acting, saving
from app.internal_audits import services
from app.internal_audits.forms import AuditForm, RaiseForm, VersionForm
from app.internal_audits.models import AuditStatus, InternalAudit
from app.internal_audits.views import bp


def nonconformity_link(nonconformity) -> str:
    """The nonconformity register's page of one: the one place here that names the register's endpoint."""
    return url_for("nonconformities.detail", nonconformity_id=nonconformity.id)


@bp.get("/<int:audit_id>")
@permission_required(INTERNAL_AUDIT_VIEW)
def detail(audit_id: int):
    internal_audit = services.get_audit_or_403(current_user, audit_id, INTERNAL_AUDIT_VIEW)
    on_team = internal_audit.is_auditor(current_user) and user_can(current_user, INTERNAL_AUDIT_CONDUCT)
    return render_template(
        "internal_audits/detail.html", audit=internal_audit, asks_for=services.asks_for,
        line_title=services.line_title, nonconformity_link=nonconformity_link,
        may_manage=user_can(current_user, INTERNAL_AUDIT_MANAGE), on_team=on_team,
        is_lead=on_team and current_user.id == internal_audit.lead_auditor_id,
        version_form=VersionForm(version=str(internal_audit.version)), raise_form=RaiseForm(),
        conflicts=services.conflicts_of(internal_audit.auditors, [line.control for line in internal_audit.lines
                                                                  if line.control], internal_audit.departments,
                                        internal_audit.auditee_contact_id))


def _form(internal_audit: InternalAudit | None = None) -> AuditForm:
    form = AuditForm()
    keep_auditors = tuple(u.id for u in internal_audit.auditors) if internal_audit else ()
    form.set_choices(auditors=services.auditor_candidates(keep_auditors),
                     users=active_users(keep_id=internal_audit.auditee_contact_id if internal_audit else None),
                     departments=department_choices(""),
                     controls=services.scope_controls(tuple(line.control_id for line in internal_audit.lines
                                                            if line.control_id) if internal_audit else ()))
    return form


def _input(form: AuditForm) -> services.AuditInput:
    return services.AuditInput(
        title=form.title.data or "", criteria=form.criteria.data or "", planned_start=form.planned_start.data,
        planned_end=form.planned_end.data,
        lead_auditor_id=int(form.lead_auditor_id.data) if form.lead_auditor_id.data else None,
        team_ids=list(form.team_ids.data or []), department_ids=list(form.department_ids.data or []),
        auditee_contact_id=int(form.auditee_contact_id.data) if form.auditee_contact_id.data else None,
        clauses=list(form.clauses.data or []), control_ids=list(form.control_ids.data or []),
        independence_reason=form.independence_reason.data or "")


def _render_form(form: AuditForm, internal_audit: InternalAudit | None, status: int = 200):
    return render_template("internal_audits/form.html", form=form, audit=internal_audit), status


@bp.route("/new", methods=["GET", "POST"])
@permission_required(INTERNAL_AUDIT_MANAGE)
def new():
    form = _form()
    if request.method == "GET":
        form.criteria.data = "ISO/IEC 27001:2022 clauses 4 to 10 and Annex A; the organisation's information " \
                             "security policies and procedures"
        return _render_form(form, None)
    if form.validate_on_submit():
        with saving(form, services.InternalAuditRuleError):
            internal_audit = services.plan_audit(_input(form), actor=acting_user())
            flash(f"Planned internal audit {internal_audit.reference} with {len(internal_audit.lines)} checklist "
                  "lines.", "success")
            return redirect(url_for("internal_audits.detail", audit_id=internal_audit.id))
    return _render_form(form, None, 422)


@bp.route("/<int:audit_id>/edit", methods=["GET", "POST"])
@permission_required(INTERNAL_AUDIT_MANAGE)
def edit(audit_id: int):
    internal_audit = services.get_audit_or_403(current_user, audit_id, INTERNAL_AUDIT_MANAGE)
    if internal_audit.frozen:
        flash(f"The report of {internal_audit.reference} is issued: the audit is frozen.", "warning")
        return redirect(url_for("internal_audits.detail", audit_id=internal_audit.id))
    form = _form(internal_audit)
    if request.method == "GET":
        form.process(obj=internal_audit)
        form.version.data = str(internal_audit.version)
        form.lead_auditor_id.data = str(internal_audit.lead_auditor_id)
        form.auditee_contact_id.data = str(internal_audit.auditee_contact_id or "")
        form.team_ids.data = [m.id for m in internal_audit.team]
        form.department_ids.data = [d.id for d in internal_audit.departments]
        form.clauses.data = [line.clause for line in internal_audit.lines if line.clause]
        form.control_ids.data = [line.control_id for line in internal_audit.lines if line.control_id]
        form.independence_reason.data = ""
        return _render_form(form, internal_audit)
    if form.validate_on_submit():
        stale_url = url_for("internal_audits.edit", audit_id=internal_audit.id)
        with saving(form, services.InternalAuditRuleError, stale_url=stale_url):
            changes = services.update_plan(internal_audit, _input(form), expected_version=form.version.data,
                                           actor=acting_user())
            flash(f"Saved the plan of {internal_audit.reference}." if changes else "Nothing changed.",
                  "success" if changes else "info")
            return redirect(url_for("internal_audits.detail", audit_id=internal_audit.id))
    return _render_form(form, internal_audit, 422)


@bp.post("/<int:audit_id>/start")
@permission_required(INTERNAL_AUDIT_CONDUCT)
def start(audit_id: int):
    internal_audit = services.get_audit_or_403(current_user, audit_id, INTERNAL_AUDIT_CONDUCT)
    form = VersionForm()
    if not form.validate_on_submit():
        flash("The form had expired; press Start again.", "danger")
    else:
        with acting(services.REFUSALS) as refused:
            services.start_audit(internal_audit, expected_version=form.version.data, actor=acting_user())
        flash(f"{refused} Nothing changed." if refused else
              f"Started {internal_audit.reference}: the checklist is open to the audit team.",
              "danger" if refused else "success")
    return redirect(url_for("internal_audits.detail", audit_id=audit_id))


@bp.post("/<int:audit_id>/close")
@permission_required(INTERNAL_AUDIT_MANAGE)
def close(audit_id: int):
    internal_audit = services.get_audit_or_403(current_user, audit_id, INTERNAL_AUDIT_MANAGE)
    form = VersionForm()
    if not form.validate_on_submit():
        flash("The form had expired; press Close again.", "danger")
    elif internal_audit.status == AuditStatus.REPORTED:
        with acting(services.REFUSALS) as refused:
            services.close_audit(internal_audit, expected_version=form.version.data, actor=acting_user())
        flash(f"{refused} Nothing changed." if refused else f"Closed {internal_audit.reference}.",
              "danger" if refused else "success")
    else:
        flash("An audit is closed after its report is issued.", "danger")
    return redirect(url_for("internal_audits.detail", audit_id=audit_id))
