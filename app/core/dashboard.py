"""The landing page's figures: what each role should look at first, as counts only.

Each panel is computed only when the user may open the list it links to, and each figure carries
the list filter that shows the same rows, so a count on the dashboard and its list always agree.
Counts are aggregates (COUNT with CASE or GROUP BY): the page stays quick with 10,000 risks and
100,000 assets. No figure names a person: case counts are by step, never by employee.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from markupsafe import Markup

from app.assets import queries as asset_queries
from app.assets.models import Asset
from app.auth.models import Role, User
from app.auth.permissions import (
    ASSET_VIEW,
    CASE_VIEW,
    CONTINUITY_VIEW,
    CONTROL_VIEW,
    INCIDENT_VIEW,
    NONCONFORMITY_VIEW,
    OBJECTIVE_VIEW,
    POLICY_VIEW,
    RISK_ACCEPT,
    RISK_VIEW,
    SOA_VIEW,
    SUPPLIER_VIEW,
    user_can,
)
from app.continuity import queries as continuity_queries
from app.controls import queries as control_queries
from app.controls.models import Control, ControlSource, Evidence, ImplementationStatus, SoaEntry
from app.extensions import db
from app.incidents import queries as incident_queries
from app.incidents import services as incident_services
from app.nonconformities import queries as nonconformity_queries
from app.objectives import periods as objective_periods
from app.objectives import queries as objective_queries
from app.objectives.models import Measurement, Metric
from app.policies import services as policy_services
from app.policies.cases import services as case_services
from app.policies.cases.models import CaseStatus, PolicyCase
from app.policies.cases.recommendation import LADDER, Action
from app.policies.models import PolicyVersion
from app.risks import queries as risk_queries
from app.risks import services as risk_services
from app.risks.matrices import current_matrix
from app.risks.models import RatingKind, Risk, TreatmentAction
from app.suppliers import queries as supplier_queries

UNSUPPORTED_SOON_DAYS = 90  # one of app.assets.queries.UNSUPPORTED_WINDOWS


@dataclass(frozen=True)
class Figure:
    """A count and the filtered list that shows its rows (endpoint and query-string arguments)."""

    area: str  # risks, evidence, assets, policies
    label: str
    count: int
    endpoint: str
    args: dict[str, str | int] = field(default_factory=dict)
    attention: bool = False  # a count above zero needs someone to act
    note: str = ""


@dataclass(frozen=True)
class Bar:
    """One bar of a bar chart: a label, a count and the list behind it."""

    label: str
    count: int
    endpoint: str
    args: dict[str, str | int] = field(default_factory=dict)
    tone: str = "neutral"  # neutral, good, warning, danger, muted: the bar's colour


# --- risks ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskPanel:
    scope: str  # "all", "own" (a risk owner's risks) or "department" (a manager's department)
    scope_args: dict[str, str | int]  # the list filter that gives the same scope
    heat_map: risk_queries.HeatMap
    figures: list[Figure]
    overdue_action_count: int  # the actions themselves; the figure counts the risks holding them


def risk_scope(user: User) -> tuple[str, dict[str, str | int]]:
    """A risk owner looks at their own risks, a manager at their department's; others at all."""
    if user.role == Role.RISK_OWNER:
        return "own", {"owner": user.id}
    if user.role == Role.MANAGER:  # risk_queries.register_scope() keeps them to it
        return "department", {"department": user.department_id} if user.department_id else {}
    return "all", {}


def risk_panel(user: User, today: date) -> RiskPanel | None:
    if not user_can(user, RISK_VIEW):
        return None
    scope, scope_args = risk_scope(user)
    current = current_matrix()
    scope_strings = {key: str(value) for key, value in scope_args.items()}
    base = risk_queries.RiskFilters.from_args(scope_strings, viewer=user)
    flags = {"out_of_tolerance": "Out of tolerance", "overdue_review": "Review overdue",
             "overdue_actions": "With treatment actions overdue",
             "acceptance_expiring": f"Acceptance ending within {risk_queries.ACCEPTANCE_EXPIRY_DAYS} days"}
    area = {"own": "Your risks", "department": "Department risks"}.get(scope, "Risks")
    conditions = {
        flag: sa.and_(*risk_queries.RiskFilters.from_args({**scope_strings, flag: "1"}, viewer=user)
                      .conditions(today=today, current_matrix_id=current.id))
        for flag in flags
    }
    # One pass over the register for every figure.
    row = db.session.execute(
        sa.select(sa.func.count(), *(sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)
                                     for condition in conditions.values()))
        .select_from(Risk).where(*base.conditions(today=today, current_matrix_id=current.id))
    ).one()
    total, counts = row[0], dict(zip(flags, row[1:], strict=True))
    overdue_actions = db.session.scalar(
        sa.select(sa.func.count()).select_from(TreatmentAction).join(Risk, TreatmentAction.risk_id == Risk.id)
        .where(*risk_queries.overdue_action_conditions(today),
               *base.conditions(today=today, current_matrix_id=current.id))) or 0
    figures = [Figure(area, "Not closed", total, "risks.index", dict(scope_args))]
    figures += [Figure(area, label, counts[flag], "risks.index", {**scope_args, flag: 1}, attention=True,
                       note=(f"{overdue_actions} action{'s' if overdue_actions != 1 else ''} past due"
                             if flag == "overdue_actions" and counts[flag] else ""))
                for flag, label in flags.items()]
    return RiskPanel(scope=scope, scope_args=scope_args, figures=figures, overdue_action_count=overdue_actions,
                     heat_map=risk_queries.heat_map(RatingKind.RESIDUAL, base, current=current, today=today))


def acceptance_request_figures(user: User) -> list[Figure]:
    """The requests for acceptance waiting on this user (they hold the authority the risk's band
    needs): first on the page, as only they can answer them."""
    if not user_can(user, RISK_ACCEPT):
        return []
    count = len(risk_services.requested_from(user))
    return [Figure("Risks", "Acceptances requested from you", count, "risks.acceptance_requests", {"for_me": 1},
                   attention=True)]


# --- Statement of Applicability --------------------------------------------------------------------


STATUS_TONES = {
    ImplementationStatus.IMPLEMENTED: "good", ImplementationStatus.PARTIALLY_IMPLEMENTED: "warning",
    ImplementationStatus.PLANNED: "warning", ImplementationStatus.NOT_IMPLEMENTED: "danger",
    ImplementationStatus.NOT_APPLICABLE: "muted",
}


@dataclass(frozen=True)
class SoaPanel:
    total: int  # Annex A controls
    applicable: int
    implemented: int
    undecided: int
    bars: list[Bar]  # controls per implementation status, then those not decided yet

    @property
    def implemented_percent(self) -> int:
        return round(100 * self.implemented / self.applicable) if self.applicable else 0


def soa_panel(user: User) -> SoaPanel | None:
    if not user_can(user, SOA_VIEW):
        return None
    counts: dict[tuple[bool | None, str | None], int] = {
        (applicable, status): count for applicable, status, count in db.session.execute(
            sa.select(SoaEntry.applicable, SoaEntry.implementation_status, sa.func.count(Control.id))
            .select_from(Control).outerjoin(SoaEntry, SoaEntry.control_id == Control.id)
            .where(Control.source == ControlSource.ANNEX_A.value)
            .group_by(SoaEntry.applicable, SoaEntry.implementation_status))
    }
    by_status = {status: sum(count for (_, s), count in counts.items() if s == status.value)
                 for status in ImplementationStatus}
    undecided = counts.get((None, None), 0)
    bars = [Bar(status.label, by_status[status], "soa.index", {"status": status.value}, STATUS_TONES[status])
            for status in ImplementationStatus]
    bars.append(Bar("Not decided yet", undecided, "soa.index", {"applicable": "undecided"}, "neutral"))
    return SoaPanel(
        total=sum(counts.values()),
        applicable=sum(count for (applicable, _), count in counts.items() if applicable),
        implemented=counts.get((True, ImplementationStatus.IMPLEMENTED.value), 0),
        undecided=undecided, bars=bars,
    )


# --- evidence, assets, policies --------------------------------------------------------------------


def evidence_figures(user: User, today: date) -> list[Figure]:
    if not user_can(user, CONTROL_VIEW):
        return []
    expired = control_queries.evidence_validity_condition("expired", today)
    expiring = control_queries.evidence_validity_condition("expiring", today)
    row = db.session.execute(sa.select(
        sa.func.coalesce(sa.func.sum(sa.case((expired, 1), else_=0)), 0),
        sa.func.coalesce(sa.func.sum(sa.case((expiring, 1), else_=0)), 0),
    ).select_from(Evidence)).one()
    days = control_queries.EVIDENCE_EXPIRING_DAYS
    return [Figure("Evidence", "Expired", row[0], "controls.evidence_index", {"validity": "expired"},
                   attention=True),
            Figure("Evidence", f"Ending within {days} days", row[1], "controls.evidence_index",
                   {"validity": "expiring"}, attention=True)]


def asset_figures(user: User, today: date) -> list[Figure]:
    if not user_can(user, ASSET_VIEW):
        return []
    # The unsupported list with within=N: support ended, or ends within N days.
    ended = sa.and_(*asset_queries.unsupported_conditions(today, 0))
    soon = sa.and_(*asset_queries.unsupported_conditions(today, UNSUPPORTED_SOON_DAYS))
    row = db.session.execute(sa.select(
        sa.func.coalesce(sa.func.sum(sa.case((ended, 1), else_=0)), 0),
        sa.func.coalesce(sa.func.sum(sa.case((soon, 1), else_=0)), 0),
    ).select_from(Asset).where(soon)).one()
    return [Figure("Assets", "Out of vendor support", row[0], "assets.unsupported", {"within": 0}, attention=True),
            Figure("Assets", f"Out of support or ending within {UNSUPPORTED_SOON_DAYS} days", row[1],
                   "assets.unsupported", {"within": UNSUPPORTED_SOON_DAYS}, attention=True)]


def policy_figures(user: User, today: date) -> list[Figure]:
    if not user_can(user, POLICY_VIEW):
        return []
    due = db.session.scalar(sa.select(sa.func.count(sa.distinct(PolicyVersion.policy_id)))
                            .where(policy_services.review_due_condition(today))) or 0
    return [Figure("Policies", f"Review overdue or due within {policy_services.REVIEW_DUE_DAYS} days", due,
                   "policies.index", {"review": "due"}, attention=True)]


def nonconformity_figures(user: User, today: date) -> list[Figure]:
    """Open nonconformities and the overdue ones (past due, or holding an overdue corrective action)."""
    if not user_can(user, NONCONFORMITY_VIEW):
        return []
    open_count, overdue = nonconformity_queries.counts(today)
    return [Figure("Nonconformities", "Open", open_count, "nonconformities.index"),
            Figure("Nonconformities", "Overdue", overdue, "nonconformities.index", {"overdue": 1}, attention=True,
                   note=f"of {open_count} open")]


def supplier_figures(user: User, today: date) -> list[Figure]:
    """Supplier contracts ending within 90 days: one COUNT over the contract_end index (the reminders' window
    is a setting; reading it would cost the page another query)."""
    if not user_can(user, SUPPLIER_VIEW):
        return []
    days = supplier_queries.DASHBOARD_ENDING_DAYS
    return [Figure("Suppliers", f"Contracts ending within {days} days",
                   supplier_queries.contracts_ending_count(today, days), "suppliers.index",
                   {"contract_ending": 1, "within": days}, attention=True)]


@dataclass(frozen=True)
class PopiaTrack:
    """An incident whose POPIA s22 notifications are outstanding, with the days since discovery."""

    incident_id: int
    reference: str
    title: str
    days: int
    late: bool


def incident_figures(user: User, today: date) -> tuple[list[Figure], list[PopiaTrack]]:
    """Events awaiting triage and open POPIA notification tracks (one query), and the open tracks with
    their age (a second, only when there are some)."""
    if not user_can(user, INCIDENT_VIEW):
        return [], []
    untriaged, _, pending = incident_queries.counts()
    tracks = []
    if pending:
        days = incident_services.expected_days()
        for incident in incident_queries.pending_notifications(limit=5):
            clock = incident_services.clock(incident, today, days)
            if clock is not None:
                tracks.append(PopiaTrack(incident.id, incident.reference, incident.title, clock.days, clock.late))
    return [Figure("Incidents", "Awaiting triage", untriaged, "incidents.index", {"status": "reported"},
                   attention=True),
            Figure("Incidents", "POPIA s22 notifications outstanding", pending, "incidents.index",
                   {"popia": "pending"}, attention=True,
                   note=f"oldest on day {max(track.days for track in tracks)}" if tracks else "")], tracks


def continuity_figures(user: User, today: date) -> list[Figure]:
    """Services not tested or exercised within 12 months (A.5.30): one COUNT over the last_tested_on index
    (the reminders' interval is a setting; reading it would cost the page another query)."""
    if not user_can(user, CONTINUITY_VIEW):
        return []
    months = continuity_queries.DASHBOARD_TEST_MONTHS
    return [Figure("Business continuity", f"Services not tested within {months} months",
                   continuity_queries.test_due_count(today, months), "continuity.index",
                   {"test_due": 1, "within": months}, attention=True)]


# --- cases -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CasePanel:
    department_only: bool  # a manager's own department
    open_total: int
    bars: list[Bar]  # open cases per step of the corrective-action ladder


def case_panel(user: User) -> CasePanel | None:
    """Open cases per step (the decided corrective action, or the recommended one until decided),
    counted over the cases the user may see: a manager's are their own department's."""
    if not user_can(user, CASE_VIEW):
        return None
    step = sa.func.coalesce(PolicyCase.decided_action, PolicyCase.recommended_action)
    counts = dict(db.session.execute(
        sa.select(step, sa.func.count()).select_from(PolicyCase)
        .where(case_services.visibility(user), PolicyCase.status == CaseStatus.OPEN.value).group_by(step)).all())
    bars = [Bar(action.label, counts.get(action.value, 0), "cases.index", {"status": "open", "action": action.value},
                "danger" if action == Action.DISCIPLINARY else "neutral")
            for action in LADDER]
    return CasePanel(department_only=user.role == Role.MANAGER, open_total=sum(counts.values()), bars=bars)


# --- headline metrics ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricTrend:
    """A headline metric's last year: the small chart, and the same values for its table."""

    metric: Metric
    measurements: list[Measurement]
    chart: Markup

    @property
    def latest(self) -> Measurement | None:
        return self.measurements[-1] if self.measurements else None

    def label(self, start: date) -> str:
        return objective_periods.period_label(start, self.metric.frequency_enum)


def metric_trends(user: User) -> list[MetricTrend]:
    """The trends of the metrics flagged as headline, for those who may read the metrics."""
    if not user_can(user, OBJECTIVE_VIEW):
        return []
    metrics = objective_queries.headline_metrics()
    recent = objective_queries.recent_measurements([metric.id for metric in metrics])
    return [MetricTrend(metric, recent[metric.id],
                        objective_queries.trend_chart(metric, recent[metric.id], small=True,
                                                      chart_id=f"dashboard-metric-{metric.id}"))
            for metric in metrics]


# --- the whole page --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    risks: RiskPanel | None
    soa: SoaPanel | None
    cases: CasePanel | None
    evidence: list[Figure]
    assets: list[Figure]
    policies: list[Figure]
    acceptance_requests: list[Figure] = field(default_factory=list)
    nonconformities: list[Figure] = field(default_factory=list)
    suppliers: list[Figure] = field(default_factory=list)
    incidents: list[Figure] = field(default_factory=list)
    popia_tracks: list[PopiaTrack] = field(default_factory=list)
    continuity: list[Figure] = field(default_factory=list)
    metrics: list[MetricTrend] = field(default_factory=list)

    @property
    def attention(self) -> list[Figure]:
        """The figures that call for action, in the order a reader should take them."""
        risk_figures = [f for f in self.risks.figures if f.attention] if self.risks else []
        nonconformities = [f for f in self.nonconformities if f.attention]
        return [*self.acceptance_requests, *self.incidents, *risk_figures, *nonconformities, *self.evidence,
                *self.assets, *self.policies, *self.suppliers, *self.continuity]


def dashboard(user: User, today: date) -> Dashboard:
    incidents, popia_tracks = incident_figures(user, today)
    return Dashboard(risks=risk_panel(user, today), soa=soa_panel(user), cases=case_panel(user),
                     incidents=incidents, popia_tracks=popia_tracks,
                     evidence=evidence_figures(user, today), assets=asset_figures(user, today),
                     policies=policy_figures(user, today), acceptance_requests=acceptance_request_figures(user),
                     nonconformities=nonconformity_figures(user, today), suppliers=supplier_figures(user, today),
                     continuity=continuity_figures(user, today), metrics=metric_trends(user))
