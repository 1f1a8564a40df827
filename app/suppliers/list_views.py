"""The supplier register as a list: filtered, sorted, paged and exported (CSV and XLSX)."""

from __future__ import annotations

from flask import render_template, request

from app.auth.permissions import SUPPLIER_VIEW, permission_required
from app.common.export import audited_export
from app.common.listing import Listing, all_matching, requested_export
from app.common.timeutil import local_today
from app.extensions import db
from app.risks.models import Risk
from app.suppliers import queries, rules
from app.suppliers.exports import supplier_columns
from app.suppliers.models import Criticality, SecurityClause, Supplier, SupplierStatus
from app.suppliers.views import bp


def _filter_choices(filters: queries.SupplierFilters) -> dict[str, dict[str, str]]:
    risk = db.session.get(Risk, filters.risk_id) if filters.risk_id else None
    either = {"": "Either", "yes": "Yes", "no": "No"}
    return {
        "status": {queries.STATUS_CURRENT: "Current (not exited)", **{s.value: s.label for s in SupplierStatus},
                   queries.STATUS_ANY: "Any, exited too"},
        "criticality": {"": "Any criticality", **{c.value: c.label for c in Criticality}},
        "owner": {"": "Anyone", **{str(user.id): user.full_name for user in queries.owners()}},
        "operator": either, "cloud": either,
        "gap": {"": "Any", **queries.GAP_LABELS},
        "assessment": {"": "Any", **queries.ASSESSMENT_LABELS},
        "clause_missing": {"": "Any", **{c.value: c.label for c in SecurityClause}},
        # The risk filter comes from a risk's link: offer the one chosen, not the whole register.
        "risk": {"": "Any risk", **({str(risk.id): str(risk)} if risk else {})},
    }


@bp.get("")
@permission_required(SUPPLIER_VIEW)
def index():
    today = local_today()
    filters = queries.SupplierFilters.from_args(request.args)
    statement = queries.filtered(filters, today)
    fmt = requested_export()
    if fmt:
        rows = all_matching(statement, sort_columns=queries.SORT_COLUMNS, default_sort=queries.DEFAULT_SORT,
                            tiebreaker=Supplier.id)
        return audited_export(rows, supplier_columns(today), fmt, "khusela-suppliers", entity_type="supplier",
                              what="suppliers")
    listing = Listing.from_request(statement, sort_columns=queries.SORT_COLUMNS, default_sort=queries.DEFAULT_SORT,
                                   tiebreaker=Supplier.id)
    return render_template("suppliers/list.html", listing=listing, filters=filters, choices=_filter_choices(filters),
                           today=today, gaps=lambda supplier: rules.gaps(rules.facts_of(supplier), today),
                           ending_days=queries.contract_reminder_days())
