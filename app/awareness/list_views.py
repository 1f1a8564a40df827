"""The campaign list (filtered, sorted, paged, exported) and the completion rates per department over
time, with their trend."""

from __future__ import annotations

from flask import render_template, request

from app.admin.services import all_departments
from app.auth.permissions import AWARENESS_VIEW, permission_required
from app.awareness import queries, services
from app.awareness.exports import campaign_columns
from app.awareness.models import Campaign, Channel
from app.awareness.views import bp
from app.common.export import audited_export
from app.common.listing import Listing, all_matching, id_arg, requested_export
from app.common.timeutil import local_today


def _choices() -> dict[str, dict[str, str]]:
    return {
        "channel": {"": "Any channel", **{channel.value: channel.label for channel in Channel}},
        "state": {"": "Any", **queries.STATES},
        "department": {"": "Any department", **{str(d.id): d.code for d in all_departments()}},
    }


@bp.get("")
@permission_required(AWARENESS_VIEW)
def index():
    today = local_today()
    filters = queries.CampaignFilters.from_args(request.args)
    statement = queries.campaigns(filters, today)
    fmt = requested_export()
    if fmt:
        rows = all_matching(statement, sort_columns=queries.CAMPAIGN_SORT_COLUMNS, default_sort="starts",
                            default_direction="desc", tiebreaker=Campaign.id)
        return audited_export(rows, campaign_columns(queries.rates(rows)), fmt, "khusela-awareness-campaigns",
                              entity_type="awareness_campaign", what="awareness campaigns")
    listing = Listing.from_request(statement, sort_columns=queries.CAMPAIGN_SORT_COLUMNS, default_sort="starts",
                                   default_direction="desc", tiebreaker=Campaign.id)
    return render_template("awareness/index.html", listing=listing, filters=filters, choices=_choices(),
                           rates=queries.rates(listing.items), today=today, target=services.target_rate())


@bp.get("/rates")
@permission_required(AWARENESS_VIEW)
def rates():
    """Completion per department, month by month over the last year, and the trend of the whole."""
    today = local_today()
    department_id = id_arg(request.args, "department")
    months = queries.monthly_rates(today, department_id=department_id)
    departments = queries.departments_by_id({d for month in months for d in month.by_department})
    target = services.target_rate()
    chart = queries.completion_trend(months, target, "awareness-trend")
    return render_template("awareness/rates.html", months=months, chart=chart, target=target,
                           departments=sorted(departments.values(), key=lambda d: d.code),
                           choices=_choices(), department_id=department_id)
