"""Demo objectives and metrics: the province's information-security objectives for the year, as the
digital-government deck sets them (monthly awareness campaigns, Windows 7 devices eliminated, the
ISMS to ISO/IEC 27001) and the demo's risks, SoA and policies measure them, with twelve months of
measurements ending about today. Idempotent: an objective or metric whose title exists is skipped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from app.auth.models import User
from app.auth.services import find_user_by_email
from app.common.timeutil import add_months, local_today
from app.controls.models import ImplementationStatus, SoaVersion
from app.extensions import db
from app.objectives import periods, queries, services
from app.objectives.computations import COMPUTATIONS
from app.objectives.models import Direction, Frequency, Metric, Objective, ObjectiveStatus

MONTHS = 12


@dataclass(frozen=True)
class DemoMetric:
    title: str
    description: str
    target: float
    direction: Direction
    unit: str
    measurer: str | None  # an e-mail; None: computed
    evaluator: str
    computation: str | None = None
    method: str = ""
    headline: bool = False
    # A hand-measured metric's values over the twelve months, oldest first (the current month is left
    # to be measured: its reminder is due, and the browser journey records it).
    values: tuple[float, ...] = ()
    # A computed metric whose registers keep no history (the SoA, risk ratings): where its past year
    # started; the months between climb or fall evenly to today's computed value (demo only).
    started_at: float | None = None


METRICS = [
    DemoMetric("Applicable Annex A controls implemented", "The share of the applicable Annex A controls that the "
               "Statement of Applicability records as implemented.", 80, Direction.HIGHER, "%", None,
               "hod@example.org", "soa_implemented", headline=True, started_at=18),
    DemoMetric("Applicable controls with current evidence", "The share of the applicable Annex A controls with "
               "evidence of operation that is current.", 90, Direction.HIGHER, "%", None, "officer@example.org",
               "evidence_coverage"),
    DemoMetric("Policy acknowledgement rate", "How many of the acknowledgements due from staff still employed, of "
               "every policy version in force, are recorded.", 95, Direction.HIGHER, "%", None,
               "officer@example.org", "policy_acknowledgement_rate", headline=True),
    DemoMetric("Risks out of tolerance", "Risks not closed whose residual rating is above their tolerance level.", 5,
               Direction.LOWER, "risks", None, "hod@example.org", "risks_out_of_tolerance", headline=True,
               started_at=None),
    DemoMetric("Overdue treatment actions", "Treatment actions still planned or in progress after their due date.",
               0, Direction.LOWER, "actions", None, "hod@example.org", "overdue_treatment_actions"),
    DemoMetric("Nonconformities open over 90 days", "Nonconformities still open more than a quarter after they "
               "were raised (corrective action without undue delay).", 0, Direction.LOWER, "nonconformities", None,
               "officer@example.org", "old_open_nonconformities"),
    DemoMetric("Phishing simulation click rate", "The share of staff who clicked the link in the month's simulated "
               "phishing e-mail.", 5, Direction.LOWER, "%", "owner@example.org", "officer@example.org",
               method="The awareness campaign's simulated phishing e-mail goes to a random 2,000 corporate and health "
                      "users each month; clicks over e-mails delivered, from the simulation platform's report.",
               headline=True, values=(18.4, 17.1, 15.9, 14.2, 13.5, 11.8, 12.6, 10.4, 9.1, 8.2, 7.3)),
    DemoMetric("Windows 7 devices on the network", "Workstations still running Windows 7 (unsupported since "
               "2020-01-14) seen on the provincial network.", 0, Direction.LOWER, "devices", "manager@example.org",
               "officer@example.org",
               method="The endpoint-management console's count of devices reporting Windows 7 in the month's last "
                      "week, clinics included.",
               values=(412, 398, 371, 344, 310, 276, 251, 213, 172, 130, 96)),
    DemoMetric("Critical patches applied within 30 days", "The share of critical security updates installed on "
               "servers and workstations within 30 days of their release.", 95, Direction.HIGHER, "%",
               "officer@example.org", "hod@example.org",
               method="The patch-management report for the month: critical updates installed within 30 days over "
                      "critical updates applicable.",
               values=(61, 64, 63, 70, 72, 75, 74, 79, 83, 85, 88)),
]


@dataclass(frozen=True)
class DemoObjective:
    title: str
    plan: str
    resources: str
    evaluation: str
    owner: str
    due_in_months: int  # from today; negative: already due
    metrics: tuple[str, ...]
    # (months after the objective was set, status, note), oldest first.
    history: tuple[tuple[int, ObjectiveStatus, str], ...]


OBJECTIVES = [
    DemoObjective(
        "Implement the ISMS to ISO/IEC 27001:2022",
        "Run the ISMS to the standard: risk assessment and treatment, the Statement of Applicability, evidence of "
        "operation for every applicable control, internal audit and management review; be ready for certification.",
        "The information security officer, one ISMS analyst, control owners' time; the Khusela register.",
        "Applicable Annex A controls implemented (target 80%) and with current evidence (target 90%), each month.",
        "officer@example.org", 2,
        ("Applicable Annex A controls implemented", "Applicable controls with current evidence",
         "Nonconformities open over 90 days"),
        ((0, ObjectiveStatus.PLANNED, "Objective set in the ISMS plan for the year."),
         (2, ObjectiveStatus.ON_TRACK, "SoA version 1 in preparation; controls owners named."),
         (5, ObjectiveStatus.ON_TRACK, "SoA version 1 approved; the internal audit of the ISMS clauses found two "
                                       "minor nonconformities, both under correction."),
         (8, ObjectiveStatus.AT_RISK, "Controls implemented as planned, but evidence of their operation is "
                                      "recorded for too few of them: the control owners are asked for it before "
                                      "the certification audit."))),
    DemoObjective(
        "Monthly cyber-security awareness for every employee",
        "Monthly awareness campaigns on cyber risks and their impact, a simulated phishing e-mail each month, and "
        "acknowledgement of the policies in force by every employee.",
        "Awareness campaign budget; the simulation platform; HR to follow up acknowledgements.",
        "The phishing simulation click rate (target 5% or less) and the policy acknowledgement rate (target 95%).",
        "owner@example.org", 1, ("Phishing simulation click rate", "Policy acknowledgement rate"),
        ((0, ObjectiveStatus.PLANNED, "Campaign calendar approved."),
         (1, ObjectiveStatus.ON_TRACK, "First campaign and simulation run."),
         (7, ObjectiveStatus.AT_RISK, "The click rate rose in July, when the campaign paused for the school "
                                      "holidays; acknowledgements of the revised policies lag."),
         (9, ObjectiveStatus.ON_TRACK, "Click rate falling again since the campaign resumed; acknowledgements "
                                       "chased by HR."))),
    DemoObjective(
        "Eliminate unsupported Windows 7 devices from the network",
        "Replace or upgrade every Windows 7 workstation, health facilities first (the technology refresh of ageing "
        "and unsupported equipment).",
        "Technology refresh budget; the desktop support teams of each department.",
        "The count of Windows 7 devices on the network each month, to reach 0.",
        "manager@example.org", 4, ("Windows 7 devices on the network",),
        ((0, ObjectiveStatus.PLANNED, "Devices counted: 412."),
         (3, ObjectiveStatus.ON_TRACK, "Refresh orders placed for the clinics."),
         (9, ObjectiveStatus.AT_RISK, "Delivery delays: 172 devices left with six months to go."))),
    DemoObjective(
        "Patch critical vulnerabilities within 30 days",
        "A monthly patch cycle for servers and workstations, with exceptions approved and tracked.",
        "Patch-management tooling; change advisory board time.",
        "Critical patches applied within 30 days (target 95%), each month.",
        "officer@example.org", 6, ("Critical patches applied within 30 days",),
        ((0, ObjectiveStatus.PLANNED, "Patch cycle defined."),
         (4, ObjectiveStatus.ON_TRACK, "Monthly cycle running; compliance rising."))),
    DemoObjective(
        "Bring cyber risks within tolerance",
        "Treat the information-security risks above tolerance (the interim initiatives of the Information "
        "Security risk) or have them accepted by whoever holds the authority.",
        "The risk owners; the treatment actions' budgets.",
        "Risks out of tolerance (target 5 or fewer) and overdue treatment actions (target none), each month.",
        "hod@example.org", -1, ("Risks out of tolerance", "Overdue treatment actions"),
        ((0, ObjectiveStatus.PLANNED, "Treatment plan approved."),
         (5, ObjectiveStatus.AT_RISK, "Evaluated against its metrics after the internal audit of the ISMS "
                                      "clauses: the risks above tolerance are falling too slowly to reach the "
                                      "target by the due date."),
         (11, ObjectiveStatus.NOT_ACHIEVED, "Due date passed with risks still above tolerance; the management "
                                            "review carried it into next year's objectives."))),
]


def seed_demo_objectives() -> list[str]:
    officer = find_user_by_email("officer@example.org")
    if officer is None:
        return []
    today = local_today()
    added = []
    metrics = {metric.title: metric for metric in queries.all_metrics()}
    for spec in METRICS:
        if spec.title not in metrics:
            metrics[spec.title] = _metric(spec, officer, today)
            added.append(f"metric {spec.title}")
    existing = {objective.title for objective in queries.all_objectives()}
    for objective_spec in OBJECTIVES:
        if objective_spec.title not in existing:
            _objective(objective_spec, metrics, officer, today)
            added.append(f"objective {objective_spec.title}")
    return added


def _user(email: str | None) -> User | None:
    return find_user_by_email(email) if email else None


def _metric(spec: DemoMetric, officer: User, today: date) -> Metric:
    measurer, evaluator = _user(spec.measurer), _user(spec.evaluator)
    metric = services.create_metric(services.MetricInput(
        title=spec.title, target=spec.target, frequency=Frequency.MONTHLY.value, direction=spec.direction.value,
        unit=spec.unit, description=spec.description, method=spec.method,
        measurer_id=measurer.id if measurer else None, evaluator_id=evaluator.id if evaluator else None,
        computation=spec.computation, headline=spec.headline), actor=officer)
    current = periods.period_start(today, Frequency.MONTHLY)
    starts = [add_months(current, -months) for months in range(MONTHS - 1, 0, -1)]  # the eleven months before
    if spec.computation is None:
        for start, value in zip(starts, spec.values, strict=True):
            end = periods.period_end(start, Frequency.MONTHLY)
            services.add_measurement(metric, start, value=value, measured_on=end, computed=False, note="",
                                     actor=measurer)
        return metric
    latest = services.record_computed(metric, today)  # this month: the computation on the demo's data
    assert latest is not None
    for index, start in enumerate(starts):
        end = periods.period_end(start, Frequency.MONTHLY)
        services.add_measurement(metric, start, value=_past_value(spec, end, latest.value, index), measured_on=end,
                                 computed=True, note="", actor=None)
    db.session.refresh(metric, ["measurements"])
    return metric


def _past_value(spec: DemoMetric, end: date, now: float, index: int) -> float:
    """A computed metric's value for a past month. Demo only: what the registers keep dated (evidence,
    acknowledgements, action due dates) is computed as of the month's end; the SoA from the version issued
    by then (see _issued_soa_implemented); risk ratings keep no history, so their past year is a plausible
    even climb (or fall) to today's value."""
    computation = COMPUTATIONS[spec.computation or ""]
    if spec.computation in ("evidence_coverage", "policy_acknowledgement_rate", "overdue_treatment_actions",
                            "old_open_nonconformities"):
        return computation.compute(end)
    if spec.computation == "soa_implemented" and (issued := _issued_soa_implemented(spec, end, index)) is not None:
        return issued
    started = spec.started_at if spec.started_at is not None else now + 6
    return round(started + (now - started) * index / (MONTHS - 1), 1) if spec.unit == "%" \
        else float(round(started + (now - started) * index / (MONTHS - 1)))


def _issued_soa_implemented(spec: DemoMetric, end: date, index: int) -> float | None:
    """The share implemented in the SoA version in force at the month's end (its rows are frozen when
    issued), so the metric agrees with the versions an auditor reads; before the first version, an even
    climb from `started_at` to it. None when no version was issued."""
    versions = list(db.session.scalars(sa.select(SoaVersion).order_by(SoaVersion.approved_on)))
    if not versions:
        return None
    in_force = [version for version in versions if version.approved_on <= end]
    if in_force:
        return _implemented_share(in_force[-1])
    first, origin = versions[0], add_months(end, -index)  # origin: the end of the first month measured
    started = spec.started_at if spec.started_at is not None else 0.0
    share = (end - origin).days / max(1, (first.approved_on - origin).days)
    return round(started + (_implemented_share(first) - started) * share, 1)


def _implemented_share(version: SoaVersion) -> float:
    applicable = [row for row in version.rows if row["applicable"]]
    implemented = sum(1 for row in applicable if row["status"] == ImplementationStatus.IMPLEMENTED.label)
    return round(100 * implemented / len(applicable), 1) if applicable else 0.0


def _objective(spec: DemoObjective, metrics: dict[str, Metric], officer: User, today: date) -> Objective:
    owner = _user(spec.owner)
    set_on = add_months(today, -MONTHS + 1)
    objective = services.create_objective(services.ObjectiveInput(
        title=spec.title, due_on=add_months(today, spec.due_in_months), owner_id=owner.id if owner else None,
        plan=spec.plan, resources=spec.resources, evaluation=spec.evaluation,
        metric_ids=[metrics[title].id for title in spec.metrics]), actor=officer, today=set_on)
    objective.history[0].note = spec.history[0][2]
    for months, status, note in spec.history[1:]:
        on = min(add_months(set_on, months), today)
        services.change_status(objective, status.value, on=on, note=note, expected_version=objective.version,
                               actor=owner if status != ObjectiveStatus.NOT_ACHIEVED else officer, today=today)
    return objective
