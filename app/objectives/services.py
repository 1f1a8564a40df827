"""Use cases of objectives and metrics: setting them up, an objective's status over time, and
recording measurements (by hand, or computed by the scheduler). Each write records its audit entry
and flushes; the caller of the unit of work (a view, the job, the demo) commits once.

Who may act on which record is here too (get_objective_or_403, get_metric_or_403): an objective's
owner updates its status, a metric's named measurer records its measurements; administrators and
security officers (objective.edit) do both on every record."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import abort

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import User
from app.auth.permissions import (
    MEASUREMENT_RECORD,
    OBJECTIVE_EDIT,
    OBJECTIVE_STATUS,
    OBJECTIVE_VIEW,
    role_has,
    user_can,
)
from app.common.models import RuleError
from app.common.timeutil import local_today, utcnow
from app.common.transactions import unique_or_refused
from app.extensions import db
from app.objectives import periods
from app.objectives.computations import COMPUTATIONS, computation_named
from app.objectives.models import (
    Direction,
    Frequency,
    Measurement,
    Metric,
    Objective,
    ObjectiveStatus,
    ObjectiveStatusChange,
)

OBJECTIVE_AUDIT_FIELDS = ["title", "plan", "resources", "owner_id", "due_on", "evaluation"]
METRIC_AUDIT_FIELDS = ["title", "description", "method", "frequency", "measurer_id", "evaluator_id", "target",
                       "direction", "unit", "computation", "headline"]
TEXT_LIMIT = 5000
# A measured value is a count or a percentage; this only keeps a typing slip out of the chart's scale.
LARGEST_VALUE = 1e9


class ObjectiveRuleError(RuleError):
    """An objective, metric or measurement refused: each message names its field."""


class MeasuredAlready(ObjectiveRuleError):
    """The period has its measurement: each metric is measured once per period."""


# --- who may act on what ---------------------------------------------------------------------------


def may_act_on_objective(user: User, objective: Objective, need: str) -> bool:
    if need == OBJECTIVE_STATUS and not user_can(user, OBJECTIVE_EDIT):
        return objective.owner_id == user.id  # an owner updates their own objective's status
    return True


def get_objective_or_403(user: User, objective_id: int, need: str) -> Objective:
    """The objective, for a user who holds `need` (the route's permission) on it: 404 when there is
    none, 403 when a risk owner or manager asks to update an objective they do not own (every
    reader sees every objective, so knows it exists)."""
    if need not in (OBJECTIVE_VIEW, OBJECTIVE_EDIT, OBJECTIVE_STATUS):
        raise ValueError(f"Objectives know no need {need!r}.")
    objective = db.session.get(Objective, objective_id)
    if objective is None:
        abort(404)
    if not may_act_on_objective(user, objective, need):
        abort(403)
    return objective


def may_record(user: User, metric: Metric) -> bool:
    """Security officers and administrators record every hand-measured metric; anyone else, the
    metrics they are named to measure."""
    if not user_can(user, MEASUREMENT_RECORD):
        return False
    return user_can(user, OBJECTIVE_EDIT) or metric.measurer_id == user.id


def get_metric_or_403(user: User, metric_id: int, need: str) -> Metric:
    if need not in (OBJECTIVE_VIEW, OBJECTIVE_EDIT, MEASUREMENT_RECORD):
        raise ValueError(f"Metrics know no need {need!r}.")
    metric = db.session.get(Metric, metric_id)
    if metric is None:
        abort(404)
    if need == MEASUREMENT_RECORD and not may_record(user, metric):
        abort(403)
    return metric


def get_measurement_or_403(user: User, metric_id: int, measurement_id: int, need: str) -> Measurement:
    """A measurement of the metric `user` may act on as `need`; one of another metric is not found."""
    metric = get_metric_or_403(user, metric_id, need)
    measurement = db.session.get(Measurement, measurement_id)
    if measurement is None or measurement.metric_id != metric.id:
        abort(404)
    return measurement


# --- objectives ------------------------------------------------------------------------------------


@dataclass
class ObjectiveInput:
    title: str
    due_on: date | None
    owner_id: int | None = None
    plan: str = ""
    resources: str = ""
    evaluation: str = ""
    metric_ids: list[int] = field(default_factory=list)


def _user_check(user_id: int | None, field_name: str, permission: str, what: str,
                keep_id: int | None) -> list[tuple[str | None, str]]:
    if user_id is None:
        return []
    user = db.session.get(User, user_id)
    if user is None or (not user.active and user.id != keep_id):
        return [(field_name, f"Choose an active user as the {what}.")]
    if not role_has(user.role, permission):
        return [(field_name, f"{user.full_name} is a {user.role_enum.label.lower()}, who cannot be the {what}: choose "
                             "a security officer, risk owner, manager or administrator.")]
    return []


def _check_objective(data: ObjectiveInput, objective: Objective | None) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    if not data.title.strip() or len(data.title.strip()) > 200:
        problems.append(("title", "Say what the objective is in 1 to 200 characters, like “Raise staff security "
                                  "awareness”."))
    if data.due_on is None:
        problems.append(("due_on", "Give the date by which the objective is to be met (27001 6.2 i: when it will "
                                   "be completed)."))
    if not data.plan.strip():
        problems.append(("plan", "Say what will be done to meet the objective (27001 6.2 f)."))
    if not data.evaluation.strip():
        problems.append(("evaluation", "Say how the results will be evaluated (27001 6.2 j), like “the phishing "
                                       "click rate each quarter against 5%”."))
    for name in ("plan", "resources", "evaluation"):
        if len(getattr(data, name)) > TEXT_LIMIT:
            problems.append((name, f"Use at most {TEXT_LIMIT:,} characters."))
    problems += _user_check(data.owner_id, "owner_id", OBJECTIVE_STATUS, "owner",
                            objective.owner_id if objective else None)
    if data.owner_id is None:
        problems.append(("owner_id", "Choose who is responsible for the objective (27001 6.2 h)."))
    known = set(db.session.scalars(sa.select(Metric.id).where(Metric.id.in_(data.metric_ids)))) if data.metric_ids \
        else set()
    if set(data.metric_ids) - known:
        problems.append(("metric_ids", "One of the metrics chosen no longer exists; reload the page and choose again."))
    return problems


def _metrics(ids: list[int]) -> list[Metric]:
    return list(db.session.scalars(sa.select(Metric).where(Metric.id.in_(ids)))) if ids else []


def _objective_snapshot(objective: Objective) -> dict:
    return {**audit.snapshot(objective, OBJECTIVE_AUDIT_FIELDS),
            "metrics": sorted(metric.title for metric in objective.metrics)}


def create_objective(data: ObjectiveInput, *, actor: User | None, today: date | None = None) -> Objective:
    problems = _check_objective(data, None)
    if problems:
        raise ObjectiveRuleError(problems)
    objective = Objective(title=data.title.strip(), plan=data.plan.strip(), resources=data.resources.strip(),
                          owner_id=data.owner_id, due_on=data.due_on, evaluation=data.evaluation.strip(),
                          status=ObjectiveStatus.PLANNED.value, metrics=_metrics(data.metric_ids))
    # The history starts with the status the objective was set up in, so it reads whole.
    objective.history.append(ObjectiveStatusChange(status=objective.status, changed_on=today or local_today(),
                                                   changed_by_id=actor.id if actor else None, note="Objective set."))
    db.session.add(objective)
    db.session.flush()
    audit.record(AuditAction.CREATE, "objective", objective.id, changes=audit.diff({}, _objective_snapshot(objective)),
                 summary=f"Set objective {objective.title}"[:300], actor=actor)
    return objective


def update_objective(objective: Objective, data: ObjectiveInput, *, expected_version, actor: User | None) -> dict:
    objective.check_version(expected_version, "objective")
    problems = _check_objective(data, objective)
    if problems:
        raise ObjectiveRuleError(problems)
    assert data.due_on is not None  # _check_objective refused it otherwise
    before = _objective_snapshot(objective)
    version_before = objective.version
    objective.title, objective.plan, objective.resources = data.title.strip(), data.plan.strip(), data.resources.strip()
    objective.owner_id, objective.due_on, objective.evaluation = data.owner_id, data.due_on, data.evaluation.strip()
    objective.metrics = _metrics(data.metric_ids)
    db.session.flush()
    changes = audit.diff(before, _objective_snapshot(objective))
    # Linking a metric moves no column: still a change an open form must not overwrite.
    objective.bump_if_only_links_changed(version_before, changes)
    if changes:
        audit.record(AuditAction.UPDATE, "objective", objective.id, changes=changes,
                     summary=f"Edited objective {objective.title}"[:300], actor=actor)
    return changes


def change_status(objective: Objective, status: str, *, on: date | None, note: str, expected_version,
                  actor: User | None, today: date | None = None) -> ObjectiveStatusChange:
    """A dated entry of the objective's status (the same status again is a progress note)."""
    objective.check_version(expected_version, "objective")
    today = today or local_today()
    problems: list[tuple[str | None, str]] = []
    if status not in {s.value for s in ObjectiveStatus}:
        problems.append(("status", "Choose one of the statuses listed."))
    if not note.strip():
        problems.append(("note", "Say why: what shows the objective is where this status says (kept with the "
                                 "status, for the management review)."))
    elif len(note) > TEXT_LIMIT:
        problems.append(("note", f"Use at most {TEXT_LIMIT:,} characters."))
    latest = objective.history[0] if objective.history else None
    if on is None:
        problems.append(("on", "Give the date the status holds from, as YYYY-MM-DD."))
    elif on > today:
        problems.append(("on", f"The date cannot be after today ({today.isoformat()}): record a status once it "
                               "holds."))
    elif latest is not None and on < latest.changed_on:
        problems.append(("on", f"The last status ({latest.status_enum.label.lower()}) was recorded for "
                               f"{latest.changed_on.isoformat()}: a new one cannot be dated before it."))
    if problems:
        raise ObjectiveRuleError(problems)
    assert on is not None
    before = objective.status
    change = ObjectiveStatusChange(objective_id=objective.id, status=status, changed_on=on,
                                   changed_by_id=actor.id if actor else None, note=note.strip())
    db.session.add(change)
    objective.status = status
    objective.version += 0 if before != status else 1  # a progress note alone still makes open forms stale
    db.session.flush()
    db.session.refresh(objective, ["history"])
    audit.record(AuditAction.STATUS_CHANGED, "objective", objective.id,
                 changes={"status": [before, status], "on": [None, on.isoformat()], "note": [None, note.strip()]},
                 summary=f"Objective {objective.title}: {ObjectiveStatus(status).label.lower()} from {on.isoformat()}"
                 [:300], actor=actor)
    return change


# --- metrics ---------------------------------------------------------------------------------------


@dataclass
class MetricInput:
    title: str
    target: float | None
    frequency: str = Frequency.MONTHLY.value
    direction: str = Direction.HIGHER.value
    unit: str = ""
    description: str = ""
    method: str = ""
    measurer_id: int | None = None
    evaluator_id: int | None = None
    computation: str | None = None
    headline: bool = False


def _check_metric(data: MetricInput, metric: Metric | None) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    title = data.title.strip()
    if not title or len(title) > 200:
        problems.append(("title", "Name what is measured in 1 to 200 characters, like “Phishing simulation click "
                                  "rate”."))
    else:
        clash = db.session.scalar(sa.select(Metric).where(sa.func.lower(Metric.title) == title.lower()))
        if clash is not None and clash is not metric:
            problems.append(("title", _metric_taken(clash.title)))
    if data.target is None or not math.isfinite(data.target) or abs(data.target) > LARGEST_VALUE:
        problems.append(("target", "Give the target as a number, like 95 (for 95%) or 0."))
    if data.frequency not in {f.value for f in Frequency}:
        problems.append(("frequency", "Choose how often it is measured."))
    if data.direction not in {d.value for d in Direction}:
        problems.append(("direction", "Choose whether a higher or a lower value is better."))
    if len(data.unit.strip()) > 24:
        problems.append(("unit", "Use at most 24 characters for the unit, like % or risks."))
    if data.computation and data.computation not in COMPUTATIONS:
        problems.append(("computation", "Choose one of the computations listed, or “recorded by hand”."))
    if not data.description.strip():
        problems.append(("description", "Say what is measured (27001 9.1 a)."))
    if not data.computation and not data.method.strip():
        problems.append(("method", "Say how it is measured, so that results are comparable (27001 9.1 b)."))
    for name in ("description", "method"):
        if len(getattr(data, name)) > TEXT_LIMIT:
            problems.append((name, f"Use at most {TEXT_LIMIT:,} characters."))
    if not data.computation and data.measurer_id is None:
        problems.append(("measurer_id", "Choose who measures it (27001 9.1 d); a computed metric needs nobody."))
    problems += _user_check(data.measurer_id, "measurer_id", MEASUREMENT_RECORD, "measurer",
                            metric.measurer_id if metric else None)
    if data.evaluator_id is None:
        problems.append(("evaluator_id", "Choose who analyses and evaluates the results (27001 9.1 f)."))
    problems += _user_check(data.evaluator_id, "evaluator_id", OBJECTIVE_STATUS, "evaluator",
                            metric.evaluator_id if metric else None)
    if metric is not None and data.computation != metric.computation and metric.measurements:
        problems.append(("computation", f"{len(metric.measurements)} measurement(s) of this metric are recorded "
                                        "already: how it is measured cannot change under them. Set up a new metric "
                                        "instead."))
    return problems


def _apply_metric(metric: Metric, data: MetricInput) -> None:
    assert data.target is not None  # _check_metric refused it otherwise
    metric.title, metric.description, metric.method = data.title.strip(), data.description.strip(), data.method.strip()
    metric.frequency, metric.direction, metric.unit = data.frequency, data.direction, data.unit.strip()
    metric.target, metric.computation, metric.headline = data.target, data.computation or None, data.headline
    metric.measurer_id, metric.evaluator_id = data.measurer_id, data.evaluator_id


def _metric_taken(title: str) -> str:
    return f"A metric called “{title}” exists already: choose another name."


def create_metric(data: MetricInput, *, actor: User | None) -> Metric:
    problems = _check_metric(data, None)
    if problems:
        raise ObjectiveRuleError(problems)
    metric = Metric()
    _apply_metric(metric, data)
    # Another officer may have set it up since the check: the title's unique constraint decides.
    with unique_or_refused(lambda: ObjectiveRuleError([("title", _metric_taken(data.title.strip()))])):
        db.session.add(metric)
        db.session.flush()
    audit.record(AuditAction.CREATE, "metric", metric.id,
                 changes=audit.diff({}, audit.snapshot(metric, METRIC_AUDIT_FIELDS)),
                 summary=f"Set up metric {metric.title}"[:300], actor=actor)
    return metric


def update_metric(metric: Metric, data: MetricInput, *, expected_version, actor: User | None) -> dict:
    metric.check_version(expected_version, "metric")
    problems = _check_metric(data, metric)
    if problems:
        raise ObjectiveRuleError(problems)
    before = audit.snapshot(metric, METRIC_AUDIT_FIELDS)
    with unique_or_refused(lambda: ObjectiveRuleError([("title", _metric_taken(data.title.strip()))])):  # a rename
        _apply_metric(metric, data)
        db.session.flush()
    changes = audit.diff(before, audit.snapshot(metric, METRIC_AUDIT_FIELDS))
    if changes:
        audit.record(AuditAction.UPDATE, "metric", metric.id, changes=changes,
                     summary=f"Edited metric {metric.title}"[:300], actor=actor)
    return changes


def retire_metric(metric: Metric, *, reason: str, expected_version, actor: User | None,
                  today: date | None = None) -> None:
    """No longer measured: kept with its measurements for the record, out of the job, the reminders, the
    dashboard and the objectives' choices."""
    metric.check_version(expected_version, "metric")
    if metric.retired_on is not None:
        raise ObjectiveRuleError(f"“{metric.title}” was retired on {metric.retired_on.isoformat()} already.")
    if not reason.strip():
        raise ObjectiveRuleError([("reason", "Say why the metric is no longer measured: the metric's page and "
                                             "the audit log show it.")])
    if len(reason) > TEXT_LIMIT:
        raise ObjectiveRuleError([("reason", f"Use at most {TEXT_LIMIT:,} characters.")])
    metric.retired_on, metric.retirement_reason = today or local_today(), reason.strip()
    db.session.flush()
    audit.record(AuditAction.UPDATE, "metric", metric.id,
                 changes={"retired_on": [None, metric.retired_on.isoformat()],
                          "retirement_reason": ["", metric.retirement_reason]},
                 summary=f"Retired metric {metric.title}"[:300], actor=actor)


def reinstate_metric(metric: Metric, *, expected_version, actor: User | None) -> None:
    """Measured again from the current period; the periods missed while retired stay empty."""
    metric.check_version(expected_version, "metric")
    if metric.retired_on is None:
        raise ObjectiveRuleError(f"“{metric.title}” is in use: there is nothing to reinstate.")
    before = [metric.retired_on.isoformat(), metric.retirement_reason]
    metric.retired_on, metric.retirement_reason = None, ""
    db.session.flush()
    audit.record(AuditAction.UPDATE, "metric", metric.id,
                 changes={"retired_on": [before[0], None], "retirement_reason": [before[1], ""]},
                 summary=f"Reinstated metric {metric.title}"[:300], actor=actor)


# --- measurements ----------------------------------------------------------------------------------


def measurement_for(metric: Metric, start: date) -> Measurement | None:
    return db.session.scalar(sa.select(Measurement).where(Measurement.metric_id == metric.id,
                                                          Measurement.period_start == start))


def _measured_already(metric: Metric, existing: Measurement | None) -> MeasuredAlready:
    if existing is None:  # the other request's row went again (rolled back, deleted): still refused, not guessed
        return MeasuredAlready([("on", "The period was being measured by someone else at the same moment: reload "
                                       "the page to see its measurement.")])
    label = periods.period_label(existing.period_start, metric.frequency_enum)
    return MeasuredAlready([("on", f"{label} is measured already ({existing.value:g}"
                                   f"{(' ' + metric.unit) if metric.unit else ''}, recorded "
                                   f"{existing.measured_on.isoformat()}): each period has one measurement.")])


def add_measurement(metric: Metric, start: date, *, value: float, measured_on: date, computed: bool, note: str,
                    actor: User | None) -> Measurement:
    """The measurement and its audit entry, checked by the caller (record_measurement, record_computed; the
    demo's past year). MeasuredAlready when another request recorded the period since that check."""
    measurement = Measurement(metric_id=metric.id, period_start=start, measured_on=measured_on, value=value,
                              computed=computed, note=note, measured_by_id=actor.id if actor else None)
    # The check and this INSERT are not one step on PostgreSQL: the (metric, period) unique constraint decides.
    with unique_or_refused(lambda: _measured_already(metric, measurement_for(metric, start))):
        db.session.add(measurement)
        db.session.flush()
    label = periods.period_label(start, metric.frequency_enum)
    audit.record(AuditAction.MEASURE, "metric", metric.id,
                 changes={"period": [None, start.isoformat()], "value": [None, value],
                          **({"note": [None, note]} if note else {})},
                 summary=f"{'Computed' if computed else 'Recorded'} {metric.title} for {label}: "
                         f"{value:g}{(' ' + metric.unit) if metric.unit else ''}"[:300], actor=actor)
    return measurement


def record_measurement(metric: Metric, *, on: date | None, value: float | None, note: str, actor: User,
                       today: date | None = None) -> Measurement:
    """A measurement by hand, for the period holding `on` (one per period: a second is refused)."""
    today = today or local_today()
    frequency = metric.frequency_enum
    problems: list[tuple[str | None, str]] = []
    if metric.computation:
        raise ObjectiveRuleError(f"Khusela computes “{metric.title}” from its registers every period: it is not "
                                 "recorded by hand.")
    if metric.retired_on is not None:
        raise ObjectiveRuleError(f"“{metric.title}” was retired on {metric.retired_on.isoformat()}: reinstate it "
                                 "to record a value.")
    if (problem := _value_problem(value)) is not None:
        problems.append(("value", problem))
    if on is None:
        problems.append(("on", "Give a date in the period measured, as YYYY-MM-DD."))
    elif on > today:
        problems.append(("on", f"The date cannot be after today ({today.isoformat()}): record a value once measured."))
    elif (existing := measurement_for(metric, periods.period_start(on, frequency))) is not None:
        problems += _measured_already(metric, existing).problems
    if len(note) > TEXT_LIMIT:
        problems.append(("note", f"Use at most {TEXT_LIMIT:,} characters."))
    if problems:
        raise ObjectiveRuleError(problems)
    assert on is not None and value is not None
    return add_measurement(metric, periods.period_start(on, frequency), value=float(value), measured_on=on,
                            computed=False, note=note.strip(), actor=actor)


def _value_problem(value: float | None) -> str | None:
    if value is None or not math.isfinite(value) or abs(value) > LARGEST_VALUE:
        return "Give the value as a number, like 72.5."
    return None


def correct_measurement(measurement: Measurement, *, value: float | None, reason: str, expected_version,
                        actor: User) -> dict:
    """A value recorded by hand put right, with the reason; the audit log keeps the value it replaces.
    A computed value is Khusela's own reading of its registers on the day: it is not corrected."""
    measurement.check_version(expected_version, "measurement")
    metric = measurement.metric
    if measurement.computed:
        raise ObjectiveRuleError(f"Khusela computed this value of “{metric.title}” from its registers on "
                                 f"{measurement.measured_on.isoformat()}: it cannot be corrected by hand.")
    problems: list[tuple[str | None, str]] = []
    if (problem := _value_problem(value)) is not None:
        problems.append(("value", problem))
    if not reason.strip():
        problems.append(("reason", "Say why the value is corrected: the audit log and the metric's page show it."))
    elif len(reason) > TEXT_LIMIT:
        problems.append(("reason", f"Use at most {TEXT_LIMIT:,} characters."))
    if problems:
        raise ObjectiveRuleError(problems)
    assert value is not None
    if float(value) == measurement.value:
        return {}
    old = measurement.value
    measurement.value = float(value)
    measurement.corrected_at, measurement.corrected_by_id = utcnow(), actor.id
    measurement.correction_reason = reason.strip()
    db.session.flush()
    changes = {"value": [old, measurement.value], "reason": [None, measurement.correction_reason]}
    label = periods.period_label(measurement.period_start, metric.frequency_enum)
    audit.record(AuditAction.UPDATE, "measurement", measurement.id, changes=changes,
                 summary=f"Corrected {metric.title} for {label}: {old:g} to {measurement.value:g}"[:300], actor=actor)
    return changes


def record_computed(metric: Metric, as_of: date, *, actor: User | None = None) -> Measurement | None:
    """The computed value of the period holding `as_of`, unless that period has one already (None)."""
    computation = computation_named(metric.computation)
    if computation is None:
        raise ValueError(f"Metric {metric.title!r} is recorded by hand, not computed.")
    start = periods.period_start(as_of, metric.frequency_enum)
    if measurement_for(metric, start) is not None:
        return None
    try:
        return add_measurement(metric, start, value=computation.compute(as_of), measured_on=as_of, computed=True,
                               note="", actor=actor)
    except MeasuredAlready:  # a run at the same moment recorded it
        return None
