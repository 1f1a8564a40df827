"""The PDF reports, buildable with or without a request: the /reports page, the CLI and the
evidence packs all go through here.

Interface::

    REPORTS: dict[str, Report]          # name -> what it is, the permission it needs, its parameters
    build_report(name, *, params, generated_by) -> bytes      # the PDF
    render_report_html(name, *, params, generated_by) -> str  # the HTML it is made from (tests)
    prepare(name, params) -> Prepared   # the template, title, file name and context, checked
    check(name, params) -> Checked      # the parameters checked cheaply, for a request to queue
    record_generated(prepared, *, actor=None, actor_email=None)  # the audit entry (caller commits)

The register-wide reports (risk register, treatment plan, acceptance register, SoA, asset register) take seconds of
WeasyPrint's CPU on a demo-sized ISMS and grow with the register: the web app only queues them
(`Report.check` is set; app.reports.prepared) and the scheduler process builds them. A policy
version is one record's document, rendered in the request as the case letters are; so is the risk
methodology, four pages whatever the size of the register (0.7-0.9 s measured, the policy
document 0.4 s; the first PDF of a process takes 2-3 s more, loading fonts).

It works inside ``with app.app_context(), app.test_request_context():`` with nobody signed in:
``generated_by`` (a name) goes in the footer and on the cover.

Parameters (``params``, a dict; absent keys mean "all" or "the default"):

- ``risk_register``: ``filters`` — an ``app.risks.queries.RiskFilters`` or a mapping of the /risks
  query string (q, department, category, owner, status, band, band_rating, out_of_tolerance, ...);
  ``department_id`` — narrows to one department (overrides the filters' department).
  ``viewer_id`` — the User the report is for: it holds only what they may read
  (``risk_queries.register_scope``: a manager's own department); absent, the whole register.
- ``treatment_plan``: ``department_id`` — the actions of that department's risks; ``viewer_id`` as above.
  It lists the gaps (risks out of tolerance, not accepted, with no open action), each risk's plan with
  its owner's approval (app.risks.plans), the open actions, and the done and cancelled ones with results.
- ``acceptance_register``: ``filters`` — the /risks/acceptances query string (q, status, department, band);
  ``department_id`` and ``viewer_id`` as above.
- ``soa``: ``version_id`` (SoaVersion.id) or ``version_number``; neither: the latest issued version.
- ``risk_methodology``: ``version_number`` — the risk matrix version; absent: the current one.
- ``asset_register``: ``department_id`` — counts and unsupported items of one department (the
  portfolio and sites tables are organisation-wide).
- ``policy``: ``version_id`` (PolicyVersion.id), required.
- ``objectives``: none — every objective with its status over time, every metric's latest value against its
  target with its trend chart (ISO/IEC 27001 6.2 and 9.1).
- ``isms_context``: none: the active issues and parties, the scope statement in force, the roles.
- ``incidents``: ``filters`` — the /incidents query string (status, category, severity, source, department,
  popia, month, q): the month-by-month summary, the register and each incident's record.
- ``incident``: ``incident_id``, required: one incident's record (rendered in the request).
- ``nonconformities``: ``filters`` — the /nonconformities query string (status, source, severity, clause,
  department, owner, overdue, age, q); ``date_from``/``date_to`` (ISO dates) — those raised in the period
  or open during it (an evidence pack's period); ``department_id`` narrows to one department.
- ``suppliers``: ``filters`` — the /suppliers query string (status, criticality, owner, operator, cloud,
  gap, assessment, contract_ending, review_overdue, clause_missing, risk, q): the register with each
  supplier's contract, clauses, POPIA operator status, cloud region and exit plan, assessments and gaps.
- ``awareness``: ``date_from``/``date_to`` (ISO dates) — the campaigns that ran in the period (default: the
  last twelve months to today); ``department_id`` — the campaigns whose audience includes it, with that
  department's rates. Counts only: no employee is named (auditors read it).

Bad parameters raise ``ReportInputError`` (a message for the user: HTTP 400, CLI exit 2); a version or
department that does not exist raises ``ReportNotFound`` (a subclass: HTTP 404).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.assets import queries as asset_queries
from app.assets import summaries
from app.assets.models import (
    DISPOSITION_GROUPS,
    Asset,
    AssetKind,
    Disposition,
    DispositionGroup,
    Lifecycle,
)
from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import AcceptanceAuthority, Department, User
from app.auth.permissions import (
    ASSET_VIEW,
    AWARENESS_VIEW,
    CONTEXT_VIEW,
    CONTINUITY_VIEW,
    INCIDENT_VIEW,
    NONCONFORMITY_VIEW,
    OBJECTIVE_VIEW,
    POLICY_VIEW,
    RISK_VIEW,
    SOA_VIEW,
    SUPPLIER_VIEW,
)
from app.awareness import queries as awareness_queries
from app.awareness import services as awareness_services
from app.common.markdown import render as render_markdown
from app.common.timeutil import add_months, local_today
from app.context import queries as context_queries
from app.context import scope as context_scope
from app.context.models import ContextIssue, InterestedParty
from app.continuity import queries as continuity_queries
from app.continuity import services as continuity_services
from app.continuity.models import ContinuityTest, ImpactAnalysis, ImpactArea
from app.controls.models import SoaVersion
from app.extensions import db
from app.incidents import queries as incident_queries
from app.incidents.models import Incident
from app.nonconformities import queries as nonconformity_queries
from app.nonconformities import workflow as nonconformity_workflow
from app.nonconformities.models import Nonconformity, NonconformitySource, NonconformityStatus, Severity
from app.objectives import periods as objective_periods
from app.objectives import queries as objective_queries
from app.objectives.models import Metric, ObjectiveStatus
from app.policies.models import Policy, PolicyState, PolicyVersion
from app.reports.pdf import html_to_pdf, render_html
from app.risks import authority as risk_authority
from app.risks import methodology, plans
from app.risks import queries as risk_queries
from app.risks import services as risk_services
from app.risks.matrices import current_matrix
from app.risks.models import (
    AcceptanceStatus,
    ActionStatus,
    RatingKind,
    Risk,
    RiskAcceptance,
    RiskStatus,
    TreatmentAction,
    TreatmentStrategy,
)
from app.suppliers import queries as supplier_queries
from app.suppliers import rules as supplier_rules
from app.suppliers.models import Supplier, SupplierStatus

# The unsupported-items table can run to thousands of rows (a province's estate): it shows the first
# ones by end of support and says how many more there are.
UNSUPPORTED_ROWS = 250
UNSUPPORTED_WITHIN_DAYS = 90  # the unsupported list: support ended, or ends within this many days
OPEN_ACTION_STATUSES = (ActionStatus.PLANNED.value, ActionStatus.IN_PROGRESS.value)
FINISHED_ACTION_STATUSES = (ActionStatus.DONE.value, ActionStatus.CANCELLED.value)


class ReportInputError(ValueError):
    """A report was asked for with parameters it cannot use; the message says which and why."""


class ReportNotFound(ReportInputError):
    """The version or department asked for does not exist."""


@dataclass(frozen=True)
class Checked:
    """A report's parameters checked without building it: what a queued request keeps (canonical,
    JSON) and the scope its page names."""

    params: dict
    scope_label: str


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    description: str
    permission: str  # the area permission a user needs (on top of report.view)
    prepare: Callable[[Mapping], Prepared]
    # Set for a report built by the scheduler process rather than in the request (app.reports.prepared).
    check: Callable[[Mapping], Checked] | None = None

    @property
    def in_background(self) -> bool:
        return self.check is not None


@dataclass
class Prepared:
    """A report ready to render: what the template needs, and what the audit entry says."""

    name: str
    title: str
    template: str
    filename: str
    scope_label: str
    version_label: str
    context: dict


# --- parameters ------------------------------------------------------------------------------------


def _id_param(params: Mapping, key: str, label: str) -> int | None:
    value = params.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ReportInputError(f"{label} must be a record number, got {value!r}.")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise ReportInputError(f"{label} must be a record number, got {value!r}.")
    if number <= 0 or number > 2**31 - 1:
        raise ReportInputError(f"{label} must be a record number, got {value!r}.")
    return number


def _department(params: Mapping) -> Department | None:
    department_id = _id_param(params, "department_id", "The department")
    if department_id is None:
        return None
    department = db.session.get(Department, department_id)
    if department is None:
        raise ReportNotFound(f"There is no department with id {department_id}.")
    return department


def find_department(value: str) -> Department | None:
    """A department by code (case-insensitive) or id, for the command line."""
    value = value.strip()
    found = db.session.scalar(sa.select(Department).where(sa.func.upper(Department.code) == value.upper()))
    if found is None and value.isdigit():
        found = db.session.get(Department, int(value))
    return found


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "report"


def _scope(department: Department | None, everything: str) -> str:
    return f"Department {department.code} — {department.name}" if department else everything


# --- risk register ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskLine:
    """A risk as the register's table and card show it."""

    risk: Risk
    ratings: dict[RatingKind, tuple]  # (likelihood, impact, score, band, band's CSS class)
    review_overdue: bool

    def rating(self, kind: str):
        return self.ratings[RatingKind(kind)]


def _viewer(params: Mapping) -> User | None:
    viewer_id = _id_param(params, "viewer_id", "The reader")
    if viewer_id is None:
        return None
    viewer = db.session.get(User, viewer_id)
    if viewer is None:
        raise ReportNotFound(f"There is no user with id {viewer_id}.")
    return viewer


def _risk_filters(params: Mapping) -> risk_queries.RiskFilters:
    filters = params.get("filters")
    viewer = _viewer(params)
    if filters is None:
        filters = risk_queries.RiskFilters.from_args({}, viewer=viewer)
    elif isinstance(filters, Mapping):
        filters = risk_queries.RiskFilters.from_args(filters, viewer=viewer)
    elif isinstance(filters, risk_queries.RiskFilters):
        filters = dataclasses.replace(filters, scope=risk_queries.register_scope(viewer))
    else:
        raise ReportInputError("The risk filters must be the /risks query string or a RiskFilters.")
    return _with_department(filters, params)


def _with_department(filters, params: Mapping):
    """The filters (of the risk list or the acceptances), their department checked, narrowed to the
    ``department_id`` parameter when there is one (it overrides the filters' own department)."""
    if filters.department_id is not None and db.session.get(Department, filters.department_id) is None:
        raise ReportNotFound(f"There is no department with id {filters.department_id}.")
    department = _department(params)
    return dataclasses.replace(filters, department_id=department.id) if department is not None else filters


def _filters_label(filters: risk_queries.RiskFilters) -> str:
    parts = []
    if filters.department_id is not None:
        department = db.session.get(Department, filters.department_id)
        parts.append(f"department {department.code}" if department else "a department")
    if filters.q:
        parts.append(f"matching “{filters.q}”")
    if filters.category_id is not None:
        from app.risks.models import RiskCategory

        category = db.session.get(RiskCategory, filters.category_id)
        parts.append(f"category {category.name}" if category else "a category")
    if filters.owner_id is not None:
        owner = db.session.get(User, filters.owner_id)
        parts.append(f"owned by {owner.full_name}" if owner else "one owner")
    if filters.band:
        parts.append(f"{filters.band_rating.value} band {filters.band}")
    if filters.out_of_tolerance:
        parts.append("out of tolerance")
    if filters.overdue_review:
        parts.append("review overdue")
    if filters.older_matrix:
        parts.append("scored on an older matrix")
    if filters.control_id is not None or filters.without_controls:
        parts.append("by control")
    if filters.cells:
        parts.append("heat-map cell")
    if filters.status == risk_queries.STATUS_ANY:
        base = "All risks, closed ones too"
    elif filters.status:
        base = f"Risks with status {RiskStatus(filters.status).label.lower()}"
    else:
        base = "All risks not closed"
    return base + (": " + ", ".join(parts) if parts else "")


def risk_lines(filters: risk_queries.RiskFilters, today: date) -> tuple[list[RiskLine], dict[tuple, str]]:
    """The risks in reference order, and a CSS class per band colour met (a class per cell is much
    cheaper to lay out than a style attribute on each of thousands of cells)."""
    current = current_matrix()
    statement = (risk_queries.filtered_risks(filters, today=today, current_matrix_id=current.id)
                 .options(selectinload(Risk.factors), selectinload(Risk.actions))
                 .order_by(Risk.reference))
    bands = risk_queries.Bands()
    band_classes: dict[tuple, str] = {}
    lines = []
    for risk in db.session.scalars(statement):
        ratings = {}
        for kind in RatingKind:
            likelihood = getattr(risk, f"{kind.value}_likelihood")
            impact = getattr(risk, f"{kind.value}_impact")
            band = bands.of(risk, kind)
            css = ""
            if band is not None:
                css = band_classes.setdefault((band.colour, band.text_colour), f"band-{len(band_classes)}")
            ratings[kind] = (likelihood, impact, getattr(risk, f"{kind.value}_score"), band, css)
        lines.append(RiskLine(risk, ratings, risk_services.review_overdue(risk, today)))
    return lines, band_classes


def _prepare_risk_register(params: Mapping) -> Prepared:
    today = local_today()
    filters = _risk_filters(params)
    current = current_matrix()
    lines, band_classes = risk_lines(filters, today)
    heat_filters = risk_queries.RiskFilters.from_args(filters.heatmap_args, viewer=_viewer(params))
    maps = [risk_queries.heat_map(kind, heat_filters, current=current, today=today)
            for kind in (RatingKind.INHERENT, RatingKind.RESIDUAL)]
    scope = _filters_label(filters)
    sections = [("heat-maps", "Heat maps"), ("register", "The register"), ("cards", "Risk cards")]
    return Prepared(
        name="risk_register", title="Risk register", template="pdf/risk_register.html",
        filename=f"risk-register-{today.isoformat()}.pdf", scope_label=scope,
        version_label=f"Register as at {today.isoformat()}, risk matrix version {current.version_number}",
        context={"lines": lines, "maps": maps, "today": today, "sections": sections, "toc": True,
                 "band_classes": band_classes,
                 "strategies": {strategy.value: strategy.label for strategy in TreatmentStrategy},
                 "out_of_tolerance_count": sum(1 for line in lines if line.risk.out_of_tolerance),
                 "older_count": sum(1 for line in lines if line.risk.matrix_id != current.id),
                 "other_scale_count": sum(1 for line in lines if line.risk.matrix.size != current.size),
                 "current": current, "heat_map_scoped": heat_filters != filters},
    )


# --- treatment plan --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OwnerActions:
    owner: str
    actions: list[TreatmentAction]
    overdue: int


def _in_plan_scope(statement: sa.Select, department: Department | None, viewer: User | None) -> sa.Select:
    """Risks not closed, of the department (None: all), that `viewer` may read (None: all)."""
    statement = statement.where(Risk.status != RiskStatus.CLOSED.value)
    if department is not None:
        statement = statement.where(Risk.department_id == department.id)
    scope = risk_queries.register_scope(viewer)
    return statement if scope is None else statement.where(scope)


def _actions_statement(statuses: tuple[str, ...], department: Department | None, viewer: User | None) -> sa.Select:
    statement = (sa.select(TreatmentAction).join(Risk, TreatmentAction.risk_id == Risk.id)
                 .where(TreatmentAction.status.in_(statuses))
                 .options(selectinload(TreatmentAction.risk).selectinload(Risk.department),
                          selectinload(TreatmentAction.owner), selectinload(TreatmentAction.control)))
    return _in_plan_scope(statement, department, viewer)


def treatment_actions(department: Department | None, viewer: User | None = None) -> list[TreatmentAction]:
    """Open actions (planned or in progress) of risks not closed that `viewer` may read (None: all):
    overdue first, then by due date (undated last), then by risk."""
    actions = list(db.session.scalars(_actions_statement(OPEN_ACTION_STATUSES, department, viewer)))
    actions.sort(key=lambda a: (a.due_on is None, a.due_on or date.max, a.risk.reference, a.id))
    return actions


def finished_actions(department: Department | None, viewer: User | None = None) -> list[TreatmentAction]:
    """Done and cancelled actions of the same risks, with their results: by risk, then the latest
    completed first (cancelled and undated ones after)."""
    actions = list(db.session.scalars(_actions_statement(FINISHED_ACTION_STATUSES, department, viewer)))
    actions.sort(key=lambda a: (a.risk.reference, a.completed_on is None, -(a.completed_on or date.min).toordinal(),
                                a.id))
    return actions


def untreated_conditions() -> list[sa.ColumnElement[bool]]:
    """The plan's gaps: risks out of tolerance (residual above their tolerance level), not accepted,
    with no open treatment action: nothing in the plan brings them back within tolerance."""
    open_action = sa.exists().where(TreatmentAction.risk_id == Risk.id,
                                    TreatmentAction.status.in_(OPEN_ACTION_STATUSES))
    return [Risk.residual_score.is_not(None), Risk.residual_score > Risk.tolerance,
            Risk.status != RiskStatus.ACCEPTED.value, ~open_action]


def _untreated(statement: sa.Select, department: Department | None, viewer: User | None) -> sa.Select:
    return _in_plan_scope(statement.where(*untreated_conditions()), department, viewer)


def untreated_risks(department: Department | None, viewer: User | None = None) -> list[Risk]:
    statement = (sa.select(Risk).options(selectinload(Risk.owner), selectinload(Risk.department),
                                         selectinload(Risk.actions), selectinload(Risk.matrix))
                 .order_by(Risk.residual_score.desc(), Risk.reference))
    return list(db.session.scalars(_untreated(statement, department, viewer)))


def untreated_count(department: Department | None, viewer: User | None = None) -> int:
    return db.session.execute(_untreated(sa.select(sa.func.count(Risk.id)), department, viewer)).scalar_one()


@dataclass(frozen=True)
class PlanLine:
    """One risk's plan: its strategy, target, actions and the owner's approval."""

    risk: Risk
    target: tuple  # (likelihood, impact, score, band, css) as the register's rating cells
    open_count: int
    finished_count: int
    approval: plans.ApprovalState


def plan_lines(department: Department | None, viewer: User | None = None) -> list[PlanLine]:
    """Every risk in scope that has a treatment action, with its owner's approval of the plan."""
    with_actions = sa.exists().where(TreatmentAction.risk_id == Risk.id)
    statement = (sa.select(Risk).where(with_actions)
                 .options(selectinload(Risk.owner), selectinload(Risk.actions), selectinload(Risk.matrix))
                 .order_by(Risk.reference))
    risks = list(db.session.scalars(_in_plan_scope(statement, department, viewer)))
    approvals = plans.approval_states(risks)
    bands = risk_queries.Bands()
    lines = []
    for risk in risks:
        band = bands.of(risk, RatingKind.TARGET)
        target = (risk.target_likelihood, risk.target_impact, risk.target_score, band, "")
        open_count = sum(1 for action in risk.actions if action.status in OPEN_ACTION_STATUSES)
        lines.append(PlanLine(risk, target, open_count, len(risk.actions) - open_count, approvals[risk.id]))
    return lines


def by_owner(actions: list[TreatmentAction], today: date) -> list[OwnerActions]:
    """Owners by name (no owner last), each owner's actions overdue first and then by due date."""
    groups: dict[str, list[TreatmentAction]] = {}
    for action in actions:
        groups.setdefault(action.owner.full_name if action.owner else "", []).append(action)
    ordered = sorted(groups, key=lambda name: (name == "", name.lower()))
    return [OwnerActions(name or "No owner",
                         sorted(groups[name], key=lambda a: (not a.is_overdue(today), a.due_on is None,
                                                             a.due_on or date.max, a.risk.reference)),
                         sum(1 for action in groups[name] if action.is_overdue(today)))
            for name in ordered]


def _prepare_treatment_plan(params: Mapping) -> Prepared:
    today = local_today()
    department = _department(params)
    viewer = _viewer(params)
    actions = treatment_actions(department, viewer)
    overdue = [action for action in actions if action.is_overdue(today)]
    owners = by_owner(actions, today)
    lines = plan_lines(department, viewer)
    sections = [("summary", "Summary"), ("gaps", "Gaps: out of tolerance, not treated"),
                ("approvals", "Plans and the risk owners' approval"), ("overdue", "Overdue actions"),
                ("by-owner", "Actions by owner"), ("results", "Done and cancelled actions")]
    return Prepared(
        name="treatment_plan", title="Risk treatment plan", template="pdf/treatment_plan.html",
        filename=f"treatment-plan-{today.isoformat()}.pdf", scope_label=_scope(department, "All departments"),
        version_label=f"Plan as at {today.isoformat()}",
        context={"actions": actions, "overdue": overdue, "owners": owners, "today": today, "sections": sections,
                 "gaps": untreated_risks(department, viewer), "plans": lines,
                 "approved_count": sum(1 for line in lines if line.approval.current),
                 "finished": finished_actions(department, viewer), "toc": True,
                 "strategies": {strategy.value: strategy.label for strategy in TreatmentStrategy}},
    )


# --- risk methodology ------------------------------------------------------------------------------


def _prepare_risk_methodology(params: Mapping) -> Prepared:
    number = _id_param(params, "version_number", "The risk matrix version")
    criteria = methodology.methodology(number)
    if criteria is None:
        raise ReportNotFound(f"There is no risk matrix version {number}.")
    version = criteria.version
    which = " (current)" if criteria.is_current else f" (the current version is {criteria.current.version_number})"
    sections = [("rating", "How a risk is rated"), ("levels", "Levels"), ("acceptance", "Tolerance and acceptance"),
                ("versions", "Versions of the matrix")]
    return Prepared(
        name="risk_methodology", title="Risk methodology", template="pdf/risk_methodology.html",
        filename=f"risk-methodology-v{version.version_number}.pdf",
        scope_label="Risk criteria (ISO/IEC 27001:2022 6.1.2 a)",
        version_label=f"Risk matrix version {version.version_number}{which}",
        context={"m": criteria, "sections": sections, "toc": False},
    )


# --- risk acceptance register ----------------------------------------------------------------------


def _acceptance_filters(params: Mapping) -> risk_queries.AcceptanceFilters:
    filters = params.get("filters")
    if filters is not None and not isinstance(filters, Mapping):
        raise ReportInputError("The acceptance filters must be the /risks/acceptances query string.")
    filters = risk_queries.AcceptanceFilters.from_args(filters or {}, viewer=_viewer(params))
    return _with_department(filters, params)


def _acceptance_filters_label(filters: risk_queries.AcceptanceFilters) -> str:
    parts = []
    if filters.status:
        parts.append(f"{filters.status} only")
    if filters.department_id is not None:
        department = db.session.get(Department, filters.department_id)
        parts.append(f"department {department.code}" if department else "a department")
    if filters.band:
        parts.append(f"residual band {filters.band}")
    if filters.q:
        parts.append(f"matching “{filters.q}”")
    return "Every acceptance" + (": " + ", ".join(parts) if parts else ", in force or ended")


def _prepare_acceptance_register(params: Mapping) -> Prepared:
    today = local_today()
    filters = _acceptance_filters(params)
    acceptances = list(db.session.scalars(risk_queries.filtered_acceptances(filters, today=today)
                                          .order_by(Risk.reference, RiskAcceptance.accepted_on.desc(),
                                                    RiskAcceptance.id.desc())))
    by_status = {status: [a for a in acceptances if a.status_on(today) == status] for status in AcceptanceStatus}
    sections = [("summary", "Summary"), *((f"acceptances-{status.value}", f"{status.label} acceptances")
                                          for status in AcceptanceStatus)]
    return Prepared(
        name="acceptance_register", title="Risk acceptance register", template="pdf/acceptance_register.html",
        filename=f"risk-acceptances-{today.isoformat()}.pdf", scope_label=_acceptance_filters_label(filters),
        version_label=f"Register as at {today.isoformat()}",
        context={"by_status": by_status, "total": len(acceptances), "today": today, "sections": sections,
                 "toc": len(acceptances) > 30, "statuses": list(AcceptanceStatus),
                 "band_authorities": [(band, risk_authority.authority_for_band(band.name).label) for band in
                                      sorted(current_matrix().to_scoring().bands, key=lambda b: b.min_score)],
                 "authorities": {authority.value: authority.label for authority in AcceptanceAuthority}},
    )


def _check_acceptance_register(params: Mapping) -> Checked:
    filters = _acceptance_filters(params)
    kept = {"filters": dict(sorted(filters.args.items()))} if filters.args else {}
    return Checked(_kept({**kept, **_department_kept(_department(params)), **_viewer_kept(params)}),
                   _acceptance_filters_label(filters))


# --- Statement of Applicability -------------------------------------------------------------------


def issued_soa_versions() -> list[SoaVersion]:
    """Issued versions, the latest first."""
    return list(db.session.scalars(sa.select(SoaVersion).order_by(SoaVersion.number.desc())))


def _soa_version(params: Mapping) -> SoaVersion:
    version_id = _id_param(params, "version_id", "The SoA version")
    number = _id_param(params, "version_number", "The SoA version number")
    if version_id is not None:
        version = db.session.get(SoaVersion, version_id)
        if version is None:
            raise ReportNotFound(f"There is no issued Statement of Applicability with id {version_id}.")
        return version
    if number is not None:
        version = db.session.scalar(sa.select(SoaVersion).where(SoaVersion.number == number))
        if version is None:
            raise ReportNotFound(f"There is no issued Statement of Applicability version {number}.")
        return version
    latest = db.session.scalar(sa.select(SoaVersion).order_by(SoaVersion.number.desc()).limit(1))
    if latest is None:
        raise ReportNotFound("No Statement of Applicability has been issued yet: issue one on the SoA page first.")
    return latest


def _prepare_soa(params: Mapping) -> Prepared:
    version = _soa_version(params)
    rows = version.rows
    themes: dict[str, list[dict]] = {}
    for row in rows:
        themes.setdefault(row.get("theme") or "Other", []).append(row)
    by_theme = [(f"theme-{_slug(theme)}", theme, theme_rows) for theme, theme_rows in themes.items()]
    sections = [("approval", "Approval"), ("summary", "Summary"),
                *((anchor, f"{theme} controls") for anchor, theme, _ in by_theme)]
    applicable = sum(1 for row in rows if row.get("applicable"))
    statuses: dict[str, int] = {}
    for row in rows:
        if row.get("applicable"):
            statuses[row.get("status") or "—"] = statuses.get(row.get("status") or "—", 0) + 1
    return Prepared(
        name="soa", title="Statement of Applicability", template="pdf/soa.html",
        filename=f"statement-of-applicability-v{version.number}.pdf",
        scope_label="ISO/IEC 27001:2022 Annex A controls",
        version_label=f"Version {version.number}, approved {version.approved_on.isoformat()}",
        context={"issued": version, "rows": rows, "themes": by_theme, "sections": sections, "toc": True,
                 "applicable": applicable, "statuses": statuses,
                 "later_versions": db.session.scalar(sa.select(sa.func.count()).select_from(SoaVersion)
                                                     .where(SoaVersion.number > version.number))},
    )


# --- asset register summary ------------------------------------------------------------------------


def _asset_counts(column, department: Department | None) -> list[tuple]:
    statement = sa.select(column, sa.func.count(Asset.id)).group_by(column)
    if department is not None:
        statement = statement.where(Asset.department_id == department.id)
    return list(db.session.execute(statement))


def _label(enum_class, value) -> str:
    try:
        return enum_class(value).label
    except ValueError:
        return str(value)


def _prepare_asset_register(params: Mapping) -> Prepared:
    today = local_today()
    department = _department(params)
    by_kind = sorted(((_label(AssetKind, kind), count) for kind, count in _asset_counts(Asset.kind, department)),
                     key=lambda row: row[0])
    lifecycle_order = {status.value: index for index, status in enumerate(Lifecycle)}
    by_lifecycle = [(_label(Lifecycle, status), count) for status, count in
                    sorted(_asset_counts(Asset.status, department), key=lambda r: lifecycle_order.get(r[0], 99))]
    department_rows = db.session.execute(
        sa.select(Department.code, Department.name, sa.func.count(Asset.id))
        .select_from(Asset).outerjoin(Department, Asset.department_id == Department.id)
        .where(*([Asset.department_id == department.id] if department else []))
        .group_by(Department.code, Department.name).order_by(Department.code))
    by_department = [(f"{code} — {name}" if code else "No department", count) for code, name, count in department_rows]
    unsupported = (asset_queries.unsupported_items(today, UNSUPPORTED_WITHIN_DAYS)
                   .order_by(None).order_by(Asset.support_ends_on, Asset.tag))
    if department is not None:
        unsupported = unsupported.where(Asset.department_id == department.id)
    unsupported_total = db.session.scalar(sa.select(sa.func.count()).select_from(unsupported.order_by(None).subquery()))
    unsupported_items = list(db.session.scalars(unsupported.limit(UNSUPPORTED_ROWS)))
    sections = [("by-type", "Items by type"), ("by-department", "Items by department"),
                ("by-lifecycle", "Items by lifecycle state"), ("unsupported", "Unsupported items"),
                ("portfolio", "Application portfolio"), ("sites", "Connected sites")]
    return Prepared(
        name="asset_register", title="Asset register summary", template="pdf/asset_register.html",
        filename=f"asset-register-{today.isoformat()}.pdf", scope_label=_scope(department, "All departments"),
        version_label=f"Register as at {today.isoformat()}",
        context={"by_kind": by_kind, "by_department": by_department, "by_lifecycle": by_lifecycle,
                 "total": sum(count for _, count in by_kind), "unsupported": unsupported_items,
                 "unsupported_total": unsupported_total, "within_days": UNSUPPORTED_WITHIN_DAYS, "today": today,
                 "portfolio": summaries.portfolio_as_reported(), "sites": summaries.sites_table(),
                 "dispositions": list(Disposition), "groups": DISPOSITION_GROUPS, "group_names": list(DispositionGroup),
                 "department": department, "sections": sections, "toc": True},
    )


# --- policy document -------------------------------------------------------------------------------


def available_policy_versions() -> list[PolicyVersion]:
    """Every version of every policy (drafts too: a reviewer prints them), by policy code and version."""
    versions = db.session.scalars(sa.select(PolicyVersion).join(Policy)
                                  .options(selectinload(PolicyVersion.policy))
                                  .order_by(Policy.code, PolicyVersion.id.desc()))
    return list(versions)


def _prepare_policy(params: Mapping) -> Prepared:
    version_id = _id_param(params, "version_id", "The policy version")
    if version_id is None:
        raise ReportInputError("Choose the policy version to print (version_id).")
    version = db.session.get(PolicyVersion, version_id)
    if version is None:
        raise ReportNotFound(f"There is no policy version with id {version_id}.")
    policy = version.policy
    state = version.state_enum
    sections = [("document-control", "Document control"), ("policy-text", "Policy text")]
    if version.clauses:
        sections.append(("clauses", "Clauses"))
    return Prepared(
        name="policy", title=f"{policy.code} {policy.title}", template="pdf/policy.html",
        filename=f"{_slug(policy.code)}-v{version.number}.pdf", scope_label=f"Policy {policy.code}",
        version_label=f"Version {version.number} ({state.label.lower()})",
        context={"policy": policy, "version": version, "state": state, "body": render_markdown(version.body,
                 top_heading=3), "in_force": state == PolicyState.APPROVED, "sections": sections,
                 "toc": len(version.body) > 6000 or len(version.clauses) > 20},
    )


# --- objectives and measurement --------------------------------------------------------------------


@dataclass(frozen=True)
class MetricLine:
    """A metric as the report shows it: its latest value, its last year's trend as a chart and a table."""

    metric: Metric
    latest: object  # app.objectives.models.Measurement | None
    recent: list
    chart: str

    def label(self, start: date) -> str:
        return objective_periods.period_label(start, self.metric.frequency_enum)


def _prepare_objectives(params: Mapping) -> Prepared:
    today = local_today()
    objectives = objective_queries.all_objectives()
    metrics = objective_queries.all_metrics()
    ids = [metric.id for metric in metrics]
    latest, recent = objective_queries.latest_measurements(ids), objective_queries.recent_measurements(ids)
    lines = [MetricLine(metric, latest.get(metric.id), recent[metric.id],
                        objective_queries.trend_chart(metric, recent[metric.id], chart_id=f"pdf-metric-{metric.id}"))
             for metric in metrics]
    counts = [(status, sum(1 for o in objectives if o.status == status.value)) for status in ObjectiveStatus]
    return Prepared(
        name="objectives", title="Objectives and measurement", template="pdf/objectives.html",
        filename=f"objectives-and-measurement-{today.isoformat()}.pdf", scope_label="Whole ISMS",
        version_label=f"As at {today.isoformat()}",
        context={"objectives": objectives, "metrics": lines, "today": today, "toc": True,
                 "status_counts": [(status, count) for status, count in counts if count],
                 "sections": [("objectives", "Objectives (ISO/IEC 27001 6.2)"),
                              ("metrics", "Monitoring and measurement (ISO/IEC 27001 9.1)")]},
    )


def _check_objectives(params: Mapping) -> Checked:
    return Checked({}, "Whole ISMS")
# --- context and scope of the ISMS --------------------------------------------------------------------


def _prepare_isms_context(params: Mapping) -> Prepared:
    today = local_today()
    active = context_queries.ContextFilters()  # the active ones, as the lists show them first
    issues = list(db.session.scalars(context_queries.issues(active, today).order_by(
        sa.func.lower(ContextIssue.title), ContextIssue.id)))
    parties = list(db.session.scalars(context_queries.parties(active, today).order_by(
        sa.func.lower(InterestedParty.name), InterestedParty.id)))
    requirements = [requirement for party in parties for requirement in party.requirements]
    statement = context_scope.latest_issued()
    sections = [("scope", "Scope of the ISMS"), ("issues", "Internal and external issues"),
                ("parties", "Interested parties and their requirements"), ("roles", "Information-security roles")]
    return Prepared(
        name="isms_context", title="ISMS context and scope", template="pdf/isms_context.html",
        filename=f"isms-context-and-scope-{today.isoformat()}.pdf",
        scope_label="ISO/IEC 27001:2022 clauses 4.1-4.3 and 5.3",
        version_label=(f"Scope statement version {statement.number}, approved {statement.approved_on.isoformat()}"
                       if statement and statement.approved_on else "No scope statement issued yet")
        + f"; register as at {today.isoformat()}",
        context={"issues": issues, "parties": parties, "requirement_count": len(requirements),
                 "open_count": sum(1 for requirement in requirements if not requirement.addressed),
                 "statement": statement, "draft": context_scope.draft(), "scope_fields": context_scope.TEXT_FIELDS,
                 "roles": context_queries.roles(), "control_owners": context_queries.control_owners(),
                 "today": today, "sections": sections, "toc": True},
    )


def _check_isms_context(params: Mapping) -> Checked:
    return Checked({}, "Context, interested parties, scope and roles")


# --- security incidents (issue 20, part 1) -----------------------------------------------------------


def _incident_filters(params: Mapping) -> incident_queries.IncidentFilters:
    raw = params.get("filters")
    if raw is not None and not isinstance(raw, Mapping):
        raise ReportInputError("The incident filters must be the /incidents query string.")
    return incident_queries.IncidentFilters.from_args({str(k): str(v) for k, v in (raw or {}).items()})


def _incident_label(filters: incident_queries.IncidentFilters) -> str:
    shown = ", ".join(f"{key} {value}" for key, value in sorted(filters.args().items()))
    return "Incidents: " + (shown or "awaiting triage or being handled")


def _prepare_incidents(params: Mapping) -> Prepared:
    today = local_today()
    filters = _incident_filters(params)
    records = list(db.session.scalars(incident_queries.filtered(filters).order_by(Incident.id)
                                      .options(*incident_queries.record_options())))
    sections = [("summary", "Incidents by month"), ("register", "The register"), ("records", "Each incident")]
    return Prepared(
        name="incidents", title="Security incidents", template="pdf/incidents.html",
        filename=f"incidents-{today.isoformat()}.pdf", scope_label=_incident_label(filters),
        version_label=f"Register as at {today.isoformat()}",
        context={"records": records, "today": today, "summary": incident_queries.summary(today),
                 "sections": sections, "toc": len(records) > 15})


def _check_incidents(params: Mapping) -> Checked:
    filters = _incident_filters(params)
    return Checked(_kept({"filters": dict(sorted(filters.args().items()))} if filters.args() else {}),
                   _incident_label(filters))


def _prepare_incident(params: Mapping) -> Prepared:
    incident_id = _id_param(params, "incident_id", "The incident")
    incident = db.session.get(Incident, incident_id) if incident_id is not None else None
    if incident is None:
        raise ReportNotFound("There is no such incident.")
    today = local_today()
    return Prepared(
        name="incident", title=f"Incident {incident.reference}", template="pdf/incident.html",
        filename=f"incident-{incident.reference}-{today.isoformat()}.pdf", scope_label=incident.title,
        version_label=f"Record as at {today.isoformat()}", context={"records": [incident], "today": today})


# --- nonconformities and corrective action --------------------------------------------------------


def _date_param(params: Mapping, key: str, label: str) -> date | None:
    value = params.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ReportInputError(f"{label} must be a date written YYYY-MM-DD, got {value!r}.") from None


def _nonconformity_scope(params: Mapping):
    raw = params.get("filters")
    if raw is not None and not isinstance(raw, Mapping):
        raise ReportInputError("The nonconformity filters must be the /nonconformities query string.")
    filters = nonconformity_queries.NonconformityFilters.from_args({str(k): str(v) for k, v in (raw or {}).items()})
    department = _department(params)
    if department is not None:
        filters = dataclasses.replace(filters, department_id=department.id)
    date_from, date_to = _date_param(params, "date_from", "The start"), _date_param(params, "date_to", "The end")
    if date_from and date_to and date_from > date_to:
        raise ReportInputError("The end of the period is before its start.")
    return filters, date_from, date_to


def _nonconformity_label(filters, date_from: date | None, date_to: date | None) -> str:
    parts = []
    if filters.status == nonconformity_queries.STATUS_ANY:
        parts.append("open and closed")
    elif filters.status:
        parts.append(NonconformityStatus(filters.status).label.lower())
    else:
        parts.append("open")
    if filters.source:
        parts.append(f"found by {NonconformitySource(filters.source).label.lower()}")
    if filters.severity:
        parts.append(f"{Severity(filters.severity).label.lower()} only")
    if filters.department_id is not None:
        department = db.session.get(Department, filters.department_id)
        parts.append(f"department {department.code}" if department else "a department")
    if date_from or date_to:
        parts.append(f"raised or open {date_from.isoformat() if date_from else 'up'} to "
                     f"{date_to.isoformat() if date_to else 'today'}")
    return "Nonconformities: " + ", ".join(parts)


def _prepare_nonconformities(params: Mapping) -> Prepared:
    today = local_today()
    filters, date_from, date_to = _nonconformity_scope(params)
    if (date_from or date_to) and filters.status == nonconformity_queries.STATUS_OPEN:
        # A period replaces the open-only default: what was raised in it or open during it.
        filters = dataclasses.replace(filters, status=nonconformity_queries.STATUS_ANY)
    statement = sa.select(Nonconformity).where(*filters.conditions(today),
                                               *nonconformity_queries.period_conditions(date_from, date_to))
    records = list(db.session.scalars(statement.order_by(Nonconformity.id)
                                      .options(*nonconformity_queries.record_options())))
    sections = [("summary", "Summary and ageing"), ("register", "The register"), ("records", "Each nonconformity")]
    return Prepared(
        name="nonconformities", title="Nonconformities and corrective actions", template="pdf/nonconformities.html",
        filename=f"nonconformities-{today.isoformat()}.pdf", scope_label=_nonconformity_label(filters, date_from,
                                                                                              date_to),
        version_label=f"Register as at {today.isoformat()}",
        context={"records": records, "today": today, "ageing": nonconformity_queries.ageing(today),
                 "counts": nonconformity_queries.counts(today), "is_overdue": nonconformity_queries.is_overdue,
                 "age_in_days": nonconformity_workflow.age_in_days, "sections": sections, "toc": len(records) > 15},
    )


def _check_nonconformities(params: Mapping) -> Checked:
    filters, date_from, date_to = _nonconformity_scope(params)
    kept: dict = {"filters": dict(sorted(filters.args().items()))} if filters.args() else {}
    kept |= {key: value.isoformat() for key, value in (("date_from", date_from), ("date_to", date_to)) if value}
    return Checked(_kept({**kept, **_department_kept(_department(params))}),
                   _nonconformity_label(filters, date_from, date_to))


# --- business continuity ---------------------------------------------------------------------------


def _prepare_continuity(params: Mapping) -> Prepared:
    today, months = local_today(), continuity_services.test_months()
    analyses = list(db.session.scalars(continuity_queries.analyses(continuity_queries.AnalysisFilters(), today, months)
                                       .order_by(ImpactAnalysis.reference)))
    year_ago = add_months(today, -12)
    tests = list(db.session.scalars(continuity_queries.tests(continuity_queries.TestFilters())
                                    .where(ContinuityTest.tested_on > year_ago)
                                    .order_by(ContinuityTest.tested_on.desc(), ContinuityTest.id.desc())))
    sections = [("analysis", "Business impact analysis"), ("plans", "Plans"), ("tests", "Tests and exercises")]
    return Prepared(
        name="continuity", title="Business continuity", template="pdf/continuity.html",
        filename=f"business-continuity-{today.isoformat()}.pdf",
        scope_label="ISO/IEC 27001:2022 A.5.29, 5.30, 8.13 and 8.14",
        version_label=f"Register as at {today.isoformat()}; tests since {year_ago.isoformat()}",
        context={"analyses": analyses, "tests": tests, "today": today, "months": months,
                 "due_before": continuity_queries.test_due_before(today, months),
                 "results": continuity_queries.test_results(year_ago, today), "areas": list(ImpactArea),
                 "sections": sections, "toc": len(analyses) > 15})


def _check_continuity(params: Mapping) -> Checked:
    return Checked({}, "Every analysed service; tests of the last 12 months")
# --- suppliers (A.5.19-5.23) ---------------------------------------------------------------------------


def _supplier_filters(params: Mapping):
    raw = params.get("filters")
    if raw is not None and not isinstance(raw, Mapping):
        raise ReportInputError("The supplier filters must be the /suppliers query string.")
    return supplier_queries.SupplierFilters.from_args({str(k): str(v) for k, v in (raw or {}).items()})


def _supplier_label(filters) -> str:
    if filters.status == supplier_queries.STATUS_ANY:
        parts = ["current and exited"]
    else:
        parts = [SupplierStatus(filters.status).label.lower() if filters.status else "current"]
    if filters.gap:
        parts.append(supplier_queries.GAP_LABELS[filters.gap].lower())
    if len(filters.args()) > (1 if filters.status else 0) + (1 if filters.gap else 0):
        parts.append("filtered as on the list")
    return "Suppliers: " + ", ".join(parts)


def _prepare_suppliers(params: Mapping) -> Prepared:
    today = local_today()
    filters = _supplier_filters(params)
    records = list(db.session.scalars(sa.select(Supplier).where(*filters.conditions(today))
                                      .order_by(sa.func.lower(Supplier.name), Supplier.id)
                                      .options(*supplier_queries.record_options())))
    gaps = {supplier.id: supplier_rules.gaps(supplier_rules.facts_of(supplier), today) for supplier in records}
    sections = [("summary", "Summary"), ("register", "The register"), ("records", "Each supplier")]
    return Prepared(
        name="suppliers", title="Supplier register", template="pdf/suppliers.html",
        filename=f"suppliers-{today.isoformat()}.pdf", scope_label=_supplier_label(filters),
        version_label=f"Register as at {today.isoformat()}",
        context={"records": records, "gaps": gaps, "today": today, "counts": supplier_queries.counts(today),
                 "ending_days": supplier_queries.contract_reminder_days(), "sections": sections,
                 "toc": len(records) > 15},
    )


def _check_suppliers(params: Mapping) -> Checked:
    filters = _supplier_filters(params)
    kept = {"filters": dict(sorted(filters.args().items()))} if filters.args() else {}
    return Checked(_kept(kept), _supplier_label(filters))
# --- awareness and training -------------------------------------------------------------------------

# The per-department table and the trend show at most this many months (the last of the period).
AWARENESS_TREND_MONTHS = 12


@dataclass(frozen=True)
class CampaignLine:
    campaign: object  # app.awareness.models.Campaign
    rate: awareness_queries.Rate
    state: str  # "on target", "below target", "running", "planned"


def _awareness_scope(params: Mapping) -> tuple[date, date, Department | None]:
    today = local_today()
    date_to = _date_param(params, "date_to", "The end") or today
    date_from = _date_param(params, "date_from", "The start") or add_months(date_to.replace(day=1),
                                                                         -(AWARENESS_TREND_MONTHS - 1))
    if date_from > date_to:
        raise ReportInputError("The end of the period is before its start.")
    return date_from, date_to, _department(params)


def _awareness_label(date_from: date, date_to: date, department: Department | None) -> str:
    label = f"Campaigns running {date_from.isoformat()} to {date_to.isoformat()}"
    return label + (f"; audience in department {department.code}" if department else "")


def _months_between(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def _prepare_awareness(params: Mapping) -> Prepared:
    today = local_today()
    date_from, date_to, department = _awareness_scope(params)
    department_id = department.id if department else None
    target = awareness_services.target_rate()
    campaigns = awareness_queries.campaigns_in_period(date_from, date_to, department_id)
    per_department = awareness_queries.rates_by_department(campaigns)
    lines = []
    for campaign in campaigns:
        rates = per_department[campaign.id]
        rate = (rates.get(department_id, awareness_queries.NO_RATE) if department_id
                else sum(rates.values(), awareness_queries.NO_RATE))
        state = campaign.state(today)
        if state == "Ended":
            state = "on target" if rate.percent >= target else "below target"
        lines.append(CampaignLine(campaign, rate, state.lower()))
    ended = [line for line in lines if line.state in ("on target", "below target")]
    months = awareness_queries.monthly_rates(min(date_to, today), min(AWARENESS_TREND_MONTHS, _months_between(
        date_from, min(date_to, today))), department_id=department_id)
    departments = awareness_queries.departments_by_id({d for month in months for d in month.by_department})
    sections = [("summary", "Summary"), ("campaigns", "Campaigns"), ("departments", "Completion by department")]
    return Prepared(
        name="awareness", title="Awareness and training", template="pdf/awareness.html",
        filename=f"awareness-and-training-{today.isoformat()}.pdf",
        scope_label=_awareness_label(date_from, date_to, department),
        version_label=f"Register as at {today.isoformat()}, completion target {target}%",
        context={"lines": lines, "ended": ended, "target": target, "today": today, "department": department,
                 "overall": sum((line.rate for line in ended), awareness_queries.NO_RATE),
                 "below": sum(1 for line in ended if line.state == "below target"),
                 "months": months, "departments": sorted(departments.values(), key=lambda d: d.code),
                 "chart": awareness_queries.completion_trend(months, target, "pdf-awareness-trend"),
                 "sections": sections, "toc": len(lines) > 20},
    )


def _check_awareness(params: Mapping) -> Checked:
    date_from, date_to, department = _awareness_scope(params)
    # The dates asked for, as ISO dates (none asked: the twelve months to the day the PDF is built).
    kept = {key: value.isoformat() for key in ("date_from", "date_to")
            if (value := _date_param(params, key, key)) is not None}
    return Checked(_kept({**kept, **_department_kept(department)}), _awareness_label(date_from, date_to, department))


# --- checking a request to queue --------------------------------------------------------------------

# A queued request keeps its filters; the /risks query string is short, this only bounds what is stored.
MAX_KEPT_PARAMS = 4000


def _kept(params: dict) -> dict:
    text = json.dumps(params, sort_keys=True)
    if len(text) > MAX_KEPT_PARAMS:
        raise ReportInputError(f"The report's filters are too long ({len(text):,} characters, at most "
                               f"{MAX_KEPT_PARAMS:,}): shorten the search text or choose fewer filters.")
    return params


def _department_kept(department: Department | None) -> dict:
    return {"department_id": department.id} if department else {}


def _viewer_kept(params: Mapping) -> dict:
    """The reader a risk report is for stays with it: it is built with what they may read."""
    viewer = _viewer(params)
    return {"viewer_id": viewer.id} if viewer else {}


def _check_risk_register(params: Mapping) -> Checked:
    filters = _risk_filters(params)
    raw = params.get("filters")
    if raw is not None and not isinstance(raw, Mapping):
        raise ReportInputError("A queued risk register takes the /risks query string as its filters.")
    # The query string as given (risks.queries reads it again when the PDF is built), blanks left out.
    args = {str(key): str(value) for key, value in (raw or {}).items() if str(value).strip()}
    kept = {"filters": dict(sorted(args.items()))} if args else {}
    return Checked(_kept({**kept, **_department_kept(_department(params)), **_viewer_kept(params)}),
                   _filters_label(filters))


def _check_by_department(params: Mapping) -> Checked:
    department = _department(params)
    return Checked(_department_kept(department), _scope(department, "All departments"))


def _check_treatment_plan(params: Mapping) -> Checked:
    checked = _check_by_department(params)
    return dataclasses.replace(checked, params={**checked.params, **_viewer_kept(params)})


def _check_soa(params: Mapping) -> Checked:
    # The version is fixed now: "the latest" means the latest when the user asked.
    version = _soa_version(params)
    return Checked({"version_number": version.number},
                   f"Version {version.number}, approved {version.approved_on.isoformat()}")


REPORTS: dict[str, Report] = {
    report.name: report for report in (
        Report("risk_register", "Risk register",
               "Heat maps, every risk's ratings, bands, tolerance, owner and treatment, and a card per risk.",
               RISK_VIEW, _prepare_risk_register, _check_risk_register),
        Report("treatment_plan", "Risk treatment plan",
               "Risks out of tolerance with no treatment, each plan with its owner's approval, open actions by "
               "owner and due date (overdue first), and done and cancelled actions with their results.", RISK_VIEW,
               _prepare_treatment_plan, _check_treatment_plan),
        Report("risk_methodology", "Risk methodology",
               "The risk criteria: the matrix with its level meanings, bands and required responses, tolerance, "
               "who may accept what and for how long, and every version of the matrix.", RISK_VIEW,
               _prepare_risk_methodology),
        Report("acceptance_register", "Risk acceptance register",
               "Every acceptance of a risk above tolerance: residual and band against the tolerance, who accepted "
               "it under which authority, when, until when and why, and whether it is current, expired or "
               "withdrawn.", RISK_VIEW, _prepare_acceptance_register, _check_acceptance_register),
        Report("soa", "Statement of Applicability",
               "An issued version with its approval, every Annex A control's decision and justification.",
               SOA_VIEW, _prepare_soa, _check_soa),
        Report("asset_register", "Asset register summary",
               "Items by type, department and lifecycle, unsupported items, the application portfolio and "
               "the connected sites.", ASSET_VIEW, _prepare_asset_register, _check_by_department),
        Report("isms_context", "ISMS context and scope",
               "Internal and external issues, interested parties with their requirements and the controls that "
               "meet them, the scope statement in force with its approval, and who holds which ISMS role.",
               CONTEXT_VIEW, _prepare_isms_context, _check_isms_context),
        Report("policy", "Policy document", "A chosen version with its document-control tables.", POLICY_VIEW,
               _prepare_policy),
        Report("nonconformities", "Nonconformities and corrective actions",
               "The ageing of open nonconformities, and each one's nature, correction, root cause, corrective "
               "actions and effectiveness review (ISO/IEC 27001 10.2).", NONCONFORMITY_VIEW,
               _prepare_nonconformities, _check_nonconformities),
        Report("continuity", "Business continuity",
               "Each key service's recovery objectives, impact and dependencies, its continuity and recovery plans "
               "in force, and the year's tests and exercises with their findings (A.5.29, 5.30, 8.13, 8.14).",
               CONTINUITY_VIEW, _prepare_continuity, _check_continuity),
        Report("suppliers", "Supplier register",
               "Every supplier's services, the systems and information they touch, POPIA operator status and "
               "contract, security clauses, cloud region and exit plan, assessments and what each record lacks "
               "(ISO/IEC 27001 A.5.19-5.23).", SUPPLIER_VIEW, _prepare_suppliers, _check_suppliers),
        Report("incidents", "Security incidents",
               "Incidents by category and severity per month, time to contain and close, the register, and each "
               "incident's triage, handling, evidence and POPIA s22 notification (A.5.24-5.28).", INCIDENT_VIEW,
               _prepare_incidents, _check_incidents),
        Report("incident", "Incident record", "One incident's report, triage, timeline, evidence with its chain "
               "of custody, links and POPIA s22 notification.", INCIDENT_VIEW, _prepare_incident),
        Report("objectives", "Objectives and measurement",
               "Every information-security objective with its status over time, and every metric's latest value "
               "against its target with its trend.", OBJECTIVE_VIEW, _prepare_objectives, _check_objectives),
        Report("awareness", "Awareness and training",
               "The awareness campaigns of a period with their audience, channel and dates, each one's completion "
               "rate against the target, and the rates by department and month with their trend (ISO/IEC 27001 "
               "7.2, 7.3 and A.6.3). Counts only: nobody is named.", AWARENESS_VIEW, _prepare_awareness,
               _check_awareness),
    )
}


def report_named(name: str) -> Report:
    report = REPORTS.get(name)
    if report is None:
        raise ReportInputError(f"There is no report called {name!r}; the reports are: {', '.join(REPORTS)}.")
    return report


def check(name: str, params: Mapping | None = None) -> Checked:
    """A background report's parameters, checked with a few lookups (no register is read): raises
    ReportInputError (ReportNotFound) as prepare() would."""
    report = report_named(name)
    if report.check is None:
        raise ReportInputError(f"The {report.title} report is built in the request, not queued.")
    return report.check(params or {})


def prepare(name: str, params: Mapping | None = None) -> Prepared:
    prepared = report_named(name).prepare(params or {})
    prepared.context.setdefault("sections", [])
    return prepared


def _html(prepared: Prepared, generated_by: str) -> str:
    return render_html(prepared.template, title=prepared.title, generated_by=generated_by,
                       scope_label=prepared.scope_label, version_label=prepared.version_label, **prepared.context)


def render_report_html(name: str, *, params: Mapping | None = None, generated_by: str) -> str:
    return _html(prepare(name, params), generated_by)


def render_prepared(prepared: Prepared, *, generated_by: str) -> bytes:
    return html_to_pdf(_html(prepared, generated_by))


def build_report(name: str, *, params: Mapping | None = None, generated_by: str) -> bytes:
    """The report as a PDF. Raises ReportInputError (ReportNotFound) on bad parameters."""
    return render_prepared(prepare(name, params), generated_by=generated_by)


def record_generated(prepared: Prepared, *, actor: User | None = None, actor_email: str | None = None) -> None:
    """The audit entry for a generated report; the caller commits."""
    audit.record(AuditAction.GENERATE, "report", prepared.name, actor=actor, actor_email=actor_email,
                 summary=f"Generated the {prepared.title} PDF ({prepared.scope_label}; {prepared.version_label})")
