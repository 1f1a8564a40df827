"""The measurements Khusela computes from its own registers: one registry, name -> Computation,
whose function takes the date the value is for (`as_of`) and returns the value.

What the registers keep decides how far `as_of` reaches back. Evidence (its date and validity),
treatment actions (their due dates), policy acknowledgements (their dates) and nonconformities
(raised and closed dates) are dated, so those values are as they were on `as_of`. The Statement of
Applicability and risk ratings are kept as they stand now (issued SoA versions are snapshots, not a
history of each row), so those two give today's state whatever `as_of` says: the scheduler computes
each period's value on the day, and it is stored then (app.objectives.measuring).

A metric names its computation (Metric.computation); a name here is never renamed, as stored
metrics refer to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from app.awareness import queries as awareness_queries
from app.controls.models import Control, ControlSource, Evidence, ImplementationStatus, SoaEntry, evidence_control
from app.employees.models import Employee
from app.extensions import db
from app.incidents import queries as incident_queries
from app.nonconformities.models import Nonconformity, NonconformityStatus
from app.objectives.models import Direction
from app.policies import services as policy_services
from app.policies.models import PolicyAcknowledgement, PolicyState, PolicyVersion
from app.risks import queries as risk_queries
from app.risks.matrices import current_matrix
from app.risks.models import Risk, TreatmentAction


@dataclass(frozen=True)
class Computation:
    name: str
    title: str
    unit: str
    direction: Direction  # which way is better, offered when a metric is set up
    explanation: str  # how the value is worked out, shown on the metric's page
    compute: Callable[[date], float]


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _applicable_annex_a() -> sa.Select:
    return (sa.select(Control.id).join(SoaEntry, SoaEntry.control_id == Control.id)
            .where(Control.source == ControlSource.ANNEX_A.value, SoaEntry.applicable.is_(True)))


def soa_implemented(as_of: date) -> float:
    applicable = _applicable_annex_a().subquery()
    whole = db.session.scalar(sa.select(sa.func.count()).select_from(applicable)) or 0
    part = db.session.scalar(
        sa.select(sa.func.count()).select_from(SoaEntry)
        .where(SoaEntry.control_id.in_(sa.select(applicable.c.id)),
               SoaEntry.implementation_status == ImplementationStatus.IMPLEMENTED.value)) or 0
    return _percent(part, whole)


def risks_out_of_tolerance(as_of: date) -> float:
    """The risk register's "out of tolerance" filter (risks not closed), so the value is the list's count."""
    filters = risk_queries.RiskFilters.from_args({"out_of_tolerance": "1"}, viewer=None)
    where = filters.conditions(today=as_of, current_matrix_id=current_matrix().id)
    return float(db.session.scalar(sa.select(sa.func.count(Risk.id)).where(*where)) or 0)


def overdue_treatment_actions(as_of: date) -> float:
    """Treatment actions still planned or in progress after their due date, as the risk list counts them."""
    return float(db.session.scalar(sa.select(sa.func.count(TreatmentAction.id))
                                   .where(*risk_queries.overdue_action_conditions(as_of))) or 0)


def evidence_coverage(as_of: date) -> float:
    """Applicable Annex A controls with at least one evidence item current on `as_of` (dated on or
    before it, and valid on it), of all applicable Annex A controls."""
    applicable = _applicable_annex_a().subquery()
    whole = db.session.scalar(sa.select(sa.func.count()).select_from(applicable)) or 0
    current = (sa.select(evidence_control.c.control_id).join(Evidence, Evidence.id == evidence_control.c.evidence_id)
               .where(Evidence.evidence_date <= as_of,
                      sa.or_(Evidence.valid_until.is_(None), Evidence.valid_until >= as_of)))
    part = db.session.scalar(sa.select(sa.func.count()).select_from(applicable)
                             .where(applicable.c.id.in_(current))) or 0
    return _percent(part, whole)


def policy_acknowledgement_rate(as_of: date) -> float:
    """Of what every employee still employed should have acknowledged (each policy version in force,
    approved on or before `as_of`), the share acknowledged by `as_of`."""
    employee_ids = policy_services.employed().with_only_columns(Employee.id)
    employed = db.session.scalar(sa.select(sa.func.count()).select_from(employee_ids.subquery())) or 0
    in_force = (sa.select(PolicyVersion.id).where(PolicyVersion.state == PolicyState.APPROVED.value,
                                                 PolicyVersion.approved_on <= as_of))
    versions = db.session.scalar(sa.select(sa.func.count()).select_from(in_force.subquery())) or 0
    done = db.session.scalar(sa.select(sa.func.count(PolicyAcknowledgement.id)).where(
        PolicyAcknowledgement.version_id.in_(in_force), PolicyAcknowledgement.employee_id.in_(employee_ids),
        PolicyAcknowledgement.acknowledged_on <= as_of)) or 0
    return _percent(done, employed * versions)


# A nonconformity open longer than this is old: a quarter is how long a corrective action usually gets.
OLD_NONCONFORMITY_DAYS = 90


def _open_nonconformities_on(as_of: date) -> list:
    """Raised on or before `as_of` and not closed by then (one closed without a date counts as closed)."""
    return [Nonconformity.raised_on <= as_of,
            sa.or_(Nonconformity.closed_on > as_of,
                   sa.and_(Nonconformity.closed_on.is_(None),
                           Nonconformity.status != NonconformityStatus.CLOSED.value))]


def open_nonconformities(as_of: date) -> float:
    return float(db.session.scalar(sa.select(sa.func.count(Nonconformity.id))
                                   .where(*_open_nonconformities_on(as_of))) or 0)


def old_open_nonconformities(as_of: date) -> float:
    """Open nonconformities raised more than OLD_NONCONFORMITY_DAYS days before `as_of`: their age is
    what a management review asks about (27001 10.2: corrective action without undue delay)."""
    return float(db.session.scalar(sa.select(sa.func.count(Nonconformity.id)).where(
        *_open_nonconformities_on(as_of),
        Nonconformity.raised_on < as_of - timedelta(days=OLD_NONCONFORMITY_DAYS))) or 0)


def incidents_this_month(as_of: date) -> float:
    return float(incident_queries.incidents_in_month(as_of))


COMPUTATIONS: dict[str, Computation] = {computation.name: computation for computation in (
    Computation("soa_implemented", "Applicable Annex A controls implemented", "%", Direction.HIGHER,
                "The applicable Annex A controls whose implementation status in the Statement of Applicability is "
                "“implemented”, as a percentage of all applicable Annex A controls (the SoA as it stands).",
                soa_implemented),
    Computation("risks_out_of_tolerance", "Risks out of tolerance", "risks", Direction.LOWER,
                "Risks not closed whose residual rating is above their tolerance level (as the risk register’s "
                "“out of tolerance” filter counts them).", risks_out_of_tolerance),
    Computation("overdue_treatment_actions", "Overdue treatment actions", "actions", Direction.LOWER,
                "Treatment actions still planned or in progress after their due date.", overdue_treatment_actions),
    Computation("evidence_coverage", "Applicable controls with current evidence", "%", Direction.HIGHER,
                "Applicable Annex A controls with at least one evidence item current on the day (dated on or before "
                "it and not past its valid-until date), as a percentage of all applicable Annex A controls.",
                evidence_coverage),
    Computation("policy_acknowledgement_rate", "Policy acknowledgement rate", "%", Direction.HIGHER,
                "Acknowledgements by employees still employed of the policy versions in force, as a percentage of "
                "the acknowledgements due (every such employee, every version in force).",
                policy_acknowledgement_rate),
    Computation("open_nonconformities", "Open nonconformities", "nonconformities", Direction.LOWER,
                "Nonconformities raised on or before the day and not closed by then.", open_nonconformities),
    Computation("old_open_nonconformities", f"Nonconformities open over {OLD_NONCONFORMITY_DAYS} days",
                "nonconformities", Direction.LOWER,
                f"Nonconformities open on the day that were raised more than {OLD_NONCONFORMITY_DAYS} days before it.",
                old_open_nonconformities),
    # Security incidents (issue 20, part 1)
    Computation("incidents_in_month", "Security incidents discovered this month", "incidents", Direction.LOWER,
                "Events triaged as incidents, discovered from the first of the month to the day.",
                incidents_this_month),
    Computation("mean_days_to_contain", "Mean time to contain incidents", "days", Direction.LOWER,
                "Mean days from discovery to containment of the incidents discovered in the 90 days to the day and "
                "contained by it.", incident_queries.mean_days_to_contain),
    Computation("mean_days_to_close", "Mean time to close incidents", "days", Direction.LOWER,
                "Mean days from discovery to closing of the incidents discovered in the year to the day and closed "
                "by it.", incident_queries.mean_days_to_close),
    Computation("awareness_completion_rate", "Awareness completion rate", "%", Direction.HIGHER,
                "Of the audiences of the awareness campaigns that ended in the quarter up to the day (the employees "
                "still employed in their departments and roles), the share who completed or attended them.",
                awareness_queries.completion_rate),
)}


def computation_named(name: str | None) -> Computation | None:
    return COMPUTATIONS.get(name) if name else None
