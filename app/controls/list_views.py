"""The catalogue as a list: filtered, sorted, paged and exported."""

from __future__ import annotations

from flask import render_template, request

from app.auth.permissions import CONTROL_VIEW, permission_required
from app.common.choices import department_choices
from app.common.export import audited_export
from app.common.listing import Listing, all_matching, requested_export
from app.controls import queries, services
from app.controls.exports import CONTROL_COLUMNS
from app.controls.models import CYBERSECURITY_CONCEPTS, SECURITY_PROPERTIES, Control, ControlType, Theme
from app.controls.views import bp


def _filter_choices() -> dict[str, dict[str, str]]:
    return {
        "source": {"": "Annex A and internal", "annex_a": "Annex A only", "internal": "Internal only"},
        "catalogue": {"": "Every catalogue", **{name: name for name in services.catalogues()}},
        "theme": {"": "Any theme", **{t.value: t.value for t in Theme}},
        "type": {"": "Any type", **{t.value: t.value for t in ControlType}},
        "property": {"": "Any property", **{p: p for p in SECURITY_PROPERTIES}},
        "concept": {"": "Any concept", **{c: c for c in CYBERSECURITY_CONCEPTS}},
        "owner": {"": "Anyone", **{str(user.id): user.full_name for user in queries.control_owners()}},
        "department": department_choices("All departments", include_inactive=True),
        "status": {queries.STATUS_ACTIVE: "In use", queries.STATUS_RETIRED: "Retired", queries.STATUS_ANY: "Any"},
    }


@bp.get("")
@permission_required(CONTROL_VIEW)
def index():
    filters = queries.ControlFilters.from_args(request.args)
    statement = queries.filtered_controls(filters)
    fmt = requested_export()
    if fmt:
        rows = all_matching(statement, sort_columns=queries.SORT_COLUMNS, default_sort=queries.DEFAULT_SORT,
                            tiebreaker=Control.id)
        return audited_export(rows, CONTROL_COLUMNS, fmt, "khusela-controls", entity_type="control",
                              what="controls")
    listing = Listing.from_request(statement, sort_columns=queries.SORT_COLUMNS, default_sort=queries.DEFAULT_SORT,
                                   tiebreaker=Control.id)
    return render_template("controls/list.html", listing=listing, filters=filters, choices=_filter_choices(),
                           split=Control.split)
