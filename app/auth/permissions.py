"""What each role may do: the one table, and the decorator every route declares its need with.

A test walks app.url_map and fails on any view without a declared permission, so a new route
cannot be added unguarded.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user

from app.auth.models import Role, User

# Permissions are "<area>.<action>". Add new ones here, next to the roles that hold them.
ACCOUNT_SELF = "account.self"  # own password, own two-factor set-up, the landing page
AUDIT_VIEW = "audit.view"
ADMIN_USERS = "admin.users"
ADMIN_DEPARTMENTS = "admin.departments"
ADMIN_SETTINGS = "admin.settings"
ADMIN_RISK_MATRIX = "admin.risk_matrix"  # the risk matrix, risk settings and risk categories
RISK_VIEW = "risk.view"
RISK_CREATE = "risk.create"
RISK_EDIT = "risk.edit"  # per record too (risks.services.get_risk_or_403): a risk owner edits only their own risks
# Per record too: the risk's owner, its department's head or an accounting officer (risks.authority), and
# then only with the authority its residual band needs. Roles holding it are those that may own risks.
RISK_ACCEPT = "risk.accept"
RISK_REQUEST_ACCEPTANCE = "risk.request_acceptance"  # ask whoever holds the authority to accept a risk
RISK_IMPORT = "risk.import"
RISK_REBAND = "risk.reband"  # confirm every risk's unchanged ratings on a new matrix version at once
RISK_APPROVE_PLAN = "risk.approve_plan"  # per record too: only the risk's own owner approves its treatment plan
CONTROL_VIEW = "control.view"
CONTROL_EDIT = "control.edit"  # the catalogue: internal controls, and what the organisation keeps on Annex A ones
SOA_VIEW = "soa.view"
SOA_EDIT = "soa.edit"  # decide applicability, justification and status of Annex A controls
SOA_ISSUE = "soa.issue"  # freeze the Statement of Applicability as an approved version
ASSET_VIEW = "asset.view"
ASSET_EDIT = "asset.edit"  # configuration items, their relations, risks and dispositions, the product list
ASSET_IMPORT = "asset.import"
EMPLOYEE_VIEW = "employee.view"  # per record too (get_employee_or_403): a manager sees their own department's
EMPLOYEE_EDIT = "employee.edit"
EMPLOYEE_IMPORT = "employee.import"
POLICY_VIEW = "policy.view"  # every role reads the policies in force
POLICY_EDIT = "policy.edit"  # drafts, clauses, reviewers, controls; send for review
POLICY_APPROVE = "policy.approve"  # record the approval that puts a version in force
POLICY_ACKNOWLEDGEMENTS = "policy.acknowledgements"  # see the register (auditors: pseudonymised)
POLICY_RECORD_ACKNOWLEDGEMENTS = "policy.record_acknowledgements"  # paper sheets, imported registers
# Cases: per record too (cases.services.visible_cases, get_case_or_403): a manager's own department only;
# security officers and auditors see no personal details (a pseudonym instead).
CASE_VIEW = "case.view"
CASE_OPEN = "case.open"
CASE_DECIDE = "case.decide"  # choose the corrective action, close the case
CASE_STEPS = "case.steps"  # record warnings, evidence and the other steps
CASE_DESTROY = "case.destroy"  # destroy closed cases past their retention period (POPIA s14)
CASE_RELEASE = "case.release"  # release a case's evidence files to auditors for an audit (POPIA)
# Objectives and measurement (issue 19, part 2: ISO/IEC 27001 6.2 and 9.1).
OBJECTIVE_VIEW = "objective.view"  # objectives, metrics, measurements and their trends
OBJECTIVE_EDIT = "objective.edit"  # set up objectives and metrics; change any objective's status, record any metric
OBJECTIVE_STATUS = "objective.status"  # per record too (objectives.services.get_objective_or_403): one's own objective
MEASUREMENT_RECORD = "measurement.record"  # per record too (get_metric_or_403): a metric one is named to measure
# The management system as a whole: the certification-evidence page (app.isms) lists to each reader
# the artefacts their other permissions let them open.
ISMS_VIEW = "isms.view"
# Context and scope of the ISMS (issue 19, part 1: ISO/IEC 27001 4.1-4.3, 5.3): issues, interested parties
# and their requirements, the scope statement, information-security roles. Auditors read, never write.
CONTEXT_VIEW = "context.view"
CONTEXT_EDIT = "context.edit"  # issues, parties, requirements, the scope draft, ISMS roles and who holds them
SCOPE_APPROVE = "scope.approve"  # issue the scope statement's draft as an approved, frozen version
# Management review (issue 19, part 5): auditors read every review, write nothing; the chair approves
# (per record: reviews.services.get_review_or_403) as may a holder of review.manage; an action's owner
# updates its progress (per record: reviews.services.get_action_or_403).
REVIEW_VIEW = "review.view"
REVIEW_MANAGE = "review.manage"  # plan, compile the pack, record minutes and decisions
REVIEW_APPROVE = "review.approve"
REVIEW_ACTION_UPDATE = "review.action_update"
# Nonconformities and corrective action (issue 19, part 4). Every role that reads the ISMS reads the
# whole register (nonconformities are records of the management system, not of people). Per record
# too (nonconformities.services): an action's owner updates their own action; a manager raises
# self-identified nonconformities of their own department and edits nothing after.
NONCONFORMITY_VIEW = "nonconformity.view"
NONCONFORMITY_RAISE = "nonconformity.raise"
NONCONFORMITY_EDIT = "nonconformity.edit"
# Internal audit (issue 19, part 3; ISO/IEC 27001:2022 9.2). Conducting is per record too
# (internal_audits.services.get_audit_or_403): only the audit's lead auditor and team fill its checklist,
# raise its findings and (the lead) issue its report. The `auditor` role reads and never writes.
INTERNAL_AUDIT_VIEW = "internal_audit.view"
INTERNAL_AUDIT_MANAGE = "internal_audit.manage"  # the programme, planning audits, their scope and teams
INTERNAL_AUDIT_CONDUCT = "internal_audit.conduct"  # an audit one is on: checklist, findings, report
# Business continuity (issue 20, part 3: A.5.29, 5.30, 8.13, 8.14). Auditors read, never write. Security
# officers and admins run the register; per record too (continuity.services.get_analysis_or_403): a
# service's owner (a risk owner or manager) updates its BIA and records its tests.
CONTINUITY_VIEW = "continuity.view"
CONTINUITY_EDIT = "continuity.edit"  # new BIAs, any BIA, plans and their drafts, any test
CONTINUITY_UPDATE = "continuity.update"  # one's own service: its BIA and its tests (per record)
CONTINUITY_ISSUE = "continuity.issue"  # issue a plan's draft as an approved, frozen version
# Suppliers (issue 20, part 2; ISO/IEC 27001:2022 A.5.19-5.23). Every role that reads the ISMS reads the
# whole register; security officers and administrators keep it. Per record too
# (suppliers.services.get_supplier_or_403): a supplier's owner records its assessments and reviews.
SUPPLIER_VIEW = "supplier.view"
SUPPLIER_EDIT = "supplier.edit"
SUPPLIER_ASSESS = "supplier.assess"  # record an assessment or review: any supplier's for editors, one's own else
# Security incidents (issue 20, part 1; A.5.24-5.28, A.6.8, POPIA s22). Everyone but the auditor reports
# events and sees their own reports (/incidents/mine); the register itself, with its personal-information
# notifications and evidence, is read by security officers, administrators and auditors, and run by the first two.
INCIDENT_REPORT = "incident.report"
INCIDENT_VIEW = "incident.view"
INCIDENT_HANDLE = "incident.handle"  # triage, handling, evidence and custody, links, POPIA notification
# Awareness and training (issue 20, part 4; A.6.3, clauses 7.2-7.3). Campaigns and completion rates
# (aggregates) are read by every ISMS role; who completed what is personal information, read through the
# employee register's scope (employees.services.visibility: a manager their department, auditors nobody).
AWARENESS_VIEW = "awareness.view"
AWARENESS_EDIT = "awareness.edit"  # campaigns, completions by hand and the training system's import
# Reports: the /reports page lists to each user the PDFs their other permissions allow.
REPORT_VIEW = "report.view"
PACK_BUILD = "pack.build"  # ask for evidence packs, download and verify them
ADMIN_JOBS = "admin.jobs"  # the scheduled jobs' runs and errors
# Policy and case history imports (issue 21, part 2): policies by those who keep them, cases by those who
# run discipline over every department (a manager's scope is one department; auditors write nothing).
POLICY_IMPORT = "policy.import"
CASE_IMPORT = "case.import"

EVERY_ROLE = frozenset(Role)

ROLE_PERMISSIONS: dict[str, frozenset[Role]] = {
    ACCOUNT_SELF: EVERY_ROLE,
    AUDIT_VIEW: frozenset({Role.ADMIN, Role.AUDITOR}),
    ADMIN_USERS: frozenset({Role.ADMIN}),
    ADMIN_DEPARTMENTS: frozenset({Role.ADMIN}),
    ADMIN_SETTINGS: frozenset({Role.ADMIN}),
    ADMIN_RISK_MATRIX: frozenset({Role.ADMIN}),
    RISK_VIEW: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.RISK_OWNER, Role.MANAGER, Role.AUDITOR}),
    RISK_CREATE: frozenset({Role.ADMIN, Role.SECURITY_OFFICER}),
    RISK_EDIT: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.RISK_OWNER}),
    RISK_ACCEPT: frozenset({Role.ADMIN, Role.RISK_OWNER}),
    RISK_REQUEST_ACCEPTANCE: frozenset({Role.ADMIN, Role.SECURITY_OFFICER}),
    RISK_IMPORT: frozenset({Role.ADMIN, Role.SECURITY_OFFICER}),
    RISK_REBAND: frozenset({Role.ADMIN, Role.SECURITY_OFFICER}),
    RISK_APPROVE_PLAN: frozenset({Role.ADMIN, Role.RISK_OWNER}),
    CONTROL_VIEW: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.RISK_OWNER, Role.AUDITOR}),
    CONTROL_EDIT: frozenset({Role.ADMIN, Role.SECURITY_OFFICER}),
    SOA_VIEW: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.RISK_OWNER, Role.AUDITOR}),
    SOA_EDIT: frozenset({Role.ADMIN, Role.SECURITY_OFFICER}),
    SOA_ISSUE: frozenset({Role.ADMIN, Role.SECURITY_OFFICER}),
    ASSET_VIEW: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.RISK_OWNER, Role.AUDITOR}),
    ASSET_EDIT: frozenset({Role.ADMIN, Role.SECURITY_OFFICER}),
    ASSET_IMPORT: frozenset({Role.ADMIN, Role.SECURITY_OFFICER}),
    EMPLOYEE_VIEW: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.MANAGER, Role.HR_OFFICER}),
    EMPLOYEE_EDIT: frozenset({Role.ADMIN, Role.HR_OFFICER}),
    EMPLOYEE_IMPORT: frozenset({Role.ADMIN, Role.HR_OFFICER}),
    POLICY_VIEW: EVERY_ROLE,
    POLICY_EDIT: frozenset({Role.ADMIN, Role.SECURITY_OFFICER}),
    POLICY_APPROVE: frozenset({Role.ADMIN, Role.SECURITY_OFFICER}),
    POLICY_ACKNOWLEDGEMENTS: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.MANAGER, Role.HR_OFFICER,
                                        Role.AUDITOR}),
    POLICY_RECORD_ACKNOWLEDGEMENTS: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.HR_OFFICER}),
    CASE_VIEW: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.MANAGER, Role.HR_OFFICER, Role.AUDITOR}),
    CASE_OPEN: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.MANAGER, Role.HR_OFFICER}),
    CASE_DECIDE: frozenset({Role.ADMIN, Role.MANAGER, Role.HR_OFFICER}),
    CASE_STEPS: frozenset({Role.ADMIN, Role.MANAGER, Role.HR_OFFICER}),
    CASE_DESTROY: frozenset({Role.ADMIN, Role.HR_OFFICER}),
    CASE_RELEASE: frozenset({Role.ADMIN, Role.HR_OFFICER}),
    # Objectives and measurement (issue 19, part 2). HR officers run cases, not the ISMS's objectives.
    OBJECTIVE_VIEW: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.RISK_OWNER, Role.MANAGER, Role.AUDITOR}),
    OBJECTIVE_EDIT: frozenset({Role.ADMIN, Role.SECURITY_OFFICER}),
    OBJECTIVE_STATUS: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.RISK_OWNER, Role.MANAGER}),
    MEASUREMENT_RECORD: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.RISK_OWNER, Role.MANAGER}),
    ISMS_VIEW: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.RISK_OWNER, Role.MANAGER, Role.AUDITOR}),
    # Context and scope (issue 19, part 1). HR officers run cases, not the ISMS: they do not need it.
    CONTEXT_VIEW: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.RISK_OWNER, Role.MANAGER, Role.AUDITOR}),
    CONTEXT_EDIT: frozenset({Role.ADMIN, Role.SECURITY_OFFICER}),
    SCOPE_APPROVE: frozenset({Role.ADMIN, Role.SECURITY_OFFICER}),
    # Management review (issue 19, part 5)
    REVIEW_VIEW: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.RISK_OWNER, Role.MANAGER, Role.AUDITOR}),
    REVIEW_MANAGE: frozenset({Role.ADMIN, Role.SECURITY_OFFICER}),
    REVIEW_APPROVE: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.RISK_OWNER, Role.MANAGER}),
    REVIEW_ACTION_UPDATE: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.RISK_OWNER, Role.MANAGER}),
    NONCONFORMITY_VIEW: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.RISK_OWNER, Role.MANAGER, Role.AUDITOR}),
    NONCONFORMITY_RAISE: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.MANAGER}),
    NONCONFORMITY_EDIT: frozenset({Role.ADMIN, Role.SECURITY_OFFICER}),
    INTERNAL_AUDIT_VIEW: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.RISK_OWNER, Role.MANAGER, Role.AUDITOR}),
    INTERNAL_AUDIT_MANAGE: frozenset({Role.ADMIN, Role.SECURITY_OFFICER}),
    INTERNAL_AUDIT_CONDUCT: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.RISK_OWNER, Role.MANAGER}),
    # Business continuity (issue 20, part 3)
    CONTINUITY_VIEW: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.RISK_OWNER, Role.MANAGER, Role.AUDITOR}),
    CONTINUITY_EDIT: frozenset({Role.ADMIN, Role.SECURITY_OFFICER}),
    CONTINUITY_UPDATE: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.RISK_OWNER, Role.MANAGER}),
    CONTINUITY_ISSUE: frozenset({Role.ADMIN, Role.SECURITY_OFFICER}),
    # Suppliers (issue 20, part 2)
    SUPPLIER_VIEW: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.RISK_OWNER, Role.MANAGER, Role.AUDITOR}),
    SUPPLIER_EDIT: frozenset({Role.ADMIN, Role.SECURITY_OFFICER}),
    SUPPLIER_ASSESS: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.RISK_OWNER, Role.MANAGER}),
    # Security incidents (issue 20, part 1)
    INCIDENT_REPORT: EVERY_ROLE - {Role.AUDITOR},
    INCIDENT_VIEW: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.AUDITOR}),
    INCIDENT_HANDLE: frozenset({Role.ADMIN, Role.SECURITY_OFFICER}),
    # Awareness and training (issue 20, part 4). HR officers record training as security officers do.
    AWARENESS_VIEW: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.RISK_OWNER, Role.MANAGER, Role.HR_OFFICER,
                               Role.AUDITOR}),
    AWARENESS_EDIT: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.HR_OFFICER}),
    REPORT_VIEW: EVERY_ROLE,
    PACK_BUILD: frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.AUDITOR}),
    ADMIN_JOBS: frozenset({Role.ADMIN}),
    # Policy and case history imports (issue 21, part 2)
    POLICY_IMPORT: frozenset({Role.ADMIN, Role.SECURITY_OFFICER}),
    CASE_IMPORT: frozenset({Role.ADMIN, Role.HR_OFFICER}),
}

# Views reachable without signing in. Everything else must carry @permission_required.
PUBLIC = "public"


def role_has(role: str | Role, permission: str) -> bool:
    if permission not in ROLE_PERMISSIONS:
        raise KeyError(f"Unknown permission {permission!r}: add it to ROLE_PERMISSIONS.")
    try:
        return Role(role) in ROLE_PERMISSIONS[permission]
    except ValueError:
        return False


def user_can(user: User | None, permission: str) -> bool:
    return bool(user and user.is_authenticated and role_has(user.role, permission))


def permission_required(permission: str) -> Callable:
    """Declare (and enforce) the permission a view needs: anonymous -> /login, wrong role -> 403."""
    if permission not in ROLE_PERMISSIONS:
        raise KeyError(f"Unknown permission {permission!r}: add it to ROLE_PERMISSIONS.")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if not role_has(current_user.role, permission):
                abort(403)
            return view(*args, **kwargs)

        # A mark on the view function, read by the route-permission tests; functions take no annotations.
        guarded.required_permission = permission  # type: ignore[attr-defined]
        return guarded

    return decorate


def public(view: Callable) -> Callable:
    """Mark a view as reachable without signing in (login, health)."""
    view.required_permission = PUBLIC  # type: ignore[attr-defined]  # the same mark as above
    return view


def acting_user() -> User:
    """The signed-in User itself, not Flask-Login's `current_user` proxy: what a view hands a service
    as `actor` when the service may store it in a relationship or compare it with `is`."""
    return current_user._get_current_object()
