"""What the estate puts at risk: items past (or near) their vendor's end of support, by department
and by site, and the refresh priority list of old kit."""

from __future__ import annotations

from flask import render_template, request

from app.assets import queries
from app.assets.exports import ASSET_COLUMNS, REFRESH_COLUMNS
from app.assets.models import Asset
from app.assets.views import bp
from app.auth.permissions import ASSET_VIEW, permission_required
from app.common.export import audited_export
from app.common.listing import Listing, all_matching, requested_export
from app.common.timeutil import local_today

UNSUPPORTED_SORT = {"support": Asset.support_ends_on, "tag": Asset.tag, "impact": Asset.business_impact,
                    "department": queries.SORT_COLUMNS["department"], "site": queries.SORT_COLUMNS["site"]}
REFRESH_SORT = {"priority": queries.REFRESH_ORDER}
REFRESH_AGES = (5, 6, 7, 8, 10, 12)


def _choice(name: str, allowed: tuple[int, ...], default: int) -> int:
    text = request.args.get(name, "")
    return int(text) if text.isdigit() and int(text) in allowed else default


@bp.get("/unsupported")
@permission_required(ASSET_VIEW)
def unsupported():
    today = local_today()
    within = _choice("within", queries.UNSUPPORTED_WINDOWS, 0)
    statement = queries.unsupported_items(today, within)
    fmt = requested_export()
    if fmt:
        rows = all_matching(statement, sort_columns=UNSUPPORTED_SORT, default_sort="support", tiebreaker=Asset.id)
        return audited_export(rows, ASSET_COLUMNS, fmt, "khusela-unsupported-assets", entity_type="asset",
                              what="unsupported assets")
    listing = Listing.from_request(statement, sort_columns=UNSUPPORTED_SORT, default_sort="support",
                                   tiebreaker=Asset.id)
    sites, sites_count = queries.unsupported_by_site(today, within)
    risks, risks_count, unlinked = queries.risks_of_unsupported(today, within)
    return render_template("assets/unsupported.html", listing=listing, today=today, within=within,
                           windows=queries.UNSUPPORTED_WINDOWS, departments=queries.unsupported_by_department(
                               today, within), sites=sites, sites_count=sites_count, risks=risks,
                           risks_count=risks_count, unlinked=unlinked)


@bp.get("/refresh")
@permission_required(ASSET_VIEW)
def refresh():
    today = local_today()
    older_than = _choice("older_than", REFRESH_AGES, queries.REFRESH_AGE_YEARS)
    statement = queries.refresh_candidates(today, older_than)
    fmt = requested_export()
    if fmt:
        rows = all_matching(statement, sort_columns=REFRESH_SORT, default_sort="priority")
        return audited_export(list(enumerate(rows, start=1)), REFRESH_COLUMNS, fmt, "khusela-refresh-priorities",
                              entity_type="asset", what="refresh priorities")
    listing = Listing.from_request(statement, sort_columns=REFRESH_SORT, default_sort="priority")
    return render_template("assets/refresh.html", listing=listing, today=today, older_than=older_than,
                           ages=REFRESH_AGES, by_profile=queries.refresh_by_profile(today, older_than))
