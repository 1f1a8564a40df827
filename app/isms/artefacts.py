"""The certification evidence: each artefact a stage-2 auditor asks for, where it is in Khusela,
whether it is in place, when it last changed and what is missing from it.

Interface::

    ARTEFACTS: tuple[Artefact, ...]          # in the order an auditor walks clauses 4 to 10, then Annex A
    states_for(user, today) -> list[Shown]   # the artefacts `user` may read, each with its State
    clause_rows(shown) -> list[ClauseRow]    # clauses 4.1-10.2 with the artefacts that evidence them

Each artefact's `check` reads aggregates only (counts and a MAX), so the page stays quick on a
large register; the lists behind a gap are one link away (a filtered list page). A check sees
what its reader may see: a manager's risk figures are their own department's, as on /risks.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

import sqlalchemy as sa
from flask import g, has_request_context

from app.admin import settings
from app.assets import queries as asset_queries
from app.assets.models import Asset
from app.audit import verification
from app.audit.models import AuditEntry
from app.auth.models import User
from app.auth.permissions import (
    ASSET_VIEW,
    AUDIT_VIEW,
    AWARENESS_VIEW,
    CASE_VIEW,
    CONTEXT_VIEW,
    CONTINUITY_VIEW,
    CONTROL_VIEW,
    INCIDENT_VIEW,
    INTERNAL_AUDIT_VIEW,
    NONCONFORMITY_VIEW,
    OBJECTIVE_VIEW,
    POLICY_ACKNOWLEDGEMENTS,
    POLICY_VIEW,
    REVIEW_VIEW,
    RISK_VIEW,
    SOA_VIEW,
    SUPPLIER_VIEW,
    user_can,
)
from app.awareness import queries as awareness_queries
from app.common.timeutil import to_local
from app.common.wording import counted
from app.context import queries as context_queries
from app.context import scope as scope_rules
from app.context.models import ContextIssue, InterestedParty, PartyRequirement, RoleAssignment
from app.continuity import queries as continuity_queries
from app.continuity import services as continuity_services
from app.controls import soa as soa_rules
from app.controls.clauses import MANAGEMENT_CLAUSES, Clause
from app.controls.models import Control, ControlSource, ControlTest, Evidence, SoaEntry, SoaVersion, TestResult
from app.extensions import db
from app.incidents import queries as incident_queries
from app.incidents.models import Incident
from app.internal_audits import queries as audit_queries
from app.internal_audits import services as audit_services
from app.internal_audits.models import InternalAudit
from app.nonconformities import queries as nonconformity_queries
from app.nonconformities.models import Nonconformity, NonconformityStatus
from app.objectives import queries as objective_queries
from app.objectives.models import Measurement, Metric, Objective
from app.policies import services as policy_services
from app.policies.cases import services as case_services
from app.policies.cases.models import CaseStatus, PolicyCase
from app.policies.models import Policy, PolicyAcknowledgement, PolicyVersion
from app.reports.documents import untreated_conditions
from app.reviews import services as review_services
from app.reviews.models import OPEN_ACTION_STATUSES as REVIEW_OPEN_ACTIONS
from app.reviews.models import ManagementReview, ReviewAction, ReviewStatus
from app.risks import queries as risk_queries
from app.risks.matrices import current_matrix
from app.risks.models import PlanApproval, Risk, RiskAcceptance, RiskStatus, TreatmentAction
from app.suppliers import queries as supplier_queries


class Standing(enum.StrEnum):
    IN_PLACE = "in_place"
    GAPS = "gaps"
    MISSING = "missing"

    @property
    def label(self) -> str:
        return {"in_place": "In place", "gaps": "Gaps to close", "missing": "Missing"}[self.value]


@dataclass(frozen=True)
class Link:
    label: str
    endpoint: str
    args: dict[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True)
class Gap:
    text: str
    link: Link | None = None


@dataclass(frozen=True)
class State:
    summary: str  # one line: what there is
    last_update: datetime | date | None
    gaps: tuple[Gap, ...] = ()
    missing: bool = False  # nothing an auditor could look at yet

    @property
    def last_day(self) -> date | None:
        """The organisation's calendar day of the last update."""
        if isinstance(self.last_update, datetime):
            local = to_local(self.last_update)
            return local.date() if local else None
        return self.last_update

    @property
    def standing(self) -> Standing:
        if self.missing:
            return Standing.MISSING
        return Standing.GAPS if self.gaps else Standing.IN_PLACE


@dataclass(frozen=True)
class Artefact:
    key: str  # the row's anchor on the page
    title: str
    clauses: tuple[str, ...]  # of MANAGEMENT_CLAUSES
    controls: tuple[str, ...]  # Annex A references it evidences
    permission: str  # who may read it: the permission of the page it links to
    links: tuple[Link, ...]
    check: Callable[[User, date], State]


@dataclass(frozen=True)
class Shown:
    artefact: Artefact
    state: State
    extra_links: tuple[Link, ...] = ()  # links that depend on the data, e.g. each policy's register


def _count(statement: sa.Select) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(statement.subquery())).scalar_one()


def _gaps(*candidates: tuple[int, str, Link | None]) -> tuple[Gap, ...]:
    """The candidates whose count is above zero: (count, text, link)."""
    return tuple(Gap(text, link) for count, text, link in candidates if count)


# --- context, scope and roles (4.1-4.3, 5.3) --------------------------------------------------------


def context_state(user: User, today: date) -> State:
    counts = context_queries.counts(today)
    last = max(filter(None, (db.session.scalar(sa.select(sa.func.max(model.updated_at)))
                             for model in (ContextIssue, InterestedParty, PartyRequirement))), default=None)
    parties = counted(counts.parties, "interested party", "interested parties")
    return State(f"{counted(counts.issues, 'issue')}, {parties} with {counted(counts.requirements, 'requirement')}",
                 last,
                 _gaps((counts.issues_overdue, f"{counted(counts.issues_overdue, 'issue')} overdue for review",
                        Link("Show them", "context.issues", {"overdue": 1})),
                       (counts.parties_overdue, f"{counted(counts.parties_overdue, 'party', 'parties')} overdue "
                                                "for review", Link("Show them", "context.parties",
                                                                    {"overdue": 1})),
                       (counts.requirements_open, f"{counted(counts.requirements_open, 'requirement')} not yet "
                                                  "addressed by the ISMS", Link("Parties", "context.parties"))),
                 missing=counts.issues == 0 or counts.parties == 0)


def scope_state(user: User, today: date) -> State:
    latest = scope_rules.latest_issued()
    if latest is None:
        return State("No scope statement issued yet", None, missing=True)
    due = scope_rules.review_due_on(latest, settings.get(settings.SCOPE_REVIEW_MONTHS))
    approver = latest.approved_by.full_name if latest.approved_by else "—"
    return State(f"Version {latest.number} approved on {latest.approved_on:%d %b %Y} by {approver}", latest.issued_at,
                 (Gap(f"Its review was due on {due:%d %b %Y}", Link("Scope", "context.scope_page")),)
                 if due is not None and due < today else ())


def roles_state(user: User, today: date) -> State:
    every_role = context_queries.roles()
    unheld = [role.name for role in every_role
              if not any(a.starts_on <= today and (a.ends_on is None or a.ends_on >= today) for a in role.assignments)]
    last = db.session.scalar(sa.select(sa.func.max(RoleAssignment.updated_at)))
    return State(f"{counted(len(every_role), 'ISMS role')} and who holds each, with the control owners", last,
                 tuple(Gap(f"Nobody holds the role {name} today", Link("Roles", "context.roles")) for name in unheld),
                 missing=not every_role)


# --- risks (6.1.2, 6.1.3, 8.2, 8.3) ----------------------------------------------------------------


# The risk register's counts the page shows, each the same rows as the /risks list behind its link
# (RiskFilters), all read in one pass over the register: on a register of 10,000 risks six separate
# COUNTs took a fifth of the page.
RISK_COUNTS: dict[str, dict] = {
    "not_closed": {}, "older_matrix": {"older_matrix": True}, "overdue_review": {"overdue_review": True},
    "draft": {"status": RiskStatus.DRAFT.value}, "overdue_actions": {"overdue_actions": True},
    "acceptance_expiring": {"acceptance_expiring": True},
}


T = TypeVar("T")


def _memoised(key: tuple, compute: Callable[[], T]) -> T:
    """compute(), kept for the rest of the request: several artefacts read the same figures."""
    if not has_request_context():
        return compute()
    memo = g.setdefault("isms_memo", {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _risks(user: User, today: date, name: str) -> int:
    """One of RISK_COUNTS; the first asked computes them all."""
    return _memoised(("risk_counts", user.id, today), lambda: _risk_counts(user, today))[name]


def _risk_counts(user: User, today: date) -> dict[str, int]:
    scope, matrix_id = risk_queries.register_scope(user), current_matrix().id
    conditions = {name: risk_queries.RiskFilters(scope=scope, **filters).conditions(today=today,
                                                                                     current_matrix_id=matrix_id)
                  for name, filters in RISK_COUNTS.items()}
    in_scope = [] if scope is None else [scope]
    not_closed = Risk.status != RiskStatus.CLOSED.value
    # The treatment plan's figures, in the same pass: risks with actions (any status), plans never
    # approved by their owner, and the plan's gaps as the treatment-plan report lists them.
    conditions |= {
        "with_actions": [*in_scope, Risk.actions.any()],
        "plan_unapproved": [*in_scope, not_closed, Risk.actions.any(),
                            ~sa.exists().where(PlanApproval.risk_id == Risk.id)],
        "untreated": [*in_scope, not_closed, *untreated_conditions()],
    }
    columns = [sa.func.coalesce(sa.func.sum(sa.case((sa.and_(*where), 1), else_=0)), 0).label(name)
               for name, where in conditions.items()]
    return dict(db.session.execute(sa.select(*columns).select_from(Risk)).one()._mapping)


def _last_risk_change(user: User) -> datetime | None:
    scope = risk_queries.register_scope(user)
    statement = sa.select(sa.func.max(Risk.updated_at))
    return db.session.scalar(statement if scope is None else statement.where(scope))


def methodology_state(user: User, today: date) -> State:
    matrix = current_matrix()
    older = _risks(user, today, "older_matrix")
    return State(f"Risk matrix version {matrix.version_number} ({matrix.size}×{matrix.size}), with its "
                 "acceptance criteria and authorities", matrix.created_at,
                 _gaps((older, f"{counted(older, 'risk')} still scored on an earlier matrix version",
                        Link("Show them", "risks.index", {"older_matrix": 1}))))


def assessment_state(user: User, today: date) -> State:
    total = _risks(user, today, "not_closed")
    overdue = _risks(user, today, "overdue_review")
    drafts = _risks(user, today, "draft")
    return State(f"{counted(total, 'risk')} not closed in the register", _last_risk_change(user),
                 _gaps((overdue, f"{counted(overdue, 'risk')} overdue for review",
                        Link("Show them", "risks.index", {"overdue_review": 1})),
                       (drafts, f"{counted(drafts, 'risk')} still in draft",
                        Link("Show them", "risks.index", {"status": RiskStatus.DRAFT.value}))),
                 missing=total == 0)


def treatment_state(user: User, today: date) -> State:
    scope = risk_queries.register_scope(user)
    with_actions = _risks(user, today, "with_actions")
    unapproved = _risks(user, today, "plan_unapproved")
    untreated = _risks(user, today, "untreated")
    overdue = _risks(user, today, "overdue_actions")
    last_change = sa.select(sa.func.max(TreatmentAction.updated_at))
    last = db.session.scalar(last_change if scope is None else last_change.join(Risk).where(scope))
    return State(f"{counted(with_actions, 'risk')} with treatment actions", last,
                 _gaps((untreated, f"{counted(untreated, 'risk')} out of tolerance with no open action and no "
                                   "acceptance", Link("Show out-of-tolerance risks", "risks.index",
                                                      {"out_of_tolerance": 1})),
                       (overdue, f"{counted(overdue, 'risk')} with overdue treatment actions",
                        Link("Show them", "risks.index", {"overdue_actions": 1})),
                       (unapproved, f"{counted(unapproved, 'risk')} whose plan the owner has never approved", None)),
                 missing=with_actions == 0)


def acceptance_state(user: User, today: date) -> State:
    scope = risk_queries.register_scope(user)
    in_scope = [] if scope is None else [scope]
    in_force = _count(sa.select(RiskAcceptance.id).join(Risk).where(*in_scope, RiskAcceptance.ended_at.is_(None)))
    last = db.session.scalar(sa.select(sa.func.max(RiskAcceptance.created_at)).join(Risk).where(*in_scope))
    waiting = len(risk_queries.open_acceptance_requests(user))
    ending = _risks(user, today, "acceptance_expiring")
    return State(f"{counted(in_force, 'acceptance')} in force, each with its authority", last,
                 _gaps((ending, f"{counted(ending, 'acceptance')} ending within "
                                f"{risk_queries.ACCEPTANCE_EXPIRY_DAYS} days",
                        Link("Show them", "risks.index", {"acceptance_expiring": 1})),
                       (waiting, f"{counted(waiting, 'request')} for acceptance waiting for a decision",
                        Link("Show them", "risks.acceptance_requests"))))


# --- Statement of Applicability, evidence (6.1.3 d, 9.1) ---------------------------------------------


def soa_state(user: User, today: date) -> State:
    latest = db.session.scalar(sa.select(SoaVersion).order_by(SoaVersion.number.desc()).limit(1))
    undecided = _count(sa.select(Control.id).where(Control.source == ControlSource.ANNEX_A.value,
                                                   ~sa.exists().where(SoaEntry.control_id == Control.id)))
    undecided_gap = (undecided, f"{counted(undecided, 'Annex A control')} not decided yet",
                     Link("Show them", "soa.index", {"applicable": "undecided"}))
    if latest is None:
        return State("No version issued yet", None, _gaps(undecided_gap), missing=True)
    changed = _count(sa.select(SoaEntry.id).where(SoaEntry.updated_at > latest.issued_at))
    return State(f"Version {latest.number} approved on {latest.approved_on:%d %b %Y} by {latest.approver}",
                 latest.issued_at,
                 _gaps(undecided_gap,
                       (changed, f"{counted(changed, 'entry', 'entries')} changed since version {latest.number}: "
                                 "issue a new version", Link("Versions", "soa.versions"))))


def operation_state(user: User, today: date) -> State:
    without, expired = soa_rules.evidence_gaps(today)
    items = db.session.scalar(sa.select(sa.func.count(Evidence.id))) or 0
    newest_test = sa.select(ControlTest.control_id, ControlTest.result, sa.func.row_number().over(
        partition_by=ControlTest.control_id, order_by=(ControlTest.tested_on.desc(), ControlTest.id.desc()))
        .label("position")).subquery()
    failing = db.session.execute(sa.select(sa.func.count()).select_from(newest_test).where(
        newest_test.c.position == 1, newest_test.c.result != TestResult.EFFECTIVE.value)).scalar_one()
    last = max(filter(None, (db.session.scalar(sa.select(sa.func.max(Evidence.updated_at))),
                             db.session.scalar(sa.select(sa.func.max(ControlTest.created_at))))), default=None)
    return State(f"{counted(items, 'evidence item')} and the control tests", last,
                 _gaps((without, f"{counted(without, 'applicable control')} without evidence",
                        Link("Coverage", "soa.coverage")),
                       (expired, f"{counted(expired, 'applicable control')} whose evidence has expired",
                        Link("Coverage", "soa.coverage")),
                       (failing, f"{counted(failing, 'control')} whose latest test was not effective", None)),
                 missing=items == 0)


# --- assets, policies, discipline (A.5.9, 5.2, 7.3, A.6.4) ------------------------------------------


def asset_state(user: User, today: date) -> State:
    # Both counts read the owner index once: 100,000 items cost a few milliseconds per pass.
    total, owned = db.session.execute(sa.select(sa.func.count(), sa.func.count(Asset.owner_id))).one()
    unowned = total - owned
    unsupported = db.session.scalar(sa.select(sa.func.count(Asset.id))
                                    .where(*asset_queries.unsupported_conditions(today, 0))) or 0
    return State(f"{counted(total, 'configuration item')} in the CMDB",
                 db.session.scalar(sa.select(sa.func.max(Asset.updated_at))),
                 _gaps((unowned, f"{counted(unowned, 'item')} with no owner", None),
                       (unsupported, f"{counted(unsupported, 'item')} in the estate out of vendor support",
                        Link("Show them", "assets.unsupported", {"within": 0}))),
                 missing=total == 0)


def _policies() -> list[Policy]:
    return _memoised(("policies",), policy_services.all_policies)


def policy_state(user: User, today: date) -> State:
    policies = _policies()
    in_force = [policy for policy in policies if policy.current is not None]
    without = len(policies) - len(in_force)
    due = db.session.scalar(sa.select(sa.func.count(sa.distinct(PolicyVersion.policy_id)))
                            .where(policy_services.review_due_condition(today))) or 0
    approved = [version.approved_on for policy in in_force if (version := policy.current) and version.approved_on]
    return State(f"{len(in_force)} of {counted(len(policies), 'policy', 'policies')} in force, each with its "
                 "approval", max(approved, default=None),
                 _gaps((without, f"{counted(without, 'policy', 'policies')} with no approved version in force",
                        Link("Policies", "policies.index")),
                       (due, f"{counted(due, 'policy', 'policies')} due or overdue for review",
                        Link("Show them", "policies.index", {"review": "due"}))),
                 missing=not in_force)


def acknowledgement_state(user: User, today: date) -> State:
    in_force = [(policy, version) for policy in _policies() if (version := policy.current) is not None]
    by_version = policy_services.coverages([version for _, version in in_force])
    coverages = [(policy, by_version[version.id]) for policy, version in in_force]
    done, people = sum(c.acknowledged for _, c in coverages), max((c.employed for _, c in coverages), default=0)
    gaps = tuple(Gap(f"{policy.code}: {c.percent}% ({c.acknowledged} of {c.employed} employees)",
                     Link("Register", "policies.acknowledgements", {"policy_id": policy.id}))
                 for policy, c in coverages if c.acknowledged < c.employed)
    last = db.session.scalar(sa.select(sa.func.max(PolicyAcknowledgement.acknowledged_on)))
    return State(f"{counted(done, 'acknowledgement')} of {counted(len(in_force), 'policy', 'policies')} in force "
                 f"by {counted(people, 'employee')}", last, gaps, missing=not in_force)


def acknowledgement_links(user: User) -> tuple[Link, ...]:
    return tuple(Link(f"{policy.code} register", "policies.acknowledgements", {"policy_id": policy.id})
                 for policy in _policies() if policy.current is not None)


def discipline_state(user: User, today: date) -> State:
    """Counts only, of the cases the reader may see: no name, no case reference."""
    # Only the two columns read: a subquery of whole case rows makes SQLAlchemy copy every column and key.
    visible = case_services.visible_cases(user).with_only_columns(PolicyCase.status, PolicyCase.updated_at).subquery()
    total, still_open, last = db.session.execute(sa.select(
        sa.func.count(), sa.func.coalesce(sa.func.sum(sa.case((visible.c.status != CaseStatus.CLOSED.value, 1),
                                                              else_=0)), 0),
        sa.func.max(visible.c.updated_at)).select_from(visible)).one()
    return State(f"{counted(total, 'case')} on record ({still_open} open), each step dated", last)


# --- awareness and training (7.2, 7.3, A.6.3) -----------------------------------------------------------


def awareness_state(user: User, today: date) -> State:
    """Counts only (who completed what is personal information): two aggregate queries."""
    counts = awareness_queries.programme_counts(today)
    return State(f"{counted(counts.campaigns, 'campaign')} ({counts.held_last_year} in the last 12 months) with "
                 f"{counted(counts.records, 'training record')}", counts.last_change,
                 _gaps((int(counts.campaigns > 0 and counts.held_last_year == 0),
                        "No awareness campaign in the last 12 months", Link("Campaigns", "awareness.index")),
                       (counts.ended_without_records,
                        f"{counted(counts.ended_without_records, 'campaign')} of the last 12 months ended with no "
                        "completion recorded", Link("Ended campaigns", "awareness.index", {"state": "ended"}))),
                 missing=counts.campaigns == 0)


# --- objectives and measurement (6.2, 9.1) -------------------------------------------------------------


def objectives_state(user: User, today: date) -> State:
    total = db.session.scalar(sa.select(sa.func.count(Objective.id))) or 0
    overdue = _count(sa.select(Objective.id).where(*objective_queries.overdue_conditions(today)))
    last = db.session.scalar(sa.select(sa.func.max(Objective.updated_at)))
    return State(f"{counted(total, 'objective')}, each with its owner, due date, evaluation and status history",
                 last, _gaps((overdue, f"{counted(overdue, 'objective')} overdue and not achieved",
                              Link("Show them", "objectives.index", {"overdue": 1}))),
                 missing=total == 0)


def metrics_state(user: User, today: date) -> State:
    total = db.session.scalar(sa.select(sa.func.count(Metric.id))) or 0
    measured = db.session.scalar(sa.select(sa.func.count(Measurement.id))) or 0
    late = [due for due in objective_queries.manual_measurements_due(today, today) if due.due_on < today]
    last = db.session.scalar(sa.select(sa.func.max(Measurement.created_at)))
    return State(f"{counted(total, 'metric')} with {counted(measured, 'measurement')}", last,
                 tuple(Gap(f"{due.metric.title}: the period ending {due.due_on:%d %b %Y} was not measured",
                           Link("Metric", "objectives.metric", {"metric_id": due.metric.id})) for due in late),
                 missing=measured == 0)


# --- internal audit (9.2) ------------------------------------------------------------------------------


def internal_audit_state(user: User, today: date) -> State:
    programme = audit_services.programme_for(today)
    issued = _count(sa.select(InternalAudit.id).where(InternalAudit.issued_on.is_not(None)))
    last = db.session.scalar(sa.select(sa.func.max(InternalAudit.updated_at)))
    if programme is None:
        return State(f"No audit programme covers today; {counted(issued, 'audit report')} issued", last,
                     missing=True)
    coverage = audit_services.coverage(programme)
    late = len(audit_queries.reports_overdue(today))
    gaps = len(coverage.gaps)
    return State(f"Programme {programme.starts_on:%Y}-{programme.ends_on:%Y}: {coverage.done_count} of "
                 f"{len(coverage.rows)} clauses and applicable controls audited; {counted(issued, 'report')} issued",
                 last,
                 _gaps((gaps, f"{counted(gaps, 'clause or control', 'clauses and controls')} not yet planned in "
                              "the cycle", Link("Programme", "internal_audits.programme")),
                       (late, f"{counted(late, 'audit')} past the planned end without an issued report",
                        Link("Audits", "internal_audits.index"))),
                 missing=issued == 0)


# --- nonconformity and corrective action (10.2) --------------------------------------------------------


def nonconformity_state(user: User, today: date) -> State:
    still_open, overdue = nonconformity_queries.counts(today)
    waiting = len(nonconformity_queries.awaiting_review())
    total = db.session.scalar(sa.select(sa.func.count(Nonconformity.id))) or 0
    last = db.session.scalar(sa.select(sa.func.max(Nonconformity.updated_at)))
    return State(f"{counted(total, 'nonconformity', 'nonconformities')} on record, {still_open} open", last,
                 _gaps((overdue, f"{counted(overdue, 'nonconformity', 'nonconformities')} overdue",
                        Link("Show them", "nonconformities.index", {"overdue": 1})),
                       (waiting, f"{counted(waiting, 'nonconformity', 'nonconformities')} awaiting the "
                                 "effectiveness review",
                        Link("Show them", "nonconformities.index", {"status": NonconformityStatus.VERIFYING.value}))))


# --- security incidents (A.5.24-5.28, A.6.8; issue 20, part 1) ------------------------------------------


def incident_state(user: User, today: date) -> State:
    untriaged, handled, pending = incident_queries.counts()
    total, last = db.session.execute(sa.select(sa.func.count(Incident.id), sa.func.max(Incident.updated_at))).one()
    return State(f"{counted(total, 'reported event')} on record, {handled} incidents being handled", last,
                 _gaps((untriaged, f"{counted(untriaged, 'event')} awaiting triage",
                        Link("Show them", "incidents.index", {"status": "reported"})),
                       (pending, f"{counted(pending, 'incident')} with POPIA s22 notifications outstanding",
                        Link("Show them", "incidents.index", {"popia": "pending"}))), missing=not total)


# --- management review (9.3) ---------------------------------------------------------------------------


def review_state(user: User, today: date) -> State:
    last_held = review_services.last_held_on()
    overdue_since = review_services.review_overdue_since(today)
    actions_late = _count(sa.select(ReviewAction.id).where(ReviewAction.status.in_(REVIEW_OPEN_ACTIONS),
                                                           ReviewAction.due_on < today))
    unapproved = _count(sa.select(ManagementReview.id).where(ManagementReview.status == ReviewStatus.HELD.value))
    last = db.session.scalar(sa.select(sa.func.max(ManagementReview.updated_at)))
    if last_held is None:
        return State("No management review held yet", last, missing=True)
    return State(f"Last review held on {last_held:%d %b %Y}, with its compiled pack, minutes and actions", last,
                 _gaps((int(overdue_since is not None), f"The next review was due on {overdue_since:%d %b %Y}"
                        if overdue_since else "", Link("Reviews", "reviews.index")),
                       (unapproved, f"{counted(unapproved, 'review')} held but not yet approved",
                        Link("Reviews", "reviews.index")),
                       (actions_late, f"{counted(actions_late, 'review action')} overdue",
                        Link("Actions", "reviews.actions"))))


# --- suppliers (A.5.19-5.23) ---------------------------------------------------------------------------


def supplier_state(user: User, today: date) -> State:
    """The register's figures, from one aggregate query (supplier_queries.counts)."""
    counts = supplier_queries.counts(today)
    if not counts.total:
        return State("No supplier recorded yet", None, missing=True)
    gap = "suppliers.index"
    return State(f"{counted(counts.current, 'current supplier')} of {counts.total} on record", counts.last_update,
                 _gaps((counts.operators_without_contract,
                        f"{counted(counts.operators_without_contract, 'POPIA operator')} without a written contract",
                        Link("Show them", gap, {"gap": "operator_contract"})),
                       (counts.operator_clauses_missing,
                        f"{counted(counts.operator_clauses_missing, 'operator contract')} lacking POPIA s20-21 clauses",
                        Link("Show them", gap, {"gap": "operator_clauses"})),
                       (counts.cloud_without_exit,
                        f"{counted(counts.cloud_without_exit, 'cloud service')} without a hosting region or exit plan",
                        Link("Show them", gap, {"cloud": "yes"})),
                       (counts.never_assessed,
                        f"{counted(counts.never_assessed, 'high or critical supplier')} never assessed",
                        Link("Show them", gap, {"gap": "never_assessed"})),
                       (counts.assessments_overdue, f"{counted(counts.assessments_overdue, 'assessment')} overdue",
                        Link("Show them", gap, {"assessment": "overdue"})),
                       (counts.contracts_ended,
                        f"{counted(counts.contracts_ended, 'contract')} ended with the supplier still current",
                        Link("Show them", gap, {"gap": "contract_ended"}))))


# --- business continuity (A.5.29, 5.30, 8.13, 8.14) ------------------------------------------------------


def continuity_state(user: User, today: date) -> State:
    """The register's figures, from two aggregate queries (continuity_queries.standing)."""
    months = continuity_services.test_months()
    standing = continuity_queries.standing(today, months)
    if not standing.analyses:
        return State("No business impact analysis recorded yet", None, missing=True)
    index = "continuity.index"
    key, unanalysed = continuity_queries.KEY_BUSINESS_IMPACT, standing.key_services_unanalysed
    return State(f"{counted(standing.analyses, 'service')} analysed, with recovery objectives, plans and tests",
                 standing.last_change,
                 _gaps((unanalysed, f"{counted(unanalysed, 'application or service', 'applications or services')} "
                                    f"of business impact {key} or 5 without an analysis",
                        # The inventory's key applications, to those who may read it (managers may not).
                        Link("Key applications", "assets.index", {"kind": "application", "impact": key})
                        if user_can(user, ASSET_VIEW) else None),
                       (standing.without_plan, f"{counted(standing.without_plan, 'service')} without an issued plan",
                        Link("Show them", index, {"no_plan": 1})),
                       (standing.test_due, f"{counted(standing.test_due, 'service')} not tested within {months} months",
                        Link("Show them", index, {"test_due": 1})),
                       (standing.plans_review_due, f"{counted(standing.plans_review_due, 'plan')} due for review",
                        Link("Show them", index, {"plan_review_due": 1})),
                       (standing.review_due,
                        f"{counted(standing.review_due, 'analysis', 'analyses')} due for review",
                        Link("Show them", index, {"review_due": 1}))))


# --- the audit trail (A.8.15) -------------------------------------------------------------------------


def audit_trail_state(user: User, today: date) -> State:
    last_entry = db.session.scalar(sa.select(AuditEntry.occurred_at).order_by(AuditEntry.id.desc()).limit(1))
    checked = verification.last_verification()
    if checked is None:
        return State("Every write is in the hash-chained audit log", last_entry,
                     (Gap("The chain has never been verified", Link("Verify it", "audit.index")),))
    verdict = "intact" if checked.ok else "BROKEN"
    gaps = () if checked.ok else (Gap(f"The last check found the chain broken: {checked.summary}",
                                      Link("Audit log", "audit.index")),)
    return State(f"Hash-chained audit log, last checked {checked.at:%d %b %Y %H:%M} UTC: {verdict}", last_entry, gaps)


PDF = "PDF"

ARTEFACTS: tuple[Artefact, ...] = (
    Artefact("context", "Context: issues and interested parties", ("4.1", "4.2"), (), CONTEXT_VIEW,
             (Link("Issues", "context.issues"), Link("Interested parties", "context.parties"),
              Link(PDF, "reports.isms_context")), context_state),
    Artefact("scope", "ISMS scope statement and its versions", ("4.3",), (), CONTEXT_VIEW,
             (Link("Scope", "context.scope_page"), Link("Issued versions", "context.scope_versions")), scope_state),
    Artefact("roles", "Information security roles", ("5.3",), (), CONTEXT_VIEW,
             (Link("Roles", "context.roles"),), roles_state),
    Artefact("policies", "Information security policies", ("5.2", "7.5"), ("5.1",), POLICY_VIEW,
             (Link("Policies", "policies.index"),), policy_state),
    Artefact("acknowledgements", "Policy acknowledgements", ("7.3",), ("6.3",), POLICY_ACKNOWLEDGEMENTS,
             (), acknowledgement_state),
    Artefact("awareness", "Awareness programme and training records", ("7.2", "7.3"), ("6.3",), AWARENESS_VIEW,
             (Link("Campaigns", "awareness.index"), Link("Completion by department", "awareness.rates"),
              Link(PDF, "reports.awareness")), awareness_state),
    Artefact("risk-methodology", "Risk assessment methodology", ("6.1.2",), (), RISK_VIEW,
             (Link("Methodology", "risks.methodology_page"), Link(PDF, "reports.risk_methodology")),
             methodology_state),
    Artefact("risk-assessment", "Risk assessment results", ("6.1.2", "8.2"), (), RISK_VIEW,
             (Link("Risk register", "risks.index"), Link("Heat map", "risks.heatmap"),
              Link(PDF, "reports.risk_register")), assessment_state),
    Artefact("treatment-plan", "Risk treatment plan", ("6.1.3", "8.3"), (), RISK_VIEW,
             (Link(PDF, "reports.treatment_plan"), Link("Risks with overdue actions", "risks.index",
                                                        {"overdue_actions": 1})), treatment_state),
    Artefact("acceptances", "Risk acceptances", ("6.1.3",), (), RISK_VIEW,
             (Link("Acceptances register", "risks.acceptances"), Link(PDF, "reports.acceptance_register")),
             acceptance_state),
    Artefact("soa", "Statement of Applicability and its versions", ("6.1.3",), (), SOA_VIEW,
             (Link("Statement", "soa.index"), Link("Issued versions", "soa.versions"), Link(PDF, "reports.soa")),
             soa_state),
    Artefact("operation", "Evidence of operation: evidence and control tests", ("8.1", "9.1"), (), CONTROL_VIEW,
             (Link("Evidence", "controls.evidence_index"), Link("Coverage", "soa.coverage"),
              Link("Controls", "controls.index")), operation_state),
    Artefact("assets", "Asset inventory (CMDB)", (), ("5.9",), ASSET_VIEW,
             (Link("Assets", "assets.index"), Link(PDF, "reports.asset_register")), asset_state),
    Artefact("discipline", "Disciplinary records", (), ("6.4",), CASE_VIEW,
             (Link("Cases", "cases.index"),), discipline_state),
    Artefact("objectives", "Information security objectives", ("6.2",), (), OBJECTIVE_VIEW,
             (Link("Objectives", "objectives.index"), Link(PDF, "reports.objectives")), objectives_state),
    Artefact("metrics", "Monitoring and measurement results", ("9.1",), (), OBJECTIVE_VIEW,
             (Link("Metrics and trends", "objectives.metrics"), Link("Measurements", "objectives.measurements")),
             metrics_state),
    Artefact("internal-audit", "Internal audit programme and reports", ("9.2",), (), INTERNAL_AUDIT_VIEW,
             (Link("Programme", "internal_audits.programme"), Link("Audits and reports", "internal_audits.index")),
             internal_audit_state),
    Artefact("nonconformities", "Nonconformities and corrective actions", ("10.1", "10.2"), (), NONCONFORMITY_VIEW,
             (Link("Register", "nonconformities.index"), Link("Ageing and trend", "nonconformities.summary"),
              Link(PDF, "reports.nonconformities")), nonconformity_state),
    Artefact("incidents", "Security incidents and POPIA s22 notifications", ("8.1",),
             ("5.24", "5.25", "5.26", "5.27", "5.28", "6.8"), INCIDENT_VIEW,
             (Link("Register", "incidents.index"), Link("By month, time to contain", "incidents.summary"),
              Link(PDF, "reports.incidents", {"status": "all"})), incident_state),
    Artefact("management-review", "Management reviews", ("9.3", "5.1"), (), REVIEW_VIEW,
             (Link("Reviews", "reviews.index"), Link("Review actions", "reviews.actions"),
              Link("Compare reviews", "reviews.compare")), review_state),
    Artefact("suppliers", "Supplier register and agreements", (), ("5.19", "5.20", "5.21", "5.22", "5.23"),
             SUPPLIER_VIEW, (Link("Register", "suppliers.index"), Link(PDF, "reports.suppliers")), supplier_state),
    Artefact("continuity", "Business continuity: impact analyses, plans and tests", (),
             ("5.29", "5.30", "8.13", "8.14"), CONTINUITY_VIEW,
             (Link("Analyses", "continuity.index"), Link("Tests", "continuity.tests"), Link(PDF, "reports.continuity")),
             continuity_state),
    Artefact("audit-trail", "Audit trail", ("7.5",), ("8.15",), AUDIT_VIEW,
             (Link("Audit log", "audit.index"),), audit_trail_state),
)

# Links an artefact gets from its data (one per policy in force), beside its fixed ones.
EXTRA_LINKS: dict[str, Callable[[User], tuple[Link, ...]]] = {"acknowledgements": acknowledgement_links}


def states_for(user: User, today: date) -> list[Shown]:
    return [Shown(artefact, artefact.check(user, today),
                  EXTRA_LINKS[artefact.key](user) if artefact.key in EXTRA_LINKS else ())
            for artefact in ARTEFACTS if user_can(user, artefact.permission)]


@dataclass(frozen=True)
class ClauseRow:
    clause: Clause
    shown: tuple[Shown, ...]  # the artefacts (the reader may see) that evidence it

    @property
    def standing(self) -> Standing | None:
        """The worst of its artefacts'; None when Khusela keeps nothing for the clause."""
        standings = {item.state.standing for item in self.shown}
        return next((standing for standing in (Standing.MISSING, Standing.GAPS, Standing.IN_PLACE)
                     if standing in standings), None)


def clause_rows(shown: list[Shown]) -> list[ClauseRow]:
    return [ClauseRow(clause, tuple(item for item in shown if clause.number in item.artefact.clauses))
            for clause in MANAGEMENT_CLAUSES]

