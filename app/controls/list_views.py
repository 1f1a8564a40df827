"""The catalogue as a list: filtered, sorted, paged and exported."""

from __future__ import annotations

from flask import render_template, request

from app.auth.permissions import CONTROL_VIEW, permission_required
from app.common.choices import department_choices
from app.common.export import Column, audited_export
from app.common.listing import Listing, all_matching, requested_export
from app.controls import queries, services
from app.controls.models import CYBERSECURITY_CONCEPTS, SECURITY_PROPERTIES, Control, ControlType, Frequency, Theme
from app.controls.views import bp

EXPORT_COLUMNS = [
    Column("Catalogue", lambda c: c.catalogue, 24),
    Column("Reference", lambda c: c.reference, 11),
    Column("Title", lambda c: c.title, 44),
    Column("Theme", lambda c: c.theme or "", 14),
    Column("Type", lambda c: ", ".join(Control.split(c.control_types)), 20),
    Column("Security properties", lambda c: ", ".join(Control.split(c.security_properties)), 22),
    Column("Cybersecurity concepts", lambda c: ", ".join(Control.split(c.cybersecurity_concepts)), 22),
    Column("Description", lambda c: c.description, 60),
    Column("Owner", lambda c: c.owner.full_name if c.owner else "", 24),
    Column("Department", lambda c: c.department.code if c.department else "", 12),
    Column("Operates", lambda c: Frequency(c.frequency).label if c.frequency else "", 14),
    Column("Implements (Annex A)", lambda c: "; ".join(a.reference for a in c.annex_a_controls), 20),
    Column("Implemented by", lambda c: "; ".join(i.reference for i in c.implemented_by), 20),
    Column("In use", lambda c: "yes" if c.active else "no", 8),
]


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
        return audited_export(rows, EXPORT_COLUMNS, fmt, "khusela-controls", entity_type="control",
                              what="controls")
    listing = Listing.from_request(statement, sort_columns=queries.SORT_COLUMNS, default_sort=queries.DEFAULT_SORT,
                                   tiebreaker=Control.id)
    return render_template("controls/list.html", listing=listing, filters=filters, choices=_filter_choices(),
                           split=Control.split)
