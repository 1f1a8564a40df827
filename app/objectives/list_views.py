"""The objectives list and the metrics list: filtered, sorted, paged and exported."""

from __future__ import annotations

from flask import render_template, request

from app.auth.permissions import OBJECTIVE_VIEW, permission_required
from app.common.export import audited_export
from app.common.listing import Listing, all_matching, id_arg, requested_export
from app.common.timeutil import local_today
from app.extensions import db
from app.objectives import queries
from app.objectives.computations import COMPUTATIONS
from app.objectives.exports import MEASUREMENT_COLUMNS, OBJECTIVE_COLUMNS, metric_columns
from app.objectives.models import Metric, Objective, ObjectiveStatus
from app.objectives.views import bp

STATUS_CHOICES = {"": "Any", "open": "Not finished", **{s.value: s.label for s in ObjectiveStatus}}
KIND_CHOICES = {"": "Any", queries.KIND_MANUAL: "By hand", queries.KIND_COMPUTED: "Computed by Khusela"}
STATE_CHOICES = {"": "Any", queries.STATE_IN_USE: "In use", queries.STATE_RETIRED: "Retired"}


@bp.get("")
@permission_required(OBJECTIVE_VIEW)
def index():
    today = local_today()
    filters = queries.ObjectiveFilters.from_args(request.args)
    statement = queries.filtered_objectives(filters, today)
    fmt = requested_export()
    if fmt:
        rows = all_matching(statement, sort_columns=queries.SORT_COLUMNS, default_sort=queries.DEFAULT_SORT,
                            tiebreaker=Objective.id)
        return audited_export(rows, OBJECTIVE_COLUMNS, fmt, "khusela-objectives", entity_type="objective",
                              what="objectives")
    listing = Listing.from_request(statement, sort_columns=queries.SORT_COLUMNS, default_sort=queries.DEFAULT_SORT,
                                   tiebreaker=Objective.id)
    return render_template("objectives/list.html", listing=listing, filters=filters, today=today,
                           status_choices=STATUS_CHOICES, owners=queries.objective_owners())


@bp.get("/metrics")
@permission_required(OBJECTIVE_VIEW)
def metrics():
    filters = queries.MetricFilters.from_args(request.args)
    statement = queries.filtered_metrics(filters)
    fmt = requested_export()
    if fmt:
        rows = all_matching(statement, sort_columns=queries.METRIC_SORT_COLUMNS,
                            default_sort=queries.METRIC_DEFAULT_SORT, tiebreaker=Metric.id)
        columns = metric_columns(queries.latest_measurements([metric.id for metric in rows]))
        return audited_export(rows, columns, fmt, "khusela-metrics", entity_type="metric", what="metrics")
    listing = Listing.from_request(statement, sort_columns=queries.METRIC_SORT_COLUMNS,
                                   default_sort=queries.METRIC_DEFAULT_SORT, tiebreaker=Metric.id)
    ids = [metric.id for metric in listing.items]
    recent = queries.recent_measurements(ids)
    charts = {metric.id: queries.trend_chart(metric, recent[metric.id], small=True) for metric in listing.items}
    return render_template("objectives/metrics.html", listing=listing, filters=filters, kind_choices=KIND_CHOICES,
                           state_choices=STATE_CHOICES,
                           latest=queries.latest_measurements(ids), charts=charts, computations=COMPUTATIONS)


@bp.get("/measurements")
@permission_required(OBJECTIVE_VIEW)
def measurements():
    """Every measurement (or one metric's) as CSV or XLSX; the page itself is each metric's."""
    metric_id = id_arg(request.args, "metric")
    fmt = requested_export() or "csv"
    rows = list(db.session.scalars(queries.measurements_statement(metric_id)))
    return audited_export(rows, MEASUREMENT_COLUMNS, fmt, "khusela-measurements", entity_type="measurement",
                          what="measurements")
