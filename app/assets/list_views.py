"""The CMDB as a list: filtered, searched, sorted, paged and exported."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from app.assets import queries, services
from app.assets.exports import ASSET_COLUMNS
from app.assets.models import Asset, AssetKind, Lifecycle, LinkSpeed, SiteType
from app.assets.views import bp
from app.auth.permissions import ASSET_VIEW, RISK_VIEW, permission_required
from app.common.choices import department_choices
from app.common.export import audited_export
from app.common.listing import Listing, all_matching, requested_export
from app.common.timeutil import local_today
from app.risks import services as risk_services
from app.risks.models import Risk

RATING_FILTER = {"": "Any", **{str(level): f"{level} or higher" for level in range(5, 0, -1)}}


def _filter_choices() -> dict[str, dict[str, str]]:
    return {
        "kind": {"": "Any type", **{kind.value: kind.label for kind in AssetKind}},
        "status": {queries.STATUS_ACTIVE: "In the estate (planned to in repair)", queries.STATUS_ANY: "Any",
                   **{status.value: status.label for status in Lifecycle}},
        "department": department_choices("All departments", include_inactive=True),
        "owner": {"": "Anyone", **{str(user.id): user.full_name for user in queries.asset_owners()}},
        "classification": {"": "Any", **{label: label for label in services.classifications()}},
        "product": {"": "Any", **{str(product.id): str(product) for product in queries.products()}},
        "impact": RATING_FILTER,
        "confidentiality": RATING_FILTER,
        "integrity": RATING_FILTER,
        "availability": RATING_FILTER,
        "support": {"": "Any", queries.SUPPORT_ENDED: "Ended (unsupported)",
                    queries.SUPPORT_ENDING: f"Ends within {queries.SUPPORT_ENDING_DAYS} days",
                    queries.SUPPORT_UNKNOWN: "No date known"},
        "older_than": {"": "Any age", **{str(years): f"Older than {years} years" for years in (3, 5, 8, 10)}},
        "site_type": {"": "Any", **{kind.value: kind.label for kind in SiteType}},
        "link_speed": {"": "Any", **{speed.value: speed.label for speed in LinkSpeed}},
    }


@bp.get("")
@permission_required(ASSET_VIEW)
def index():
    today = local_today()
    filters = queries.AssetFilters.from_args(request.args)
    statement = queries.filtered_assets(filters, today)
    fmt = requested_export()
    if fmt:
        rows = all_matching(statement, sort_columns=queries.SORT_COLUMNS, default_sort=queries.DEFAULT_SORT,
                            tiebreaker=Asset.id)
        return audited_export(rows, ASSET_COLUMNS, fmt, "khusela-assets", entity_type="asset", what="assets")
    listing = Listing.from_request(statement, sort_columns=queries.SORT_COLUMNS, default_sort=queries.DEFAULT_SORT,
                                   tiebreaker=Asset.id)
    return render_template("assets/list.html", listing=listing, filters=filters, choices=_filter_choices(),
                           today=today, linked_risk=_linked_risk(filters.risk_id))


def _linked_risk(risk_id: int | None) -> Risk | None:
    """The risk whose items the list is limited to, named only to someone who may read that risk (the
    per-risk rule, should a role that reads the CMDB ever read only some risks)."""
    risk = risk_services.get_risk(risk_id) if risk_id is not None else None
    return risk if risk is not None and risk_services.may_act_on(current_user, risk, RISK_VIEW) else None
