"""One metric: setting it up, its page (trend chart with its table, measurements), editing it, and
recording a measurement by hand and correcting one (the metric's measurer, or a security officer)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from app.auth.permissions import (
    MEASUREMENT_RECORD,
    OBJECTIVE_EDIT,
    OBJECTIVE_VIEW,
    acting_user,
    permission_required,
)
from app.common.choices import active_users
from app.common.saving import saving
from app.common.timeutil import local_today
from app.extensions import db
from app.objectives import periods, queries, services
from app.objectives.computations import COMPUTATIONS, computation_named
from app.objectives.forms import MANUAL, CorrectionForm, MeasurementForm, MetricForm, ReinstateForm, RetireForm
from app.objectives.models import Metric
from app.objectives.views import bp


def _number(value) -> float | None:
    return float(value) if value is not None else None


def _input(form: MetricForm) -> services.MetricInput:
    return services.MetricInput(
        title=form.title.data or "", target=_number(form.target.data), frequency=form.frequency.data,
        direction=form.direction.data, unit=form.unit.data or "", description=form.description.data or "",
        method=form.method.data or "", measurer_id=int(form.measurer_id.data) if form.measurer_id.data else None,
        evaluator_id=int(form.evaluator_id.data) if form.evaluator_id.data else None,
        computation=form.computation.data or None, headline=bool(form.headline.data))


def _form(metric: Metric | None) -> MetricForm:
    form = MetricForm(obj=metric if request.method == "GET" else None)
    keep = [metric.measurer_id, metric.evaluator_id] if metric else []
    users = {user.id: user for keep_id in (keep or [None]) for user in active_users(keep_id=keep_id)}
    form.set_choices(sorted(users.values(), key=lambda user: user.full_name.lower()))
    if request.method == "GET" and metric is not None:
        form.version.data = str(metric.version)
        form.computation.data = metric.computation or MANUAL
        form.measurer_id.data = str(metric.measurer_id) if metric.measurer_id else ""
        form.evaluator_id.data = str(metric.evaluator_id) if metric.evaluator_id else ""
    return form


def _render_form(form: MetricForm, metric: Metric | None, status: int = 200):
    return render_template("objectives/metric_form.html", form=form, metric=metric, computations=COMPUTATIONS), status


@bp.route("/metrics/new", methods=["GET", "POST"])
@permission_required(OBJECTIVE_EDIT)
def new_metric():
    form = _form(None)
    if form.validate_on_submit():
        with saving(form, services.ObjectiveRuleError):
            metric = services.create_metric(_input(form), actor=acting_user())
            flash(f"Metric “{metric.title}” set up.", "success")
            return redirect(url_for("objectives.metric", metric_id=metric.id))
    return _render_form(form, None, 422 if request.method == "POST" else 200)


def _render_metric(metric: Metric, form: MeasurementForm, status: int = 200, *, retire_form: RetireForm | None = None,
                   reinstate_form: ReinstateForm | None = None):
    measurements = list(db.session.scalars(queries.measurements_statement(metric.id)))
    recent = measurements[-queries.CHART_PERIODS:]
    today = local_today()
    frequency = metric.frequency_enum
    return render_template(
        "objectives/metric.html", metric=metric, form=form, measurements=list(reversed(measurements)),
        recent=recent, chart=queries.trend_chart(metric, recent), computation=computation_named(metric.computation),
        may_record=services.may_record(acting_user(), metric) and not metric.computation and not metric.retired_on,
        may_correct=services.may_record(acting_user(), metric),
        period_label=lambda start: periods.period_label(start, frequency),
        current_period=periods.period_label(periods.period_start(today, frequency), frequency),
        retire_form=retire_form or RetireForm(version=str(metric.version)),
        reinstate_form=reinstate_form or ReinstateForm(version=str(metric.version))), status


@bp.get("/metrics/<int:metric_id>")
@permission_required(OBJECTIVE_VIEW)
def metric(metric_id: int):
    found = services.get_metric_or_403(acting_user(), metric_id, OBJECTIVE_VIEW)
    return _render_metric(found, MeasurementForm(on=local_today()))


@bp.route("/metrics/<int:metric_id>/edit", methods=["GET", "POST"])
@permission_required(OBJECTIVE_EDIT)
def edit_metric(metric_id: int):
    found = services.get_metric_or_403(acting_user(), metric_id, OBJECTIVE_EDIT)
    form = _form(found)
    if request.method == "POST" and form.validate_on_submit():
        stale_url = url_for("objectives.edit_metric", metric_id=found.id)
        with saving(form, services.ObjectiveRuleError, stale_url=stale_url):
            changes = services.update_metric(found, _input(form), expected_version=form.version.data,
                                             actor=acting_user())
            flash(f"Saved “{found.title}”." if changes else "Nothing changed.", "success" if changes else "info")
            return redirect(url_for("objectives.metric", metric_id=found.id))
    return _render_form(form, found, 422 if request.method == "POST" else 200)


@bp.post("/metrics/<int:metric_id>/measurements")
@permission_required(MEASUREMENT_RECORD)
def record_measurement(metric_id: int):
    found = services.get_metric_or_403(acting_user(), metric_id, MEASUREMENT_RECORD)
    form = MeasurementForm()
    if form.validate_on_submit():
        with saving(form, services.ObjectiveRuleError, default_field="value"):
            measurement = services.record_measurement(found, on=form.on.data, value=_number(form.value.data),
                                                      note=form.note.data or "", actor=acting_user())
            label = periods.period_label(measurement.period_start, found.frequency_enum)
            flash(f"Recorded {found.title} for {label}: {measurement.value:g}{found.unit}.", "success")
            return redirect(url_for("objectives.metric", metric_id=found.id))
    return _render_metric(found, form, 422)


@bp.route("/metrics/<int:metric_id>/measurements/<int:measurement_id>/correct", methods=["GET", "POST"])
@permission_required(MEASUREMENT_RECORD)
def correct_measurement(metric_id: int, measurement_id: int):
    measurement = services.get_measurement_or_403(acting_user(), metric_id, measurement_id, MEASUREMENT_RECORD)
    found = measurement.metric
    form = CorrectionForm(value=measurement.value if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(measurement.version)
    label = periods.period_label(measurement.period_start, found.frequency_enum)
    if request.method == "POST" and form.validate_on_submit():
        stale_url = url_for("objectives.correct_measurement", metric_id=found.id, measurement_id=measurement.id)
        with saving(form, services.ObjectiveRuleError, stale_url=stale_url, default_field="value"):
            changes = services.correct_measurement(measurement, value=_number(form.value.data),
                                                   reason=form.reason.data or "", expected_version=form.version.data,
                                                   actor=acting_user())
            flash(f"Corrected {found.title} for {label}: {measurement.value:g}{found.unit}." if changes
                  else "The value is the same: nothing changed.", "success" if changes else "info")
            return redirect(url_for("objectives.metric", metric_id=found.id))
    return render_template("objectives/correct.html", form=form, metric=found, measurement=measurement,
                           label=label), 422 if request.method == "POST" else 200


@bp.post("/metrics/<int:metric_id>/retire")
@permission_required(OBJECTIVE_EDIT)
def retire_metric(metric_id: int):
    found = services.get_metric_or_403(acting_user(), metric_id, OBJECTIVE_EDIT)
    form = RetireForm()
    if form.validate_on_submit():
        stale_url = url_for("objectives.metric", metric_id=found.id)
        with saving(form, services.ObjectiveRuleError, stale_url=stale_url, default_field="reason"):
            services.retire_metric(found, reason=form.reason.data or "", expected_version=form.version.data,
                                   actor=acting_user())
            flash(f"“{found.title}” is retired: it is no longer measured, and its measurements are kept.", "success")
            return redirect(url_for("objectives.metric", metric_id=found.id))
    return _render_metric(found, MeasurementForm(on=local_today()), 422, retire_form=form)


@bp.post("/metrics/<int:metric_id>/reinstate")
@permission_required(OBJECTIVE_EDIT)
def reinstate_metric(metric_id: int):
    found = services.get_metric_or_403(acting_user(), metric_id, OBJECTIVE_EDIT)
    form = ReinstateForm()
    if form.validate_on_submit():
        stale_url = url_for("objectives.metric", metric_id=found.id)
        with saving(form, services.ObjectiveRuleError, stale_url=stale_url):
            services.reinstate_metric(found, expected_version=form.version.data, actor=acting_user())
            flash(f"“{found.title}” is measured again from this period.", "success")
            return redirect(url_for("objectives.metric", metric_id=found.id))
    return _render_metric(found, MeasurementForm(on=local_today()), 422, reinstate_form=form)
