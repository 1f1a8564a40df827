"""The case list: filters, sorting, paging and the export, all from services.visible_cases (a
manager sees their own department's cases). Names are shown only to those who may see personal
details, and a page or export that shows them is in the audit log."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, request
from flask_login import current_user

from app.auth.models import Role
from app.auth.permissions import CASE_OPEN, CASE_VIEW, permission_required, user_can
from app.common.choices import department_choices
from app.common.export import Column, audited_export
from app.common.listing import Listing, SortColumn, all_matching, choice_arg, id_arg, requested_export
from app.extensions import db
from app.policies.cases import disciplinary, exports, redaction, services
from app.policies.cases.models import PolicyCase, Sanction
from app.policies.cases.recommendation import Action, Severity
from app.policies.cases.views import bp

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


SORT_COLUMNS: dict[str, SortColumn] = {
    "reference": PolicyCase.reference, "incident": PolicyCase.incident_on,
    "severity": sa.case({s.value: i for i, s in enumerate(Severity)}, value=PolicyCase.severity),
}


def _sanction_label(value: str | None) -> str:
    return Sanction(value).label if value else ""


# The closing summary is free text that may name people: only for readers who see personal details.
OUTCOME_WITHHELD = "(withheld: free text)"


def _columns() -> list[Column]:
    def who(case):
        return services.person(case.employee, current_user)

    def outcome(case):
        if not case.outcome:
            return ""
        return case.outcome if services.sees_personal_details(current_user) else OUTCOME_WITHHELD

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
        # The disciplinary procedure's outcome: the hearing's sanction, the appeal, what stands.
        Column("Sanction", lambda c: _sanction_label(c.sanction.sanction if c.sanction else None), 20),
        Column("Sanction decided", lambda c: c.sanction.decided_on if c.sanction else None, 12),
        Column("Appeal", lambda c: (c.appeal.outcome_enum.label if c.appeal.outcome_enum else "Lodged, undecided")
               if c.appeal else "", 24),
        Column("Final sanction", lambda c: _sanction_label(disciplinary.final_sanction(c)), 20),
        Column("Status", lambda c: c.status_enum.label, 10),
        Column("Closed", lambda c: c.closed_on, 12),
        Column("Outcome", outcome, 40),
    ]


def _log_personal_view(cases: list[PolicyCase], what: str) -> None:
    """Names were shown: one audit entry naming the cases (POPIA: every view is logged)."""
    if cases and services.sees_personal_details(current_user):
        services.record_list_view(cases, what, actor=current_user)
        db.session.commit()


def _steps_export(cases: list, fmt: str):
    steps = [step for case in cases for step in exports.case_steps(case)]
    columns = exports.step_columns(lambda case: services.person(case.employee, current_user).number)
    return audited_export(steps, columns, fmt, "khusela-case-steps", entity_type="case",
                          what=f"steps of {len(cases)} case{'s' if len(cases) != 1 else ''}" + (
                              " with personal details" if services.sees_personal_details(current_user)
                              else " (pseudonymised)"))


@bp.get("")
@permission_required(CASE_VIEW)
def index():
    filters = _filters()
    statement = _filtered(filters)
    if fmt := requested_export():
        rows = all_matching(statement, sort_columns=SORT_COLUMNS, default_sort="reference", default_direction="desc",
                            tiebreaker=PolicyCase.id)
        # Each row as this reader may read it: any column of free text comes out redacted.
        rows = [redaction.shown(case, current_user) for case in rows]
        if request.args.get("rows") == "steps":  # a row per step, as the import reads them
            return _steps_export(rows, fmt)
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
