"""The register as a list (filtered, sorted, paged and exported) and its summary: ageing, overdue,
and the trend by source and by clause."""

from __future__ import annotations

from flask import render_template, request

from app.auth.permissions import NONCONFORMITY_VIEW, permission_required
from app.common.choices import department_choices
from app.common.export import audited_export
from app.common.listing import Listing, all_matching, requested_export
from app.common.timeutil import local_today
from app.controls.clauses import clause_choices
from app.controls.models import Control
from app.extensions import db
from app.nonconformities import queries, workflow
from app.nonconformities.exports import nonconformity_columns
from app.nonconformities.models import Nonconformity, NonconformitySource, NonconformityStatus, Severity
from app.nonconformities.views import bp


def _filter_choices(filters: queries.NonconformityFilters) -> dict[str, dict[str, str]]:
    control = db.session.get(Control, filters.control_id) if filters.control_id else None
    return {
        "status": {queries.STATUS_OPEN: "Open (not closed)", **{s.value: s.label for s in NonconformityStatus},
                   queries.STATUS_ANY: "Any, closed too"},
        "source": {"": "Any source", **{s.value: s.label for s in NonconformitySource}},
        "severity": {"": "Any severity", **{s.value: s.label for s in Severity}},
        "clause": {"": "Any clause", **dict(clause_choices())},
        "department": department_choices("All departments", include_inactive=True),
        "owner": {"": "Anyone", **{str(user.id): user.full_name for user in queries.owners()}},
        "age": {"": "Any age", **workflow.AGE_BAND_LABELS},
        # The control filter comes from a control's page: offer the one chosen, not the whole catalogue.
        "control": {"": "Any control", **({str(control.id): str(control)} if control else {})},
    }


@bp.get("")
@permission_required(NONCONFORMITY_VIEW)
def index():
    today = local_today()
    filters = queries.NonconformityFilters.from_args(request.args)
    statement = queries.filtered(filters, today)
    fmt = requested_export()
    if fmt:
        rows = all_matching(statement, sort_columns=queries.SORT_COLUMNS, default_sort=queries.DEFAULT_SORT,
                            default_direction="desc", tiebreaker=Nonconformity.id)
        return audited_export(rows, nonconformity_columns(today), fmt, "khusela-nonconformities",
                              entity_type="nonconformity", what="nonconformities")
    listing = Listing.from_request(statement, sort_columns=queries.SORT_COLUMNS, default_sort=queries.DEFAULT_SORT,
                                   default_direction="desc", tiebreaker=Nonconformity.id)
    return render_template("nonconformities/list.html", listing=listing, filters=filters,
                           choices=_filter_choices(filters), today=today, is_overdue=queries.is_overdue,
                           open_actions=queries.open_action_count, age_in_days=workflow.age_in_days)


@bp.get("/summary")
@permission_required(NONCONFORMITY_VIEW)
def summary():
    today = local_today()
    open_count, overdue_count = queries.counts(today)
    return render_template("nonconformities/summary.html", today=today, open_count=open_count,
                           overdue_count=overdue_count, ageing=queries.ageing(today),
                           trend=queries.trend_by_source(today), clauses=queries.by_clause(),
                           by_status=queries.by_status(), statuses=list(NonconformityStatus))
